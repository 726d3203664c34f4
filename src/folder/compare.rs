//! `compare.csv`: every outcome of each run B compared with the baseline
//! A, one row per (pair, metric). Written by `compare`; read by `report`
//! (shown as written).

use std::fmt::Write as _;
use std::path::Path;

use super::cells::{csv_field, push_number};
use super::{Header, csv_error, open_csv};
use crate::analysis::comparison::Comparison;
use crate::error::Error;

/// The file's name in a compare folder.
pub const FILE: &str = "compare.csv";

/// The header row.
pub const COLUMNS: &str = "scenario_a,scenario_b,metric,paired,n_a,n_b,mean_a,mean_b,diff,diff_ci_low,diff_ci_high,p_b_greater,diff_p5,diff_p25,diff_p50,diff_p75,diff_p95,ks_d,ks_p,effect_size,significant";

fn push_num(out: &mut String, x: f64) {
    out.push(',');
    push_number(out, x);
}

/// Appends the rows of one pair (labels `a` and `b`) to `out`.
pub fn push_rows(out: &mut String, a: &str, b: &str, paired: bool, rows: &[Comparison]) {
    for c in rows {
        let _ = write!(
            out,
            "{},{},{},{}",
            csv_field(a),
            csv_field(b),
            csv_field(&c.metric),
            paired
        );
        let _ = write!(out, ",{},{}", c.n.0, c.n.1);
        push_num(out, c.mean.0);
        push_num(out, c.mean.1);
        let d = c.diff.as_ref();
        for x in [d.map(|d| d.diff), d.map(|d| d.ci_low), d.map(|d| d.ci_high)] {
            push_num(out, x.unwrap_or(f64::NAN));
        }
        push_num(out, c.p_b_greater);
        for x in c.diff_percentiles {
            push_num(out, x);
        }
        push_num(out, c.ks.map_or(f64::NAN, |k| k.0));
        push_num(out, c.ks.map_or(f64::NAN, |k| k.1));
        push_num(out, c.effect.unwrap_or(f64::NAN));
        let _ = writeln!(out, ",{}", c.significant());
    }
}

/// `compare.csv` as read back: header and rows as text (the report shows
/// the table as the file holds it).
#[derive(Debug, Clone, Default)]
pub struct CompareTable {
    /// Column names.
    pub header: Vec<String>,
    /// Rows, cells as written.
    pub rows: Vec<Vec<String>>,
}

impl CompareTable {
    /// Reads `compare.csv` of `dir`.
    pub fn read(dir: &Path) -> Result<CompareTable, Error> {
        let path = dir.join(FILE);
        let mut reader = open_csv(&path, dir)?;
        let cols = Header::read(&path, &mut reader)?;
        for c in [
            "scenario_a",
            "scenario_b",
            "metric",
            "mean_a",
            "mean_b",
            "diff",
        ] {
            cols.index(c)?;
        }
        let mut rows = Vec::new();
        for record in reader.records() {
            let record = record.map_err(|e| csv_error(&path, &e))?;
            rows.push(record.iter().map(str::to_string).collect());
        }
        Ok(CompareTable {
            header: cols.names,
            rows,
        })
    }

    /// The cell of `row` in column `name` ("" if absent).
    pub fn cell<'a>(&self, row: &'a [String], name: &str) -> &'a str {
        self.header
            .iter()
            .position(|h| h == name)
            .and_then(|i| row.get(i))
            .map_or("", String::as_str)
    }

    /// The runs compared, baseline first, by the labels in the file.
    pub fn labels(&self) -> Vec<&str> {
        let mut names: Vec<&str> = Vec::new();
        for row in &self.rows {
            for col in ["scenario_a", "scenario_b"] {
                let name = self.cell(row, col);
                if !name.is_empty() && !names.contains(&name) {
                    names.push(name);
                }
            }
        }
        names
    }
}
