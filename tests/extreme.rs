//! Extreme but valid scenarios, end to end (issue #6, point 2): growth of
//! 10× a year for decades, zero capacity everywhere, zero demand, one
//! provider, twenty providers, one trial, one month, a 50-year horizon,
//! 1e300 GW. Each run of the real binary must either succeed with every
//! CSV cell a finite number where a number is due (and plausible numbers),
//! or be refused with exit 2 and a message naming the key *before* any
//! output folder exists. Never a panic, never NaN or inf, never a number
//! silently dropped to an empty cell.
//!
//! Fixtures: `tests/fixtures/extreme_*.toml`. Ten million trials are not run
//! here (too slow in a debug build); see the report of issue #6.
//!
//! Every run whose outputs must be complete and finite (or may be refused
//! up front) is a [`Case`], listed in [`CASES`]. The ordinary tests check
//! those outputs in Rust; in addition `tests/csv_check.py` (no NaN, inf,
//! malformed number or ragged row) is run on the outputs of every case by
//! `every_successful_output_passes_csv_check_py`, which needs python3: it is
//! `#[ignore]`d for plain `cargo test`, fails without python3, and `.ci/run`
//! runs it with `cargo test -- --include-ignored`.

mod common;

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use common::{Csv, Run, rofrsim, root};
use rofrsim::analysis::inference::quantile_ci_ranks;
use rofrsim::analysis::stats::{SUMMARY_CONFIDENCE, SUMMARY_PERCENTILES};

// ---------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------

fn fixture(name: &str) -> PathBuf {
    root().join("tests/fixtures").join(name)
}

fn tempdir() -> tempfile::TempDir {
    tempfile::Builder::new()
        .prefix("rofrsim-extreme-")
        .tempdir()
        .expect("create a temporary folder")
}

fn s(p: &Path) -> String {
    p.display().to_string()
}

/// `rofrsim run SCENARIO --trials N --out OUT --quiet [--set S]… EXTRA…`.
fn run(scenario: &Path, trials: u64, out: &Path, sets: &[&str], extra: &[&str]) -> Run {
    let mut args = vec![
        "run".to_string(),
        s(scenario),
        "--trials".into(),
        trials.to_string(),
        "--out".into(),
        s(out),
        "--quiet".into(),
    ];
    for set in sets {
        args.push("--set".into());
        args.push((*set).to_string());
    }
    args.extend(extra.iter().map(|a| a.to_string()));
    rofrsim(args)
}

/// One run of an extreme scenario: `rofrsim run SCENARIO --trials TRIALS
/// --out OUT --quiet [--set S]… EXTRA…`.
struct Case {
    /// What it is, for messages.
    what: &'static str,
    /// The scenario file, relative to the crate root.
    scenario: &'static str,
    trials: u64,
    sets: &'static [&'static str],
    extra: &'static [&'static str],
    /// Empty: the run must succeed. Otherwise it may instead be refused up
    /// front (exit 2) with a message naming one of these keys: see
    /// [`refused_or_finite`].
    refused_naming: &'static [&'static str],
}

impl Case {
    const fn new(
        what: &'static str,
        scenario: &'static str,
        trials: u64,
        sets: &'static [&'static str],
        extra: &'static [&'static str],
    ) -> Case {
        Case {
            what,
            scenario,
            trials,
            sets,
            extra,
            refused_naming: &[],
        }
    }

    /// A case that may be refused up front, naming one of `keys`.
    const fn or_refused_naming(mut self, keys: &'static [&'static str]) -> Case {
        self.refused_naming = keys;
        self
    }

    fn run(&self, out: &Path) -> Run {
        run(
            &root().join(self.scenario),
            self.trials,
            out,
            self.sets,
            self.extra,
        )
    }
}

/// Fails on a panic, a crash or a time-out, whatever the exit code.
fn assert_no_crash(r: &Run, what: &str) {
    assert!(!r.timed_out, "{what}: the run hung\n{}", r.dump());
    assert!(
        r.crash_signs().is_empty(),
        "{what}: the run crashed ({:?})\n{}",
        r.crash_signs(),
        r.dump()
    );
    assert!(r.code.is_some(), "{what}: killed by a signal\n{}", r.dump());
}

/// Asserts exit 0 (no crash), and returns the run.
fn assert_ok(r: Run, what: &str) -> Run {
    assert_no_crash(&r, what);
    assert_eq!(r.code, Some(0), "{what}: the run failed\n{}", r.dump());
    r
}

/// Columns of `trials.csv` that may be empty: event dates outside the
/// horizon, and `ip_expiry_year` when the rights outlast it.
const TRIALS_MAY_BE_EMPTY: [&str; 4] = [
    "agi_declared",
    "agi_verified",
    "ip_expiry",
    "ip_expiry_year",
];

