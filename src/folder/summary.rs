//! `summary.csv`: one row per numeric outcome (and per probability row and
//! `--target`), with the statistics spreadsheet risk tools report. Written
//! by `run` (and, row for row, inside `sweep.csv`); read by `report`.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

use super::cells::push_number;
use super::{bad_file, csv_error, number, open_csv};
use crate::analysis::stats::{SUMMARY_PERCENTILES, Summary};
use crate::error::Error;

/// The file's name in an output folder.
pub const FILE: &str = "summary.csv";

/// The statistic columns (after `metric`), as spreadsheet risk tools
/// report them.
pub fn columns() -> Vec<String> {
    let mut cols: Vec<String> = ["n", "mean", "sd", "min"].map(String::from).to_vec();
    cols.extend(
        SUMMARY_PERCENTILES
            .iter()
            .map(|p| format!("p{}", (p * 100.0).round())),
    );
    cols.extend(["max", "variance", "skewness", "kurtosis", "cv", "sem"].map(String::from));
    cols
}

/// The cells of one row, in [`columns`] order (without the metric name and
/// trailing newline). No value in any trial (e.g. IP never expires within
/// the horizon) gives n = 0 and empty cells, never NaN.
pub fn push_cells(out: &mut String, s: Option<&Summary>) {
    let Some(s) = s else {
        out.push('0');
        out.push_str(&",".repeat(columns().len() - 1));
        return;
    };
    let _ = write!(out, "{}", s.n);
    let missing = f64::NAN;
    let cells = [s.mean, s.sd, s.min]
        .into_iter()
        .chain(s.percentiles)
        .chain([s.max, s.variance])
        .chain([s.skewness, s.kurtosis, s.cv].map(|x| x.unwrap_or(missing)))
        .chain([s.sem]);
    for x in cells {
        out.push(',');
        push_number(out, x);
    }
}

/// The whole file: one row per metric.
pub fn csv(rows: &[(String, Option<Summary>)]) -> String {
    let mut out = format!("metric,{}\n", columns().join(","));
    for (name, s) in rows {
        out.push_str(name);
        out.push(',');
        push_cells(&mut out, s.as_ref());
        out.push('\n');
    }
    out
}

/// `summary.csv` as read back: metric → column → value (NaN for an empty
/// cell).
#[derive(Debug, Clone, Default)]
pub struct SummaryTable {
    /// Metrics in file order, with their statistics.
    pub rows: Vec<(String, BTreeMap<String, f64>)>,
}

impl SummaryTable {
    /// Reads `summary.csv` of `dir`.
    pub fn read(dir: &Path) -> Result<SummaryTable, Error> {
        let path = dir.join(FILE);
        let mut reader = open_csv(&path, dir)?;
        let cols = super::Header::read(&path, &mut reader)?;
        let metric_i = cols.index("metric")?;
        for c in ["n", "mean", "p5", "p50", "p95"] {
            cols.index(c)?;
        }
        let mut rows = Vec::new();
        for record in reader.records() {
            let record = record.map_err(|e| csv_error(&path, &e))?;
            let line = record.position().map_or(0, |p| p.line());
            let mut stats = BTreeMap::new();
            for (i, name) in cols.names.iter().enumerate() {
                if i != metric_i {
                    let v = number(&path, line, name, record.get(i).unwrap_or(""))?;
                    stats.insert(name.clone(), v);
                }
            }
            rows.push((record.get(metric_i).unwrap_or("").to_string(), stats));
        }
        if rows.is_empty() {
            return Err(bad_file(&path, "no rows (only a header)"));
        }
        Ok(SummaryTable { rows })
    }

    /// One statistic of one metric (None when absent or empty).
    pub fn stat(&self, metric: &str, column: &str) -> Option<f64> {
        self.rows
            .iter()
            .find(|(m, _)| m == metric)
            .and_then(|(_, s)| s.get(column).copied())
            .filter(|v| v.is_finite())
    }
}
