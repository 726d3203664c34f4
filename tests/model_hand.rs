//! Hand-computed checks of one trial against docs/model.md ("The month
//! trial" and "Precise readings").
//!
//! Every scenario here is deterministic: all inputs are plain numbers,
//! demand volatility is 0, ROFR exercise / tranche / panel probabilities are
//! 0 or 1. The expected values are derived by hand from docs/model.md (the
//! arithmetic is in the comments); they are NOT copied from the engine. Where
//! a month-by-month sum is needed (cumulative spend, NPV) the test sums the
//! hand-derived closed form of each month.
//!
//! Notation used in the comments: `t` = month index, `y = t/12`,
//! `dt = 1/12`, classes api / products / training with shares
//! 0.2 / 0.3 / 0.5, providers in config order azure / oracle / aws.
//!
//! Tolerance: 1e-9 relative (absolute 1e-9 for values below 1): floating
//! point only, no statistical slack.

use std::fmt::Debug;

use rofrsim::engine::{ExpiryCause, Model, MonthState, Observer, Outcome, Scratch};
use rofrsim::scenario::load_str;

// Class indices (config order of WORKLOADS).
const API: usize = 0;
const PROD: usize = 1;
const TRAIN: usize = 2;
// Provider indices (config order of every provider list below).
const AZ: usize = 0;
const OR: usize = 1;
const AW: usize = 2;

/// One month as the observer saw it.
#[derive(Debug, Clone)]
struct Rec {
    demand: f64,
    capacity: Vec<f64>,
    placed: Vec<f64>,
    class_demand: Vec<f64>,
    by_class: Vec<f64>,
    unmet: f64,
    signed: Vec<f64>,
    azure_share: f64,
    ip_active: bool,
    rofr_active: bool,
    agi_verified: bool,
}

impl Rec {
    fn class(&self, c: usize, p: usize) -> f64 {
        self.by_class[c * self.placed.len() + p]
    }
}

#[derive(Default)]
struct Recorder(Vec<Rec>);

impl Observer for Recorder {
    fn month(&mut self, s: &MonthState<'_>) {
        assert_eq!(s.month, self.0.len(), "months reported out of order");
        self.0.push(Rec {
            demand: s.demand_gw,
            capacity: s.capacity_gw.to_vec(),
            placed: s.placed_gw.to_vec(),
            class_demand: s.class_demand_gw.to_vec(),
            by_class: s.placed_by_class_gw.to_vec(),
            unmet: s.unmet_gw,
            signed: s.signed_gw.to_vec(),
            azure_share: s.azure_share,
            ip_active: s.ip_active,
            rofr_active: s.rofr_active,
            agi_verified: s.agi_verified,
        });
    }
}

/// Loads `text` and runs trial 0 with the file's seed.
fn run(text: &str) -> (Outcome, Vec<Rec>) {
    let s = load_str("hand.toml", text, &[]).unwrap_or_else(|d| {
        let msgs: Vec<String> = d.iter().map(|x| x.to_string()).collect();
        panic!("scenario does not load:\n{}\n---\n{text}", msgs.join("\n"))
    });
    let model = Model::new(&s);
    let mut scratch = Scratch::default();
    let mut rec = Recorder::default();
    let out = model.run_trial(s.seed, 0, &mut scratch, &mut rec);
    assert_eq!(rec.0.len(), model.months(), "one observer call per month");
    (out, rec.0)
}

/// Collects every mismatch of a test, so one run reports them all.
struct Check {
    case: String,
    fails: Vec<String>,
}

impl Check {
    fn new(case: impl Into<String>) -> Check {
        Check {
            case: case.into(),
            fails: Vec::new(),
        }
    }

    fn close(&mut self, what: impl AsRef<str>, actual: f64, expected: f64) {
        let tol = 1e-9 * expected.abs().max(1.0);
        if (actual - expected).abs() > tol || actual.is_nan() {
            self.fails.push(format!(
                "{}: expected {expected:.12}, got {actual:.12} (diff {:.3e})",
                what.as_ref(),
                actual - expected
            ));
        }
    }

    fn eq<T: PartialEq + Debug>(&mut self, what: impl AsRef<str>, actual: T, expected: T) {
        if actual != expected {
            self.fails.push(format!(
                "{}: expected {expected:?}, got {actual:?}",
                what.as_ref()
            ));
        }
    }

    /// Placed GW per provider and unmet GW in month `t`.
    fn month(&mut self, recs: &[Rec], t: usize, placed: [f64; 3], unmet: f64) {
        for (p, name) in ["azure", "oracle", "aws"].iter().enumerate() {
            self.close(
                format!("month {t} placed {name}"),
                recs[t].placed[p],
                placed[p],
            );
        }
        self.close(format!("month {t} unmet"), recs[t].unmet, unmet);
    }

    /// The invariants of docs/model.md, every month.
    fn invariants(&mut self, recs: &[Rec]) {
        for (t, r) in recs.iter().enumerate() {
            let total: f64 = r.placed.iter().sum();
            self.close(
                format!("month {t} Σ placed + unmet = D"),
                total + r.unmet,
                r.demand,
            );
            for (p, (&pl, &k)) in r.placed.iter().zip(&r.capacity).enumerate() {
                if pl < -1e-12 || pl > k * (1.0 + 1e-12) + 1e-12 {
                    self.fails.push(format!(
                        "month {t} provider {p}: placed {pl} not in [0, {k}]"
                    ));
                }
            }
            let n_prov = r.placed.len();
            for (c, &d) in r.class_demand.iter().enumerate() {
                let on: f64 = r.by_class[c * n_prov..(c + 1) * n_prov].iter().sum();
                if on > d * (1.0 + 1e-12) + 1e-12 {
                    self.fails
                        .push(format!("month {t} class {c}: placed {on} above demand {d}"));
                }
            }
        }
    }

    fn done(self) {
        assert!(
            self.fails.is_empty(),
            "{}: {} mismatch(es) with docs/model.md:\n  {}",
            self.case,
            self.fails.len(),
            self.fails.join("\n  ")
        );
    }
}

/// api 0.2, products 0.3, training 0.5 (sum 1, so normalising changes nothing).
const WORKLOADS: &str = r#"
[[workloads]]
name = "api"
share = 0.2

[[workloads]]
name = "products"
share = 0.3

[[workloads]]
name = "training"
share = 0.5
"#;

/// Three providers with constant capacity: azure 6 GW at 12, oracle 3 GW
/// at 10, aws 4 GW at 11 (13 GW in all). Price order: oracle < aws < azure.
fn providers(azure_gw: f64, oracle_gw: f64, aws_gw: f64) -> String {
    format!(
        r#"
[[providers]]
name = "azure"
initial_gw = {azure_gw:?}
price = 12.0

[[providers]]
name = "oracle"
initial_gw = {oracle_gw:?}
price = 10.0

[[providers]]
name = "aws"
initial_gw = {aws_gw:?}
price = 11.0
"#
    )
}

/// Revenue 12 usd_bn per GW-year (so 1 usd_bn per GW-month), margin 0.5,
/// discount rate 10 %/yr.
const MONEY: &str = r#"
[revenue]
per_gw_year = 12.0
growth = 0.0

[microsoft]
provider = "azure"
azure_margin = 0.5
discount_rate = 0.1
"#;

/// A whole scenario: start 2025-01, volatility 0.
fn scenario(end: &str, demand: &str, providers: &str, policy: &str, rest: &str) -> String {
    format!(
        r#"name = "hand"
seed = 11

[time]
start = "2025-01"
end = "{end}"

[demand]
{demand}
volatility = 0.0
{WORKLOADS}
{providers}
[allocation]
policy = "{policy}"
{rest}
"#
    )
}

/// D_t with volatility 0 and no halflife: D_t = D_{t−1}·exp(ln(1+g)·dt),
/// so D_t = D_0·exp(ln(1+g)·t/12).
fn demand(d0: f64, g: f64, t: usize) -> f64 {
    d0 * ((1.0 + g).ln() * t as f64 / 12.0).exp()
}

/// Discount factor (1+r)^(−y), y = t/12.
fn disc(r: f64, t: usize) -> f64 {
    (1.0 + r).powf(-(t as f64) / 12.0)
}

const POLICIES: [&str; 3] = ["cheapest_first", "in_order", "pro_rata"];

// ---------------------------------------------------------------------------
// Policies, open classes only, growing demand, constant capacity.
// ---------------------------------------------------------------------------

