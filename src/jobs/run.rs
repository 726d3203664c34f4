//! A run: simulate a scenario's trials and fill an output folder with
//! `trials.csv` (as `--trials-csv` says), `summary.csv`, `timeseries.csv`,
//! `timeseries_wide.csv`, `sensitivity.csv`, `manifest.json` (and
//! `paths.csv`). The toolbox of `rofrsim run`, of `compare`, which runs each
//! scenario file it is given (and takes its outcomes from memory rather than
//! `trials.csv`), and of `sweep --keep-runs`.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::Instant;

use super::columns::Columns;
use super::simulate::{
    PRECISION_CHECK, SimOptions, Simulation, Sink, TrialsOut, TrialsSink, simulate_until,
};
use crate::analysis::precision::{self, Reached, Spec};
use crate::analysis::stats::{self, Summary};
use crate::analysis::target::Target;
use crate::engine::{ExpiryCause, Model};
use crate::error::Error;
use crate::folder::manifest::{
    self, PrecisionRecord, PrecisionTarget, RunManifest, ScenarioRecord,
};
use crate::folder::staging::OutputDir;
use crate::folder::trials::{Trials, TrialsCsv, TrialsFormat};
use crate::folder::trials_parquet;
use crate::folder::{
    Kind, outcomes, paths, sensitivity, summary, timeseries, timeseries_wide, trials,
};
use crate::scenario::{Override, Scenario, default_label};

/// What `run` was asked to do.
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// What the run is called wherever it is named.
    pub label: String,
    /// Number of trials; with `precision`, the most (`--max-trials`).
    pub trials: u64,
    /// Run until precise (`--precision`), else exactly `trials` trials.
    pub precision: Option<Precision>,
    /// Seed of every random stream.
    pub seed: u64,
    /// Destination folder.
    pub out: PathBuf,
    /// Write every month of the first N trials to `paths.csv`.
    pub paths: u64,
    /// Worker threads.
    pub threads: usize,
    /// Replace an existing destination.
    pub force: bool,
    /// No progress bar.
    pub quiet: bool,
    /// Targets whose probability is added to `summary.csv`.
    pub targets: Vec<Target>,
    /// What `trials.csv` holds, if it is written.
    pub trials_csv: TrialsCsv,
    /// The file the trials go to: `trials.csv` or `trials.parquet`.
    pub trials_format: TrialsFormat,
    /// Also return the outcomes of every trial, as `trials.csv` would
    /// read back ([`RunResult::outcomes`]), for `compare`.
    pub keep_outcomes: bool,
    /// Run only this shard of the trials into a shard folder (`--shard`).
    pub shard: Option<super::shard::Shard>,
}

/// `--precision` and `--confidence`.
#[derive(Debug, Clone, PartialEq)]
pub struct Precision {
    /// The targets, all of which must be reached to stop.
    pub specs: Vec<Spec>,
    /// Confidence level of the intervals.
    pub confidence: f64,
}

/// Default `--confidence`.
pub const DEFAULT_CONFIDENCE: f64 = 0.95;

/// Default `--max-trials`.
pub const DEFAULT_MAX_TRIALS: u64 = 1_000_000;

/// What a `--precision` run reached.
#[derive(Debug, Clone)]
pub struct PrecisionResult {
    /// As asked.
    pub precision: Precision,
    /// `--max-trials`.
    pub max_trials: u64,
    /// Each target with its estimate and interval over the trials run.
    pub reached: Vec<(Spec, Reached)>,
}

impl PrecisionResult {
    /// Whether every target is reached.
    pub fn converged(&self) -> bool {
        self.reached.iter().all(|(_, r)| r.passed())
    }
}

/// Each target's estimate and interval over the columns so far; `None`
/// as soon as one is not reached when `first_failure` (a test at a check,
/// which needs no more), else every one.
fn precision_reached(
    columns: &Columns,
    metric_names: &[String],
    precision: &Precision,
    first_failure: bool,
) -> Result<Option<Vec<(Spec, Reached)>>, Error> {
    let mut out = Vec::new();
    for spec in &precision.specs {
        let Some(k) = metric_names.iter().position(|m| *m == spec.metric) else {
            return Err(Error::Other(format!(
                "internal: no outcome column {}",
                spec.metric
            )));
        };
        let reached = precision::evaluate(spec, &columns.column(k)?, precision.confidence);
        if first_failure && !reached.passed() {
            return Ok(None);
        }
        out.push((spec.clone(), reached));
    }
    Ok(Some(out))
}

