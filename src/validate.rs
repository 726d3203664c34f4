//! `rofrsim validate`: check a scenario and show its uncertain inputs.

use std::fmt::Write as _;

use crate::scenario::{Scenario, Uncertain};
use crate::table::{Align, render};

/// Formats a number for a table: four significant digits, no exponent for
/// everyday magnitudes.
pub fn short(x: f64) -> String {
    if !x.is_finite() {
        return if x.is_nan() {
            "NaN".into()
        } else if x > 0.0 {
            "inf".into()
        } else {
            "-inf".into()
        };
    }
    let a = x.abs();
    if a != 0.0 && !(1e-3..1e7).contains(&a) {
        return format!("{x:.3e}");
    }
    let digits = if a == 0.0 {
        0
    } else {
        (3 - a.log10().floor() as i32).clamp(0, 6) as usize
    };
    let s = format!("{x:.digits$}");
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

/// The report printed by `validate`: a header and one row per input given
/// as a distribution, with its p5 / p50 / p95.
pub fn report(s: &Scenario) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "scenario {:?}: valid", s.name);
    let _ = writeln!(
        out,
        "  {} to {} ({} months), {} workloads, {} providers, policy {}, seed {}",
        s.start,
        s.end,
        s.months(),
        s.workloads.len(),
        s.providers.len(),
        s.policy.name(),
        s.seed
    );
    let rows: Vec<[String; 5]> = s
        .inputs
        .all()
        .iter()
        .filter_map(|input| match &input.value {
            Uncertain::Const(_) => None,
            Uncertain::Dist(d) => Some([
                input.path.clone(),
                d.describe(),
                short(d.quantile(0.05)),
                short(d.quantile(0.5)),
                short(d.quantile(0.95)),
            ]),
        })
        .collect();
    let constants = s.inputs.len() - rows.len();
    if rows.is_empty() {
        let _ = writeln!(out, "\nno uncertain inputs ({constants} constants)");
        return out;
    }
    let _ = writeln!(
        out,
        "\n{} uncertain inputs ({constants} constants not shown):\n",
        rows.len()
    );
    out.push_str(&render(
        "",
        ["input", "distribution", "p5", "p50", "p95"],
        [
            Align::Left,
            Align::Left,
            Align::Right,
            Align::Right,
            Align::Right,
        ],
        &rows,
    ));
    out
}

#[cfg(test)]
mod tests {
    use super::short;

    #[test]
    fn short_numbers() {
        assert_eq!(short(0.0), "0");
        assert_eq!(short(1.5), "1.5");
        assert_eq!(short(2031.25), "2031");
        assert_eq!(short(0.123456), "0.1235");
        assert_eq!(short(1e-5), "1.000e-5");
    }
}
