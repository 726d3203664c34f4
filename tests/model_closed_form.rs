//! Statistical checks of the engine's random processes against closed forms
//! derived from docs/model.md: the AGI hazard, `date` mode with a `quantiles`
//! year, the expert panel, and log-normal demand.
//!
//! Trials are run through the library (`Model::run_trial` over trial
//! indices 0..N with a fixed seed), so a pass is reproducible.
//!
//! # Tolerances
//!
//! Every probability is estimated by a fraction of N independent trials: a
//! binomial proportion with standard error √(p(1−p)/N), p the exact value.
//! Each comparison allows K = 5 standard errors (P(|Z| > 5) ≈ 5.7e-7 per
//! comparison; with the ~30 comparisons below a correct engine fails with
//! probability ~2e-5 for a random seed, and the seeds are fixed). With
//! N = 20 000 and p = 0.5 the window is ±0.0177. For demand the mean of
//! ln D_T has SE σ_T/√N; the sample variance of ln D_T has SE
//! σ_T²·√(2/(N−1)) (normal data, Var(s²) = 2σ⁴/(N−1)).

use rofrsim::engine::{ExpiryCause, Model, NoObserver, Outcome, Scratch};
use rofrsim::scenario::load_str;

/// Trials per estimate.
const N: u64 = 20_000;
/// Standard errors allowed.
const K: f64 = 5.0;

/// Runs trials 0..n of `text` with the file's seed.
fn outcomes(text: &str, n: u64) -> Vec<Outcome> {
    let s = load_str("closed_form.toml", text, &[]).unwrap_or_else(|d| {
        let msgs: Vec<String> = d.iter().map(|x| x.to_string()).collect();
        panic!("scenario does not load:\n{}\n---\n{text}", msgs.join("\n"))
    });
    let model = Model::new(&s);
    let mut scratch = Scratch::default();
    (0..n)
        .map(|i| model.run_trial(s.seed, i, &mut scratch, &mut NoObserver))
        .collect()
}

/// Asserts that `hits` out of `n` trials is p within K binomial SEs.
#[track_caller]
fn proportion(what: &str, hits: usize, n: u64, p: f64) {
    let n = n as f64;
    let frac = hits as f64 / n;
    let se = (p * (1.0 - p) / n).sqrt();
    let tol = K * se + 1e-12;
    assert!(
        (frac - p).abs() <= tol,
        "{what}: observed {frac:.5} ({hits}/{n}), expected {p:.5} ± {tol:.5} (5 SE)"
    );
}

/// A small scenario: one workload, one provider, start 2025-01, and the
/// given end, demand and AGI/IP sections.
fn scenario(seed: u64, end: &str, demand: &str, rest: &str) -> String {
    format!(
        r#"name = "closed_form"
seed = {seed}

[time]
start = "2025-01"
end = "{end}"

[demand]
{demand}

[[workloads]]
name = "all"
share = 1.0

[[providers]]
name = "azure"
initial_gw = 100.0
price = 10.0

[allocation]
policy = "cheapest_first"

[revenue]
per_gw_year = 8.0

[microsoft]
azure_margin = 0.3
discount_rate = 0.08
{rest}
"#
    )
}

const FLAT: &str = "initial_gw = 1.0\ngrowth = 0.0\nvolatility = 0.0";

