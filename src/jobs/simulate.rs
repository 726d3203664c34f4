//! Many trials in parallel, combined deterministically.
//!
//! Trials are cut into fixed-size chunks. Each chunk runs on one thread and
//! returns its `trials.csv` text, its outcome values and its per-month sums;
//! these are combined in chunk order, so every result is byte-identical
//! whatever the thread count. Per-month percentile bands use integer-count
//! histograms, one set shared by the workers: the order in which they add
//! to it does not change the counts.

use std::io::Write;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

use rayon::prelude::*;

use super::columns::Columns;
use crate::analysis::stats::{self, Histogram};
use crate::engine::{Block, Model, MonthState, Observer, Outcome};
use crate::error::Error;
use crate::folder::trials::TrialsFormat;
use crate::folder::trials_parquet::{self, TrialColumns};
use crate::folder::{outcomes, paths, timeseries, trials};

/// Trials per chunk: the unit of parallel work and of ordered combination.
/// No trial's numbers depend on it (each trial has its own streams); the
/// band means do in their last bits (sums are combined chunk by chunk), so
/// it is a constant: outputs never depend on the number of threads.
const CHUNK: u64 = 1024;
// trials.parquet writes a record batch a chunk; merge re-cuts at its size.
const _: () = assert!(CHUNK as usize == trials_parquet::CHUNK_ROWS);

/// Trials between the tests of `run --precision`: ten chunks. The test is
/// made on every trial up to a multiple of it (or the most trials), never
/// mid-way, so where a run stops depends on the seed alone, not on the
/// threads. A sampling plan that needs the trial count in advance (a Latin
/// hypercube) can take each block of this many trials as its own.
pub const PRECISION_CHECK: u64 = 10 * CHUNK;

/// Trials stepped side by side within a chunk (a whole chunk). Their
/// month-m series go into each (month, series) histogram together, so a
/// histogram's buckets are brought into cache once per LANES trials rather
/// than once per trial; the block's state (about 1.6 KB a lane, most of a
/// core's 2 MiB L2) is walked once a month. 1,024 measured about 10 % faster
/// than 256 on the baseline (single-thread CPU time, back to back), and
/// about 6 % faster than 4,096 (whose block no longer fits the L2).
const LANES: usize = 1024;

/// How to simulate.
#[derive(Debug, Clone)]
pub struct SimOptions {
    /// Number of trials.
    pub trials: u64,
    /// Seed of every random stream.
    pub seed: u64,
    /// Worker threads.
    pub threads: usize,
    /// Write every month of the first N trials to the paths sink.
    pub paths: u64,
    /// Keep the sampled inputs of the first N trials (for sensitivity).
    pub keep_inputs: u64,
    /// Show a progress bar on stderr (when it is a terminal).
    pub progress: bool,
    /// Where the outcome columns may spill when too large for memory
    /// (see [`Columns`]); `None` keeps them in memory.
    pub spill_dir: Option<std::path::PathBuf>,
    /// A shard of the run (`run --shard`): only these trials of the
    /// `trials` get rows, outcome columns and kept inputs, and the
    /// per-month sums and histograms are those of the chunks that start in
    /// it, each chunk's sums apart ([`Simulation::chunk_sums`]), so that
    /// `merge` folds them as one run does. `None`: every trial.
    pub shard: Option<std::ops::Range<u64>>,
}

impl SimOptions {
    /// The trials whose rows and outcomes are kept: the shard's, or all.
    pub fn kept_trials(&self) -> std::ops::Range<u64> {
        self.shard.clone().unwrap_or(0..self.trials)
    }

    /// The chunks to compute: those holding a kept trial, and the whole of
    /// the last one (its sums and histograms belong to this shard when it
    /// starts here). Chunk k starts at trial k·[`CHUNK`].
    fn chunks(&self) -> std::ops::Range<u64> {
        let kept = self.kept_trials();
        if kept.is_empty() {
            return 0..0;
        }
        kept.start / CHUNK..kept.end.div_ceil(CHUNK)
    }
}