/// Demand 10 GW growing 21 %/yr (D_t = 10·1.21^(t/12): D_0 = 10,
/// D_12 = 12.1, D_23 = 10·1.21^(23/12) ≈ 14.410), capacity azure 6 /
/// oracle 3 / aws 4 = 13 GW constant, no terms, 24 months.
///
/// No release (demand only grows), so placed total P_t = min(D_t, 13) and
/// unmet = max(0, D_t − 13) (> 0 from month 17: 10·1.21^(t/12) > 13 ⇔
/// t > 12·ln 1.3/ln 1.21 ≈ 16.52). Each month's need is routed on top of
/// what is placed, so:
/// - cheapest_first (oracle 10 < aws 11 < azure 12): oracle = min(3, P),
///   aws = min(4, max(0, P − 3)), azure = max(0, P − 7).
///   Month 0 by class: api 2 → oracle 2; products 3 → oracle 1 + aws 2;
///   training 5 → aws 2 + azure 3. Month 12: 3 / 4 / 5.1.
/// - in_order (azure, oracle, aws): azure = min(6, P), oracle = min(3,
///   max(0, P − 6)), aws = max(0, P − 9). Month 0 by class: api → azure 2;
///   products → azure 3; training → azure 1 + oracle 3 + aws 1.
/// - pro_rata: every split is ∝ free capacity, which starts ∝ (6, 3, 4) and
///   stays so (taking a fraction of a proportional vector leaves it
///   proportional): placed = (6, 3, 4)·P/13. Month 0 by class c: 10·s_c·(6,
///   3, 4)/13, e.g. api (12/13, 6/13, 8/13).
///
/// Money (revenue growth 10 %/yr here): spend_p = Σ placed_p·price_p/12;
/// revenue = Σ P_t·12·1.1^(t/12)/12 = Σ P_t·1.1^(t/12); no revenue share;
/// NPV = Σ 0.5·(azure_t·12/12)·1.1^(−t/12).
#[test]
fn policies_route_open_demand_month_by_month() {
    let months = 24;
    for policy in POLICIES {
        let money = MONEY.replace("growth = 0.0", "growth = 0.1");
        let text = scenario(
            "2026-12",
            "initial_gw = 10.0\ngrowth = 0.21",
            &providers(6.0, 3.0, 4.0),
            policy,
            &money,
        );
        let (out, recs) = run(&text);
        let mut ck = Check::new(format!("policies/{policy}"));
        ck.invariants(&recs);
        let split = |p_total: f64| -> [f64; 3] {
            match policy {
                "cheapest_first" => [
                    (p_total - 7.0).max(0.0),
                    p_total.min(3.0),
                    (p_total - 3.0).clamp(0.0, 4.0),
                ],
                "in_order" => [
                    p_total.min(6.0),
                    (p_total - 6.0).clamp(0.0, 3.0),
                    (p_total - 9.0).max(0.0),
                ],
                _ => [
                    6.0 * p_total / 13.0,
                    3.0 * p_total / 13.0,
                    4.0 * p_total / 13.0,
                ],
            }
        };
        let prices = [12.0, 10.0, 11.0];
        let (mut gwy, mut unmet_gwy, mut dem_gwy, mut revenue, mut npv) =
            ([0.0; 3], 0.0, 0.0, 0.0, 0.0);
        for t in 0..months {
            let d = demand(10.0, 0.21, t);
            let p_total = d.min(13.0);
            let placed = split(p_total);
            ck.close(format!("month {t} demand"), recs[t].demand, d);
            ck.month(&recs, t, placed, (d - 13.0).max(0.0));
            ck.close(
                format!("month {t} azure_share"),
                recs[t].azure_share,
                placed[AZ] / p_total,
            );
            ck.eq(format!("month {t} rofr_active"), recs[t].rofr_active, false);
            for p in 0..3 {
                gwy[p] += placed[p] / 12.0;
            }
            unmet_gwy += (d - 13.0).max(0.0) / 12.0;
            dem_gwy += d / 12.0;
            revenue += p_total * 12.0 * 1.1f64.powf(t as f64 / 12.0) / 12.0;
            npv += 0.5 * placed[AZ] * 12.0 / 12.0 * disc(0.1, t);
        }
        // Month 0 by class, from the derivation above.
        let by_class: [[f64; 3]; 3] = match policy {
            "cheapest_first" => [[0.0, 2.0, 0.0], [0.0, 1.0, 2.0], [3.0, 0.0, 2.0]],
            "in_order" => [[2.0, 0.0, 0.0], [3.0, 0.0, 0.0], [1.0, 3.0, 1.0]],
            _ => [
                [12.0 / 13.0, 6.0 / 13.0, 8.0 / 13.0],
                [18.0 / 13.0, 9.0 / 13.0, 12.0 / 13.0],
                [30.0 / 13.0, 15.0 / 13.0, 20.0 / 13.0],
            ],
        };
        for c in 0..3 {
            ck.close(
                format!("month 0 class {c} demand"),
                recs[0].class_demand[c],
                [2.0, 3.0, 5.0][c],
            );
            for (p, &expected) in by_class[c].iter().enumerate() {
                ck.close(
                    format!("month 0 class {c} on provider {p}"),
                    recs[0].class(c, p),
                    expected,
                );
            }
        }
        for p in 0..3 {
            ck.close(format!("gw_years[{p}]"), out.gw_years[p], gwy[p]);
            ck.close(
                format!("spend[{p}]"),
                out.spend_usd_bn[p],
                gwy[p] * prices[p],
            );
        }
        ck.close("unmet_gw_years", out.unmet_gw_years, unmet_gwy);
        ck.close("unmet_share", out.unmet_share, unmet_gwy / dem_gwy);
        ck.close("demand_gw_end", out.demand_gw_end, demand(10.0, 0.21, 23));
        let end = split(13.0);
        ck.close("azure_share_end", out.azure_share_end, end[AZ] / 13.0);
        ck.close("openai_revenue", out.openai_revenue_usd_bn, revenue);
        ck.close("revenue_share", out.revenue_share_usd_bn, 0.0);
        ck.close("microsoft NPV", out.microsoft_value_npv_usd_bn, npv);
        ck.eq("rofr_offers", out.rofr_offers, 0);
        ck.eq(
            "ip cause (no [terms.ip])",
            out.ip_expiry_cause,
            Some(ExpiryCause::BeyondHorizon),
        );
        ck.eq("ip_expiry", out.ip_expiry, None);
        ck.eq("ip_months", out.ip_months, 24);
        ck.eq("agi_declared (no [agi])", out.agi_declared, None);
        ck.done();
    }
}

// ---------------------------------------------------------------------------
// ROFR on existing capacity, under each policy: the holder first, always.
// ---------------------------------------------------------------------------

/// Demand 10 GW growing 21 %/yr over 12 months (D_5 = 10·1.21^(5/12) ≈
/// 10.827, D_11 ≈ 11.909), azure 6 @12 / oracle 3 @10 / aws 4 @11, ROFR on
/// training held by azure from 2025-01 until 2025-07 (months 0..5).
/// Order within a month: the rofr class (training) first, then open api,
/// products. On existing capacity the holder's free capacity comes first
/// whatever the exercise probability, which only decides offers of new
/// capacity: without `[new_capacity]` none is made, so exercise 1 and 0 give
/// the same months and 0 offers.
#[test]
fn rofr_holder_first_on_existing_capacity_under_each_policy() {
    for policy in POLICIES {
        for exercise in [1.0, 0.0] {
            let rest = format!(
                r#"{MONEY}
[[terms.rofr]]
holder = "azure"
workloads = ["training"]
from = "2025-01"
until = "2025-07"
exercise_probability = {exercise:?}
"#
            );
            let text = scenario(
                "2025-12",
                "initial_gw = 10.0\ngrowth = 0.21",
                &providers(6.0, 3.0, 4.0),
                policy,
                &rest,
            );
            let (out, recs) = run(&text);
            let mut ck = Check::new(format!("rofr/{policy}/exercise={exercise}"));
            ck.invariants(&recs);
            let d = |t: usize| demand(10.0, 0.21, t);
            let d5 = d(5);
            ck.eq("rofr_offers", out.rofr_offers, 0);
            ck.eq("rofr_declined", out.rofr_declined, 0);
            for (t, r) in recs.iter().enumerate() {
                ck.eq(format!("month {t} rofr_active"), r.rofr_active, t < 6);
            }
            match policy {
                "cheapest_first" => {
                    // Months 0..5: azure takes all of training (0.5·D_t ≤
                    // 0.5·D_5 ≈ 5.41 < 6); api+products (0.5·D_t) fill
                    // oracle (3) then aws. Month 0: azure 5 / oracle 3 / aws 2.
                    // Months 6..11: all open, cheapest free is aws (azure
                    // dearer): azure stays 0.5·D_5, aws = D_t − 3 − 0.5·D_5
                    // (≤ 11.909 − 8.413 < 4).
                    for t in 0..12 {
                        let az = if t < 6 { 0.5 * d(t) } else { 0.5 * d5 };
                        ck.month(&recs, t, [az, 3.0, d(t) - 3.0 - az], 0.0);
                    }
                    ck.close("m0 training on azure", recs[0].class(TRAIN, AZ), 5.0);
                    ck.close("m0 api on oracle", recs[0].class(API, OR), 2.0);
                    ck.close("m0 products on oracle", recs[0].class(PROD, OR), 1.0);
                    ck.close("m0 products on aws", recs[0].class(PROD, AW), 2.0);
                }
                "in_order" => {
                    // Month 0: training 5 → azure (free 1 left); api 2 →
                    // azure 1 + oracle 1; products 3 → oracle 2 + aws 1.
                    // Afterwards azure and oracle are full, every new GW goes
                    // to aws (training's remainder too): aws = D_t − 9.
                    for t in 0..12 {
                        ck.month(&recs, t, [6.0, 3.0, d(t) - 9.0], 0.0);
                    }
                    ck.close("m0 training on azure", recs[0].class(TRAIN, AZ), 5.0);
                    ck.close("m0 api on azure", recs[0].class(API, AZ), 1.0);
                    ck.close("m0 api on oracle", recs[0].class(API, OR), 1.0);
                    ck.close("m0 products on oracle", recs[0].class(PROD, OR), 2.0);
                    ck.close("m0 products on aws", recs[0].class(PROD, AW), 1.0);
                }
                _ => {
                    // Month 0: training 5 → azure (free 6 → 1). api 2 ∝ free
                    // (1, 3, 4)/8 → 0.25, 0.75, 1; products 3 ∝ the same
                    // proportions → 0.375, 1.125, 1.5. Totals 5.625 / 1.875 /
                    // 2.5; free (0.375, 1.125, 1.5).
                    // Month 1: Δ = D_1 − 10, n = 0.5·Δ (training) → azure
                    // (n ≈ 0.080 < 0.375); free (0.375 − n, 1.125, 1.5), sum
                    // 3 − n; api then products (0.5·Δ in all) ∝ that free.
                    ck.month(&recs, 0, [5.625, 1.875, 2.5], 0.0);
                    ck.close("m0 training on azure", recs[0].class(TRAIN, AZ), 5.0);
                    ck.close("m0 api on azure", recs[0].class(API, AZ), 0.25);
                    ck.close("m0 api on oracle", recs[0].class(API, OR), 0.75);
                    ck.close("m0 products on aws", recs[0].class(PROD, AW), 1.5);
                    let delta = d(1) - 10.0;
                    let n = 0.5 * delta;
                    let f = [0.375 - n, 1.125, 1.5];
                    let m1 = [
                        5.625 + n + 0.5 * delta * f[0] / (3.0 - n),
                        1.875 + 0.5 * delta * f[1] / (3.0 - n),
                        2.5 + 0.5 * delta * f[2] / (3.0 - n),
                    ];
                    ck.month(&recs, 1, m1, 0.0);
                    ck.close("m1 training on azure", recs[1].class(TRAIN, AZ), 5.0 + n);
                    for (t, r) in recs.iter().enumerate().skip(2) {
                        ck.close(format!("month {t} unmet"), r.unmet, 0.0);
                    }
                }
            }
            ck.done();
        }
    }
}

