//! Reading a run's output folder for the report: `manifest.json`,
//! `timeseries.csv`, `summary.csv`, `sensitivity.csv`, `trials.csv`, and a
//! comparison's `compare.csv`. Only the files are read (never the engine),
//! so a report can be drawn from any folder `rofrsim run` wrote, on any
//! machine. A missing or malformed file is an [`Error::Usage`] (exit 2)
//! naming the file, and the line and column where it can.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::error::Error;

/// A problem with a file of an output folder (exit 2).
pub(crate) fn bad_file(path: &Path, what: impl std::fmt::Display) -> Error {
    Error::Usage(format!("report: {}: {what}", path.display()))
}

fn open_csv(path: &Path) -> Result<csv::Reader<std::fs::File>, Error> {
    let file = std::fs::File::open(path).map_err(|e| {
        bad_file(
            path,
            format!("cannot read it ({e}); is the folder the output of `rofrsim run`?"),
        )
    })?;
    Ok(csv::ReaderBuilder::new()
        .has_headers(true)
        .from_reader(file))
}

fn csv_error(path: &Path, e: &csv::Error) -> Error {
    match e.position() {
        Some(p) => bad_file(path, format!("line {}: malformed CSV: {e}", p.line())),
        None => bad_file(path, format!("malformed CSV: {e}")),
    }
}

/// The header of a CSV file, with the index of each required column.
struct Columns {
    path: PathBuf,
    names: Vec<String>,
}

impl Columns {
    fn read(path: &Path, reader: &mut csv::Reader<std::fs::File>) -> Result<Columns, Error> {
        let names = reader
            .headers()
            .map_err(|e| csv_error(path, &e))?
            .iter()
            .map(str::to_string)
            .collect::<Vec<_>>();
        if names.iter().all(|n| n.is_empty()) {
            return Err(bad_file(path, "empty file (no header row)"));
        }
        Ok(Columns {
            path: path.to_path_buf(),
            names,
        })
    }

    fn index(&self, name: &str) -> Result<usize, Error> {
        self.names
            .iter()
            .position(|n| n == name)
            .ok_or_else(|| bad_file(&self.path, format!("no column `{name}` in the header")))
    }
}

/// Parses a numeric cell; an empty cell is `NaN` ("none").
fn number(path: &Path, line: u64, column: &str, cell: &str) -> Result<f64, Error> {
    if cell.is_empty() {
        return Ok(f64::NAN);
    }
    match cell.parse::<f64>() {
        Ok(v) if v.is_finite() => Ok(v),
        _ => Err(bad_file(
            path,
            format!("line {line}: column `{column}`: `{cell}` is not a number"),
        )),
    }
}

/// `YYYY-MM-DD` or `YYYY-MM` as a decimal year (2033-07 → 2033.5).
pub fn decimal_year(text: &str) -> Option<f64> {
    let mut parts = text.split('-');
    let year: i32 = parts.next()?.parse().ok()?;
    let month: u32 = parts.next()?.parse().ok()?;
    if !(1..=12).contains(&month) {
        return None;
    }
    Some(f64::from(year) + f64::from(month - 1) / 12.0)
}

/// What `manifest.json` records about the run.
#[derive(Debug, Clone)]
pub struct Manifest {
    /// Scenario name.
    pub name: String,
    /// Scenario description (may be empty).
    pub description: String,
    /// Seed of every random stream.
    pub seed: u64,
    /// Number of trials.
    pub trials: u64,
    /// The command that reproduces the run.
    pub reproduce: String,
    /// rofrsim version that wrote it.
    pub version: String,
    /// First simulated month, `YYYY-MM`.
    pub start: String,
    /// Last simulated month, `YYYY-MM`.
    pub end: String,
    /// `--set` overrides.
    pub overrides: Vec<String>,
}

impl Manifest {
    /// Reads `manifest.json` of `dir`.
    pub fn read(dir: &Path) -> Result<Manifest, Error> {
        let path = dir.join("manifest.json");
        let text = std::fs::read_to_string(&path).map_err(|e| {
            bad_file(
                &path,
                format!("cannot read it ({e}); is the folder the output of `rofrsim run`?"),
            )
        })?;
        let v: serde_json::Value = serde_json::from_str(&text)
            .map_err(|e| bad_file(&path, format!("not valid JSON: {e}")))?;
        let text_of = |key: &str| v.get(key).and_then(|x| x.as_str()).map(str::to_string);
        let scenario = v.get("scenario");
        let scen_text = |key: &str| {
            scenario
                .and_then(|s| s.get(key))
                .and_then(|x| x.as_str())
                .map(str::to_string)
        };
        let missing = |key: &str| bad_file(&path, format!("missing or wrong type: `{key}`"));
        Ok(Manifest {
            name: scen_text("name").ok_or_else(|| missing("scenario.name"))?,
            description: scen_text("description").unwrap_or_default(),
            seed: v
                .get("seed")
                .and_then(|x| x.as_u64())
                .ok_or_else(|| missing("seed"))?,
            trials: v
                .get("trials")
                .and_then(|x| x.as_u64())
                .ok_or_else(|| missing("trials"))?,
            reproduce: text_of("reproduce").ok_or_else(|| missing("reproduce"))?,
            version: text_of("rofrsim_version").unwrap_or_default(),
            start: text_of("start").unwrap_or_default(),
            end: text_of("end").unwrap_or_default(),
            overrides: scenario
                .and_then(|s| s.get("overrides"))
                .and_then(|o| o.as_array())
                .map(|a| {
                    a.iter()
                        .filter_map(|x| x.as_str().map(str::to_string))
                        .collect()
                })
                .unwrap_or_default(),
        })
    }
}

