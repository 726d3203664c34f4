//! `rofrsim merge SHARD_DIR... --out DIR`: join the shard folders of
//! `run --shard` into one run folder, byte-identical to the run of all the
//! trials on one machine, and print its headline as `run` does.

use std::path::PathBuf;

use super::{Control, Ended, print};
use crate::jobs::shard::{MergeOptions, merge};

/// Options of `rofrsim merge`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The shard folders (from `rofrsim run --shard`), in any order; a
    /// shard given twice (a task run again) is taken once.
    #[arg(required = true, value_name = "SHARD_DIR")]
    shards: Vec<PathBuf>,
    /// The run folder to write.
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
    /// How to run: threads, --force, --quiet.
    #[command(flatten)]
    control: Control,
}

/// Runs `rofrsim merge`.
pub(super) fn run(args: Args) -> Result<(), Ended> {
    let merged = merge(&MergeOptions {
        shards: args.shards,
        out: args.out,
        threads: args.control.threads(),
        force: args.control.force,
        quiet: args.control.quiet,
    })?;
    for note in &merged.notes {
        crate::jobs::progress(note);
    }
    print(&super::run::headline(
        &merged.scenario,
        &merged.opts,
        &merged.result,
    ))
}
