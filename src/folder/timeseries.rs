//! `timeseries.csv`: long format, one row per month and series — the mean
//! and percentile bands over all trials. Also the list of per-month series
//! itself, which `paths.csv` shares, and the statistics both this file and
//! `timeseries_wide.csv` are written from. Written by `run`; read by
//! `report`.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

use super::cells::push_number;
use super::{bad_file, csv_error, number, open_csv};
use crate::analysis::stats::{BAND_PERCENTILES, Histogram};
use crate::engine::{Model, MonthState};
use crate::error::Error;
use crate::scenario::Month;

/// The file's name in an output folder.
pub const FILE: &str = "timeseries.csv";

/// Demand D_t, GW.
pub const DEMAND_GW: &str = "demand_gw";
/// Unmet demand, GW.
pub const UNMET_GW: &str = "unmet_gw";
/// Share of placed GW on Microsoft's cloud.
pub const AZURE_SHARE: &str = "azure_share";
/// IP rights active (0/1 per trial).
pub const IP_ACTIVE: &str = "ip_active";
/// AGI verified in or before the month (0/1 per trial).
pub const AGI_VERIFIED: &str = "agi_verified";

/// `capacity_<provider>_gw`.
pub fn capacity(provider: &str) -> String {
    format!("capacity_{provider}_gw")
}

/// `placed_<provider>_gw`.
pub fn placed(provider: &str) -> String {
    format!("placed_{provider}_gw")
}

/// Capacity of all providers, GW.
pub const CAPACITY_GW: &str = "capacity_gw";

/// `signed_<provider>_gw`: new capacity signed so far.
pub fn signed(provider: &str) -> String {
    format!("signed_{provider}_gw")
}

/// Names of the per-month series, in the order of [`values`] (and of the
/// engine's block series).
pub fn series_names(model: &Model<'_>) -> Vec<String> {
    let providers = &model.scenario.providers;
    let mut names = vec![DEMAND_GW.to_string()];
    names.extend(providers.iter().map(|p| capacity(&p.name)));
    names.push(CAPACITY_GW.to_string());
    names.extend(providers.iter().map(|p| placed(&p.name)));
    names.extend(providers.iter().map(|p| signed(&p.name)));
    names.extend(
        [
            UNMET_GW,
            AZURE_SHARE,
            IP_ACTIVE,
            "rofr_active",
            AGI_VERIFIED,
        ]
        .map(String::from),
    );
    names
}

/// Calls `f(series index, value)` for every series of one month, in
/// [`series_names`] order.
pub fn values(state: &MonthState<'_>, mut f: impl FnMut(usize, f64)) {
    let mut i = 0;
    let mut put = |x: f64| {
        f(i, x);
        i += 1;
    };
    put(state.demand_gw);
    state.capacity_gw.iter().for_each(|&x| put(x));
    put(state.capacity_total_gw);
    state.placed_gw.iter().for_each(|&x| put(x));
    state.signed_gw.iter().for_each(|&x| put(x));
    put(state.unmet_gw);
    put(state.azure_share);
    put(f64::from(u8::from(state.ip_active)));
    put(f64::from(u8::from(state.rofr_active)));
    put(f64::from(u8::from(state.agi_verified)));
}

/// The statistics of each month and series, in the order of the columns
/// of both files that hold them: the mean, then the percentile bands
/// ([`BAND_PERCENTILES`]).
pub const STATISTICS: [&str; 6] = ["mean", "p5", "p25", "p50", "p75", "p95"];

/// Every month's statistics of every series over all trials: what
/// `timeseries.csv` and `timeseries_wide.csv` are both written from, so the
/// two files hold the same numbers.
#[derive(Debug, Clone, PartialEq)]
pub struct Statistics {
    /// The first month.
    pub start: Month,
    /// Months of the horizon.
    pub months: usize,
    /// The series, in [`series_names`] order.
    pub names: Vec<String>,
    /// `[month * series + s]`: the series' values in [`STATISTICS`] order.
    pub values: Vec<[f64; 6]>,
}

