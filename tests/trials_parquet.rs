//! `run --trials-format parquet` end to end (docs/outputs.md,
//! "trials.parquet"): the file holds every cell of the same run's
//! `trials.csv`, typed, read back with the parquet crate's own reader and
//! with Python's pyarrow; its bytes do not depend on the threads;
//! `--from-manifest` repeats it; `compare` and `report` read it. The
//! sharded case is in tests/shard_cli.rs. Small runs (the debug binary).

mod common;

use std::fs;
use std::path::Path;

use arrow_array::types::UInt8Type;
use arrow_array::{
    Array, Date32Array, DictionaryArray, Float64Array, RecordBatchReader, StringArray, UInt64Array,
};
use arrow_schema::DataType;
use common::{Csv, Run, rofrsim};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

const BASELINE: &str = "scenarios/baseline.toml";

fn tempdir() -> tempfile::TempDir {
    tempfile::Builder::new()
        .prefix("rofrsim-parquet-")
        .tempdir()
        .expect("create a temporary folder")
}

fn ok(run: Run) -> Run {
    assert_eq!(run.code, Some(0), "{}", run.dump());
    assert!(run.crash_signs().is_empty(), "{}", run.dump());
    run
}

fn s(p: &Path) -> &str {
    p.to_str().expect("a UTF-8 path")
}

fn run(out: &Path, extra: &[&str]) -> Run {
    let mut args = vec!["run", BASELINE, "--quiet", "--out", s(out)];
    args.extend_from_slice(extra);
    rofrsim(args)
}

