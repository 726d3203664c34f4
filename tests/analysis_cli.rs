//! `compare`, `sensitivity`, `sweep`, `summary.csv` statistics and
//! `--target`, end to end: the real binary in temporary folders, checked
//! against answers known in advance.
//!
//! 1. A scenario compared with itself: every difference, interval and KS D
//!    is exactly 0 and nothing is significant.
//! 2. An input nothing depends on (the AGI forecast of `baseline.toml`):
//!    every difference interval contains 0, and its rank correlation with
//!    every outcome is within the sampling bound.
//! 3. A monotone input (demand growth → demand at the end) has Spearman
//!    > 0.9 and ranks first.
//! 4. A shift of known size (revenue per GW-year × 1.25) is recovered: the
//!    exact expected difference lies in the interval, and the point estimate
//!    is exactly 0.25 × mean A.
//! 5. Every statistic recomputed independently by `tests/analysis_check.py`
//!    (standard library Python), and a hand-computed case of five trials.
//!    The Python recomputations need python3: they are separate tests,
//!    `#[ignore]`d for plain `cargo test`, that fail (never pass unchecked)
//!    without it; `.ci/run` runs them with `cargo test -- --include-ignored`.
//! 6. Output folders of earlier runs compare exactly like the scenario files
//!    (paired when seed and trials match, unpaired otherwise); truncated or
//!    corrupted `trials.csv` files are refused with exit 2 and no output.
//! 7. `sweep` rows equal the `summary.csv` rows of separate runs.
//!
//! Trial counts are small (200–2000) so the file runs in seconds in a debug
//! build.

mod common;

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

use common::{Run, rofrsim, root};

/// Relative tolerance for statistics recomputed from the same numbers.
const REL: f64 = 1e-9;

// ---------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------

fn fixture(name: &str) -> PathBuf {
    root().join("tests").join("fixtures").join(name)
}

fn tempdir() -> tempfile::TempDir {
    tempfile::Builder::new()
        .prefix("rofrsim-analysis-")
        .tempdir()
        .expect("create a temporary folder")
}

fn s(p: &Path) -> String {
    p.display().to_string()
}

/// Runs `rofrsim ARGS…` and requires success without a panic.
fn ok<I, S>(args: I) -> Run
where
    I: IntoIterator<Item = S>,
    S: AsRef<str>,
{
    let run = rofrsim(args);
    assert!(run.crash_signs().is_empty(), "crash:\n{}", run.dump());
    assert_eq!(run.code, Some(0), "the command failed:\n{}", run.dump());
    run
}

/// `rofrsim run SCENARIO --trials N --seed S --out OUT -q [extra…]`.
fn run_scenario(scenario: &Path, trials: u64, seed: u64, out: &Path, extra: &[&str]) -> Run {
    let mut args = vec![
        "run".to_string(),
        s(scenario),
        "--trials".into(),
        trials.to_string(),
        "--seed".into(),
        seed.to_string(),
        "--out".into(),
        s(out),
        "-q".into(),
    ];
    args.extend(extra.iter().map(|a| a.to_string()));
    ok(args)
}

/// A CSV file read as text cells (by `common::Csv`), with the row and
/// cell lookups these tests use.
struct Table {
    header: Vec<String>,
    rows: Vec<Vec<String>>,
}

impl Table {
    fn read(path: &Path) -> Table {
        let csv = common::Csv::read(path);
        Table {
            header: csv.header,
            rows: csv.rows,
        }
    }

    fn col(&self, name: &str) -> usize {
        self.header
            .iter()
            .position(|h| h == name)
            .unwrap_or_else(|| panic!("no column {name} in {:?}", self.header))
    }

    fn cell<'a>(&self, row: &'a [String], name: &str) -> &'a str {
        &row[self.col(name)]
    }

    /// A numeric cell; NaN when empty.
    fn num(&self, row: &[String], name: &str) -> f64 {
        let c = self.cell(row, name);
        if c.is_empty() {
            return f64::NAN;
        }
        c.parse()
            .unwrap_or_else(|_| panic!("{name} = {c:?} is not a number"))
    }

    /// The row whose column `key` is `value` (and, if given, `key2` = `value2`).
    fn row(&self, key: &str, value: &str) -> &[String] {
        let k = self.col(key);
        self.rows
            .iter()
            .find(|r| r[k] == value)
            .unwrap_or_else(|| panic!("no row with {key} = {value}"))
    }

    /// A whole numeric column, NaN for empty cells.
    fn column(&self, name: &str) -> Vec<f64> {
        self.rows.iter().map(|r| self.num(r, name)).collect()
    }
}

fn close(x: f64, y: f64, rel: f64) -> bool {
    (x - y).abs() <= rel * x.abs().max(y.abs())
}

/// The numeric outcome columns of a `trials.csv`: those after `ip_expiry_cause`.
fn outcome_columns(trials: &Table) -> Vec<String> {
    let k = trials.col("ip_expiry_cause");
    trials.header[k + 1..].to_vec()
}

/// The metrics `compare` reports for a run: outcome columns, then cause shares.
fn compare_metrics(trials: &Table) -> Vec<String> {
    let mut m = outcome_columns(trials);
    m.extend(
        ["agi", "sunset", "beyond_horizon"]
            .iter()
            .map(|c| format!("ip_expiry_cause={c}")),
    );
    m
}

/// The entries of a folder (names), to show nothing was left behind.
fn listing(dir: &Path) -> BTreeSet<String> {
    fs::read_dir(dir)
        .expect("list folder")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect()
}

/// Runs `tests/analysis_check.py ARGS…`. Panics when python3 is missing
/// (see [`common::python3`]) and with the script's report when a value
/// disagrees.
fn python_check(args: &[String]) {
    let script = root().join("tests").join("analysis_check.py");
    let out = common::python3()
        .arg(&script)
        .args(args)
        .output()
        .expect("run python3");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "analysis_check.py {} found disagreements:\n{stdout}\n{stderr}",
        args.join(" ")
    );
    let report: serde_json::Value = serde_json::from_str(&stdout).expect("JSON report");
    let checked = report["checked"].as_u64().unwrap_or(0);
    assert!(
        checked > 20,
        "analysis_check.py {} checked only {checked} values",
        args.join(" ")
    );
}

// ---------------------------------------------------------------------------
// 1. A scenario compared with itself
// ---------------------------------------------------------------------------