/// One month of one metric in `timeseries.csv`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Band {
    /// The month as a decimal year (2025-01 → 2025.0).
    pub x: f64,
    /// Mean over trials.
    pub mean: f64,
    /// 5th percentile.
    pub p5: f64,
    /// 25th percentile.
    pub p25: f64,
    /// Median.
    pub p50: f64,
    /// 75th percentile.
    pub p75: f64,
    /// 95th percentile.
    pub p95: f64,
}

/// `timeseries.csv`: every metric's months, in file order.
#[derive(Debug, Clone, Default)]
pub struct Timeseries {
    /// Metric → its months in order.
    pub metrics: BTreeMap<String, Vec<Band>>,
    /// Providers, in the order their `capacity_<p>_gw` rows first appear.
    pub providers: Vec<String>,
}

impl Timeseries {
    /// Reads `timeseries.csv` of `dir`.
    pub fn read(dir: &Path) -> Result<Timeseries, Error> {
        let path = dir.join("timeseries.csv");
        let mut reader = open_csv(&path)?;
        let cols = Columns::read(&path, &mut reader)?;
        let names = ["month", "metric", "mean", "p5", "p25", "p50", "p75", "p95"];
        let idx = names
            .iter()
            .map(|n| cols.index(n))
            .collect::<Result<Vec<_>, _>>()?;
        let mut ts = Timeseries::default();
        for record in reader.records() {
            let record = record.map_err(|e| csv_error(&path, &e))?;
            let line = record.position().map_or(0, |p| p.line());
            let cell = |i: usize| record.get(idx[i]).unwrap_or("");
            let x = decimal_year(cell(0)).ok_or_else(|| {
                bad_file(
                    &path,
                    format!("line {line}: `{}` is not a YYYY-MM-DD month", cell(0)),
                )
            })?;
            let metric = cell(1).to_string();
            let num = |i: usize| number(&path, line, names[i], cell(i));
            let band = Band {
                x,
                mean: num(2)?,
                p5: num(3)?,
                p25: num(4)?,
                p50: num(5)?,
                p75: num(6)?,
                p95: num(7)?,
            };
            if let Some(p) = metric
                .strip_prefix("capacity_")
                .and_then(|m| m.strip_suffix("_gw"))
                && !ts.providers.iter().any(|q| q == p)
            {
                ts.providers.push(p.to_string());
            }
            ts.metrics.entry(metric).or_default().push(band);
        }
        for m in ["demand_gw", "unmet_gw", "azure_share", "ip_active"] {
            if !ts.metrics.contains_key(m) {
                return Err(bad_file(&path, format!("no rows for metric `{m}`")));
            }
        }
        Ok(ts)
    }

    /// The months of `metric` (empty if absent).
    pub fn get(&self, metric: &str) -> &[Band] {
        self.metrics.get(metric).map_or(&[], Vec::as_slice)
    }
}

/// `summary.csv`: metric → column → value (NaN for an empty cell).
#[derive(Debug, Clone, Default)]
pub struct Summary {
    /// Metrics in file order, with their statistics.
    pub rows: Vec<(String, BTreeMap<String, f64>)>,
}

impl Summary {
    /// Reads `summary.csv` of `dir`.
    pub fn read(dir: &Path) -> Result<Summary, Error> {
        let path = dir.join("summary.csv");
        let mut reader = open_csv(&path)?;
        let cols = Columns::read(&path, &mut reader)?;
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
        Ok(Summary { rows })
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

/// One row of `sensitivity.csv`.
#[derive(Debug, Clone, PartialEq)]
pub struct Sensitivity {
    /// Outcome.
    pub metric: String,
    /// Uncertain input (a scenario path).
    pub input: String,
    /// 1 = largest |swing|.
    pub rank: u32,
    /// Spearman rank correlation.
    pub spearman: f64,
    /// Outcome mean when the input is in its bottom decile.
    pub mean_low_decile: f64,
    /// Outcome mean when the input is in its top decile.
    pub mean_high_decile: f64,
    /// `mean_high_decile - mean_low_decile`.
    pub swing: f64,
}

/// Reads `sensitivity.csv` of `dir`.
pub fn read_sensitivity(dir: &Path) -> Result<Vec<Sensitivity>, Error> {
    let path = dir.join("sensitivity.csv");
    let mut reader = open_csv(&path)?;
    let cols = Columns::read(&path, &mut reader)?;
    let names = [
        "metric",
        "input",
        "rank",
        "spearman",
        "mean_low_decile",
        "mean_high_decile",
        "swing",
    ];
    let idx = names
        .iter()
        .map(|n| cols.index(n))
        .collect::<Result<Vec<_>, _>>()?;
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| csv_error(&path, &e))?;
        let line = record.position().map_or(0, |p| p.line());
        let cell = |i: usize| record.get(idx[i]).unwrap_or("");
        let num = |i: usize| number(&path, line, names[i], cell(i));
        let rank = cell(2).parse::<u32>().map_err(|_| {
            bad_file(
                &path,
                format!(
                    "line {line}: column `rank`: `{}` is not a whole number",
                    cell(2)
                ),
            )
        })?;
        rows.push(Sensitivity {
            metric: cell(0).to_string(),
            input: cell(1).to_string(),
            rank,
            spearman: num(3)?,
            mean_low_decile: num(4)?,
            mean_high_decile: num(5)?,
            swing: num(6)?,
        });
    }
    Ok(rows)
}

