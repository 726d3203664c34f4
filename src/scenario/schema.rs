//! The shape of a scenario file: which keys each table allows. One
//! definition serves the loader (unknown keys are errors) and `--set`
//! (a path must exist here, and the nearest valid ones are suggested).

/// A TOML value with its byte span in the sources, as the loader and
/// `--set` walk it.
pub type Value<'a> = toml::Spanned<toml::de::DeValue<'a>>;

/// What a key holds.
#[derive(Debug, Clone, Copy)]
pub enum Shape {
    /// A value: number, string, distribution table, list of names…
    Leaf,
    /// A table with these keys.
    Table(&'static [(&'static str, Shape)]),
    /// An array of tables with these keys, addressed by `name` or index.
    Array(&'static [(&'static str, Shape)]),
}

use Shape::{Array, Leaf, Table};

pub const TIME: &[(&str, Shape)] = &[("start", Leaf), ("end", Leaf)];
pub const DEMAND: &[(&str, Shape)] = &[
    ("initial_gw", Leaf),
    ("growth", Leaf),
    ("growth_halflife_years", Leaf),
    ("volatility", Leaf),
    ("ceiling_gw", Leaf),
];
pub const WORKLOAD: &[(&str, Shape)] = &[("name", Leaf), ("share", Leaf)];
pub const TRANCHE: &[(&str, Shape)] = &[
    ("gw", Leaf),
    ("online", Leaf),
    ("delay_months", Leaf),
    ("probability", Leaf),
];
pub const PROVIDER: &[(&str, Shape)] = &[
    ("name", Leaf),
    ("initial_gw", Leaf),
    ("growth", Leaf),
    ("max_gw", Leaf),
    ("price", Leaf),
    ("max_new_gw_per_year", Leaf),
    ("tranches", Array(TRANCHE)),
];
pub const NEW_CAPACITY: &[(&str, Shape)] = &[("lead_time_months", Leaf), ("coverage", Leaf)];
pub const ALLOCATION: &[(&str, Shape)] = &[("policy", Leaf)];
pub const EXCLUSIVITY: &[(&str, Shape)] = &[
    ("provider", Leaf),
    ("workloads", Leaf),
    ("from", Leaf),
    ("until", Leaf),
];
pub const ROFR: &[(&str, Shape)] = &[
    ("holder", Leaf),
    ("workloads", Leaf),
    ("from", Leaf),
    ("until", Leaf),
    ("exercise_probability", Leaf),
];
pub const IP: &[(&str, Shape)] = &[("sunset", Leaf), ("ends_at_agi", Leaf)];
pub const REVENUE_SHARE: &[(&str, Shape)] =
    &[("rate", Leaf), ("until", Leaf), ("cap_usd_bn", Leaf)];
pub const TERMS: &[(&str, Shape)] = &[
    ("exclusivity", Array(EXCLUSIVITY)),
    ("rofr", Array(ROFR)),
    ("ip", Table(IP)),
    ("revenue_share", Table(REVENUE_SHARE)),
];
pub const REVENUE: &[(&str, Shape)] = &[("per_gw_year", Leaf), ("growth", Leaf)];
pub const MICROSOFT: &[(&str, Shape)] = &[
    ("provider", Leaf),
    ("azure_margin", Leaf),
    ("discount_rate", Leaf),
];
pub const PANEL: &[(&str, Shape)] = &[
    ("months", Leaf),
    ("confirm_probability", Leaf),
    ("retry_months", Leaf),
];
pub const AGI: &[(&str, Shape)] = &[
    ("mode", Leaf),
    ("year", Leaf),
    ("annual_hazard", Leaf),
    ("hazard_growth", Leaf),
    ("threshold_gw_years", Leaf),
    ("panel", Table(PANEL)),
];
pub const SAMPLING: &[(&str, Shape)] = &[("method", Leaf), ("adjust_correlations", Leaf)];
pub const CORRELATION: &[(&str, Shape)] = &[("inputs", Leaf), ("spearman", Leaf)];

/// The whole file.
pub const SCENARIO: &[(&str, Shape)] = &[
    ("name", Leaf),
    ("description", Leaf),
    ("seed", Leaf),
    ("time", Table(TIME)),
    ("demand", Table(DEMAND)),
    ("workloads", Array(WORKLOAD)),
    ("providers", Array(PROVIDER)),
    ("new_capacity", Table(NEW_CAPACITY)),
    ("allocation", Table(ALLOCATION)),
    ("terms", Table(TERMS)),
    ("revenue", Table(REVENUE)),
    ("microsoft", Table(MICROSOFT)),
    ("agi", Table(AGI)),
    ("sampling", Table(SAMPLING)),
    ("correlations", Array(CORRELATION)),
];

/// The key names of a table's schema.
pub fn keys<'f>(fields: &'f [(&'static str, Shape)]) -> impl Iterator<Item = &'static str> + 'f {
    fields.iter().map(|(k, _)| *k)
}

/// The shape of `key` in a table's schema.
pub fn shape_of(fields: &[(&'static str, Shape)], key: &str) -> Option<Shape> {
    fields.iter().find(|(k, _)| *k == key).map(|(_, s)| *s)
}

/// The candidates closest to `given` by edit distance, best first, for
/// "did you mean" hints. Only reasonably close ones are returned.
pub fn nearest<'a>(
    given: &str,
    candidates: impl IntoIterator<Item = &'a str>,
    limit: usize,
) -> Vec<&'a str> {
    let mut scored: Vec<(f64, &str)> = candidates
        .into_iter()
        .map(|c| (strsim::normalized_damerau_levenshtein(given, c), c))
        .filter(|(score, _)| *score >= 0.5)
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.cmp(b.1)));
    scored.into_iter().take(limit).map(|(_, c)| c).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_close_keys() {
        assert_eq!(nearest("growht", keys(DEMAND), 2), vec!["growth"]);
        assert!(nearest("zzzzzz", keys(DEMAND), 2).is_empty());
    }
}