/// Days from 1970-01-01 to `YYYY-MM-DD`, counted month by month (not the
/// formula the code uses).
fn days(date: &str) -> i32 {
    let parts: Vec<i32> = date
        .split('-')
        .map(|p| p.parse().expect("a date's number"))
        .collect();
    let (year, month, day) = (parts[0], parts[1], parts[2]);
    let leap = |y: i32| (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let length = |y: i32, m: i32| match m {
        2 if leap(y) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    };
    assert!(year >= 1970, "{date}");
    let mut n = 0;
    for y in 1970..year {
        n += if leap(y) { 366 } else { 365 };
    }
    for m in 1..month {
        n += length(year, m);
    }
    n + day - 1
}

/// A column of the parquet file as the CSV would show each cell: numbers
/// as f64 bits (compared exactly), dates as days, text as text; None for
/// a null.
#[derive(Debug, PartialEq)]
enum Cell {
    Number(u64),
    Day(i32),
    Text(String),
    Null,
}

fn read_parquet(path: &Path) -> (Vec<(String, DataType)>, Vec<Vec<Cell>>) {
    let file = fs::File::open(path).expect("open trials.parquet");
    let reader = ParquetRecordBatchReaderBuilder::try_new(file)
        .expect("a Parquet file")
        .build()
        .expect("a reader");
    let schema = reader.schema();
    let fields: Vec<(String, DataType)> = schema
        .fields()
        .iter()
        .map(|f| (f.name().clone(), f.data_type().clone()))
        .collect();
    let mut columns: Vec<Vec<Cell>> = fields.iter().map(|_| Vec::new()).collect();
    for batch in reader {
        let batch = batch.expect("a batch");
        for (k, array) in batch.columns().iter().enumerate() {
            let any = array.as_any();
            for i in 0..array.len() {
                let cell = if array.is_null(i) {
                    Cell::Null
                } else if let Some(a) = any.downcast_ref::<UInt64Array>() {
                    Cell::Number((a.value(i) as f64).to_bits())
                } else if let Some(a) = any.downcast_ref::<Float64Array>() {
                    Cell::Number(a.value(i).to_bits())
                } else if let Some(a) = any.downcast_ref::<Date32Array>() {
                    Cell::Day(a.value(i))
                } else if let Some(a) = any.downcast_ref::<DictionaryArray<UInt8Type>>() {
                    let labels = a
                        .values()
                        .as_any()
                        .downcast_ref::<StringArray>()
                        .expect("a dictionary of strings");
                    Cell::Text(labels.value(a.keys().value(i) as usize).to_string())
                } else {
                    panic!("column {} is {}", fields[k].0, array.data_type());
                };
                columns[k].push(cell);
            }
        }
    }
    (fields, columns)
}

/// The CSV cell as [`Cell`], for the column's type.
fn csv_cell(text: &str, data_type: &DataType) -> Cell {
    if text.is_empty() {
        return Cell::Null;
    }
    match data_type {
        DataType::Date32 => Cell::Day(days(text)),
        DataType::Dictionary(_, _) => Cell::Text(text.to_string()),
        _ => Cell::Number(text.parse::<f64>().expect("a number").to_bits()),
    }
}

#[test]
fn trials_parquet_holds_every_cell_of_trials_csv_typed() {
    let dir = tempdir();
    let d = dir.path();
    // Not a multiple of the chunk (1,024): the last batch is short.
    let common = ["--trials", "2500", "--paths", "2"];
    ok(run(&d.join("csv"), &common));
    let r = ok(run(
        &d.join("parquet"),
        &[&common[..], &["--trials-format", "parquet"]].concat(),
    ));
    assert!(r.stdout.contains("outputs:"), "{}", r.stdout);
    assert!(!d.join("parquet/trials.csv").exists());

    let csv = Csv::read(&d.join("csv/trials.csv"));
    let (fields, columns) = read_parquet(&d.join("parquet/trials.parquet"));
    let names: Vec<&str> = fields.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, csv.header, "the columns and their order");
    for (name, data_type) in &fields {
        let expected = match name.as_str() {
            "trial" => DataType::UInt64,
            "agi_declared" | "agi_verified" | "ip_expiry" => DataType::Date32,
            "ip_expiry_cause" => {
                DataType::Dictionary(Box::new(DataType::UInt8), Box::new(DataType::Utf8))
            }
            _ => DataType::Float64,
        };
        assert_eq!(data_type, &expected, "column {name}");
    }
    assert_eq!(csv.rows.len(), 2500);
    let mut nulls = 0;
    for (k, (name, data_type)) in fields.iter().enumerate() {
        assert_eq!(columns[k].len(), csv.rows.len(), "rows of {name}");
        for (i, row) in csv.rows.iter().enumerate() {
            let expected = csv_cell(&row[k], data_type);
            nulls += usize::from(expected == Cell::Null);
            assert_eq!(columns[k][i], expected, "row {i}, column {name}");
        }
    }
    // The baseline's IP rights end at the 2033 sunset inside the horizon,
    // and AGI is rarely declared: empty cells (nulls) are checked too.
    assert!(nulls > 0, "no empty cell compared");

    // Every other file is the CSV run's; the manifest says the format.
    for name in [
        "summary.csv",
        "timeseries.csv",
        "timeseries_wide.csv",
        "sensitivity.csv",
        "paths.csv",
    ] {
        assert!(
            fs::read(d.join("csv").join(name)).unwrap()
                == fs::read(d.join("parquet").join(name)).unwrap(),
            "{name} differs"
        );
    }
    let manifest: serde_json::Value = serde_json::from_str(
        &fs::read_to_string(d.join("parquet/manifest.json")).expect("manifest"),
    )
    .expect("JSON");
    assert_eq!(manifest["trials_format"], "parquet", "{manifest}");
    let files = manifest["files"].as_array().expect("files");
    assert!(files.iter().any(|f| f == "trials.parquet"), "{manifest}");
    assert!(!files.iter().any(|f| f == "trials.csv"), "{manifest}");
    let reproduce = manifest["reproduce"].as_str().expect("reproduce");
    assert!(reproduce.contains("--trials-format parquet"), "{reproduce}");
    let csv_manifest = fs::read_to_string(d.join("csv/manifest.json")).expect("manifest");
    assert!(!csv_manifest.contains("trials_format"), "{csv_manifest}");
}

