//! The scenario: what an analyst writes in a TOML file (docs/scenario.md;
//! docs/model.md, "The inputs"), read into typed structs after every
//! problem has been found.
//!
//! Uncertain values (`~` in docs/model.md) are not stored in the structs
//! themselves: each is registered once in [`Inputs`] under its dotted path
//! and the structs hold its [`InputId`]. A trial samples every input into a
//! flat array once, and the model reads it by index.

pub mod diag;
pub mod dist;
mod load;
pub mod month;
mod overrides;
pub mod sampling;
mod schema;

pub use load::{load_file, load_str};
pub use month::Month;
pub use overrides::{Op, Override, default_label, folder_name, split_outside_values};

/// The candidates closest to `given`, best first, for "did you mean" hints.
pub fn nearest_names<'a>(
    given: &str,
    candidates: impl IntoIterator<Item = &'a str>,
    limit: usize,
) -> Vec<&'a str> {
    schema::nearest(given, candidates, limit)
}

use dist::Dist;

/// Index of an uncertain input in [`Inputs`] and in a trial's sampled values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct InputId(pub usize);

/// A value that is either fixed or drawn once per trial.
#[derive(Debug, Clone)]
pub enum Uncertain {
    /// A plain number.
    Const(f64),
    /// A distribution table (boxed: it is much larger than a number).
    Dist(Box<Dist>),
}

impl Uncertain {
    /// Smallest and largest value a draw can take.
    pub fn support(&self) -> (f64, f64) {
        match self {
            Uncertain::Const(v) => (*v, *v),
            Uncertain::Dist(d) => d.support(),
        }
    }

    /// Quantile `p` (the constant itself for a plain number).
    pub fn quantile(&self, p: f64) -> f64 {
        match self {
            Uncertain::Const(v) => *v,
            Uncertain::Dist(d) => d.quantile(p),
        }
    }

    /// Short description for tables and manifests.
    pub fn describe(&self) -> String {
        match self {
            Uncertain::Const(v) => format!("constant {v}"),
            Uncertain::Dist(d) => d.describe(),
        }
    }
}

/// One uncertain input: where it lives and how it is drawn.
#[derive(Debug, Clone)]
pub struct Input {
    /// Dotted path, e.g. `providers.azure.price` — also its column name in
    /// `trials.csv` and the name of its random stream.
    pub path: String,
    /// Its value or distribution.
    pub value: Uncertain,
}

/// Every uncertain input of a scenario, in file order.
#[derive(Debug, Clone, Default)]
pub struct Inputs {
    items: Vec<Input>,
}

impl Inputs {
    /// Registers an input and returns its id.
    pub fn push(&mut self, path: String, value: Uncertain) -> InputId {
        self.items.push(Input { path, value });
        InputId(self.items.len() - 1)
    }

    /// All inputs, in registration (file) order.
    pub fn all(&self) -> &[Input] {
        &self.items
    }

    /// The input with this id.
    pub fn get(&self, id: InputId) -> &Input {
        &self.items[id.0]
    }

    /// Number of inputs.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// True when there are none.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }
}

/// The end of a term's window (`until`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Until {
    /// Inactive from this month on.
    Month(Month),
    /// Never ends.
    Never,
    /// Ends in the month AGI is verified by the panel.
    AgiVerified,
    /// Ends in the month Microsoft's IP rights expire.
    IpExpiry,
}

/// How free demand is spread over providers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Policy {
    /// Fill providers by ascending sampled price, ties in config order.
    CheapestFirst,
    /// Split in proportion to free capacity.
    ProRata,
    /// Fill providers in config order.
    InOrder,
}

impl Policy {
    /// The name used in scenario files.
    pub fn name(self) -> &'static str {
        match self {
            Policy::CheapestFirst => "cheapest_first",
            Policy::ProRata => "pro_rata",
            Policy::InOrder => "in_order",
        }
    }
}

/// OpenAI's demand for compute.
#[derive(Debug, Clone)]
pub struct Demand {
    /// GW wanted in the first month.
    pub initial_gw: InputId,
    /// Annual growth rate at the start (0.8 = +80 %/yr).
    pub growth: InputId,
    /// Years for the growth rate to halve; `None` = constant growth.
    pub growth_halflife_years: Option<InputId>,
    /// Annualised volatility of log-demand.
    pub volatility: InputId,
    /// The most compute OpenAI can want, GW; `None` = no ceiling.
    pub ceiling_gw: Option<InputId>,
}

/// A class of demand.
#[derive(Debug, Clone)]
pub struct Workload {
    /// Name used by terms and in outputs.
    pub name: String,
    /// Share of demand, normalised over workloads within a trial.
    pub share: InputId,
}

/// A contracted block of capacity.
#[derive(Debug, Clone)]
pub struct Tranche {
    /// Size in GW.
    pub gw: InputId,
    /// Planned first month.
    pub online: Month,
    /// Delay after `online`, rounded to whole months.
    pub delay_months: InputId,
    /// Chance it materialises at all.
    pub probability: InputId,
    /// Dotted path, the prefix of its stream names.
    pub path: String,
}

/// A cloud that can host OpenAI's compute.
#[derive(Debug, Clone)]
pub struct Provider {
    /// Name used by terms and in outputs.
    pub name: String,
    /// GW available to OpenAI at the start.
    pub initial_gw: InputId,
    /// Annual compound growth of that capacity.
    pub growth: InputId,
    /// Ceiling on organic growth (tranches add on top).
    pub max_gw: Option<InputId>,
    /// usd_bn per GW-year charged to OpenAI.
    pub price: InputId,
    /// The most new capacity it signs for OpenAI in a year, GW; `None` =
    /// unlimited.
    pub max_new_gw_per_year: Option<InputId>,
    /// Contracted blocks of capacity.
    pub tranches: Vec<Tranche>,
}

