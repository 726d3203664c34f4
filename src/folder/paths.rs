//! `paths.csv` (with `--paths N`): every month of the first N trials, one
//! column per series of `timeseries.csv`.

use std::fmt::Write as _;

use super::cells::push_number;
use super::timeseries;
use crate::engine::{Model, MonthState};

/// The file's name in an output folder.
pub const FILE: &str = "paths.csv";

/// The header row, with its newline.
pub fn header(model: &Model<'_>) -> String {
    let mut h = String::from("trial,month");
    for name in timeseries::series_names(model) {
        h.push(',');
        h.push_str(&name);
    }
    h.push('\n');
    h
}

/// One row: trial `trial`'s month `state`.
pub fn row(model: &Model<'_>, trial: u64, state: &MonthState<'_>, line: &mut String) {
    let _ = write!(
        line,
        "{trial},{}",
        model.scenario.start.plus(state.month as i32).first_day()
    );
    timeseries::values(state, |_, x| {
        line.push(',');
        push_number(line, x);
    });
    line.push('\n');
}
