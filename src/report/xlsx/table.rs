//! A CSV of an output folder as a worksheet: read as text, each column
//! typed by what its cells hold (numbers, dates, booleans, text), written
//! with a frozen header row, a filter and column widths that fit.

use std::path::{Path, PathBuf};

use rust_xlsxwriter::{ExcelDateTime, Format, FormatBorder, Worksheet, XlsxError};

use crate::error::Error;
use crate::folder::bad_file;
use crate::folder::outcomes::{self, Unit};

/// A CSV file as text: its header and rows, every row as long as the header.
#[derive(Debug, Clone, Default)]
pub struct Table {
    /// The file, for messages.
    pub path: PathBuf,
    /// Column names.
    pub header: Vec<String>,
    /// Rows of cells, as written.
    pub rows: Vec<Vec<String>>,
}

impl Table {
    /// Reads the CSV file `path`; a missing, ragged or malformed file is an
    /// error naming the file (and the line).
    pub fn read(path: &Path) -> Result<Table, Error> {
        let file = std::fs::File::open(path)
            .map_err(|e| bad_file(path, format!("cannot read it ({e})")))?;
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(true)
            .from_reader(file);
        let malformed = |e: csv::Error| match e.position() {
            Some(p) => bad_file(path, format!("line {}: malformed CSV: {e}", p.line())),
            None => bad_file(path, format!("malformed CSV: {e}")),
        };
        let header: Vec<String> = reader
            .headers()
            .map_err(malformed)?
            .iter()
            .map(str::to_string)
            .collect();
        if header.iter().all(String::is_empty) {
            return Err(bad_file(path, "empty file (no header row)"));
        }
        let mut rows = Vec::new();
        for record in reader.records() {
            let record = record.map_err(malformed)?;
            if record.len() != header.len() {
                let line = record.position().map_or(0, |p| p.line());
                return Err(bad_file(
                    path,
                    format!(
                        "line {line} has {} cells, the header {}",
                        record.len(),
                        header.len()
                    ),
                ));
            }
            rows.push(record.iter().map(str::to_string).collect());
        }
        Ok(Table {
            path: path.to_path_buf(),
            header,
            rows,
        })
    }

    /// The index of column `name`.
    pub fn column(&self, name: &str) -> Option<usize> {
        self.header.iter().position(|h| h == name)
    }

    /// The index of column `name`, or an error naming the file.
    pub fn require(&self, name: &str) -> Result<usize, Error> {
        self.column(name)
            .ok_or_else(|| bad_file(&self.path, format!("no column `{name}` in the header")))
    }
}

/// A calendar date.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Date {
    /// Year, 1900 or later (Excel has no earlier dates).
    pub year: u16,
    /// 1 to 12.
    pub month: u8,
    /// 1 to the month's length.
    pub day: u8,
}

impl Date {
    /// `YYYY-MM-DD`, a real calendar date that Excel can hold.
    pub fn parse(text: &str) -> Option<Date> {
        let b = text.as_bytes();
        if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
            return None;
        }
        let digits = |r: std::ops::Range<usize>| -> Option<u16> {
            text.get(r.clone())
                .filter(|s| s.bytes().all(|c| c.is_ascii_digit()))
                .and_then(|s| s.parse().ok())
        };
        let (year, month, day) = (digits(0..4)?, digits(5..7)?, digits(8..10)?);
        let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
        let length = match month {
            1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
            4 | 6 | 9 | 11 => 30,
            2 if leap => 29,
            2 => 28,
            _ => return None,
        };
        if !(1900..=9999).contains(&year) || day == 0 || day > length {
            return None;
        }
        Some(Date {
            year,
            month: month as u8,
            day: day as u8,
        })
    }

    fn excel(self) -> Result<ExcelDateTime, XlsxError> {
        ExcelDateTime::from_ymd(self.year, self.month, self.day)
    }
}

/// One typed cell.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    /// Nothing (an empty CSV cell: "none").
    Empty,
    /// A finite number.
    Number(f64),
    /// A finite number shown with a number format (`0.0%`, `#,##0.0`…);
    /// the value is kept whole.
    Formatted(f64, &'static str),
    /// A date, shown as `yyyy-mm-dd`.
    Date(Date),
    /// `true` or `false`.
    Bool(bool),
    /// Anything else.
    Text(String),
}

impl Cell {
    /// A number cell, or empty for NaN (a missing value).
    pub fn number(x: f64) -> Cell {
        if x.is_finite() {
            Cell::Number(x)
        } else {
            Cell::Empty
        }
    }

    /// A text cell.
    pub fn text(s: impl Into<String>) -> Cell {
        Cell::Text(s.into())
    }

