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
    revenue_share_window: Option<Window>,
    /// Every class's route and whether a ROFR window is active, per month,
    /// `[month * classes + class]`, when no window's end hangs on AGI (the
    /// usual case): then the month loop looks routes up instead of
    /// searching the windows.
    fixed_routes: Option<(Vec<Route>, Vec<bool>)>,
    sunset: Option<i64>,
    shocks: StreamName,
    offers: StreamName,
    agi_stream: StreamName,
    panel_stream: StreamName,
}

/// One trial in progress: its sampled inputs, the constants derived from
/// them, and the state after the months stepped so far. Reused from trial
/// to trial, so neither a trial nor a month allocates once it has grown.
#[derive(Debug)]
pub struct Scratch {
    values: Vec<f64>,
    // Per-trial constants.
    shares: Vec<f64>,
    organic_step: Vec<f64>,
    tranche_online: Vec<(usize, i64, f64)>,
    prices: Vec<f64>,
    order: Vec<usize>,
    max_gw: Vec<f64>,
    exercise: Vec<f64>,
    growth0: f64,
    halflife: Option<f64>,
    drift_vol: f64,
    shock_scale: f64,
    revenue_step: f64,
    per_gw_year0: f64,
    discount_step: f64,
    margin: f64,
    /// Revenue share (rate, cap in usd_bn).
    share_term: Option<(f64, f64)>,
    shocks: Stream,
    offers: Stream,
    agi: agi::Process,
    // State.
    organic: Vec<f64>,
    capacity: Vec<f64>,
    placed: Vec<f64>,
    placed_by_provider: Vec<f64>,
    free: Vec<f64>,
    class_demand: Vec<f64>,
    offer_draws: Vec<f64>,
    routes: Vec<Route>,
    demand: f64,
    unmet_gw_months: f64,
    cum_placed_gw_months: f64,
    revenue_factor: f64,
    discount: f64,
    shared_total: f64,
    out: Outcome,
}

impl Default for Scratch {
    fn default() -> Scratch {
        let idle = || rand::SeedableRng::seed_from_u64(0);
        Scratch {
            values: Vec::new(),
            shares: Vec::new(),
            organic_step: Vec::new(),
            tranche_online: Vec::new(),
            prices: Vec::new(),
            order: Vec::new(),
            max_gw: Vec::new(),
            exercise: Vec::new(),
            growth0: 0.0,
            halflife: None,
            drift_vol: 0.0,
            shock_scale: 0.0,
            revenue_step: 1.0,
            per_gw_year0: 0.0,
            discount_step: 1.0,
            margin: 0.0,
            share_term: None,
            shocks: idle(),
            offers: idle(),
            agi: agi::Process::idle(),
            organic: Vec::new(),
            capacity: Vec::new(),
            placed: Vec::new(),
            placed_by_provider: Vec::new(),
            free: Vec::new(),
            class_demand: Vec::new(),
            offer_draws: Vec::new(),
            routes: Vec::new(),
            demand: 0.0,
            unmet_gw_months: 0.0,
            cum_placed_gw_months: 0.0,
            revenue_factor: 1.0,
            discount: 1.0,
            shared_total: 0.0,
            out: Outcome::default(),
        }
    }
}

