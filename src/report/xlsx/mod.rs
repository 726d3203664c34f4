//! `summary.xlsx` (`--xlsx`): an output folder as one Excel workbook, for
//! analysts who work in a spreadsheet. Built only from the folder's files
//! (the CSVs and `manifest.json`), never from the engine, so any folder
//! gets the same workbook however it was made.
//!
//! - A run folder: `Headline`, `Charts`, `Summary`, `Time series`,
//!   `Sensitivity` and `Chart data` (the histogram's bins and the
//!   tornado's inputs the charts are drawn from).
//! - A compare folder: the same for every run in `runs/` (one table each,
//!   the runs stacked with a leading `run` column), and `Compare`.
//! - A sweep folder: `Headline` (the headline outcomes of every
//!   combination), `Charts`, `Sweep` and `Chart data`.
//!
//! Cells are typed column by column ([`table`]): numbers, dates with a
//! date format, booleans, text. The charts ([`charts`]) are the
//! spreadsheet's own, drawn from the workbook's cells.
//!
//! The bytes depend only on the folder's files: the document's creation
//! date is fixed, and the wall time and thread count are left out, so the
//! same run gives the same workbook.

pub mod charts;
pub mod table;

use std::path::{Path, PathBuf};

use rust_xlsxwriter::{Chart, DocProperties, ExcelDateTime, Workbook, Worksheet, XlsxError};

use crate::error::Error;
use crate::folder::manifest::{RunManifest, SweepManifest};
use crate::folder::outcomes::{
    self, AZURE_SHARE_END, IP_EXPIRY_YEAR, MICROSOFT_VALUE_NPV, P_IP_EXPIRY_BY_AGI, UNMET_SHARE,
};
use crate::folder::{self, Kind, Reader, bad_file};
use crate::scenario::Month;
use charts::{Column, Line, Titles};
use table::{Cell, Date, Formats, Grid, Table, metric_unit, write_grid};

/// The workbook's name in an output folder.
pub const FILE: &str = "summary.xlsx";

/// The sheets, by name.
pub const HEADLINE: &str = "Headline";
/// See [`HEADLINE`].
pub const CHARTS: &str = "Charts";
/// See [`HEADLINE`].
pub const SUMMARY: &str = "Summary";
/// See [`HEADLINE`].
pub const TIME_SERIES: &str = "Time series";
/// See [`HEADLINE`].
pub const SENSITIVITY: &str = "Sensitivity";
/// See [`HEADLINE`].
pub const COMPARE: &str = "Compare";
/// See [`HEADLINE`].
pub const SWEEP: &str = "Sweep";
/// See [`HEADLINE`].
pub const CHART_DATA: &str = "Chart data";

/// The outcomes of the headline table `run` prints, in its order.
pub const HEADLINE_METRICS: [&str; 5] = [
    P_IP_EXPIRY_BY_AGI,
    IP_EXPIRY_YEAR,
    AZURE_SHARE_END,
    UNMET_SHARE,
    MICROSOFT_VALUE_NPV,
];

/// Writes `summary.xlsx` into output folder `dir` (a run, compare or
/// sweep folder) and returns its path. The file appears whole or not at
/// all: it is written beside and renamed into place.
pub fn write(dir: &Path) -> Result<PathBuf, Error> {
    let bytes = build(dir)?;
    let path = dir.join(FILE);
    let partial = dir.join(format!(".{FILE}.partial-{}", std::process::id()));
    if let Err(e) = std::fs::write(&partial, bytes) {
        let _ = std::fs::remove_file(&partial);
        return Err(Error::Io(format!("cannot write {}", partial.display()), e));
    }
    std::fs::rename(&partial, &path).map_err(|e| {
        let _ = std::fs::remove_file(&partial);
        Error::Io(format!("cannot write {}", path.display()), e)
    })?;
    Ok(path)
}

/// The bytes of output folder `dir`'s workbook.
pub fn build(dir: &Path) -> Result<Vec<u8>, Error> {
    let kind = Kind::expect(dir, Reader::Workbook)?;
    let path = dir.join(FILE);
    let fail =
        |e: XlsxError| Error::Other(format!("{}: cannot make the workbook: {e}", path.display()));
    let mut book = Book::new();
    match kind {
        Kind::Run => {
            let run = RunFolder::read(dir)?;
            runs_workbook(&mut book, &[run], None).map_err(fail)?;
        }
        Kind::Compare => {
            let compare = Table::read(&dir.join(folder::compare::FILE))?;
            let runs = compare_runs(dir, &compare)?;
            runs_workbook(&mut book, &runs, Some(&compare)).map_err(fail)?;
        }
        // Refused by `expect` above.
        Kind::Shard => return Err(Reader::Workbook.refuse(dir, kind)),
        Kind::Sweep => {
            let manifest = SweepManifest::read(dir)?;
            let sweep = Table::read(&dir.join(folder::sweep::FILE))?;
            sweep.require("metric")?;
            sweep_workbook(&mut book, &manifest, &sweep).map_err(fail)?;
        }
    }
    book.workbook.save_to_buffer().map_err(fail)
}

