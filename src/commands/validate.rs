//! `rofrsim validate SCENARIO [--set KEY=VALUE]…`: check a scenario and
//! show its uncertain inputs with their p5 / p50 / p95.

use std::fmt::Write as _;
use std::path::PathBuf;

use super::text::{Align, render, short};
use super::{Ended, SamplingArgs, print};
use crate::scenario::sampling::Method;
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
    /// How the inputs are drawn: --sampling, --adjust-correlations.
    #[command(flatten)]
    sampling: SamplingArgs,
}

/// Runs `rofrsim validate`.
pub(super) fn run(args: Args) -> Result<(), Ended> {
    let set: Vec<Override> = args
        .set
        .into_iter()
        .chain(args.sampling.overrides())
        .collect();
    let s = scenario::load_file(&args.scenario, &set)?;
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
    out.push_str(&sampling(s));
    out.push_str(&notes);
    out
}

/// The sampling method and every correlated pair with its coefficient.
fn sampling(s: &Scenario) -> String {
    let method = match s.sampling.method {
        Method::MonteCarlo => "Monte Carlo (mc)",
        Method::LatinHypercube => "Latin hypercube (lhs) over the per-trial inputs",
    };
    let mut out = format!("\nsampling: {method}\n");
    let rows: Vec<[String; 3]> = s
        .sampling
        .groups
        .iter()
        .flat_map(|g| {
            let n = g.inputs.len();
            (0..n).flat_map(move |i| (0..i).map(move |j| (g, i, j)))
        })
        .filter(|(g, i, j)| g.spearman.at(*i, *j) != 0.0 || g.adjusted_from.is_some())
        .map(|(g, i, j)| {
            [
                s.inputs.get(g.inputs[j]).path.clone(),
                s.inputs.get(g.inputs[i]).path.clone(),
                short(g.spearman.at(i, j)),
            ]
        })
        .collect();
    if !rows.is_empty() {
        let _ = writeln!(
            out,
            "\n{} rank correlations in {} groups (Gaussian copula):\n",
            rows.len(),
            s.sampling.groups.len()
        );
        out.push_str(&render(
            "",
            ["input", "with", "spearman"],
            [Align::Left, Align::Left, Align::Right],
            &rows,
        ));
    }
    for note in &s.sampling.notes {
        let _ = writeln!(out, "\n{note}");
    }
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
