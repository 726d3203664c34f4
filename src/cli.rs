//! The command line (MODEL.md, "Command line"): every option is defined
//! once here, and `main` only dispatches.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::error::Error;
use crate::scenario::{self, Override};

/// Monte Carlo simulation of OpenAI's compute demand under Microsoft's
/// contract rights.
#[derive(Debug, Parser)]
#[command(name = "rofrsim", version, about, propagate_version = true)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the trials of a scenario and write CSVs.
    Run(RunArgs),
    /// Run every combination of varied values with the same seed; write sweep.csv.
    Sweep(SweepArgs),
    /// Compare scenarios (files, run with common random numbers) or earlier runs (folders).
    Compare(CompareArgs),
    /// Show which inputs drive an outcome, from a run's sensitivity.csv.
    Sensitivity {
        /// Output folder of a run.
        outdir: PathBuf,
        /// Outcome metric (default: the headline outcomes).
        #[arg(long)]
        metric: Option<String>,
        /// Show at most this many inputs per metric.
        #[arg(long, default_value_t = 15)]
        top: usize,
    },
    /// Draw charts (SVG, in OUTDIR/charts/) and a one-page HTML report from output folders.
    Report {
        /// Output folders of `run` (several: compared, the first is the
        /// baseline) or of `compare`.
        #[arg(required = true, num_args = 1.., value_name = "OUTDIR")]
        outdirs: Vec<PathBuf>,
        /// The HTML file (default: OUTDIR/report.html; with several run
        /// folders, report-compare.html in the first).
        #[arg(long, value_name = "FILE.html")]
        out: Option<PathBuf>,
    },
    /// Check a scenario and print its uncertain inputs with p5 / p50 / p95.
    Validate {
        /// The scenario file (TOML).
        scenario: PathBuf,
        /// Override a value: key.path=VALUE, VALUE in TOML syntax
        /// (e.g. providers.azure.price=12 or 'demand.growth={dist="normal",mean=0.5,sd=0.1}').
        #[arg(long = "set", value_name = "KEY=VALUE")]
        set: Vec<Override>,
    },
}

/// Options of `rofrsim run` (MODEL.md, "Command line").
#[derive(Debug, clap::Args)]
pub struct RunArgs {
    /// The scenario file (TOML).
    #[arg(required_unless_present = "from_manifest")]
    pub scenario: Option<PathBuf>,
    /// Repeat the run a manifest.json records (scenario, overrides, seed,
    /// trials, paths, targets), after checking the scenario's SHA-256.
    #[arg(long, value_name = "MANIFEST", conflicts_with_all = ["scenario", "trials", "seed", "set", "paths", "target"])]
    pub from_manifest: Option<PathBuf>,
    /// Number of trials.
    #[arg(long, default_value_t = DEFAULT_TRIALS, value_parser = clap::value_parser!(u64).range(1..=1_000_000_000))]
    pub trials: u64,
    /// Seed of every random stream (default: the scenario's `seed`).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Output folder (default: output/<scenario name>).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Override a value: key.path=VALUE, VALUE in TOML syntax.
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub set: Vec<Override>,
    /// Also write every month of the first N trials to paths.csv.
    #[arg(long, default_value_t = 0, value_name = "N")]
    pub paths: u64,
    /// How to run: threads, --force, --quiet.
    #[command(flatten)]
    pub control: Control,
    /// Add the probability of meeting a target to summary.csv, e.g.
    /// 'unmet_share<=0.1' (operators <=, <, >=, >; repeatable).
    #[arg(long, value_name = "METRIC<=VALUE")]
    pub target: Vec<crate::target::Target>,
    /// Also draw the charts and the HTML report (OUTDIR/report.html) at the end.
    #[arg(long)]
    pub report: bool,
}

/// Options every command that runs trials shares.
#[derive(Debug, clap::Args)]
pub struct Control {
    /// Worker threads (default: all cores). Outputs do not depend on it.
    #[arg(long, value_parser = clap::value_parser!(u16).range(1..=1024))]
    pub threads: Option<u16>,
    /// Replace an existing output folder.
    #[arg(long)]
    pub force: bool,
    /// No progress output.
    #[arg(long, short)]
    pub quiet: bool,
}

impl Control {
    /// Worker threads: as given, else all cores.
    pub fn threads(&self) -> usize {
        self.threads.map_or_else(all_cores, usize::from)
    }
}

/// Options of `rofrsim sweep`.
#[derive(Debug, clap::Args)]
pub struct SweepArgs {
    /// The scenario file (TOML).
    pub scenario: PathBuf,
    /// A key to vary: key.path=v1,v2,… (TOML values) or key.path=lo:hi:step (repeatable).
    #[arg(long, value_name = "KEY=VALUES", required = true)]
    pub vary: Vec<crate::sweep::Vary>,
    /// Trials per combination.
    #[arg(long, default_value_t = DEFAULT_SWEEP_TRIALS, value_parser = clap::value_parser!(u64).range(1..=1_000_000_000))]
    pub trials: u64,
    /// Seed of every random stream (default: the scenario's `seed`).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Output folder (default: output/<scenario name>-sweep).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Override a value in every combination: key.path=VALUE.
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub set: Vec<Override>,
    /// How to run: threads, --force, --quiet.
    #[command(flatten)]
    pub control: Control,
    /// Add the probability of meeting a target, e.g. 'unmet_share<=0.1'.
    #[arg(long, value_name = "METRIC<=VALUE")]
    pub target: Vec<crate::target::Target>,
}

