//! One trial, month by month (MODEL.md, "One month of one trial").
//!
//! [`Model`] is a scenario compiled for the loop: stream names hashed, term
//! windows resolved to month indices, buffers sized. [`Model::run_trial`]
//! samples the trial's inputs, then steps through the horizon: AGI and the
//! terms hanging on it, capacity, demand, release, routing, money.

mod agi;
mod routing;

use rand::RngExt;
use rand_distr::{Distribution, StandardNormal};

use crate::rng::{self, Stream, StreamName};
use crate::scenario::{InputId, Scenario, Uncertain, Until};

pub use agi::AgiOutcome;

/// Why Microsoft's IP rights ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExpiryCause {
    /// Verified AGI ended them before the sunset.
    Agi,
    /// The sunset came first (or in the same month).
    Sunset,
    /// They outlast the horizon.
    BeyondHorizon,
}

impl ExpiryCause {
    /// The label used in `trials.csv`.
    pub fn label(self) -> &'static str {
        match self {
            ExpiryCause::Agi => "agi",
            ExpiryCause::Sunset => "sunset",
            ExpiryCause::BeyondHorizon => "beyond_horizon",
        }
    }
}

/// What one trial produced (one row of `trials.csv`, inputs aside).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Outcome {
    /// Month index of the first AGI declaration, if within the horizon.
    pub agi_declared: Option<u32>,
    /// Month index of verification, if within the horizon.
    pub agi_verified: Option<u32>,
    /// Month index from which IP rights no longer apply, if within the horizon.
    pub ip_expiry: Option<u32>,
    /// Why they ended.
    pub ip_expiry_cause: Option<ExpiryCause>,
    /// Months of the horizon with IP rights active.
    pub ip_months: u32,
    /// Demand in the last month, GW.
    pub demand_gw_end: f64,
    /// Share of placed GW on Microsoft's cloud in the last month.
    pub azure_share_end: f64,
    /// Unmet GW-years ÷ demand GW-years.
    pub unmet_share: f64,
    /// Placed GW-years per provider.
    pub gw_years: Vec<f64>,
    /// Unmet GW-years.
    pub unmet_gw_years: f64,
    /// OpenAI's spend per provider, usd_bn.
    pub spend_usd_bn: Vec<f64>,
    /// OpenAI revenue, usd_bn.
    pub openai_revenue_usd_bn: f64,
    /// Revenue share paid to Microsoft, usd_bn.
    pub revenue_share_usd_bn: f64,
    /// NPV of Microsoft's value, usd_bn.
    pub microsoft_value_npv_usd_bn: f64,
    /// ROFR offers made.
    pub rofr_offers: u32,
    /// ROFR offers declined.
    pub rofr_declined: u32,
}

/// The state of one month, handed to an [`Observer`] (time series, paths).
#[derive(Debug)]
pub struct MonthState<'a> {
    /// Month index from the start.
    pub month: usize,
    /// Demand D_t, GW.
    pub demand_gw: f64,
    /// Capacity per provider, GW.
    pub capacity_gw: &'a [f64],
    /// Placed GW per provider after routing.
    pub placed_gw: &'a [f64],
    /// Demand per workload class, GW (`share_c · D_t`).
    pub class_demand_gw: &'a [f64],
    /// Placed GW per class and provider, `[class * providers + provider]`.
    pub placed_by_class_gw: &'a [f64],
    /// Demand that found no capacity this month, GW.
    pub unmet_gw: f64,
    /// Share of placed GW on Microsoft's cloud (0 when nothing is placed).
    pub azure_share: f64,
    /// IP rights active this month.
    pub ip_active: bool,
    /// Some ROFR window active this month.
    pub rofr_active: bool,
    /// AGI verified in or before this month.
    pub agi_verified: bool,
}

/// Receives every month of a trial.
pub trait Observer {
    /// Called once per month, in order.
    fn month(&mut self, state: &MonthState<'_>);
}

/// An observer that ignores everything.
pub struct NoObserver;

impl Observer for NoObserver {
    fn month(&mut self, _: &MonthState<'_>) {}
}

/// A term window resolved to month indices: active in month m when
/// `from <= m` and m is before its end.
#[derive(Debug, Clone, Copy)]
struct Window {
    from: i64,
    until: End,
}

/// `Until` with its month resolved to an index, so the month loop compares
/// integers only.
#[derive(Debug, Clone, Copy)]
enum End {
    Month(i64),
    Never,
    AgiVerified,
    IpExpiry,
}

impl Window {
    fn new(from: i64, until: Until, start: crate::month::Month) -> Window {
        let until = match until {
            Until::Month(u) => End::Month(i64::from(u.since(start))),
            Until::Never => End::Never,
            Until::AgiVerified => End::AgiVerified,
            Until::IpExpiry => End::IpExpiry,
        };
        Window { from, until }
    }