/// `tests/csv_check.py DIR`: no NaN, inf, malformed number or ragged row
/// in any CSV of `dir`. The problem found, if any; panics without python3.
fn csv_check_problem(dir: &Path) -> Option<String> {
    let o = common::python3()
        .arg(root().join("tests/csv_check.py"))
        .arg(dir)
        .output()
        .expect("run python3 tests/csv_check.py");
    (!o.status.success()).then(|| {
        format!(
            "csv_check.py {} failed:\n{}{}",
            dir.display(),
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        )
    })
}

/// Every CSV in `dir` is complete: the four CSVs of a run are there, no
/// cell where a number is due is empty (a non-finite value written as an
/// empty cell is silently dropped by a spreadsheet's AVERAGE), and the
/// statistics of `summary.csv` are in order. Returns the problems found.
/// (`tests/csv_check.py` checks every cell is a finite number:
/// [`csv_check_problem`].)
fn completeness_problems(dir: &Path) -> Vec<String> {
    let mut problems = Vec::new();
    let mut names: Vec<String> = fs::read_dir(dir)
        .expect("list the output folder")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".csv"))
        .collect();
    names.sort();
    for name in [
        "trials.csv",
        "summary.csv",
        "timeseries.csv",
        "sensitivity.csv",
    ] {
        if !names.iter().any(|n| n == name) {
            problems.push(format!("{name} is missing from {}", dir.display()));
        }
    }
    for name in &names {
        let csv = Csv::read(&dir.join(name));
        let mut empties: BTreeMap<String, usize> = BTreeMap::new();
        let mut note = |col: &str| *empties.entry(col.to_string()).or_default() += 1;
        for row in &csv.rows {
            let cell = |c: &str| row[csv.col(c)].as_str();
            for (j, c) in row.iter().enumerate() {
                if !c.is_empty() {
                    continue;
                }
                let h = csv.header[j].as_str();
                let allowed = match name.as_str() {
                    "trials.csv" => {
                        TRIALS_MAY_BE_EMPTY.contains(&h)
                            && (h.starts_with("agi_")
                                || cell("ip_expiry_cause") == "beyond_horizon")
                    }
                    "summary.csv" => {
                        let n: usize = cell("n").parse().unwrap_or(0);
                        let sd: f64 = cell("sd").parse().unwrap_or(f64::NAN);
                        let mean: f64 = cell("mean").parse().unwrap_or(f64::NAN);
                        n == 0
                            || (h == "skewness" && (n < 3 || sd == 0.0))
                            || (h == "kurtosis" && (n < 4 || sd == 0.0))
                            || (h == "cv" && mean == 0.0)
                            || (h.starts_with("mean_ci_") && n < 2)
                            || percentile_of_interval(h).is_some_and(|p| {
                                quantile_ci_ranks(n, p, SUMMARY_CONFIDENCE).is_none()
                            })
                    }
                    _ => false,
                };
                if !allowed {
                    note(&format!("{h} (e.g. row {})", row[0]));
                }
            }
        }
        if !empties.is_empty() {
            let list: Vec<String> = empties
                .iter()
                .take(12)
                .map(|(c, k)| format!("{c}: {k} empty"))
                .collect();
            problems.push(format!(
                "{name}: empty cells where a number is due: {}",
                list.join("; ")
            ));
        }
        if name == "summary.csv" {
            problems.extend(summary_order_problems(&csv));
        }
    }
    problems
}

/// The quantile whose interval column `column` of `summary.csv` is
/// (`p25_ci_low` → 0.25), or None for any other column.
fn percentile_of_interval(column: &str) -> Option<f64> {
    let name = column
        .strip_suffix("_ci_low")
        .or_else(|| column.strip_suffix("_ci_high"))?;
    SUMMARY_PERCENTILES
        .into_iter()
        .find(|p| format!("p{}", (p * 100.0).round()) == name)
}

/// In `summary.csv`, min ≤ p1 ≤ … ≤ p99 ≤ max and min ≤ mean ≤ max (to a
/// relative 1e-12), sd ≥ 0, and each interval holds its statistic.
fn summary_order_problems(csv: &Csv) -> Vec<String> {
    let order = [
        "min", "p1", "p5", "p10", "p25", "p50", "p75", "p90", "p95", "p99", "max",
    ];
    let mut problems = Vec::new();
    for row in &csv.rows {
        let get = |c: &str| row[csv.col(c)].parse::<f64>().ok();
        let metric = &row[0];
        let vals: Vec<Option<f64>> = order.iter().map(|c| get(c)).collect();
        let (Some(lo), Some(hi)) = (vals[0], vals[order.len() - 1]) else {
            continue;
        };
        let slack = 1e-12 * lo.abs().max(hi.abs());
        for w in vals.windows(2) {
            if let (Some(a), Some(b)) = (w[0], w[1])
                && a > b + slack
            {
                problems.push(format!(
                    "summary.csv {metric}: percentiles not in order: {vals:?}"
                ));
                break;
            }
        }
        if let Some(mean) = get("mean")
            && (mean < lo - slack || mean > hi + slack)
        {
            problems.push(format!(
                "summary.csv {metric}: mean {mean} outside [min {lo}, max {hi}]"
            ));
        }
        if get("sd").is_some_and(|sd| sd < 0.0) {
            problems.push(format!("summary.csv {metric}: negative sd"));
        }
        for stat in [
            "mean", "p1", "p5", "p10", "p25", "p50", "p75", "p90", "p95", "p99",
        ] {
            let (low, high) = (format!("{stat}_ci_low"), format!("{stat}_ci_high"));
            if let (Some(x), Some(low), Some(high)) = (get(stat), get(&low), get(&high))
                && !(low - slack <= x && x <= high + slack)
            {
                problems.push(format!(
                    "summary.csv {metric}: {stat} {x} outside its interval [{low}, {high}]"
                ));
            }
        }
    }
    problems
}

