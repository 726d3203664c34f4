//! `rofrsim run`: simulate, then write the CSVs. Everything is written into
//! a temporary folder beside the destination and renamed into place only
//! when complete, so a failed or interrupted run leaves nothing that looks
//! finished, and an earlier folder replaced with `--force` survives until
//! the new one is whole.

use std::fs;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::Instant;

use crate::error::Error;
use crate::model::Model;
use crate::output;
use crate::scenario::Scenario;
use crate::simulate::{SimOptions, Simulation, Sink, simulate};
use crate::stats::{self, Summary};
use crate::target::Target;

/// What `run` was asked to do.
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// Number of trials.
    pub trials: u64,
    /// Seed of every random stream.
    pub seed: u64,
    /// Destination folder.
    pub out: PathBuf,
    /// Write every month of the first N trials to `paths.csv`.
    pub paths: u64,
    /// Worker threads (None = all cores).
    pub threads: Option<usize>,
    /// Replace an existing destination.
    pub force: bool,
    /// No progress bar.
    pub quiet: bool,
    /// Targets whose probability is added to `summary.csv`.
    pub targets: Vec<Target>,
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

/// The result of a run, for the headline table.
#[derive(Debug)]
pub struct RunReport {
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
}

/// An output folder being written: files go into a hidden staging folder
/// beside the destination, removed unless [`OutputDir::commit`] is reached,
/// which swaps it into place (the old folder, with `--force`, survives until
/// the new one is complete).
pub struct OutputDir {
    /// The staging folder to write into.
    pub dir: PathBuf,
    out: PathBuf,
    /// The destination as messages name it (differs from `out` for a run
    /// staged inside another command's folder).
    shown: PathBuf,
    old: PathBuf,
    committed: bool,
}

impl OutputDir {
    /// Checks the destination and creates the staging folder.
    pub fn begin(out: &Path, force: bool) -> Result<OutputDir, Error> {
        if out.exists() && !force {
            return Err(Error::Usage(format!(
                "the output folder {} already exists; pass --force to replace it or --out to choose another",
                out.display()
            )));
        }
        if out.exists() && !out.is_dir() {
            return Err(Error::Usage(format!(
                "--out {} is a file, not a folder",
                out.display()
            )));
        }
        let parent = match out.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        fs::create_dir_all(&parent)
            .map_err(io_err(format!("cannot create {}", parent.display())))?;
        let leaf = out
            .file_name()
            .map_or_else(|| "out".into(), |n| n.to_string_lossy().into_owned());
        let dir = parent.join(format!(".{leaf}.rofrsim-partial-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir(&dir).map_err(io_err(format!(
            "cannot create the output folder in {}",
            parent.display()
        )))?;
        let old = parent.join(format!(".{leaf}.rofrsim-old-{}", std::process::id()));
        Ok(OutputDir {
            dir,
            out: out.to_path_buf(),
            shown: out.to_path_buf(),
            old,
            committed: false,
        })
    }

    /// Moves the finished folder into place.
    pub fn commit(mut self) -> Result<(), Error> {
        let out = &self.out;
        if out.exists() {
            fs::rename(out, &self.old)
                .map_err(io_err(format!("cannot move aside {}", out.display())))?;
        }
        if let Err(e) = fs::rename(&self.dir, out) {
            if self.old.exists() {
                let _ = fs::rename(&self.old, out);
            }
            return Err(Error::Io(
                format!("cannot move the outputs into {}", out.display()),
                e,
            ));
        }
        self.committed = true;
        if self.old.exists() {
            let _ = fs::remove_dir_all(&self.old);
        }
        Ok(())
    }
}

impl Drop for OutputDir {
    fn drop(&mut self) {
        if !self.committed {
            let _ = fs::remove_dir_all(&self.dir);
        }
    }
}

fn io_err(what: String) -> impl FnOnce(std::io::Error) -> Error {
    move |e| Error::Io(what, e)
}

impl OutputDir {
    /// `name` in the destination folder, as messages should show it (the
    /// staging folder is hidden and gone once a command fails).
    pub fn label(&self, name: &str) -> String {
        self.shown.join(name).display().to_string()
    }

    /// Creates `name` for buffered writing.
    pub fn create(&self, name: &str) -> Result<BufWriter<fs::File>, Error> {
        fs::File::create(self.dir.join(name))
            .map(BufWriter::new)
            .map_err(io_err(format!("cannot write {}", self.label(name))))
    }

