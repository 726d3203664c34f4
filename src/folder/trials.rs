//! `trials.csv`: one row per trial — its index, the inputs given as
//! distributions (the values drawn), then the outcomes of
//! [`outcomes::OUTCOMES`]. Written row by row
//! while the trials run, whole, without the inputs or not at all
//! ([`TrialsCsv`]); read back by `compare` and `report`.

use std::fmt::{self, Write as _};
use std::io::Read;
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::cells::{push_number, push_uint};
use super::outcomes::{self, IP_EXPIRY_CAUSE, OUTCOMES};
use super::{bad_file, open_file};
use crate::engine::{ExpiryCause, Model, Outcome};
use crate::error::Error;
use crate::scenario::{Month, Uncertain};

/// The file's name in an output folder.
pub const FILE: &str = "trials.csv";

/// What a run writes to `trials.csv` (`--trials-csv`): a baseline row is
/// about 1.8 KB with its inputs and 0.56 KB without, so a large run may
/// keep only the outcomes, or nothing.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase", try_from = "String")]
pub enum TrialsCsv {
    /// The trial index, the inputs drawn and the outcomes.
    #[default]
    Full,
    /// The trial index and the outcomes: all `compare` and `report` read.
    Outcomes,
    /// No `trials.csv`.
    None,
}

impl TrialsCsv {
    /// Every choice, as `--trials-csv` spells it.
    pub const ALL: [TrialsCsv; 3] = [TrialsCsv::Full, TrialsCsv::Outcomes, TrialsCsv::None];

    /// The word `--trials-csv` and `manifest.json` use.
    pub fn label(self) -> &'static str {
        match self {
            TrialsCsv::Full => "full",
            TrialsCsv::Outcomes => "outcomes",
            TrialsCsv::None => "none",
        }
    }

    /// Whether `trials.csv` is written at all.
    pub fn written(self) -> bool {
        self != TrialsCsv::None
    }

    /// Whether its rows hold the inputs drawn.
    pub fn with_inputs(self) -> bool {
        self == TrialsCsv::Full
    }

    /// Whether it is the default, `full` (which `manifest.json` leaves
    /// unsaid, as manifests did before the choice existed).
    pub fn is_full(&self) -> bool {
        *self == TrialsCsv::Full
    }
}

/// Read from `manifest.json`: an unknown word is refused with the key and
/// the words it may be.
impl TryFrom<String> for TrialsCsv {
    type Error = String;

    fn try_from(word: String) -> Result<TrialsCsv, String> {
        TrialsCsv::ALL
            .into_iter()
            .find(|m| m.label() == word)
            .ok_or_else(|| {
                format!("`trials_csv` is {word:?}; expected \"full\", \"outcomes\" or \"none\"")
            })
    }
}

impl fmt::Display for TrialsCsv {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// The file a run writes its trials to (`--trials-format`): `trials.csv`,
/// or `trials.parquet` with typed columns, about half the size
/// ([`super::trials_parquet`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase", try_from = "String")]
pub enum TrialsFormat {
    /// `trials.csv`.
    #[default]
    Csv,
    /// `trials.parquet`.
    Parquet,
}

impl TrialsFormat {
    /// Every choice, as `--trials-format` spells it.
    pub const ALL: [TrialsFormat; 2] = [TrialsFormat::Csv, TrialsFormat::Parquet];

    /// The word `--trials-format` and `manifest.json` use.
    pub fn label(self) -> &'static str {
        match self {
            TrialsFormat::Csv => "csv",
            TrialsFormat::Parquet => "parquet",
        }
    }

    /// The file's name in an output folder.
    pub fn file(self) -> &'static str {
        match self {
            TrialsFormat::Csv => FILE,
            TrialsFormat::Parquet => super::trials_parquet::FILE,
        }
    }

    /// Whether it is the default, `csv` (which `manifest.json` leaves
    /// unsaid, as manifests did before the choice existed).
    pub fn is_csv(&self) -> bool {
        *self == TrialsFormat::Csv
    }
}

/// Read from `manifest.json`: an unknown word is refused with the key and
/// the words it may be.
impl TryFrom<String> for TrialsFormat {
    type Error = String;

    fn try_from(word: String) -> Result<TrialsFormat, String> {
        TrialsFormat::ALL
            .into_iter()
            .find(|m| m.label() == word)
            .ok_or_else(|| format!("`trials_format` is {word:?}; expected \"csv\" or \"parquet\""))
    }
}

impl fmt::Display for TrialsFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// The inputs given as distributions: (input index, column name).
pub fn input_columns(model: &Model<'_>) -> Vec<(usize, String)> {
    model
        .scenario
        .inputs
        .all()
        .iter()
        .enumerate()
        .filter(|(_, i)| matches!(i.value, Uncertain::Dist(_)))
        .map(|(k, i)| (k, i.path.clone()))
        .collect()
}

/// The header row's column names, the inputs' only `with_inputs`.
pub fn header(model: &Model<'_>, with_inputs: bool) -> Vec<String> {
    let mut h = vec!["trial".to_string()];
    if with_inputs {
        h.extend(input_columns(model).into_iter().map(|(_, name)| name));
    }
    h.extend(outcomes::trial_columns(model));
    h
}