impl Scratch {
    /// The sampled value of every input in the current trial, by input id.
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
        let mut model = Model {
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
            revenue_share_window: scenario
                .terms
                .revenue_share
                .as_ref()
                .map(|rs| Window::new(i64::MIN, rs.until, start)),
            fixed_routes: None,
            sunset: scenario
                .terms
                .ip
                .as_ref()
                .map(|ip| i64::from(ip.sunset.since(start))),
            shocks: StreamName::new("demand.shocks"),
            offers: StreamName::new("terms.rofr.offers"),
            agi_stream: StreamName::new("agi.declarations"),
            panel_stream: StreamName::new("agi.panel.reviews"),
        };
        let fixed = model
            .exclusivity
            .iter()
            .map(|e| e.0)
            .chain(model.rofr.iter().map(|r| r.0))
            .all(|w| matches!(w.until, End::Month(_) | End::Never));
        if fixed {
            let n_class = scenario.workloads.len();
            let mut routes = vec![Route::Open; model.months * n_class];
            let mut rofr_active = vec![false; model.months];
            for m in 0..model.months {
                let row = &mut routes[m * n_class..(m + 1) * n_class];
                rofr_active[m] = model.routes(m as i64, None, None, row);
            }
            model.fixed_routes = Some((routes, rofr_active));
        }
        model
    }

    /// Number of months in the horizon.
    pub fn months(&self) -> usize {
        self.months
    }

    /// Each class's route in month `m` (the first matching window in file
    /// order decides: exclusivity, then ROFR, else open), and whether any
    /// ROFR window is active.
    fn routes(
        &self,
        m: i64,
        verified: Option<i64>,
        ip_expiry: Option<i64>,
        routes: &mut [Route],
    ) -> bool {
        let active = |w: &Window| w.active(m, verified, ip_expiry);
        for (c, route) in routes.iter_mut().enumerate() {
            *route = if let Some(e) = self.exclusivity.iter().find(|e| e.2[c] && active(&e.0)) {
                Route::Exclusive(e.1)
            } else if let Some(ri) = self.rofr.iter().position(|r| r.3[c] && active(&r.0)) {
                Route::Rofr(ri)
            } else {
                Route::Open
            };
        }
        self.rofr.iter().any(|r| active(&r.0))
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
        self.start(seed, trial, scratch);
        for m in 0..self.months {
            self.step(m, scratch, observer);
        }
        self.finish(scratch)
    }

    /// Begins trial `trial` with `seed`: samples its inputs and sets up the
    /// state before the first month. [`Model::step`] then advances it one
    /// month at a time and [`Model::finish`] gives its outcome, so a driver
    /// may step many trials side by side.
    pub fn start(&self, seed: u64, trial: u64, scratch: &mut Scratch) {
        let s = self.scenario;
        self.sample_inputs(seed, trial, scratch);
        let n_prov = s.providers.len();
        let n_class = s.workloads.len();
        let dt = 1.0 / 12.0;
        let sc = scratch;
        let values = &sc.values;
        let v = |id: InputId| values[id.0];

        let share_sum: f64 = s.workloads.iter().map(|w| v(w.share)).sum();
        sc.shares.clear();
        for w in &s.workloads {
            // All-zero shares (possible only when every share's support
            // touches 0) fall back to equal shares rather than NaN.
            let share = if share_sum > 0.0 {
                v(w.share) / share_sum
            } else {
                1.0 / n_class as f64
            };
            sc.shares.push(share);
        }
        sc.organic.clear();
        sc.organic_step.clear();
        for p in &s.providers {
            sc.organic.push(v(p.initial_gw));
            sc.organic_step.push((1.0 + v(p.growth)).powf(dt));
        }
        sc.tranche_online.clear();
        for (pi, p) in s.providers.iter().enumerate() {
            for (ti, t) in p.tranches.iter().enumerate() {
                let mut r = rng::stream(seed, trial, self.tranche_streams[pi][ti]);
                let materialises = r.random::<f64>() < v(t.probability);
                if materialises {
                    let delay = v(t.delay_months).round();
                    // Clamp to the horizon before converting: a huge delay
                    // simply never comes online.
                    let online = f64::from(t.online.since(s.start)) + delay;
                    let online = online.clamp(-1.0, self.months as f64 + 1.0) as i64;
                    sc.tranche_online.push((pi, online.max(0), v(t.gw)));
                }
            }
        }
        sc.prices.clear();
        sc.prices.extend(s.providers.iter().map(|p| v(p.price)));
        sc.order.clear();
        sc.order.extend(0..n_prov);
        if s.policy == crate::scenario::Policy::CheapestFirst {
            // Stable sort: ties keep config order.
            let prices = &sc.prices;
            sc.order.sort_by(|&a, &b| prices[a].total_cmp(&prices[b]));
        }
        sc.max_gw.clear();
        sc.max_gw.extend(
            s.providers
                .iter()
                .map(|p| p.max_gw.map_or(f64::INFINITY, &v)),
        );

        sc.growth0 = v(s.demand.growth);
        sc.halflife = s.demand.growth_halflife_years.map(&v);
        let sigma = v(s.demand.volatility);
        sc.drift_vol = -sigma * sigma * dt / 2.0;
        sc.shock_scale = sigma * dt.sqrt();
        sc.shocks = rng::stream(seed, trial, self.shocks);
        sc.offers = rng::stream(seed, trial, self.offers);

        sc.revenue_step = (1.0 + v(s.revenue.growth)).powf(dt);
        sc.per_gw_year0 = v(s.revenue.per_gw_year);
        sc.discount_step = (1.0 + v(s.microsoft.discount_rate)).powf(-dt);
        sc.margin = v(s.microsoft.azure_margin);
        sc.share_term = s
            .terms
            .revenue_share
            .as_ref()
            .map(|rs| (v(rs.rate), rs.cap_usd_bn.map_or(f64::INFINITY, &v)));
        sc.exercise.clear();
        sc.exercise.extend(self.rofr.iter().map(|r| v(r.2)));
        sc.routes.clear();
        sc.routes.resize(n_class, Route::Open);

        sc.agi.start(self, seed, trial, values);

        sc.placed.clear();
        sc.placed.resize(n_class * n_prov, 0.0);
        sc.capacity.resize(n_prov, 0.0);
        sc.placed_by_provider.resize(n_prov, 0.0);
        sc.free.resize(n_prov, 0.0);
        sc.class_demand.resize(n_class, 0.0);
        sc.offer_draws.resize(n_class, 0.0);

        let mut out = std::mem::take(&mut sc.out);
        out.gw_years.clear();
        out.gw_years.resize(n_prov, 0.0);
        out.spend_usd_bn.clear();
        out.spend_usd_bn.resize(n_prov, 0.0);
        sc.out = Outcome {
            gw_years: out.gw_years,
            spend_usd_bn: out.spend_usd_bn,
            ..Outcome::default()
        };
        sc.demand = v(s.demand.initial_gw);
        sc.unmet_gw_months = 0.0;
        sc.cum_placed_gw_months = 0.0;
        sc.revenue_factor = 1.0;
        sc.discount = 1.0;
        sc.shared_total = 0.0;
    }

    /// Steps the trial begun by [`Model::start`] through month `m` (months
    /// must come in order, from 0), reporting it to `observer`.
    pub fn step(&self, m: usize, sc: &mut Scratch, observer: &mut impl Observer) {
        let s = self.scenario;
        let n_prov = s.providers.len();
        let n_class = s.workloads.len();
        let dt = 1.0 / 12.0;
        let y = m as f64 / 12.0;
        let mi = m as i64;

        // 1. AGI and the terms that hang on it.
        sc.agi.step(self, mi, sc.cum_placed_gw_months);
        let verified = sc.agi.verified();
        let ip_expiry = self.ip_expiry(verified);

        // 2. Capacity.
        let organic = sc.organic.iter_mut().zip(&sc.organic_step).zip(&sc.max_gw);
        for (capacity, ((organic, &step), &max)) in sc.capacity.iter_mut().zip(organic) {
            if m > 0 {
                *organic *= step;
            }
            *capacity = organic.min(max);
        }
        for &(p, online, gw) in &sc.tranche_online {
            if online <= mi {
                sc.capacity[p] += gw;
            }
        }

        // 3. Demand.
        if m > 0 {
            let g = match sc.halflife {
                Some(h) => sc.growth0 * (-y / h).exp2(),
                None => sc.growth0,
            };
            let z: f64 = StandardNormal.sample(&mut sc.shocks);
            sc.demand *= ((1.0 + g).ln() * dt + sc.drift_vol + sc.shock_scale * z).exp();
        }
        let demand = sc.demand;
        for (d, &share) in sc.class_demand.iter_mut().zip(&sc.shares) {
            *d = share * demand;
        }

        // 4. Release.
        routing::release(&mut sc.placed, &sc.class_demand, &sc.capacity, n_prov);

        // 5. Route each class's need.
        for p in 0..n_prov {
            let used: f64 = (0..n_class).map(|c| sc.placed[c * n_prov + p]).sum();
            sc.free[p] = (sc.capacity[p] - used).max(0.0);
        }
        if !self.rofr.is_empty() {
            // One draw per class every month, used or not, so the
            // stream stays aligned across scenarios (common random numbers).
            for d in sc.offer_draws.iter_mut() {
                *d = sc.offers.random::<f64>();
            }
        }
        let rofr_active = match &self.fixed_routes {
            Some((routes, rofr_active)) => {
                sc.routes
                    .copy_from_slice(&routes[m * n_class..(m + 1) * n_class]);
                rofr_active[m]
            }
            None => self.routes(mi, verified, ip_expiry, &mut sc.routes),
        };
        let mut unmet = 0.0;
        let mut router = routing::Router {
            placed: &mut sc.placed,
            free: &mut sc.free,
            order: &sc.order,
            n_prov,
            policy: s.policy,
        };
        // Exclusive classes are served first, then ROFR, then open, in
        // config order within each.
        for pass in 0..3 {
            for (c, &route) in sc.routes.iter().enumerate() {
                if route.pass() != pass {
                    continue;
                }
                let d_c = sc.class_demand[c];
                let placed_c: f64 = router.class_total(c);
                let need = d_c - placed_c;
                if need <= 1e-12 * d_c {
                    continue;
                }
                let left = match route {
                    Route::Exclusive(p) => router.take(c, p, need),
                    Route::Rofr(ri) => {
                        let holder = self.rofr[ri].1;
                        sc.out.rofr_offers += 1;
                        if sc.offer_draws[c] < sc.exercise[ri] {
                            let rest = router.take(c, holder, need);
                            router.spread(c, rest, Some(holder))
                        } else {
                            sc.out.rofr_declined += 1;
                            router.spread(c, need, Some(holder))
                        }
                    }
                    Route::Open => router.spread(c, need, None),
                };
                unmet += left;
            }
        }

        // 6. Money.
        let out = &mut sc.out;
        let mut placed_total = 0.0;
        for (p, by_provider) in sc.placed_by_provider.iter_mut().enumerate() {
            let placed_p: f64 = (0..n_class).map(|c| sc.placed[c * n_prov + p]).sum();
            *by_provider = placed_p;
            placed_total += placed_p;
            out.gw_years[p] += placed_p * dt;
            out.spend_usd_bn[p] += placed_p * sc.prices[p] * dt;
        }
        if m > 0 {
            sc.revenue_factor *= sc.revenue_step;
            sc.discount *= sc.discount_step;
        }
        let revenue = placed_total * sc.per_gw_year0 * sc.revenue_factor * dt;
        out.openai_revenue_usd_bn += revenue;
        let mut shared = 0.0;
        if let (Some((rate, cap)), Some(window)) = (sc.share_term, &self.revenue_share_window)
            && window.active(mi, verified, ip_expiry)
            && sc.shared_total < cap
        {
            shared = (rate * revenue).min(cap - sc.shared_total);
            sc.shared_total += shared;
        }
        let ms = s.microsoft.provider;
        let ms_spend = sc.placed_by_provider[ms] * sc.prices[ms] * dt;
        out.microsoft_value_npv_usd_bn += (sc.margin * ms_spend + shared) * sc.discount;
        out.revenue_share_usd_bn = sc.shared_total;

        let azure_share = if placed_total > 0.0 {
            sc.placed_by_provider[ms] / placed_total
        } else {
            0.0
        };
        sc.unmet_gw_months += unmet;
        sc.cum_placed_gw_months += placed_total;
        let ip_active = ip_expiry.is_none_or(|e| mi < e);
        if ip_active {
            out.ip_months += 1;
        }
        observer.month(&MonthState {
            month: m,
            demand_gw: demand,
            capacity_gw: &sc.capacity,
            placed_gw: &sc.placed_by_provider,
            class_demand_gw: &sc.class_demand,
            placed_by_class_gw: &sc.placed,
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

    /// The outcome of the trial stepped through every month.
    pub fn finish(&self, sc: &mut Scratch) -> Outcome {
        let mut out = std::mem::take(&mut sc.out);
        out.unmet_gw_years = sc.unmet_gw_months / 12.0;
        // Demand GW-months = placed + unmet (the conservation invariant);
        // dividing by that sum rather than by ΣD_t keeps the share exactly 1
        // when nothing is placed and exactly 0 when nothing is unmet (the
        // class demands sum to D_t only up to rounding).
        let demand_met_or_not = sc.cum_placed_gw_months + sc.unmet_gw_months;
        out.unmet_share = if demand_met_or_not > 0.0 {
            sc.unmet_gw_months / demand_met_or_not
        } else {
            0.0
        };
        let a = sc.agi.outcome();
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
