//! `rofrsim validate SCENARIO [--set KEY=VALUE]…`: check a scenario and
//! show its uncertain inputs with their p5 / p50 / p95.

use std::fmt::Write as _;
use std::path::PathBuf;

use super::text::{Align, render, short};
use super::{Ended, print};
use crate::scenario::{self, Override, Scenario, Uncertain};

/// Options of `rofrsim validate`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The scenario file (TOML).
    scenario: PathBuf,
    /// Override a value: key.path=VALUE, VALUE in TOML syntax
    /// (e.g. providers.azure.price=12 or 'demand.growth={dist="normal",mean=0.5,sd=0.1}').
    #[arg(long = "set", value_name = "KEY=VALUE")]
    set: Vec<Override>,
}

/// Runs `rofrsim validate`.
pub(super) fn run(args: Args) -> Result<(), Ended> {
    let s = scenario::load_file(&args.scenario, &args.set)?;
    print(&report(&s))
}

/// The report printed by `validate`: a header and one row per input given
/// as a distribution, with its p5 / p50 / p95.
fn report(s: &Scenario) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "scenario {:?}: valid", s.name);
    let _ = writeln!(
        out,
        "  {} to {} ({} months), {} workloads, {} providers, policy {}, seed {}",
        s.start,
        s.end,
        s.months(),
        s.workloads.len(),
        s.providers.len(),
        s.policy.name(),
        s.seed
    );
    let rows: Vec<[String; 5]> = s
        .inputs
        .all()
        .iter()
        .filter_map(|input| match &input.value {
            Uncertain::Const(_) => None,
            Uncertain::Dist(d) => Some([
                input.path.clone(),
                d.describe(),
                short(d.quantile(0.05)),
                short(d.quantile(0.5)),
                short(d.quantile(0.95)),
            ]),
        })
        .collect();
    let constants = s.inputs.len() - rows.len();
    let notes = notes(s);
    if rows.is_empty() {
        let _ = writeln!(out, "\nno uncertain inputs ({constants} constants)");
        out.push_str(&notes);
        return out;
    }
    let _ = writeln!(
        out,
        "\n{} uncertain inputs ({constants} constants not shown):\n",
        rows.len()
    );
    out.push_str(&render(
        "",
        ["input", "distribution", "p5", "p50", "p95"],
        [
            Align::Left,
            Align::Left,
            Align::Right,
            Align::Right,
            Align::Right,
        ],
        &rows,
    ));
    out.push_str(&notes);
    out
}

/// What in a valid scenario has no effect, said so that an analyst does
/// not tune it in vain.
fn notes(s: &Scenario) -> String {
    let mut out = String::new();
    if s.new_capacity.is_none() {
        for r in &s.terms.rofr {
            let _ = writeln!(
                out,
                "\nnote: {}.exercise_probability has no effect: it decides offers of new capacity, and without [new_capacity] none is made (on existing capacity the holder always comes first)",
                r.path
            );
        }
    }
    out
}