    /// Roughly how many characters wide it shows.
    fn width(&self) -> usize {
        match self {
            Cell::Empty => 0,
            // The General format shows at most 11 digits.
            Cell::Number(x) => x.to_string().len().min(11),
            Cell::Formatted(..) => 10,
            Cell::Date(_) => 10,
            Cell::Bool(_) => 5,
            Cell::Text(s) => s.chars().count(),
        }
    }
}

/// What a whole column holds: the type every non-empty cell has, so that
/// a column of numbers never becomes numbers and text mixed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ColumnType {
    Number,
    Date,
    Bool,
    Text,
}

/// Columns that name things: text even when a name looks like a number.
const TEXT_COLUMNS: [&str; 6] = [
    "metric",
    "input",
    "scenario_a",
    "scenario_b",
    "ip_expiry_cause",
    "run",
];

fn column_type<'a>(name: &str, cells: impl Iterator<Item = &'a str> + Clone) -> ColumnType {
    if TEXT_COLUMNS.contains(&name) {
        return ColumnType::Text;
    }
    let mut filled = cells.filter(|c| !c.is_empty()).peekable();
    if filled.peek().is_none() {
        return ColumnType::Number;
    }
    let all = |f: fn(&str) -> bool| filled.clone().all(f);
    if all(|c| c == "true" || c == "false") {
        ColumnType::Bool
    } else if all(|c| Date::parse(c).is_some()) {
        ColumnType::Date
    } else if all(|c| c.parse::<f64>().is_ok_and(f64::is_finite)) {
        ColumnType::Number
    } else {
        ColumnType::Text
    }
}

/// The table's cells typed column by column.
pub fn typed(table: &Table) -> Vec<Vec<Cell>> {
    let types: Vec<ColumnType> = table
        .header
        .iter()
        .enumerate()
        .map(|(i, name)| column_type(name, table.rows.iter().map(move |r| r[i].as_str())))
        .collect();
    table
        .rows
        .iter()
        .map(|row| {
            row.iter()
                .zip(&types)
                .map(|(cell, t)| match (cell.as_str(), t) {
                    ("", _) => Cell::Empty,
                    (c, ColumnType::Number) => c.parse().map_or(Cell::Empty, Cell::Number),
                    (c, ColumnType::Date) => Date::parse(c).map_or(Cell::Empty, Cell::Date),
                    (c, ColumnType::Bool) => Cell::Bool(c == "true"),
                    (c, ColumnType::Text) => Cell::text(c),
                })
                .collect()
        })
        .collect()
}

/// The unit of an outcome (a row of `summary.csv`, `sensitivity.csv`,
/// `compare.csv` or `sweep.csv`), as docs/outputs.md names it; empty when
/// it has none.
pub fn metric_unit(metric: &str) -> &'static str {
    if metric.starts_with("target:") {
        return Unit::Probability.name();
    }
    if metric.starts_with("ip_expiry_cause=") {
        return Unit::Share.name();
    }
    outcomes::label(metric).map_or("", |(_, unit)| unit.name())
}

/// The unit of a whole column of `file`, where docs/outputs.md gives one
/// for the column rather than for each row.
pub fn column_unit(file: &str, column: &str) -> Option<&'static str> {
    match (file, column) {
        (_, "n" | "n_a" | "n_b") => Some(Unit::Count.name()),
        (_, "cv") => Some("ratio"),
        (_, "variance_share") => Some(Unit::Share.name()),
        (_, "p_b_greater") => Some(Unit::Probability.name()),
        ("timeseries_wide.csv", c) => {
            let series = crate::folder::timeseries::STATISTICS
                .iter()
                .find_map(|s| c.strip_suffix(&format!("_{s}")))?;
            match series {
                s if s.ends_with("_gw") => Some(Unit::Gw.name()),
                "azure_share" => Some(Unit::Share.name()),
                "ip_active" | "rofr_active" | "agi_verified" => Some("0 or 1 per trial"),
                _ => None,
            }
        }
        _ => None,
    }
}

/// A worksheet's content: header names (as in the CSV), the unit shown
/// after each name, and typed rows.
#[derive(Debug, Clone, Default)]
pub struct Grid {
    /// Column names.
    pub header: Vec<String>,
    /// Unit of each column, shown in its header as `name (unit)`.
    pub units: Vec<Option<String>>,
    /// Number format of each column (None: General).
    pub formats: Vec<Option<&'static str>>,
    /// Rows.
    pub rows: Vec<Vec<Cell>>,
}