/// Why the IP rights ended in a trial.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cause {
    /// Verified AGI.
    Agi,
    /// The sunset date.
    Sunset,
    /// They outlast the horizon.
    BeyondHorizon,
}

/// The columns of `trials.csv` the report draws: every numeric outcome from
/// `ip_expiry_year` on, and `ip_expiry_cause`.
#[derive(Debug, Clone, Default)]
pub struct Trials {
    /// Outcome → one value per trial (NaN = empty), in trial order.
    pub columns: BTreeMap<String, Vec<f64>>,
    /// `ip_expiry_cause` per trial.
    pub causes: Vec<Cause>,
}

impl Trials {
    /// Reads the outcome columns of `trials.csv` of `dir`.
    pub fn read(dir: &Path) -> Result<Trials, Error> {
        let path = dir.join("trials.csv");
        let mut reader = open_csv(&path)?;
        let cols = Columns::read(&path, &mut reader)?;
        let cause_i = cols.index("ip_expiry_cause")?;
        let first = cols.index("ip_expiry_year")?;
        let wanted: Vec<(usize, String)> = cols
            .names
            .iter()
            .enumerate()
            .skip(first)
            .map(|(i, n)| (i, n.clone()))
            .collect();
        for need in ["microsoft_value_npv_usd_bn", "openai_revenue_usd_bn"] {
            cols.index(need)?;
        }
        let mut values: Vec<Vec<f64>> = vec![Vec::new(); wanted.len()];
        let mut causes = Vec::new();
        let mut record = csv::StringRecord::new();
        loop {
            match reader.read_record(&mut record) {
                Ok(true) => {}
                Ok(false) => break,
                Err(e) => return Err(csv_error(&path, &e)),
            }
            let line = record.position().map_or(0, |p| p.line());
            for (k, (i, name)) in wanted.iter().enumerate() {
                values[k].push(number(&path, line, name, record.get(*i).unwrap_or(""))?);
            }
            causes.push(match record.get(cause_i).unwrap_or("") {
                "agi" => Cause::Agi,
                "sunset" => Cause::Sunset,
                "beyond_horizon" => Cause::BeyondHorizon,
                other => {
                    return Err(bad_file(
                        &path,
                        format!(
                            "line {line}: column `ip_expiry_cause`: `{other}` is not agi, sunset or beyond_horizon"
                        ),
                    ));
                }
            });
        }
        if causes.is_empty() {
            return Err(bad_file(&path, "no trials (only a header)"));
        }
        Ok(Trials {
            columns: wanted.into_iter().map(|(_, n)| n).zip(values).collect(),
            causes,
        })
    }

    /// One outcome column (empty if absent).
    pub fn get(&self, name: &str) -> &[f64] {
        self.columns.get(name).map_or(&[], Vec::as_slice)
    }
}

/// Everything the report draws from one run's folder.
#[derive(Debug, Clone)]
pub struct RunData {
    /// The folder.
    pub dir: PathBuf,
    /// `manifest.json`.
    pub manifest: Manifest,
    /// `timeseries.csv`.
    pub timeseries: Timeseries,
    /// `summary.csv`.
    pub summary: Summary,
    /// `sensitivity.csv`.
    pub sensitivity: Vec<Sensitivity>,
    /// `trials.csv` outcomes.
    pub trials: Trials,
}

impl RunData {
    /// Reads every file the report needs from `dir`.
    pub fn read(dir: &Path) -> Result<RunData, Error> {
        if !dir.is_dir() {
            return Err(bad_file(dir, "no such folder"));
        }
        Ok(RunData {
            dir: dir.to_path_buf(),
            manifest: Manifest::read(dir)?,
            timeseries: Timeseries::read(dir)?,
            summary: Summary::read(dir)?,
            sensitivity: read_sensitivity(dir)?,
            trials: Trials::read(dir)?,
        })
    }
}

/// `compare.csv` of a `rofrsim compare` folder: header and rows as text
/// (shown as written, so the table in the report is the file).
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
        let path = dir.join("compare.csv");
        let mut reader = open_csv(&path)?;
        let cols = Columns::read(&path, &mut reader)?;
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
}
