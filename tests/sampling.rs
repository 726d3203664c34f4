//! Statistical tests of how a trial's inputs are drawn (docs/model.md,
//! "Sampling the inputs"): rank correlations through the Gaussian copula,
//! unchanged margins, and Latin hypercube strata.
//!
//! # Tolerances
//!
//! * Spearman's ρ of N pairs: Fisher's z = atanh(ρ̂) is close to normal with
//!   standard error √(1.06 / (N − 3)) (Fieller, Hartley & Pearson 1957).
//!   Each achieved coefficient must lie within 5 such errors of its target
//!   on the z scale (±0.012 at N = 200,000; P(|Z| > 5) ≈ 6e-7). The copula
//!   gives exactly the target rank correlation for continuous margins.
//! * Margins: the two-sample Kolmogorov–Smirnov test of the correlated
//!   draws against independent draws of the same input (another seed) must
//!   not reject at p < 0.001.
//!
//! The seeds are fixed, so a pass is reproducible.

use rofrsim::analysis::inference::{ks_two_sample, spearman};
use rofrsim::engine::Model;
use rofrsim::scenario::{Scenario, Uncertain, load_str};

/// Trials per test.
const N: u64 = 200_000;
/// Standard errors allowed.
const K: f64 = 5.0;

/// A small scenario whose five uncertain inputs cover the families: the
/// correlations and sampling are appended.
const BASE: &str = r#"
name = "families"
seed = 11
[time]
start = "2025-01"
end = "2025-02"
[demand]
initial_gw = { dist = "lognormal", p5 = 0.5, p95 = 3 }
growth = { dist = "pert", min = 0.1, mode = 0.5, max = 2 }
volatility = 0.1
[[workloads]]
name = "all"
share = 1
[[providers]]
name = "azure"
initial_gw = 1
price = { dist = "discrete", values = [5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40, 41, 42, 43, 44], weights = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1] }
[revenue]
per_gw_year = { dist = "quantiles", points = [[0, 4], [0.3, 6], [0.8, 8], [1, 14]] }
[microsoft]
provider = "azure"
azure_margin = { dist = "beta", alpha = 2, beta = 5 }
discount_rate = 0.08
"#;

const INITIAL: &str = "demand.initial_gw";
const GROWTH: &str = "demand.growth";
const PRICE: &str = "providers.azure.price";
const REVENUE: &str = "revenue.per_gw_year";
const MARGIN: &str = "microsoft.azure_margin";

fn scenario(extra: &str) -> Scenario {
    match load_str("families.toml", &format!("{BASE}\n{extra}"), &[]) {
        Ok(s) => s,
        Err(d) => panic!("{d:?}"),
    }
}

/// Each input's draws over `n` trials, by path.
fn draws(s: &Scenario, seed: u64, n: u64) -> Vec<(String, Vec<f64>)> {
    let mut model = Model::new(s);
    model.set_trials(n);
    let mut columns: Vec<Vec<f64>> = vec![Vec::with_capacity(n as usize); s.inputs.len()];
    for trial in 0..n {
        for (c, v) in columns.iter_mut().zip(model.inputs_of(seed, trial)) {
            c.push(v);
        }
    }
    s.inputs
        .all()
        .iter()
        .map(|i| i.path.clone())
        .zip(columns)
        .collect()
}

fn column<'a>(draws: &'a [(String, Vec<f64>)], path: &str) -> &'a [f64] {
    match draws.iter().find(|(p, _)| p == path) {
        Some((_, c)) => c,
        None => panic!("no input {path}"),
    }
}

/// Asserts the achieved rank correlation is within K standard errors of
/// the target on Fisher's z scale.
fn assert_spearman(d: &[(String, Vec<f64>)], a: &str, b: &str, target: f64) {
    let got = spearman(column(d, a), column(d, b)).unwrap_or(f64::NAN);
    let se = (1.06 / (N as f64 - 3.0)).sqrt();
    let z = (got.atanh() - target.atanh()).abs() / se;
    println!("{a} ~ {b}: target {target}, achieved {got:.5} ({z:.2} SE)");
    assert!(
        z <= K,
        "{a} ~ {b}: achieved {got} against {target} ({z:.1} standard errors)"
    );
}

/// The correlated draws of every uncertain input have the margins of the
/// uncorrelated ones.
fn assert_margins(s: &Scenario, correlated: &[(String, Vec<f64>)]) {
    let independent = draws(&scenario(""), 99, N);
    for input in s.inputs.all() {
        if let Uncertain::Dist(_) = input.value {
            let (dstat, p) = ks_two_sample(
                column(correlated, &input.path),
                column(&independent, &input.path),
            )
            .unwrap_or((f64::NAN, 0.0));
            println!("{}: KS D = {dstat:.5}, p = {p:.3}", input.path);
            assert!(p >= 0.001, "{}: KS D = {dstat}, p = {p}", input.path);
        }
    }
}

