//! `rofrsim report OUTDIR [OUTDIR…] [--out DIR] [--force]`: charts and a
//! one-page HTML report from output folders.

use std::path::PathBuf;

use super::{Ended, print};
use crate::report::{ReportOptions, report};

/// Options of `rofrsim report`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Output folders of `run` (several: compared, the first is the
    /// baseline), of `compare` or of `sweep`.
    #[arg(required = true, num_args = 1.., value_name = "OUTDIR")]
    outdirs: Vec<PathBuf>,
    /// The report's folder: report.html and charts/ (default: OUTDIR
    /// itself for one folder; output/report-A-vs-B… for several).
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Replace the --out folder if it exists.
    #[arg(long)]
    force: bool,
}

/// Runs `rofrsim report`.
pub(super) fn run(args: Args) -> Result<(), Ended> {
    let written = report(&ReportOptions {
        inputs: args.outdirs,
        out: args.out,
        force: args.force,
    })?;
    let n = written.charts.len();
    print(&format!(
        "report written to {} ({n} chart{})\n",
        written.html.display(),
        if n == 1 { "" } else { "s" }
    ))
}
