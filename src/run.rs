//! `rofrsim run`: many trials in parallel, CSVs out.
//!
//! Trials are cut into fixed-size chunks. Each chunk runs on one thread and
//! returns its `trials.csv` text, its outcome values and its per-month sums;
//! these are combined in chunk order, so every output is byte-identical
//! whatever the thread count. Per-month percentile bands use integer-count
//! histograms, whose merge does not depend on order either. Everything is
//! written into a temporary folder beside the destination and renamed into
//! place only when complete.

use std::fs;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use rayon::prelude::*;

use crate::error::Error;
use crate::model::{Model, MonthState, Observer, Outcome, Scratch};
use crate::output;
use crate::scenario::Scenario;
use crate::stats::{self, Histogram, Summary};

/// Trials per chunk: the unit of parallel work and of ordered combination.
/// Part of the reproducibility contract only through performance — results
/// do not depend on it.
const CHUNK: u64 = 1024;

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

/// One chunk's results, combined in chunk order.
struct ChunkOut {
    index: u64,
    trials_csv: String,
    paths_csv: String,
    /// Outcome metrics, trial-major.
    metrics: Vec<f64>,
    /// IP expiry month index per trial (u32::MAX = beyond horizon).
    expiry: Vec<u32>,
    /// Per (month, series) sums over the chunk's trials.
    sums: Vec<f64>,
}

/// Per-worker accumulator: finished chunks and the band histograms.
struct Acc {
    chunks: Vec<ChunkOut>,
    hists: Vec<Histogram>,
}

struct ChunkObserver<'a, 'm> {
    model: &'a Model<'m>,
    n_series: usize,
    sums: &'a mut [f64],
    hists: &'a mut [Histogram],
    paths: Option<(&'a mut String, u64)>,
}

impl Observer for ChunkObserver<'_, '_> {
    fn month(&mut self, state: &MonthState<'_>) {
        let base = state.month * self.n_series;
        let sums = &mut *self.sums;
        let hists = &mut *self.hists;
        output::series_values(state, |s, x| {
            sums[base + s] += x;
            hists[base + s].add(x);
        });
        if let Some((line, trial)) = self.paths.as_mut() {
            output::paths_row(self.model, *trial, state, line);
        }
    }
}

/// Runs one chunk of trials.
fn run_chunk(
    model: &Model<'_>,
    opts: &RunOptions,
    index: u64,
    hists: &mut [Histogram],
    stop: &AtomicBool,
) -> ChunkOut {
    let first = index * CHUNK;
    let last = (first + CHUNK).min(opts.trials);
    let n_series = output::series_names(model).len();
    let inputs = output::input_columns(model);
    let mut scratch = Scratch::default();
    let mut out = ChunkOut {
        index,
        trials_csv: String::new(),
        paths_csv: String::new(),
        metrics: Vec::new(),
        expiry: Vec::new(),
        sums: vec![0.0; model.months() * n_series],
    };
    let mut metrics = Vec::new();
    for trial in first..last {
        if stop.load(Ordering::Relaxed) {
            break;
        }
        let paths = (trial < opts.paths).then_some((&mut out.paths_csv, trial));
        let mut observer = ChunkObserver {
            model,
            n_series,
            sums: &mut out.sums,
            hists,
            paths,
        };
        let o: Outcome = model.run_trial(opts.seed, trial, &mut scratch, &mut observer);
        output::outcome_metrics(model, &o, &mut metrics);
        output::trial_row(
            model,
            trial,
            &inputs,
            scratch.values(),
            &o,
            &metrics,
            &mut out.trials_csv,
        );
        out.metrics.extend_from_slice(&metrics);
        out.expiry.push(o.ip_expiry.unwrap_or(u32::MAX));
    }
    out
}

/// A folder being written, removed unless [`Staging::commit`] is reached.
struct Staging {
    dir: PathBuf,
    committed: bool,
}

impl Drop for Staging {
    fn drop(&mut self) {
        if !self.committed {
            let _ = fs::remove_dir_all(&self.dir);
        }
    }
}

fn io_err(what: String) -> impl FnOnce(std::io::Error) -> Error {
    move |e| Error::Io(what, e)
}

fn write_file(dir: &Path, name: &str, text: &str) -> Result<(), Error> {
    let path = dir.join(name);
    fs::write(&path, text).map_err(io_err(format!("cannot write {}", path.display())))
}

/// Sets a flag on SIGINT / SIGTERM so the run stops cleanly between chunks.
fn interruption_flag() -> Arc<AtomicBool> {
    let flag = Arc::new(AtomicBool::new(false));
    for sig in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
        // If registration fails the default handler stays: the process dies
        // and the staging folder is left behind, hidden, never renamed.
        let _ = signal_hook::flag::register(sig, Arc::clone(&flag));
    }
    flag
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
    if opts.out.exists() && !opts.force {
        return Err(Error::Usage(format!(
            "the output folder {} already exists; pass --force to replace it or --out to choose another",
            opts.out.display()
        )));
    }
    let parent = match opts.out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    fs::create_dir_all(&parent).map_err(io_err(format!("cannot create {}", parent.display())))?;
    let leaf = opts
        .out
        .file_name()
        .map_or_else(|| "out".into(), |n| n.to_string_lossy().into_owned());
    let staging_dir = parent.join(format!(".{leaf}.rofrsim-partial-{}", std::process::id()));
    let _ = fs::remove_dir_all(&staging_dir);
    fs::create_dir(&staging_dir).map_err(io_err(format!(
        "cannot create the output folder in {}",
        parent.display()
    )))?;
    let mut staging = Staging {
        dir: staging_dir.clone(),
        committed: false,
    };