/// The holder fills first up to its free capacity, the rest goes to the
/// others; no offer is made on existing capacity.
///
/// Demand 10 growing 21 %/yr, 3 months; azure 4 @12, oracle 3 @10, aws 4
/// @11; ROFR on training for azure, never ending, exercise 1; cheapest_first.
/// Month 0: training 5 → azure min(5, 4) = 4, rest 1 → oracle (cheapest);
/// api 2 → oracle 2 (full); products 3 → aws 3. Totals 4 / 3 / 3.
/// Months 1, 2: training's need 0.5·Δ finds azure full and goes to aws;
/// api/products → aws: aws = D_t − 7. No offers (no new capacity).
#[test]
fn rofr_holder_short_of_capacity_passes_the_rest_on() {
    let rest = format!(
        r#"{MONEY}
[[terms.rofr]]
holder = "azure"
workloads = ["training"]
exercise_probability = 1.0
"#
    );
    let text = scenario(
        "2025-03",
        "initial_gw = 10.0\ngrowth = 0.21",
        &providers(4.0, 3.0, 4.0),
        "cheapest_first",
        &rest,
    );
    let (out, recs) = run(&text);
    let mut ck = Check::new("rofr holder short");
    ck.invariants(&recs);
    let d = |t: usize| demand(10.0, 0.21, t);
    ck.month(&recs, 0, [4.0, 3.0, 3.0], 0.0);
    ck.close("m0 training on azure", recs[0].class(TRAIN, AZ), 4.0);
    ck.close("m0 training on oracle", recs[0].class(TRAIN, OR), 1.0);
    ck.close("m0 products on aws", recs[0].class(PROD, AW), 3.0);
    for t in 1..3 {
        ck.month(&recs, t, [4.0, 3.0, d(t) - 7.0], 0.0);
    }
    ck.close(
        "m2 training on aws",
        recs[2].class(TRAIN, AW),
        0.5 * d(2) - 5.0,
    );
    ck.close("m2 api on aws", recs[2].class(API, AW), 0.2 * d(2) - 2.0);
    ck.close("m2 products on aws", recs[2].class(PROD, AW), 0.3 * d(2));
    ck.eq("rofr_offers", out.rofr_offers, 0);
    ck.eq("rofr_declined", out.rofr_declined, 0);
    ck.done();
}

// ---------------------------------------------------------------------------
// Exclusivity, AGI (date mode), IP expiry, revenue share until AGI.
// ---------------------------------------------------------------------------

/// One AGI/IP case of `agi_exclusivity_ip_and_revenue_share`.
struct AgiCase {
    name: &'static str,
    year: f64,
    panel_months: f64,
    confirm: f64,
    retry: f64,
    ends_at_agi: bool,
    exclusivity_until: &'static str,
    // Expected:
    declared: Option<u32>,
    verified: Option<u32>,
    ip_expiry: Option<u32>,
    cause: ExpiryCause,
    /// First month the api exclusivity is inactive (24 = never in horizon).
    excl_end: usize,
    /// First month without revenue share.
    share_end: usize,
}

/// Demand 10 constant, 24 months (2025-01..2026-12); azure 1 @12, oracle 5
/// @10, aws 6 @11; api exclusive to azure until `exclusivity_until`;
/// cheapest_first; sunset 2026-01 (month 12); revenue share 25 % until
/// "agi_verified"; revenue 1 usd_bn per GW-month, no growth.
///
/// While api is exclusive: api 2 → azure 1, unmet 1 (never spills to aws,
/// which has 3 GW free); products 3 → oracle 3; training 5 → oracle 2 + aws
/// 3. Totals azure 1 / oracle 5 / aws 3, unmet 1 every month.
/// From the month exclusivity ends (that month included): api's need 1 is
/// open → oracle full → aws: aws 4, unmet 0.
/// Revenue_t = placed_t (9 or 10); share_t = 0.25·revenue_t before
/// `share_end`; NPV = Σ (0.5·1·12/12 + share_t)·1.1^(−t/12).
///
/// Date mode: 2025.5 → floor(0.5·12) = month 6 (2025-07); 2025.75 → month 9.
#[test]
fn agi_exclusivity_ip_and_revenue_share() {
    let cases = [
        // Verified 6 + 3 = 9 < sunset 12: IP ends with AGI in month 9.
        AgiCase {
            name: "confirm 1, panel 3",
            year: 2025.5,
            panel_months: 3.0,
            confirm: 1.0,
            retry: 2.0,
            ends_at_agi: true,
            exclusivity_until: "agi_verified",
            declared: Some(6),
            verified: Some(9),
            ip_expiry: Some(9),
            cause: ExpiryCause::Agi,
            excl_end: 9,
            share_end: 9,
        },
        // Reviews at 9, 14 (declared 11), 19 (declared 16), 24: all reject.
        AgiCase {
            name: "confirm 0",
            year: 2025.5,
            panel_months: 3.0,
            confirm: 0.0,
            retry: 2.0,
            ends_at_agi: true,
            exclusivity_until: "agi_verified",
            declared: Some(6),
            verified: None,
            ip_expiry: Some(12),
            cause: ExpiryCause::Sunset,
            excl_end: 24,
            share_end: 24,
        },
        // A panel time of 0 verifies in the month of declaration.
        AgiCase {
            name: "panel 0",
            year: 2025.5,
            panel_months: 0.0,
            confirm: 1.0,
            retry: 2.0,
            ends_at_agi: true,
            exclusivity_until: "agi_verified",
            declared: Some(6),
            verified: Some(6),
            ip_expiry: Some(6),
            cause: ExpiryCause::Agi,
            excl_end: 6,
            share_end: 6,
        },
        // round(2.5) = 3 (half away from zero): verified 9.
        AgiCase {
            name: "panel 2.5",
            year: 2025.5,
            panel_months: 2.5,
            confirm: 1.0,
            retry: 2.0,
            ends_at_agi: true,
            exclusivity_until: "agi_verified",
            declared: Some(6),
            verified: Some(9),
            ip_expiry: Some(9),
            cause: ExpiryCause::Agi,
            excl_end: 9,
            share_end: 9,
        },
        // Verified 9 + 3 = 12, the sunset month itself: cause is sunset.
        AgiCase {
            name: "verified in the sunset month",
            year: 2025.75,
            panel_months: 3.0,
            confirm: 1.0,
            retry: 2.0,
            ends_at_agi: true,
            exclusivity_until: "agi_verified",
            declared: Some(9),
            verified: Some(12),
            ip_expiry: Some(12),
            cause: ExpiryCause::Sunset,
            excl_end: 12,
            share_end: 12,
        },
        // AGI does not end IP rights: expiry = sunset 12; exclusivity ends at
        // ip_expiry (12) while the revenue share still ends at AGI (9).
        AgiCase {
            name: "ends_at_agi false, exclusivity until ip_expiry",
            year: 2025.5,
            panel_months: 3.0,
            confirm: 1.0,
            retry: 2.0,
            ends_at_agi: false,
            exclusivity_until: "ip_expiry",
            declared: Some(6),
            verified: Some(9),
            ip_expiry: Some(12),
            cause: ExpiryCause::Sunset,
            excl_end: 12,
            share_end: 9,
        },
        // Exclusivity until ip_expiry with AGI ending IP at 9.
        AgiCase {
            name: "exclusivity until ip_expiry = AGI",
            year: 2025.5,
            panel_months: 3.0,
            confirm: 1.0,
            retry: 2.0,
            ends_at_agi: true,
            exclusivity_until: "ip_expiry",
            declared: Some(6),
            verified: Some(9),
            ip_expiry: Some(9),
            cause: ExpiryCause::Agi,
            excl_end: 9,
            share_end: 9,
        },
    ];
    let mut fails = Vec::new();
    for case in &cases {
        let rest = format!(
            r#"{MONEY}
[[terms.exclusivity]]
provider = "azure"
workloads = ["api"]
until = "{until}"

[terms.ip]
sunset = "2026-01"
ends_at_agi = {ends}

[terms.revenue_share]
rate = 0.25
until = "agi_verified"

[agi]
mode = "date"
year = {year:?}

[agi.panel]
months = {pm:?}
confirm_probability = {cp:?}
retry_months = {rm:?}
"#,
            until = case.exclusivity_until,
            ends = case.ends_at_agi,
            year = case.year,
            pm = case.panel_months,
            cp = case.confirm,
            rm = case.retry,
        );
        let text = scenario(
            "2026-12",
            "initial_gw = 10.0\ngrowth = 0.0",
            &providers(1.0, 5.0, 6.0),
            "cheapest_first",
            &rest,
        );
        let (out, recs) = run(&text);
        let mut ck = Check::new(format!("agi/{}", case.name));
        ck.invariants(&recs);
        let (mut revenue, mut share, mut npv, mut unmet_gwy) = (0.0, 0.0, 0.0, 0.0);
        let mut aws_gwy = 0.0;
        let ip_end = case.ip_expiry.map_or(24, |m| m as usize);
        for t in 0..24 {
            let exclusive = t < case.excl_end;
            let unmet = if exclusive { 1.0 } else { 0.0 };
            let aws = if exclusive { 3.0 } else { 4.0 };
            ck.month(&recs, t, [1.0, 5.0, aws], unmet);
            ck.close(
                format!("month {t} api on azure"),
                recs[t].class(API, AZ),
                1.0,
            );
            ck.close(
                format!("month {t} api on aws"),
                recs[t].class(API, AW),
                1.0 - unmet,
            );
            ck.eq(
                format!("month {t} ip_active"),
                recs[t].ip_active,
                t < ip_end,
            );
            let verified_by = case.verified.is_some_and(|v| t >= v as usize);
            ck.eq(
                format!("month {t} agi_verified"),
                recs[t].agi_verified,
                verified_by,
            );
            let rev = (10.0 - unmet) * 12.0 / 12.0;
            let sh = if t < case.share_end { 0.25 * rev } else { 0.0 };
            revenue += rev;
            share += sh;
            npv += (0.5 * 1.0 * 12.0 / 12.0 + sh) * disc(0.1, t);
            unmet_gwy += unmet / 12.0;
            aws_gwy += aws / 12.0;
        }
        ck.eq("agi_declared", out.agi_declared, case.declared);
        ck.eq("agi_verified", out.agi_verified, case.verified);
        ck.eq("ip_expiry", out.ip_expiry, case.ip_expiry);
        ck.eq("ip_expiry_cause", out.ip_expiry_cause, Some(case.cause));
        ck.eq("ip_months", out.ip_months as usize, ip_end);
        ck.close("openai_revenue", out.openai_revenue_usd_bn, revenue);
        ck.close("revenue_share", out.revenue_share_usd_bn, share);
        ck.close("microsoft NPV", out.microsoft_value_npv_usd_bn, npv);
        ck.close("unmet_gw_years", out.unmet_gw_years, unmet_gwy);
        ck.close(
            "spend azure",
            out.spend_usd_bn[AZ],
            24.0 * 1.0 * 12.0 / 12.0,
        );
        ck.close(
            "spend oracle",
            out.spend_usd_bn[OR],
            24.0 * 5.0 * 10.0 / 12.0,
        );
        ck.close("spend aws", out.spend_usd_bn[AW], aws_gwy * 11.0);
        if !ck.fails.is_empty() {
            fails.push(format!("{}:\n  {}", ck.case, ck.fails.join("\n  ")));
        }
    }
    assert!(
        fails.is_empty(),
        "mismatches with docs/model.md:\n{}",
        fails.join("\n")
    );
}

