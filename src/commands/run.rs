//! `rofrsim run SCENARIO [options]` (or `--from-manifest`): run the trials
//! of a scenario into an output folder and print the headline outcomes.

// The options' doc comments are clap's help text, written for a terminal
// (`output/<scenario name>`), not rustdoc's HTML.
#![allow(rustdoc::invalid_html_tags)]

use std::path::{Path, PathBuf};

use super::text::{self, short};
use super::{Control, DEFAULT_TRIALS, Ended, SamplingArgs, print, trials};
use crate::analysis::inference::wilson_interval;
use crate::analysis::precision::{self, Spec, Tolerance};
use crate::analysis::stats::Summary;
use crate::analysis::target::Target;
use crate::error::Error;
use crate::folder::Reader;
use crate::folder::manifest::{self, RunManifest};
use crate::folder::outcomes::{
    self, AZURE_SHARE_END, MICROSOFT_VALUE_NPV, P_IP_EXPIRY_BY_AGI, UNMET_SHARE,
};
use crate::folder::trials::{TrialsCsv, TrialsFormat};
use crate::jobs::run::{
    DEFAULT_CONFIDENCE, DEFAULT_MAX_TRIALS, Precision, PrecisionResult, Provenance, RunOptions,
    RunResult,
};
use crate::jobs::shard::{ShardArg, ShardResult};
use crate::report::{ReportOptions, report};
use crate::scenario::{self, Override, Scenario};

/// Options of `rofrsim run`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The scenario file (TOML).
    #[arg(required_unless_present = "from_manifest")]
    scenario: Option<PathBuf>,
    /// Repeat the run a manifest.json records (scenario, overrides, seed,
    /// trials, paths, targets), after checking the scenario's SHA-256.
    #[arg(long, value_name = "MANIFEST", conflicts_with_all = ["scenario", "trials", "seed", "set", "paths", "target", "sampling", "adjust_correlations", "precision", "confidence", "max_trials"])]
    from_manifest: Option<PathBuf>,
    /// Number of trials (default 100000; not with --precision).
    #[arg(long, value_parser = trials)]
    trials: Option<u64>,
    /// Run until a statistic is known to a tolerance, e.g.
    /// 'microsoft_value_npv_usd_bn:mean±1%' (STAT mean, sd or pNN; TOL a
    /// percentage or an amount; +- for ±; repeatable: all must be reached).
    /// Tested every 10240 trials.
    #[arg(long, value_name = "METRIC:STAT±TOL")]
    precision: Vec<Spec>,
    /// Confidence level of --precision's intervals (default 0.95).
    #[arg(long, value_name = "LEVEL", value_parser = precision::parse_confidence)]
    confidence: Option<f64>,
    /// Most trials of a --precision run (default 1000000).
    #[arg(long, value_name = "N", value_parser = trials)]
    max_trials: Option<u64>,
    /// Seed of every random stream (default: the scenario's `seed`).
    #[arg(long)]
    seed: Option<u64>,
    /// Output folder (default: output/<label as a folder name>).
    #[arg(long)]
    out: Option<PathBuf>,
    /// What to call the run in compare, report and charts (default: the
    /// scenario name and a short form of the --set overrides).
    #[arg(long, value_name = "NAME", value_parser = parse_label)]
    label: Option<String>,
    /// Override a value: key.path=VALUE, VALUE in TOML syntax.
    #[arg(long = "set", value_name = "KEY=VALUE")]
    set: Vec<Override>,
    /// Also write every month of the first N trials to paths.csv.
    #[arg(long, default_value_t = 0, value_name = "N")]
    paths: u64,
    /// How to run: threads, --force, --quiet.
    #[command(flatten)]
    control: Control,
    /// How the inputs are drawn: --sampling, --adjust-correlations.
    #[command(flatten)]
    sampling: SamplingArgs,
    /// Add the probability of meeting a target to summary.csv, e.g.
    /// 'unmet_share<=0.1' (operators <=, <, >=, >; repeatable).
    #[arg(long, value_name = "METRIC<=VALUE")]
    target: Vec<Target>,
    /// Also draw the charts and the HTML report (OUTDIR/report.html) at the end.
    #[arg(long)]
    report: bool,
    /// What trials.csv holds (default: full; with --from-manifest, the
    /// manifest's choice).
    #[arg(long, value_name = "WHAT")]
    trials_csv: Option<TrialsCsv>,
    /// The file the trials go to: trials.csv or trials.parquet (default:
    /// csv; with --from-manifest, the manifest's choice).
    #[arg(long, value_name = "FORMAT")]
    trials_format: Option<TrialsFormat>,
    /// Also write the workbook OUTDIR/summary.xlsx (tables and native charts) at the end.
    #[arg(long)]
    xlsx: bool,
    /// Run only shard I of N (from 0): trials ⌊I·T/N⌋ to ⌊(I+1)·T/N⌋ − 1,
    /// into a shard folder for `rofrsim merge`. `auto`: the shard of this
    /// task of a Slurm, Kubernetes or AWS Batch job array.
    #[arg(long, value_name = "I/N|auto", conflicts_with_all = ["precision", "report", "xlsx"])]
    shard: Option<ShardArg>,
    /// The number of shards, for --shard auto where the scheduler does not
    /// tell it (a Kubernetes Indexed Job, a task run again on its own).
    #[arg(long, value_name = "N", requires = "shard", value_parser = clap::value_parser!(u64).range(1..))]
    shards: Option<u64>,
}

