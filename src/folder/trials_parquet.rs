//! `trials.parquet` (`--trials-format parquet`): the rows of `trials.csv`
//! as typed columns — the trial index as an unsigned integer, the inputs
//! and numeric outcomes as doubles (an empty cell of the CSV is a null),
//! the three dates as dates (the first day of the month) and the IP expiry
//! cause as a dictionary-encoded string.
//!
//! Rows go in one record batch per chunk of [`CHUNK_ROWS`] trials, counted
//! from trial 0, and row groups hold [`ROW_GROUP_ROWS`] rows. The writer
//! cuts pages at the batches it is given, so the bytes depend only on the
//! values and these boundaries: `merge` re-cuts the shards' rows at the
//! same global boundaries and writes the file a single run writes. Memory
//! is bounded by one row group, encoded and compressed.

use std::fs::File;
use std::io::BufWriter;
use std::path::Path;
use std::sync::Arc;

use arrow_array::types::UInt8Type;
use arrow_array::{
    Array, ArrayRef, Date32Array, DictionaryArray, Float64Array, RecordBatch, RecordBatchReader,
    StringArray, UInt8Array, UInt64Array,
};
use arrow_schema::{DataType, Field, Schema, SchemaRef};
use parquet::arrow::arrow_reader::{ParquetRecordBatchReader, ParquetRecordBatchReaderBuilder};
use parquet::arrow::{ArrowWriter, ProjectionMask};
use parquet::basic::Compression;
use parquet::file::properties::WriterProperties;
use parquet::schema::types::ColumnPath;

use super::outcomes::{self, IP_EXPIRY_CAUSE, OUTCOMES};
use super::trials::{Trials, input_columns};
use super::{bad_file, open_file};
use crate::engine::{ExpiryCause, Model, Outcome};
use crate::error::Error;
use crate::scenario::Month;

/// The file's name in an output folder.
pub const FILE: &str = "trials.parquet";

/// Rows in a record batch: a chunk of the simulation's trials.
pub const CHUNK_ROWS: usize = 1024;

/// Rows in a row group: 64 chunks, about 56 MB of doubles for a baseline
/// row group with its inputs before compression — small enough to keep
/// memory flat, large enough for readers to scan column chunks efficiently.
pub const ROW_GROUP_ROWS: usize = 64 * CHUNK_ROWS;

/// The writer's settings. Snappy: fast on both ends and read by every
/// Parquet reader; about half of the doubles' bytes are random digits that
/// no codec shrinks much. A dictionary only for the dates and the cause,
/// whose values repeat: most doubles are all different, and a dictionary
/// of them costs its 8 bytes a value plus an index.
fn properties() -> WriterProperties {
    let mut builder = WriterProperties::builder()
        .set_compression(Compression::SNAPPY)
        .set_max_row_group_row_count(Some(ROW_GROUP_ROWS))
        .set_write_batch_size(CHUNK_ROWS)
        .set_dictionary_enabled(false);
    for c in OUTCOMES {
        if matches!(c.read, outcomes::Read::Date(_) | outcomes::Read::Cause) {
            builder = builder.set_column_dictionary_enabled(ColumnPath::from(c.name), true);
        }
    }
    builder.build()
}

/// The columns of `trials.parquet`, in `trials.csv`'s order and with its
/// names; the inputs only `with_inputs`.
pub fn schema(model: &Model<'_>, with_inputs: bool) -> SchemaRef {
    let mut fields = vec![Field::new("trial", DataType::UInt64, false)];
    if with_inputs {
        fields.extend(
            input_columns(model)
                .into_iter()
                .map(|(_, name)| Field::new(name, DataType::Float64, false)),
        );
    }
    let mut names = outcomes::trial_columns(model).into_iter();
    let providers = model.scenario.providers.len();
    for c in OUTCOMES {
        let (count, data_type) = match c.read {
            outcomes::Read::Date(_) => (1, DataType::Date32),
            outcomes::Read::Cause => (
                1,
                DataType::Dictionary(Box::new(DataType::UInt8), Box::new(DataType::Utf8)),
            ),
            outcomes::Read::Number(_) => (1, DataType::Float64),
            outcomes::Read::PerProvider(_) => (providers, DataType::Float64),
            outcomes::Read::Probability(_) => (0, DataType::Null),
        };
        for name in names.by_ref().take(count) {
            fields.push(Field::new(name, data_type.clone(), true));
        }
    }
    Arc::new(Schema::new(fields))
}