#[test]
fn a_scenario_compared_with_itself_differs_by_exactly_zero() {
    let dir = tempdir();
    let out = dir.path().join("self");
    let a = fixture("analysis_shift.toml");
    let run = ok([
        "compare",
        &s(&a),
        &s(&a),
        "--trials",
        "1000",
        "--seed",
        "5",
        "--out",
        &s(&out),
        "-q",
        "--keep-runs",
    ]);
    let cmp = Table::read(&out.join("compare.csv"));
    let trials = Table::read(&out.join("runs").join("analysis_shift").join("trials.csv"));
    let metrics: Vec<&str> = cmp.rows.iter().map(|r| cmp.cell(r, "metric")).collect();
    assert_eq!(metrics, compare_metrics(&trials), "one row per metric");
    for r in &cmp.rows {
        let m = cmp.cell(r, "metric");
        assert_eq!(
            (cmp.cell(r, "scenario_a"), cmp.cell(r, "scenario_b")),
            ("analysis_shift", "analysis_shift-2"),
            "labels made unique"
        );
        assert_eq!(cmp.cell(r, "paired"), "true", "{m}");
        assert_eq!(cmp.cell(r, "n_a"), cmp.cell(r, "n_b"), "{m}");
        assert_eq!(cmp.cell(r, "mean_a"), cmp.cell(r, "mean_b"), "{m}");
        for c in [
            "diff",
            "diff_ci_low",
            "diff_ci_high",
            "diff_p5",
            "diff_p25",
            "diff_p50",
            "diff_p75",
            "diff_p95",
            "ks_d",
            "p_b_greater",
        ] {
            assert_eq!(cmp.num(r, c), 0.0, "{m}: {c} should be exactly 0");
        }
        assert_eq!(cmp.num(r, "ks_p"), 1.0, "{m}: KS p with D = 0");
        let effect = cmp.num(r, "effect_size");
        assert!(effect == 0.0 || effect.is_nan(), "{m}: effect {effect}");
        assert_eq!(cmp.cell(r, "significant"), "false", "{m}");
    }
    assert!(
        run.stdout.contains("no metric differs significantly"),
        "the table should say nothing differs:\n{}",
        run.dump()
    );
}

// ---------------------------------------------------------------------------
// 2. An input no outcome depends on
// ---------------------------------------------------------------------------

/// In `scenarios/baseline.toml` AGI cannot move any outcome of `trials.csv`:
/// IP rights do not end at AGI and no term window ends at `agi_verified`.
/// (`until = "ip_expiry"` would be fine too: without the AGI clause IP expiry
/// is the sunset.) Checked here so the premise cannot rot silently.
fn assert_baseline_agi_is_inert() -> PathBuf {
    let path = root().join("scenarios").join("baseline.toml");
    let doc: toml::Table = fs::read_to_string(&path)
        .expect("read baseline.toml")
        .parse()
        .expect("baseline.toml is TOML");
    let terms = doc["terms"].as_table().expect("[terms]");
    assert_eq!(
        terms["ip"]["ends_at_agi"].as_bool(),
        Some(false),
        "baseline.toml: IP rights must not end at AGI for this test"
    );
    let mut windows: Vec<&toml::Value> = Vec::new();
    for list in ["exclusivity", "rofr"] {
        if let Some(arr) = terms.get(list).and_then(toml::Value::as_array) {
            windows.extend(arr);
        }
    }
    if let Some(rs) = terms.get("revenue_share") {
        windows.push(rs);
    }
    for w in windows {
        assert_ne!(
            w.get("until").and_then(toml::Value::as_str),
            Some("agi_verified"),
            "baseline.toml: a term ends at AGI: {w}"
        );
    }
    path
}

#[test]
fn an_input_no_outcome_depends_on_changes_nothing_and_correlates_with_nothing() {
    let baseline = assert_baseline_agi_is_inert();
    let dir = tempdir();
    let agi2027 = dir.path().join("agi2027");
    run_scenario(
        &baseline,
        2000,
        20250101,
        &agi2027,
        &["--set", "agi.year=2027"],
    );
    // The file is run with the folder's seed and trials: paired.
    let out = dir.path().join("cmp");
    ok([
        "compare",
        &s(&baseline),
        &s(&agi2027),
        "--out",
        &s(&out),
        "-q",
    ]);
    let cmp = Table::read(&out.join("compare.csv"));
    let trials = Table::read(&agi2027.join("trials.csv"));
    let metrics: Vec<&str> = cmp.rows.iter().map(|r| cmp.cell(r, "metric")).collect();
    assert_eq!(metrics, compare_metrics(&trials));
    for r in &cmp.rows {
        let m = cmp.cell(r, "metric");
        assert_eq!(cmp.cell(r, "paired"), "true", "{m}");
        let (lo, hi) = (cmp.num(r, "diff_ci_low"), cmp.num(r, "diff_ci_high"));
        assert!(
            lo <= 0.0 && 0.0 <= hi,
            "{m}: the 95 % interval [{lo}, {hi}] of B − A should contain 0 (AGI moves nothing)"
        );
        assert_eq!(cmp.cell(r, "significant"), "false", "{m}");
    }

    // Rank correlation of the AGI inputs with every outcome, in the run of
    // the file where they are uncertain. Under independence Spearman's ρ
    // has mean 0 and standard error ≈ 1/√(n − 1). The bound is 4.5 SE:
    // P(|Z| > 4.5) ≈ 6.8e-6 per pair, so over the ~21 outcomes × 4 AGI
    // inputs (agi.year, agi.panel.*) checked here the Bonferroni bound on a
    // false alarm is ≈ 84 × 6.8e-6 ≈ 6e-4 (and the seed is fixed). The
    // probability rows p_* are AGI outcomes by definition and are left out
    // (p_agi_verified_by_sunset is checked to exceed the bound instead, so
    // the bound is not vacuous).
    let sens = Table::read(&out.join("runs").join("baseline").join("sensitivity.csv"));
    let mut metrics_with_agi_year = BTreeSet::new();
    let mut all_outcomes = BTreeSet::new();
    let mut checked = 0;
    for r in &sens.rows {
        let (m, input) = (sens.cell(r, "metric"), sens.cell(r, "input"));
        let n = sens.num(r, "n");
        let bound = 4.5 / (n - 1.0).sqrt();
        let rho = sens.num(r, "spearman");
        if m.starts_with("p_") {
            if m == "p_agi_verified_by_sunset" && input == "agi.year" {
                assert!(
                    rho.abs() > bound,
                    "agi.year should drive p_agi_verified_by_sunset (ρ = {rho})"
                );
            }
            continue;
        }
        all_outcomes.insert(m.to_string());
        if input.starts_with("agi.") {
            if input == "agi.year" {
                metrics_with_agi_year.insert(m.to_string());
            }
            checked += 1;
            assert!(
                rho.abs() <= bound,
                "{m} vs {input}: |ρ| = {} exceeds 4.5/√(n−1) = {bound} (n = {n}) \
                 although nothing depends on AGI in baseline.toml",
                rho.abs()
            );
        }
    }
    assert_eq!(
        metrics_with_agi_year, all_outcomes,
        "sensitivity.csv should hold agi.year for every non-constant outcome"
    );
    assert!(checked >= 4 * all_outcomes.len(), "only {checked} rows");
}

// ---------------------------------------------------------------------------
// 3. A monotone input
// ---------------------------------------------------------------------------