#[test]
fn trials_parquet_bytes_do_not_depend_on_threads_and_repeat_from_the_manifest() {
    let dir = tempdir();
    let d = dir.path();
    let common = [
        "--trials",
        "3000",
        "--trials-format",
        "parquet",
        "--trials-csv",
        "outcomes",
    ];
    ok(run(
        &d.join("t1"),
        &[&common[..], &["--threads", "1"]].concat(),
    ));
    ok(run(
        &d.join("t2"),
        &[&common[..], &["--threads", "2"]].concat(),
    ));
    let bytes = |p: &str| fs::read(d.join(p)).expect("read trials.parquet");
    let one = bytes("t1/trials.parquet");
    assert!(one.starts_with(b"PAR1") && one.ends_with(b"PAR1"));
    assert!(
        one == bytes("t2/trials.parquet"),
        "threads changed the bytes"
    );
    // --from-manifest repeats the format (and the outcomes-only choice).
    let again = d.join("again");
    ok(rofrsim([
        "run",
        "--from-manifest",
        s(&d.join("t1/manifest.json")),
        "--out",
        s(&again),
        "--quiet",
    ]));
    assert!(one == bytes("again/trials.parquet"), "--from-manifest");
    let (fields, _) = read_parquet(&d.join("t1/trials.parquet"));
    assert!(
        !fields.iter().any(|(n, _)| n.contains('.')),
        "--trials-csv outcomes keeps no input column: {fields:?}"
    );

    // compare and report read trials.parquet as they read trials.csv.
    ok(run(&d.join("csv"), &["--trials", "3000"]));
    let cmp = ok(rofrsim([
        "compare",
        s(&d.join("csv")),
        s(&d.join("t1")),
        "--out",
        s(&d.join("cmp")),
        "--quiet",
    ]));
    let table = Csv::read(&d.join("cmp/compare.csv"));
    let diff = table.numbers("diff");
    assert!(!diff.is_empty(), "{}", cmp.stdout);
    assert!(
        diff.iter().all(|&x| x == 0.0),
        "the same trials differ: {diff:?}"
    );
    ok(rofrsim(["report", s(&d.join("t1"))]));
    let page = fs::read_to_string(d.join("t1/report.html")).expect("report.html");
    assert!(!page.contains("Not drawn"), "the report found no trials");
    ok(rofrsim(["report", s(&d.join("t1")), "--xlsx"]));
    assert!(d.join("t1/summary.xlsx").exists());
}

/// Every cell of trials.parquet read by pyarrow equals trials.csv's.
#[test]
#[ignore = "needs python3 with pyarrow; .ci/run installs it and runs it with --include-ignored"]
fn pyarrow_reads_the_csv_values_from_trials_parquet() {
    let mut probe = common::python3();
    let o = probe
        .args(["-c", "import pyarrow"])
        .output()
        .expect("run python3");
    assert!(
        o.status.success(),
        "this test needs the Python module pyarrow (python3 -m pip install pyarrow; .ci/run installs it): {}",
        String::from_utf8_lossy(&o.stderr).trim()
    );
    let dir = tempdir();
    let d = dir.path();
    let common = ["--trials", "2100"];
    ok(run(&d.join("csv"), &common));
    ok(run(
        &d.join("parquet"),
        &[&common[..], &["--trials-format", "parquet"]].concat(),
    ));
    let o = common::python3()
        .arg(common::root().join("tests/parquet_check.py"))
        .arg(d.join("parquet/trials.parquet"))
        .arg(d.join("csv/trials.csv"))
        .output()
        .expect("run python3 tests/parquet_check.py");
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        o.status.success(),
        "parquet_check.py failed:\n{out}{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(out.starts_with("ok: 2100 rows"), "{out}");
}