/// The files of one run folder the workbook is made of.
struct RunFolder {
    label: String,
    manifest: RunManifest,
    summary: Table,
    timeseries: Table,
    sensitivity: Table,
    /// `microsoft_value_npv_usd_bn` of every trial, or why there is none.
    npv: Result<Vec<f64>, String>,
}

impl RunFolder {
    fn read(dir: &Path) -> Result<RunFolder, Error> {
        let manifest = RunManifest::read(dir, Reader::Workbook)?;
        let summary = Table::read(&dir.join(folder::summary::FILE))?;
        summary.require("metric")?;
        let timeseries = Table::read(&dir.join(folder::timeseries_wide::FILE))?;
        timeseries.require("month")?;
        let sensitivity = Table::read(&dir.join(folder::sensitivity::FILE))?;
        for c in [
            "metric",
            "input",
            "rank",
            "mean_low_decile",
            "mean_high_decile",
        ] {
            sensitivity.require(c)?;
        }
        Ok(RunFolder {
            label: manifest.label(dir),
            npv: trial_column(dir, MICROSOFT_VALUE_NPV)?,
            manifest,
            summary,
            timeseries,
            sensitivity,
        })
    }

    /// A statistic of `summary.csv` (None when absent or empty).
    fn stat(&self, metric: &str, column: &str) -> Option<f64> {
        stat(&self.summary, metric, column)
    }
}

/// A statistic of a `summary.csv`-like table.
fn stat(table: &Table, metric: &str, column: &str) -> Option<f64> {
    let (m, c) = (table.column("metric")?, table.column(column)?);
    table
        .rows
        .iter()
        .find(|r| r[m] == metric)
        .and_then(|r| r[c].parse::<f64>().ok())
        .filter(|x| x.is_finite())
}

/// One column of `trials.csv`, read without keeping the rest (the file
/// can hold millions of rows). Absent file or column: the reason, for a
/// note in place of the chart.
fn trial_column(dir: &Path, name: &str) -> Result<Result<Vec<f64>, String>, Error> {
    let parquet = dir.join(folder::trials_parquet::FILE);
    if !dir.join(folder::trials::FILE).exists() && parquet.exists() {
        return Ok(
            folder::trials_parquet::column(&parquet, name)?.ok_or_else(|| {
                format!(
                    "{} has no column {name}, which the histogram is drawn from",
                    folder::trials_parquet::FILE
                )
            }),
        );
    }
    let path = dir.join(folder::trials::FILE);
    let file = match std::fs::File::open(&path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Ok(Err(format!(
                "the folder has no {} (one row per trial), which the histogram is drawn from",
                folder::trials::FILE
            )));
        }
        Err(e) => return Err(bad_file(&path, format!("cannot read it ({e})"))),
    };
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_reader(file);
    let malformed = |e: csv::Error| match e.position() {
        Some(p) => bad_file(&path, format!("line {}: malformed CSV: {e}", p.line())),
        None => bad_file(&path, format!("malformed CSV: {e}")),
    };
    let Some(col) = reader
        .byte_headers()
        .map_err(malformed)?
        .iter()
        .position(|h| h == name.as_bytes())
    else {
        return Ok(Err(format!(
            "{} has no column {name}, which the histogram is drawn from",
            folder::trials::FILE
        )));
    };
    let mut values = Vec::new();
    let mut record = csv::ByteRecord::new();
    while reader.read_byte_record(&mut record).map_err(malformed)? {
        let line = record.position().map_or(0, |p| p.line());
        let cell = record.get(col).unwrap_or(b"");
        if cell.is_empty() {
            values.push(f64::NAN);
            continue;
        }
        let x = std::str::from_utf8(cell)
            .ok()
            .and_then(|s| s.parse::<f64>().ok())
            .filter(|x| x.is_finite())
            .ok_or_else(|| {
                bad_file(
                    &path,
                    format!(
                        "line {line}: column `{name}`: `{}` is not a number",
                        String::from_utf8_lossy(cell)
                    ),
                )
            })?;
        values.push(x);
    }
    Ok(Ok(values))
}

/// The run folders of a compare folder, in the order `compare.csv` names
/// them (the baseline first): every run folder in `runs/`. Empty when it
/// compared folders given by path, which stay where they are.
fn compare_runs(dir: &Path, compare: &Table) -> Result<Vec<RunFolder>, Error> {
    let runs_dir = dir.join("runs");
    let mut runs = Vec::new();
    if runs_dir.is_dir() {
        let entries = std::fs::read_dir(&runs_dir)
            .map_err(|e| bad_file(&runs_dir, format!("cannot list it ({e})")))?;
        let mut dirs: Vec<PathBuf> = entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.is_dir() && p.join(folder::manifest::FILE).is_file())
            .collect();
        dirs.sort();
        for d in dirs {
            runs.push(RunFolder::read(&d)?);
        }
    }
    let mut order: Vec<&str> = Vec::new();
    if let (Some(a), Some(b)) = (compare.column("scenario_a"), compare.column("scenario_b")) {
        for row in &compare.rows {
            for name in [&row[a], &row[b]] {
                if !order.contains(&name.as_str()) {
                    order.push(name);
                }
            }
        }
    }
    runs.sort_by_key(|r| {
        order
            .iter()
            .position(|n| *n == r.label)
            .unwrap_or(order.len())
    });
    Ok(runs)
}