#[test]
fn a_monotone_input_has_high_rank_correlation_and_ranks_first() {
    let dir = tempdir();
    let out = dir.path().join("mono");
    run_scenario(&fixture("analysis_monotone.toml"), 2000, 5, &out, &[]);
    let sens = Table::read(&out.join("sensitivity.csv"));
    assert_eq!(
        sens.header.join(","),
        "metric,input,rank,spearman,variance_share,mean_low_decile,mean_high_decile,swing,n"
    );
    let rows: Vec<&Vec<String>> = sens
        .rows
        .iter()
        .filter(|r| sens.cell(r, "metric") == "demand_gw_end")
        .collect();
    assert!(!rows.is_empty(), "no sensitivity rows for demand_gw_end");
    let first = rows[0];
    assert_eq!(sens.cell(first, "input"), "demand.growth");
    assert_eq!(sens.cell(first, "rank"), "1");
    let rho = sens.num(first, "spearman");
    assert!(rho > 0.9, "Spearman(demand.growth, demand_gw_end) = {rho}");
    assert!(
        sens.num(first, "swing") > 0.0,
        "higher growth, higher demand"
    );
    assert_eq!(sens.cell(first, "n"), "2000");
    let by_rank: Vec<&str> = rows.iter().map(|r| sens.cell(r, "rank")).collect();
    let expected: Vec<String> = (1..=rows.len()).map(|k| k.to_string()).collect();
    assert_eq!(by_rank, expected, "ranks 1, 2, …");

    let shown = ok(["sensitivity", &s(&out), "--metric", "demand_gw_end"]);
    let lines: Vec<&str> = shown.stdout.lines().collect();
    let dashes = lines
        .iter()
        .position(|l| l.trim_start().starts_with("---"))
        .unwrap_or_else(|| panic!("no table in:\n{}", shown.stdout));
    let first_listed = lines
        .get(dashes + 1)
        .and_then(|l| l.split_whitespace().next());
    assert_eq!(
        first_listed,
        Some("demand.growth"),
        "demand.growth should be listed first:\n{}",
        shown.stdout
    );
    let top1 = ok([
        "sensitivity",
        &s(&out),
        "--metric",
        "demand_gw_end",
        "--top",
        "1",
    ]);
    let listed: Vec<&str> = top1
        .stdout
        .lines()
        .skip_while(|l| !l.trim_start().starts_with("---"))
        .skip(1)
        .filter(|l| !l.trim().is_empty())
        .collect();
    assert_eq!(listed.len(), 1, "--top 1:\n{}", top1.stdout);

    let bad = rofrsim(["sensitivity", &s(&out), "--metric", "demand_gw_ned"]);
    assert_eq!(bad.code, Some(2), "unknown metric:\n{}", bad.dump());
    assert!(bad.stderr.contains("demand_gw_ned"), "{}", bad.dump());
}

// ---------------------------------------------------------------------------
// 4. A shift of known size
// ---------------------------------------------------------------------------

/// `analysis_shift_up.toml` must be `analysis_shift.toml` with only its name
/// and `revenue.per_gw_year` (8 → 10) changed.
fn assert_shift_pair() -> (PathBuf, PathBuf) {
    let a = fixture("analysis_shift.toml");
    let b = fixture("analysis_shift_up.toml");
    let ta = fs::read_to_string(&a).expect("read A");
    let tb = fs::read_to_string(&b).expect("read B");
    let la: Vec<&str> = ta.lines().collect();
    let lb: Vec<&str> = tb.lines().collect();
    assert_eq!(la.len(), lb.len());
    let differ: Vec<(&str, &str)> = la
        .iter()
        .zip(&lb)
        .filter(|(x, y)| x != y)
        .map(|(x, y)| (*x, *y))
        .collect();
    assert_eq!(
        differ,
        [
            ("name = \"analysis_shift\"", "name = \"analysis_shift_up\""),
            ("per_gw_year = 8.0", "per_gw_year = 10.0"),
        ],
        "the two fixtures may differ only in name and per_gw_year"
    );
    (a, b)
}

#[test]
fn a_shift_of_known_size_is_recovered_inside_its_interval() {
    let (a, b) = assert_shift_pair();
    let dir = tempdir();
    let out = dir.path().join("shift");
    let printed = ok([
        "compare",
        &s(&a),
        &s(&b),
        "--trials",
        "2000",
        "--seed",
        "11",
        "--out",
        &s(&out),
        "-q",
    ]);
    let cmp = Table::read(&out.join("compare.csv"));
    for r in &cmp.rows {
        assert_eq!(cmp.cell(r, "paired"), "true");
    }
    // The printed table lists the significant metrics only.
    let table = &printed.stdout;
    assert!(
        table.contains("openai_revenue_usd_bn") && table.contains("revenue_share_usd_bn"),
        "{}",
        printed.dump()
    );
    assert!(!table.contains("demand_gw_end"), "{}", printed.dump());

    // Placed compute equals demand in every month (capacity 1500 GW, far
    // above any demand path; checked by unmet_share = 0 below), so
    //   openai_revenue = per_gw_year · Σ_t D_t / 12,
    // and per trial B = 1.25 · A. With constant growth g = 0.5 and the
    // −σ²dt/2 drift, E[D_t] = 2 · 1.5^(t/12) for months t = 0..35, so
    //   E[B − A] = (10 − 8) · Σ_t 2 · 1.5^(t/12) / 12
    // exactly. The sampling noise is the demand shocks.
    let unmet = cmp.row("metric", "unmet_share");
    assert_eq!(cmp.num(unmet, "mean_a"), 0.0, "the premise: nothing unmet");
    let sum: f64 = (0..36)
        .map(|t| 2.0 * 1.5f64.powf(f64::from(t) / 12.0))
        .sum();
    let truth = 2.0 * sum / 12.0;
    let rev = cmp.row("metric", "openai_revenue_usd_bn");
    let (lo, hi) = (cmp.num(rev, "diff_ci_low"), cmp.num(rev, "diff_ci_high"));
    assert!(
        lo <= truth && truth <= hi,
        "the exact expected difference {truth} should lie in [{lo}, {hi}]"
    );
    assert_eq!(cmp.cell(rev, "significant"), "true");
    let mean_a = cmp.num(rev, "mean_a");
    let diff = cmp.num(rev, "diff");
    assert!(
        close(diff, 0.25 * mean_a, REL),
        "diff {diff} should equal 0.25 × mean A = {} (B = 1.25 A per trial)",
        0.25 * mean_a
    );
    assert!(close(cmp.num(rev, "mean_b"), 1.25 * mean_a, REL));
    assert_eq!(cmp.num(rev, "p_b_greater"), 1.0, "B > A in every trial");
    // The interval is 0.25 × (mean A ± t·sd_A/√n): its centre is the point.
    assert!(close((lo + hi) / 2.0, diff, 1e-12));

    // Revenue share is rate × revenue with no cap, over the same months in
    // both: it scales by 1.25 too.
    let share = cmp.row("metric", "revenue_share_usd_bn");
    assert!(close(
        cmp.num(share, "diff"),
        0.25 * cmp.num(share, "mean_a"),
        REL
    ));
    // Nothing else depends on revenue per GW-year: exactly no change.
    for r in &cmp.rows {
        let m = cmp.cell(r, "metric");
        if [
            "openai_revenue_usd_bn",
            "revenue_share_usd_bn",
            "microsoft_value_npv_usd_bn",
            "microsoft_revenue_share_npv_usd_bn",
        ]
        .contains(&m)
        {
            continue;
        }
        for c in ["diff", "diff_ci_low", "diff_ci_high", "ks_d"] {
            assert_eq!(cmp.num(r, c), 0.0, "{m}: {c}");
        }
    }
}