#[test]
fn pairs_reach_their_rank_correlations_and_keep_their_margins() {
    let s = scenario(&format!(
        r#"
[[correlations]]
inputs = ["{INITIAL}", "{GROWTH}"]
spearman = 0.5
[[correlations]]
inputs = ["{MARGIN}", "{REVENUE}"]
spearman = -0.8
[[correlations]]
inputs = ["{PRICE}", "{REVENUE}"]
spearman = 0.3
"#
    ));
    let d = draws(&s, 1, N);
    assert_spearman(&d, INITIAL, GROWTH, 0.5);
    assert_spearman(&d, MARGIN, REVENUE, -0.8);
    assert_spearman(&d, PRICE, REVENUE, 0.3);
    // Unlisted pairs are 0: in the same group (margin and price, both
    // linked to revenue) and across groups.
    assert_spearman(&d, MARGIN, PRICE, 0.0);
    assert_spearman(&d, INITIAL, REVENUE, 0.0);
    assert_margins(&s, &d);
}

#[test]
fn a_five_by_five_matrix_across_families_is_reached() {
    let m = [
        [1.0, 0.6, 0.3, -0.2, 0.4],
        [0.6, 1.0, 0.2, -0.1, 0.3],
        [0.3, 0.2, 1.0, 0.0, 0.5],
        [-0.2, -0.1, 0.0, 1.0, -0.3],
        [0.4, 0.3, 0.5, -0.3, 1.0],
    ];
    let names = [INITIAL, GROWTH, PRICE, REVENUE, MARGIN];
    let rows: Vec<String> = m
        .iter()
        .map(|r| format!("[{}]", r.map(|x| x.to_string()).join(", ")))
        .collect();
    let s = scenario(&format!(
        "[[correlations]]\ninputs = [{}]\nspearman = [{}]\n",
        names.map(|n| format!("\"{n}\"")).join(", "),
        rows.join(", ")
    ));
    assert!(s.sampling.notes.is_empty(), "{:?}", s.sampling.notes);
    let d = draws(&s, 2, N);
    for i in 0..5 {
        for j in 0..i {
            assert_spearman(&d, names[j], names[i], m[i][j]);
        }
    }
    assert_margins(&s, &d);
}

/// Under LHS with correlations the copula's normals are stratified: the
/// first input of a group (whose normal is not mixed) keeps one draw per
/// stratum, and the rank correlation is still reached.
#[test]
fn latin_hypercube_with_correlations() {
    let s = scenario(&format!(
        "[sampling]\nmethod = \"lhs\"\n[[correlations]]\ninputs = [\"{INITIAL}\", \"{MARGIN}\"]\nspearman = 0.7\n"
    ));
    let d = draws(&s, 3, N);
    assert_spearman(&d, INITIAL, MARGIN, 0.7);
    let dist = match &s
        .inputs
        .all()
        .iter()
        .find(|i| i.path == INITIAL)
        .map(|i| &i.value)
    {
        Some(Uncertain::Dist(d)) => d.clone(),
        _ => panic!("{INITIAL} is not a distribution"),
    };
    let mut strata = vec![0u32; N as usize];
    for &x in column(&d, INITIAL) {
        let k = ((dist.cdf(x) * N as f64).floor() as usize).min(N as usize - 1);
        strata[k] += 1;
    }
    let empty = strata.iter().filter(|&&c| c == 0).count();
    // Inverse CDF and CDF round-trip to ~1e-12: a draw can only cross into
    // a neighbouring stratum when it lies that close to a boundary.
    assert!(empty <= 2, "{empty} of {N} strata empty");
    assert_margins(&s, &d);
}

/// A discrete input with three values cannot reach a rank correlation of
/// 0.9 (ties): the scenario warns, and the achieved value is lower.
#[test]
fn few_values_warn_and_weaken_the_correlation() {
    let text = BASE.replace(
        "price = { dist = \"discrete\", values = [5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40, 41, 42, 43, 44], weights = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1] }",
        "price = { dist = \"discrete\", values = [8, 10, 12], weights = [1, 2, 1] }",
    );
    let s = match load_str(
        "few.toml",
        &format!(
            "{text}\n[[correlations]]\ninputs = [\"{PRICE}\", \"{GROWTH}\"]\nspearman = 0.9\n"
        ),
        &[],
    ) {
        Ok(s) => s,
        Err(d) => panic!("{d:?}"),
    };
    assert_eq!(s.sampling.notes.len(), 1, "{:?}", s.sampling.notes);
    assert!(s.sampling.notes[0].contains("providers.azure.price takes only 3 values"));
    let d = draws(&s, 4, 20_000);
    let got = spearman(column(&d, PRICE), column(&d, GROWTH)).unwrap_or(f64::NAN);
    assert!(got < 0.85 && got > 0.5, "achieved {got}");
}