/// Runs `rofrsim run`.
pub(super) fn run(mut args: Args) -> Result<(), Ended> {
    if let Some(manifest) = args.from_manifest.clone() {
        repeat(&mut args, &manifest)?;
    }
    let sampling = args.sampling.overrides();
    args.set.extend(sampling);
    let Some(scenario_path) = args.scenario.clone() else {
        return Err(Error::Usage("run needs a scenario file or --from-manifest".into()).into());
    };
    let scenario = scenario::load_file(&scenario_path, &args.set)?;
    for note in &scenario.sampling.notes {
        eprintln!("{note}");
    }
    let provenance = Provenance::of_file(&scenario_path, &args.set)?;
    let label = args
        .label
        .unwrap_or_else(|| scenario::default_label(&scenario.name, &args.set));
    let (trials, precision) = if args.precision.is_empty() {
        for (given, flag) in [
            (args.confidence.is_some(), "--confidence"),
            (args.max_trials.is_some(), "--max-trials"),
        ] {
            if given {
                return Err(Error::Usage(format!(
                    "{flag} goes with --precision (a run of a fixed number of trials takes --trials)"
                ))
                .into());
            }
        }
        (args.trials.unwrap_or(DEFAULT_TRIALS), None)
    } else {
        if args.trials.is_some() {
            return Err(Error::Usage(
                "--trials cannot be given with --precision, which runs until the targets are reached: give the most trials with --max-trials".into(),
            )
            .into());
        }
        (
            args.max_trials.unwrap_or(DEFAULT_MAX_TRIALS),
            Some(Precision {
                specs: args.precision,
                confidence: args.confidence.unwrap_or(DEFAULT_CONFIDENCE),
            }),
        )
    };
    let shard = match args.shard {
        Some(arg) => Some(arg.resolve(args.shards, |v| std::env::var(v).ok())?),
        None => None,
    };
    let default_out = match shard {
        Some(shard) => crate::jobs::shard::default_out(&label, shard),
        None => PathBuf::from("output").join(scenario::folder_name(&label)),
    };
    let opts = RunOptions {
        trials,
        precision,
        seed: args.seed.unwrap_or(scenario.seed),
        out: args.out.unwrap_or(default_out),
        label,
        paths: args.paths,
        threads: args.control.threads(),
        force: args.control.force,
        quiet: args.control.quiet,
        targets: args.target,
        trials_csv: args.trials_csv.unwrap_or_default(),
        trials_format: args.trials_format.unwrap_or_default(),
        keep_outcomes: false,
        shard,
    };
    if opts.shard.is_some() {
        let done = crate::jobs::shard::run_shard(&scenario, &opts, &provenance)?;
        return print(&shard_lines(&opts, &done));
    }
    let result = crate::jobs::run::run(&scenario, &opts, &provenance)?;
    // Drawn before anything is printed, so that a reader who stops reading
    // early (a closed stdout) does not stop the report from being written,
    // and before the headline, whose size of the outputs counts it (the
    // workbook too).
    let written = if args.report {
        Some(report(&ReportOptions {
            inputs: vec![opts.out.clone()],
            out: None,
            force: false,
        })?)
    } else {
        None
    };
    let workbook = if args.xlsx {
        Some(crate::report::xlsx::write(&opts.out)?)
    } else {
        None
    };
    let mut text = headline(&scenario, &opts, &result);
    if let Some(written) = written {
        text.push_str(&format!("report: {}\n", written.html.display()));
    }
    if let Some(workbook) = workbook {
        text.push_str(&format!("workbook: {}\n", workbook.display()));
    }
    print(&text)?;
    // Not reaching a target is no failure (exit 0): the run and its files
    // are sound, only less precise than asked.
    if let Some(p) = &result.precision {
        for line in unreached(p, result.trials) {
            crate::jobs::progress(&line);
        }
    }
    Ok(())
}