// ---------------------------------------------------------------------------
// 5. Independent recomputation, and a hand-computed case
// ---------------------------------------------------------------------------

/// The runs and comparisons of the shifted pair that section 5 checks.
struct ShiftRuns {
    /// A, seed 11, with two targets.
    ra: PathBuf,
    /// B, seed 11 (paired with A).
    rb: PathBuf,
    /// B, seed 12 (unpaired with A).
    rb12: PathBuf,
    /// `compare ra rb`.
    paired: PathBuf,
    /// `compare ra rb12 rb`.
    unpaired: PathBuf,
}

/// Runs A and B of the shifted pair (1500 trials) and compares them, in `dir`.
fn shift_runs(dir: &Path) -> ShiftRuns {
    let (a, b) = assert_shift_pair();
    let ra = dir.join("ra");
    let rb = dir.join("rb");
    let rb12 = dir.join("rb12");
    run_scenario(
        &a,
        1500,
        11,
        &ra,
        &[
            "--target",
            "openai_revenue_usd_bn<=90",
            "--target",
            "ip_expiry_year>2026.5",
        ],
    );
    run_scenario(&b, 1500, 11, &rb, &[]);
    run_scenario(&b, 1500, 12, &rb12, &[]);
    let paired = dir.join("paired");
    let unpaired = dir.join("unpaired");
    ok(["compare", &s(&ra), &s(&rb), "--out", &s(&paired), "-q"]);
    // Three inputs: A against B (seed 12, unpaired), then against B (seed 11, paired).
    ok([
        "compare",
        &s(&ra),
        &s(&rb12),
        &s(&rb),
        "--out",
        &s(&unpaired),
        "-q",
    ]);
    ShiftRuns {
        ra,
        rb,
        rb12,
        paired,
        unpaired,
    }
}

/// `summary.csv` columns and target probabilities counted directly from
/// `trials.csv`; which comparisons are paired.
#[test]
fn targets_and_pairing_of_a_shifted_pair() {
    let dir = tempdir();
    let ShiftRuns {
        ra,
        paired,
        unpaired,
        ..
    } = shift_runs(dir.path());

    // summary.csv: columns, and a target probability counted here directly.
    let summary = Table::read(&ra.join("summary.csv"));
    assert_eq!(
        summary.header.join(","),
        "metric,n,mean,sd,min,p1,p5,p10,p25,p50,p75,p90,p95,p99,max,variance,skewness,kurtosis,cv,sem,\
         mean_ci_low,mean_ci_high,p1_ci_low,p1_ci_high,p5_ci_low,p5_ci_high,p10_ci_low,p10_ci_high,\
         p25_ci_low,p25_ci_high,p50_ci_low,p50_ci_high,p75_ci_low,p75_ci_high,p90_ci_low,p90_ci_high,\
         p95_ci_low,p95_ci_high,p99_ci_low,p99_ci_high"
    );
    let trials = Table::read(&ra.join("trials.csv"));
    let revenue = trials.column("openai_revenue_usd_bn");
    let met = revenue.iter().filter(|&&x| x <= 90.0).count();
    let row = summary.row("metric", "target:openai_revenue_usd_bn<=90");
    assert_eq!(summary.num(row, "n"), 1500.0);
    assert!(close(summary.num(row, "mean"), met as f64 / 1500.0, REL));
    let years = trials.column("ip_expiry_year");
    let present: Vec<f64> = years.into_iter().filter(|x| !x.is_nan()).collect();
    let later = present.iter().filter(|&&x| x > 2026.5).count();
    let row = summary.row("metric", "target:ip_expiry_year>2026.5");
    assert_eq!(
        summary.num(row, "n"),
        present.len() as f64,
        "missing left out"
    );
    assert!(close(
        summary.num(row, "mean"),
        later as f64 / present.len() as f64,
        REL
    ));
    assert!(
        present.len() < 1500 && !present.is_empty(),
        "the fixture should give some empty ip_expiry_year cells"
    );
    let pv = Table::read(&paired.join("compare.csv"));
    assert!(pv.rows.iter().all(|r| pv.cell(r, "paired") == "true"));
    let uv = Table::read(&unpaired.join("compare.csv"));
    for r in &uv.rows {
        let expected = match uv.cell(r, "scenario_b") {
            "analysis_shift_up" => "false",
            "analysis_shift_up-2" => "true",
            other => panic!("unexpected label {other}"),
        };
        assert_eq!(uv.cell(r, "paired"), expected, "{}", uv.cell(r, "metric"));
    }
    assert_eq!(uv.rows.len(), 2 * pv.rows.len(), "one block per B");
}

/// `summary.csv`, `sensitivity.csv` and both `compare.csv` files of the
/// shifted pair, recomputed by `tests/analysis_check.py`.
#[test]
#[ignore = "needs python3; .ci/run runs it with --include-ignored"]
fn statistics_match_an_independent_python_recomputation() {
    common::python3();
    let dir = tempdir();
    let ShiftRuns {
        ra,
        rb,
        rb12,
        paired,
        unpaired,
    } = shift_runs(dir.path());
    let sunset = ["--sunset".to_string(), "2030-01".to_string()];
    python_check(&[&["summary".to_string(), s(&ra)][..], &sunset].concat());
    python_check(&[&["sensitivity".to_string(), s(&ra)][..], &sunset].concat());
    python_check(&[
        "compare".into(),
        s(&paired.join("compare.csv")),
        s(&ra),
        s(&rb),
    ]);
    python_check(&[
        "compare".into(),
        s(&unpaired.join("compare.csv")),
        s(&ra),
        s(&rb12),
        s(&rb),
    ]);
}

/// Writes an output folder by hand: a manifest with seed and trials, and a
/// `trials.csv` with the given outcome cells.
fn hand_folder(dir: &Path, name: &str, seed: u64, rows: &[(&str, &str, &str)]) -> PathBuf {
    let folder = dir.join(name);
    fs::create_dir_all(&folder).expect("create folder");
    // Every field a run's manifest has; only seed, trials and the name
    // matter to compare.
    let manifest = serde_json::json!({
        "end": "2030-12",
        "files": ["trials.csv", "manifest.json"],
        "format_version": 1,
        "kind": "run",
        "months": 72,
        "out": folder.display().to_string(),
        "paths": 0,
        "percentile_bands": "",
        "reproduce": "",
        "rofrsim_version": "0.1.0",
        "scenario": { "description": "", "name": name, "overrides": [], "path": "", "sha256": "" },
        "seed": seed,
        "start": "2025-01",
        "summary_columns": "",
        "targets": [],
        "threads": 1,
        "trials": rows.len(),
        "wall_time_seconds": 0.0,
    });
    fs::write(folder.join("manifest.json"), manifest.to_string()).expect("manifest");
    let mut csv = String::from(
        "trial,agi_declared,agi_verified,ip_expiry,ip_expiry_cause,ip_expiry_year,demand_gw_end\n",
    );
    for (i, (cause, year, demand)) in rows.iter().enumerate() {
        csv.push_str(&format!("{i},,,,{cause},{year},{demand}\n"));
    }
    fs::write(folder.join("trials.csv"), csv).expect("trials.csv");
    folder
}

