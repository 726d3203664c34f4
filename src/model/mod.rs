//! One trial, month by month (MODEL.md, "One month of one trial").
//!
//! [`Model`] is a scenario compiled for the loop: stream names hashed, term
//! windows resolved to month indices (and each month's routes, when no
//! window hangs on AGI). A [`Block`] holds many trials side by side:
//! [`Model::start_block`] samples their inputs, [`Model::step_block`] steps
//! them all through one month — AGI and the terms hanging on it, capacity,
//! demand, release, routing, money — and [`Model::finish_lane`] gives each
//! one's outcome. [`Model::run_trial`] is a block of one.

mod agi;
mod block;
mod routing;

use crate::rng::{self, Stream, StreamName};
use crate::scenario::{InputId, Scenario, Uncertain, Until};

pub use agi::AgiOutcome;
pub use block::Block;

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

    /// Whether [`Observer::month`] is wanted at all (gathering a lane's
    /// month costs a little).
    fn wants_months(&self) -> bool {
        true
    }
}

/// An observer that ignores everything.
pub struct NoObserver;

impl Observer for NoObserver {
    fn month(&mut self, _: &MonthState<'_>) {}

    fn wants_months(&self) -> bool {
        false
    }
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

/// Buffers for one trial at a time: a one-lane [`Block`].
pub type Scratch = Block;

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

    /// Samples every input of trial `trial` into `values`, by input id.
    fn sample_inputs(&self, seed: u64, trial: u64, values: &mut [f64]) {
        let inputs = self.scenario.inputs.all();
        for ((input, name), value) in inputs.iter().zip(&self.input_streams).zip(values) {
            *value = match &input.value {
                Uncertain::Const(v) => *v,
                Uncertain::Dist(d) => d.sample(&mut rng::stream(seed, trial, *name)),
            };
        }
    }

    /// Runs trial `trial` with `seed`, reporting each month to `observer`.
    pub fn run_trial(
        &self,
        seed: u64,
        trial: u64,
        block: &mut Block,
        observer: &mut impl Observer,
    ) -> Outcome {
        self.start_block(seed, trial, 1, block);
        for m in 0..self.months {
            self.step_block(m, block);
            if observer.wants_months() {
                self.observe(m, block, 0, observer);
            }
        }
        self.finish_lane(block, 0)
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