/// The workbook being made, and the formats it uses.
struct Book {
    workbook: Workbook,
    formats: Formats,
}

impl Book {
    fn new() -> Book {
        let mut workbook = Workbook::new();
        // A fixed creation date: otherwise every workbook records the
        // moment it was made, and two of the same run would differ.
        if let Ok(date) = ExcelDateTime::from_ymd(2000, 1, 1) {
            workbook.set_properties(
                &DocProperties::new()
                    .set_creation_datetime(&date)
                    .set_comment("written by rofrsim from the output folder's files"),
            );
        }
        Book {
            workbook,
            formats: Formats::default(),
        }
    }

    /// Adds sheet `name` holding `grid`.
    fn grid_sheet(
        &mut self,
        name: &str,
        grid: &Grid,
        frozen_columns: u16,
    ) -> Result<(), XlsxError> {
        let ws = self.workbook.add_worksheet();
        ws.set_name(name)?;
        write_grid(ws, grid, frozen_columns, &self.formats)
    }

    /// Adds sheet `name` with a note in its first cell (nothing else).
    fn add_sheet(&mut self, name: &str) -> Result<&mut Worksheet, XlsxError> {
        let ws = self.workbook.add_worksheet();
        ws.set_name(name)?;
        Ok(ws)
    }
}

/// How a headline number is shown, by its unit (the value is kept whole).
fn headline_format(unit: &str) -> Option<&'static str> {
    match unit {
        "share" | "probability" => Some("0.0%"),
        "usd_bn" => Some("#,##0.0"),
        "decimal year" => Some("0.00"),
        _ => None,
    }
}

/// The headline columns after the ones that say which run or combination:
/// `metric, label, unit, n, mean, p5, p50, p95`.
fn push_headline_columns(grid: &mut Grid) {
    for (name, unit) in [
        ("metric", None),
        ("label", None),
        ("unit", None),
        ("n", Some("count")),
        ("mean", None),
        ("p5", None),
        ("p50", None),
        ("p95", None),
    ] {
        grid.push_column(name, unit);
    }
}

/// The headline rows of one `summary.csv`-like table, each after `lead`.
/// A probability shows its mean only, as `run` prints it.
fn headline_rows(grid: &mut Grid, lead: &[Cell], summary: &Table) {
    for metric in HEADLINE_METRICS {
        let Some(n) = stat(summary, metric, "n") else {
            continue;
        };
        let unit = metric_unit(metric);
        let label = outcomes::label(metric).map_or_else(|| metric.to_string(), |(l, _)| l);
        let value = |column: &str| match (stat(summary, metric, column), headline_format(unit)) {
            (Some(x), Some(f)) => Cell::Formatted(x, f),
            (Some(x), None) => Cell::Number(x),
            (None, _) => Cell::Empty,
        };
        let mut row = lead.to_vec();
        row.extend([
            Cell::text(metric),
            Cell::text(label),
            Cell::text(unit),
            Cell::Number(n),
            value("mean"),
        ]);
        if unit == "probability" {
            row.extend([Cell::Empty, Cell::Empty, Cell::Empty]);
        } else {
            row.extend([value("p5"), value("p50"), value("p95")]);
        }
        grid.rows.push(row);
    }
}

fn date_of(m: Option<Month>) -> Cell {
    m.and_then(|m| {
        let year = u16::try_from(m.year()).ok()?;
        Date::parse(&format!("{year:04}-{:02}-01", m.month_of_year()))
    })
    .map_or(Cell::Empty, Cell::Date)
}

/// A seed as a number when a spreadsheet holds it exactly (up to 2⁵³),
/// else as text.
fn seed_cell(seed: u64) -> Cell {
    if seed <= 1 << 53 {
        Cell::Number(seed as f64)
    } else {
        Cell::text(seed.to_string())
    }
}

/// The `Headline` table of runs: who each run is, then its headline
/// outcomes, one row per run and outcome.
fn runs_headline(runs: &[RunFolder]) -> Grid {
    let mut grid = Grid::default();
    for (name, unit) in [
        ("run", None),
        ("scenario", None),
        ("scenario_file", None),
        ("overrides", None),
        ("trials", Some("count")),
        ("seed", None),
        ("start", None),
        ("end", None),
    ] {
        grid.push_column(name, unit);
    }
    push_headline_columns(&mut grid);
    for r in runs {
        let m = &r.manifest;
        let lead = [
            Cell::text(&r.label),
            Cell::text(&m.scenario.name),
            Cell::text(&m.scenario.path),
            Cell::text(m.scenario.overrides.join(" ")),
            Cell::Number(m.trials as f64),
            seed_cell(m.seed),
            date_of(m.start),
            date_of(m.end),
        ];
        headline_rows(&mut grid, &lead, &r.summary);
    }
    grid
}