    /// Flushes and syncs a file made by [`OutputDir::create`], so a full disk
    /// is reported here rather than lost.
    pub fn finish(&self, mut file: BufWriter<fs::File>, name: &str) -> Result<(), Error> {
        let what = || format!("cannot write {}", self.label(name));
        file.flush().map_err(io_err(what()))?;
        let file = file
            .into_inner()
            .map_err(|e| Error::Io(what(), e.into_error()))?;
        file.sync_all().map_err(io_err(what()))
    }

    /// Writes `text` to `name`.
    pub fn write(&self, name: &str, text: &str) -> Result<(), Error> {
        fs::write(self.dir.join(name), text)
            .map_err(io_err(format!("cannot write {}", self.label(name))))
    }
}

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
                    .map(|col| (t.label(), stats::summarise(&mut t.indicator(&col)))),
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
            let mut present = sim.columns.column(k)?.into_owned();
            present.retain(|x| !x.is_nan());
            let summary = stats::summarise(&mut present);
            if summary.as_ref().is_some_and(|s| !s.is_finite()) {
                return Err(crate::simulate::overflow_error(&format!(
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
    let mut scratch = crate::model::Scratch::default();
    let outcome = model.run_trial(0, 0, &mut scratch, &mut crate::model::NoObserver);
    let mut metrics = Vec::new();
    output::outcome_metrics(model, &outcome, &mut metrics);
    let inputs = output::input_columns(model);
    let mut row = String::new();
    output::trial_row(
        model,
        0,
        &inputs,
        scratch.values(0),
        &outcome,
        &metrics,
        &mut row,
    );
    let series = output::series_names(model).len() as u64;
    let trials_csv = (row.len() as u64).saturating_mul(opts.trials);
    // A paths.csv row: the date and about 18 bytes per series value.
    let paths_csv = opts
        .paths
        .min(opts.trials)
        .saturating_mul(model.months() as u64 * (12 + 18 * series));
    let columns = if opts.trials.saturating_mul(metrics.len() as u64 * 8)
        > crate::columns::in_memory_limit()
    {
        opts.trials.saturating_mul(metrics.len() as u64 * 8)
    } else {
        0
    };
    let need = trials_csv.saturating_add(paths_csv).saturating_add(columns);
    if need > free {
        let gb = |b: u64| b as f64 / 1e9;
        return Err(Error::Usage(format!(
            "--trials {} would write about {:.1} GB ({:.1} GB of trials.csv{}) but only {:.1} GB is free where {} goes; run fewer trials or write elsewhere with --out",
            opts.trials,
            gb(need),
            gb(trials_csv),
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

/// Runs a scenario and writes its outputs.
pub fn run(
    scenario: &Scenario,
    opts: &RunOptions,
    provenance: &Provenance,
) -> Result<RunReport, Error> {
    let started = Instant::now();
    if opts.trials == 0 {
        return Err(Error::Usage("--trials must be at least 1".into()));
    }
    let model = Model::new(scenario);
    let metrics = output::outcome_metric_names(&model);
    for t in &opts.targets {
        t.check(&metrics)?;
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
        output_dir.shown = shown.clone();
    }
    let stop = interruption_flag();
    let threads = opts
        .threads
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    let sim_opts = SimOptions {
        trials: opts.trials,
        seed: opts.seed,
        threads,
        paths: opts.paths,
        keep_inputs: crate::sensitivity::SENSITIVITY_TRIALS,
        progress: !opts.quiet,
        // Inside the staging folder: removed before it is renamed into
        // place, and with it on any failure.
        spill_dir: Some(output_dir.dir.join(".columns")),
    };
    let mut trials_file = output_dir.create("trials.csv")?;
    let mut paths_file = if opts.paths > 0 {
        Some(output_dir.create("paths.csv")?)
    } else {
        None
    };
    let mut sim = simulate(
        &model,
        &sim_opts,
        Some(Sink {
            name: output_dir.label("trials.csv"),
            out: &mut trials_file,
        }),
        paths_file.as_mut().map(|f| Sink {
            name: output_dir.label("paths.csv"),
            out: f as &mut dyn Write,
        }),
        &stop,
    )?;
    // Summaries and sensitivity use the same number of threads as the run,
    // while trials.csv and paths.csv are synced to disk (seconds of waiting
    // on the disk for a large run, overlapped with the computing).
    let pool = crate::simulate::thread_pool(threads)?;
    let (synced, computed) = std::thread::scope(|scope| {
        let syncing = scope.spawn(|| {
            output_dir.finish(trials_file, "trials.csv")?;
            match paths_file {
                Some(f) => output_dir.finish(f, "paths.csv"),
                None => Ok(()),
            }
        });
        let computed = pool.install(|| {
            let mut summary = summarise_columns(&sim)?;
            summary.extend(target_rows(&sim, &opts.targets)?);
            Ok::<_, Error>((summary, crate::sensitivity::analyse(&sim)))
        });
        let synced = syncing
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        (synced, computed)
    });
    // A file that could not be written is the first thing to report.
    synced?;
    let (summary, sensitivity) = computed?;
    let columns_spilled = sim.columns.spilled();
    sim.columns.remove_spill();
    output_dir.write("summary.csv", &output::summary_csv(&summary))?;
    output_dir.write("sensitivity.csv", &crate::sensitivity::csv(&sensitivity))?;
    output_dir.write(
        "timeseries.csv",
        &output::timeseries_csv(&model, opts.trials, &sim.sums, &sim.hists),
    )?;

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
    let manifest = manifest_json(
        scenario,
        opts,
        provenance,
        threads,
        seconds,
        columns_spilled,
    );
    output_dir.write("manifest.json", &manifest)?;

    if stop.load(Ordering::Relaxed) {
        return Err(Error::Interrupted);
    }
    output_dir.commit()?;
    Ok(RunReport {
        out: opts.out.clone(),
        trials: opts.trials,
        threads,
        seconds,
        summary,
        ip_expiry_p,
    })
}

/// A shell word, quoted when needed, for the reproduce command.
fn shell_quote(s: &str) -> String {
    if !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./=:,".contains(c))
    {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', "'\\''"))
    }
}

fn manifest_json(
    scenario: &Scenario,
    opts: &RunOptions,
    prov: &Provenance,
    threads: usize,
    seconds: f64,
    columns_spilled: bool,
) -> String {
    let mut command = vec![
        "rofrsim".to_string(),
        "run".into(),
        shell_quote(&prov.scenario_path),
        "--trials".into(),
        opts.trials.to_string(),
        "--seed".into(),
        opts.seed.to_string(),
        "--out".into(),
        shell_quote(
            &prov
                .final_out
                .as_ref()
                .unwrap_or(&opts.out)
                .display()
                .to_string(),
        ),
    ];
    for o in &prov.overrides {
        command.push("--set".into());
        command.push(shell_quote(o));
    }
    for t in &opts.targets {
        command.push("--target".into());
        command.push(shell_quote(&t.label()["target:".len()..]));
    }
    if opts.paths > 0 {
        command.push("--paths".into());
        command.push(opts.paths.to_string());
    }
    let mut files = vec![
        "trials.csv",
        "summary.csv",
        "timeseries.csv",
        "sensitivity.csv",
        "manifest.json",
    ];
    if opts.paths > 0 {
        files.push("paths.csv");
    }
    let value = serde_json::json!({
        "rofrsim_version": env!("CARGO_PKG_VERSION"),
        "scenario": {
            "name": scenario.name,
            "description": scenario.description,
            "path": prov.scenario_path,
            "sha256": prov.scenario_sha256,
            "overrides": prov.overrides,
        },
        "seed": opts.seed,
        "trials": opts.trials,
        "paths": opts.paths,
        "months": scenario.months(),
        "start": scenario.start.to_string(),
        "end": scenario.end.to_string(),
        "threads": threads,
        "wall_time_seconds": (seconds * 1000.0).round() / 1000.0,
        "reproduce": command.join(" "),
        "out": prov.final_out.as_ref().unwrap_or(&opts.out).display().to_string(),
        "targets": opts.targets.iter().map(|t| t.label()["target:".len()..].to_string()).collect::<Vec<_>>(),
        "files": files,
        "percentile_bands": format!(
            "timeseries.csv p5..p95 from log-linear histograms, within {:.2} % of the exact PERCENTILE.INC; means exact",
            stats::HISTOGRAM_RELATIVE_ERROR * 100.0
        ),
        "summary_columns": if columns_spilled {
            "spilled to disk while running (more than fits the in-memory limit); statistics exact"
        } else {
            "in memory; statistics exact"
        },
    });
    let mut text = serde_json::to_string_pretty(&value).unwrap_or_else(|_| "{}".into());
    text.push('\n');
    text
}

/// A run as its `manifest.json` records it, for `run --from-manifest`.
#[derive(Debug, Clone)]
pub struct Recorded {
    /// The manifest file.
    pub manifest: PathBuf,
    /// Scenario path as recorded (relative to where the run was started).
    pub scenario: PathBuf,
    /// Recorded SHA-256 of the scenario file.
    pub sha256: String,
    /// `--set` overrides.
    pub overrides: Vec<crate::scenario::Override>,
    /// Seed.
    pub seed: u64,
    /// Trials.
    pub trials: u64,
    /// `--paths`.
    pub paths: u64,
    /// `--target`s.
    pub targets: Vec<Target>,
    /// Output folder.
    pub out: PathBuf,
}

impl Recorded {
    /// Reads a manifest written by `run`.
    pub fn read(manifest: &Path) -> Result<Recorded, Error> {
        let bad = |what: String| Error::Usage(format!("{}: {what}", manifest.display()));
        let text = fs::read_to_string(manifest)
            .map_err(|e| bad(format!("cannot read the manifest: {e}")))?;
        let v: serde_json::Value =
            serde_json::from_str(&text).map_err(|e| bad(format!("not a manifest: {e}")))?;
        let string = |ptr: &str| {
            v.pointer(ptr)
                .and_then(serde_json::Value::as_str)
                .map(str::to_string)
        };
        let number = |ptr: &str| v.pointer(ptr).and_then(serde_json::Value::as_u64);
        let strings = |ptr: &str| -> Vec<String> {
            v.pointer(ptr)
                .and_then(serde_json::Value::as_array)
                .map(|a| {
                    a.iter()
                        .filter_map(|x| x.as_str().map(str::to_string))
                        .collect()
                })
                .unwrap_or_default()
        };
        let missing = |key: &str| {
            bad(format!(
                "the manifest lacks `{key}` (not written by `rofrsim run`?)"
            ))
        };
        let scenario = string("/scenario/path").ok_or_else(|| missing("scenario.path"))?;
        let sha256 = string("/scenario/sha256").ok_or_else(|| missing("scenario.sha256"))?;
        let overrides = strings("/scenario/overrides")
            .iter()
            .map(|o| o.parse().map_err(|e| bad(format!("override {o:?}: {e}"))))
            .collect::<Result<_, _>>()?;
        let targets = strings("/targets")
            .iter()
            .map(|t| t.parse().map_err(|e| bad(format!("target {t:?}: {e}"))))
            .collect::<Result<_, _>>()?;
        Ok(Recorded {
            manifest: manifest.to_path_buf(),
            scenario: PathBuf::from(scenario),
            sha256,
            overrides,
            seed: number("/seed").ok_or_else(|| missing("seed"))?,
            trials: number("/trials").ok_or_else(|| missing("trials"))?,
            paths: number("/paths").unwrap_or(0),
            targets,
            out: PathBuf::from(string("/out").ok_or_else(|| missing("out"))?),
        })
    }

    /// Checks the scenario file still has the recorded SHA-256.
    pub fn check_scenario(&self) -> Result<(), Error> {
        let bytes = fs::read(&self.scenario).map_err(|e| {
            Error::Usage(format!(
                "{}: cannot read the recorded scenario {}: {e}",
                self.manifest.display(),
                self.scenario.display()
            ))
        })?;
        let actual = sha256_hex(&bytes);
        if actual != self.sha256 {
            return Err(Error::Usage(format!(
                "{} has changed since the run recorded in {} (SHA-256 {actual}, recorded {}); the run cannot be reproduced from it",
                self.scenario.display(),
                self.manifest.display(),
                self.sha256
            )));
        }
        Ok(())
    }
}

/// Lower-case hex SHA-256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The short table printed at the end of a run.
pub fn headline(scenario: &Scenario, opts: &RunOptions, r: &RunReport) -> String {
    use crate::validate::short;
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
        scenario.name,
        r.trials,
        opts.seed,
        scenario.start,
        scenario.end,
        r.seconds,
        r.threads,
        if r.threads == 1 { "" } else { "s" }
    );
    let mut row = |label: &str, value: String| out.push_str(&format!("  {label:<44} {value}\n"));
    if let Some(s) = find("p_ip_expiry_by_agi") {
        row("P(IP rights end through AGI)", pct(s.mean));
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
    if let Some(s) = find("azure_share_end") {
        row(
            &format!("Azure share of placed compute, {}", scenario.end),
            spread(s, &pct),
        );
    }
    if let Some(s) = find("unmet_share") {
        row("Unmet share of demand (GW-years)", spread(s, &pct));
    }
    if let Some(s) = find("microsoft_value_npv_usd_bn") {
        row("Microsoft NPV, usd_bn", spread(s, &|x| short(x)));
    }
    out.push_str(&format!("\noutputs: {}\n", r.out.display()));
    out
}