impl Statistics {
    /// From per-(month, series) sums over `trials` trials and histograms,
    /// `[month * series + s]`.
    pub fn new(
        start: Month,
        names: Vec<String>,
        trials: u64,
        sums: &[f64],
        hists: &[Histogram],
    ) -> Statistics {
        use rayon::prelude::*;
        // Each band's percentiles walk its histogram's buckets: independent,
        // so on the worker threads (of the caller's pool), collected in order.
        let values = hists
            .par_iter()
            .zip(sums)
            .map(|(h, sum)| {
                let [p5, p25, p50, p75, p95] = h.percentiles(BAND_PERCENTILES);
                [sum / trials as f64, p5, p25, p50, p75, p95]
            })
            .collect();
        Statistics {
            start,
            months: sums.len().checked_div(names.len()).unwrap_or(0),
            names,
            values,
        }
    }

    /// A run's statistics: its sums and histograms over `trials` trials.
    pub fn of_run(model: &Model<'_>, trials: u64, sums: &[f64], hists: &[Histogram]) -> Statistics {
        Statistics::new(
            model.scenario.start,
            series_names(model),
            trials,
            sums,
            hists,
        )
    }

    /// Month `m`'s statistics of every series, in [`series_names`] order.
    pub fn month(&self, m: usize) -> &[[f64; 6]] {
        let n = self.names.len();
        &self.values[m * n..(m + 1) * n]
    }

    /// Month `m` as the CSVs write it (`YYYY-MM-DD`, the first day).
    pub fn date(&self, m: usize) -> String {
        self.start.plus(m as i32).first_day()
    }
}

/// The whole file: one row per month and series.
pub fn csv(stats: &Statistics) -> String {
    let mut out = format!("month,metric,{}\n", STATISTICS.join(","));
    for m in 0..stats.months {
        let date = stats.date(m);
        for (name, values) in stats.names.iter().zip(stats.month(m)) {
            let _ = write!(out, "{date},{name}");
            for &x in values {
                out.push(',');
                push_number(&mut out, x);
            }
            out.push('\n');
        }
    }
    out
}

/// One month of one series.
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

/// `timeseries.csv` as read back: every series' months, in file order.
#[derive(Debug, Clone, Default)]
pub struct Timeseries {
    /// Series → its months in order.
    pub series: BTreeMap<String, Vec<Band>>,
    /// Providers, in the order their `capacity_<p>_gw` rows first appear.
    pub providers: Vec<String>,
}

impl Timeseries {
    /// Reads `timeseries.csv` of `dir`.
    pub fn read(dir: &Path) -> Result<Timeseries, Error> {
        let path = dir.join(FILE);
        let mut reader = open_csv(&path, dir)?;
        let cols = super::Header::read(&path, &mut reader)?;
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
            ts.series.entry(metric).or_default().push(band);
        }
        for m in [DEMAND_GW, UNMET_GW, AZURE_SHARE, IP_ACTIVE] {
            if !ts.series.contains_key(m) {
                return Err(bad_file(&path, format!("no rows for metric `{m}`")));
            }
        }
        Ok(ts)
    }

    /// The months of `series` (empty if absent).
    pub fn get(&self, series: &str) -> &[Band] {
        self.series.get(series).map_or(&[], Vec::as_slice)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{Block, Observer};
    use crate::scenario::load_file;

    /// Every series is named, in the engine's order: a month's values as a
    /// block yields them equal the values `paths.csv` writes for the lane.
    #[test]
    fn series_names_match_the_engines_series() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let scenario = load_file(&root.join("scenarios/baseline.toml"), &[]).unwrap();
        let model = Model::new(&scenario);
        let mut b = Block::default();
        model.start_block(1, 0, 3, &mut b);
        struct Values(Vec<f64>);
        impl Observer for Values {
            fn month(&mut self, state: &MonthState<'_>) {
                self.0.clear();
                values(state, |_, x| self.0.push(x));
            }
        }
        let names = series_names(&model);
        for m in 0..model.months() {
            model.step_block(m, &mut b);
            let mut of_block = Vec::new();
            b.series(|_, xs| of_block.push(xs[1]));
            let mut of_lane = Values(Vec::new());
            model.observe(m, &mut b, 1, &mut of_lane);
            assert_eq!(of_block.len(), names.len(), "month {m}");
            assert_eq!(of_block, of_lane.0, "month {m}");
        }
    }
}