    let stop = interruption_flag();
    let threads = opts
        .threads
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map_err(|e| Error::Other(format!("cannot start {threads} worker threads: {e}")))?;

    let model = Model::new(scenario);
    let metric_names = output::outcome_metric_names(&model);
    let n_metrics = metric_names.len() + output::PROBABILITY_METRICS.len();
    let n_series = output::series_names(&model).len();
    let cells = model.months() * n_series;

    let trials_path = staging_dir.join("trials.csv");
    let mut trials_file = BufWriter::new(
        fs::File::create(&trials_path)
            .map_err(io_err(format!("cannot write {}", trials_path.display())))?,
    );
    let write_err =
        |e: std::io::Error| Error::Io(format!("cannot write {}", trials_path.display()), e);
    let mut header = output::trials_header(&model).join(",");
    header.push('\n');
    let mut paths_csv = (opts.paths > 0).then(|| output::paths_header(&model));

    let mut columns: Vec<Vec<f64>> = vec![Vec::with_capacity(opts.trials as usize); n_metrics];
    let mut expiry: Vec<u32> = Vec::with_capacity(opts.trials as usize);
    let mut sums = vec![0.0; cells];
    let mut hists = vec![Histogram::default(); cells];

    let n_chunks = opts.trials.div_ceil(CHUNK);
    let wave = (threads as u64 * 4).max(1);
    let progress = progress_bar(opts, n_chunks);
    trials_file
        .write_all(header.as_bytes())
        .map_err(write_err)?;

    let mut next = 0;
    while next < n_chunks {
        let end = (next + wave).min(n_chunks);
        let acc = pool.install(|| {
            (next..end)
                .into_par_iter()
                .fold(
                    || Acc {
                        chunks: Vec::new(),
                        hists: vec![Histogram::default(); cells],
                    },
                    |mut acc, index| {
                        let chunk = run_chunk(&model, opts, index, &mut acc.hists, &stop);
                        acc.chunks.push(chunk);
                        acc
                    },
                )
                .reduce_with(|mut a, b| {
                    a.chunks.extend(b.chunks);
                    for (h, o) in a.hists.iter_mut().zip(&b.hists) {
                        h.merge(o);
                    }
                    a
                })
        });
        if stop.load(Ordering::Relaxed) {
            if let Some(p) = &progress {
                p.abandon();
            }
            return Err(Error::Interrupted);
        }
        let Some(mut acc) = acc else { break };
        acc.chunks.sort_by_key(|c| c.index);
        for (h, o) in hists.iter_mut().zip(&acc.hists) {
            h.merge(o);
        }
        for chunk in acc.chunks {
            trials_file
                .write_all(chunk.trials_csv.as_bytes())
                .map_err(write_err)?;
            if let Some(p) = paths_csv.as_mut() {
                p.push_str(&chunk.paths_csv);
            }
            for row in chunk.metrics.chunks_exact(n_metrics) {
                for (col, &x) in columns.iter_mut().zip(row) {
                    col.push(x);
                }
            }
            expiry.extend_from_slice(&chunk.expiry);
            for (s, x) in sums.iter_mut().zip(&chunk.sums) {
                *s += x;
            }
        }
        if let Some(p) = &progress {
            p.set_position(end);
        }
        next = end;
    }
    trials_file.flush().map_err(write_err)?;
    drop(trials_file);
    if let Some(p) = &progress {
        p.finish_and_clear();
    }

