//! `rofrsim report OUTDIR [OUTDIR…] [--out FILE.html]`: charts and a
//! one-page HTML report from output folders.

use std::path::PathBuf;

use super::{Ended, print};
use crate::report::{ReportOptions, report};

/// Options of `rofrsim report`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Output folders of `run` (several: compared, the first is the
    /// baseline) or of `compare`.
    #[arg(required = true, num_args = 1.., value_name = "OUTDIR")]
    outdirs: Vec<PathBuf>,
    /// The HTML file (default: OUTDIR/report.html; with several run
    /// folders, report-compare.html in the first).
    #[arg(long, value_name = "FILE.html")]
    out: Option<PathBuf>,
    /// Write the workbook summary.xlsx (tables and native charts) into each
    /// OUTDIR instead of the HTML report; takes sweep folders too.
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
    })?;
    let mut text = format!(
        "report written to {} ({} charts)\n",
        written.html.display(),
        written.charts.len()
    );
    if !written.without_trials.is_empty() {
        let dirs: Vec<String> = written
            .without_trials
            .iter()
            .map(|d| d.display().to_string())
            .collect();
        text.push_str(&format!(
            "  not drawn: the charts from trials.csv, which {} did not write (--trials-csv none; compare writes it with --keep-runs)\n",
            dirs.join(", ")
        ));
    }
    print(&text)
}