/// Extra facts for `manifest.json`.
#[derive(Debug, Clone, Default)]
pub struct Provenance {
    /// Scenario file path as given.
    pub scenario_path: String,
    /// Hex SHA-256 of the scenario file's bytes.
    pub scenario_sha256: String,
    /// `--set` overrides as given.
    pub overrides: Vec<String>,
    /// The folder the outputs end up in, when it differs from
    /// `RunOptions::out` (a run staged inside another command's folder).
    pub final_out: Option<PathBuf>,
}

impl Provenance {
    /// The provenance of scenario file `path` loaded with `overrides`.
    pub fn of_file(path: &Path, overrides: &[Override]) -> Result<Provenance, Error> {
        let bytes = std::fs::read(path)
            .map_err(|e| Error::Io(format!("cannot read scenario {}", path.display()), e))?;
        Ok(Provenance {
            scenario_path: path.display().to_string(),
            scenario_sha256: manifest::sha256_hex(&bytes),
            overrides: overrides.iter().map(Override::to_string).collect(),
            final_out: None,
        })
    }
}

/// The result of a run, for the headline table.
#[derive(Debug)]
pub struct RunResult {
    /// Where the outputs are.
    pub out: PathBuf,
    /// Trials run.
    pub trials: u64,
    /// Threads used.
    pub threads: usize,
    /// Wall time, seconds.
    pub seconds: f64,
    /// `summary.csv` rows.
    pub summary: Vec<(String, Option<Summary>)>,
    /// IP expiry month per trial (None = beyond the horizon), for dates.
    pub ip_expiry_p: [Option<u32>; 3],
    /// The inputs that drive Microsoft's NPV most, largest tornado swing
    /// first (at most [`DRIVERS`]): input path and swing in usd_bn.
    pub npv_drivers: Vec<(String, f64)>,
    /// Every trial's outcomes, with [`RunOptions::keep_outcomes`].
    pub outcomes: Option<Trials>,
    /// With `--precision`: what was reached.
    pub precision: Option<PrecisionResult>,
}

/// How many of the NPV's drivers a run reports.
pub const DRIVERS: usize = 3;

/// The `summary.csv` rows of `--target`s: 0/1 per trial, so the mean is
/// the probability of meeting the target.
pub fn target_rows(
    sim: &Simulation,
    targets: &[Target],
) -> Result<Vec<(String, Option<Summary>)>, Error> {
    targets
        .iter()
        .filter_map(|t| {
            let k = sim.metric_names.iter().position(|m| *m == t.metric)?;
            Some(
                sim.columns
                    .column(k)
                    .map(|col| (t.label(), stats::summarise(&t.indicator(&col)))),
            )
        })
        .collect()
}

/// The `summary.csv` rows of a simulation: every metric, missing values
/// left out. A spread beyond f64 (from absurd inputs) is an error rather
/// than an empty cell.
pub fn summarise_columns(sim: &Simulation) -> Result<Vec<(String, Option<Summary>)>, Error> {
    use rayon::prelude::*;
    // Columns are independent: summarised on the worker threads, collected
    // in order, and the first failing column (in order) reported.
    let rows: Vec<Result<(String, Option<Summary>), Error>> = sim
        .metric_names
        .par_iter()
        .enumerate()
        .map(|(k, name)| {
            let column = sim.columns.column(k)?;
            // Missing values (NaN) are left out; a column without any is
            // summarised where it is, not copied.
            let summary = if column.iter().any(|x| x.is_nan()) {
                let present: Vec<f64> = column.iter().copied().filter(|x| !x.is_nan()).collect();
                stats::summarise(&present)
            } else {
                stats::summarise(&column)
            };
            if summary.as_ref().is_some_and(|s| !s.is_finite()) {
                return Err(super::simulate::overflow_error(&format!(
                    "the spread of {name}"
                )));
            }
            Ok((name.clone(), summary))
        })
        .collect();
    rows.into_iter().collect()
}