/// Trials per chunk, for `merge`: chunk k holds trials k·CHUNK …
pub const fn chunk_trials() -> u64 {
    CHUNK
}

/// A CSV destination with a name for error messages.
pub struct Sink<'a> {
    /// File name for messages.
    pub name: String,
    /// Where the text goes.
    pub out: &'a mut dyn Write,
}

/// Where `trials.csv` or `trials.parquet` goes, and whether its rows hold
/// the inputs drawn ([`trials::TrialsCsv`]).
pub struct TrialsSink<'a> {
    /// The file.
    pub out: TrialsOut<'a>,
    /// Write the inputs' columns (`--trials-csv full`), not only the outcomes.
    pub with_inputs: bool,
}

/// The file trial rows go to ([`trials::TrialsFormat`]).
pub enum TrialsOut<'a> {
    /// `trials.csv`, as text.
    Csv(Sink<'a>),
    /// `trials.parquet`, a record batch a chunk.
    Parquet(&'a mut trials_parquet::Writer),
}

impl Sink<'_> {
    fn write(&mut self, text: &str) -> Result<(), Error> {
        self.out
            .write_all(text.as_bytes())
            .map_err(|e| Error::Io(format!("cannot write {}", self.name), e))
    }
}

/// Everything a simulation produced, in trial order.
#[derive(Debug)]
pub struct Simulation {
    /// Trials simulated.
    pub trials: u64,
    /// Names of `columns`: the outcome metrics, then the probability metrics.
    pub metric_names: Vec<String>,
    /// One column per metric, one value per trial (NaN = missing).
    pub columns: Columns,
    /// Trials whose IP rights expire in each month index; the last entry
    /// counts those beyond the horizon.
    pub expiry_counts: Vec<u64>,
    /// Distribution inputs: (path, values of the first `keep_inputs` trials).
    pub inputs: Vec<(String, Vec<f64>)>,
    /// Per (month, series) sums over all trials, `[month * series + s]`.
    pub sums: Vec<f64>,
    /// Per (month, series) histograms.
    pub hists: Vec<Histogram>,
    /// A shard's per-chunk sums, chunk after chunk, of the chunks that start
    /// in it (`sums` is their total; the run's is folded chunk by chunk).
    pub chunk_sums: Vec<f64>,
}

/// One chunk's results, combined in chunk order.
#[derive(Default)]
struct ChunkOut {
    trials_csv: String,
    /// The rows for `trials.parquet` (instead of `trials_csv`).
    trials_columns: TrialColumns,
    paths_csv: String,
    /// Outcome metrics, trial-major.
    metrics: Vec<f64>,
    /// IP expiry month index per trial (`months` = beyond the horizon).
    expiry: Vec<u32>,
    /// Kept inputs, trial-major.
    inputs: Vec<f64>,
    /// Per (month, series) sums over the chunk's trials.
    sums: Vec<f64>,
    /// The first trial with an outcome beyond f64 (trial, metric index).
    overflow: Option<(u64, usize)>,
    /// Whether the chunk starts among the kept trials: its sums and
    /// histogram counts are this simulation's (a shard's first chunk may
    /// start in the shard before).
    owned: bool,
}

/// Writes one lane's months as `paths.csv` rows.
struct PathsObserver<'a, 'm> {
    model: &'a Model<'m>,
    line: &'a mut String,
    trial: u64,
}

impl Observer for PathsObserver<'_, '_> {
    fn month(&mut self, state: &MonthState<'_>) {
        paths::row(self.model, self.trial, state, self.line);
    }
}

/// What every chunk needs to know.
struct Plan<'a, 'm> {
    model: &'a Model<'m>,
    opts: &'a SimOptions,
    /// The format of the trial rows the chunks make, if any.
    format_trials: Option<TrialsFormat>,
    inputs: Vec<(usize, String)>,
    /// How many of `inputs` a `trials.csv` row holds: all, or none.
    row_inputs: usize,
    n_series: usize,
    stop: &'a AtomicBool,
    /// Blocks and chunk results done with, for the next chunks to reuse:
    /// a block (1.6 MB at 1,024 lanes) and a chunk's rows and outcome
    /// values (about 2 MB on the baseline) taken fresh from the allocator
    /// every chunk cost a page fault every 4 KB (0.8 s of system time
    /// measured at 1,000,000 trials).
    blocks: Mutex<Vec<Block>>,
    spare: Mutex<Vec<ChunkOut>>,
}

