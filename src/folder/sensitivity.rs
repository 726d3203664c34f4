//! `sensitivity.csv`: which uncertain input drives which outcome, one row
//! per (outcome, input), as the analysis ranks them. Written by `run`; read
//! by `rofrsim sensitivity` and `report`.

use std::fmt::Write as _;
use std::io::Read;
use std::path::Path;

use super::cells::push_number;
use super::{bad_file, csv_error, open_csv};
use crate::analysis::sensitivity::Row;
use crate::error::Error;

/// The file's name in an output folder.
pub const FILE: &str = "sensitivity.csv";

/// The header row.
pub const COLUMNS: &str =
    "metric,input,rank,spearman,variance_share,mean_low_decile,mean_high_decile,swing,n";

/// The whole file.
pub fn csv(rows: &[Row]) -> String {
    let mut out = format!("{COLUMNS}\n");
    for r in rows {
        let _ = write!(out, "{},{},{}", r.metric, r.input, r.rank);
        for x in [
            r.spearman,
            r.variance_share,
            r.mean_low_decile,
            r.mean_high_decile,
            r.swing(),
        ] {
            out.push(',');
            push_number(&mut out, x);
        }
        let _ = writeln!(out, ",{}", r.n);
    }
    out
}

/// Reads `sensitivity.csv` of `dir`.
pub fn read(dir: &Path) -> Result<Vec<Row>, Error> {
    let path = dir.join(FILE);
    let reader = open_csv(&path, dir)?;
    parse_records(&path, reader)
}

/// Parses `sensitivity.csv` text; `path` names it in messages. Never
/// panics, whatever the bytes.
pub fn parse(path: &Path, text: impl Read) -> Result<Vec<Row>, Error> {
    parse_records(path, csv::Reader::from_reader(text))
}

fn parse_records<R: Read>(path: &Path, mut reader: csv::Reader<R>) -> Result<Vec<Row>, Error> {
    let header = reader
        .headers()
        .map_err(|e| csv_error(path, &e))?
        .iter()
        .collect::<Vec<_>>()
        .join(",");
    if header != COLUMNS {
        return Err(bad_file(
            path,
            format!("unexpected header (expected {COLUMNS})"),
        ));
    }
    let mut rows: Vec<Row> = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| csv_error(path, &e))?;
        let line = record.position().map_or(0, |p| p.line());
        let cell = |k: usize| record.get(k).unwrap_or("");
        let not = |k: usize, what: &str| {
            bad_file(
                path,
                format!(
                    "line {line}: column `{}`: `{}` is not {what}",
                    COLUMNS.split(',').nth(k).unwrap_or(""),
                    cell(k)
                ),
            )
        };
        let num = |k: usize| {
            cell(k)
                .parse::<f64>()
                .ok()
                .filter(|x| x.is_finite())
                .ok_or_else(|| not(k, "a number"))
        };
        let whole = |k: usize| cell(k).parse::<u64>().map_err(|_| not(k, "a whole number"));
        let row = Row {
            metric: cell(0).to_string(),
            input: cell(1).to_string(),
            rank: u32::try_from(whole(2)?).map_err(|_| not(2, "a rank"))?,
            spearman: num(3)?,
            variance_share: num(4)?,
            mean_low_decile: num(5)?,
            mean_high_decile: num(6)?,
            n: usize::try_from(whole(8)?).map_err(|_| not(8, "a count"))?,
        };
        num(7)?;
        rows.push(row);
    }
    Ok(rows)
}