/// New capacity OpenAI signs for the demand that finds none.
#[derive(Debug, Clone)]
pub struct NewCapacity {
    /// Months from signing to the first month online, rounded (at least 1).
    pub lead_time_months: InputId,
    /// Share of the uncovered shortfall signed each month.
    pub coverage: InputId,
}

/// A window in which only one provider may serve some workloads.
#[derive(Debug, Clone)]
pub struct Exclusivity {
    /// Index of the provider in `Scenario::providers`.
    pub provider: usize,
    /// Indices of the workloads covered.
    pub workloads: Vec<usize>,
    /// First active month.
    pub from: Month,
    /// First month no longer active.
    pub until: Until,
}

/// A window in which new demand is offered to the holder first.
#[derive(Debug, Clone)]
pub struct Rofr {
    /// Index of the holding provider.
    pub holder: usize,
    /// Indices of the workloads covered.
    pub workloads: Vec<usize>,
    /// First active month.
    pub from: Month,
    /// First month no longer active.
    pub until: Until,
    /// Chance the holder takes up each offer.
    pub exercise_probability: InputId,
    /// Dotted path (`terms.rofr.0`), the prefix of its stream names.
    pub path: String,
}

/// Microsoft's rights to OpenAI's models.
#[derive(Debug, Clone)]
pub struct IpRights {
    /// First month without rights.
    pub sunset: Month,
    /// Whether verified AGI ends them early.
    pub ends_at_agi: bool,
}

/// Share of OpenAI's revenue paid to Microsoft.
#[derive(Debug, Clone)]
pub struct RevenueShare {
    /// Fraction of revenue.
    pub rate: InputId,
    /// First month no longer paid.
    pub until: Until,
    /// Ceiling on the cumulative amount, usd_bn.
    pub cap_usd_bn: Option<InputId>,
}

/// The contract terms, each a window in time.
#[derive(Debug, Clone, Default)]
pub struct Terms {
    /// Exclusivity windows, in file order.
    pub exclusivity: Vec<Exclusivity>,
    /// ROFR windows, in file order.
    pub rofr: Vec<Rofr>,
    /// IP rights; `None` = rights never end.
    pub ip: Option<IpRights>,
    /// Revenue share; `None` = nothing shared.
    pub revenue_share: Option<RevenueShare>,
}

/// OpenAI's revenue per unit of placed compute.
#[derive(Debug, Clone)]
pub struct Revenue {
    /// usd_bn per GW-year of placed compute at the start.
    pub per_gw_year: InputId,
    /// Annual growth of that figure.
    pub growth: InputId,
}

/// Microsoft's side of the ledger.
#[derive(Debug, Clone)]
pub struct Microsoft {
    /// Index of Microsoft's cloud among the providers.
    pub provider: usize,
    /// Margin on OpenAI's spend on that cloud.
    pub azure_margin: InputId,
    /// Annual discount rate for NPV.
    pub discount_rate: InputId,
}

/// How AGI is declared.
#[derive(Debug, Clone)]
pub enum AgiMode {
    /// Declared in the month holding a sampled decimal year.
    Date {
        /// The decimal year.
        year: InputId,
    },
    /// Declared each month with probability `1 − exp(−h·dt)`.
    Hazard {
        /// Hazard per year at the start.
        annual_hazard: InputId,
        /// Annual growth of the hazard.
        hazard_growth: InputId,
    },
    /// Declared when cumulative placed GW-years reach a threshold.
    Compute {
        /// The threshold, GW-years.
        threshold_gw_years: InputId,
    },
}

/// The expert panel that verifies a declaration.
#[derive(Debug, Clone)]
pub struct Panel {
    /// Review time, rounded to whole months.
    pub months: InputId,
    /// Chance a declaration is verified.
    pub confirm_probability: InputId,
    /// Wait after a rejection before the next declaration, rounded.
    pub retry_months: InputId,
}

/// The AGI process.
#[derive(Debug, Clone)]
pub struct Agi {
    /// How declarations arise.
    pub mode: AgiMode,
    /// How they are verified.
    pub panel: Panel,
}

/// A whole scenario, checked and typed.
#[derive(Debug, Clone)]
pub struct Scenario {
    /// Short name; the default output folder is `output/<name>`.
    pub name: String,
    /// Free text.
    pub description: String,
    /// Default seed.
    pub seed: u64,
    /// First simulated month.
    pub start: Month,
    /// Last simulated month (inclusive).
    pub end: Month,
    /// OpenAI's demand.
    pub demand: Demand,
    /// Demand classes.
    pub workloads: Vec<Workload>,
    /// Clouds.
    pub providers: Vec<Provider>,
    /// New capacity; `None` = nothing new is ever signed.
    pub new_capacity: Option<NewCapacity>,
    /// Allocation policy for free demand.
    pub policy: Policy,
    /// Contract terms.
    pub terms: Terms,
    /// OpenAI revenue.
    pub revenue: Revenue,
    /// Microsoft's side.
    pub microsoft: Microsoft,
    /// AGI process; `None` = AGI never comes.
    pub agi: Option<Agi>,
    /// Every uncertain input, by id.
    pub inputs: Inputs,
    /// How the inputs are drawn: method and correlations.
    pub sampling: sampling::Sampling,
}

impl Scenario {
    /// Number of simulated months.
    pub fn months(&self) -> usize {
        (self.end.since(self.start) + 1) as usize
    }
}