/// Grids of several runs stacked into one, a leading `run` column naming
/// each row's run; the columns are every grid's, in order of appearance
/// (runs with other providers have other columns). Returns the first and
/// last row (1-based sheet rows) of each run.
fn stack(parts: Vec<(String, Grid)>) -> (Grid, Vec<(u32, u32)>) {
    let mut out = Grid::default();
    out.push_column("run", None);
    for (_, g) in &parts {
        for (i, name) in g.header.iter().enumerate() {
            if out.column(name).is_none() {
                out.push_column(name, g.units[i].as_deref());
            }
        }
    }
    let mut spans = Vec::new();
    for (label, g) in parts {
        let index: Vec<usize> = g
            .header
            .iter()
            .map(|n| out.column(n).unwrap_or(0))
            .collect();
        let first = out.rows.len() as u32 + 1;
        for row in g.rows {
            let mut cells = vec![Cell::Empty; out.header.len()];
            cells[0] = Cell::text(&label);
            for (cell, &i) in row.into_iter().zip(&index) {
                cells[i] = cell;
            }
            out.rows.push(cells);
        }
        spans.push((first, (out.rows.len() as u32).max(first)));
    }
    (out, spans)
}

/// A sheet holding helper tables side by side, one empty column between
/// them, each with its header in the first row.
#[derive(Default)]
struct ChartData {
    grid: Grid,
}

impl ChartData {
    /// Adds a table; returns the index of its first column.
    fn add(&mut self, table: Grid) -> u16 {
        let first = if self.grid.header.is_empty() {
            0
        } else {
            self.grid.push_column("", None);
            self.grid.header.len()
        };
        for (i, name) in table.header.iter().enumerate() {
            self.grid.push_column(name, table.units[i].as_deref());
        }
        let width = self.grid.header.len();
        for (r, row) in table.rows.into_iter().enumerate() {
            if self.grid.rows.len() <= r {
                self.grid.rows.push(Vec::new());
            }
            let target = &mut self.grid.rows[r];
            target.resize(first, Cell::Empty);
            target.extend(row);
            target.resize(width, Cell::Empty);
        }
        for row in &mut self.grid.rows {
            row.resize(width, Cell::Empty);
        }
        first as u16
    }
}

/// A place on the `Charts` sheet: a chart, and a note above it when
/// something is left out (in place of the chart when all of it is).
struct Slot {
    chart: Option<Chart>,
    note: Option<String>,
}

impl From<Result<Chart, String>> for Slot {
    fn from(r: Result<Chart, String>) -> Slot {
        match r {
            Ok(chart) => Slot {
                chart: Some(chart),
                note: None,
            },
            Err(note) => Slot {
                chart: None,
                note: Some(note),
            },
        }
    }
}

/// The `Charts` sheet: a title, then the charts two by two; a slot whose
/// chart is left out holds its note instead.
fn charts_sheet(book: &mut Book, title: &str, slots: &[Slot]) -> Result<(), XlsxError> {
    let title_format = book.formats.title.clone();
    let note_format = book.formats.note.clone();
    let ws = book.add_sheet(CHARTS)?;
    ws.write_string_with_format(0, 0, title, &title_format)?;
    // Printed (and converted to PDF) across one page's width.
    ws.set_landscape().set_print_fit_to_pages(1, 0);
    for (i, slot) in slots.iter().enumerate() {
        // 720 × 405 px charts on 64 × 20 px cells: 12 columns and 23 rows
        // apart, a row for the note above each.
        let row = 2 + (i / 2) as u32 * 23;
        let col = (i % 2) as u16 * 12;
        if let Some(note) = &slot.note {
            ws.write_string_with_format(row, col, note, &note_format)?;
        }
        if let Some(chart) = &slot.chart {
            ws.insert_chart(row + 1, col, chart)?;
        }
    }
    Ok(())
}

