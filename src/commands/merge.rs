//! `rofrsim merge SHARD_DIR... --out DIR`: join the shard folders of
//! `run --shard` into one run folder, byte-identical to the run of all the
//! trials on one machine, and print its headline as `run` does.

use std::path::PathBuf;

use super::{Control, Ended, print};
use crate::jobs::shard::{MergeOptions, Merged, merge};

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
    match merged {
        Merged::Run {
            scenario,
            opts,
            result,
            notes,
        } => {
            for note in &notes {
                crate::jobs::progress(note);
            }
            print(&super::run::headline(&scenario, &opts, &result))
        }
        Merged::Sweep {
            out,
            combinations,
            notes,
        } => {
            for note in &notes {
                crate::jobs::progress(note);
            }
            print(&format!(
                "sweep of {combinations} combinations written to {}\n{}",
                out.join(crate::folder::sweep::FILE).display(),
                super::text::outputs(&out)
            ))
        }
    }
}