    // summary.csv
    let mut summary = Vec::with_capacity(n_metrics);
    let names = metric_names
        .iter()
        .cloned()
        .chain(output::PROBABILITY_METRICS.iter().map(|s| s.to_string()));
    for (name, mut col) in names.zip(columns) {
        col.retain(|x| !x.is_nan());
        summary.push((name, stats::summarise(&mut col)));
    }
    write_file(&staging_dir, "summary.csv", &output::summary_csv(&summary))?;
    write_file(
        &staging_dir,
        "timeseries.csv",
        &output::timeseries_csv(&model, opts.trials, &sums, &hists),
    )?;
    if let Some(p) = &paths_csv {
        write_file(&staging_dir, "paths.csv", p)?;
    }

    // IP expiry date percentiles over all trials (beyond-horizon sorts last).
    let mut sorted = expiry;
    sorted.sort_unstable();
    let pick = |p: f64| {
        let k = ((sorted.len() - 1) as f64 * p).round() as usize;
        sorted.get(k).copied().filter(|&m| m != u32::MAX)
    };
    let ip_expiry_p = [pick(0.05), pick(0.5), pick(0.95)];

    let seconds = started.elapsed().as_secs_f64();
    let manifest = manifest_json(scenario, opts, provenance, threads, seconds);
    write_file(&staging_dir, "manifest.json", &manifest)?;

    if stop.load(Ordering::Relaxed) {
        return Err(Error::Interrupted);
    }
    // Swap into place: the old folder survives until the new one is complete.
    let old = parent.join(format!(".{leaf}.rofrsim-old-{}", std::process::id()));
    if opts.out.exists() {
        fs::rename(&opts.out, &old)
            .map_err(io_err(format!("cannot move aside {}", opts.out.display())))?;
    }
    if let Err(e) = fs::rename(&staging_dir, &opts.out) {
        if old.exists() {
            let _ = fs::rename(&old, &opts.out);
        }
        return Err(Error::Io(
            format!("cannot move the outputs into {}", opts.out.display()),
            e,
        ));
    }
    staging.committed = true;
    if old.exists() {
        let _ = fs::remove_dir_all(&old);
    }
    Ok(RunReport {
        out: opts.out.clone(),
        trials: opts.trials,
        threads,
        seconds,
        summary,
        ip_expiry_p,
    })
}

fn progress_bar(opts: &RunOptions, chunks: u64) -> Option<indicatif::ProgressBar> {
    use std::io::IsTerminal;
    if opts.quiet || !std::io::stderr().is_terminal() || chunks < 4 {
        return None;
    }
    let bar = indicatif::ProgressBar::new(chunks);
    let style = indicatif::ProgressStyle::with_template(
        "{bar:40} {percent:>3}% of {msg} trials, eta {eta}",
    )
    .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar());
    bar.set_style(style);
    bar.set_message(opts.trials.to_string());
    Some(bar)
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
        shell_quote(&opts.out.display().to_string()),
    ];
    for o in &prov.overrides {
        command.push("--set".into());
        command.push(shell_quote(o));
    }
    if opts.paths > 0 {
        command.push("--paths".into());
        command.push(opts.paths.to_string());
    }
    let mut files = vec![
        "trials.csv",
        "summary.csv",
        "timeseries.csv",
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
        "files": files,
        "percentile_bands": format!(
            "timeseries.csv p5..p95 from log-linear histograms, within {:.2} % of the exact PERCENTILE.INC; means exact",
            stats::HISTOGRAM_RELATIVE_ERROR * 100.0
        ),
    });
    let mut text = serde_json::to_string_pretty(&value).unwrap_or_else(|_| "{}".into());
    text.push('\n');
    text
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