/// `hazard` mode, instant always-confirming panel (months 0, confirm 1):
/// a declaration is verified in its own month, so IP ends through AGI iff a
/// declaration falls in months 0..S−1, S = the sunset's month index (a
/// verification in the sunset month itself has cause `sunset`).
/// In each month with nothing under review the declaration probability is
/// 1 − exp(−h_t·dt), h_t = λ·(1+γ)^(t/12). Months are independent, so
///   P(no declaration in 0..S−1) = Π_t exp(−h_t/12) = exp(−Σ_{t<S} h_t/12)
/// and P(cause = agi) = 1 − exp(−Σ_{t<S} λ(1+γ)^(t/12)/12).
/// With γ = 0 this is exactly 1 − exp(−λ·S/12) = 1 − e^(−λT), T = S/12 years.
/// Here S = 36 (sunset 2028-01), horizon 48 months:
///   λ = 0.1: 1 − e^(−0.3) ≈ 0.2592;  λ = 0.5: 1 − e^(−1.5) ≈ 0.7769;
///   λ = 0.2, γ = 0.5: 1 − exp(−Σ 0.2·1.5^(t/12)/12) computed below (≈ 0.63).
/// Also P(first declaration in month 0) = 1 − exp(−h_0/12) = 1 − e^(−λ/12).
#[test]
fn hazard_constant_and_growing_matches_exponential() {
    for (seed, lambda, gamma) in [(101, 0.1f64, 0.0f64), (102, 0.5, 0.0), (103, 0.2, 0.5)] {
        let rest = format!(
            r#"
[terms.ip]
sunset = "2028-01"

[agi]
mode = "hazard"
annual_hazard = {lambda:?}
hazard_growth = {gamma:?}

[agi.panel]
months = 0.0
confirm_probability = 1.0
retry_months = 12.0
"#
        );
        let outs = outcomes(&scenario(seed, "2028-12", FLAT, &rest), N);
        let s = 36;
        let cum: f64 = (0..s)
            .map(|t| lambda * (1.0 + gamma).powf(t as f64 / 12.0) / 12.0)
            .sum();
        let p_agi = 1.0 - (-cum).exp();
        if gamma == 0.0 {
            // Sanity of the derivation: the discrete product is e^(−λT).
            assert!((p_agi - (1.0 - (-lambda * 3.0f64).exp())).abs() < 1e-12);
        }
        let agi = outs
            .iter()
            .filter(|o| o.ip_expiry_cause == Some(ExpiryCause::Agi))
            .count();
        proportion(
            &format!("hazard λ={lambda} γ={gamma}: P(IP ends through AGI)"),
            agi,
            N,
            p_agi,
        );
        // Consistency: cause agi ⇔ verified before the sunset, with the
        // verified month = declared month = ip_expiry (panel 0).
        for (i, o) in outs.iter().enumerate() {
            if o.ip_expiry_cause == Some(ExpiryCause::Agi) {
                assert!(
                    o.agi_verified == o.ip_expiry
                        && o.agi_declared == o.agi_verified
                        && o.ip_expiry.is_some_and(|m| m < 36),
                    "trial {i}: {o:?}"
                );
            } else {
                assert_eq!(o.ip_expiry, Some(36), "trial {i}: {o:?}");
                assert_eq!(o.ip_expiry_cause, Some(ExpiryCause::Sunset), "trial {i}");
            }
        }
        let first = outs.iter().filter(|o| o.agi_declared == Some(0)).count();
        proportion(
            &format!("hazard λ={lambda}: P(declared in month 0)"),
            first,
            N,
            1.0 - (-lambda / 12.0f64).exp(),
        );
        // Whole horizon (48 months): P(declared by the end).
        let cum48: f64 = (0..48)
            .map(|t| lambda * (1.0 + gamma).powf(t as f64 / 12.0) / 12.0)
            .sum();
        let declared = outs.iter().filter(|o| o.agi_declared.is_some()).count();
        proportion(
            &format!("hazard λ={lambda} γ={gamma}: P(declared within 48 months)"),
            declared,
            N,
            1.0 - (-cum48).exp(),
        );
    }
}

/// `hazard` mode with a panel that rejects: panel months 0, confirm p.
/// A declaration is reviewed (and, if rejected, ended) in its own month;
/// "the hazard runs again from the rejection" and there is "at most one
/// declaration per month", so every month independently verifies with
/// probability a·p, a = 1 − e^(−λ/12). P(verified in months 0..S−1) =
/// 1 − (1 − a·p)^S. λ = 0.5, p = 0.5, S = 36: a ≈ 0.040811, 1 − (1 −
/// 0.020405)^36 ≈ 0.524.
#[test]
fn hazard_with_rejections_runs_again_each_month() {
    let rest = r#"
[terms.ip]
sunset = "2028-01"

[agi]
mode = "hazard"
annual_hazard = 0.5
hazard_growth = 0.0

[agi.panel]
months = 0.0
confirm_probability = 0.5
retry_months = 24.0
"#;
    let outs = outcomes(&scenario(104, "2028-12", FLAT, rest), N);
    let a = 1.0 - (-0.5f64 / 12.0).exp();
    let p = 1.0 - (1.0 - 0.5 * a).powi(36);
    let agi = outs
        .iter()
        .filter(|o| o.ip_expiry_cause == Some(ExpiryCause::Agi))
        .count();
    proportion("hazard with rejections: P(IP ends through AGI)", agi, N, p);
}

