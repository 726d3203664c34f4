//! One trial, month by month (docs/model.md, "The month step").
//!
//! [`Model`] is a scenario compiled for the loop: stream names hashed, the
//! contract terms resolved to month indices ([`terms`], and each month's
//! routes when no window hangs on AGI). A [`Block`] holds many trials side
//! by side: [`Model::start_block`] samples their inputs,
//! [`Model::step_block`] steps them all through one month — AGI and the
//! terms hanging on it, capacity, demand, release, routing, money — and
//! [`Model::finish_lane`] gives each one's [`Outcome`]. [`Model::run_trial`]
//! is a block of one.

mod agi;
mod block;
mod outcome;
pub mod rng;
mod routing;
mod sampling;
mod signing;
pub mod terms;

use crate::lanes::Path;
use crate::scenario::{InputId, Scenario, Uncertain};
use rng::{Stream, StreamName};
use terms::{FixedRoutes, Terms};

pub use agi::AgiOutcome;
pub use block::Block;
pub use outcome::{ExpiryCause, MonthState, NoObserver, Observer, Outcome};

/// A scenario compiled for the per-month loop.
pub struct Model<'s> {
    /// The scenario it was compiled from.
    pub scenario: &'s Scenario,
    months: usize,
    /// How the inputs are drawn.
    sampler: sampling::Sampler,
    tranche_streams: Vec<Vec<StreamName>>,
    terms: Terms,
    /// Every class's route, month by month, when no window's end hangs on
    /// AGI (the usual case).
    fixed_routes: Option<FixedRoutes>,
    shocks: StreamName,
    offers: StreamName,
    agi_stream: StreamName,
    panel_stream: StreamName,
    /// The instruction-set path the month step runs on (every path gives
    /// the same bits).
    path: Path,
    /// Tests only: route and sign lane by lane, the reference the
    /// all-lanes steps are checked against.
    #[cfg(test)]
    lane_by_lane: bool,
}

/// Buffers for one trial at a time: a one-lane [`Block`].
pub type Scratch = Block;

impl<'s> Model<'s> {
    /// Compiles a scenario.
    pub fn new(scenario: &'s Scenario) -> Model<'s> {
        let terms = Terms::new(scenario);
        Model {
            scenario,
            months: scenario.months(),
            sampler: sampling::Sampler::new(scenario),
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
            fixed_routes: terms.fixed_routes(scenario.months(), scenario.workloads.len()),
            terms,
            shocks: StreamName::new("demand.shocks"),
            offers: StreamName::new("terms.rofr.offers"),
            agi_stream: StreamName::new("agi.declarations"),
            panel_stream: StreamName::new("agi.panel.reviews"),
            // The command line reports a bad ROFRSIM_SIMD before any model
            // is built; here it falls back to the widest path.
            path: Path::detect().unwrap_or_else(|_| Path::widest()),
            #[cfg(test)]
            lane_by_lane: false,
        }
    }

    /// Number of months in the horizon.
    pub fn months(&self) -> usize {
        self.months
    }

    /// The compiled contract terms.
    pub fn terms(&self) -> &Terms {
        &self.terms
    }

    /// Sets the number of trials the run draws: the size of a Latin
    /// hypercube (`sampling.method = "lhs"`; no effect under Monte Carlo).
    /// A model that is not told draws each trial as a hypercube of one.
    pub fn set_trials(&mut self, trials: u64) {
        self.sampler.set_hypercubes(trials, trials);
    }

    /// Latin hypercubes of `block` trials each over a run of at most
    /// `trials` (`--precision`, which stops only at the end of a block);
    /// the last holds what is left.
    pub fn set_hypercube_blocks(&mut self, block: u64, trials: u64) {
        self.sampler.set_hypercubes(block, trials);
    }

    /// Samples every input of trial `trial` into `values`, by input id.
    fn sample_inputs(&self, seed: u64, trial: u64, values: &mut [f64]) {
        self.sampler.sample(self.scenario, seed, trial, values);
    }

    /// The inputs of trial `trial` with `seed`, by input id, as the trial
    /// draws them.
    pub fn inputs_of(&self, seed: u64, trial: u64) -> Vec<f64> {
        let mut values = vec![0.0; self.scenario.inputs.len()];
        self.sample_inputs(seed, trial, &mut values);
        values
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
}

/// Draws a fresh value of an input (for panel reviews after the first).
fn redraw(scenario: &Scenario, id: InputId, rng: &mut Stream) -> f64 {
    match &scenario.inputs.get(id).value {
        Uncertain::Const(v) => *v,
        Uncertain::Dist(d) => d.sample(rng),
    }
}