impl Grid {
    /// A CSV table of `file` as a grid, each column's unit from
    /// [`column_unit`], and a `unit` column after `metric` when the file
    /// has one (its rows' unit, from [`metric_unit`]).
    pub fn of_csv(file: &str, table: &Table) -> Grid {
        let cells = typed(table);
        let metric = table.column("metric");
        let mut grid = Grid::default();
        for (i, name) in table.header.iter().enumerate() {
            grid.push_column(name, column_unit(file, name));
            if Some(i) == metric {
                grid.push_column("unit", None);
            }
        }
        for (text, row) in table.rows.iter().zip(cells) {
            let mut out = Vec::with_capacity(row.len() + 1);
            for (i, cell) in row.into_iter().enumerate() {
                out.push(cell);
                if Some(i) == metric {
                    out.push(Cell::text(metric_unit(&text[i])));
                }
            }
            grid.rows.push(out);
        }
        grid
    }

    /// Adds an empty column at the end.
    pub fn push_column(&mut self, name: &str, unit: Option<&str>) {
        self.header.push(name.to_string());
        self.units.push(unit.map(str::to_string));
        self.formats.push(None);
    }

    /// Prepends a column `name` holding `value` in every row.
    pub fn prepend(&mut self, name: &str, value: &Cell) {
        self.header.insert(0, name.to_string());
        self.units.insert(0, None);
        self.formats.insert(0, None);
        for row in &mut self.rows {
            row.insert(0, value.clone());
        }
    }

    /// Appends the rows of `other`, which must have the same columns.
    pub fn append(&mut self, other: Grid) -> bool {
        if other.header != self.header {
            return false;
        }
        self.rows.extend(other.rows);
        true
    }

    /// The index of column `name`.
    pub fn column(&self, name: &str) -> Option<usize> {
        self.header.iter().position(|h| h == name)
    }

    /// The header cell's text: the name, and its unit in brackets.
    pub fn title(&self, i: usize) -> String {
        match &self.units[i] {
            Some(u) if !u.is_empty() => format!("{} ({u})", self.header[i]),
            _ => self.header[i].clone(),
        }
    }
}

/// The formats every sheet uses.
pub struct Formats {
    /// Header row: bold, a line under it.
    pub header: Format,
    /// Dates.
    pub date: Format,
    /// A title above the charts.
    pub title: Format,
    /// A note in place of something left out.
    pub note: Format,
}

impl Default for Formats {
    /// The workbook's formats.
    fn default() -> Formats {
        Formats {
            header: Format::new()
                .set_bold()
                .set_border_bottom(FormatBorder::Thin),
            date: Format::new().set_num_format("yyyy-mm-dd"),
            title: Format::new().set_bold().set_font_size(14),
            note: Format::new().set_italic(),
        }
    }
}

/// Excel's limit on a cell's text.
const MAX_TEXT: usize = 32_767;

/// Writes one cell (nothing for an empty one).
pub fn write_cell(
    ws: &mut Worksheet,
    row: u32,
    col: u16,
    cell: &Cell,
    number_format: Option<&Format>,
    formats: &Formats,
) -> Result<(), XlsxError> {
    match cell {
        Cell::Empty => {}
        Cell::Number(x) => match number_format {
            Some(f) => {
                ws.write_number_with_format(row, col, *x, f)?;
            }
            None => {
                ws.write_number(row, col, *x)?;
            }
        },
        Cell::Formatted(x, f) => {
            ws.write_number_with_format(row, col, *x, &Format::new().set_num_format(*f))?;
        }
        Cell::Date(d) => {
            ws.write_datetime_with_format(row, col, d.excel()?, &formats.date)?;
        }
        Cell::Bool(b) => {
            ws.write_boolean(row, col, *b)?;
        }
        Cell::Text(s) => {
            // A longer text would be refused: keep what fits.
            let s: String = s.chars().take(MAX_TEXT).collect();
            ws.write_string(row, col, s)?;
        }
    }
    Ok(())
}

/// Writes `grid` with its header in row `first_row`, frozen above the data
/// (and the first `frozen_columns` columns too), a filter over it and
/// column widths that fit the text.
pub fn write_grid(
    ws: &mut Worksheet,
    grid: &Grid,
    frozen_columns: u16,
    formats: &Formats,
) -> Result<(), XlsxError> {
    let number_formats: Vec<Option<Format>> = grid
        .formats
        .iter()
        .map(|f| f.map(|f| Format::new().set_num_format(f)))
        .collect();
    let mut widths: Vec<usize> = Vec::with_capacity(grid.header.len());
    for i in 0..grid.header.len() {
        let title = grid.title(i);
        let col = column_index(i)?;
        ws.write_string_with_format(0, col, &title, &formats.header)?;
        widths.push(title.chars().count());
    }
    for (r, row) in grid.rows.iter().enumerate() {
        let r = u32::try_from(r + 1).map_err(|_| XlsxError::RowColumnLimitError)?;
        for (i, cell) in row.iter().enumerate() {
            let col = column_index(i)?;
            write_cell(ws, r, col, cell, number_formats[i].as_ref(), formats)?;
            widths[i] = widths[i].max(cell.width());
        }
    }
    for (i, w) in widths.iter().enumerate() {
        // Excel's width unit is about one character; a little room for the
        // filter button.
        ws.set_column_width(column_index(i)?, (*w + 3).clamp(8, 60) as f64)?;
    }
    ws.set_freeze_panes(1, frozen_columns)?;
    if !grid.header.is_empty() {
        let last_row =
            u32::try_from(grid.rows.len()).map_err(|_| XlsxError::RowColumnLimitError)?;
        ws.autofilter(0, 0, last_row, column_index(grid.header.len() - 1)?)?;
    }
    Ok(())
}