    /// Whether the window is active in month `m`, given the months AGI was
    /// verified and IP rights expire (if known by then).
    #[inline]
    fn active(&self, m: i64, verified: Option<i64>, ip_expiry: Option<i64>) -> bool {
        self.from <= m
            && match self.until {
                End::Month(u) => m < u,
                End::Never => true,
                End::AgiVerified => verified.is_none_or(|v| m < v),
                End::IpExpiry => ip_expiry.is_none_or(|e| m < e),
            }
    }
}

/// How a class is routed in a month.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Route {
    /// Only this provider may serve it.
    Exclusive(usize),
    /// Offered first to the holder of this ROFR window.
    Rofr(usize),
    /// Any provider under the policy.
    Open,
}

impl Route {
    /// Serving order: exclusive, then ROFR, then open.
    fn pass(self) -> u8 {
        match self {
            Route::Exclusive(_) => 0,
            Route::Rofr(_) => 1,
            Route::Open => 2,
        }
    }
}

/// A scenario compiled for the per-month loop.
pub struct Model<'s> {
    /// The scenario it was compiled from.
    pub scenario: &'s Scenario,
    months: usize,
    input_streams: Vec<StreamName>,
    tranche_streams: Vec<Vec<StreamName>>,
    exclusivity: Vec<(Window, usize, Vec<bool>)>,
    rofr: Vec<(Window, usize, InputId, Vec<bool>)>,
    sunset: Option<i64>,
    shocks: StreamName,
    offers: StreamName,
    agi_stream: StreamName,
    panel_stream: StreamName,
}

/// Reusable per-thread buffers, so the month loop does not allocate.
#[derive(Debug, Default)]
pub struct Scratch {
    values: Vec<f64>,
    placed: Vec<f64>,
    capacity: Vec<f64>,
    placed_by_provider: Vec<f64>,
    free: Vec<f64>,
    order: Vec<usize>,
    class_demand: Vec<f64>,
    shares: Vec<f64>,
    organic: Vec<f64>,
    organic_step: Vec<f64>,
    tranche_online: Vec<(usize, i64, f64)>,
    offer_draws: Vec<f64>,
    prices: Vec<f64>,
    max_gw: Vec<f64>,
    exercise: Vec<f64>,
    routes: Vec<Route>,
}

impl Scratch {
    /// The sampled value of every input in the last trial, by input id.
    pub fn values(&self) -> &[f64] {
        &self.values
    }
}

