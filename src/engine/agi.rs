//! The AGI process (docs/model.md, month step 1): declarations, the expert panel, and
//! the month AGI is verified.

use rand::{RngExt, SeedableRng};

use super::rng::{self, Stream};
use super::{Model, redraw};
use crate::lanes::{Scalar, math};
use crate::scenario::AgiMode;

/// First declaration and verification, as month indices.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AgiOutcome {
    /// Month of the first declaration.
    pub declared: Option<i64>,
    /// Month the panel verified AGI.
    pub verified: Option<i64>,
}

/// How declarations arise in this trial.
#[derive(Debug)]
enum Trigger {
    /// Never (no `[agi]` section).
    Never,
    /// At a fixed month (may be past the horizon).
    Date(i64),
    /// Each month with probability `1 − exp(−h·dt)`.
    Hazard { annual: f64, growth_step: f64 },
    /// When cumulative placed GW-months reach this many.
    Compute(f64),
}

/// One trial's AGI state.
#[derive(Debug)]
pub struct Process {
    trigger: Trigger,
    /// Earliest month the next declaration may come.
    next_allowed: i64,
    /// Month of the pending verdict.
    pending: Option<i64>,
    /// Confirmation chance of the pending review.
    pending_confirm: f64,
    /// Wait after a rejection of the pending review, months.
    next_allowed_after_reject: f64,
    reviews: u32,
    first_review: [f64; 3],
    declarations: Stream,
    panel_rng: Stream,
    hazard_factor: f64,
    out: AgiOutcome,
}

impl Process {
    /// A process that never declares, before any trial starts.
    pub fn idle() -> Process {
        Process {
            trigger: Trigger::Never,
            next_allowed: 0,
            pending: None,
            pending_confirm: 1.0,
            next_allowed_after_reject: 12.0,
            reviews: 0,
            first_review: [0.0, 1.0, 12.0],
            declarations: SeedableRng::seed_from_u64(0),
            panel_rng: SeedableRng::seed_from_u64(0),
            hazard_factor: 1.0,
            out: AgiOutcome::default(),
        }
    }

    /// Sets up the process from the trial's sampled inputs.
    pub fn start(&mut self, model: &Model<'_>, seed: u64, trial: u64, values: &[f64]) {
        let start = model.scenario.start.decimal_year();
        let agi = model.scenario.agi.as_ref();
        let trigger = match agi.map(|a| &a.mode) {
            None => Trigger::Never,
            Some(AgiMode::Date { year }) => {
                // A tiny tolerance so that 2031.5 lands in 2031-07 despite
                // rounding; clamp before converting so any year is safe.
                let idx = ((values[year.0] - start) * 12.0 + 1e-9).floor();
                Trigger::Date(idx.clamp(0.0, model.months() as f64 + 1.0) as i64)
            }
            Some(AgiMode::Hazard {
                annual_hazard,
                hazard_growth,
            }) => Trigger::Hazard {
                annual: values[annual_hazard.0],
                growth_step: math::pow(Scalar, 1.0 + values[hazard_growth.0], 1.0 / 12.0),
            },
            Some(AgiMode::Compute { threshold_gw_years }) => {
                Trigger::Compute(values[threshold_gw_years.0] * 12.0)
            }
        };
        let panel = agi.map(|a| &a.panel);
        let first_review = panel.map_or([0.0, 1.0, 12.0], |p| {
            [
                values[p.months.0],
                values[p.confirm_probability.0],
                values[p.retry_months.0],
            ]
        });
        *self = Process {
            trigger,
            next_allowed: 0,
            pending: None,
            pending_confirm: 1.0,
            next_allowed_after_reject: 12.0,
            reviews: 0,
            first_review,
            declarations: rng::stream(seed, trial, model.agi_stream),
            panel_rng: rng::stream(seed, trial, model.panel_stream),
            hazard_factor: 1.0,
            out: AgiOutcome::default(),
        };
    }

    /// The panel's draws for the next review: (months, confirm, retry).
    /// The first review uses the trial's inputs; later ones draw afresh.
    fn review_draws(&mut self, model: &Model<'_>) -> [f64; 3] {
        self.reviews += 1;
        let s = model.scenario;
        match s.agi.as_ref().map(|a| &a.panel) {
            Some(p) if self.reviews > 1 => [
                redraw(s, p.months, &mut self.panel_rng),
                redraw(s, p.confirm_probability, &mut self.panel_rng),
                redraw(s, p.retry_months, &mut self.panel_rng),
            ],
            _ => self.first_review,
        }
    }

    /// Advances to month `m`; `cum_gw_months` is placed GW-months up to m−1.
    pub fn step(&mut self, model: &Model<'_>, m: i64, cum_gw_months: f64) {
        if self.out.verified.is_some() {
            return;
        }
        if let Trigger::Hazard { growth_step, .. } = self.trigger
            && m > 0
        {
            self.hazard_factor *= growth_step;
        }
        if self.pending == Some(m) {
            self.verdict(m);
            return;
        }
        if self.pending.is_some() || m < self.next_allowed {
            return;
        }
        let declare = match self.trigger {
            Trigger::Never => false,
            Trigger::Date(d) => m >= d,
            Trigger::Hazard { annual, .. } => {
                let h = annual * self.hazard_factor;
                let u: f64 = self.declarations.random();
                u < 1.0 - math::exp(Scalar, -h / 12.0)
            }
            Trigger::Compute(threshold) => cum_gw_months >= threshold * (1.0 - 1e-9),
        };
        if declare {
            self.out.declared.get_or_insert(m);
            let [months, confirm, retry] = self.review_draws(model);
            self.pending_confirm = confirm;
            self.next_allowed_after_reject = retry;
            let verdict = m + months.round().clamp(0.0, 1e6) as i64;
            self.pending = Some(verdict);
            if verdict == m {
                self.verdict(m);
            }
        }
    }

    fn verdict(&mut self, m: i64) {
        self.pending = None;
        let u: f64 = self.panel_rng.random();
        if u < self.pending_confirm {
            self.out.verified = Some(m);
        } else {
            self.next_allowed = match self.trigger {
                // The hazard runs again from the month after the rejection.
                Trigger::Hazard { .. } => m + 1,
                _ => m + self.next_allowed_after_reject.round().clamp(1.0, 1e6) as i64,
            };
        }
    }

    /// The first month from which [`Process::step`] may change anything:
    /// until then a step does nothing (no state, no draw), so the month
    /// step skips it. The hazard and compute triggers are stepped every
    /// month: the hazard grows even while a verdict is pending.
    pub fn wake(&self) -> i64 {
        if self.out.verified.is_some() {
            return i64::MAX;
        }
        match (&self.trigger, self.pending) {
            (Trigger::Hazard { .. } | Trigger::Compute(_), _) => i64::MIN,
            (_, Some(verdict)) => verdict,
            (Trigger::Never, None) => i64::MAX,
            (Trigger::Date(d), None) => (*d).max(self.next_allowed),
        }
    }

    /// The month AGI was verified, if it has been.
    pub fn verified(&self) -> Option<i64> {
        self.out.verified
    }

    /// The first declaration and the verification.
    pub fn outcome(&self) -> AgiOutcome {
        self.out
    }
}