/// A column index as the writer takes it.
pub fn column_index(i: usize) -> Result<u16, XlsxError> {
    u16::try_from(i).map_err(|_| XlsxError::RowColumnLimitError)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(header: &[&str], rows: &[&[&str]]) -> Table {
        Table {
            path: PathBuf::from("x.csv"),
            header: header.iter().map(|s| s.to_string()).collect(),
            rows: rows
                .iter()
                .map(|r| r.iter().map(|s| s.to_string()).collect())
                .collect(),
        }
    }

    #[test]
    fn columns_are_typed_by_every_cell() {
        let t = table(
            &["month", "x", "paired", "metric", "mixed", "none"],
            &[
                &["2025-01-01", "1.5", "true", "7", "1", ""],
                &["2025-02-01", "", "false", "a", "b", ""],
            ],
        );
        let cells = typed(&t);
        let date = |m| {
            Cell::Date(Date {
                year: 2025,
                month: m,
                day: 1,
            })
        };
        assert_eq!(
            cells[0],
            [
                date(1),
                Cell::Number(1.5),
                Cell::Bool(true),
                Cell::text("7"),
                Cell::text("1"),
                Cell::Empty
            ]
        );
        assert_eq!(
            cells[1],
            [
                date(2),
                Cell::Empty,
                Cell::Bool(false),
                Cell::text("a"),
                Cell::text("b"),
                Cell::Empty
            ]
        );
    }

    #[test]
    fn only_real_dates_are_dates() {
        assert_eq!(
            Date::parse("2024-02-29"),
            Some(Date {
                year: 2024,
                month: 2,
                day: 29
            })
        );
        for bad in [
            "2023-02-29",
            "2025-13-01",
            "2025-1-01",
            "1899-12-31",
            "2025-01-00",
            "20250-1-01",
            "2025-04-31",
        ] {
            assert_eq!(Date::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn units_of_rows_and_columns() {
        assert_eq!(metric_unit("microsoft_value_npv_usd_bn"), "usd_bn");
        assert_eq!(metric_unit("spend_azure_usd_bn"), "usd_bn");
        assert_eq!(metric_unit("unmet_share"), "share");
        assert_eq!(metric_unit("p_ip_expiry_by_agi"), "probability");
        assert_eq!(metric_unit("target:unmet_share<=0.1"), "probability");
        assert_eq!(metric_unit("ip_expiry_cause=agi"), "share");
        assert_eq!(metric_unit("ip_expiry_year"), "decimal year");
        assert_eq!(metric_unit("no_such_metric"), "");
        let wide = "timeseries_wide.csv";
        assert_eq!(column_unit(wide, "demand_gw_p95"), Some("GW"));
        assert_eq!(column_unit(wide, "capacity_azure_gw_mean"), Some("GW"));
        assert_eq!(column_unit(wide, "azure_share_p50"), Some("share"));
        assert_eq!(
            column_unit(wide, "ip_active_mean"),
            Some("0 or 1 per trial")
        );
        assert_eq!(column_unit(wide, "month"), None);
        assert_eq!(column_unit("summary.csv", "n"), Some("count"));
        assert_eq!(column_unit("summary.csv", "mean"), None);
    }

    #[test]
    fn a_unit_column_follows_metric() {
        let t = table(
            &["metric", "n", "mean"],
            &[&["unmet_share", "3", "0.25"], &["rofr_offers", "3", "2"]],
        );
        let g = Grid::of_csv("summary.csv", &t);
        assert_eq!(g.header, ["metric", "unit", "n", "mean"]);
        assert_eq!(g.title(2), "n (count)");
        assert_eq!(g.title(3), "mean");
        assert_eq!(
            g.rows[0],
            [
                Cell::text("unmet_share"),
                Cell::text("share"),
                Cell::Number(3.0),
                Cell::Number(0.25)
            ]
        );
        assert_eq!(g.rows[1][1], Cell::text("count"));
    }
}