/// A flag set on SIGINT / SIGTERM (registered once per process), so work
/// stops cleanly between chunks and the staging folder is removed.
pub fn interruption_flag() -> Arc<AtomicBool> {
    static FLAG: OnceLock<Arc<AtomicBool>> = OnceLock::new();
    Arc::clone(FLAG.get_or_init(|| {
        let flag = Arc::new(AtomicBool::new(false));
        for sig in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
            // If registration fails the default handler stays: the process
            // dies and the staging folder is left behind, hidden, never renamed.
            let _ = signal_hook::flag::register(sig, Arc::clone(&flag));
        }
        flag
    }))
}

/// Refuses, before any work, a run whose files would not fit on the output's
/// disk: `trials.csv` (estimated from trial 0's row), `paths.csv`, and the
/// outcome columns when they spill. Without the check a huge `--trials`
/// would run for hours and then fail on a full disk.
fn check_disk(model: &Model<'_>, opts: &RunOptions, shown: &Path) -> Result<(), Error> {
    // The fault-injection tests set this to reach the mid-run disk-full
    // path (a disk something else fills while the run goes on).
    if std::env::var_os("ROFRSIM_SKIP_DISK_CHECK").is_some() {
        return Ok(());
    }
    // The destination's nearest existing folder is on the disk it goes to.
    let existing = opts
        .out
        .ancestors()
        .find(|p| !p.as_os_str().is_empty() && p.exists())
        .unwrap_or(Path::new("."));
    let Ok(free) = fs4::available_space(existing) else {
        return Ok(());
    };
    let mut scratch = crate::engine::Scratch::default();
    let outcome = model.run_trial(0, 0, &mut scratch, &mut crate::engine::NoObserver);
    let mut metrics = Vec::new();
    outcomes::metrics(model, &outcome, &mut metrics);
    let mut inputs = trials::input_columns(model);
    if !opts.trials_csv.with_inputs() {
        inputs.clear();
    }
    let mut row = String::new();
    trials::row(
        model,
        0,
        &inputs,
        scratch.values(0),
        &outcome,
        &metrics,
        &mut row,
    );
    let series = timeseries::series_names(model).len() as u64;
    // A shard writes its share of the trials.
    let trials = opts.shard.map_or(opts.trials, |s| {
        let share = s.share(opts.trials);
        share.end - share.start
    });
    // trials.parquet: eight bytes a double and a little framing (doubles
    // of random digits hardly compress); ten to be safe.
    let row_bytes = match opts.trials_format {
        TrialsFormat::Csv => row.len() as u64,
        TrialsFormat::Parquet => {
            10 * trials::header(model, opts.trials_csv.with_inputs()).len() as u64
        }
    };
    let trials_csv = if opts.trials_csv.written() {
        row_bytes.saturating_mul(trials)
    } else {
        0
    };
    // A paths.csv row: the date and about 18 bytes per series value.
    let paths_csv = opts
        .paths
        .min(trials)
        .saturating_mul(model.months() as u64 * (12 + 18 * series));
    let columns =
        if trials.saturating_mul(metrics.len() as u64 * 8) > super::columns::in_memory_limit() {
            trials.saturating_mul(metrics.len() as u64 * 8)
        } else {
            0
        };
    let need = trials_csv.saturating_add(paths_csv).saturating_add(columns);
    if need > free {
        let gb = |b: u64| b as f64 / 1e9;
        return Err(Error::Disk(format!(
            "{} {} would write about {:.1} GB ({:.1} GB of {}{}) but only {:.1} GB is free where {} goes; run fewer trials, write elsewhere with --out, or keep less of the trials with --trials-csv outcomes (or none)",
            if opts.precision.is_some() {
                "--max-trials"
            } else {
                "--trials"
            },
            opts.trials,
            gb(need),
            gb(trials_csv),
            opts.trials_format.file(),
            if columns > 0 {
                format!(", {:.1} GB of outcome columns while running", gb(columns))
            } else {
                String::new()
            },
            gb(free),
            shown.display()
        )));
    }
    Ok(())
}

