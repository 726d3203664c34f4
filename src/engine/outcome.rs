//! What a trial yields: its [`Outcome`] (one row of `trials.csv`, inputs
//! aside), and each month's [`MonthState`] for an [`Observer`] (time series,
//! `paths.csv`).

use super::terms::Route;

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

    /// Every cause, in the order outputs list them.
    pub const ALL: [ExpiryCause; 3] = [
        ExpiryCause::Agi,
        ExpiryCause::Sunset,
        ExpiryCause::BeyondHorizon,
    ];

    /// The cause a `trials.csv` label names.
    pub fn parse(label: &str) -> Option<ExpiryCause> {
        ExpiryCause::ALL.into_iter().find(|c| c.label() == label)
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
    /// Placed GW-years on Microsoft's cloud ÷ all placed GW-years.
    pub azure_share_cum: f64,
    /// Unmet GW-years ÷ demand GW-years.
    pub unmet_share: f64,
    /// Months with unmet demand.
    pub shortfall_months: u32,
    /// Placed GW-years per provider.
    pub gw_years: Vec<f64>,
    /// Unmet GW-years.
    pub unmet_gw_years: f64,
    /// New capacity signed per provider, GW (online or in the pipeline).
    pub signed_gw: Vec<f64>,
    /// OpenAI's spend per provider, usd_bn.
    pub spend_usd_bn: Vec<f64>,
    /// OpenAI revenue, usd_bn.
    pub openai_revenue_usd_bn: f64,
    /// Revenue share paid to Microsoft, usd_bn.
    pub revenue_share_usd_bn: f64,
    /// NPV of Microsoft's value, usd_bn: the margin part plus the revenue
    /// share part.
    pub microsoft_value_npv_usd_bn: f64,
    /// NPV of Microsoft's margin on OpenAI's spend on its cloud, usd_bn.
    pub microsoft_margin_npv_usd_bn: f64,
    /// NPV of the revenue share paid to Microsoft, usd_bn.
    pub microsoft_revenue_share_npv_usd_bn: f64,
    /// Offers of new capacity made to a ROFR holder.
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
    /// Capacity of all providers, GW.
    pub capacity_total_gw: f64,
    /// Placed GW per provider after routing.
    pub placed_gw: &'a [f64],
    /// New capacity signed so far per provider, GW.
    pub signed_gw: &'a [f64],
    /// Demand per workload class, GW (`share_c · D_t`).
    pub class_demand_gw: &'a [f64],
    /// Placed GW per class and provider, `[class * providers + provider]`.
    pub placed_by_class_gw: &'a [f64],
    /// Demand that found no capacity this month, GW.
    pub unmet_gw: f64,
    /// Unmet need per workload class this month, GW.
    pub class_unmet_gw: &'a [f64],
    /// Each class's route this month (exclusive, ROFR or open).
    pub class_routes: &'a [Route],
    /// New capacity online per provider (signed L or more months ago), GW.
    pub new_online_gw: &'a [f64],
    /// New capacity signed but not yet online, all providers, GW.
    pub pipeline_gw: f64,
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