/// Checks one compare.csv row against hand-computed values: exact to 1e-9
/// relative (1e-12 absolute for zeros), interval ends to 1e-6.
fn check_hand_row(cmp: &Table, metric: &str, expected: &[(&str, f64)]) {
    let r = cmp.row("metric", metric);
    for &(col, want) in expected {
        let got = cmp.num(r, col);
        let tol = if col.starts_with("diff_ci") {
            1e-6
        } else {
            REL
        };
        assert!(
            (got - want).abs() <= tol * want.abs().max(1e-3),
            "{metric} {col}: compare.csv has {got}, hand-computed {want}"
        );
    }
}

/// The hand-written folders of five trials and their comparisons.
struct HandRuns {
    fa: PathBuf,
    fb: PathBuf,
    /// B's trials under seed 2 (unpaired with A).
    fb2: PathBuf,
    /// `compare fa fb`.
    paired: PathBuf,
    /// `compare fa fb2`.
    unpaired: PathBuf,
}

/// Writes the hand folders in `dir` and compares them.
fn hand_runs(dir: &Path) -> HandRuns {
    // demand_gw_end: A = 1, 2, 3, 4, 5; B = 2, 2, 5, 4, 9.
    // ip_expiry_year: A = 2030, –, 2031, 2032, –; B = 2030, 2029, –, 2031, –.
    // causes: A = agi, beyond, agi, sunset, beyond; B = agi, agi, sunset, sunset, beyond.
    let a = [
        ("agi", "2030", "1"),
        ("beyond_horizon", "", "2"),
        ("agi", "2031", "3"),
        ("sunset", "2032", "4"),
        ("beyond_horizon", "", "5"),
    ];
    let b = [
        ("agi", "2030", "2"),
        ("agi", "2029", "2"),
        ("sunset", "", "5"),
        ("sunset", "2031", "4"),
        ("beyond_horizon", "", "9"),
    ];
    let fa = hand_folder(dir, "hand_a", 1, &a);
    let fb = hand_folder(dir, "hand_b", 1, &b);
    let fb2 = hand_folder(dir, "hand_b_seed2", 2, &b);
    let paired = dir.join("paired");
    let unpaired = dir.join("unpaired");
    ok(["compare", &s(&fa), &s(&fb), "--out", &s(&paired), "-q"]);
    ok(["compare", &s(&fa), &s(&fb2), "--out", &s(&unpaired), "-q"]);
    HandRuns {
        fa,
        fb,
        fb2,
        paired,
        unpaired,
    }
}

#[test]
fn a_hand_computed_comparison_of_five_trials() {
    let dir = tempdir();
    let HandRuns {
        paired, unpaired, ..
    } = hand_runs(dir.path());
    let p = Table::read(&paired.join("compare.csv"));
    let u = Table::read(&unpaired.join("compare.csv"));
    let metrics: Vec<&str> = p.rows.iter().map(|r| p.cell(r, "metric")).collect();
    assert_eq!(
        metrics,
        [
            "ip_expiry_year",
            "demand_gw_end",
            "ip_expiry_cause=agi",
            "ip_expiry_cause=sunset",
            "ip_expiry_cause=beyond_horizon"
        ]
    );

    // t_{0.975, 4} = 2.7764451051977987, t_{0.975, 1} = 12.706204736174707.
    let t4 = 2.776_445_105_197_798_7;
    let t1 = 12.706_204_736_174_707;

    // Paired demand: d = 1, 0, 2, 0, 4; mean 1.4; Σ(d − 1.4)² = 11.2,
    // var 2.8, se = √(2.8/5) = √0.56. P(B>A) = 3/5 (one tie, one equal).
    // Sorted d = 0, 0, 1, 2, 4: PERCENTILE.INC p5 → h = 0.2 → 0; p25 → 0;
    // p50 → 1; p75 → 2; p95 → h = 3.8 → 2 + 0.8·2 = 3.6.
    // KS: ECDF gaps at 1, 2, 3, 4, 5 are .2, 0, .2, .2, .2 → D = 0.2.
    // Effect: var A = 2.5, var B = 8.3 → |1.4| / √5.4.
    let se = 0.56f64.sqrt();
    check_hand_row(
        &p,
        "demand_gw_end",
        &[
            ("n_a", 5.0),
            ("n_b", 5.0),
            ("mean_a", 3.0),
            ("mean_b", 4.4),
            ("diff", 1.4),
            ("diff_ci_low", 1.4 - t4 * se),
            ("diff_ci_high", 1.4 + t4 * se),
            ("p_b_greater", 0.6),
            ("diff_p5", 0.0),
            ("diff_p25", 0.0),
            ("diff_p50", 1.0),
            ("diff_p75", 2.0),
            ("diff_p95", 3.6),
            ("ks_d", 0.2),
            ("effect_size", 1.4 / 5.4f64.sqrt()),
        ],
    );
    // KS p-value: λ = (√2.5 + 0.12 + 0.11/√2.5)·0.2 = 0.35414…,
    // Q(λ) = 2 Σ (−1)^{j−1} e^{−2j²λ²} = 0.99962170605…
    check_hand_row(&p, "demand_gw_end", &[("ks_p", 0.999_621_706_053_583_1)]);

    // Paired ip_expiry_year: only trials 0 and 3 have both: A = 2030, 2032;
    // B = 2030, 2031; d = 0, −1; mean −0.5, sd √0.5, se 0.5, df 1.
    // Effect: var A = 2, var B = 0.5 → 0.5 / √1.25.
    check_hand_row(
        &p,
        "ip_expiry_year",
        &[
            ("n_a", 2.0),
            ("n_b", 2.0),
            ("mean_a", 2031.0),
            ("mean_b", 2030.5),
            ("diff", -0.5),
            ("diff_ci_low", -0.5 - t1 * 0.5),
            ("diff_ci_high", -0.5 + t1 * 0.5),
            ("p_b_greater", 0.0),
            ("diff_p5", -0.95),
            ("diff_p50", -0.5),
            ("diff_p95", -0.05),
            ("ks_d", 0.5),
            ("effect_size", 0.5 / 1.25f64.sqrt()),
        ],
    );
    // Cause shares, paired: agi A = 1,0,1,0,0, B = 1,1,0,0,0 → d = 0,1,−1,0,0,
    // mean 0, var 0.5, se √0.1; one B > A of five.
    check_hand_row(
        &p,
        "ip_expiry_cause=agi",
        &[
            ("mean_a", 0.4),
            ("mean_b", 0.4),
            ("diff", 0.0),
            ("diff_ci_low", -t4 * 0.1f64.sqrt()),
            ("diff_ci_high", t4 * 0.1f64.sqrt()),
            ("p_b_greater", 0.2),
            ("ks_d", 0.0),
        ],
    );
    // sunset: A = 0,0,0,1,0, B = 0,0,1,1,0 → d mean 0.2;
    // beyond_horizon: A = 0,1,0,0,1, B = 0,0,0,0,1 → d mean −0.2.
    check_hand_row(&p, "ip_expiry_cause=sunset", &[("diff", 0.2)]);
    check_hand_row(&p, "ip_expiry_cause=beyond_horizon", &[("diff", -0.2)]);
    for r in &p.rows {
        assert_eq!(p.cell(r, "paired"), "true");
        assert_eq!(p.cell(r, "significant"), "false");
    }

    // Unpaired (seeds 1 and 2): Welch on demand: v_A = 2.5/5 = 0.5,
    // v_B = 8.3/5 = 1.66, se = √2.16, df = 2.16² / ((0.5² + 1.66²)/4)
    // = 6.2092…, t_{0.975, 6.2092} = 2.4270652791… (1e-6).
    // Mann–Whitney: B = 2 beats 1, ties 2 → 1.5 (twice); 5 → 4.5; 4 → 3.5;
    // 9 → 5: 16 / 25 = 0.64. Quantile differences Q_B − Q_A: sorted
    // B = 2,2,4,5,9, A = 1..5: p5 (h = 0.2) 2 − 1.2 = 0.8; p25 0; p50 1;
    // p75 1; p95 (h = 3.8) 8.2 − 4.8 = 3.4.
    let half = 2.427_065_279_162_138_5 * 2.16f64.sqrt();
    check_hand_row(
        &u,
        "demand_gw_end",
        &[
            ("diff", 1.4),
            ("diff_ci_low", 1.4 - half),
            ("diff_ci_high", 1.4 + half),
            ("p_b_greater", 0.64),
            ("diff_p5", 0.8),
            ("diff_p25", 0.0),
            ("diff_p50", 1.0),
            ("diff_p75", 1.0),
            ("diff_p95", 3.4),
            ("ks_d", 0.2),
        ],
    );
    // Unpaired ip_expiry_year: every present value: A = 2030, 2031, 2032;
    // B = 2030, 2029, 2031; both var 1 → se √(2/3), Welch df = 4.
    // Mann–Whitney: 2030 ties one (½), 2029 beats none, 2031 beats one and
    // ties one (1½): 2/9. Sorted B is sorted A − 1: every Q_B − Q_A = −1.
    // KS D = 1/3.
    check_hand_row(
        &u,
        "ip_expiry_year",
        &[
            ("n_a", 3.0),
            ("n_b", 3.0),
            ("diff", -1.0),
            ("diff_ci_low", -1.0 - t4 * (2.0f64 / 3.0).sqrt()),
            ("diff_ci_high", -1.0 + t4 * (2.0f64 / 3.0).sqrt()),
            ("p_b_greater", 2.0 / 9.0),
            ("diff_p5", -1.0),
            ("diff_p50", -1.0),
            ("diff_p95", -1.0),
            ("ks_d", 1.0 / 3.0),
        ],
    );
    for r in &u.rows {
        assert_eq!(u.cell(r, "paired"), "false");
    }
}

