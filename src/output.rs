//! The files a run writes (MODEL.md, "Outputs"): their columns, defined
//! once, and how each row is formatted. All CSVs are RFC 4180 with a header
//! row, `.` decimals (Rust's shortest round-trip formatting, never an
//! exponent) and `YYYY-MM-DD` dates, so a spreadsheet opens them directly.

use std::fmt::Write as _;

use crate::model::{ExpiryCause, Model, MonthState, Outcome};
use crate::scenario::Uncertain;
use crate::stats::{BAND_PERCENTILES, Histogram, SUMMARY_PERCENTILES, Summary};

/// The numeric outcomes of a trial, in `trials.csv` / `summary.csv` order.
/// `ip_expiry_year` is missing (NaN here, empty in CSV) when IP rights
/// outlast the horizon.
pub fn outcome_metric_names(model: &Model<'_>) -> Vec<String> {
    let providers = &model.scenario.providers;
    let mut names: Vec<String> = [
        "ip_expiry_year",
        "ip_months",
        "demand_gw_end",
        "azure_share_end",
        "unmet_share",
    ]
    .map(String::from)
    .to_vec();
    names.extend(providers.iter().map(|p| format!("gw_years_{}", p.name)));
    names.push("unmet_gw_years".into());
    names.extend(providers.iter().map(|p| format!("spend_{}_usd_bn", p.name)));
    names.extend(
        [
            "openai_revenue_usd_bn",
            "revenue_share_usd_bn",
            "microsoft_value_npv_usd_bn",
            "rofr_offers",
            "rofr_declined",
        ]
        .map(String::from),
    );
    names
}

/// Two probabilities reported as extra rows of `summary.csv` (mean = P).
pub const PROBABILITY_METRICS: [&str; 2] = ["p_ip_expiry_by_agi", "p_agi_verified_by_sunset"];

/// Fills `out` with the numeric outcomes, in [`outcome_metric_names`] order,
/// followed by the two [`PROBABILITY_METRICS`] as 0/1.
pub fn outcome_metrics(model: &Model<'_>, o: &Outcome, out: &mut Vec<f64>) {
    out.clear();
    let start = model.scenario.start;
    out.push(
        o.ip_expiry
            .map_or(f64::NAN, |m| start.plus(m as i32).decimal_year()),
    );
    out.push(f64::from(o.ip_months));
    out.push(o.demand_gw_end);
    out.push(o.azure_share_end);
    out.push(o.unmet_share);
    out.extend_from_slice(&o.gw_years);
    out.push(o.unmet_gw_years);
    out.extend_from_slice(&o.spend_usd_bn);
    out.push(o.openai_revenue_usd_bn);
    out.push(o.revenue_share_usd_bn);
    out.push(o.microsoft_value_npv_usd_bn);
    out.push(f64::from(o.rofr_offers));
    out.push(f64::from(o.rofr_declined));
    out.push(if o.ip_expiry_cause == Some(ExpiryCause::Agi) {
        1.0
    } else {
        0.0
    });
    // Verified before the sunset (before the horizon's end without one).
    let sunset = model
        .scenario
        .terms
        .ip
        .as_ref()
        .map(|ip| ip.sunset.since(start));
    let by_sunset = o
        .agi_verified
        .is_some_and(|v| sunset.is_none_or(|s| (v as i32) < s));
    out.push(if by_sunset { 1.0 } else { 0.0 });
}