// ---------------------------------------------------------------------------
// Revenue-share cap, NPV, IP beyond the horizon.
// ---------------------------------------------------------------------------

/// Demand 10 constant, 24 months, azure 6 @12 / oracle 3 @10 / aws 4 @11,
/// cheapest_first → every month azure 3, oracle 3, aws 4 (see
/// `policies_route_open_demand_month_by_month`, month 0).
/// Revenue 10·12/12 = 10 per month; share 25 % = 2.5 per month; cap 26:
/// months 0..9 pay 2.5 (cumulative 25), month 10 pays 1 (cut to land exactly
/// on 26), months 11.. pay 0. Total share 26, revenue 240.
/// Spend: azure 3·12/12·24 = 72, oracle 3·10/12·24 = 60, aws 4·11/12·24 = 88.
/// NPV = Σ_t (0.5·3 + share_t)·1.1^(−t/12).
/// Sunset 2030-01 is past the horizon end: beyond_horizon, no expiry date,
/// ip_months 24.
#[test]
fn revenue_share_cap_binds_mid_horizon_and_npv() {
    for (cap, policy) in [(26.0, "cheapest_first"), (26.0, "in_order")] {
        let rest = format!(
            r#"{MONEY}
[terms.ip]
sunset = "2030-01"

[terms.revenue_share]
rate = 0.25
until = "never"
cap_usd_bn = {cap:?}
"#
        );
        let text = scenario(
            "2026-12",
            "initial_gw = 10.0\ngrowth = 0.0",
            &providers(6.0, 3.0, 4.0),
            policy,
            &rest,
        );
        let (out, recs) = run(&text);
        let mut ck = Check::new(format!("cap/{policy}"));
        ck.invariants(&recs);
        // in_order: azure 6, oracle 3, aws 1 (month 0 derivation above).
        let placed = if policy == "in_order" {
            [6.0, 3.0, 1.0]
        } else {
            [3.0, 3.0, 4.0]
        };
        let mut npv = 0.0;
        for t in 0..24 {
            ck.month(&recs, t, placed, 0.0);
            let share = match t {
                0..=9 => 2.5,
                10 => 1.0,
                _ => 0.0,
            };
            npv += (0.5 * placed[AZ] * 12.0 / 12.0 + share) * disc(0.1, t);
        }
        ck.close("revenue_share (cap)", out.revenue_share_usd_bn, 26.0);
        ck.close("openai_revenue", out.openai_revenue_usd_bn, 240.0);
        ck.close("microsoft NPV", out.microsoft_value_npv_usd_bn, npv);
        for (p, price) in [12.0, 10.0, 11.0].iter().enumerate() {
            ck.close(
                format!("spend[{p}]"),
                out.spend_usd_bn[p],
                placed[p] * price / 12.0 * 24.0,
            );
            ck.close(format!("gw_years[{p}]"), out.gw_years[p], placed[p] * 2.0);
        }
        ck.close("azure_share_end", out.azure_share_end, placed[AZ] / 10.0);
        ck.close("unmet_share", out.unmet_share, 0.0);
        ck.eq(
            "cause",
            out.ip_expiry_cause,
            Some(ExpiryCause::BeyondHorizon),
        );
        ck.eq("ip_expiry", out.ip_expiry, None);
        ck.eq("ip_months", out.ip_months, 24);
        ck.done();
    }
}

// ---------------------------------------------------------------------------
// Release.
// ---------------------------------------------------------------------------

/// Demand 10 shrinking 50 %/yr (D_t = 10·q^t, q = 0.5^(1/12); D_12 = 5),
/// azure 6 @12 / oracle 3 @10 / aws 4 @11, cheapest_first, 24 months.
/// Month 0 (as in the policies test): api → oracle 2; products → oracle 1 +
/// aws 2; training → aws 2 + azure 3. Afterwards every class is above its
/// demand and shrinks pro rata across its providers; nothing is routed. So
/// every placed[c][p] = month-0 value · q^t: totals azure 3q^t, oracle 3q^t,
/// aws 4q^t (month 12: 1.5 / 1.5 / 2).
/// Spend_p = price_p/12 · placed_p(0) · Σ_{t<24} q^t = price_p/12 ·
/// placed_p(0) · (1 − q^24)/(1 − q), q^24 = 0.25.
#[test]
fn release_when_demand_falls_is_pro_rata() {
    let text = scenario(
        "2026-12",
        "initial_gw = 10.0\ngrowth = -0.5",
        &providers(6.0, 3.0, 4.0),
        "cheapest_first",
        MONEY,
    );
    let (out, recs) = run(&text);
    let mut ck = Check::new("release/demand falls");
    ck.invariants(&recs);
    let q = 0.5f64.powf(1.0 / 12.0);
    let m0 = [[0.0, 2.0, 0.0], [0.0, 1.0, 2.0], [3.0, 0.0, 2.0]];
    for t in 0..24 {
        let f = q.powi(t as i32);
        ck.close(format!("month {t} demand"), recs[t].demand, 10.0 * f);
        ck.month(&recs, t, [3.0 * f, 3.0 * f, 4.0 * f], 0.0);
        for (c, row) in m0.iter().enumerate() {
            for (p, &v) in row.iter().enumerate() {
                ck.close(
                    format!("month {t} class {c} on {p}"),
                    recs[t].class(c, p),
                    v * f,
                );
            }
        }
    }
    let sum = (1.0 - 0.25) / (1.0 - q);
    for (p, (price, p0)) in [(12.0, 3.0), (10.0, 3.0), (11.0, 4.0)].iter().enumerate() {
        ck.close(
            format!("spend[{p}]"),
            out.spend_usd_bn[p],
            price / 12.0 * p0 * sum,
        );
    }
    ck.close("revenue", out.openai_revenue_usd_bn, 10.0 * sum);
    ck.close("demand_gw_end", out.demand_gw_end, 10.0 * q.powi(23));
    ck.close("azure_share_end", out.azure_share_end, 0.3);
    ck.done();
}