/// A run's trials simulated into its staging folder: what its files are
/// made from (by [`run`], or read back from shards by `merge`).
pub(super) struct Simulated<'s> {
    pub started: Instant,
    pub model: Model<'s>,
    pub output_dir: OutputDir,
    pub sim: Simulation,
    pub trials_file: Option<TrialsFile>,
    pub paths_file: Option<BufWriter<File>>,
    pub precision: Option<PrecisionResult>,
    pub stop: Arc<AtomicBool>,
}

/// A run's trials file being written: `trials.csv` or `trials.parquet`.
pub(super) enum TrialsFile {
    Csv(BufWriter<File>),
    // Boxed: the writer's state is ten times the CSV's buffer handle.
    Parquet(Box<trials_parquet::Writer>),
}

impl TrialsFile {
    /// Creates the file `format` names in `output_dir`, for rows with the
    /// inputs or not.
    pub fn create(
        output_dir: &OutputDir,
        model: &Model<'_>,
        format: TrialsFormat,
        with_inputs: bool,
    ) -> Result<TrialsFile, Error> {
        let file = output_dir.create(format.file())?;
        Ok(match format {
            TrialsFormat::Csv => TrialsFile::Csv(file),
            TrialsFormat::Parquet => TrialsFile::Parquet(Box::new(trials_parquet::Writer::create(
                file,
                trials_parquet::schema(model, with_inputs),
                output_dir.label(trials_parquet::FILE),
            )?)),
        })
    }

    /// Where the simulation writes its rows.
    pub fn out<'a>(&'a mut self, output_dir: &OutputDir) -> TrialsOut<'a> {
        match self {
            TrialsFile::Csv(f) => TrialsOut::Csv(Sink {
                name: output_dir.label(trials::FILE),
                out: f as &mut dyn Write,
            }),
            TrialsFile::Parquet(w) => TrialsOut::Parquet(w.as_mut()),
        }
    }

    /// Ends the file (the Parquet footer) and syncs it to disk.
    pub fn finish(self, output_dir: &OutputDir) -> Result<(), Error> {
        match self {
            TrialsFile::Csv(f) => output_dir.finish(f, trials::FILE),
            TrialsFile::Parquet(w) => output_dir.finish(w.close()?, trials_parquet::FILE),
        }
    }
}

/// Runs a scenario and writes its outputs.
pub fn run(
    scenario: &Scenario,
    opts: &RunOptions,
    provenance: &Provenance,
) -> Result<RunResult, Error> {
    let simulated = simulate_run(scenario, opts, provenance)?;
    write_run(scenario, opts, provenance, simulated)
}