/// `date` mode, year ~ quantiles [[0, 2025], [0.3, 2027], [0.7, 2029],
/// [1, 2033]] (piecewise-linear inverse CDF, so the CDF is linear between
/// the points). Declared month = floor((Y − 2025)·12). For v on a month
/// boundary, month index k = 12(v − 2025): declared < k ⇔ Y < v, so the
/// empirical fraction with declared < k is exactly F(v) — no discretisation
/// slack:
///   F(2026) = 0.15, F(2027) = 0.3, F(2028) = 0.5, F(2029) = 0.7,
///   F(2031) = 0.85, F(2033) = 1 (all declared within the 97-month horizon, 2025-01..2033-01).
#[test]
fn date_mode_quantiles_reproduce_the_cdf() {
    let rest = r#"
[agi]
mode = "date"
year = { dist = "quantiles", points = [[0.0, 2025.0], [0.3, 2027.0], [0.7, 2029.0], [1.0, 2033.0]] }

[agi.panel]
months = 3.0
confirm_probability = 1.0
retry_months = 12.0
"#;
    let outs = outcomes(&scenario(105, "2033-01", FLAT, rest), N);
    let declared: Vec<u32> = outs
        .iter()
        .map(|o| {
            o.agi_declared
                .expect("every year ≤ 2033 is within the horizon")
        })
        .collect();
    for (v, q) in [
        (2026.0, 0.15),
        (2027.0, 0.3),
        (2028.0, 0.5),
        (2029.0, 0.7),
        (2031.0, 0.85),
    ] {
        let k = ((v - 2025.0) * 12.0) as u32;
        let hits = declared.iter().filter(|&&m| m < k).count();
        proportion(
            &format!("date quantiles: P(declared before {v})"),
            hits,
            N,
            q,
        );
    }
    // Panel months 3, confirm 1: verified = declared + 3 whenever that is
    // inside the horizon (months 0..96).
    for (i, o) in outs.iter().enumerate() {
        assert_eq!(
            o.agi_verified,
            o.agi_declared.map(|m| m + 3).filter(|&m| m < 97),
            "trial {i}: {o:?}"
        );
    }
}

/// `date` mode, a year before the start lands in the first month: year ~
/// quantiles [[0, 2024], [0.5, 2026], [1, 2028]] (CDF slope 0.25 per year).
/// Month 0 holds Y < 2025 + 1/12: P = 0.25 + 0.25/12 ≈ 0.2708 (0.25 from
/// before the start, the rest from January 2025 itself).
#[test]
fn date_mode_before_start_is_the_first_month() {
    let rest = r#"
[agi]
mode = "date"
year = { dist = "quantiles", points = [[0.0, 2024.0], [0.5, 2026.0], [1.0, 2028.0]] }

[agi.panel]
months = 0.0
confirm_probability = 1.0
retry_months = 12.0
"#;
    let outs = outcomes(&scenario(106, "2028-12", FLAT, rest), N);
    let first = outs.iter().filter(|o| o.agi_declared == Some(0)).count();
    proportion(
        "date before start: P(declared in month 0)",
        first,
        N,
        0.25 + 0.25 / 12.0,
    );
    let none_missing = outs.iter().all(|o| o.agi_declared.is_some());
    assert!(
        none_missing,
        "a year before the start must be declared in month 0"
    );
}