/// Formats one row (with trailing newline) into `line`: `values` are the
/// trial's sampled inputs by input id (`inputs` the columns to write, none
/// for [`TrialsCsv::Outcomes`]), `metrics` its numeric outcomes as
/// [`outcomes::metrics`] gives them.
pub fn row(
    model: &Model<'_>,
    trial: u64,
    inputs: &[(usize, String)],
    values: &[f64],
    o: &Outcome,
    metrics: &[f64],
    line: &mut String,
) {
    let start = model.scenario.start;
    push_uint(line, trial, 0);
    for (k, _) in inputs {
        line.push(',');
        push_number(line, values[*k]);
    }
    let mut numbers = metrics.iter();
    let providers = model.scenario.providers.len();
    for c in OUTCOMES {
        match c.read {
            outcomes::Read::Date(date) => {
                line.push(',');
                if let Some(m) = date(o) {
                    push_date(line, start.plus(m as i32));
                }
            }
            outcomes::Read::Cause => {
                line.push(',');
                line.push_str(o.ip_expiry_cause.map_or("", ExpiryCause::label));
            }
            outcomes::Read::Number(_) | outcomes::Read::PerProvider(_) => {
                let count = if c.per_provider() { providers } else { 1 };
                for &x in numbers.by_ref().take(count) {
                    line.push(',');
                    push_number(line, x);
                }
            }
            outcomes::Read::Probability(_) => {}
        }
    }
    line.push('\n');
}

/// Writes the first day of month `m` as `YYYY-MM-01`, as
/// `{:04}-{:02}-01` does.
fn push_date(line: &mut String, m: Month) {
    match u64::try_from(m.year()) {
        Ok(year) => {
            push_uint(line, year, 4);
            line.push('-');
            push_uint(line, u64::from(m.month_of_year()), 2);
            line.push_str("-01");
        }
        // Before year 0 (no scenario starts there): the formatter's sign.
        Err(_) => {
            let _ = write!(line, "{:04}-{:02}-01", m.year(), m.month_of_year());
        }
    }
}

/// The outcomes of an output folder's `trials.csv`: every numeric column
/// after `ip_expiry_cause`, and the cause, one value per trial in order.
#[derive(Debug, Clone, Default)]
pub struct Trials {
    /// (column name, values; NaN for an empty cell), in file order.
    pub outcomes: Vec<(String, Vec<f64>)>,
    /// `ip_expiry_cause` per trial.
    pub causes: Vec<ExpiryCause>,
}

impl Trials {
    /// Reads `trials.csv` (or `trials.parquet`, as `format` says) of `dir`,
    /// which must hold `trials` rows (the count its manifest records): a
    /// truncated or altered file is refused with the line where it goes
    /// wrong.
    pub fn read(dir: &Path, trials: u64, format: TrialsFormat) -> Result<Trials, Error> {
        if format == TrialsFormat::Parquet {
            return super::trials_parquet::read(dir, trials);
        }
        let path = dir.join(FILE);
        let file = open_file(&path, dir)?;
        Trials::parse(&path, file, trials)
    }

    /// Parses `trials.csv` text; `path` names it in messages. Never panics,
    /// whatever the bytes.
    pub fn parse(path: &Path, text: impl Read, trials: u64) -> Result<Trials, Error> {
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(true)
            .from_reader(text);
        let header = reader
            .headers()
            .map_err(|e| super::csv_error(path, &e))?
            .clone();
        let Some(cause_col) = header.iter().position(|h| h == IP_EXPIRY_CAUSE) else {
            return Err(bad_file(path, format!("no `{IP_EXPIRY_CAUSE}` column")));
        };
        // Outcomes follow the cause column; inputs and dates come before it.
        let mut outcomes: Vec<(String, Vec<f64>)> = header
            .iter()
            .skip(cause_col + 1)
            .map(|n| (n.to_string(), Vec::new()))
            .collect();
        let mut causes = Vec::new();
        let mut record = csv::StringRecord::new();
        loop {
            match reader.read_record(&mut record) {
                Ok(true) => {}
                Ok(false) => break,
                Err(e) => return Err(super::csv_error(path, &e)),
            }
            let line = record.position().map_or(0, |p| p.line());
            if record.len() != header.len() {
                return Err(bad_file(
                    path,
                    format!(
                        "line {line} has {} fields, the header {}",
                        record.len(),
                        header.len()
                    ),
                ));
            }
            let cause = record.get(cause_col).unwrap_or("");
            causes.push(ExpiryCause::parse(cause).ok_or_else(|| {
                bad_file(
                    path,
                    format!(
                        "line {line}: column `{IP_EXPIRY_CAUSE}`: `{cause}` is not agi, sunset or beyond_horizon"
                    ),
                )
            })?);
            for ((name, column), cell) in outcomes.iter_mut().zip(record.iter().skip(cause_col + 1))
            {
                column.push(super::number(path, line, name, cell)?);
            }
        }
        if causes.len() as u64 != trials {
            return Err(bad_file(
                path,
                format!(
                    "holds {} trials but manifest.json says {trials}: the file is truncated or altered",
                    causes.len()
                ),
            ));
        }
        Ok(Trials { outcomes, causes })
    }

    /// One outcome column (empty if absent).
    pub fn get(&self, name: &str) -> &[f64] {
        self.outcomes
            .iter()
            .find(|(n, _)| n == name)
            .map_or(&[], |(_, v)| v.as_slice())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_as_the_formatter_writes_them() {
        // Months from 1000-01 (the earliest a scenario names) on, and far
        // beyond either end of the four-digit years.
        let first = Month::new(1000, 1).unwrap();
        for k in [
            0, 11, 12_300, 107_999, 108_000, 108_001, -1, -12_000, -12_001, -200_000,
        ] {
            let m = first.plus(k);
            let mut line = String::new();
            push_date(&mut line, m);
            assert_eq!(line, format!("{:04}-{:02}-01", m.year(), m.month_of_year()));
        }
    }
}