impl<'s> Model<'s> {
    /// Compiles a scenario.
    pub fn new(scenario: &'s Scenario) -> Model<'s> {
        let start = scenario.start;
        let window = |from: crate::month::Month, until: Until| {
            Window::new(i64::from(from.since(start)), until, start)
        };
        let mask = |ws: &[usize]| {
            let mut m = vec![false; scenario.workloads.len()];
            for &w in ws {
                m[w] = true;
            }
            m
        };
        Model {
            scenario,
            months: scenario.months(),
            input_streams: scenario
                .inputs
                .all()
                .iter()
                .map(|i| StreamName::new(&i.path))
                .collect(),
            tranche_streams: scenario
                .providers
                .iter()
                .map(|p| {
                    p.tranches
                        .iter()
                        .map(|t| StreamName::new(&format!("{}.materialises", t.path)))
                        .collect()
                })
                .collect(),
            exclusivity: scenario
                .terms
                .exclusivity
                .iter()
                .map(|e| (window(e.from, e.until), e.provider, mask(&e.workloads)))
                .collect(),
            rofr: scenario
                .terms
                .rofr
                .iter()
                .map(|r| {
                    (
                        window(r.from, r.until),
                        r.holder,
                        r.exercise_probability,
                        mask(&r.workloads),
                    )
                })
                .collect(),
            sunset: scenario
                .terms
                .ip
                .as_ref()
                .map(|ip| i64::from(ip.sunset.since(start))),
            shocks: StreamName::new("demand.shocks"),
            offers: StreamName::new("terms.rofr.offers"),
            agi_stream: StreamName::new("agi.declarations"),
            panel_stream: StreamName::new("agi.panel.reviews"),
        }
    }

    /// Number of months in the horizon.
    pub fn months(&self) -> usize {
        self.months
    }

    /// Samples every input of trial `trial` into `scratch.values`.
    fn sample_inputs(&self, seed: u64, trial: u64, scratch: &mut Scratch) {
        scratch.values.clear();
        for (input, name) in self.scenario.inputs.all().iter().zip(&self.input_streams) {
            let v = match &input.value {
                Uncertain::Const(v) => *v,
                Uncertain::Dist(d) => d.sample(&mut rng::stream(seed, trial, *name)),
            };
            scratch.values.push(v);
        }
    }

    /// Runs trial `trial` with `seed`, reporting each month to `observer`.
    pub fn run_trial(
        &self,
        seed: u64,
        trial: u64,
        scratch: &mut Scratch,
        observer: &mut impl Observer,
    ) -> Outcome {
        let s = self.scenario;
        self.sample_inputs(seed, trial, scratch);
        let v = |id: InputId, values: &[f64]| values[id.0];
        let n_prov = s.providers.len();
        let n_class = s.workloads.len();
        let dt = 1.0 / 12.0;

        // Per-trial constants.
        let values = std::mem::take(&mut scratch.values);
        let share_sum: f64 = s.workloads.iter().map(|w| v(w.share, &values)).sum();
        scratch.shares.clear();
        for w in &s.workloads {
            // All-zero shares (possible only when every share's support
            // touches 0) fall back to equal shares rather than NaN.
            let share = if share_sum > 0.0 {
                v(w.share, &values) / share_sum
            } else {
                1.0 / n_class as f64
            };
            scratch.shares.push(share);
        }
        scratch.organic.clear();
        scratch.organic_step.clear();
        for p in &s.providers {
            scratch.organic.push(v(p.initial_gw, &values));
            scratch
                .organic_step
                .push((1.0 + v(p.growth, &values)).powf(dt));
        }
        scratch.tranche_online.clear();
        for (pi, p) in s.providers.iter().enumerate() {
            for (ti, t) in p.tranches.iter().enumerate() {
                let mut r = rng::stream(seed, trial, self.tranche_streams[pi][ti]);
                let materialises = r.random::<f64>() < v(t.probability, &values);
                if materialises {
                    let delay = v(t.delay_months, &values).round();
                    // Clamp to the horizon before converting: a huge delay
                    // simply never comes online.
                    let online = f64::from(t.online.since(s.start)) + delay;
                    let online = online.clamp(-1.0, self.months as f64 + 1.0) as i64;
                    scratch
                        .tranche_online
                        .push((pi, online.max(0), v(t.gw, &values)));
                }
            }
        }
        scratch.prices.clear();
        scratch
            .prices
            .extend(s.providers.iter().map(|p| v(p.price, &values)));
        let prices = std::mem::take(&mut scratch.prices);
        scratch.order.clear();
        scratch.order.extend(0..n_prov);
        if s.policy == crate::scenario::Policy::CheapestFirst {
            // Stable sort: ties keep config order.
            scratch
                .order
                .sort_by(|&a, &b| prices[a].total_cmp(&prices[b]));
        }
        scratch.max_gw.clear();
        scratch.max_gw.extend(
            s.providers
                .iter()
                .map(|p| p.max_gw.map_or(f64::INFINITY, |m| v(m, &values))),
        );
        let max_gw = std::mem::take(&mut scratch.max_gw);

        let growth0 = v(s.demand.growth, &values);
        let halflife = s.demand.growth_halflife_years.map(|h| v(h, &values));
        let sigma = v(s.demand.volatility, &values);
        let drift_vol = -sigma * sigma * dt / 2.0;
        let shock_scale = sigma * dt.sqrt();
        let mut shocks = rng::stream(seed, trial, self.shocks);
        let mut offers = rng::stream(seed, trial, self.offers);

        let revenue_step = (1.0 + v(s.revenue.growth, &values)).powf(dt);
        let per_gw_year0 = v(s.revenue.per_gw_year, &values);
        let discount_step = (1.0 + v(s.microsoft.discount_rate, &values)).powf(-dt);
        let margin = v(s.microsoft.azure_margin, &values);
        let ms = s.microsoft.provider;
        let share_term = s.terms.revenue_share.as_ref().map(|rs| {
            (
                v(rs.rate, &values),
                rs.until,
                rs.cap_usd_bn.map_or(f64::INFINITY, |c| v(c, &values)),
            )
        });
        scratch.exercise.clear();
        scratch
            .exercise
            .extend(self.rofr.iter().map(|r| v(r.2, &values)));
        let exercise = std::mem::take(&mut scratch.exercise);
        scratch.routes.clear();
        scratch.routes.resize(n_class, Route::Open);
        let revenue_share_window =
            share_term.map(|(_, until, _)| Window::new(i64::MIN, until, s.start));

        let mut agi = agi::Process::new(self, seed, trial, &values);

        scratch.placed.clear();
        scratch.placed.resize(n_class * n_prov, 0.0);
        scratch.capacity.resize(n_prov, 0.0);
        scratch.placed_by_provider.resize(n_prov, 0.0);
        scratch.free.resize(n_prov, 0.0);
        scratch.class_demand.resize(n_class, 0.0);
        scratch.offer_draws.resize(n_class, 0.0);

        let mut out = Outcome {
            gw_years: vec![0.0; n_prov],
            spend_usd_bn: vec![0.0; n_prov],
            ..Outcome::default()
        };
        let mut demand = v(s.demand.initial_gw, &values);
        let mut unmet_gw_months = 0.0;
        let mut cum_placed_gw_months = 0.0;
        let mut revenue_factor = 1.0;
        let mut discount = 1.0;
        let mut shared_total = 0.0;

        for m in 0..self.months {
            let y = m as f64 / 12.0;
            let mi = m as i64;

            // 1. AGI and the terms that hang on it.
            agi.step(mi, cum_placed_gw_months);
            let verified = agi.verified();
            let ip_expiry = self.ip_expiry(verified);
            let active = |w: &Window| w.active(mi, verified, ip_expiry);

            // 2. Capacity.
            let organic = scratch
                .organic
                .iter_mut()
                .zip(&scratch.organic_step)
                .zip(&max_gw);
            for (capacity, ((organic, &step), &max)) in scratch.capacity.iter_mut().zip(organic) {
                if m > 0 {
                    *organic *= step;
                }
                *capacity = organic.min(max);
            }
            for &(p, online, gw) in &scratch.tranche_online {
                if online <= mi {
                    scratch.capacity[p] += gw;
                }
            }

            // 3. Demand.
            if m > 0 {
                let g = match halflife {
                    Some(h) => growth0 * (-y / h).exp2(),
                    None => growth0,
                };
                let z: f64 = StandardNormal.sample(&mut shocks);
                demand *= ((1.0 + g).ln() * dt + drift_vol + shock_scale * z).exp();
            }
            for c in 0..n_class {
                scratch.class_demand[c] = scratch.shares[c] * demand;
            }

            // 4. Release.
            routing::release(
                &mut scratch.placed,
                &scratch.class_demand,
                &scratch.capacity,
                n_prov,
            );

            // 5. Route each class's need.
            for p in 0..n_prov {
                let used: f64 = (0..n_class).map(|c| scratch.placed[c * n_prov + p]).sum();
                scratch.free[p] = (scratch.capacity[p] - used).max(0.0);
            }
            if !self.rofr.is_empty() {
                // One draw per class every month, used or not, so the
                // stream stays aligned across scenarios (common random numbers).
                for d in scratch.offer_draws.iter_mut() {
                    *d = offers.random::<f64>();
                }
            }
            let rofr_active = self.rofr.iter().any(|r| active(&r.0));
            let mut unmet = 0.0;
            let mut router = routing::Router {
                placed: &mut scratch.placed,
                free: &mut scratch.free,
                order: &scratch.order,
                n_prov,
                policy: s.policy,
            };
            // The first matching window in file order decides each class's
            // route; exclusive classes are served first, then ROFR, then
            // open, in config order within each.
            for (c, route) in scratch.routes.iter_mut().enumerate() {
                *route = if let Some(e) = self.exclusivity.iter().find(|e| e.2[c] && active(&e.0)) {
                    Route::Exclusive(e.1)
                } else if let Some(ri) = self.rofr.iter().position(|r| r.3[c] && active(&r.0)) {
                    Route::Rofr(ri)
                } else {
                    Route::Open
                };
            }
            for pass in 0..3 {
                for (c, &route) in scratch.routes.iter().enumerate() {
                    if route.pass() != pass {
                        continue;
                    }
                    let d_c = scratch.class_demand[c];
                    let placed_c: f64 = router.class_total(c);
                    let need = d_c - placed_c;
                    if need <= 1e-12 * d_c {
                        continue;
                    }
                    let left = match route {
                        Route::Exclusive(p) => router.take(c, p, need),
                        Route::Rofr(ri) => {
                            let holder = self.rofr[ri].1;
                            out.rofr_offers += 1;
                            if scratch.offer_draws[c] < exercise[ri] {
                                let rest = router.take(c, holder, need);
                                router.spread(c, rest, Some(holder))
                            } else {
                                out.rofr_declined += 1;
                                router.spread(c, need, Some(holder))
                            }
                        }
                        Route::Open => router.spread(c, need, None),
                    };
                    unmet += left;
                }
            }

            // 6. Money.
            let mut placed_total = 0.0;
            for (p, by_provider) in scratch.placed_by_provider.iter_mut().enumerate() {
                let placed_p: f64 = (0..n_class).map(|c| scratch.placed[c * n_prov + p]).sum();
                *by_provider = placed_p;
                placed_total += placed_p;
                out.gw_years[p] += placed_p * dt;
                out.spend_usd_bn[p] += placed_p * prices[p] * dt;
            }
            if m > 0 {
                revenue_factor *= revenue_step;
                discount *= discount_step;
            }
            let revenue = placed_total * per_gw_year0 * revenue_factor * dt;
            out.openai_revenue_usd_bn += revenue;
            let mut shared = 0.0;
            if let (Some((rate, _, cap)), Some(window)) = (share_term, &revenue_share_window)
                && active(window)
                && shared_total < cap
            {
                shared = (rate * revenue).min(cap - shared_total);
                shared_total += shared;
            }
            let ms_spend = scratch.placed_by_provider[ms] * prices[ms] * dt;
            out.microsoft_value_npv_usd_bn += (margin * ms_spend + shared) * discount;
            out.revenue_share_usd_bn = shared_total;

            let azure_share = if placed_total > 0.0 {
                scratch.placed_by_provider[ms] / placed_total
            } else {
                0.0
            };
            unmet_gw_months += unmet;
            cum_placed_gw_months += placed_total;
            let ip_active = ip_expiry.is_none_or(|e| mi < e);
            if ip_active {
                out.ip_months += 1;
            }
            observer.month(&MonthState {
                month: m,
                demand_gw: demand,
                capacity_gw: &scratch.capacity,
                placed_gw: &scratch.placed_by_provider,
                class_demand_gw: &scratch.class_demand,
                placed_by_class_gw: &scratch.placed,
                unmet_gw: unmet,
                azure_share,
                ip_active,
                rofr_active,
                agi_verified: verified.is_some(),
            });
            if m + 1 == self.months {
                out.demand_gw_end = demand;
                out.azure_share_end = azure_share;
            }
        }

        out.unmet_gw_years = unmet_gw_months / 12.0;
        // Demand GW-months = placed + unmet (the conservation invariant);
        // dividing by that sum rather than by ΣD_t keeps the share exactly 1
        // when nothing is placed and exactly 0 when nothing is unmet (the
        // class demands sum to D_t only up to rounding).
        let demand_met_or_not = cum_placed_gw_months + unmet_gw_months;
        out.unmet_share = if demand_met_or_not > 0.0 {
            unmet_gw_months / demand_met_or_not
        } else {
            0.0
        };
        let a = agi.outcome();
        out.agi_declared = a.declared.map(|m| m as u32);
        out.agi_verified = a.verified.map(|m| m as u32);
        let expiry = self
            .ip_expiry(a.verified)
            .filter(|&e| e < self.months as i64);
        out.ip_expiry = expiry.map(|e| e.max(0) as u32);
        out.ip_expiry_cause = Some(match (expiry, a.verified, self.sunset) {
            (None, _, _) => ExpiryCause::BeyondHorizon,
            (Some(e), Some(v), Some(sunset)) if v == e && v < sunset => ExpiryCause::Agi,
            _ => ExpiryCause::Sunset,
        });
        scratch.values = values;
        scratch.prices = prices;
        scratch.max_gw = max_gw;
        scratch.exercise = exercise;
        out
    }

    /// The month IP rights end, given the verified month so far.
    fn ip_expiry(&self, verified: Option<i64>) -> Option<i64> {
        let ip = self.scenario.terms.ip.as_ref()?;
        let sunset = self.sunset?;
        match verified {
            Some(v) if ip.ends_at_agi => Some(v.min(sunset)),
            _ => Some(sunset),
        }
    }
}

/// Draws a fresh value of an input (for panel reviews after the first).
fn redraw(scenario: &Scenario, id: InputId, rng: &mut Stream) -> f64 {
    match &scenario.inputs.get(id).value {
        Uncertain::Const(v) => *v,
        Uncertain::Dist(d) => d.sample(rng),
    }
}
