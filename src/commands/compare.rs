//! `rofrsim compare A B [C…] [options]`: what changed between scenarios
//! (files, run here with common random numbers) or earlier runs (folders).

use std::fmt::Write as _;
use std::path::PathBuf;

use super::text::{Align, outputs, render, short};
use super::{Control, DEFAULT_TRIALS, Ended, SamplingArgs, paired_trials, print};
use crate::analysis::comparison::Comparison;
use crate::folder::trials::TrialsCsv;
use crate::jobs::compare::{CompareOptions, RunData, WhatIf, compare, paired};
use crate::scenario::Override;

/// Options of `rofrsim compare`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Scenario files or output folders; the first is the baseline A
    /// (one scenario file with --what-if).
    #[arg(required = true, num_args = 1.., value_name = "A B [C…]")]
    inputs: Vec<PathBuf>,
    /// A variant of the scenario, run paired with it:
    /// 'LABEL: KEY=VALUE [KEY*=FACTOR KEY+=AMOUNT…]' (repeatable).
    #[arg(long = "what-if", value_name = "LABEL: KEY=VALUE…")]
    what_if: Vec<WhatIf>,
    /// Trials for scenario files (default: the first folder's count, else 100000).
    #[arg(long, value_parser = paired_trials)]
    trials: Option<u64>,
    /// Seed for scenario files (default: the first folder's, else the first scenario's).
    #[arg(long)]
    seed: Option<u64>,
    /// Output folder (default: output/compare-A-vs-B…).
    #[arg(long)]
    out: Option<PathBuf>,
    /// Override a value in every scenario file: key.path=VALUE.
    #[arg(long = "set", value_name = "KEY=VALUE")]
    set: Vec<Override>,
    /// How to run: threads, --force, --quiet.
    #[command(flatten)]
    control: Control,
    /// How the inputs are drawn: --sampling, --adjust-correlations.
    #[command(flatten)]
    sampling: SamplingArgs,
    /// Keep each scenario file's run folder in OUT/runs/<name>/ as `run`
    /// writes it, trials.csv included (default: without trials.csv).
    #[arg(long)]
    keep_runs: bool,
    /// What trials.csv of each run in OUT/runs/ holds (default: none; full
    /// with --keep-runs).
    #[arg(long, value_name = "WHAT")]
    trials_csv: Option<TrialsCsv>,
    /// Also write the workbook summary.xlsx (tables and native charts) into the output folder.
    #[arg(long)]
    xlsx: bool,
}

/// Runs `rofrsim compare`: prints, for each run after the first, the
/// metrics that differ from the baseline.
pub(super) fn run(args: Args) -> Result<(), Ended> {
    let compared = compare(&CompareOptions {
        inputs: args.inputs,
        trials: args.trials,
        default_trials: DEFAULT_TRIALS,
        seed: args.seed,
        set: args
            .set
            .into_iter()
            .chain(args.sampling.overrides())
            .collect(),
        what_ifs: args.what_if,
        out: args.out,
        threads: args.control.threads(),
        force: args.control.force,
        quiet: args.control.quiet,
        keep_runs: args.keep_runs,
        trials_csv: args.trials_csv,
    })?;
    let mut text = runs(&compared.runs);
    if let Some((base, others)) = compared.runs.split_first() {
        for (b, rows) in others.iter().zip(&compared.pairs) {
            text.push_str(&table(base, b, rows));
            text.push('\n');
        }
    }
    let _ = writeln!(text, "compare.csv: {}", compared.csv.display());
    if args.xlsx {
        let written = crate::report::xlsx::write(&compared.out)?;
        let _ = writeln!(text, "workbook: {}", written.display());
    }
    text.push_str(&outputs(&compared.out));
    print(&text)
}

/// The runs compared, each with its overrides, the baseline first.
fn runs(runs: &[RunData]) -> String {
    let cells: Vec<[String; 3]> = runs
        .iter()
        .enumerate()
        .map(|(i, r)| {
            [
                if i == 0 { "A".into() } else { "B".into() },
                r.label.clone(),
                if r.overrides.is_empty() {
                    "(as the file has it)".into()
                } else {
                    r.overrides.join("  ")
                },
            ]
        })
        .collect();
    let mut out = render(
        "  ",
        ["role", "run", "overrides"],
        [Align::Left, Align::Left, Align::Left],
        &cells,
    );
    out.push('\n');
    out
}

/// The readable table: metrics whose difference is significant, largest
/// standardised effect first.
fn table(a: &RunData, b: &RunData, rows: &[Comparison]) -> String {
    let mut sig: Vec<&Comparison> = rows.iter().filter(|c| c.significant()).collect();
    // A difference with no spread at all (both constant) is the largest effect.
    sig.sort_by(|x, y| {
        y.effect
            .unwrap_or(f64::INFINITY)
            .total_cmp(&x.effect.unwrap_or(f64::INFINITY))
    });
    let how = if paired(a, b) {
        format!(
            "paired: same seed {} and {} trials, trial i of each shares its draws",
            a.seed, a.trials
        )
    } else {
        format!(
            "unpaired: seeds {} / {}, trials {} / {}",
            a.seed, b.seed, a.trials, b.trials
        )
    };
    let mut out = format!("{} vs {} ({how})\n", b.label, a.label);
    if sig.is_empty() {
        out.push_str(
            "  no metric differs significantly (every 95 % interval of B − A contains 0)\n",
        );
        return out;
    }
    let header = [
        "metric",
        "mean A",
        "mean B",
        "B − A  [95 % CI]",
        "P(B>A)",
        "KS D (p)",
        "effect",
    ];
    let cells: Vec<[String; 7]> = sig
        .iter()
        .map(|c| {
            let d = c.diff.as_ref();
            [
                c.metric.clone(),
                short(c.mean.0),
                short(c.mean.1),
                d.map_or(String::new(), |d| {
                    format!(
                        "{}  [{}, {}]",
                        short(d.diff),
                        short(d.ci_low),
                        short(d.ci_high)
                    )
                }),
                format!("{:.3}", c.p_b_greater),
                c.ks.map_or(String::new(), |(k, p)| {
                    format!(
                        "{k:.3} ({})",
                        if p < 1e-4 {
                            "<1e-4".into()
                        } else {
                            format!("{p:.4}")
                        }
                    )
                }),
                c.effect.map_or("∞".into(), |e| format!("{e:.2}")),
            ]
        })
        .collect();
    out.push_str(&render(
        "  ",
        header,
        [
            Align::Left,
            Align::Right,
            Align::Right,
            Align::Right,
            Align::Right,
            Align::Right,
            Align::Right,
        ],
        &cells,
    ));
    let hidden = rows.len() - sig.len();
    let _ = writeln!(
        out,
        "  ({hidden} metrics not shown: their 95 % interval of B − A contains 0)"
    );
    out
}