/// What a shard run prints: which trials it ran, and where.
fn shard_lines(opts: &RunOptions, done: &ShardResult) -> String {
    let mut out = format!(
        "{}: shard {}, trials {} to {} of {}, seed {}, {:.2} s on {} thread{}\n",
        opts.label,
        done.shard,
        done.trials.start,
        done.trials.end.saturating_sub(1),
        opts.trials,
        opts.seed,
        done.seconds,
        opts.threads,
        if opts.threads == 1 { "" } else { "s" }
    );
    if done.trials.is_empty() {
        out = format!(
            "{}: shard {} holds no trials ({} trials in {} shards)\n",
            opts.label, done.shard, opts.trials, done.shard.count
        );
    }
    out.push_str(&text::outputs(&done.out));
    out.push_str("merge the shards with: rofrsim merge SHARD_FOLDER... --out DIR\n");
    out
}

/// How tight a target asks, `1 %` or `0.5` (the metric's unit).
fn tolerance_text(spec: &Spec) -> String {
    match spec.tolerance {
        Tolerance::Relative(p) => format!("{} %", short(p)),
        Tolerance::Absolute(x) => short(x),
    }
}

/// How tight it got, in the tolerance's terms.
fn reached_text(spec: &Spec, r: &precision::Reached) -> String {
    if !r.half_width.is_finite() {
        return "no interval yet".into();
    }
    match spec.tolerance {
        Tolerance::Relative(_) => format!("{} %", short(r.relative() * 100.0)),
        Tolerance::Absolute(_) => short(r.half_width),
    }
}

/// The precision lines under the headline's first line, one per target.
fn precision_lines(p: &PrecisionResult, trials: u64) -> String {
    let conf = short(p.precision.confidence * 100.0);
    let mut out = String::new();
    for (spec, r) in &p.reached {
        let interval = if r.half_width.is_finite() {
            // No relative half-width of an estimate of 0.
            let relative = if r.estimate == 0.0 {
                String::new()
            } else {
                format!("{} %, ", short(r.relative() * 100.0))
            };
            format!(
                " ± {} ({relative}{conf} % CI [{}, {}])",
                short(r.half_width),
                short(r.low),
                short(r.high)
            )
        } else {
            format!(" (no {conf} % interval from {} values)", r.n)
        };
        let verdict = if r.passed() {
            format!(
                "≤ {} — reached at {} trials",
                tolerance_text(spec),
                short(trials as f64)
            )
        } else {
            format!(
                "> {} — not reached at {} trials",
                tolerance_text(spec),
                short(trials as f64)
            )
        };
        out.push_str(&format!(
            "precision: {} {} {}{interval} {verdict}\n",
            spec.metric,
            spec.stat,
            short(r.estimate)
        ));
    }
    out
}