/// Simulates a run's trials (a shard's, with `opts.shard`) into its
/// staging folder, writing `trials.csv` and `paths.csv` as they come.
pub(super) fn simulate_run<'s>(
    scenario: &'s Scenario,
    opts: &RunOptions,
    provenance: &Provenance,
) -> Result<Simulated<'s>, Error> {
    let started = Instant::now();
    if opts.trials == 0 {
        return Err(Error::Usage("--trials must be at least 1".into()));
    }
    let mut model = Model::new(scenario);
    model.set_trials(opts.trials);
    let metrics = outcomes::metric_names(&model);
    for t in &opts.targets {
        t.check(&metrics)?;
    }
    if opts.shard.is_some() && opts.precision.is_some() {
        return Err(Error::Usage(
            "--shard runs a fixed share of --trials; it cannot stop early with --precision".into(),
        ));
    }
    if let Some(p) = &opts.precision {
        // Any metric of summary.csv, the probabilities' 0/1 columns too.
        let all: Vec<String> = metrics
            .iter()
            .cloned()
            .chain(outcomes::probability_names().map(String::from))
            .collect();
        for spec in &p.specs {
            spec.check(&all)?;
        }
        // A hypercube needs its trial count in advance, and a run that stops
        // at a check has run whole blocks: each block of PRECISION_CHECK
        // trials is its own hypercube (no effect under Monte Carlo).
        model.set_hypercube_blocks(PRECISION_CHECK, opts.trials);
    }
    // Before the staging folder exists: nothing is written for a run that
    // cannot fit, and trials.csv is opened as soon as the folder appears.
    check_disk(
        &model,
        opts,
        provenance.final_out.as_ref().unwrap_or(&opts.out),
    )?;
    let mut output_dir = OutputDir::begin(&opts.out, opts.force)?;
    if let Some(shown) = &provenance.final_out {
        output_dir.show_as(shown);
    }
    let stop = interruption_flag();
    let threads = opts.threads;
    let sim_opts = SimOptions {
        trials: opts.trials,
        seed: opts.seed,
        threads,
        paths: opts.paths,
        keep_inputs: crate::analysis::sensitivity::SENSITIVITY_TRIALS,
        progress: !opts.quiet,
        // Inside the staging folder: removed before it is renamed into
        // place, and with it on any failure.
        spill_dir: Some(output_dir.dir.join(".columns")),
        shard: opts.shard.map(|s| s.share(opts.trials)),
    };
    let mut trials_file = if opts.trials_csv.written() {
        Some(TrialsFile::create(
            &output_dir,
            &model,
            opts.trials_format,
            opts.trials_csv.with_inputs(),
        )?)
    } else {
        None
    };
    let mut paths_file = if opts.paths > 0 {
        Some(output_dir.create(paths::FILE)?)
    } else {
        None
    };
    // The stopping rule: every target reached on the trials so far.
    let names: Vec<String> = outcomes::metric_names(&model)
        .into_iter()
        .chain(outcomes::probability_names().map(String::from))
        .collect();
    let mut until = |columns: &Columns| -> Result<bool, Error> {
        match &opts.precision {
            Some(p) => Ok(precision_reached(columns, &names, p, true)?.is_some()),
            None => Ok(false),
        }
    };
    let sim = simulate_until(
        &model,
        &sim_opts,
        trials_file.as_mut().map(|f| TrialsSink {
            out: f.out(&output_dir),
            with_inputs: opts.trials_csv.with_inputs(),
        }),
        paths_file.as_mut().map(|f| Sink {
            name: output_dir.label(paths::FILE),
            out: f as &mut dyn Write,
        }),
        &stop,
        match opts.precision {
            Some(_) => Some(&mut until),
            None => None,
        },
    )?;
    let precision = match &opts.precision {
        Some(p) => Some(PrecisionResult {
            precision: p.clone(),
            max_trials: opts.trials,
            reached: precision_reached(&sim.columns, &sim.metric_names, p, false)?
                .unwrap_or_default(),
        }),
        None => None,
    };
    Ok(Simulated {
        started,
        model,
        output_dir,
        sim,
        trials_file,
        paths_file,
        precision,
        stop,
    })
}