impl Plan<'_, '_> {
    /// Chunk results to fill: emptied ones done with, if any.
    fn chunk_out(&self) -> ChunkOut {
        let spare = self.spare.lock().unwrap_or_else(|e| e.into_inner()).pop();
        let mut out = spare.unwrap_or_default();
        // Every field named, so that a new one cannot be left as it was.
        let ChunkOut {
            trials_csv,
            trials_columns,
            paths_csv,
            metrics,
            expiry,
            inputs,
            sums,
            overflow,
            owned,
        } = &mut out;
        trials_csv.clear();
        trials_columns.clear();
        paths_csv.clear();
        metrics.clear();
        expiry.clear();
        inputs.clear();
        sums.clear();
        sums.resize(self.model.months() * self.n_series, 0.0);
        *overflow = None;
        *owned = true;
        out
    }

    /// Keeps `out`'s buffers for a later chunk (a few at most: a wave's
    /// worth, the rest dropped). Not its `paths.csv` rows: only the first
    /// chunks have any, and they can be large (50 MB a chunk), so they go.
    fn done_with(&self, mut out: ChunkOut) {
        out.paths_csv = String::new();
        let mut spare = self.spare.lock().unwrap_or_else(|e| e.into_inner());
        if spare.len() < 4 * self.opts.threads.max(1) {
            spare.push(out);
        }
    }
}

/// Runs one chunk of trials, [`LANES`] at a time side by side in a
/// [`Block`]: every lane steps through month m before any steps through
/// m + 1, so that month's series of all lanes lie together and go into each
/// (month, series) histogram in one pass, while that histogram is in cache.
fn run_chunk(plan: &Plan<'_, '_>, index: u64, bands: &[Mutex<Vec<Histogram>>]) -> ChunkOut {
    let taken = plan.blocks.lock().unwrap_or_else(|e| e.into_inner()).pop();
    // Whatever it held before, `start_block` sets every lane afresh.
    let mut block = taken.unwrap_or_default();
    let out = run_chunk_in(plan, index, bands, &mut block);
    plan.blocks
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .push(block);
    out
}

