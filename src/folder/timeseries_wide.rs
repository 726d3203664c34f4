//! `timeseries_wide.csv`: the numbers of `timeseries.csv` laid out for a
//! spreadsheet chart — one row per month, one column per series and
//! statistic (`demand_gw_mean`, `demand_gw_p5`, …), so a line chart of any
//! columns needs no pivot table. Written by `run`; nothing reads it back.

use std::fmt::Write as _;

use super::cells::push_number;
use super::timeseries::{STATISTICS, Statistics};

/// The file's name in an output folder.
pub const FILE: &str = "timeseries_wide.csv";

/// `<series>_<statistic>`: the column of one statistic of one series.
pub fn column(series: &str, statistic: &str) -> String {
    format!("{series}_{statistic}")
}

/// The header's columns: `month`, then series by series (in
/// `timeseries.csv`'s order), each series' statistics in [`STATISTICS`]
/// order.
pub fn columns(series: &[String]) -> Vec<String> {
    let mut names = vec!["month".to_string()];
    for s in series {
        names.extend(STATISTICS.iter().map(|stat| column(s, stat)));
    }
    names
}

/// The whole file: one row per month, the cells of `timeseries.csv`'s rows
/// of that month side by side, formatted alike.
pub fn csv(stats: &Statistics) -> String {
    let mut out = columns(&stats.names).join(",");
    out.push('\n');
    for m in 0..stats.months {
        let _ = write!(out, "{}", stats.date(m));
        for &x in stats.month(m).iter().flatten() {
            out.push(',');
            push_number(&mut out, x);
        }
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::stats::Histogram;
    use crate::folder::timeseries;
    use crate::scenario::Month;

    /// Two months of two series over three trials: 1, 2, 3 GW of demand in
    /// 2030-11 and 4, 5, 6 in 2030-12 (means 2 and 5); a 0/1 flag set in
    /// one trial, then in all three (means 1/3 and 1).
    fn two_months() -> Statistics {
        let trials = [
            // [month][series] of each trial
            [[1.0, 0.0], [4.0, 1.0]],
            [[2.0, 1.0], [5.0, 1.0]],
            [[3.0, 0.0], [6.0, 1.0]],
        ];
        let mut sums = vec![0.0; 4];
        let mut hists = vec![Histogram::default(); 4];
        for trial in trials {
            for (m, month) in trial.iter().enumerate() {
                for (s, &x) in month.iter().enumerate() {
                    sums[m * 2 + s] += x;
                    hists[m * 2 + s].add(x);
                }
            }
        }
        let names = vec!["demand_gw".to_string(), "ip_active".to_string()];
        let start = Month::new(2030, 11).unwrap();
        Statistics::new(start, names, 3, &sums, &hists)
    }

    #[test]
    fn one_row_per_month_one_column_per_series_and_statistic() {
        let wide = csv(&two_months());
        let lines: Vec<&str> = wide.lines().collect();
        assert_eq!(
            lines[0],
            "month,demand_gw_mean,demand_gw_p5,demand_gw_p25,demand_gw_p50,demand_gw_p75,demand_gw_p95,\
             ip_active_mean,ip_active_p5,ip_active_p25,ip_active_p50,ip_active_p75,ip_active_p95"
        );
        assert_eq!(lines.len(), 3, "a header and two months:\n{wide}");
        // By hand: the mean exact; each band the histogram's value, within
        // 2⁻⁸ of PERCENTILE.INC over the three trials (p5 of 1, 2, 3 is
        // 1.1, p25 1.5, p50 2, p75 2.5, p95 2.9; of 0, 1, 0: 0, 0, 0, 0.5,
        // 0.9). The 0/1 flag's zeros and ones are exact.
        let row = |m: usize| -> Vec<f64> {
            lines[1 + m]
                .split(',')
                .skip(1)
                .map(|c| c.parse().unwrap())
                .collect()
        };
        let exact = [
            [
                2.0,
                1.1,
                1.5,
                2.0,
                2.5,
                2.9,
                1.0 / 3.0,
                0.0,
                0.0,
                0.0,
                0.5,
                0.9,
            ],
            [5.0, 4.1, 4.5, 5.0, 5.5, 5.9, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0],
        ];
        for (m, want) in exact.iter().enumerate() {
            let got = row(m);
            assert_eq!(got.len(), want.len(), "month {m}");
            for (k, (g, w)) in got.iter().zip(want).enumerate() {
                assert!(
                    (g - w).abs() <= w.abs() / 256.0 + 1e-12,
                    "month {m}, column {}: {g}, by hand {w}",
                    k + 1
                );
            }
        }
        assert_eq!(row(0)[0], 2.0, "the mean is exact");
        assert!(lines[1].starts_with("2030-11-01,"), "{}", lines[1]);
        assert!(lines[2].starts_with("2030-12-01,"), "{}", lines[2]);
    }

    /// Every cell of the wide file is the same text as the matching cell of
    /// the long file: row `month,metric` and column `statistic` there is
    /// row `month` and column `metric_statistic` here, and no cell is left
    /// over on either side.
    #[test]
    fn every_cell_is_the_long_files_cell() {
        let stats = two_months();
        let (long, wide) = (timeseries::csv(&stats), csv(&stats));
        let mut long_cells = std::collections::BTreeMap::new();
        let mut long_lines = long.lines();
        let header: Vec<&str> = long_lines.next().unwrap().split(',').collect();
        for line in long_lines {
            let cells: Vec<&str> = line.split(',').collect();
            for (stat, cell) in header[2..].iter().zip(&cells[2..]) {
                let key = (cells[0].to_string(), column(cells[1], stat));
                assert!(long_cells.insert(key, cell.to_string()).is_none());
            }
        }
        let mut wide_lines = wide.lines();
        let header: Vec<&str> = wide_lines.next().unwrap().split(',').collect();
        let mut seen = 0;
        for line in wide_lines {
            let cells: Vec<&str> = line.split(',').collect();
            assert_eq!(cells.len(), header.len(), "{line}");
            for (name, cell) in header[1..].iter().zip(&cells[1..]) {
                let key = (cells[0].to_string(), name.to_string());
                assert_eq!(long_cells.get(&key), Some(&cell.to_string()), "{key:?}");
                seen += 1;
            }
        }
        assert_eq!(seen, long_cells.len(), "a long cell has no wide cell");
        assert_eq!(seen, 2 * 2 * STATISTICS.len());
    }
}
