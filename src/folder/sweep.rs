//! `sweep.csv`: one row per combination of varied values and metric — a
//! leading column per varied key, then the cells of `summary.csv`, so a
//! pivot table over the leading columns reads it directly.

use super::cells::csv_field;
use super::summary;
use crate::analysis::stats::Summary;

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