/// The workbook of one run, or of a compare folder's runs (with
/// `compare.csv`).
fn runs_workbook(
    book: &mut Book,
    runs: &[RunFolder],
    compare: Option<&Table>,
) -> Result<(), XlsxError> {
    let single = runs.len() == 1 && compare.is_none();
    let headline = runs_headline(runs);
    book.grid_sheet(HEADLINE, &headline, 0)?;
    if runs.is_empty() {
        let note = book.formats.note.clone();
        let ws = book.workbook.worksheet_from_name(HEADLINE)?;
        ws.write_string_with_format(
            2,
            0,
            "The runs compared are not in this folder (compare read run folders given by path): \
             make their workbooks with `rofrsim report RUN_FOLDER --xlsx`.",
            &note,
        )?;
    }

    // The tables, one per file (runs stacked).
    let grids = |file: &str, table: fn(&RunFolder) -> &Table| -> Vec<(String, Grid)> {
        runs.iter()
            .map(|r| (r.label.clone(), Grid::of_csv(file, table(r))))
            .collect()
    };
    let one_or_stacked = |parts: Vec<(String, Grid)>| -> (Grid, Vec<(u32, u32)>) {
        if single {
            let grid = parts.into_iter().next().map(|(_, g)| g).unwrap_or_default();
            let span = (1, (grid.rows.len() as u32).max(1));
            (grid, vec![span])
        } else {
            stack(parts)
        }
    };
    let (summary, _) = one_or_stacked(grids(folder::summary::FILE, |r| &r.summary));
    let (series, spans) = one_or_stacked(grids(folder::timeseries_wide::FILE, |r| &r.timeseries));
    let (sensitivity, _) = one_or_stacked(grids(folder::sensitivity::FILE, |r| &r.sensitivity));

    // The helper tables and the charts.
    let mut data = ChartData::default();
    let mut slots: Vec<Slot> = Vec::new();
    if !runs.is_empty() {
        slots.push(demand_capacity(runs, &series, &spans).into());
        slots.push(azure_share(runs, &series, &spans).into());
        slots.push(npv_histogram(runs, &mut data));
        for r in runs {
            slots.push(npv_tornado(r, &mut data, !single).into());
        }
    }
    let title = if runs.is_empty() {
        "No charts: the runs compared are not in this folder.".to_string()
    } else if single {
        format!("{}: charts", runs[0].label)
    } else {
        format!(
            "{}: charts",
            runs.iter()
                .map(|r| r.label.as_str())
                .collect::<Vec<_>>()
                .join(" vs ")
        )
    };
    charts_sheet(book, &title, &slots)?;

    if !runs.is_empty() {
        book.grid_sheet(SUMMARY, &summary, if single { 1 } else { 2 })?;
        book.grid_sheet(TIME_SERIES, &series, if single { 1 } else { 2 })?;
        book.grid_sheet(SENSITIVITY, &sensitivity, 0)?;
    }
    if let Some(compare) = compare {
        book.grid_sheet(COMPARE, &Grid::of_csv(folder::compare::FILE, compare), 0)?;
    }
    book.grid_sheet(CHART_DATA, &data.grid, 0)?;
    Ok(())
}

/// The years the runs' horizons span.
fn years(runs: &[RunFolder]) -> (i32, i32) {
    let first = runs
        .iter()
        .filter_map(|r| r.manifest.start)
        .map(Month::year)
        .min()
        .unwrap_or(2025);
    let last = runs
        .iter()
        .filter_map(|r| r.manifest.end)
        .map(Month::year)
        .max()
        .unwrap_or(first);
    (first, last.max(first))
}

/// A column of the time series sheet over one run's rows.
fn series_column<'a>(grid: &Grid, span: (u32, u32), name: &str) -> Result<Column<'a>, String> {
    let col = grid
        .column(name)
        .ok_or_else(|| format!("{} has no column {name}", folder::timeseries_wide::FILE))?;
    Ok(Column {
        sheet: TIME_SERIES,
        first: span.0,
        last: span.1,
        col: col as u16,
    })
}

fn line<'a>(
    name: String,
    months: Column<'a>,
    values: Column<'a>,
    colour: &'static str,
    dashed: bool,
) -> Line<'a> {
    Line {
        name,
        months,
        values,
        colour,
        width: if dashed { 1.25 } else { 2.25 },
        dashed,
    }
}

/// Demand (p5, median, p95) against total capacity (median), log scale;
/// with several runs, each run's medians.
fn demand_capacity(
    runs: &[RunFolder],
    series: &Grid,
    spans: &[(u32, u32)],
) -> Result<Chart, String> {
    let colours = charts::COLOURS;
    let mut lines = Vec::new();
    for (k, (r, &span)) in runs.iter().zip(spans).enumerate() {
        let months = series_column(series, span, "month")?;
        let col = |name: &str| series_column(series, span, name);
        if runs.len() == 1 {
            lines.push(line(
                "demand p95".into(),
                months,
                col("demand_gw_p95")?,
                colours[0],
                true,
            ));
            lines.push(line(
                "demand median".into(),
                months,
                col("demand_gw_p50")?,
                colours[0],
                false,
            ));
            lines.push(line(
                "demand p5".into(),
                months,
                col("demand_gw_p5")?,
                colours[0],
                true,
            ));
            lines.push(line(
                "total capacity median".into(),
                months,
                col("capacity_gw_p50")?,
                colours[1],
                false,
            ));
        } else {
            let colour = colours[k % colours.len()];
            lines.push(line(
                format!("{}: demand median", r.label),
                months,
                col("demand_gw_p50")?,
                colour,
                false,
            ));
            lines.push(line(
                format!("{}: total capacity median", r.label),
                months,
                col("capacity_gw_p50")?,
                colour,
                true,
            ));
        }
    }
    Ok(charts::over_time(
        &lines,
        &Titles {
            title: "Demand for compute against total capacity",
            x: "Month",
            y: "GW (log scale)",
        },
        years(runs),
        true,
        false,
    ))
}