fn assert_complete(dir: &Path, what: &str, r: &Run) {
    let problems = completeness_problems(dir);
    assert!(
        problems.is_empty(),
        "{what}: exit 0 but the outputs are not complete and finite:\n  {}\n{}",
        problems.join("\n  "),
        r.dump()
    );
}

/// Entries of `parent` other than `keep`, for "nothing was created".
fn listing(parent: &Path) -> Vec<String> {
    let mut v: Vec<String> = fs::read_dir(parent)
        .map(|rd| {
            rd.flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

/// The contract for a value that may be too large to simulate: either a
/// clean refusal (exit 2, `error…` naming one of `keys`, nothing created
/// beside `out`) or a successful run whose every cell is a finite number.
/// Returns a problem description, or None when the contract holds.
fn refused_or_finite(r: &Run, out: &Path, keys: &[&str]) -> Option<String> {
    if !r.crash_signs().is_empty() || r.timed_out || r.code.is_none() {
        return Some(format!("crashed or hung\n{}", r.dump()));
    }
    match r.code {
        Some(0) => {
            let problems = completeness_problems(out);
            (!problems.is_empty()).then(|| {
                format!(
                    "exit 0 but not every number is finite (the value should be refused up front, naming {keys:?}, or the outputs computed without overflow):\n  {}\n{}",
                    problems.join("\n  "),
                    r.dump()
                )
            })
        }
        Some(2) => {
            let parent = out.parent().expect("out has a parent");
            let left = listing(parent);
            if !r.stderr.trim_start().starts_with("error") {
                Some(format!("exit 2 without a clear error\n{}", r.dump()))
            } else if !keys.iter().any(|k| r.stderr.contains(k)) {
                Some(format!("the refusal names none of {keys:?}\n{}", r.dump()))
            } else if !left.is_empty() {
                Some(format!(
                    "refused, but left {left:?} in {}\n{}",
                    parent.display(),
                    r.dump()
                ))
            } else {
                None
            }
        }
        _ => Some(format!(
            "neither a result (0) nor a refusal before the run (2)\n{}",
            r.dump()
        )),
    }
}

fn close(a: f64, b: f64, rel: f64) -> bool {
    (a - b).abs() <= rel * a.abs().max(b.abs()).max(f64::MIN_POSITIVE)
}

// ---------------------------------------------------------------------------
// 10× a year for 50 years
// ---------------------------------------------------------------------------

static GROWTH: Case = Case::new(
    "10×/year, 50 years",
    "tests/fixtures/extreme_growth.toml",
    40,
    &[],
    &["--paths", "2"],
);

/// Demand D_t = 2 · 10^(t/12) exactly when growth = 9 and volatility = 0
/// (docs/model.md, month step 3, demand): ~1.6e50 GW in the last of 600 months.
#[test]
fn ten_fold_growth_for_fifty_years_without_volatility() {
    let tmp = tempdir();
    let out = tmp.path().join("out");
    let r = assert_ok(GROWTH.run(&out), GROWTH.what);
    assert_complete(&out, GROWTH.what, &r);

    let trials = Csv::read(&out.join("trials.csv"));
    assert_eq!(trials.rows.len(), 40);
    let expected_end = 2.0 * 10f64.powf(599.0 / 12.0);
    // Demand GW-years over the horizon: Σ_t D_t / 12.
    let demand_gw_years: f64 = (0..600)
        .map(|t| 2.0 * 10f64.powf(t as f64 / 12.0) / 12.0)
        .sum();
    let placed: Vec<Vec<f64>> = ["gw_years_azure", "gw_years_oracle"]
        .iter()
        .map(|c| trials.numbers(c))
        .collect();
    let unmet = trials.numbers("unmet_gw_years");
    for (i, d) in trials.numbers("demand_gw_end").into_iter().enumerate() {
        assert!(
            close(d, expected_end, 1e-9),
            "trial {i}: demand_gw_end {d}, expected 2·10^(599/12) = {expected_end}"
        );
        let total = placed[0][i] + placed[1][i] + unmet[i];
        assert!(
            close(total, demand_gw_years, 1e-9),
            "trial {i}: placed + unmet = {total} GW-years, demand {demand_gw_years}"
        );
    }
    for c in ["azure_share_end", "unmet_share"] {
        for x in trials.numbers(c) {
            assert!((0.0..=1.0).contains(&x), "{c} = {x} outside [0, 1]");
        }
    }
    for c in [
        "openai_revenue_usd_bn",
        "spend_azure_usd_bn",
        "microsoft_value_npv_usd_bn",
    ] {
        for x in trials.numbers(c) {
            assert!(
                x.is_finite() && x > 1e40,
                "{c} = {x}: expected a huge finite number"
            );
        }
    }
    let ts = Csv::read(&out.join("timeseries.csv"));
    let demand = ts.series("demand_gw");
    assert_eq!(demand.len(), 600, "one demand_gw row per month");
    assert_eq!(demand[599].0, "2074-12-01");
    assert!(
        close(demand[599].1, expected_end, 1e-9),
        "{:?}",
        demand[599]
    );
}

static GROWTH_VOLATILE: [Case; 2] = [
    Case::new(
        "10×/year, 50 years, volatility 0.6",
        "tests/fixtures/extreme_growth.toml",
        40,
        &["demand.volatility=0.6"],
        &[],
    ),
    Case::new(
        "10×/year, 50 years, uncertain volatility and growth",
        "tests/fixtures/extreme_growth.toml",
        40,
        &[
            "demand.volatility={dist=\"lognormal\",p5=0.1,p95=1.5}",
            "demand.growth={dist=\"uniform\",min=8,max=10}",
            "providers.azure.growth={dist=\"uniform\",min=5,max=9}",
        ],
        &[],
    ),
];

#[test]
fn ten_fold_growth_for_fifty_years_with_volatility() {
    let tmp = tempdir();
    for (k, case) in GROWTH_VOLATILE.iter().enumerate() {
        let out = tmp.path().join(format!("out{k}"));
        let what = case.what;
        let r = assert_ok(case.run(&out), what);
        assert_complete(&out, what, &r);
        let trials = Csv::read(&out.join("trials.csv"));
        for x in trials.numbers("demand_gw_end") {
            assert!(x.is_finite() && x > 0.0, "{what}: demand_gw_end {x}");
        }
        for c in ["azure_share_end", "unmet_share"] {
            for x in trials.numbers(c) {
                assert!((0.0..=1.0).contains(&x), "{what}: {c} = {x} outside [0, 1]");
            }
        }
    }
}

/// A metric that is the same in every trial has no spread: sd and variance
/// 0, mean = min = max, and skewness / kurtosis empty ("empty for … no
/// spread", README). A naive sum of identical values rounds, giving a mean
/// outside [min, max], a tiny non-zero sd and then a spurious skewness and
/// kurtosis (rounding noise standardised by its own sd). Checked at ~1e50
/// GW (10×/year for 50 years) and at an ordinary ~233 GW.
#[test]
fn a_constant_outcome_has_no_spread() {
    let tmp = tempdir();
    let mut problems = Vec::new();
    for (k, sets) in [vec![], vec!["demand.growth=0.1"]].into_iter().enumerate() {
        let out = tmp.path().join(format!("out{k}"));
        let what = format!("extreme_growth.toml {sets:?}");
        let r = assert_ok(
            run(&fixture("extreme_growth.toml"), 20, &out, &sets, &[]),
            &what,
        );
        let summary = Csv::read(&out.join("summary.csv"));
        let trials = Csv::read(&out.join("trials.csv"));
        let before = problems.len();
        for metric in ["demand_gw_end", "openai_revenue_usd_bn", "ip_months"] {
            let values = trials.numbers(metric);
            if values.iter().any(|x| *x != values[0]) {
                assert_ne!(
                    metric, "demand_gw_end",
                    "{what}: demand should be deterministic"
                );
                continue;
            }
            let row = summary.summary_row(metric);
            let num = |c: &str| row[c].parse::<f64>().ok();
            if num("mean") != Some(values[0])
                || num("min") != Some(values[0])
                || num("max") != Some(values[0])
            {
                problems.push(format!(
                    "{what}: {metric}: every trial is {}, but mean {} min {} max {}",
                    values[0], row["mean"], row["min"], row["max"]
                ));
            }
            if num("sd") != Some(0.0) || num("variance") != Some(0.0) {
                problems.push(format!(
                    "{what}: {metric}: constant, but sd {} variance {}",
                    row["sd"], row["variance"]
                ));
            }
            if !row["skewness"].is_empty() || !row["kurtosis"].is_empty() {
                problems.push(format!(
                    "{what}: {metric}: constant, but skewness {:?} kurtosis {:?} (should be empty)",
                    row["skewness"], row["kurtosis"]
                ));
            }
        }
        if problems.len() > before {
            problems.push(r.dump());
        }
    }
    assert!(
        problems.is_empty(),
        "summary.csv statistics of constant metrics:\n  {}",
        problems.join("\n  ")
    );
}

// ---------------------------------------------------------------------------
// Zero capacity, zero demand
// ---------------------------------------------------------------------------

const ZERO_CAPACITY: [&str; 5] = [
    "providers.azure.initial_gw=0",
    "providers.oracle.initial_gw=0",
    "providers.aws.initial_gw=0",
    "providers.azure.tranches.0.gw=0",
    "providers.oracle.tranches.0.gw=0",
];

static NO_CAPACITY: Case = Case::new(
    "zero capacity",
    "tests/fixtures/extreme_base.toml",
    50,
    &ZERO_CAPACITY,
    &["--paths", "3"],
);

#[test]
fn zero_capacity_everywhere_leaves_all_demand_unmet() {
    let tmp = tempdir();
    let out = tmp.path().join("out");
    let r = assert_ok(NO_CAPACITY.run(&out), NO_CAPACITY.what);
    assert_complete(&out, NO_CAPACITY.what, &r);
    let trials = Csv::read(&out.join("trials.csv"));
    for (i, x) in trials.numbers("unmet_share").into_iter().enumerate() {
        assert!(
            (x - 1.0).abs() <= 1e-12,
            "trial {i}: unmet_share {x} with no capacity anywhere (expected 1)"
        );
    }
    for c in [
        "gw_years_azure",
        "gw_years_oracle",
        "gw_years_aws",
        "spend_azure_usd_bn",
        "spend_oracle_usd_bn",
        "spend_aws_usd_bn",
        "openai_revenue_usd_bn",
        "revenue_share_usd_bn",
        "microsoft_value_npv_usd_bn",
        "azure_share_end",
    ] {
        for (i, x) in trials.numbers(c).into_iter().enumerate() {
            assert_eq!(x, 0.0, "trial {i}: {c} = {x} with nothing placed");
        }
    }
    let (offers, declined) = (
        trials.numbers("rofr_offers"),
        trials.numbers("rofr_declined"),
    );
    for (o, d) in offers.iter().zip(&declined) {
        assert!(d <= o, "declined {d} > offers {o}");
    }
    let ts = Csv::read(&out.join("timeseries.csv"));
    for series in [
        "capacity_azure_gw",
        "capacity_oracle_gw",
        "capacity_aws_gw",
        "placed_azure_gw",
        "placed_oracle_gw",
        "placed_aws_gw",
        "azure_share",
    ] {
        for (month, mean) in ts.series(series) {
            assert_eq!(mean, 0.0, "{month}: {series} mean {mean}");
        }
    }
    let demand = ts.series("demand_gw");
    let unmet = ts.series("unmet_gw");
    for ((month, d), (_, u)) in demand.iter().zip(&unmet) {
        assert!(close(*d, *u, 1e-9), "{month}: unmet_gw {u} ≠ demand_gw {d}");
    }
}

static NO_DEMAND: [Case; 2] = [
    Case::new(
        "zero demand",
        "tests/fixtures/extreme_base.toml",
        40,
        &["demand.initial_gw=0"],
        &[],
    ),
    Case::new(
        "zero demand and zero capacity",
        "tests/fixtures/extreme_base.toml",
        40,
        &[
            "demand.initial_gw=0",
            ZERO_CAPACITY[0],
            ZERO_CAPACITY[1],
            ZERO_CAPACITY[2],
            ZERO_CAPACITY[3],
            ZERO_CAPACITY[4],
        ],
        &[],
    ),
];

#[test]
fn zero_demand_places_nothing_and_leaves_nothing_unmet() {
    let tmp = tempdir();
    for (k, case) in NO_DEMAND.iter().enumerate() {
        let what = case.what;
        let out = tmp.path().join(format!("out{k}"));
        let r = assert_ok(case.run(&out), what);
        assert_complete(&out, what, &r);
        let trials = Csv::read(&out.join("trials.csv"));
        for c in [
            "demand_gw_end",
            "unmet_share",
            "unmet_gw_years",
            "azure_share_end",
            "gw_years_azure",
            "gw_years_oracle",
            "gw_years_aws",
            "spend_azure_usd_bn",
            "openai_revenue_usd_bn",
            "microsoft_value_npv_usd_bn",
            "rofr_offers",
        ] {
            for (i, x) in trials.numbers(c).into_iter().enumerate() {
                assert_eq!(x, 0.0, "{what}: trial {i}: {c} = {x} with no demand");
            }
        }
    }
}

// ---------------------------------------------------------------------------
// One provider, twenty providers
// ---------------------------------------------------------------------------

static SINGLE: Case = Case::new(
    "one provider",
    "tests/fixtures/extreme_single.toml",
    60,
    &[],
    &["--paths", "2"],
);

#[test]
fn a_single_provider_and_a_single_workload() {
    let tmp = tempdir();
    let out = tmp.path().join("out");
    let r = assert_ok(SINGLE.run(&out), SINGLE.what);
    assert_complete(&out, SINGLE.what, &r);
    let trials = Csv::read(&out.join("trials.csv"));
    let price = trials.numbers("providers.azure.price");
    let gw_years = trials.numbers("gw_years_azure");
    let spend = trials.numbers("spend_azure_usd_bn");
    let share = trials.numbers("azure_share_end");
    let unmet_share = trials.numbers("unmet_share");
    let offers = trials.numbers("rofr_offers");
    let declined = trials.numbers("rofr_declined");
    for i in 0..trials.rows.len() {
        assert!(
            close(spend[i], gw_years[i] * price[i], 1e-9),
            "trial {i}: spend {} ≠ GW-years {} × price {}",
            spend[i],
            gw_years[i],
            price[i]
        );
        assert!(
            share[i] == 1.0 || share[i] == 0.0,
            "trial {i}: with one provider Azure's share is 1 (0 when nothing is placed), got {}",
            share[i]
        );
        assert!((0.0..=1.0).contains(&unmet_share[i]));
        assert!(
            declined[i] <= offers[i] && offers[i] <= 36.0,
            "trial {i}: offers {} declined {}",
            offers[i],
            declined[i]
        );
    }
}

static TWENTY: Case = Case::new(
    "twenty providers",
    "tests/fixtures/extreme_twenty.toml",
    40,
    &[],
    &["--paths", "1"],
);

#[test]
fn twenty_providers() {
    let tmp = tempdir();
    let out = tmp.path().join("out");
    let r = assert_ok(TWENTY.run(&out), TWENTY.what);
    assert_complete(&out, TWENTY.what, &r);
    let trials = Csv::read(&out.join("trials.csv"));
    let names: Vec<String> = std::iter::once("azure".to_string())
        .chain((1..20).map(|k| format!("p{k:02}")))
        .collect();
    let mut placed_total = vec![0.0; trials.rows.len()];
    for p in &names {
        for (i, x) in trials
            .numbers(&format!("gw_years_{p}"))
            .into_iter()
            .enumerate()
        {
            assert!(x >= 0.0, "gw_years_{p} = {x}");
            placed_total[i] += x;
        }
        assert!(
            trials
                .numbers(&format!("spend_{p}_usd_bn"))
                .iter()
                .all(|x| *x >= 0.0)
        );
    }
    // Pro rata over twenty providers with ample capacity: most of them serve.
    let serving = names
        .iter()
        .filter(|p| {
            trials
                .numbers(&format!("gw_years_{p}"))
                .iter()
                .any(|x| *x > 0.0)
        })
        .count();
    assert!(
        serving >= 15,
        "only {serving} of 20 providers placed anything"
    );
    let ts = Csv::read(&out.join("timeseries.csv"));
    for p in &names {
        assert_eq!(
            ts.series(&format!("capacity_{p}_gw")).len(),
            120,
            "capacity_{p}_gw rows"
        );
    }
    for (i, x) in trials.numbers("unmet_share").into_iter().enumerate() {
        assert!((0.0..=1.0).contains(&x), "trial {i}: unmet_share {x}");
        assert!(placed_total[i] > 0.0, "trial {i}: nothing placed");
    }
}

// ---------------------------------------------------------------------------
// One trial, one month, fifty years
// ---------------------------------------------------------------------------

static ONE_TRIAL: [Case; 2] = [
    Case::new(
        "one trial, 1 thread",
        "tests/fixtures/extreme_base.toml",
        1,
        &[],
        &["--paths", "1", "--threads", "1"],
    ),
    Case::new(
        "one trial, 8 threads",
        "tests/fixtures/extreme_base.toml",
        1,
        &[],
        &["--paths", "1", "--threads", "8"],
    ),
];

#[test]
fn one_trial() {
    let tmp = tempdir();
    for (k, case) in ONE_TRIAL.iter().enumerate() {
        let out = tmp.path().join(format!("out{k}"));
        let what = case.what;
        let r = assert_ok(case.run(&out), what);
        assert_complete(&out, what, &r);
        let trials = Csv::read(&out.join("trials.csv"));
        assert_eq!(trials.rows.len(), 1, "{what}");
        let summary = Csv::read(&out.join("summary.csv"));
        for row in &summary.rows {
            let n = &row[summary.col("n")];
            let sd = &row[summary.col("sd")];
            assert!(
                (n == "1" && sd == "0") || (n == "0" && sd.is_empty()),
                "{what}: summary.csv {}: n {n}, sd {sd}",
                row[0]
            );
        }
        // With one trial every band of timeseries.csv is that trial's value
        // (to the histogram's 0.39 %).
        let ts = Csv::read(&out.join("timeseries.csv"));
        let (mean, p5, p95) = (ts.col("mean"), ts.col("p5"), ts.col("p95"));
        for row in &ts.rows {
            let m: f64 = row[mean].parse().expect("mean");
            for j in [p5, p95] {
                let b: f64 = row[j].parse().expect("band");
                assert!(
                    (b - m).abs() <= 0.004 * m.abs() + 1e-12,
                    "{what}: {} {}: band {b} vs the only value {m}",
                    row[0],
                    row[1]
                );
            }
        }
        let paths = Csv::read(&out.join("paths.csv"));
        assert_eq!(paths.rows.len(), 60, "{what}: paths.csv rows");
    }
}

static ONE_MONTH: [Case; 2] = [
    Case::new(
        "one month, 30 trials",
        "tests/fixtures/extreme_base.toml",
        30,
        &["time.end=2025-01"],
        &["--paths", "2"],
    ),
    Case::new(
        "one month, 1 trial",
        "tests/fixtures/extreme_base.toml",
        1,
        &["time.end=2025-01"],
        &["--paths", "2"],
    ),
];

#[test]
fn one_month() {
    let tmp = tempdir();
    for (k, case) in ONE_MONTH.iter().enumerate() {
        let out = tmp.path().join(format!("out{k}"));
        let (what, trials_n) = (case.what, case.trials);
        let r = assert_ok(case.run(&out), what);
        assert_complete(&out, what, &r);
        let trials = Csv::read(&out.join("trials.csv"));
        assert_eq!(trials.rows.len() as u64, trials_n);
        let initial = trials.numbers("demand.initial_gw");
        for (i, d) in trials.numbers("demand_gw_end").into_iter().enumerate() {
            assert_eq!(
                d, initial[i],
                "{what}: one month: demand_gw_end = initial_gw"
            );
        }
        for x in trials.numbers("ip_months") {
            assert!(
                x == 0.0 || x == 1.0,
                "{what}: ip_months {x} in a one-month horizon"
            );
        }
        let ts = Csv::read(&out.join("timeseries.csv"));
        assert!(
            ts.rows.iter().all(|r| r[0] == "2025-01-01"),
            "{what}: timeseries.csv should hold only 2025-01-01"
        );
        let paths = Csv::read(&out.join("paths.csv"));
        assert_eq!(
            paths.rows.len() as u64,
            trials_n.min(2),
            "{what}: paths.csv rows"
        );
    }
}

static FIFTY_YEARS: [Case; 2] = [
    Case::new(
        "scenarios/baseline.toml to 2074-12",
        "scenarios/baseline.toml",
        30,
        &["time.end=2074-12"],
        &[],
    ),
    Case::new(
        "tests/fixtures/extreme_base.toml to 2074-12",
        "tests/fixtures/extreme_base.toml",
        30,
        &["time.end=2074-12"],
        &[],
    ),
];

#[test]
fn a_fifty_year_horizon() {
    let tmp = tempdir();
    for (k, case) in FIFTY_YEARS.iter().enumerate() {
        let out = tmp.path().join(format!("out{k}"));
        let what = case.what;
        let r = assert_ok(case.run(&out), what);
        assert_complete(&out, what, &r);
        let ts = Csv::read(&out.join("timeseries.csv"));
        let demand = ts.series("demand_gw");
        assert_eq!(demand.len(), 600, "{what}: months in timeseries.csv");
        assert_eq!(demand.last().map(|d| d.0.as_str()), Some("2074-12-01"));
        let trials = Csv::read(&out.join("trials.csv"));
        for c in ["azure_share_end", "unmet_share"] {
            for x in trials.numbers(c) {
                assert!((0.0..=1.0).contains(&x), "{what}: {c} = {x}");
            }
        }
    }
}

// ---------------------------------------------------------------------------
// Values that overflow: refused up front, or computed without overflow
// ---------------------------------------------------------------------------

static HUGE: [Case; 5] = [
    Case::new(
        "1e300 GW of demand",
        "tests/fixtures/extreme_base.toml",
        30,
        &["demand.initial_gw=1e300"],
        &[],
    )
    .or_refused_naming(&["demand.initial_gw"]),
    Case::new(
        "1e300 GW of demand, one month",
        "tests/fixtures/extreme_base.toml",
        30,
        &["demand.initial_gw=1e300", "time.end=2025-01"],
        &[],
    )
    .or_refused_naming(&["demand.initial_gw"]),
    Case::new(
        "1e300 GW of demand and of Azure capacity",
        "tests/fixtures/extreme_base.toml",
        30,
        &[
            "demand.initial_gw=1e300",
            "providers.azure.initial_gw=1e300",
        ],
        &[],
    )
    .or_refused_naming(&["demand.initial_gw", "providers.azure.initial_gw"]),
    Case::new(
        "revenue of 1e300 per GW-year",
        "tests/fixtures/extreme_base.toml",
        30,
        &["revenue.per_gw_year=1e300"],
        &[],
    )
    .or_refused_naming(&["revenue.per_gw_year"]),
    Case::new(
        "prices of 1e300",
        "tests/fixtures/extreme_base.toml",
        30,
        &[
            "providers.azure.price=1e300",
            "providers.oracle.price=1e300",
            "providers.aws.price=1e300",
        ],
        &[],
    )
    .or_refused_naming(&[
        "providers.azure.price",
        "providers.oracle.price",
        "providers.aws.price",
    ]),
];

/// Each case in its own folder; the problems found, one per case.
fn refused_or_finite_problems(tmp: &Path, cases: &[Case]) -> Vec<String> {
    let mut problems = Vec::new();
    for (k, case) in cases.iter().enumerate() {
        let arena = tmp.join(format!("case{k}"));
        fs::create_dir(&arena).expect("arena");
        let out = arena.join("out");
        let r = case.run(&out);
        if let Some(p) = refused_or_finite(&r, &out, case.refused_naming) {
            problems.push(format!("{} (--set {:?}): {p}", case.what, case.sets));
        }
    }
    problems
}

/// 1e300 is a valid GW figure or price by the schema (finite, ≥ 0), but its
/// square (a variance) or its product with a price overflows f64. Each case
/// must be refused before the run, naming the key, or produce finite cells.
#[test]
fn huge_values_are_refused_or_finite() {
    let tmp = tempdir();
    let problems = refused_or_finite_problems(tmp.path(), &HUGE);
    assert!(problems.is_empty(), "\n{}", problems.join("\n\n"));
}

static LONGEST: [Case; 2] = [
    Case::new(
        "10×/year to 2224-12",
        "tests/fixtures/extreme_growth.toml",
        5,
        &["time.end=2224-12"],
        &[],
    )
    .or_refused_naming(&["revenue.growth", "time.end", "demand.growth"]),
    Case::new(
        "10×/year to 2224-12, revenue not growing",
        "tests/fixtures/extreme_growth.toml",
        5,
        &["time.end=2224-12", "revenue.growth=0"],
        &[],
    )
    .or_refused_naming(&["time.end", "demand.growth", "providers.azure.growth"]),
];

/// 10× a year over the longest horizon allowed (200 years less a month):
/// demand ~1e199 GW is finite, but revenue with its own 10× growth reaches
/// ~1e400 usd_bn. Refused up front, or every cell finite.
#[test]
fn ten_fold_growth_over_the_longest_horizon_is_refused_or_finite() {
    let tmp = tempdir();
    let problems = refused_or_finite_problems(tmp.path(), &LONGEST);
    assert!(problems.is_empty(), "\n{}", problems.join("\n\n"));
}

/// A trial count whose files cannot fit on the disk (`run`) or whose
/// results cannot fit in memory (`sweep`, which keeps them) is refused
/// before any work, with what it would need, instead of failing hours later.
#[test]
fn a_trial_count_beyond_disk_or_memory_is_refused_up_front() {
    let tmp = tempdir();
    let out = tmp.path().join("out");
    let r = run(&fixture("extreme_base.toml"), 1_000_000_000, &out, &[], &[]);
    assert_eq!(r.code, Some(2), "{}", r.dump());
    assert!(
        r.stderr.contains("GB of trials.csv") && r.stderr.contains("GB is free"),
        "{}",
        r.dump()
    );
    let r = rofrsim([
        "sweep".to_string(),
        s(&fixture("extreme_base.toml")),
        "--vary".into(),
        "seed=1,2".into(),
        "--trials".into(),
        "1000000000".into(),
        "--out".into(),
        s(&out),
        "--quiet".into(),
    ]);
    assert_eq!(r.code, Some(2), "{}", r.dump());
    assert!(r.stderr.contains("GB of memory"), "{}", r.dump());
    assert!(
        listing(tmp.path()).is_empty(),
        "nothing written: {:?}",
        listing(tmp.path())
    );
}

// ---------------------------------------------------------------------------
// Every cell a finite number, by tests/csv_check.py
// ---------------------------------------------------------------------------

/// Every case of this file.
static CASES: [&[Case]; 11] = [
    std::slice::from_ref(&GROWTH),
    &GROWTH_VOLATILE,
    std::slice::from_ref(&NO_CAPACITY),
    &NO_DEMAND,
    std::slice::from_ref(&SINGLE),
    std::slice::from_ref(&TWENTY),
    &ONE_TRIAL,
    &ONE_MONTH,
    &FIFTY_YEARS,
    &HUGE,
    &LONGEST,
];

/// `tests/csv_check.py` finds no NaN, inf, malformed number or ragged row
/// in the outputs of any case of this file. A case that must succeed and
/// fails is a problem here too; a refusable case that is refused has no
/// outputs to check (its refusal is checked by its own test).
#[test]
#[ignore = "needs python3; .ci/run runs it with --include-ignored"]
fn every_successful_output_passes_csv_check_py() {
    common::python3();
    let tmp = tempdir();
    let (mut problems, mut checked) = (Vec::new(), 0);
    for (k, case) in CASES.iter().flat_map(|c| c.iter()).enumerate() {
        let arena = tmp.path().join(format!("case{k}"));
        fs::create_dir(&arena).expect("arena");
        let out = arena.join("out");
        let r = case.run(&out);
        assert_no_crash(&r, case.what);
        match r.code {
            Some(0) => {
                checked += 1;
                if let Some(p) = csv_check_problem(&out) {
                    problems.push(format!("{}: {p}", case.what));
                }
            }
            Some(2) if !case.refused_naming.is_empty() => {}
            _ => problems.push(format!("{}: the run failed\n{}", case.what, r.dump())),
        }
    }
    eprintln!("csv_check.py checked the outputs of {checked} runs");
    assert!(problems.is_empty(), "\n{}", problems.join("\n\n"));
}
