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
    /// Write the workbook summary.xlsx (tables and native charts) into each
    /// OUTDIR instead of the HTML report.
    #[arg(long, conflicts_with = "out")]
    xlsx: bool,
}

/// Runs `rofrsim report`.
pub(super) fn run(args: Args) -> Result<(), Ended> {
    if args.xlsx {
        let mut text = String::new();
        for dir in &args.outdirs {
            let written = crate::report::xlsx::write(dir)?;
            text.push_str(&format!("workbook written to {}\n", written.display()));
        }
        return print(&text);
    }
    let written = report(&ReportOptions {
        inputs: args.outdirs,
        out: args.out,
        force: args.force,
    })?;
    let n = written.charts.len();
    let mut text = format!(
        "report written to {} ({n} chart{})\n",
        written.html.display(),
        if n == 1 { "" } else { "s" }
    );
    if !written.without_trials.is_empty() {
        let dirs: Vec<String> = written
            .without_trials
            .iter()
            .map(|d| d.display().to_string())
            .collect();
        text.push_str(&format!(
            "  not drawn: the charts from trials.csv, which {} does not have (--trials-csv none; compare keeps it with --keep-runs)\n",
            dirs.join(", ")
        ));
    }
    print(&text)
}