/// Options of `rofrsim compare`.
#[derive(Debug, clap::Args)]
pub struct CompareArgs {
    /// Scenario files or output folders; the first is the baseline A.
    #[arg(required = true, num_args = 2.., value_name = "A B [C…]")]
    pub inputs: Vec<PathBuf>,
    /// Trials for scenario files (default: the first folder's count, else 100000).
    #[arg(long, value_parser = clap::value_parser!(u64).range(2..=1_000_000_000))]
    pub trials: Option<u64>,
    /// Seed for scenario files (default: the first folder's, else the first scenario's).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Output folder (default: output/compare-A-vs-B…).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Override a value in every scenario file: key.path=VALUE.
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub set: Vec<Override>,
    /// How to run: threads, --force, --quiet.
    #[command(flatten)]
    pub control: Control,
}

/// Trials per combination when `sweep --trials` is not given.
pub const DEFAULT_SWEEP_TRIALS: u64 = 10_000;

fn all_cores() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// Trials when `--trials` is not given.
pub const DEFAULT_TRIALS: u64 = 100_000;

/// Runs the command line and returns the process exit code.
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            let mut source = std::error::Error::source(&e);
            while let Some(cause) = source {
                eprintln!("  caused by: {cause}");
                source = cause.source();
            }
            ExitCode::from(e.exit_code())
        }
    }
}

/// Dispatches a parsed command line.
pub fn run(cli: Cli) -> Result<(), Error> {
    match cli.command {
        Command::Run(args) => run_command(args),
        Command::Sensitivity {
            outdir,
            metric,
            top,
        } => {
            print!(
                "{}",
                crate::sensitivity::show(&outdir, metric.as_deref(), top)?
            );
            Ok(())
        }
        Command::Compare(args) => {
            let opts = crate::compare::CompareOptions {
                inputs: args.inputs,
                trials: args.trials,
                seed: args.seed,
                set: args.set,
                out: args.out,
                threads: Some(args.control.threads()),
                force: args.control.force,
                quiet: args.control.quiet,
            };
            print!("{}", crate::compare::compare(&opts)?);
            Ok(())
        }
        Command::Sweep(args) => {
            let opts = crate::sweep::SweepOptions {
                scenario: args.scenario,
                set: args.set,
                vary: args.vary,
                trials: args.trials,
                seed: args.seed,
                out: args.out,
                threads: args.control.threads(),
                force: args.control.force,
                quiet: args.control.quiet,
                targets: args.target,
            };
            let out = crate::sweep::sweep(&opts)?;
            println!("sweep written to {}", out.join("sweep.csv").display());
            Ok(())
        }
        Command::Report { outdirs, out } => {
            let written = crate::report::report(&crate::report::ReportOptions {
                inputs: outdirs,
                out,
            })?;
            println!(
                "report written to {} ({} charts)",
                written.html.display(),
                written.charts.len()
            );
            Ok(())
        }
        Command::Validate { scenario, set } => {
            let s = scenario::load_file(&scenario, &set)?;
            print!("{}", crate::validate::report(&s));
            Ok(())
        }
    }
}

fn run_command(mut args: RunArgs) -> Result<(), Error> {
    if let Some(manifest) = &args.from_manifest {
        let recorded = crate::run::Recorded::read(manifest)?;
        args.scenario = Some(recorded.scenario.clone());
        args.trials = recorded.trials;
        args.seed = Some(recorded.seed);
        args.paths = recorded.paths;
        args.set = recorded.overrides.clone();
        args.target = recorded.targets.clone();
        if args.out.is_none() {
            args.out = Some(recorded.out.clone());
        }
        recorded.check_scenario()?;
    }
    let Some(scenario_path) = args.scenario.clone() else {
        return Err(Error::Usage(
            "run needs a scenario file or --from-manifest".into(),
        ));
    };
    let scenario = scenario::load_file(&scenario_path, &args.set)?;
    let bytes = std::fs::read(&scenario_path).map_err(|e| {
        Error::Io(
            format!("cannot read scenario {}", scenario_path.display()),
            e,
        )
    })?;
    let provenance = crate::run::Provenance {
        scenario_path: scenario_path.display().to_string(),
        scenario_sha256: crate::run::sha256_hex(&bytes),
        overrides: args
            .set
            .iter()
            .map(|o| format!("{}={}", o.path, o.value))
            .collect(),
        final_out: None,
    };
    let opts = crate::run::RunOptions {
        trials: args.trials,
        seed: args.seed.unwrap_or(scenario.seed),
        out: args
            .out
            .unwrap_or_else(|| PathBuf::from("output").join(&scenario.name)),
        paths: args.paths,
        threads: Some(args.control.threads()),
        force: args.control.force,
        quiet: args.control.quiet,
        targets: args.target,
    };
    let report = crate::run::run(&scenario, &opts, &provenance)?;
    print!("{}", crate::run::headline(&scenario, &opts, &report));
    if args.report {
        let written = crate::report::report(&crate::report::ReportOptions {
            inputs: vec![opts.out.clone()],
            out: None,
        })?;
        println!("report: {}", written.html.display());
    }
    Ok(())
}