/// Writes a simulated run's files (`summary.csv`, the time series,
/// `sensitivity.csv`, `manifest.json`; `trials.csv` and `paths.csv` are
/// written by then) and puts the folder in place.
pub(super) fn write_run(
    scenario: &Scenario,
    opts: &RunOptions,
    provenance: &Provenance,
    simulated: Simulated<'_>,
) -> Result<RunResult, Error> {
    let Simulated {
        started,
        model,
        output_dir,
        mut sim,
        trials_file,
        paths_file,
        precision,
        stop,
    } = simulated;
    let threads = opts.threads;
    let trials_run = sim.trials;
    // Summaries, sensitivity and the bands' percentiles use the same number
    // of threads as the run, while trials.csv and paths.csv are synced to
    // disk (seconds of waiting on the disk for a large run, overlapped with
    // the computing).
    let pool = super::simulate::thread_pool(threads)?;
    let (synced, computed) = std::thread::scope(|scope| {
        let syncing = scope.spawn(|| {
            if let Some(f) = trials_file {
                f.finish(&output_dir)?;
            }
            match paths_file {
                Some(f) => output_dir.finish(f, paths::FILE),
                None => Ok(()),
            }
        });
        let computed = pool.install(|| {
            let mut summary = summarise_columns(&sim)?;
            summary.extend(target_rows(&sim, &opts.targets)?);
            let sensitivity =
                crate::analysis::sensitivity::analyse(&sim.inputs, &sim.metric_names, |k| {
                    sim.columns.head(k)
                });
            // Both time-series files from the same statistics, so the wide
            // file's cells are the long file's, not computed again.
            let statistics =
                timeseries::Statistics::of_run(&model, trials_run, &sim.sums, &sim.hists);
            let timeseries = (
                timeseries::csv(&statistics),
                timeseries_wide::csv(&statistics),
            );
            Ok::<_, Error>((summary, sensitivity, timeseries))
        });
        let synced = syncing
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        (synced, computed)
    });
    // A file that could not be written is the first thing to report.
    synced?;
    let (summary, sensitivity, (timeseries, timeseries_wide)) = computed?;
    let kept = if opts.keep_outcomes {
        Some(trial_outcomes(&sim)?)
    } else {
        None
    };
    let columns_spilled = sim.columns.spilled();
    sim.columns.remove_spill();
    output_dir.write(summary::FILE, &summary::csv(&summary))?;
    output_dir.write(sensitivity::FILE, &sensitivity::csv(&sensitivity))?;
    // Rows come ranked by |swing| within each metric.
    let npv_drivers: Vec<(String, f64)> = sensitivity
        .iter()
        .filter(|r| r.metric == outcomes::MICROSOFT_VALUE_NPV)
        .take(DRIVERS)
        .map(|r| (r.input.clone(), r.swing()))
        .collect();
    output_dir.write(timeseries::FILE, &timeseries)?;
    output_dir.write(timeseries_wide::FILE, &timeseries_wide)?;

    // IP expiry date percentiles over all trials (beyond-horizon sorts last):
    // the k-th smallest month, from the per-month counts.
    let counts = &sim.expiry_counts;
    let beyond = counts.len().saturating_sub(1);
    let pick = |p: f64| {
        let k = ((sim.trials.saturating_sub(1)) as f64 * p).round() as u64;
        let mut seen = 0;
        let month = counts.iter().position(|&c| {
            seen += c;
            k < seen
        })?;
        (month < beyond).then_some(month as u32)
    };
    let ip_expiry_p = [pick(0.05), pick(0.5), pick(0.95)];

    let seconds = started.elapsed().as_secs_f64();
    let manifest = run_manifest(
        scenario,
        opts,
        provenance,
        Ran {
            trials: trials_run,
            threads,
            seconds,
            columns_spilled,
            precision: precision.as_ref(),
        },
    );
    manifest.write(&output_dir)?;

    if stop.load(Ordering::Relaxed) {
        return Err(Error::Interrupted);
    }
    output_dir.commit()?;
    Ok(RunResult {
        out: opts.out.clone(),
        trials: trials_run,
        threads,
        seconds,
        summary,
        ip_expiry_p,
        npv_drivers,
        outcomes: kept,
        precision,
    })
}

/// Every trial's outcomes as `trials.csv` holds them and
/// [`Trials::parse`] reads them back: the numeric outcomes in file order,
/// each `-0` as `0` (as the file writes it), and `ip_expiry_cause`, which
/// two columns tell: `ip_expiry_year` is empty exactly when the rights
/// outlast the horizon, and `p_ip_expiry_by_agi` is 1 exactly when AGI
/// ended them.
fn trial_outcomes(sim: &Simulation) -> Result<Trials, Error> {
    let probabilities: Vec<&str> = outcomes::probability_names().collect();
    let column = |name: &str| -> Result<Vec<f64>, Error> {
        match sim.metric_names.iter().position(|m| m == name) {
            Some(k) => Ok(sim.columns.column(k)?.into_owned()),
            None => Err(Error::Other(format!("internal: no outcome column {name}"))),
        }
    };
    let mut kept = Vec::new();
    for name in &sim.metric_names {
        if probabilities.contains(&name.as_str()) {
            continue;
        }
        let mut values = column(name)?;
        for x in &mut values {
            if *x == 0.0 {
                *x = 0.0;
            }
        }
        kept.push((name.clone(), values));
    }
    let by_agi = column(outcomes::P_IP_EXPIRY_BY_AGI)?;
    let year = column(outcomes::IP_EXPIRY_YEAR)?;
    let causes = by_agi
        .iter()
        .zip(&year)
        .map(|(&agi, &year)| {
            if year.is_nan() {
                ExpiryCause::BeyondHorizon
            } else if agi == 1.0 {
                ExpiryCause::Agi
            } else {
                ExpiryCause::Sunset
            }
        })
        .collect();
    Ok(Trials {
        outcomes: kept,
        causes,
    })
}