/// Days from 1970-01-01 to the first day of month `m` (Parquet's DATE).
pub fn epoch_days(m: Month) -> i32 {
    // Days from civil (H. Hinnant), with March as the first month of the
    // year so that the leap day comes last.
    let (y, mo) = (i64::from(m.year()), i64::from(m.month_of_year()));
    let y = if mo <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (mo + 9) % 12;
    let doy = (153 * mp + 2) / 5;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    // Scenario months lie within a few thousand years of 1970: far inside i32.
    (era * 146_097 + doe - 719_468) as i32
}

/// A chunk's rows, column by column, as the workers fill them.
#[derive(Debug, Default)]
pub struct TrialColumns {
    trial: Vec<u64>,
    inputs: Vec<Vec<f64>>,
    dates: Vec<Vec<Option<i32>>>,
    causes: Vec<Option<u8>>,
    numbers: Vec<Vec<f64>>,
}

impl TrialColumns {
    /// Empties every column, keeping its memory.
    pub fn clear(&mut self) {
        self.trial.clear();
        self.causes.clear();
        for c in &mut self.inputs {
            c.clear();
        }
        for c in &mut self.dates {
            c.clear();
        }
        for c in &mut self.numbers {
            c.clear();
        }
    }

    /// Rows held.
    pub fn len(&self) -> usize {
        self.trial.len()
    }

    /// Whether no row is held.
    pub fn is_empty(&self) -> bool {
        self.trial.is_empty()
    }

    /// Adds one trial's row, as [`super::trials::row`] formats it: `values`
    /// its sampled inputs by input id (`inputs` the columns kept), `metrics`
    /// its numeric outcomes as [`outcomes::metrics`] gives them.
    pub fn push(
        &mut self,
        model: &Model<'_>,
        trial: u64,
        inputs: &[(usize, String)],
        values: &[f64],
        o: &Outcome,
        metrics: &[f64],
    ) {
        let start = model.scenario.start;
        self.trial.push(trial);
        self.inputs.resize_with(inputs.len(), Vec::new);
        for ((k, _), column) in inputs.iter().zip(&mut self.inputs) {
            column.push(values[*k]);
        }
        let (mut dates, mut numbers) = (0, 0);
        let mut metric = metrics.iter();
        let providers = model.scenario.providers.len();
        for c in OUTCOMES {
            match c.read {
                outcomes::Read::Date(date) => {
                    if self.dates.len() <= dates {
                        self.dates.push(Vec::new());
                    }
                    self.dates[dates].push(date(o).map(|m| epoch_days(start.plus(m as i32))));
                    dates += 1;
                }
                outcomes::Read::Cause => {
                    self.causes.push(o.ip_expiry_cause.map(cause_key));
                }
                outcomes::Read::Number(_) | outcomes::Read::PerProvider(_) => {
                    let count = if c.per_provider() { providers } else { 1 };
                    for &x in metric.by_ref().take(count) {
                        if self.numbers.len() <= numbers {
                            self.numbers.push(Vec::new());
                        }
                        self.numbers[numbers].push(x);
                        numbers += 1;
                    }
                }
                outcomes::Read::Probability(_) => {}
            }
        }
    }