/// Azure's share of placed compute (mean and median); with several runs,
/// each run's mean.
fn azure_share(runs: &[RunFolder], series: &Grid, spans: &[(u32, u32)]) -> Result<Chart, String> {
    let colours = charts::COLOURS;
    let mut lines = Vec::new();
    for (k, (r, &span)) in runs.iter().zip(spans).enumerate() {
        let months = series_column(series, span, "month")?;
        let col = |name: &str| series_column(series, span, name);
        if runs.len() == 1 {
            lines.push(line(
                "mean".into(),
                months,
                col("azure_share_mean")?,
                colours[0],
                false,
            ));
            lines.push(line(
                "median".into(),
                months,
                col("azure_share_p50")?,
                colours[1],
                true,
            ));
        } else {
            lines.push(line(
                format!("{}: mean", r.label),
                months,
                col("azure_share_mean")?,
                colours[k % colours.len()],
                false,
            ));
        }
    }
    Ok(charts::over_time(
        &lines,
        &Titles {
            title: "Azure's share of placed compute",
            x: "Month",
            y: "Share of placed GW",
        },
        years(runs),
        false,
        true,
    ))
}

/// The histogram of Microsoft's NPV over the trials (every run on the
/// same bins), its bins in `Chart data`.
fn npv_histogram(runs: &[RunFolder], data: &mut ChartData) -> Slot {
    let fail = |note: String| Slot {
        chart: None,
        note: Some(note),
    };
    let with: Vec<(&RunFolder, &Vec<f64>)> = runs
        .iter()
        .filter_map(|r| r.npv.as_ref().ok().map(|v| (r, v)))
        .collect();
    let missing: Vec<String> = runs
        .iter()
        .filter_map(|r| {
            r.npv
                .as_ref()
                .err()
                .map(|why| format!("{}: {why}", r.label))
        })
        .collect();
    let note = |lead: &str| {
        format!(
            "{lead} histogram of {MICROSOFT_VALUE_NPV}: {}.",
            missing.join("; ")
        )
    };
    if with.is_empty() {
        return fail(note("No"));
    }
    let samples: Vec<&[f64]> = with.iter().map(|(_, v)| v.as_slice()).collect();
    let Some(bins) = charts::bins(&samples, charts::HISTOGRAM_BINS) else {
        return fail(format!(
            "No histogram of {MICROSOFT_VALUE_NPV}: trials.csv has no value in it."
        ));
    };
    let mut table = Grid::default();
    table.push_column("npv_bin_low", Some("usd_bn"));
    table.push_column("npv_bin_high", Some("usd_bn"));
    table.push_column("npv_bin", Some("usd_bn"));
    for (r, _) in &with {
        let name = if runs.len() == 1 {
            "trials"
        } else {
            r.label.as_str()
        };
        table.push_column(name, Some("count"));
    }
    table.rows = charts::histogram_rows(&bins);
    let last = table.rows.len() as u32;
    let first = data.add(table);
    let counts: Vec<(String, Column<'_>)> = with
        .iter()
        .enumerate()
        .map(|(k, (r, _))| {
            (
                r.label.clone(),
                Column {
                    sheet: CHART_DATA,
                    first: 1,
                    last,
                    col: first + 3 + k as u16,
                },
            )
        })
        .collect();
    let chart = charts::histogram(
        Column {
            sheet: CHART_DATA,
            first: 1,
            last,
            col: first + 2,
        },
        &counts,
        &Titles {
            title: "Microsoft NPV over the trials",
            x: "Microsoft NPV (US$ bn)",
            y: "Trials",
        },
    );
    Slot {
        chart: Some(chart),
        // Some runs have it and some do not: those that do are drawn.
        note: (!missing.is_empty()).then(|| note("Partial")),
    }
}

/// The tornado of Microsoft's NPV for run `r`: the inputs with the largest
/// swing, their rows in `Chart data`.
fn npv_tornado(r: &RunFolder, data: &mut ChartData, named: bool) -> Result<Chart, String> {
    let s = &r.sensitivity;
    let col = |name: &str| s.column(name).unwrap_or(0);
    let (metric, input, rank, low, high) = (
        col("metric"),
        col("input"),
        col("rank"),
        col("mean_low_decile"),
        col("mean_high_decile"),
    );
    let mut rows: Vec<(u64, &Vec<String>)> = s
        .rows
        .iter()
        .filter(|row| row[metric] == MICROSOFT_VALUE_NPV)
        .map(|row| (row[rank].parse().unwrap_or(u64::MAX), row))
        .collect();
    rows.sort_by_key(|(k, _)| *k);
    rows.truncate(charts::TORNADO_INPUTS);
    let of = if named {
        format!(" ({})", r.label)
    } else {
        String::new()
    };
    let Some(mean) = r.stat(MICROSOFT_VALUE_NPV, "mean") else {
        return Err(format!(
            "No tornado{of}: summary.csv has no mean of {MICROSOFT_VALUE_NPV}."
        ));
    };
    if rows.is_empty() {
        return Err(format!(
            "No tornado{of}: {MICROSOFT_VALUE_NPV} does not vary, so sensitivity.csv has no rows for it."
        ));
    }
    let number = |text: &str| text.parse::<f64>().map_or(Cell::Empty, Cell::number);
    let mut table = Grid::default();
    table.push_column(if named { "run" } else { "metric" }, None);
    table.push_column("input", None);
    table.push_column("rank", None);
    table.push_column("mean_low_decile", Some("usd_bn"));
    table.push_column("mean_high_decile", Some("usd_bn"));
    table.push_column("mean", Some("usd_bn"));
    table.rows = rows
        .iter()
        .map(|(k, row)| {
            vec![
                Cell::text(if named {
                    r.label.as_str()
                } else {
                    MICROSOFT_VALUE_NPV
                }),
                Cell::text(&row[input]),
                Cell::Number(*k as f64),
                number(&row[low]),
                number(&row[high]),
                Cell::Number(mean),
            ]
        })
        .collect();
    let last = table.rows.len() as u32;
    let first = data.add(table);
    let at = |k: u16| Column {
        sheet: CHART_DATA,
        first: 1,
        last,
        col: first + k,
    };
    let title = format!(
        "What drives Microsoft NPV{of}: the {} inputs with the largest swing",
        rows.len()
    );
    Ok(charts::tornado(
        at(1),
        at(3),
        at(4),
        mean,
        &Titles {
            title: &title,
            x: "Mean Microsoft NPV (US$ bn) when the input is in its bottom or top decile",
            y: "",
        },
    ))
}

/// The workbook of a sweep folder.
fn sweep_workbook(
    book: &mut Book,
    manifest: &SweepManifest,
    sweep: &Table,
) -> Result<(), XlsxError> {
    let metric = sweep.column("metric").unwrap_or(0);
    let keys: Vec<String> = sweep.header[..metric].to_vec();
    // The combinations in file order, each with its rows as a summary
    // table.
    let mut combos: Vec<(Vec<String>, Table)> = Vec::new();
    for row in &sweep.rows {
        let values = row[..metric].to_vec();
        if combos.last().is_none_or(|(v, _)| *v != values) {
            combos.push((
                values.clone(),
                Table {
                    path: sweep.path.clone(),
                    header: sweep.header[metric..].to_vec(),
                    rows: Vec::new(),
                },
            ));
        }
        if let Some((_, t)) = combos.last_mut() {
            t.rows.push(row[metric..].to_vec());
        }
    }
    // The varied values typed as their columns in sweep.csv.
    let values = table::typed(&Table {
        path: sweep.path.clone(),
        header: keys.clone(),
        rows: combos.iter().map(|(v, _)| v.clone()).collect(),
    });

    let mut headline = Grid::default();
    for (name, unit) in [
        ("scenario_file", None),
        ("overrides", None),
        ("trials", Some("count")),
        ("seed", None),
    ] {
        headline.push_column(name, unit);
    }
    for k in &keys {
        headline.push_column(k, None);
    }
    push_headline_columns(&mut headline);
    for ((_, t), v) in combos.iter().zip(&values) {
        let mut lead = vec![
            Cell::text(&manifest.scenario.path),
            Cell::text(manifest.scenario.overrides.join(" ")),
            Cell::Number(manifest.trials as f64),
            seed_cell(manifest.seed),
        ];
        lead.extend(v.iter().cloned());
        headline_rows(&mut headline, &lead, t);
    }
    book.grid_sheet(HEADLINE, &headline, 0)?;

    // One row per combination for the charts.
    let short_keys: Vec<String> = {
        let last = |k: &str| k.rsplit('.').next().unwrap_or(k).to_string();
        let lasts: Vec<String> = keys.iter().map(|k| last(k)).collect();
        let distinct = lasts
            .iter()
            .collect::<std::collections::BTreeSet<_>>()
            .len()
            == lasts.len();
        if distinct { lasts } else { keys.clone() }
    };
    let mut table = Grid::default();
    table.push_column("combination", None);
    let columns: [(&str, &str, &str); 6] = [
        (MICROSOFT_VALUE_NPV, "mean", "usd_bn"),
        (MICROSOFT_VALUE_NPV, "p5", "usd_bn"),
        (MICROSOFT_VALUE_NPV, "p50", "usd_bn"),
        (MICROSOFT_VALUE_NPV, "p95", "usd_bn"),
        (AZURE_SHARE_END, "mean", "share"),
        (UNMET_SHARE, "mean", "share"),
    ];
    for (m, s, unit) in columns {
        table.push_column(&format!("{m}_{s}"), Some(unit));
    }
    for (v, t) in &combos {
        let name = short_keys
            .iter()
            .zip(v)
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join(", ");
        let mut row = vec![Cell::text(name)];
        row.extend(
            columns
                .iter()
                .map(|(m, s, _)| stat(t, m, s).map_or(Cell::Empty, Cell::Number)),
        );
        table.rows.push(row);
    }
    let last = table.rows.len() as u32;
    let mut data = ChartData::default();
    let first = data.add(table);
    let at = |k: u16| Column {
        sheet: CHART_DATA,
        first: 1,
        last,
        col: first + k,
    };
    let c = charts::COLOURS;
    let slots: Vec<Slot> = if combos.is_empty() {
        vec![Slot::from(Err("sweep.csv has no rows.".to_string()))]
    } else {
        vec![
            Slot::from(Ok(charts::by_combination(
                at(0),
                &[
                    ("p95".into(), at(4), c[0], true),
                    ("mean".into(), at(1), c[0], false),
                    ("median".into(), at(3), c[1], true),
                    ("p5".into(), at(2), c[0], true),
                ],
                &Titles {
                    title: "Microsoft NPV by combination",
                    x: "Combination",
                    y: "Microsoft NPV (US$ bn)",
                },
                false,
            ))),
            Slot::from(Ok(charts::by_combination(
                at(0),
                &[
                    (
                        "Azure share of placed compute, last month (mean)".into(),
                        at(5),
                        c[0],
                        false,
                    ),
                    ("Unmet share of demand (mean)".into(), at(6), c[1], false),
                ],
                &Titles {
                    title: "Azure's share and unmet demand by combination",
                    x: "Combination",
                    y: "Share",
                },
                true,
            ))),
        ]
    };
    let title = format!("Sweep of {}: charts", manifest.scenario.path);
    charts_sheet(book, &title, &slots)?;
    book.grid_sheet(SWEEP, &Grid::of_csv(folder::sweep::FILE, sweep), 0)?;
    book.grid_sheet(CHART_DATA, &data.grid, 0)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grid(header: &[&str], rows: &[&[f64]]) -> Grid {
        let mut g = Grid::default();
        for h in header {
            g.push_column(h, None);
        }
        g.rows = rows
            .iter()
            .map(|r| r.iter().map(|&x| Cell::Number(x)).collect())
            .collect();
        g
    }

    #[test]
    fn runs_stack_by_column_name() {
        // The second run has a provider the first lacks, and lacks one it has.
        let a = grid(
            &["month", "x_gw", "y_gw"],
            &[&[1.0, 2.0, 3.0], &[4.0, 5.0, 6.0]],
        );
        let b = grid(&["month", "z_gw", "x_gw"], &[&[7.0, 8.0, 9.0]]);
        let (s, spans) = stack(vec![("A".into(), a), ("B".into(), b)]);
        assert_eq!(s.header, ["run", "month", "x_gw", "y_gw", "z_gw"]);
        assert_eq!(spans, [(1, 2), (3, 3)]);
        let n = Cell::Number;
        assert_eq!(
            s.rows[2],
            [Cell::text("B"), n(7.0), n(9.0), Cell::Empty, n(8.0)]
        );
        assert_eq!(s.rows[0][0], Cell::text("A"));
    }

    #[test]
    fn chart_data_tables_sit_side_by_side() {
        let mut data = ChartData::default();
        assert_eq!(data.add(grid(&["a", "b"], &[&[1.0, 2.0]])), 0);
        assert_eq!(
            data.add(grid(&["c"], &[&[3.0], &[4.0]])),
            3,
            "one empty column between"
        );
        assert_eq!(data.grid.header, ["a", "b", "", "c"]);
        let n = Cell::Number;
        assert_eq!(data.grid.rows[0], [n(1.0), n(2.0), Cell::Empty, n(3.0)]);
        assert_eq!(
            data.grid.rows[1],
            [Cell::Empty, Cell::Empty, Cell::Empty, n(4.0)]
        );
    }

    #[test]
    fn headline_rows_show_a_probability_by_its_mean() {
        let summary = Table {
            path: PathBuf::from("summary.csv"),
            header: ["metric", "n", "mean", "p5", "p50", "p95"]
                .map(String::from)
                .to_vec(),
            rows: vec![
                ["p_ip_expiry_by_agi", "4", "0.25", "0", "0", "1"]
                    .map(String::from)
                    .to_vec(),
                ["microsoft_value_npv_usd_bn", "4", "150", "80", "140", "270"]
                    .map(String::from)
                    .to_vec(),
            ],
        };
        let mut g = Grid::default();
        push_headline_columns(&mut g);
        headline_rows(&mut g, &[], &summary);
        assert_eq!(g.rows.len(), 2, "rows only for the outcomes present");
        assert_eq!(
            g.rows[0][3..],
            [
                Cell::Number(4.0),
                Cell::Formatted(0.25, "0.0%"),
                Cell::Empty,
                Cell::Empty,
                Cell::Empty
            ]
        );
        assert_eq!(g.rows[1][2], Cell::text("usd_bn"));
        assert_eq!(g.rows[1][7], Cell::Formatted(270.0, "#,##0.0"));
    }

    #[test]
    fn seeds_beyond_two_to_the_53_are_text() {
        assert_eq!(seed_cell(20250101), Cell::Number(20250101.0));
        assert_eq!(seed_cell(u64::MAX), Cell::text("18446744073709551615"));
    }
}