/// The Python recomputation agrees on the hand folders as well.
#[test]
#[ignore = "needs python3; .ci/run runs it with --include-ignored"]
fn the_hand_computed_comparison_agrees_with_python() {
    common::python3();
    let dir = tempdir();
    let HandRuns {
        fa,
        fb,
        fb2,
        paired,
        unpaired,
    } = hand_runs(dir.path());
    python_check(&[
        "compare".into(),
        s(&paired.join("compare.csv")),
        s(&fa),
        s(&fb),
    ]);
    python_check(&[
        "compare".into(),
        s(&unpaired.join("compare.csv")),
        s(&fa),
        s(&fb2),
    ]);
}

// ---------------------------------------------------------------------------
// 6. Output folders, pairing, bad folders
// ---------------------------------------------------------------------------

#[test]
fn output_folders_compare_like_their_scenario_files() {
    let (a, b) = assert_shift_pair();
    let dir = tempdir();
    let from_files = dir.path().join("from_files");
    ok([
        "compare",
        &s(&a),
        &s(&b),
        "--trials",
        "1000",
        "--seed",
        "3",
        "--out",
        &s(&from_files),
        "-q",
        "--keep-runs",
    ]);
    let ra = dir.path().join("ra");
    let rb = dir.path().join("rb");
    run_scenario(&a, 1000, 3, &ra, &[]);
    run_scenario(&b, 1000, 3, &rb, &[]);
    let from_folders = dir.path().join("from_folders");
    let run = ok([
        "compare",
        &s(&ra),
        &s(&rb),
        "--out",
        &s(&from_folders),
        "-q",
    ]);
    assert!(run.stdout.contains("paired"), "{}", run.dump());
    let x = fs::read_to_string(from_files.join("compare.csv")).expect("compare.csv");
    let y = fs::read_to_string(from_folders.join("compare.csv")).expect("compare.csv");
    assert_eq!(
        x, y,
        "comparing the output folders must give the same compare.csv as comparing the files"
    );
    let t = Table::read(&from_folders.join("compare.csv"));
    assert!(t.rows.iter().all(|r| t.cell(r, "paired") == "true"));
    assert_eq!(
        fs::read(from_files.join("runs/analysis_shift/trials.csv")).expect("trials"),
        fs::read(ra.join("trials.csv")).expect("trials"),
        "compare runs scenario files exactly as `run` does"
    );

    // Different seed, or different trial count: unpaired.
    for (seed, trials, name) in [(4u64, 1000u64, "rb_seed4"), (3, 999, "rb_999")] {
        let other = dir.path().join(name);
        run_scenario(&b, trials, seed, &other, &[]);
        let out = dir.path().join(format!("cmp_{name}"));
        let run = ok(["compare", &s(&ra), &s(&other), "--out", &s(&out), "-q"]);
        assert!(run.stdout.contains("unpaired"), "{}", run.dump());
        let t = Table::read(&out.join("compare.csv"));
        assert!(!t.rows.is_empty());
        for r in &t.rows {
            assert_eq!(
                t.cell(r, "paired"),
                "false",
                "{name}: {}",
                t.cell(r, "metric")
            );
        }
        let n_b = t.num(t.row("metric", "demand_gw_end"), "n_b");
        assert_eq!(n_b, trials as f64);
    }
}