    /// The rows as a record batch of `schema` (from [`schema`] with the
    /// same inputs).
    pub fn batch(&self, schema: &SchemaRef) -> Result<RecordBatch, Error> {
        let mut columns: Vec<ArrayRef> = Vec::with_capacity(schema.fields().len());
        columns.push(Arc::new(UInt64Array::from(self.trial.clone())));
        // As the CSV writes them: `-0` as 0, a number too large to
        // compute (refused before it reaches here) or missing as null.
        let zero = |x: f64| if x == 0.0 { 0.0 } else { x };
        for c in &self.inputs {
            columns.push(Arc::new(
                c.iter().map(|&x| zero(x)).collect::<Float64Array>(),
            ));
        }
        let mut dates = self.dates.iter();
        let mut numbers = self.numbers.iter();
        for field in schema.fields().iter().skip(1 + self.inputs.len()) {
            let column: ArrayRef = match field.data_type() {
                DataType::Date32 => {
                    Arc::new(Date32Array::from(dates.next().cloned().unwrap_or_default()))
                }
                DataType::Dictionary(_, _) => {
                    let keys = UInt8Array::from(self.causes.clone());
                    let labels =
                        StringArray::from(ExpiryCause::ALL.map(ExpiryCause::label).to_vec());
                    Arc::new(
                        DictionaryArray::<UInt8Type>::try_new(keys, Arc::new(labels))
                            .map_err(internal)?,
                    )
                }
                _ => Arc::new(
                    numbers
                        .next()
                        .map(|c| {
                            c.iter()
                                .map(|&x| x.is_finite().then_some(zero(x)))
                                .collect::<Float64Array>()
                        })
                        .unwrap_or_else(|| Float64Array::from(Vec::<f64>::new())),
                ),
            };
            columns.push(column);
        }
        RecordBatch::try_new(schema.clone(), columns).map_err(internal)
    }
}

/// The dictionary key of a cause: its place in [`ExpiryCause::ALL`].
fn cause_key(c: ExpiryCause) -> u8 {
    ExpiryCause::ALL.iter().position(|&x| x == c).unwrap_or(0) as u8
}

/// A batch that does not fit its schema: a bug, not a user's doing.
fn internal(e: impl std::fmt::Display) -> Error {
    Error::Other(format!("internal: trials.parquet batch: {e}"))
}

/// `trials.parquet` being written.
pub struct Writer {
    arrow: ArrowWriter<BufWriter<File>>,
    schema: SchemaRef,
    /// The file as messages show it.
    name: String,
}

impl Writer {
    /// Starts the file in `file` (shown as `name`) with columns `schema`.
    pub fn create(file: BufWriter<File>, schema: SchemaRef, name: String) -> Result<Writer, Error> {
        let arrow = ArrowWriter::try_new(file, schema.clone(), Some(properties()))
            .map_err(|e| Error::Other(format!("cannot write {name}: {e}")))?;
        Ok(Writer {
            arrow,
            schema,
            name,
        })
    }

    /// The columns written.
    pub fn schema(&self) -> &SchemaRef {
        &self.schema
    }

    /// Appends one chunk's rows.
    pub fn write_columns(&mut self, rows: &TrialColumns) -> Result<(), Error> {
        if rows.is_empty() {
            return Ok(());
        }
        let batch = rows.batch(&self.schema)?;
        self.write(&batch)
    }

    /// Appends a batch of this file's columns.
    pub fn write(&mut self, batch: &RecordBatch) -> Result<(), Error> {
        self.arrow
            .write(batch)
            .map_err(|e| Error::Other(format!("cannot write {}: {e}", self.name)))
    }

    /// Writes the last row group and the footer; the file, to be synced.
    pub fn close(self) -> Result<BufWriter<File>, Error> {
        let name = self.name;
        self.arrow
            .into_inner()
            .map_err(|e| Error::Other(format!("cannot write {name}: {e}")))
    }
}