/// A provider whose capacity shrinks sheds pro rata, and the shed demand is
/// routed again. Demand 10 constant; azure 8 GW shrinking 50 %/yr (K_t =
/// 8q^t) @12, oracle 3 @10, aws 4 @11; in_order; 24 months.
/// Month 0: api 2, products 3 → azure; training 5 → azure 3 + oracle 2.
/// Month t: azure sheds to 8q^t pro rata (api 2q^t, products 3q^t, training
/// 3q^t); the 8(1 − q^t) shed so far is routed in order to oracle (1 free)
/// then aws (4): oracle = min(3, 2 + 8(1 − q^t)), aws = min(4, max(0,
/// 8(1 − q^t) − 1)), unmet = max(0, 3 − 8q^t) (> 0 from month 17, q^17 ≈
/// 0.3746 < 3/8). Month 12: 4 / 3 / 3, unmet 0. Month 23: 8·0.5^(23/12) ≈
/// 2.119 / 3 / 4, unmet ≈ 0.881.
#[test]
fn release_when_capacity_shrinks_is_pro_rata() {
    let provs = providers(8.0, 3.0, 4.0).replacen(
        "initial_gw = 8.0\n",
        "initial_gw = 8.0\ngrowth = -0.5\n",
        1,
    );
    let text = scenario(
        "2026-12",
        "initial_gw = 10.0\ngrowth = 0.0",
        &provs,
        "in_order",
        MONEY,
    );
    let (out, recs) = run(&text);
    let mut ck = Check::new("release/capacity shrinks");
    ck.invariants(&recs);
    let q = 0.5f64.powf(1.0 / 12.0);
    let mut unmet_gwy = 0.0;
    for t in 0..24 {
        let f = q.powi(t as i32);
        ck.close(
            format!("month {t} azure capacity"),
            recs[t].capacity[AZ],
            8.0 * f,
        );
        let shed = 8.0 * (1.0 - f);
        let unmet = (3.0 - 8.0 * f).max(0.0);
        ck.month(
            &recs,
            t,
            [8.0 * f, (2.0 + shed).min(3.0), (shed - 1.0).clamp(0.0, 4.0)],
            unmet,
        );
        ck.close(
            format!("month {t} api on azure"),
            recs[t].class(API, AZ),
            2.0 * f,
        );
        ck.close(
            format!("month {t} products on azure"),
            recs[t].class(PROD, AZ),
            3.0 * f,
        );
        ck.close(
            format!("month {t} training on azure"),
            recs[t].class(TRAIN, AZ),
            3.0 * f,
        );
        unmet_gwy += unmet / 12.0;
    }
    ck.close("unmet_gw_years", out.unmet_gw_years, unmet_gwy);
    ck.close("unmet_share", out.unmet_share, unmet_gwy / 20.0);
    ck.done();
}

// ---------------------------------------------------------------------------
// Capacity: tranches, delays, max_gw.
// ---------------------------------------------------------------------------

/// Demand 20 constant (always above capacity, so placed = capacity), 24
/// months, cheapest_first.
/// - azure: 2 GW doubling each year, max_gw 3: organic min(3, 2·2^(t/12))
///   (capped from month 8: 2·2^(7/12) ≈ 2.997 < 3 ≤ 2·2^(8/12) ≈ 3.175);
///   tranche 1 GW online 2025-03, delay 0 → +1 from month 2, on top of the
///   cap (month 12: 3 + 1 = 4).
/// - oracle: 1 GW flat; tranche 2 GW online 2025-04 with delay 2.5 →
///   round(2.5) = 3 → month 3 + 3 = 6 (2025-07); tranche 5 GW with
///   probability 0 → never; tranche 0.5 GW online 2024-06 (before the start)
///   → counts from month 0. So 1.5 for months 0..5, 3.5 from month 6.
/// - aws: 1 GW flat; tranche 1 GW online 2025-02 with delay 1.49 → round =
///   1 → month 2.
#[test]
fn tranches_delays_and_max_gw() {
    let provs = r#"
[[providers]]
name = "azure"
initial_gw = 2.0
growth = 1.0
max_gw = 3.0
price = 12.0

[[providers.tranches]]
gw = 1.0
online = "2025-03"
delay_months = 0.0
probability = 1.0

[[providers]]
name = "oracle"
initial_gw = 1.0
price = 10.0

[[providers.tranches]]
gw = 2.0
online = "2025-04"
delay_months = 2.5
probability = 1.0

[[providers.tranches]]
gw = 5.0
online = "2025-02"
delay_months = 0.0
probability = 0.0

[[providers.tranches]]
gw = 0.5
online = "2024-06"
delay_months = 0.0
probability = 1.0

[[providers]]
name = "aws"
initial_gw = 1.0
price = 11.0

[[providers.tranches]]
gw = 1.0
online = "2025-02"
delay_months = 1.49
probability = 1.0
"#;
    let text = scenario(
        "2026-12",
        "initial_gw = 20.0\ngrowth = 0.0",
        provs,
        "cheapest_first",
        MONEY,
    );
    let (_, recs) = run(&text);
    let mut ck = Check::new("tranches");
    ck.invariants(&recs);
    for t in 0..24 {
        let organic = (2.0 * 2f64.powf(t as f64 / 12.0)).min(3.0);
        let az = organic + if t >= 2 { 1.0 } else { 0.0 };
        let or = 1.5 + if t >= 6 { 2.0 } else { 0.0 };
        let aw = 1.0 + if t >= 2 { 1.0 } else { 0.0 };
        for (p, k) in [az, or, aw].into_iter().enumerate() {
            ck.close(format!("month {t} capacity[{p}]"), recs[t].capacity[p], k);
        }
        ck.month(&recs, t, [az, or, aw], 20.0 - az - or - aw);
    }
    ck.close(
        "month 12 azure capacity = cap + tranche",
        recs[12].capacity[AZ],
        4.0,
    );
    ck.done();
}

// ---------------------------------------------------------------------------
// Demand growth halflife; compute-mode AGI.
// ---------------------------------------------------------------------------

/// Demand 10, growth 1.0 halving every year (halflife 1), volatility 0:
/// g_t = 1.0·2^(−y) with y = t/12, and D_t = D_{t−1}·exp(ln(1+g_t)/12) =
/// D_{t−1}·(1 + 2^(−t/12))^(1/12). Month 1: 10·(1 + 2^(−1/12))^(1/12) =
/// 10·1.943874^(1/12) ≈ 10.5697; each later month multiplies by its own
/// factor (month 12: (1.5)^(1/12)).
#[test]
fn demand_growth_halves_with_halflife() {
    let text = scenario(
        "2026-12",
        "initial_gw = 10.0\ngrowth = 1.0\ngrowth_halflife_years = 1.0",
        &providers(6.0, 3.0, 4.0),
        "cheapest_first",
        MONEY,
    );
    let (out, recs) = run(&text);
    let mut ck = Check::new("halflife");
    ck.invariants(&recs);
    let mut d = 10.0;
    ck.close("month 0 demand", recs[0].demand, 10.0);
    for (t, r) in recs.iter().enumerate().skip(1) {
        let g = 2f64.powf(-(t as f64) / 12.0);
        d *= (1.0 + g).powf(1.0 / 12.0);
        ck.close(format!("month {t} demand"), r.demand, d);
    }
    ck.close(
        "month 1 demand",
        recs[1].demand,
        10.0 * 1.943_874_313f64.powf(1.0 / 12.0),
    );
    ck.close("demand_gw_end", out.demand_gw_end, d);
    ck.done();
}

/// Compute mode: declared in the first month whose cumulative placed
/// GW-years up to the month before reach the threshold, compared as GW-months
/// against 12 × threshold with a 1e-9 relative tolerance.
/// Demand 0.2 GW, one cloud (azure) of 0.1 GW plus two empty ones: placed 0.1
/// every month (unmet 0.1 — placed, not demand, counts). Threshold 0.5
/// GW-years = 6 GW-months; cumulative through month m−1 = 0.1·m (in floating
/// point, sixty 0.1s sum to 5.999999999999…), so declared in month 60
/// (2030-01); panel 0, confirm 1 → verified 60; 72 months, no sunset.
#[test]
fn compute_mode_declares_when_cumulative_placed_reaches_threshold() {
    let rest = format!(
        r#"{MONEY}
[terms.ip]
sunset = "2040-01"

[agi]
mode = "compute"
threshold_gw_years = 0.5

[agi.panel]
months = 0.0
confirm_probability = 1.0
retry_months = 1.0
"#
    );
    let text = scenario(
        "2030-12",
        "initial_gw = 0.2\ngrowth = 0.0",
        &providers(0.1, 0.0, 0.0),
        "cheapest_first",
        &rest,
    );
    let (out, recs) = run(&text);
    let mut ck = Check::new("compute mode");
    ck.invariants(&recs);
    for t in [0, 1, 59, 60, 71] {
        ck.month(&recs, t, [0.1, 0.0, 0.0], 0.1);
        ck.eq(
            format!("month {t} agi_verified"),
            recs[t].agi_verified,
            t >= 60,
        );
    }
    ck.eq("agi_declared", out.agi_declared, Some(60));
    ck.eq("agi_verified", out.agi_verified, Some(60));
    ck.eq("ip cause", out.ip_expiry_cause, Some(ExpiryCause::Agi));
    ck.eq("ip_expiry", out.ip_expiry, Some(60));
    ck.done();
}

// ---------------------------------------------------------------------------
// Window precedence; share normalisation; date-mode month.
// ---------------------------------------------------------------------------