/// The warning for each target not reached by `--max-trials`.
fn unreached(p: &PrecisionResult, trials: u64) -> Vec<String> {
    p.reached
        .iter()
        .filter(|(_, r)| !r.passed())
        .map(|(spec, r)| {
            format!(
                "warning: stopped at --max-trials {} before {} {} reached ±{} (at ±{})",
                short(trials as f64),
                spec.metric,
                spec.stat,
                tolerance_text(spec),
                reached_text(spec, r)
            )
        })
        .collect()
}

/// A `--label`: some visible text on one line.
fn parse_label(s: &str) -> Result<String, String> {
    let label = s.trim();
    if label.is_empty() || label.chars().any(char::is_control) {
        return Err(format!(
            "expected a name for the run on one line, such as \"cap doubled\" (given {s:?})"
        ));
    }
    Ok(label.to_string())
}

/// Sets `args` to repeat the run recorded in `manifest` (the file, or the
/// run folder holding it), after checking that the scenario file still has
/// the recorded SHA-256.
fn repeat(args: &mut Args, manifest: &Path) -> Result<(), Error> {
    let m = RunManifest::read_path(manifest, Reader::FromManifest)?;
    let lacks = |key: &str| Error::Folder {
        path: manifest.to_path_buf(),
        problem: format!("the manifest lacks `{key}`: the run cannot be repeated from it"),
    };
    if m.scenario.path.is_empty() {
        return Err(lacks("scenario.path"));
    }
    if m.scenario.sha256.is_empty() {
        return Err(lacks("scenario.sha256"));
    }
    let scenario = PathBuf::from(&m.scenario.path);
    let bytes = std::fs::read(&scenario).map_err(|e| {
        Error::Usage(format!(
            "{}: cannot read the recorded scenario {}: {e}",
            manifest.display(),
            scenario.display()
        ))
    })?;
    let actual = manifest::sha256_hex(&bytes);
    if actual != m.scenario.sha256 {
        return Err(Error::Usage(format!(
            "{} has changed since the run recorded in {} (SHA-256 {actual}, recorded {}); the run cannot be reproduced from it",
            scenario.display(),
            manifest.display(),
            m.scenario.sha256
        )));
    }
    args.set = m.overrides(manifest)?;
    args.target = m.targets(manifest)?;
    args.scenario = Some(scenario);
    // A precision run is repeated as one: its tests stop it where it
    // stopped (the trial count alone would give the same files, but no
    // record of the precision reached).
    match &m.precision {
        Some(p) => {
            args.precision = p
                .targets
                .iter()
                .map(|t| {
                    t.spec.parse().map_err(|e| {
                        crate::folder::bad_file(
                            manifest,
                            format!("precision target {:?}: {e}", t.spec),
                        )
                    })
                })
                .collect::<Result<_, _>>()?;
            if precision::parse_confidence(&p.confidence.to_string()).is_err() {
                return Err(crate::folder::bad_file(
                    manifest,
                    format!(
                        "precision.confidence {} is not a level from 0 to {}",
                        p.confidence,
                        precision::MAX_CONFIDENCE
                    ),
                ));
            }
            args.confidence = Some(p.confidence);
            args.max_trials = Some(p.max_trials);
            args.trials = None;
        }
        None => args.trials = Some(m.trials),
    }
    args.seed = Some(m.seed);
    args.paths = m.paths;
    if args.label.is_none() && !m.label.is_empty() {
        args.label = Some(m.label.clone());
    }
    // Like `--out`, `--trials-csv` changes what is written, not what is
    // computed: given, it replaces the recorded choice.
    args.trials_csv = args.trials_csv.or(Some(m.trials_csv));
    args.trials_format = args.trials_format.or(Some(m.trials_format));
    if args.out.is_none() && !m.out.is_empty() {
        args.out = Some(PathBuf::from(m.out));
    }
    Ok(())
}