/// Opens `path` for reading in batches of [`CHUNK_ROWS`], refusing a file
/// that is not Parquet or whose columns are not `expected` (when given).
pub fn open(path: &Path, expected: Option<&SchemaRef>) -> Result<ParquetRecordBatchReader, Error> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let file = open_file(path, dir)?;
    let builder = ParquetRecordBatchReaderBuilder::try_new(file)
        .map_err(|e| bad_file(path, format!("not a readable Parquet file: {e}")))?;
    if let Some(expected) = expected {
        let found = builder.schema();
        if found.fields() != expected.fields() {
            let names = |s: &Schema| {
                s.fields()
                    .iter()
                    .map(|f| format!("{} {}", f.name(), f.data_type()))
                    .collect::<Vec<_>>()
            };
            let (found, expected) = (names(found), names(expected));
            let first = found
                .iter()
                .zip(&expected)
                .position(|(a, b)| a != b)
                .unwrap_or(found.len().min(expected.len()));
            return Err(bad_file(
                path,
                format!(
                    "has {} columns, the run {}; column {} is {}, expected {}",
                    found.len(),
                    expected.len(),
                    first + 1,
                    found.get(first).map_or("absent", |s| s.as_str()),
                    expected.get(first).map_or("absent", |s| s.as_str()),
                ),
            ));
        }
    }
    builder
        .with_batch_size(CHUNK_ROWS)
        .build()
        .map_err(|e| bad_file(path, format!("not a readable Parquet file: {e}")))
}

/// The outcomes of an output folder's `trials.parquet`, as
/// [`Trials::read`] reads `trials.csv`: every numeric column after
/// `ip_expiry_cause` (null read as NaN) and the cause; the file must hold
/// `trials` rows.
pub fn read(dir: &Path, trials: u64) -> Result<Trials, Error> {
    let path = dir.join(FILE);
    let reader = open(&path, None)?;
    let schema = reader.schema();
    let Some(cause_col) = schema
        .fields()
        .iter()
        .position(|f| f.name() == IP_EXPIRY_CAUSE)
    else {
        return Err(bad_file(&path, format!("no `{IP_EXPIRY_CAUSE}` column")));
    };
    let mut out = Trials {
        outcomes: schema
            .fields()
            .iter()
            .skip(cause_col + 1)
            .map(|f| (f.name().clone(), Vec::new()))
            .collect(),
        causes: Vec::new(),
    };
    for batch in reader {
        let batch = batch.map_err(|e| bad_file(&path, format!("cannot read it: {e}")))?;
        let causes = cause_labels(batch.column(cause_col)).map_err(|e| bad_file(&path, e))?;
        for cause in causes {
            let cause = cause.unwrap_or("");
            out.causes.push(ExpiryCause::parse(cause).ok_or_else(|| {
                bad_file(
                    &path,
                    format!(
                        "row {}: column `{IP_EXPIRY_CAUSE}`: `{cause}` is not agi, sunset or beyond_horizon",
                        out.causes.len() + 1
                    ),
                )
            })?);
        }
        for ((name, column), array) in out
            .outcomes
            .iter_mut()
            .zip(batch.columns().iter().skip(cause_col + 1))
        {
            let values = array
                .as_any()
                .downcast_ref::<Float64Array>()
                .ok_or_else(|| {
                    bad_file(
                        &path,
                        format!("column `{name}` is {}, expected Float64", array.data_type()),
                    )
                })?;
            column.extend(values.iter().map(|x| x.unwrap_or(f64::NAN)));
        }
    }
    if out.causes.len() as u64 != trials {
        return Err(bad_file(
            &path,
            format!(
                "holds {} trials but manifest.json says {trials}: the file is truncated or altered",
                out.causes.len()
            ),
        ));
    }
    Ok(out)
}

/// One numeric column of `path` (None if it has no such column), read
/// without the others: null read as NaN.
pub fn column(path: &Path, name: &str) -> Result<Option<Vec<f64>>, Error> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let builder = ParquetRecordBatchReaderBuilder::try_new(open_file(path, dir)?)
        .map_err(|e| bad_file(path, format!("not a readable Parquet file: {e}")))?;
    let Some(k) = builder
        .schema()
        .fields()
        .iter()
        .position(|f| f.name() == name)
    else {
        return Ok(None);
    };
    let mask = ProjectionMask::roots(builder.parquet_schema(), [k]);
    let reader = builder
        .with_projection(mask)
        .with_batch_size(ROW_GROUP_ROWS)
        .build()
        .map_err(|e| bad_file(path, format!("not a readable Parquet file: {e}")))?;
    let mut values = Vec::new();
    for batch in reader {
        let batch = batch.map_err(|e| bad_file(path, format!("cannot read it ({e})")))?;
        let array = batch.column(0);
        let numbers = array
            .as_any()
            .downcast_ref::<Float64Array>()
            .ok_or_else(|| {
                bad_file(
                    path,
                    format!("column `{name}` is {}, expected Float64", array.data_type()),
                )
            })?;
        values.extend(numbers.iter().map(|x| x.unwrap_or(f64::NAN)));
    }
    Ok(Some(values))
}