/// Shares given as 0.1 / 0.15 / 0.25 (sum 0.5; normalised: 0.2 / 0.3 /
/// 0.5 — a share must lie in [0, 1], so they cannot be given above 1). Demand 10
/// growing 21 %/yr, 6 months; azure 6 @12 / oracle 3 @10 / aws 4 @11;
/// cheapest_first. Terms, in file order:
///   exclusivity #0: oracle, api, from 2025-03 (month 2) until 2025-06 (5);
///   exclusivity #1: aws, api + products, always;
///   rofr #0: azure, no `workloads` (= every workload), exercise 1.
/// "The first matching window in file order decides", exclusive before rofr:
/// api is exclusive to oracle in months 2..4 and to aws otherwise; products
/// exclusive to aws; training (listed by no exclusivity window) is rofr.
/// Month 0: exclusive first: api 2 → aws 2; products 3 → aws 2 (full),
/// 1 unmet (never spills); rofr training 5 → azure 5. 5 / 0 / 4, unmet 1.
/// Month 1: api's new need and products' need are exclusive to the full
/// aws → unmet 0.5·D_1 − 4; training 0.5·Δ → azure: azure = 0.5·D_t.
/// Months 2..4: api's need 0.2·D_t − 2 → oracle; unmet = products' need
/// 0.3·D_t − 2. Month 5: api back on aws (full): its new need 0.2·(D_5 −
/// D_4) is unmet, oracle keeps 0.2·D_4 − 2; unmet = 0.2·(D_5 − D_4) +
/// 0.3·D_5 − 2. No new capacity, so no offers.
#[test]
fn window_precedence_and_share_normalisation() {
    let rest = format!(
        r#"{MONEY}
[[terms.exclusivity]]
provider = "oracle"
workloads = ["api"]
from = "2025-03"
until = "2025-06"

[[terms.exclusivity]]
provider = "aws"
workloads = ["api", "products"]

[[terms.rofr]]
holder = "azure"
exercise_probability = 1.0
"#
    );
    let text = scenario(
        "2025-06",
        "initial_gw = 10.0\ngrowth = 0.21",
        &providers(6.0, 3.0, 4.0),
        "cheapest_first",
        &rest,
    )
    .replace("share = 0.2", "share = 0.1")
    .replace("share = 0.3", "share = 0.15")
    .replace("share = 0.5", "share = 0.25");
    let (out, recs) = run(&text);
    let mut ck = Check::new("window precedence");
    ck.invariants(&recs);
    let d = |t: usize| demand(10.0, 0.21, t);
    for (c, s) in [0.2, 0.3, 0.5].into_iter().enumerate() {
        ck.close(
            format!("month 3 class {c} demand"),
            recs[3].class_demand[c],
            s * d(3),
        );
    }
    ck.month(&recs, 0, [5.0, 0.0, 4.0], 1.0);
    ck.month(&recs, 1, [0.5 * d(1), 0.0, 4.0], 0.5 * d(1) - 4.0);
    for t in 2..5 {
        ck.month(
            &recs,
            t,
            [0.5 * d(t), 0.2 * d(t) - 2.0, 4.0],
            0.3 * d(t) - 2.0,
        );
        ck.close(
            format!("month {t} api on oracle"),
            recs[t].class(API, OR),
            0.2 * d(t) - 2.0,
        );
    }
    ck.month(
        &recs,
        5,
        [0.5 * d(5), 0.2 * d(4) - 2.0, 4.0],
        0.2 * (d(5) - d(4)) + 0.3 * d(5) - 2.0,
    );
    ck.close("month 5 products on aws", recs[5].class(PROD, AW), 2.0);
    ck.close("month 5 products on oracle", recs[5].class(PROD, OR), 0.0);
    ck.eq("rofr_offers", out.rofr_offers, 0);
    ck.eq("rofr_declined", out.rofr_declined, 0);
    ck.done();
}

/// `date` mode month = floor((year − start as decimal year)·12) with a tiny
/// tolerance. Start 2025-03 (decimal 2025 + 2/12, inexact in binary):
///   2031.5 → (6.5 − 2/12)·12 = 76 (2031-07), which plain floating point
///   puts at 75.999…; 2026.0 → 10 (2026-01); 2025.0 (before the start) →
///   the first month, 0. Panel 0, confirm 1 → verified the same month.
#[test]
fn date_mode_month_of_a_decimal_year() {
    for (year, month) in [(2031.5, 76u32), (2026.0, 10), (2025.0, 0), (2025.2, 0)] {
        let rest = format!(
            r#"{MONEY}
[agi]
mode = "date"
year = {year:?}

[agi.panel]
months = 0.0
confirm_probability = 1.0
retry_months = 1.0
"#
        );
        let text = scenario(
            "2035-12",
            "initial_gw = 10.0\ngrowth = 0.0",
            &providers(6.0, 3.0, 4.0),
            "cheapest_first",
            &rest,
        )
        .replace("start = \"2025-01\"", "start = \"2025-03\"");
        let (out, _) = run(&text);
        let mut ck = Check::new(format!("date mode year {year}"));
        ck.eq("agi_declared", out.agi_declared, Some(month));
        ck.eq("agi_verified", out.agi_verified, Some(month));
        ck.done();
    }
}

/// Edge readings: `microsoft.provider` defaults to the provider named
/// `azure` (here the second one), and `azure_share_end` is 0 when nothing is
/// placed in the last month.
/// Providers oracle 2 @10 and azure 1 @12 (constant); demand
/// 10 constant over 3 months, cheapest_first: oracle 2, azure 1, unmet 7.
/// Microsoft value per month = 0.5·(1·12/12) = 0.5, NPV = 0.5·(1 +
/// 1.1^(−1/12) + 1.1^(−2/12)); azure_share = 1/3.
/// Second run: both capacities 0 → nothing placed, azure_share_end 0,
/// unmet_share 1.
#[test]
fn microsoft_provider_default_and_empty_share() {
    let provs = |oracle: f64, azure: f64| {
        format!(
            r#"
[[providers]]
name = "oracle"
initial_gw = {oracle:?}
price = 10.0

[[providers]]
name = "azure"
initial_gw = {azure:?}
price = 12.0
"#
        )
    };
    let money = MONEY.replace("provider = \"azure\"\n", "");
    let text = scenario(
        "2025-03",
        "initial_gw = 10.0\ngrowth = 0.0",
        &provs(2.0, 1.0),
        "cheapest_first",
        &money,
    );
    let (out, recs) = run(&text);
    let mut ck = Check::new("microsoft default");
    let npv = 0.5 * (1.0 + disc(0.1, 1) + disc(0.1, 2));
    ck.close("microsoft NPV", out.microsoft_value_npv_usd_bn, npv);
    ck.close("azure_share_end", out.azure_share_end, 1.0 / 3.0);
    ck.close("month 1 azure_share", recs[1].azure_share, 1.0 / 3.0);
    ck.close("unmet_share", out.unmet_share, 0.7);
    ck.done();

    let text = scenario(
        "2025-03",
        "initial_gw = 10.0\ngrowth = 0.0",
        &provs(0.0, 0.0),
        "cheapest_first",
        &money,
    );
    let (out, recs) = run(&text);
    let mut ck = Check::new("nothing placed");
    ck.close("azure_share_end", out.azure_share_end, 0.0);
    ck.close("month 2 azure_share", recs[2].azure_share, 0.0);
    ck.close("unmet_share", out.unmet_share, 1.0);
    ck.close("microsoft NPV", out.microsoft_value_npv_usd_bn, 0.0);
    ck.done();
}

// ---------------------------------------------------------------------------
// New capacity (month step 6), the ROFR on it, and the demand ceiling.
// ---------------------------------------------------------------------------

/// `providers(2, 2, 2)` with `extra` added to each provider in order.
fn providers_with(azure: &str, oracle: &str, aws: &str) -> String {
    providers(2.0, 2.0, 2.0)
        .replacen("price = 12.0", &format!("price = 12.0\n{azure}"), 1)
        .replacen("price = 10.0", &format!("price = 10.0\n{oracle}"), 1)
        .replacen("price = 11.0", &format!("price = 11.0\n{aws}"), 1)
}

/// Demand 10 constant; azure 2 @12, oracle 2 @10, aws 2 @11 (6 GW);
/// cheapest_first (oracle, aws, azure); new capacity with lead 3 months,
/// coverage 1, no build limits; no terms; 6 months.
///
/// Month 0: api 2 → oracle 2; products 3 → aws 2 + azure 1; training 5 →
/// azure 1, unmet 4 (u = 0, 0, 4). Shortfall 4 − 0 = 4 → training's part 4
/// goes to the cheapest with headroom: oracle signs 4, online from month 3.
/// Months 1, 2: unmet 4, pipeline 4 → nothing more is signed. Month 3:
/// oracle 2 + 4 = 6 GW; training's need 4 → oracle. Unmet GW-years =
/// 4 · 3 / 12 = 1 (the closed form X·L/12); 3 months with a shortfall.
#[test]
fn new_capacity_is_signed_for_the_shortfall_and_online_after_the_lead_time() {
    let rest = format!("{MONEY}\n[new_capacity]\nlead_time_months = 3\n");
    let text = scenario(
        "2025-06",
        "initial_gw = 10.0\ngrowth = 0.0",
        &providers(2.0, 2.0, 2.0),
        "cheapest_first",
        &rest,
    );
    let (out, recs) = run(&text);
    let mut ck = Check::new("new capacity");
    ck.invariants(&recs);
    for t in 0..3 {
        ck.month(&recs, t, [2.0, 2.0, 2.0], 4.0);
        ck.close(
            format!("month {t} oracle capacity"),
            recs[t].capacity[OR],
            2.0,
        );
    }
    for t in 3..6 {
        ck.month(&recs, t, [2.0, 6.0, 2.0], 0.0);
        ck.close(
            format!("month {t} oracle capacity"),
            recs[t].capacity[OR],
            6.0,
        );
        ck.close(
            format!("month {t} training on oracle"),
            recs[t].class(TRAIN, OR),
            4.0,
        );
    }
    for (t, r) in recs.iter().enumerate() {
        ck.close(format!("month {t} signed oracle"), r.signed[OR], 4.0);
        ck.close(format!("month {t} signed azure"), r.signed[AZ], 0.0);
    }
    ck.close("unmet_gw_years", out.unmet_gw_years, 1.0);
    ck.eq("shortfall_months", out.shortfall_months, 3);
    ck.close("signed_gw oracle", out.signed_gw[OR], 4.0);
    ck.close("signed_gw aws", out.signed_gw[AW], 0.0);
    ck.eq("rofr_offers", out.rofr_offers, 0);
    ck.done();
}

