//! `sweep.csv`: one row per combination of varied values and metric — a
//! leading column per varied key, then the cells of `summary.csv`, so a
//! pivot table over the leading columns reads it directly. Read back by
//! `report`.

use std::collections::BTreeMap;
use std::path::Path;

use super::cells::csv_field;
use super::summary;
use super::{Header, bad_file, csv_error, number, open_csv};
use crate::analysis::stats::Summary;
use crate::error::Error;

/// The file's name in a sweep folder.
pub const FILE: &str = "sweep.csv";

/// The header row (with newline) for the varied `keys`.
pub fn header(keys: &[&str]) -> String {
    let mut out = String::new();
    for k in keys {
        out.push_str(&csv_field(k));
        out.push(',');
    }
    out.push_str("metric,");
    out.push_str(&summary::columns().join(","));
    out.push('\n');
    out
}

/// Appends one combination's rows: `values` of the varied keys as given,
/// then each `summary.csv` row.
pub fn push_rows(out: &mut String, values: &[&str], rows: &[(String, Option<Summary>)]) {
    for (metric, s) in rows {
        for v in values {
            out.push_str(&csv_field(v));
            out.push(',');
        }
        out.push_str(metric);
        out.push(',');
        summary::push_cells(out, s.as_ref());
        out.push('\n');
    }
}

/// One row of `sweep.csv` as read back.
#[derive(Debug, Clone, PartialEq)]
pub struct SweepRow {
    /// The varied keys' values, as written.
    pub values: Vec<String>,
    /// The metric (`target:…` for a target).
    pub metric: String,
    /// Its `summary.csv` statistics by column (NaN for an empty cell).
    pub stats: BTreeMap<String, f64>,
}

/// `sweep.csv` as read back.
#[derive(Debug, Clone, Default)]
pub struct SweepTable {
    /// The varied keys: the columns before `metric`.
    pub keys: Vec<String>,
    /// Rows in file order.
    pub rows: Vec<SweepRow>,
}

impl SweepTable {
    /// Reads `sweep.csv` of sweep folder `dir`.
    pub fn read(dir: &Path) -> Result<SweepTable, Error> {
        let path = dir.join(FILE);
        let mut reader = open_csv(&path, dir)?;
        let cols = Header::read(&path, &mut reader)?;
        let metric_i = cols.index("metric")?;
        for c in ["n", "mean", "p5", "p50", "p95"] {
            cols.index(c)?;
        }
        let keys: Vec<String> = cols.names[..metric_i].to_vec();
        let mut rows = Vec::new();
        for record in reader.records() {
            let record = record.map_err(|e| csv_error(&path, &e))?;
            let line = record.position().map_or(0, |p| p.line());
            let mut stats = BTreeMap::new();
            for (i, name) in cols.names.iter().enumerate().skip(metric_i + 1) {
                let v = number(&path, line, name, record.get(i).unwrap_or(""))?;
                stats.insert(name.clone(), v);
            }
            rows.push(SweepRow {
                values: (0..metric_i)
                    .map(|i| record.get(i).unwrap_or("").to_string())
                    .collect(),
                metric: record.get(metric_i).unwrap_or("").to_string(),
                stats,
            });
        }
        if rows.is_empty() {
            return Err(bad_file(&path, "no rows (only a header)"));
        }
        Ok(SweepTable { keys, rows })
    }

    /// The statistic `column` of `metric` at the combination `values`
    /// (None when absent or empty).
    pub fn stat(&self, values: &[&str], metric: &str, column: &str) -> Option<f64> {
        self.rows
            .iter()
            .find(|r| {
                r.metric == metric
                    && r.values
                        .iter()
                        .map(String::as_str)
                        .eq(values.iter().copied())
            })
            .and_then(|r| r.stats.get(column).copied())
            .filter(|v| v.is_finite())
    }

    /// The metrics in file order, each once.
    pub fn metrics(&self) -> Vec<&str> {
        let mut out: Vec<&str> = Vec::new();
        for r in &self.rows {
            if !out.contains(&r.metric.as_str()) {
                out.push(&r.metric);
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sweep_csv_reads_back_as_written() {
        let dir = tempfile::tempdir().expect("temp dir");
        let s = crate::analysis::stats::summarise(&[1.0, 2.0, 3.0]);
        let mut text = header(&["a.b", "c"]);
        push_rows(&mut text, &["0.1", "\"x,y\""], &[("m".into(), s.clone())]);
        push_rows(&mut text, &["0.2", "z"], &[("m".into(), None)]);
        std::fs::write(dir.path().join(FILE), &text).expect("write");
        let t = SweepTable::read(dir.path()).expect("read");
        assert_eq!(t.keys, ["a.b", "c"]);
        assert_eq!(t.rows[0].values, ["0.1", "\"x,y\""]);
        assert_eq!(t.stat(&["0.1", "\"x,y\""], "m", "mean"), Some(2.0));
        assert_eq!(t.stat(&["0.2", "z"], "m", "mean"), None);
        assert_eq!(t.metrics(), ["m"]);
        std::fs::write(dir.path().join(FILE), text.replace(",2,", ",two,")).expect("write");
        let e = SweepTable::read(dir.path()).unwrap_err().to_string();
        assert!(e.contains("sweep.csv") && e.contains("two"), "{e}");
    }
}