/// [`run_chunk`] in `block`.
fn run_chunk_in(
    plan: &Plan<'_, '_>,
    index: u64,
    bands: &[Mutex<Vec<Histogram>>],
    block: &mut Block,
) -> ChunkOut {
    let (model, opts) = (plan.model, plan.opts);
    let kept = opts.kept_trials();
    let start = index * CHUNK;
    let mut out = plan.chunk_out();
    out.owned = start >= kept.start;
    // A chunk of this shard's is computed whole, for its sums; the one
    // that starts in the shard before only for the trials kept here.
    let first = start.max(kept.start);
    let last = if out.owned {
        (start + CHUNK).min(opts.trials)
    } else {
        (start + CHUNK).min(kept.end)
    };
    let months = model.months();
    let mut paths: Vec<String> = Vec::new();
    let mut metrics = Vec::new();
    let mut batch_first = first;
    while batch_first < last {
        if plan.stop.load(Ordering::Relaxed) {
            break;
        }
        let n = ((last - batch_first) as usize).min(LANES);
        let trial_of = |lane: usize| batch_first + lane as u64;
        let with_paths = (0..n)
            .take_while(|&l| trial_of(l) < opts.paths.min(kept.end))
            .count();
        paths.resize(with_paths, String::new());
        model.start_block(opts.seed, batch_first, n, block);
        let month_sums = out.sums.chunks_exact_mut(plan.n_series);
        for (m, (band, sums)) in bands.iter().zip(month_sums).enumerate() {
            model.step_block(m, block);
            for (lane, line) in paths.iter_mut().enumerate() {
                let mut observer = PathsObserver {
                    model,
                    line,
                    trial: trial_of(lane),
                };
                model.observe(m, block, lane, &mut observer);
            }
            if out.owned {
                // A poisoned lock (a panic elsewhere) still holds valid counts.
                let mut hists = band.lock().unwrap_or_else(|e| e.into_inner());
                block.series(|s, xs| hists[s].add_all(xs));
                drop(hists);
                block.add_series_sums(sums);
            }
        }
        let csv_before = out.trials_csv.len();
        // Lanes past the kept trials ran for the chunk's sums alone.
        let kept_lanes = (0..n).take_while(|&l| trial_of(l) < kept.end).count();
        for lane in 0..kept_lanes {
            let trial = trial_of(lane);
            let o: Outcome = model.finish_lane(block, lane);
            outcomes::metrics(model, &o, &mut metrics);
            // NaN marks a missing value (ip_expiry_year beyond the horizon);
            // an infinity is a number too large to compute or write.
            if let Some(k) = metrics.iter().position(|x| x.is_infinite()) {
                out.overflow = Some((trial, k));
                return out;
            }
            if let Some(path) = paths.get_mut(lane) {
                out.paths_csv.push_str(path);
                path.clear();
            }
            let values = block.values(lane);
            let row_inputs = &plan.inputs[..plan.row_inputs];
            match plan.format_trials {
                Some(TrialsFormat::Parquet) => {
                    out.trials_columns
                        .push(model, trial, row_inputs, values, &o, &metrics);
                }
                Some(TrialsFormat::Csv) => {
                    if lane == 1 {
                        // Rows are about the same length: room for the block's
                        // rows at once, rather than growing by copies.
                        let row = out.trials_csv.len() - csv_before;
                        out.trials_csv.reserve(row * (n - 1) * 9 / 8);
                    }
                    trials::row(
                        model,
                        trial,
                        row_inputs,
                        values,
                        &o,
                        &metrics,
                        &mut out.trials_csv,
                    );
                }
                None => {}
            }
            if trial < opts.keep_inputs {
                out.inputs
                    .extend(plan.inputs.iter().map(|(k, _)| values[*k]));
            }
            out.metrics.extend_from_slice(&metrics);
            out.expiry
                .push(o.ip_expiry.unwrap_or(months as u32).min(months as u32));
        }
        batch_first += n as u64;
    }
    out
}

