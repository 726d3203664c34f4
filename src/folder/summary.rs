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
/// report them, then the 95 % intervals of the mean and of each percentile
/// (last, so that the columns before them keep their places in users'
/// spreadsheets).
pub fn columns() -> Vec<String> {
    let percentile = |p: &f64| format!("p{}", (p * 100.0).round());
    let mut cols: Vec<String> = ["n", "mean", "sd", "min"].map(String::from).to_vec();
    cols.extend(SUMMARY_PERCENTILES.iter().map(percentile));
    cols.extend(["max", "variance", "skewness", "kurtosis", "cv", "sem"].map(String::from));
    for stat in ["mean".to_string()]
        .into_iter()
        .chain(SUMMARY_PERCENTILES.iter().map(percentile))
    {
        cols.push(format!("{stat}_ci_low"));
        cols.push(format!("{stat}_ci_high"));
    }
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
        .chain([s.sem])
        .chain(
            [s.mean_ci]
                .into_iter()
                .chain(s.percentile_cis)
                .flat_map(|ci| ci.map_or([missing; 2], |(low, high)| [low, high])),
        );
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::stats::summarise;

    /// The intervals come after every column that was there before them,
    /// and every row has a cell for each column.
    #[test]
    fn interval_columns_come_last() {
        let cols = columns().join(",");
        let (before, intervals) = cols.split_at(cols.find(",mean_ci_low").unwrap());
        assert_eq!(
            before,
            "n,mean,sd,min,p1,p5,p10,p25,p50,p75,p90,p95,p99,max,variance,skewness,kurtosis,cv,sem"
        );
        assert_eq!(
            intervals,
            ",mean_ci_low,mean_ci_high,p1_ci_low,p1_ci_high,p5_ci_low,p5_ci_high,\
             p10_ci_low,p10_ci_high,p25_ci_low,p25_ci_high,p50_ci_low,p50_ci_high,\
             p75_ci_low,p75_ci_high,p90_ci_low,p90_ci_high,p95_ci_low,p95_ci_high,\
             p99_ci_low,p99_ci_high"
        );
        let ten: Vec<f64> = (1..=10).map(f64::from).collect();
        for s in [summarise(&ten), summarise(&[1.0]), None] {
            let mut row = String::new();
            push_cells(&mut row, s.as_ref());
            assert_eq!(row.split(',').count(), columns().len(), "{row}");
        }
        // 1..=10: the median's interval [x_(2), x_(9)]; none for p1.
        let mut row = String::new();
        push_cells(&mut row, summarise(&ten).as_ref());
        let cell = |name: &str| {
            let i = columns().iter().position(|c| c == name).unwrap();
            row.split(',').nth(i).unwrap().to_string()
        };
        assert_eq!(
            (cell("p50_ci_low"), cell("p50_ci_high")),
            ("2".into(), "9".into())
        );
        assert_eq!(
            (cell("p1_ci_low"), cell("p1_ci_high")),
            (String::new(), String::new())
        );
        assert!(cell("mean_ci_low").starts_with("3.334"), "{row}");
    }
}