/// The setting of the test above, with a ROFR over every class held by
/// azure, exercise probability 1 or 0.
///
/// Existing capacity, month 0, classes in file order (all ROFR): api 2 →
/// azure 2 (the holder first, even with exercise 0: priority over
/// capacity that exists is always used); products 3 → azure full → the
/// others, cheapest: oracle 2, aws 1; training 5 → aws 1, unmet 4.
/// New capacity: training's part 4 is offered to azure (one offer).
/// Exercised: azure signs 4; from month 3 azure has 6 GW and training's 4
/// goes to it (the holder first). Declined: the others sign it, cheapest
/// first: oracle 4; from month 3 training's 4 finds azure full and goes to
/// oracle. Either way unmet GW-years = 1 and one offer.
#[test]
fn a_new_capacity_offer_exercised_and_declined() {
    for exercise in [1.0, 0.0] {
        let rest = format!(
            "{MONEY}\n[new_capacity]\nlead_time_months = 3\n\n[[terms.rofr]]\nholder = \"azure\"\nexercise_probability = {exercise:?}\n"
        );
        let text = scenario(
            "2025-06",
            "initial_gw = 10.0\ngrowth = 0.0",
            &providers(2.0, 2.0, 2.0),
            "cheapest_first",
            &rest,
        );
        let (out, recs) = run(&text);
        let mut ck = Check::new(format!("offer, exercise {exercise}"));
        ck.invariants(&recs);
        ck.close("m0 api on azure", recs[0].class(API, AZ), 2.0);
        ck.close("m0 products on oracle", recs[0].class(PROD, OR), 2.0);
        ck.close("m0 products on aws", recs[0].class(PROD, AW), 1.0);
        ck.close("m0 training on aws", recs[0].class(TRAIN, AW), 1.0);
        for t in 0..3 {
            ck.month(&recs, t, [2.0, 2.0, 2.0], 4.0);
        }
        let exercised = exercise == 1.0;
        let (holder, other) = if exercised { (AZ, OR) } else { (OR, AZ) };
        for t in 3..6 {
            let placed = if exercised {
                [6.0, 2.0, 2.0]
            } else {
                [2.0, 6.0, 2.0]
            };
            ck.month(&recs, t, placed, 0.0);
            ck.close(
                format!("month {t} training on the signer"),
                recs[t].class(TRAIN, holder),
                4.0,
            );
        }
        ck.close("signed by the signer", out.signed_gw[holder], 4.0);
        ck.close("signed by the other", out.signed_gw[other], 0.0);
        ck.close("unmet_gw_years", out.unmet_gw_years, 1.0);
        ck.eq("rofr_offers", out.rofr_offers, 1);
        ck.eq(
            "rofr_declined",
            out.rofr_declined,
            if exercised { 0 } else { 1 },
        );
        ck.done();
    }
}

/// Build limits split a contract over providers and over months. Demand 10
/// constant, 6 GW as above, lead 3, no terms.
///
/// cheapest_first, limits oracle 12/yr (1 a month), aws 24/yr (2), azure
/// unlimited: month 0's 4 GW → oracle 1, aws 2, azure 1; from month 3 every
/// class is served (oracle 3, aws 4, azure 3 GW).
/// pro_rata with the same limits: azure alone is unlimited, so it signs all
/// 4 (the limit of a split in proportion to headroom).
/// cheapest_first with oracle 12/yr, aws 12/yr, azure 0: 2 GW a month can
/// be signed. Month 0 signs 2 (pipeline 2), month 1 signs 2 more (shortfall
/// 4 − 2), month 2 nothing (4 − 4); month 3 the first 2 come online (unmet
/// 2, pipeline 2: nothing), month 4 the rest. Unmet GW-years = (4 + 4 + 4 +
/// 2) / 12.
#[test]
fn build_limits_split_a_contract_over_providers_and_months() {
    let limits = |az: &str, or: &str, aw: &str| {
        providers_with(
            &format!("max_new_gw_per_year = {az}"),
            &format!("max_new_gw_per_year = {or}"),
            &format!("max_new_gw_per_year = {aw}"),
        )
    };
    let unlimited_azure =
        providers_with("", "max_new_gw_per_year = 12", "max_new_gw_per_year = 24");
    let rest = format!("{MONEY}\n[new_capacity]\nlead_time_months = 3\n");
    for (policy, provs, signed, unmet) in [
        (
            "cheapest_first",
            unlimited_azure.clone(),
            [1.0, 1.0, 2.0],
            [4.0, 4.0, 4.0, 0.0, 0.0, 0.0],
        ),
        (
            "pro_rata",
            unlimited_azure,
            [4.0, 0.0, 0.0],
            [4.0, 4.0, 4.0, 0.0, 0.0, 0.0],
        ),
        (
            "cheapest_first",
            limits("0", "12", "12"),
            [0.0, 2.0, 2.0],
            [4.0, 4.0, 4.0, 2.0, 0.0, 0.0],
        ),
    ] {
        let text = scenario(
            "2025-06",
            "initial_gw = 10.0\ngrowth = 0.0",
            &provs,
            policy,
            &rest,
        );
        let (out, recs) = run(&text);
        let mut ck = Check::new(format!("build limits/{policy}/{signed:?}"));
        ck.invariants(&recs);
        for (t, &u) in unmet.iter().enumerate() {
            ck.close(format!("month {t} unmet"), recs[t].unmet, u);
        }
        for (p, &x) in signed.iter().enumerate() {
            ck.close(format!("signed_gw {p}"), out.signed_gw[p], x);
            ck.close(
                format!("month 5 capacity {p}"),
                recs[5].capacity[p],
                2.0 + x,
            );
        }
        ck.close(
            "unmet_gw_years",
            out.unmet_gw_years,
            unmet.iter().sum::<f64>() / 12.0,
        );
        ck.done();
    }
}

/// An exclusive class's part of the contract is signed by its provider
/// only: what that provider cannot build is not signed at all.
///
/// api exclusive to oracle, which has 1 GW and builds nothing new
/// (max_new_gw_per_year = 0); azure 2, aws 2; cheapest_first; lead 12 (no
/// arrival within the 4 months). Each month: api 2 → oracle 1, unmet 1
/// (never spills); products 3 → aws 2 + azure 1; training 5 → azure 1,
/// unmet 4: U = 5, u = (1, 0, 4).
/// Month m signs κ·(5 − Q) split 1 : 4: api's fifth goes nowhere, training's
/// four fifths to the cheapest with headroom, aws. Q: 4, 4.8, 4.96, 4.992.
#[test]
fn an_exclusive_shortfall_is_not_signed_elsewhere() {
    let rest = format!(
        "{MONEY}\n[new_capacity]\nlead_time_months = 12\n\n[[terms.exclusivity]]\nprovider = \"oracle\"\nworkloads = [\"api\"]\n"
    );
    let provs = providers(2.0, 1.0, 2.0).replacen(
        "price = 10.0",
        "price = 10.0\nmax_new_gw_per_year = 0.0",
        1,
    );
    let text = scenario(
        "2025-04",
        "initial_gw = 10.0\ngrowth = 0.0",
        &provs,
        "cheapest_first",
        &rest,
    );
    let (out, recs) = run(&text);
    let mut ck = Check::new("exclusive shortfall");
    ck.invariants(&recs);
    let mut pipeline = 0.0;
    for (t, r) in recs.iter().enumerate() {
        ck.month(&recs, t, [2.0, 1.0, 2.0], 5.0);
        ck.close(format!("month {t} api on oracle"), r.class(API, OR), 1.0);
        pipeline += 0.8 * (5.0 - pipeline);
        ck.close(format!("month {t} signed aws"), r.signed[AW], pipeline);
        ck.close(format!("month {t} signed oracle"), r.signed[OR], 0.0);
        ck.close(format!("month {t} signed azure"), r.signed[AZ], 0.0);
    }
    ck.close("signed_gw aws", out.signed_gw[AW], 4.992);
    ck.done();
}