/// A shell word, quoted when needed, for the reproduce command.
pub(super) fn shell_quote(s: &str) -> String {
    if !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./=:,".contains(c))
    {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', "'\\''"))
    }
}

/// How a run went, for its manifest.
struct Ran<'a> {
    trials: u64,
    threads: usize,
    seconds: f64,
    columns_spilled: bool,
    precision: Option<&'a PrecisionResult>,
}

/// The manifest's record of a `--precision` run.
fn precision_record(p: &PrecisionResult, trials: u64) -> PrecisionRecord {
    let finite = |x: f64| x.is_finite().then_some(x);
    PrecisionRecord {
        check_every: PRECISION_CHECK,
        confidence: p.precision.confidence,
        converged: p.converged(),
        max_trials: p.max_trials,
        targets: p
            .reached
            .iter()
            .map(|(spec, r)| PrecisionTarget {
                allowed_half_width: finite(r.allowed),
                estimate: finite(r.estimate),
                half_width: finite(r.half_width),
                high: finite(r.high),
                low: finite(r.low),
                n: r.n as u64,
                reached: r.passed(),
                relative_half_width: finite(r.relative()),
                spec: spec.to_string(),
            })
            .collect(),
        trials,
    }
}

fn run_manifest(
    scenario: &Scenario,
    opts: &RunOptions,
    prov: &Provenance,
    ran: Ran<'_>,
) -> RunManifest {
    let Ran {
        trials,
        threads,
        seconds,
        columns_spilled,
        precision,
    } = ran;
    let out = prov
        .final_out
        .as_ref()
        .unwrap_or(&opts.out)
        .display()
        .to_string();
    let targets: Vec<String> = opts.targets.iter().map(Target::text).collect();
    let mut command = vec![
        "rofrsim".to_string(),
        "run".into(),
        shell_quote(&prov.scenario_path),
    ];
    // A precision run is repeated as one: the same tests stop it at the
    // same count (under Monte Carlo, `--trials` of that count gives the
    // same files but not the record of the precision reached).
    match &opts.precision {
        Some(p) => {
            for spec in &p.specs {
                command.push("--precision".into());
                command.push(shell_quote(&spec.to_string()));
            }
            command.extend([
                "--confidence".into(),
                p.confidence.to_string(),
                "--max-trials".into(),
                opts.trials.to_string(),
            ]);
        }
        None => command.extend(["--trials".into(), opts.trials.to_string()]),
    }
    command.extend([
        "--seed".into(),
        opts.seed.to_string(),
        "--out".into(),
        shell_quote(&out),
    ]);
    // Overrides are recorded as written, so they parse back.
    let overrides: Vec<Override> = prov
        .overrides
        .iter()
        .filter_map(|o| o.parse().ok())
        .collect();
    if opts.label != default_label(&scenario.name, &overrides) {
        command.push("--label".into());
        command.push(shell_quote(&opts.label));
    }
    for o in &prov.overrides {
        command.push("--set".into());
        command.push(shell_quote(o));
    }
    for t in &targets {
        command.push("--target".into());
        command.push(shell_quote(t));
    }
    if opts.paths > 0 {
        command.push("--paths".into());
        command.push(opts.paths.to_string());
    }
    if !opts.trials_csv.is_full() {
        command.push("--trials-csv".into());
        command.push(opts.trials_csv.label().into());
    }
    if !opts.trials_format.is_csv() {
        command.push("--trials-format".into());
        command.push(opts.trials_format.label().into());
    }
    let mut files = vec![
        opts.trials_format.file(),
        summary::FILE,
        timeseries::FILE,
        timeseries_wide::FILE,
        sensitivity::FILE,
        manifest::FILE,
    ];
    if opts.paths > 0 {
        files.push(paths::FILE);
    }
    if !opts.trials_csv.written() {
        files.retain(|&f| f != opts.trials_format.file());
    }
    RunManifest {
        end: Some(scenario.end),
        files: files.into_iter().map(String::from).collect(),
        format_version: manifest::FORMAT_VERSION,
        kind: Kind::Run,
        label: opts.label.clone(),
        months: scenario.months(),
        out,
        paths: opts.paths,
        percentile_bands: format!(
            "timeseries.csv p5..p95 from log-linear histograms, within {:.2} % of the exact PERCENTILE.INC; means exact",
            stats::HISTOGRAM_RELATIVE_ERROR * 100.0
        ),
        precision: precision.map(|p| precision_record(p, trials)),
        reproduce: command.join(" "),
        rofrsim_version: env!("CARGO_PKG_VERSION").into(),
        scenario: ScenarioRecord {
            description: scenario.description.clone(),
            name: scenario.name.clone(),
            overrides: prov.overrides.clone(),
            path: prov.scenario_path.clone(),
            sha256: prov.scenario_sha256.clone(),
        },
        seed: opts.seed,
        start: Some(scenario.start),
        summary_columns: if columns_spilled {
            "spilled to disk while running (more than fits the in-memory limit); statistics exact"
        } else {
            "in memory; statistics exact"
        }
        .into(),
        targets,
        threads,
        trials,
        trials_csv: opts.trials_csv,
        trials_format: opts.trials_format,
        wall_time_seconds: (seconds * 1000.0).round() / 1000.0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Columns of two metrics: `a` spread over 0..1000 and `b` constant
    /// with every fifth value missing, `trials` trials in all.
    fn columns(trials: usize) -> Columns {
        let mut c = Columns::new(2, trials as u64, 0, None).unwrap();
        let rows: Vec<f64> = (0..trials)
            .flat_map(|i| {
                let b = if i % 5 == 0 { f64::NAN } else { 3.0 };
                [((i * 7919) % 1000) as f64, b]
            })
            .collect();
        c.push_rows(&rows).unwrap();
        c
    }

    fn precision(specs: &[&str]) -> Precision {
        Precision {
            specs: specs.iter().map(|s| s.parse().unwrap()).collect(),
            confidence: 0.95,
        }
    }

    #[test]
    fn the_stopping_rule_needs_every_target_reached() {
        let names = ["a".to_string(), "b".to_string()];
        // Mean of a ≈ 499.5, sd ≈ 288.7: half-width 1.96·288.7/√n.
        let c = columns(10_240);
        let stop = |specs: &[&str]| {
            precision_reached(&c, &names, &precision(specs), true)
                .unwrap()
                .is_some()
        };
        // 5.59 at 10,240 trials: within 1.2 % of 499.5 (6.0), not 1 % (5.0).
        assert!(stop(&["a:mean±1.2%"]));
        assert!(!stop(&["a:mean±1%"]));
        assert!(stop(&["a:mean±6"]));
        assert!(!stop(&["a:mean±5"]));
        // b has no spread; its missing values are left out.
        assert!(stop(&["b:mean±0.001", "b:sd±0.001", "b:p50±0.001%"]));
        assert!(!stop(&["b:mean±0.001", "a:mean±1%"]));
        assert!(!stop(&["a:mean±1%", "b:mean±0.001"]));
        // Four times the trials halve the half-width.
        let more = columns(40_960);
        let all = precision_reached(&more, &names, &precision(&["a:mean±1%", "b:p50±1"]), false)
            .unwrap()
            .unwrap();
        assert!(all.iter().all(|(_, r)| r.passed()), "{all:?}");
        assert_eq!((all[0].1.n, all[1].1.n), (40_960, 32_768));
        // Every target is given back when all are asked for, passed or not.
        let every = precision_reached(&c, &names, &precision(&["a:mean±1%", "b:sd±1"]), false)
            .unwrap()
            .unwrap();
        assert_eq!(every.len(), 2);
        assert!(!every[0].1.passed() && every[1].1.passed());
    }
}