/// Column names of `trials.csv`.
pub fn trials_header(model: &Model<'_>) -> Vec<String> {
    let mut h = vec!["trial".to_string()];
    h.extend(input_columns(model).into_iter().map(|(_, name)| name));
    h.extend(
        [
            "agi_declared",
            "agi_verified",
            "ip_expiry",
            "ip_expiry_cause",
        ]
        .map(String::from),
    );
    h.extend(outcome_metric_names(model));
    h
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

/// Quotes a CSV field when it holds a comma, quote or newline (RFC 4180).
pub fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// Writes a number as spreadsheets read it; empty for a missing value.
pub fn push_number(buf: &mut String, x: f64) {
    if !x.is_finite() {
        return;
    }
    // `-0` would read as text in some spreadsheets.
    let x = if x == 0.0 { 0.0 } else { x };
    // ryu finds shortest round-trip digits several times faster than `{x}`
    // (on a rare tie it may pick the other 17th digit; both read back as x).
    // Its text differs by a trailing ".0" on integers and by exponent
    // notation far from 1, which we keep out of the CSVs: those values take
    // the slow path.
    let mut fast = ryu::Buffer::new();
    let text = fast.format_finite(x);
    if text.bytes().any(|b| b == b'e') {
        let _ = write!(buf, "{x}");
    } else {
        buf.push_str(text.strip_suffix(".0").unwrap_or(text));
    }
}

/// Formats one `trials.csv` row (with trailing newline) into `line`.
pub fn trial_row(
    model: &Model<'_>,
    trial: u64,
    inputs: &[(usize, String)],
    values: &[f64],
    o: &Outcome,
    metrics: &[f64],
    line: &mut String,
) {
    let start = model.scenario.start;
    let _ = write!(line, "{trial}");
    for (k, _) in inputs {
        line.push(',');
        push_number(line, values[*k]);
    }
    for date in [o.agi_declared, o.agi_verified, o.ip_expiry] {
        line.push(',');
        if let Some(m) = date {
            let m = start.plus(m as i32);
            let _ = write!(line, "{:04}-{:02}-01", m.year(), m.month_of_year());
        }
    }
    line.push(',');
    line.push_str(o.ip_expiry_cause.map_or("", ExpiryCause::label));
    let n_outcomes = metrics.len() - PROBABILITY_METRICS.len();
    for &x in &metrics[..n_outcomes] {
        line.push(',');
        push_number(line, x);
    }
    line.push('\n');
}

/// Names of the per-month series of `timeseries.csv`, in order.
pub fn series_names(model: &Model<'_>) -> Vec<String> {
    let providers = &model.scenario.providers;
    let mut names = vec!["demand_gw".to_string()];
    names.extend(providers.iter().map(|p| format!("capacity_{}_gw", p.name)));
    names.extend(providers.iter().map(|p| format!("placed_{}_gw", p.name)));
    names.extend(
        [
            "unmet_gw",
            "azure_share",
            "ip_active",
            "rofr_active",
            "agi_verified",
        ]
        .map(String::from),
    );
    names
}

/// Calls `f(series index, value)` for every series of one month, in
/// [`series_names`] order.
pub fn series_values(state: &MonthState<'_>, mut f: impl FnMut(usize, f64)) {
    let mut i = 0;
    let mut put = |x: f64| {
        f(i, x);
        i += 1;
    };
    put(state.demand_gw);
    state.capacity_gw.iter().for_each(|&x| put(x));
    state.placed_gw.iter().for_each(|&x| put(x));
    put(state.unmet_gw);
    put(state.azure_share);
    put(f64::from(u8::from(state.ip_active)));
    put(f64::from(u8::from(state.rofr_active)));
    put(f64::from(u8::from(state.agi_verified)));
}

/// Header of `paths.csv`.
pub fn paths_header(model: &Model<'_>) -> String {
    let mut h = String::from("trial,month");
    for name in series_names(model) {
        h.push(',');
        h.push_str(&name);
    }
    h.push('\n');
    h
}

/// One `paths.csv` row.
pub fn paths_row(model: &Model<'_>, trial: u64, state: &MonthState<'_>, line: &mut String) {
    let _ = write!(
        line,
        "{trial},{}",
        model.scenario.start.plus(state.month as i32).first_day()
    );
    series_values(state, |_, x| {
        line.push(',');
        push_number(line, x);
    });
    line.push('\n');
}

/// The statistic columns of `summary.csv` (after `metric`), as spreadsheet
/// risk tools report them.
pub fn summary_columns() -> Vec<String> {
    let mut cols: Vec<String> = ["n", "mean", "sd", "min"].map(String::from).to_vec();
    cols.extend(
        SUMMARY_PERCENTILES
            .iter()
            .map(|p| format!("p{}", (p * 100.0).round())),
    );
    cols.extend(["max", "variance", "skewness", "kurtosis", "cv", "sem"].map(String::from));
    cols
}

/// The cells of one summary row, in [`summary_columns`] order (without the
/// metric name and trailing newline). No value in any trial (e.g. IP never
/// expires within the horizon) gives n = 0 and empty cells, never NaN.
pub fn push_summary_cells(out: &mut String, s: Option<&Summary>) {
    let Some(s) = s else {
        out.push('0');
        out.push_str(&",".repeat(summary_columns().len() - 1));
        return;
    };
    let _ = write!(out, "{}", s.n);
    let missing = f64::NAN;
    let cells = [s.mean, s.sd, s.min]
        .into_iter()
        .chain(s.percentiles)
        .chain([s.max, s.variance])
        .chain([s.skewness, s.kurtosis, s.cv].map(|x| x.unwrap_or(missing)))
        .chain([s.sem]);
    for x in cells {
        out.push(',');
        push_number(out, x);
    }
}

/// `summary.csv`: one row per metric.
pub fn summary_csv(rows: &[(String, Option<Summary>)]) -> String {
    let mut out = format!("metric,{}\n", summary_columns().join(","));
    for (name, s) in rows {
        out.push_str(name);
        out.push(',');
        push_summary_cells(&mut out, s.as_ref());
        out.push('\n');
    }
    out
}

/// `timeseries.csv`: long format, one row per month and series.
pub fn timeseries_csv(model: &Model<'_>, trials: u64, sums: &[f64], hists: &[Histogram]) -> String {
    let names = series_names(model);
    let n_series = names.len();
    let mut out = String::from("month,metric,mean,p5,p25,p50,p75,p95\n");
    for m in 0..model.months() {
        let date = model.scenario.start.plus(m as i32).first_day();
        for (s, name) in names.iter().enumerate() {
            let k = m * n_series + s;
            let _ = write!(out, "{date},{name},");
            push_number(&mut out, sums[k] / trials as f64);
            for p in BAND_PERCENTILES {
                out.push(',');
                push_number(&mut out, hists[k].percentile(p));
            }
            out.push('\n');
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::push_number;
    use proptest::prelude::*;

    fn check(x: f64) -> Result<(), TestCaseError> {
        let mut text = String::new();
        push_number(&mut text, x);
        if !x.is_finite() {
            prop_assert_eq!(text, "");
            return Ok(());
        }
        prop_assert!(!text.contains(['e', 'E']), "{text}");
        prop_assert_eq!(
            text.parse::<f64>().ok(),
            Some(if x == 0.0 { 0.0 } else { x })
        );
        prop_assert!(text.len() <= format!("{x}").len().max(1), "{text} vs {x}");
        Ok(())
    }

    proptest! {
        /// Any finite number is written in plain decimal, reads back as
        /// exactly itself, and is no longer than `{x}` writes it; a
        /// non-finite one is left empty.
        #[test]
        fn push_number_round_trips(bits in any::<u64>()) {
            check(f64::from_bits(bits))?;
        }

        /// The same for the magnitudes outputs hold (GW, shares, usd_bn).
        #[test]
        fn push_number_round_trips_everyday_values(x in -1e7f64..1e7, k in 0u32..12) {
            check(x / 10f64.powi(k as i32))?;
        }
    }

    #[test]
    fn push_number_examples() {
        for (x, text) in [
            (96.0, "96"),
            (0.1, "0.1"),
            (-0.0, "0"),
            (1e-7, "0.0000001"),
            (2033.0, "2033"),
            (1e21, "1000000000000000000000"),
        ] {
            let mut s = String::new();
            push_number(&mut s, x);
            assert_eq!(s, text);
        }
    }
}
