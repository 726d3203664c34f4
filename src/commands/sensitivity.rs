//! `rofrsim sensitivity OUTDIR [--metric NAME] [--top K]`: which inputs
//! drive an outcome, from a run folder's `sensitivity.csv`.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use super::text::{Align, render, short};
use super::{Ended, print};
use crate::analysis::sensitivity::Row;
use crate::error::Error;
use crate::folder::{Kind, Reader, outcomes, sensitivity};

/// Options of `rofrsim sensitivity`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Output folder of a run.
    outdir: PathBuf,
    /// Outcome metric (default: the headline outcomes).
    #[arg(long)]
    metric: Option<String>,
    /// Show at most this many inputs per metric (at least 1).
    #[arg(long, default_value_t = 15, value_parser = clap::value_parser!(u16).range(1..))]
    top: u16,
}

/// Runs `rofrsim sensitivity`.
pub(super) fn run(args: Args) -> Result<(), Ended> {
    let dir = &args.outdir;
    Kind::expect(dir, Reader::Sensitivity)?;
    let rows = sensitivity::read(dir)?;
    let text = format_rows(
        &dir.join(sensitivity::FILE),
        &rows,
        args.metric.as_deref(),
        usize::from(args.top),
    )?;
    print(&text)
}

/// The tables `rofrsim sensitivity` prints for `metric` (or the headline
/// metrics).
pub fn format_rows(
    path: &Path,
    rows: &[Row],
    metric: Option<&str>,
    top: usize,
) -> Result<String, Error> {
    let available: Vec<&str> = {
        let mut m: Vec<&str> = rows.iter().map(|r| r.metric.as_str()).collect();
        m.dedup();
        m
    };
    let wanted: Vec<&str> = match metric {
        Some(m) if available.contains(&m) => vec![m],
        Some(m) => {
            let near = crate::scenario::nearest_names(m, available.iter().copied(), 3);
            let hint = if near.is_empty() {
                available.join(", ")
            } else {
                format!("did you mean {}?", near.join(" or "))
            };
            return Err(Error::Usage(format!(
                "no sensitivity for metric `{m}` in {} ({hint}; constant metrics have none)",
                path.display()
            )));
        }
        None => outcomes::HEADLINE
            .iter()
            .copied()
            .filter(|m| available.contains(m))
            .collect(),
    };
    if rows.is_empty() {
        return Ok(format!(
            "{}: no outcome varies with an uncertain input in this run (too few trials, or no input given as a distribution)\n",
            path.display()
        ));
    }
    let mut out = String::new();
    for m in wanted {
        let list: Vec<&Row> = rows.iter().filter(|r| r.metric == m).take(top).collect();
        let n = list.first().map_or(0, |r| r.n);
        let _ = writeln!(out, "{m} ({n} trials): inputs ranked by tornado swing");
        let cells: Vec<[String; 5]> = list
            .iter()
            .map(|r| {
                [
                    r.input.clone(),
                    format!("{:+.3}", r.spearman),
                    format!("{:.1} %", r.variance_share * 100.0),
                    format!(
                        "{} → {}",
                        short(r.mean_low_decile),
                        short(r.mean_high_decile)
                    ),
                    short(r.swing()),
                ]
            })
            .collect();
        out.push_str(&render(
            "  ",
            [
                "input",
                "rank corr",
                "var share",
                "mean: low → high decile",
                "swing",
            ],
            [
                Align::Left,
                Align::Right,
                Align::Right,
                Align::Right,
                Align::Right,
            ],
            &cells,
        ));
        out.push('\n');
    }
    Ok(out)
}