/// The short table printed at the end of a run.
pub(super) fn headline(scenario: &Scenario, opts: &RunOptions, r: &RunResult) -> String {
    let find = |name: &str| {
        r.summary
            .iter()
            .find(|(n, _)| n == name)
            .and_then(|(_, s)| s.as_ref())
    };
    let pct = |x: f64| format!("{:.1} %", x * 100.0);
    let date = |m: Option<u32>| match m {
        Some(m) => scenario.start.plus(m as i32).to_string(),
        None => format!("after {}", scenario.end),
    };
    let mut out = format!(
        "{}: {} trials, seed {}, {}..{}, {:.2} s on {} thread{}\n\n",
        opts.label,
        r.trials,
        opts.seed,
        scenario.start,
        scenario.end,
        r.seconds,
        r.threads,
        if r.threads == 1 { "" } else { "s" }
    );
    if let Some(p) = &r.precision {
        // Just under the first line: how far the trials got.
        out.insert_str(out.len() - 1, &precision_lines(p, r.trials));
    }
    let mut row = |label: &str, value: String| out.push_str(&format!("  {label:<44} {value}\n"));
    // The outcomes' labels from the table of outcomes where they read as
    // a headline; the others say which month or denominator is meant.
    let label = |name: &str| outcomes::label(name).map_or_else(|| name.to_string(), |(l, _)| l);
    if let Some(s) = find(P_IP_EXPIRY_BY_AGI) {
        row(&label(P_IP_EXPIRY_BY_AGI), pct(s.mean));
    }
    row(
        "IP expiry date p5 / p50 / p95",
        format!(
            "{} / {} / {}",
            date(r.ip_expiry_p[0]),
            date(r.ip_expiry_p[1]),
            date(r.ip_expiry_p[2])
        ),
    );
    let spread = |s: &Summary, f: &dyn Fn(f64) -> String| {
        format!(
            "mean {}  (p5 {}, p50 {}, p95 {})",
            f(s.mean),
            f(s.percentiles[1]),
            f(s.percentiles[4]),
            f(s.percentiles[7])
        )
    };
    if let Some(s) = find(AZURE_SHARE_END) {
        row(
            &format!("Azure share of placed compute, {}", scenario.end),
            spread(s, &pct),
        );
    }
    if let Some(s) = find(UNMET_SHARE) {
        row("Unmet share of demand (GW-years)", spread(s, &pct));
    }
    if let Some(s) = find(MICROSOFT_VALUE_NPV) {
        row(
            &format!("{}, usd_bn", label(MICROSOFT_VALUE_NPV)),
            spread(s, &|x| short(x)),
        );
    }
    // What moves the NPV most: the tornado's top bars (`rofrsim sensitivity`
    // lists them all, for every headline outcome).
    let width = r
        .npv_drivers
        .iter()
        .map(|(input, _)| input.len())
        .max()
        .unwrap_or(0);
    for (i, (input, swing)) in r.npv_drivers.iter().enumerate() {
        let label = if i == 0 {
            "Drivers of Microsoft NPV (swing, usd_bn)"
        } else {
            ""
        };
        let sign = if *swing > 0.0 { "+" } else { "" };
        row(label, format!("{input:<width$}  {sign}{}", short(*swing)));
    }
    // Each target's probability, with the 95 % Wilson interval of a share
    // of n trials (n: the trials where the metric has a value).
    for t in &opts.targets {
        let value = match find(&t.label()) {
            Some(s) => match wilson_interval(s.mean, s.n) {
                Some((lo, hi)) => format!(
                    "{}  [95 % CI {}, {}]  of {} trials",
                    pct(s.mean),
                    pct(lo),
                    pct(hi),
                    s.n
                ),
                None => pct(s.mean),
            },
            None => "no trial has a value".to_string(),
        };
        row(&format!("P({})", t.text()), value);
    }
    out.push('\n');
    out.push_str(&text::outputs(&r.out));
    out
}