#[test]
fn a_what_if_runs_paired_with_its_scenario_under_its_label() {
    let base = root().join("scenarios/baseline.toml");
    let dir = tempdir();
    let what_ifs = dir.path().join("what_ifs");
    let run = ok([
        "compare",
        &s(&base),
        "--what-if",
        "faster: providers.azure.growth*=2",
        "--what-if",
        "cheaper azure: providers.azure.price*=0.5 demand.initial_gw+=0.1",
        "--keep-runs",
        "--trials",
        "400",
        "--out",
        &s(&what_ifs),
        "-q",
    ]);
    // Each run with its overrides, then each what-if against the baseline.
    for line in [
        "A     baseline       (as the file has it)",
        "B     faster         providers.azure.growth*=2",
        "B     cheaper azure  providers.azure.price*=0.5  demand.initial_gw+=0.1",
        "faster vs baseline (paired",
        "cheaper azure vs baseline (paired",
    ] {
        assert!(
            run.stdout.contains(line),
            "{line:?} missing:\n{}",
            run.dump()
        );
    }
    let runs = what_ifs.join("runs");
    assert_eq!(
        listing(&runs),
        ["baseline", "cheaper-azure", "faster"]
            .into_iter()
            .map(String::from)
            .collect()
    );
    let plain = Table::read(&runs.join("baseline/trials.csv"));
    let faster = Table::read(&runs.join("faster/trials.csv"));
    let doubled: Vec<f64> = plain
        .column("providers.azure.growth")
        .iter()
        .map(|x| x * 2.0)
        .collect();
    assert_eq!(faster.column("providers.azure.growth"), doubled);
    assert_eq!(
        faster.column("demand.growth"),
        plain.column("demand.growth")
    );
    let manifest = fs::read_to_string(runs.join("cheaper-azure/manifest.json")).expect("manifest");
    assert!(
        manifest.contains("\"label\": \"cheaper azure\""),
        "{manifest}"
    );
    let cmp = Table::read(&what_ifs.join("compare.csv"));
    let pairs: BTreeSet<(String, String)> = cmp
        .rows
        .iter()
        .map(|r| {
            (
                cmp.cell(r, "scenario_a").into(),
                cmp.cell(r, "scenario_b").into(),
            )
        })
        .collect();
    assert_eq!(
        pairs,
        [("baseline", "cheaper azure"), ("baseline", "faster")]
            .into_iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect()
    );

    // The same what-if as two runs: compare names them by their labels
    // (once "baseline" and "baseline-2") and finds the same differences.
    let (ra, rb) = (dir.path().join("ra"), dir.path().join("rb"));
    run_scenario(&base, 400, 20250101, &ra, &[]);
    run_scenario(
        &base,
        400,
        20250101,
        &rb,
        &["--set", "providers.azure.growth*=2"],
    );
    let folders = dir.path().join("folders");
    let run = ok(["compare", &s(&ra), &s(&rb), "--out", &s(&folders), "-q"]);
    assert!(
        run.stdout
            .contains("baseline (azure.growth×2) vs baseline (paired"),
        "{}",
        run.dump()
    );
    let rows = |dir: &Path, b: &str| -> Vec<String> {
        let text = fs::read_to_string(dir.join("compare.csv")).expect("compare.csv");
        text.lines()
            .filter(|l| l.starts_with(&format!("baseline,{b},")))
            .map(|l| l.replacen(b, "B", 1))
            .collect()
    };
    let by_folders = rows(&folders, "baseline (azure.growth×2)");
    assert!(
        !by_folders.is_empty(),
        "{}",
        fs::read_to_string(folders.join("compare.csv")).unwrap_or_default()
    );
    assert_eq!(by_folders, rows(&what_ifs, "faster"));
}

#[test]
fn what_ifs_that_cannot_run_are_refused_before_anything_runs() {
    let base = root().join("scenarios/baseline.toml");
    let dir = tempdir();
    let out = dir.path().join("out");
    for (args, expect) in [
        (
            vec!["nolabel providers.azure.growth*=2"],
            "expected 'LABEL: KEY=VALUE",
        ),
        (vec!["x:"], "changes nothing"),
        (vec![": a.b=1"], "needs a label"),
        (
            vec!["x: providers.azure.growth*=two"],
            "needs a finite number",
        ),
        (
            vec!["x: a.b=1", "x: a.b=2"],
            "two what-ifs are labelled \"x\"",
        ),
        (
            vec!["x: providers.azure.grwth*=2"],
            "nearest inputs: providers.azure.growth",
        ),
    ] {
        let mut cmd = vec!["compare".to_string(), s(&base)];
        for a in args {
            cmd.push("--what-if".into());
            cmd.push(a.into());
        }
        cmd.extend(["--trials", "10", "-q", "--out"].map(String::from));
        cmd.push(s(&out));
        let run = rofrsim(&cmd);
        assert_eq!(run.code, Some(2), "{}", run.dump());
        assert!(run.crash_signs().is_empty(), "{}", run.dump());
        assert!(run.stderr.contains(expect), "{expect:?}:\n{}", run.dump());
        assert!(!out.exists(), "a refused compare wrote {}", out.display());
    }
    // A what-if varies one scenario file, not a folder or two files.
    let run = rofrsim([
        "compare",
        &s(&base),
        &s(&base),
        "--what-if",
        "x: providers.azure.growth*=2",
    ]);
    assert_eq!(run.code, Some(2), "{}", run.dump());
    assert!(
        run.stderr.contains("exactly one scenario file"),
        "{}",
        run.dump()
    );
}

/// Copies the files of a run folder.
fn copy_run(from: &Path, to: &Path) {
    fs::create_dir_all(to).expect("create copy");
    for e in fs::read_dir(from).expect("list run") {
        let e = e.expect("entry");
        fs::copy(e.path(), to.join(e.file_name())).expect("copy file");
    }
}

#[test]
fn truncated_or_corrupted_trials_are_refused_without_output() {
    let (a, b) = assert_shift_pair();
    let dir = tempdir();
    let ra = dir.path().join("ra");
    let rb = dir.path().join("rb");
    run_scenario(&a, 600, 3, &ra, &[]);
    run_scenario(&b, 600, 3, &rb, &[]);
    let text = fs::read_to_string(ra.join("trials.csv")).expect("trials.csv");

    // Cut mid-way, inside a line.
    let mut cut = text.len() / 2;
    while text.as_bytes()[cut - 1] == b'\n' || !text.is_char_boundary(cut) {
        cut += 1;
    }
    let mid_line = text[..cut].to_string();
    // Cut at a line boundary: fewer rows than the manifest's trials.
    let lines: Vec<&str> = text.lines().collect();
    let whole_lines = lines[..lines.len() - 100].join("\n") + "\n";
    // A non-number in an outcome cell of row 300.
    let header: Vec<&str> = lines[0].split(',').collect();
    let col = header
        .iter()
        .position(|h| *h == "demand_gw_end")
        .expect("demand_gw_end column");
    let mut corrupted_lines: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
    let mut cells: Vec<String> = corrupted_lines[300].split(',').map(String::from).collect();
    cells[col] = "abc".into();
    corrupted_lines[300] = cells.join(",");
    let corrupted = corrupted_lines.join("\n") + "\n";

    let arena = dir.path().join("arena");
    fs::create_dir_all(&arena).expect("arena");
    for (k, (what, content, as_b)) in [
        ("cut mid-line", &mid_line, false),
        ("cut at a line end", &whole_lines, false),
        ("non-number cell", &corrupted, false),
        ("non-number cell, as B", &corrupted, true),
    ]
    .into_iter()
    .enumerate()
    {
        let bad = arena.join(format!("bad{k}"));
        copy_run(&ra, &bad);
        fs::write(bad.join("trials.csv"), content).expect("write bad trials.csv");
        let before = listing(&arena);
        let out = arena.join(format!("cmp{k}"));
        let (first, second) = if as_b { (&rb, &bad) } else { (&bad, &rb) };
        let run = rofrsim(["compare", &s(first), &s(second), "--out", &s(&out), "-q"]);
        assert!(
            run.crash_signs().is_empty(),
            "{what}: crash\n{}",
            run.dump()
        );
        assert_eq!(run.code, Some(2), "{what}: exit code\n{}", run.dump());
        assert!(
            run.stderr.contains(&s(&bad)) && run.stderr.contains("trials.csv"),
            "{what}: the message should name the file {}/trials.csv\n{}",
            bad.display(),
            run.dump()
        );
        assert!(
            run.stderr.trim_start().starts_with("error"),
            "{what}: one clear error\n{}",
            run.dump()
        );
        assert!(!out.exists(), "{what}: {} was created", out.display());
        assert_eq!(
            listing(&arena),
            before,
            "{what}: nothing may be left behind beside --out"
        );
    }
}