/// The demand ceiling C: D_0 = min(C, initial); then growth is scaled by
/// (1 − D/C) and D never exceeds C.
///
/// initial 10, growth 100 %/yr, C 12, volatility 0: D_t = D_{t−1} ·
/// exp(ln 2 · (1 − D_{t−1}/12) / 12), computed here month by month; it
/// approaches 12 from below. initial 15 above C 12: D_0 = 12, and D stays 12
/// (the drift is 0 at the ceiling). Capacity is ample (30 GW): all placed.
#[test]
fn the_demand_ceiling_slows_growth_and_binds() {
    for (initial, start) in [(10.0, 10.0), (15.0, 12.0)] {
        let text = scenario(
            "2026-12",
            &format!("initial_gw = {initial:?}\ngrowth = 1.0\nceiling_gw = 12.0"),
            &providers(10.0, 10.0, 10.0),
            "cheapest_first",
            MONEY,
        );
        let (out, recs) = run(&text);
        let mut ck = Check::new(format!("ceiling, initial {initial}"));
        ck.invariants(&recs);
        let mut d: f64 = start;
        for (t, r) in recs.iter().enumerate() {
            if t > 0 {
                d *= (2f64.ln() * (1.0 - d / 12.0) / 12.0).exp();
            }
            ck.close(format!("month {t} demand"), r.demand, d);
            if r.demand > 12.0 {
                ck.fails
                    .push(format!("month {t}: demand {} above the ceiling", r.demand));
            }
            ck.close(format!("month {t} unmet"), r.unmet, 0.0);
        }
        ck.close("demand_gw_end", out.demand_gw_end, d);
        if initial < 12.0 {
            // Growing towards the ceiling at a slowing rate, as the
            // logistic curve 12 / (1 + 0.2 · e^(−2 ln 2)) = 11.43 after two
            // years: the engine's end demand, not only the recursion above.
            let end = out.demand_gw_end;
            ck.eq(
                "near but below the ceiling at the end",
                end > 11.0 && end < 12.0,
                true,
            );
        }
        ck.done();
    }
}

// ---------------------------------------------------------------------------
// A ROFR can cost its holder: three counterexamples, shrunk by hand from
// what a search over random scenarios found (docs/model.md, "What the ROFR
// is worth to its holder"). Each runs the scenario with and without the
// holder's window (exercise probability 1) and checks the months by hand.
// ---------------------------------------------------------------------------

/// `text` with its workloads api and products half of demand each, and
/// training none.
fn api_and_products_half_each(text: &str) -> String {
    text.replace("share = 0.2", "share = 0.5")
        .replace("share = 0.3", "share = 0.5")
        .replace(
            "name = \"training\"\nshare = 0.5",
            "name = \"training\"\nshare = 0.0",
        )
}

/// Placed GW per provider, month by month, of `text` with and without the
/// `[[terms.rofr]]` block `window` (given verbatim in `text`).
fn with_and_without(text: &str, window: &str) -> (Vec<Rec>, Vec<Rec>) {
    assert!(text.contains(window), "the window is in the scenario");
    let (_, with) = run(text);
    let (_, without) = run(&text.replace(window, ""));
    (with, without)
}

/// Demand falls. api and products 0.5 each of D_0 = 10, D_1 = 6; azure 4
/// @12 holds a ROFR on api; oracle 4 @10; cheapest_first; no other term.
///
/// With the ROFR, month 0: api 5 → azure 4 (the holder first) + oracle 1;
/// products 5 → oracle 3, unmet 2. Month 1: api's 5 placed shrink to its
/// demand 3, pro rata: azure 2.4, oracle 0.6; products' 3 placed fit its
/// demand 3 and stay. Azure: 4, then 2.4.
/// Without it, month 0: api 5 → oracle 4 + azure 1; products 5 → azure 3,
/// unmet 2. Month 1: api shrinks to 3 (oracle 2.4, azure 0.6); products
/// stays (azure 3). Azure: 4, then 3.6.
/// The ROFR put the holder's capacity under the class whose demand fell;
/// without it, the holder held a class short of capacity, which kept it.
#[test]
fn a_rofr_can_cost_its_holder_when_demand_falls() {
    let window =
        "\n[[terms.rofr]]\nholder = \"azure\"\nworkloads = [\"api\"]\nexercise_probability = 1.0\n";
    let growth = 0.6f64.powi(12) - 1.0; // D_1 = D_0 · 0.6
    let text = scenario(
        "2025-02",
        &format!("initial_gw = 10.0\ngrowth = {growth:?}"),
        &providers(4.0, 4.0, 0.0),
        "cheapest_first",
        &format!("{MONEY}{window}"),
    );
    let text = api_and_products_half_each(&text);
    let (with, without) = with_and_without(&text, window);
    let mut ck = Check::new("rofr costs its holder: demand falls");
    ck.invariants(&with);
    ck.invariants(&without);
    ck.close("D_1", with[1].demand, 6.0);
    ck.month(&with, 0, [4.0, 4.0, 0.0], 2.0);
    ck.month(&with, 1, [2.4, 3.6, 0.0], 0.0);
    ck.month(&without, 0, [4.0, 4.0, 0.0], 2.0);
    ck.month(&without, 1, [3.6, 2.4, 0.0], 0.0);
    ck.close("with: api on azure, month 1", with[1].class(API, AZ), 2.4);
    ck.close(
        "without: products on azure, month 1",
        without[1].class(PROD, AZ),
        3.0,
    );
    ck.done();
}

/// Another term. api and products 0.5 each of a constant 4 GW; azure, the
/// products holder, has no capacity in month 0 and a 2 GW tranche from
/// month 1; oracle 2; api becomes exclusive to oracle from month 1;
/// equal prices, so cheapest_first walks azure, oracle.
///
/// With the ROFR, month 0: products, served first as a ROFR class, finds
/// azure empty and takes oracle's 2; api finds nothing: unmet 2. Month 1:
/// api is exclusive to the full oracle (unmet 2); products needs nothing.
/// Azure's 2 GW stay idle.
/// Without it, month 0: api (first in file order) takes oracle's 2;
/// products is unmet. Month 1: products' 2 go to azure's new tranche.
#[test]
fn a_rofr_can_cost_its_holder_through_another_term() {
    let window = "\n[[terms.rofr]]\nholder = \"azure\"\nworkloads = [\"products\"]\nexercise_probability = 1.0\n";
    let exclusive = "\n[[terms.exclusivity]]\nprovider = \"oracle\"\nworkloads = [\"api\"]\nfrom = \"2025-02\"\n";
    let provs = providers(0.0, 2.0, 0.0).replace(
        "price = 12.0",
        "price = 10.0\n[[providers.tranches]]\ngw = 2.0\nonline = \"2025-02\"",
    );
    let text = scenario(
        "2025-02",
        "initial_gw = 4.0\ngrowth = 0.0",
        &provs,
        "cheapest_first",
        &format!("{MONEY}{exclusive}{window}"),
    );
    let text = api_and_products_half_each(&text);
    let (with, without) = with_and_without(&text, window);
    let mut ck = Check::new("rofr costs its holder: another term");
    ck.invariants(&with);
    ck.invariants(&without);
    ck.month(&with, 0, [0.0, 2.0, 0.0], 2.0);
    ck.month(&with, 1, [0.0, 2.0, 0.0], 2.0);
    ck.close("with: products on oracle", with[0].class(PROD, OR), 2.0);
    ck.month(&without, 0, [0.0, 2.0, 0.0], 2.0);
    ck.month(&without, 1, [2.0, 2.0, 0.0], 0.0);
    ck.close("without: api on oracle", without[0].class(API, OR), 2.0);
    ck.done();
}

/// Another holder. One class of D_0 = 8 growing 21 %/yr; azure 4 with a
/// 4 GW tranche from month 1, oracle 2, aws 4, equal prices (the walk is
/// azure, oracle, aws); azure holds a ROFR in month 0 only, aws one always
/// (the first active window decides).
///
/// With azure's window, month 0: azure 4 (first), then oracle 2, aws 2.
/// Month 1, under aws's window: the new need Δ = D_1 − 8 goes to aws's free
/// 2. Azure: 4, 4.
/// Without it, month 0 is under aws's window: aws 4, then azure 4. Month 1:
/// aws is full, so Δ goes down the walk to azure's new tranche. Azure: 4,
/// 4 + Δ. Azure's priority in month 0 changed which provider was full when
/// demand grew.
#[test]
fn a_rofr_can_cost_its_holder_through_another_holder() {
    let window =
        "\n[[terms.rofr]]\nholder = \"azure\"\nuntil = \"2025-02\"\nexercise_probability = 1.0\n";
    let other = "\n[[terms.rofr]]\nholder = \"aws\"\nexercise_probability = 1.0\n";
    let provs = providers(4.0, 2.0, 4.0)
        .replace(
            "price = 12.0",
            "price = 10.0\n[[providers.tranches]]\ngw = 4.0\nonline = \"2025-02\"",
        )
        .replace("price = 11.0", "price = 10.0");
    let text = scenario(
        "2025-02",
        "initial_gw = 8.0\ngrowth = 0.21",
        &provs,
        "cheapest_first",
        &format!("{MONEY}{window}{other}"),
    )
    .replace("share = 0.2", "share = 1.0")
    .replace("share = 0.3", "share = 0.0")
    .replace(
        "name = \"training\"\nshare = 0.5",
        "name = \"training\"\nshare = 0.0",
    );
    let (with, without) = with_and_without(&text, window);
    let mut ck = Check::new("rofr costs its holder: another holder");
    ck.invariants(&with);
    ck.invariants(&without);
    let delta = demand(8.0, 0.21, 1) - 8.0;
    ck.month(&with, 0, [4.0, 2.0, 2.0], 0.0);
    ck.month(&with, 1, [4.0, 2.0, 2.0 + delta], 0.0);
    ck.month(&without, 0, [4.0, 0.0, 4.0], 0.0);
    ck.month(&without, 1, [4.0 + delta, 0.0, 4.0], 0.0);
    ck.done();
}