fn progress_bar(opts: &SimOptions, chunks: u64) -> Option<indicatif::ProgressBar> {
    use std::io::IsTerminal;
    if !opts.progress || !std::io::stderr().is_terminal() || chunks < 4 {
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

/// A pool of `threads` worker threads.
pub fn thread_pool(threads: usize) -> Result<rayon::ThreadPool, Error> {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map_err(|e| Error::Other(format!("cannot start {threads} worker threads: {e}")))
}

/// Runs `opts.trials` trials of `model`, streaming `trials.csv` rows (with
/// header) to `trials` and `paths.csv` rows to `paths` when given. Stops
/// with [`Error::Interrupted`] as soon as `stop` is set.
pub fn simulate(
    model: &Model<'_>,
    opts: &SimOptions,
    trials: Option<TrialsSink<'_>>,
    paths: Option<Sink<'_>>,
    stop: &AtomicBool,
) -> Result<Simulation, Error> {
    simulate_until(model, opts, trials, paths, stop, None)
}

/// A test of the outcome columns so far: true to stop.
pub type Until<'a> = &'a mut dyn FnMut(&Columns) -> Result<bool, Error>;

/// [`simulate`], which with `until` also stops early: at every multiple of
/// [`PRECISION_CHECK`] trials below `opts.trials` it folds in every chunk
/// computed, gives `until` the columns and stops if it says so. No chunk
/// beyond a multiple is started before that test (workers add to the
/// shared band histograms as they go), so a run that stops at n trials
/// holds exactly what a run of n trials does.
pub fn simulate_until(
    model: &Model<'_>,
    opts: &SimOptions,
    trials: Option<TrialsSink<'_>>,
    mut paths: Option<Sink<'_>>,
    stop: &AtomicBool,
    mut until: Option<Until<'_>>,
) -> Result<Simulation, Error> {
    let pool = thread_pool(opts.threads)?;
    let with_inputs = trials.as_ref().is_some_and(|t| t.with_inputs);
    let mut trials = trials.map(|t| t.out);
    let inputs = trials::input_columns(model);
    let metric_names: Vec<String> = outcomes::metric_names(model)
        .into_iter()
        .chain(outcomes::probability_names().map(String::from))
        .collect();
    let n_metrics = metric_names.len();
    let plan = Plan {
        model,
        opts,
        format_trials: trials.as_ref().map(|t| match t {
            TrialsOut::Csv(_) => TrialsFormat::Csv,
            TrialsOut::Parquet(_) => TrialsFormat::Parquet,
        }),
        row_inputs: if with_inputs { inputs.len() } else { 0 },
        inputs,
        n_series: timeseries::series_names(model).len(),
        stop,
        blocks: Mutex::new(Vec::new()),
        spare: Mutex::new(Vec::new()),
    };
    let cells = model.months() * plan.n_series;
    if let Some(TrialsOut::Csv(sink)) = trials.as_mut() {
        sink.write(&(trials::header(model, with_inputs).join(",") + "\n"))?;
    }
    if let Some(sink) = paths.as_mut() {
        sink.write(&paths::header(model))?;
    }

    if opts.trials > stats::MAX_TRIALS {
        return Err(Error::Usage(format!(
            "--trials {} is more than rofrsim can count ({}); run several runs with different --seed",
            opts.trials,
            stats::MAX_TRIALS
        )));
    }
    if opts.shard.as_ref().is_some_and(|r| r.end > opts.trials)
        || (until.is_some() && opts.shard.is_some())
    {
        return Err(Error::Other(
            "internal: a shard lies within the trials and never stops early".into(),
        ));
    }
    let kept_trials = opts.kept_trials();
    let n_kept = kept_trials.end - kept_trials.start;
    // A run that may stop early keeps its columns in memory until they
    // outgrow the limit, as a run of the trials it stops at would.
    let columns = if until.is_some() {
        Columns::growing(
            n_metrics,
            opts.trials,
            opts.keep_inputs,
            opts.spill_dir.as_deref(),
        )
    } else {
        Columns::new(
            n_metrics,
            n_kept,
            opts.keep_inputs,
            opts.spill_dir.as_deref(),
        )?
    };
    let flag = if until.is_some() {
        "--max-trials"
    } else {
        "--trials"
    };
    check_memory(opts, &columns, plan.inputs.len(), flag)?;
    let kept = opts.keep_inputs.min(opts.trials) as usize;
    let mut sim = Simulation {
        trials: n_kept,
        metric_names,
        columns,
        expiry_counts: vec![0; model.months() + 1],
        inputs: plan
            .inputs
            .iter()
            .map(|(_, name)| (name.clone(), Vec::with_capacity(kept)))
            .collect(),
        sums: vec![0.0; cells],
        hists: Vec::new(),
        chunk_sums: Vec::new(),
    };

    let chunks = opts.chunks();
    let n_chunks = chunks.end;
    // A wave of chunks keeps every thread busy while bounding the memory
    // held by finished-but-not-yet-written chunks.
    let wave = (opts.threads as u64 * 4).max(1);
    let progress = progress_bar(opts, n_chunks - chunks.start);
    if let (Some(p), Some(_)) = (&progress, &until) {
        // It may stop long before: the bar is out of the most trials.
        p.set_message(format!("at most {}", opts.trials));
    }
    // One set of (month, series) histograms for the whole run, shared by
    // the workers rather than one per worker (a long horizon's histograms
    // are most of a run's memory), one lock per month. A worker holds a
    // month's lock while it adds its block's month, about a seventh of the
    // month's work (in instructions), so workers that reach the same month
    // together fall a little apart rather than keep waiting. Integer counts:
    // the same histograms in any order of additions.
    let bands: Vec<Mutex<Vec<Histogram>>> = (0..model.months())
        .map(|_| Mutex::new(vec![Histogram::default(); plan.n_series]))
        .collect();
    // Chunk results are collected in order.
    let compute_wave = |range: std::ops::Range<u64>| -> Vec<ChunkOut> {
        pool.install(|| {
            range
                .into_par_iter()
                .map(|index| run_chunk(&plan, index, &bands))
                .collect()
        })
    };
    // Pipelined: while the workers compute wave k + 1, this thread writes
    // wave k's rows and folds in its results, so writing trials.csv does
    // not leave the workers idle.
    let mut pending: Option<(u64, Vec<ChunkOut>)> = None;
    let mut next = chunks.start;
    // Chunks absorbed so far (the end of them).
    let mut done = chunks.start;
    let check_chunks = PRECISION_CHECK / CHUNK;
    loop {
        // A test is due once the wave waiting to be absorbed ends on a
        // multiple of the check: that wave is absorbed alone, with no
        // other computing.
        let check_due = until.is_some()
            && pending
                .as_ref()
                .is_some_and(|(end, _)| end % check_chunks == 0 && *end < n_chunks);
        let mut end = (next + wave).min(n_chunks);
        if until.is_some() {
            // A wave never crosses a multiple of the check.
            end = end.min((next / check_chunks + 1) * check_chunks);
        }
        let range = if check_due { next..next } else { next..end };
        let (absorbed, computed) = std::thread::scope(|scope| {
            let computing = (!range.is_empty() && !stop.load(Ordering::Relaxed))
                .then(|| scope.spawn(|| compute_wave(range.clone())));
            let absorbed = match pending.take() {
                Some((end, chunks)) => {
                    absorb(&mut sim, &plan, chunks, &mut trials, &mut paths).map(|()| Some(end))
                }
                None => Ok(None),
            };
            (absorbed, computing.map(|h| h.join()))
        });
        let absorbed = absorbed?;
        if let Some(end) = absorbed {
            done = end;
        }
        if let (Some(end), Some(p)) = (absorbed, &progress) {
            p.set_position(end - chunks.start);
        }
        if stop.load(Ordering::Relaxed) {
            if let Some(p) = &progress {
                p.abandon();
            }
            return Err(Error::Interrupted);
        }
        if let (true, Some(test)) = (check_due, until.as_mut()) {
            // Spilled columns are read back from their files: flushed first.
            sim.columns.finish()?;
            if test(&sim.columns)? {
                break;
            }
            continue;
        }
        match computed {
            None => break,
            Some(Ok(chunks)) => pending = Some((range.end, chunks)),
            Some(Err(panic)) => std::panic::resume_unwind(panic),
        }
        next = range.end;
    }
    if let Some(p) = &progress {
        p.finish_and_clear();
    }
    sim.trials = (done * CHUNK).clamp(kept_trials.start, kept_trials.end) - kept_trials.start;
    // The pooled buffers are not needed while the columns are finished.
    let n_series = plan.n_series;
    drop(plan);
    sim.columns.finish()?;
    sim.hists = bands
        .into_iter()
        .flat_map(|month| month.into_inner().unwrap_or_else(|e| e.into_inner()))
        .collect();
    debug_assert_eq!(n_series, timeseries::series_names(model).len());
    check_sums(model, &sim.sums)?;
    Ok(sim)
}

/// Refuses per-(month, series) sums beyond f64, naming the first.
pub fn check_sums(model: &Model<'_>, sums: &[f64]) -> Result<(), Error> {
    let names = timeseries::series_names(model);
    if let Some(k) = sums.iter().position(|x| !x.is_finite()) {
        let month = model.scenario.start.plus((k / names.len()) as i32);
        return Err(overflow_error(&format!(
            "{} in {month}",
            names[k % names.len()]
        )));
    }
    Ok(())
}

/// Folds a finished wave of chunks into the simulation, in chunk order:
/// writes their rows and keeps their outcomes, inputs, expiries and sums.
fn absorb(
    sim: &mut Simulation,
    plan: &Plan<'_, '_>,
    chunks: Vec<ChunkOut>,
    trials: &mut Option<TrialsOut<'_>>,
    paths: &mut Option<Sink<'_>>,
) -> Result<(), Error> {
    if let Some((trial, k)) = chunks.iter().find_map(|c| c.overflow) {
        return Err(overflow_error(&format!(
            "trial {trial}: {}",
            sim.metric_names[k]
        )));
    }
    for chunk in chunks {
        match trials.as_mut() {
            Some(TrialsOut::Csv(sink)) => sink.write(&chunk.trials_csv)?,
            Some(TrialsOut::Parquet(writer)) => writer.write_columns(&chunk.trials_columns)?,
            None => {}
        }
        if let Some(sink) = paths.as_mut() {
            sink.write(&chunk.paths_csv)?;
        }
        sim.columns.push_rows(&chunk.metrics)?;
        if !plan.inputs.is_empty() {
            for row in chunk.inputs.chunks_exact(plan.inputs.len()) {
                for ((_, col), &x) in sim.inputs.iter_mut().zip(row) {
                    col.push(x);
                }
            }
        }
        for &e in &chunk.expiry {
            sim.expiry_counts[e as usize] += 1;
        }
        if chunk.owned {
            for (s, x) in sim.sums.iter_mut().zip(&chunk.sums) {
                *s += x;
            }
            if plan.opts.shard.is_some() {
                sim.chunk_sums.extend_from_slice(&chunk.sums);
            }
        }
        plan.done_with(chunk);
    }
    Ok(())
}

/// Memory the machine can still give, from /proc/meminfo (None elsewhere).
fn available_memory() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = text.lines().find(|l| l.starts_with("MemAvailable:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

/// Refuses, before any work, a trial count whose results would not fit in
/// memory (the process would otherwise be killed mid-run without a word).
/// `flag` names the option that set `opts.trials`.
fn check_memory(
    opts: &SimOptions,
    columns: &Columns,
    n_inputs: usize,
    flag: &str,
) -> Result<(), Error> {
    let trials = opts.kept_trials().end - opts.kept_trials().start;
    let kept = opts.keep_inputs.min(trials);
    // Every outcome metric (f64) per trial, for the exact statistics of
    // summary.csv, unless the columns spill to disk.
    let in_memory = columns.most_in_memory(trials).max(kept);
    let need = in_memory
        .saturating_mul(columns.count() as u64 * 8)
        .saturating_add(kept * n_inputs as u64 * 8);
    let Some(free) = available_memory() else {
        return Ok(());
    };
    // Leave room for the chunks in flight, the histograms and the sort.
    if need > free / 10 * 8 {
        let gb = |b: u64| b as f64 / 1e9;
        return Err(Error::Memory(format!(
            "{flag} {} needs about {:.1} GB of memory for the exact percentiles of summary.csv, but only {:.1} GB is available; run fewer trials (or several runs with different --seed)",
            opts.trials,
            gb(need),
            gb(free)
        )));
    }
    Ok(())
}

/// The error for a number beyond f64: the scenario asks for more than can
/// be computed, and writing it would leave an empty or `inf` cell. It names
/// the inputs that drive the quantity, so the analyst knows what to lower.
pub fn overflow_error(what: &str) -> Error {
    let drivers: &[&str] = if what.contains("revenue") || what.contains("microsoft_value") {
        &[
            "demand.growth",
            "revenue.growth",
            "revenue.per_gw_year",
            "time.end",
        ]
    } else if what.contains("spend") {
        &["demand.growth", "providers.*.price", "time.end"]
    } else if what.contains("capacity") {
        &["providers.*.growth", "providers.*.initial_gw", "time.end"]
    } else {
        &["demand.growth", "demand.initial_gw", "time.end"]
    };
    Error::Overflow(format!(
        "{what} exceeds the largest number rofrsim can compute (about 1.8e308): lower {} or shorten the horizon",
        drivers.join(", ")
    ))
}