/// With `--keep-runs` (without it, tests/trials_csv.rs: no `trials.csv`).
#[test]
fn runs_made_by_compare_are_complete_run_folders() {
    let (a, b) = assert_shift_pair();
    let dir = tempdir();
    let out = dir.path().join("cmp");
    ok([
        "compare",
        &s(&a),
        &s(&b),
        "--trials",
        "200",
        "--seed",
        "3",
        "--out",
        &s(&out),
        "-q",
        "--keep-runs",
    ]);
    let mut problems = Vec::new();
    for name in ["analysis_shift", "analysis_shift_up"] {
        let folder = out.join("runs").join(name);
        let files = listing(&folder);
        for f in [
            "trials.csv",
            "summary.csv",
            "sensitivity.csv",
            "timeseries.csv",
            "manifest.json",
        ] {
            if !files.contains(f) {
                problems.push(format!("{}: no {f}", folder.display()));
            }
        }
        let manifest: serde_json::Value = serde_json::from_str(
            &fs::read_to_string(folder.join("manifest.json")).expect("manifest"),
        )
        .expect("manifest JSON");
        let reproduce = manifest["reproduce"].as_str().unwrap_or_default();
        if !reproduce.contains(&s(&folder)) || reproduce.contains("partial") {
            problems.push(format!(
                "{name}/manifest.json: `reproduce` should write to {} but says: {reproduce}",
                folder.display()
            ));
        }
        let listed: BTreeSet<String> = manifest["files"]
            .as_array()
            .map(|v| {
                v.iter()
                    .filter_map(|f| f.as_str().map(String::from))
                    .collect()
            })
            .unwrap_or_default();
        let missing: Vec<&String> = files.difference(&listed).collect();
        if !missing.is_empty() {
            problems.push(format!(
                "{name}/manifest.json: `files` {listed:?} lacks {missing:?}"
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

// ---------------------------------------------------------------------------
// 7. Sweep
// ---------------------------------------------------------------------------

#[test]
fn sweep_rows_equal_separate_runs_with_the_same_seed() {
    let a = fixture("analysis_shift.toml");
    let dir = tempdir();
    let out = dir.path().join("sweep");
    let target = "openai_revenue_usd_bn<=90";
    let printed = ok([
        "sweep",
        &s(&a),
        "--vary",
        "demand.volatility=0.1,0.2,0.3",
        "--vary",
        "terms.revenue_share.rate=0.1:0.5:0.2",
        "--trials",
        "500",
        "--seed",
        "9",
        "--target",
        target,
        "--out",
        &s(&out),
        "-q",
    ]);
    let text = fs::read_to_string(out.join("sweep.csv")).expect("sweep.csv");
    let mut lines = text.lines();
    let header = lines.next().expect("header");
    let body: Vec<&str> = lines.collect();

    let volatilities = ["0.1", "0.2", "0.3"];
    let rates = ["0.1", "0.3", "0.5"]; // the range 0.1:0.5:0.2
    let mut offset = 0;
    for v in volatilities {
        for r in rates {
            let run_out = dir.path().join(format!("run_{v}_{r}"));
            run_scenario(
                &a,
                500,
                9,
                &run_out,
                &[
                    "--set",
                    &format!("demand.volatility={v}"),
                    "--set",
                    &format!("terms.revenue_share.rate={r}"),
                    "--target",
                    target,
                ],
            );
            let summary = fs::read_to_string(run_out.join("summary.csv")).expect("summary");
            let mut slines = summary.lines();
            let sheader = slines.next().expect("summary header");
            assert_eq!(
                header,
                format!("demand.volatility,terms.revenue_share.rate,{sheader}"),
                "sweep.csv header: the varied keys, then summary.csv's columns"
            );
            let srows: Vec<&str> = slines.collect();
            assert!(
                srows.iter().any(|l| l.starts_with("target:")),
                "the run has its target row"
            );
            for (k, srow) in srows.iter().enumerate() {
                let line = body
                    .get(offset + k)
                    .unwrap_or_else(|| panic!("sweep.csv has only {} rows", body.len()));
                let mut parts = line.splitn(3, ',');
                let (pv, pr, rest) = (parts.next(), parts.next(), parts.next());
                assert_eq!(
                    (pv, pr),
                    (Some(v), Some(r)),
                    "row {} of sweep.csv: leading values",
                    offset + k + 2
                );
                assert_eq!(
                    rest,
                    Some(*srow),
                    "sweep row for volatility={v}, rate={r} differs from run --set"
                );
            }
            offset += srows.len();
        }
    }
    assert_eq!(offset, body.len(), "9 combinations × metric rows, no more");

    // The printed table: one row per combination, in sweep.csv's order,
    // with the shares sweep.csv has (one decimal of a percentage).
    let sweep = Table::read(&out.join("sweep.csv"));
    let mean = |v: &str, r: &str, metric: &str| -> f64 {
        let row = sweep
            .rows
            .iter()
            .find(|row| row[0] == v && row[1] == r && sweep.cell(row, "metric") == metric)
            .unwrap_or_else(|| panic!("no {metric} row for {v}, {r}"));
        sweep.num(row, "mean")
    };
    let table: Vec<Vec<&str>> = printed
        .stdout
        .lines()
        .skip(2)
        .take_while(|l| !l.is_empty())
        .map(|l| {
            l.split("  ")
                .map(str::trim)
                .filter(|c| !c.is_empty())
                .collect()
        })
        .collect();
    assert_eq!(table.len(), 9, "{}", printed.dump());
    let mut rows = table.iter();
    for v in volatilities {
        for r in rates {
            let row = rows.next().expect("a row");
            let pct = |x: f64| format!("{:.1} %", x * 100.0);
            assert_eq!((row[0], row[1]), (v, r), "{}", printed.dump());
            // row[2] and row[3] are the NPV's mean and (p5–p95).
            assert_eq!(row[4], pct(mean(v, r, "unmet_share")), "{row:?}");
            assert_eq!(row[5], pct(mean(v, r, "azure_share_end")), "{row:?}");
            assert_eq!(
                row[6],
                pct(mean(v, r, &format!("target:{target}"))),
                "{row:?}"
            );
        }
    }
}