/// The panel: `date` year 2026.0 → declared in month 12 (2026-01); review 3
/// months → verdict in month 15; horizon 2028-12 (48 months).
/// - confirm p = 0.3, retry 100 (the next declaration, 115, is past the
///   horizon): P(verified) = 0.3, always in month 15.
/// - confirm p = 0.3, retry 6: reviews at 15, 24 (declared 21), 33, 42
///   (51 is past the horizon): P(verified at 15) = 0.3, at 24 = 0.7·0.3 =
///   0.21, at 33 = 0.147, at 42 = 0.1029; P(verified in horizon) = 1 −
///   0.7^4 = 0.7599.
/// - confirm ~ uniform(0.2, 0.6), retry 100: each review draws its own p, so
///   P(first review confirms) = E[p] = 0.4.
#[test]
fn panel_confirms_with_its_probability() {
    let panel = |cp: &str, retry: f64| {
        format!(
            r#"
[agi]
mode = "date"
year = 2026.0

[agi.panel]
months = 3.0
confirm_probability = {cp}
retry_months = {retry:?}
"#
        )
    };
    // One review inside the horizon.
    let outs = outcomes(&scenario(107, "2028-12", FLAT, &panel("0.3", 100.0)), N);
    assert!(outs.iter().all(|o| o.agi_declared == Some(12)));
    assert!(
        outs.iter()
            .all(|o| o.agi_verified.is_none() || o.agi_verified == Some(15))
    );
    let v = outs.iter().filter(|o| o.agi_verified.is_some()).count();
    proportion("panel p=0.3, no retry in horizon: P(verified)", v, N, 0.3);

    // Retries every 6 months after a rejection.
    let outs = outcomes(&scenario(108, "2028-12", FLAT, &panel("0.3", 6.0)), N);
    for (month, p) in [(15, 0.3), (24, 0.21), (33, 0.147), (42, 0.1029)] {
        let hits = outs
            .iter()
            .filter(|o| o.agi_verified == Some(month))
            .count();
        proportion(
            &format!("panel retry 6: P(verified in month {month})"),
            hits,
            N,
            p,
        );
    }
    let v = outs.iter().filter(|o| o.agi_verified.is_some()).count();
    proportion(
        "panel retry 6: P(verified in horizon)",
        v,
        N,
        1.0 - 0.7f64.powi(4),
    );
    assert!(outs.iter().all(|o| o.agi_declared == Some(12)));

    // Uncertain confirm probability.
    let outs = outcomes(
        &scenario(
            109,
            "2028-12",
            FLAT,
            &panel(r#"{ dist = "uniform", min = 0.2, max = 0.6 }"#, 100.0),
        ),
        N,
    );
    let v = outs.iter().filter(|o| o.agi_verified == Some(15)).count();
    proportion("panel p~U(0.2,0.6): P(first review confirms)", v, N, 0.4);
}

/// Demand with volatility: ln D_t = ln D_0 + Σ_{s=1..t} (ln(1+g)·dt −
/// σ²dt/2 + σ√dt·Z_s), so ln D_T ~ N(ln D_0 + T·(ln(1+g) − σ²/2)/12,
/// σ²·T/12). D_0 = 2, g = 0.5, σ = 0.3, T = 24 (horizon 2025-01..2027-01,
/// the last month has index 24): mean ln 2 + 2·(ln 1.5 − 0.045) ≈ 1.4147,
/// variance 0.09·2 = 0.18. Hence also E[D_T] = 2·1.5² = 4.5.
/// Capacity (100 GW) always covers demand here.
#[test]
fn demand_log_is_normal_with_the_given_drift_and_volatility() {
    let outs = outcomes(
        &scenario(
            110,
            "2027-01",
            "initial_gw = 2.0\ngrowth = 0.5\nvolatility = 0.3",
            "",
        ),
        N,
    );
    let logs: Vec<f64> = outs.iter().map(|o| o.demand_gw_end.ln()).collect();
    let n = logs.len() as f64;
    let mean = logs.iter().sum::<f64>() / n;
    let var = logs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0);
    let mu = 2f64.ln() + 2.0 * (1.5f64.ln() - 0.09 / 2.0);
    let s2 = 0.09 * 24.0 / 12.0;
    let tol_mean = K * (s2 / n).sqrt();
    assert!(
        (mean - mu).abs() <= tol_mean,
        "mean of ln D_24: observed {mean:.5}, expected {mu:.5} ± {tol_mean:.5}"
    );
    let tol_var = K * s2 * (2.0 / (n - 1.0)).sqrt();
    assert!(
        (var - s2).abs() <= tol_var,
        "variance of ln D_24: observed {var:.5}, expected {s2:.5} ± {tol_var:.5}"
    );
    // E[D_T] = 4.5; Var(D_T) = 4.5²·(e^{s2} − 1).
    let mean_d = outs.iter().map(|o| o.demand_gw_end).sum::<f64>() / n;
    let tol_d = K * 4.5 * ((s2.exp() - 1.0) / n).sqrt();
    assert!(
        (mean_d - 4.5).abs() <= tol_d,
        "mean of D_24: observed {mean_d:.5}, expected 4.5 ± {tol_d:.5}"
    );
}

/// New capacity: constant demand X GW above constant capacity from month 0,
/// coverage 1, a constant lead time of L months and unlimited builds, no
/// volatility. Month 0 signs the whole shortfall X, which comes online in
/// month L; until then X GW is unmet each month and nothing more is signed
/// (the pipeline covers it): unmet GW-years = X · L / 12 exactly, whatever
/// the policy and however the capacity is split among providers.
#[test]
fn unmet_gw_years_while_new_capacity_is_built_is_x_times_l_over_12() {
    for (x, l, policy) in [
        (3.0, 6, "cheapest_first"),
        (0.5, 1, "in_order"),
        (7.25, 24, "pro_rata"),
        (2.0, 36, "cheapest_first"),
    ] {
        let text = format!(
            r#"name = "closed_form"
seed = 1

[time]
start = "2025-01"
end = "2029-12"

[demand]
initial_gw = {demand:?}
growth = 0.0

[[workloads]]
name = "api"
share = 0.3

[[workloads]]
name = "training"
share = 0.7

[[providers]]
name = "azure"
initial_gw = 1.5
price = 12.0

[[providers]]
name = "oracle"
initial_gw = 2.5
price = 10.0

[allocation]
policy = "{policy}"

[new_capacity]
lead_time_months = {l}

[revenue]
per_gw_year = 8.0

[microsoft]
azure_margin = 0.3
discount_rate = 0.05
"#,
            demand = 4.0 + x,
        );
        for o in outcomes(&text, 3) {
            let expected = x * f64::from(l) / 12.0;
            assert!(
                (o.unmet_gw_years - expected).abs() <= 1e-12 * expected,
                "X {x}, L {l}, {policy}: unmet {} GW-years, expected {expected}",
                o.unmet_gw_years
            );
            assert_eq!(o.shortfall_months, l, "X {x}, L {l}, {policy}");
            let signed: f64 = o.signed_gw.iter().sum();
            assert!((signed - x).abs() <= 1e-12 * x, "X {x}: signed {signed}");
        }
    }
}