/// The cause column's values, whether stored as a dictionary (as rofrsim
/// writes it) or as plain text.
fn cause_labels(array: &ArrayRef) -> Result<Vec<Option<&str>>, String> {
    let not_text = || {
        format!(
            "column `{IP_EXPIRY_CAUSE}` is {}, expected Dictionary(UInt8, Utf8) as rofrsim writes it, or Utf8",
            array.data_type()
        )
    };
    if let Some(dict) = array.as_any().downcast_ref::<DictionaryArray<UInt8Type>>() {
        let labels = dict
            .values()
            .as_any()
            .downcast_ref::<StringArray>()
            .ok_or_else(not_text)?;
        return dict
            .keys()
            .iter()
            .map(|k| match k {
                None => Ok(None),
                Some(k) if usize::from(k) < labels.len() => Ok(Some(labels.value(usize::from(k)))),
                Some(k) => Err(format!(
                    "column `{IP_EXPIRY_CAUSE}`: key {k} outside its dictionary"
                )),
            })
            .collect();
    }
    let text = array
        .as_any()
        .downcast_ref::<StringArray>()
        .ok_or_else(not_text)?;
    Ok(text.iter().collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_written_as_the_csv_writes_them() {
        // -0 as 0 (push_number writes `0`), NaN and infinities as null.
        let schema = Arc::new(Schema::new(vec![
            Field::new("trial", DataType::UInt64, false),
            Field::new("x", DataType::Float64, false),
            Field::new("y", DataType::Float64, true),
        ]));
        let rows = TrialColumns {
            trial: vec![0, 1, 2, 3],
            inputs: vec![vec![-0.0, 1.5, -2.0, 0.0]],
            numbers: vec![vec![-0.0, f64::NAN, f64::INFINITY, -3.25]],
            ..TrialColumns::default()
        };
        let batch = rows.batch(&schema).unwrap();
        let x = batch
            .column(1)
            .as_any()
            .downcast_ref::<Float64Array>()
            .unwrap();
        let bits: Vec<u64> = x.values().iter().map(|v| v.to_bits()).collect();
        assert_eq!(bits, [0.0f64, 1.5, -2.0, 0.0].map(f64::to_bits));
        let y = batch
            .column(2)
            .as_any()
            .downcast_ref::<Float64Array>()
            .unwrap();
        let y: Vec<Option<u64>> = y.iter().map(|v| v.map(f64::to_bits)).collect();
        assert_eq!(
            y,
            [
                Some(0.0f64.to_bits()),
                None,
                None,
                Some((-3.25f64).to_bits())
            ]
        );
    }

    #[test]
    fn epoch_days_of_known_dates() {
        // As Python's datetime counts them: (date(y, m, 1) - date(1970, 1, 1)).days.
        let day = |y, m| epoch_days(Month::new(y, m).unwrap_or_else(|| panic!("{y}-{m}")));
        assert_eq!(day(1970, 1), 0);
        assert_eq!(day(1970, 2), 31);
        assert_eq!(day(1969, 12), -31);
        assert_eq!(day(2000, 3), 11_017);
        assert_eq!(day(2025, 1), 20_089);
        assert_eq!(day(2035, 12), 24_075);
        // Month to month, the step is the month's length.
        let mut m = Month::new(1000, 1).unwrap_or_else(|| panic!("1000-01"));
        for _ in 0..12 * 2000 {
            let next = m.plus(1);
            let len = epoch_days(next) - epoch_days(m);
            let leap = |y: i32| (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
            let expect = match m.month_of_year() {
                2 if leap(m.year()) => 29,
                2 => 28,
                4 | 6 | 9 | 11 => 30,
                _ => 31,
            };
            assert_eq!(len, expect, "{m}");
            m = next;
        }
    }
}
