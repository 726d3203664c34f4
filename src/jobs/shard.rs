//! A run past one machine: `run --shard I/N` simulates trials
//! ⌊I·T/N⌋ … ⌊(I+1)·T/N⌋ − 1 of a T-trial run into a shard folder, and
//! `merge` joins shard folders into the run folder one machine would have
//! written, byte for byte.
//!
//! Every trial has its own random streams, so a shard's trials are the
//! run's. What one run combines in floating point, it combines chunk by
//! chunk in chunk order (the per-month sums); a shard therefore computes
//! whole every chunk that starts among its trials (up to 1,023 trials of
//! the next shard's, for their sums only) and keeps each chunk's sums
//! apart, and `merge` folds them in the same order. Histograms are integer
//! counts and the outcome columns are the trials' own values, so they
//! join exactly in any case.

use std::fmt;
use std::io::{BufRead, BufReader, Write};
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use super::columns::Columns;
use super::run::{Provenance, RunOptions, RunResult, Simulated, TrialsFile, interruption_flag};
use super::simulate::{self, Simulation};
use crate::analysis::sensitivity::SENSITIVITY_TRIALS;
use crate::analysis::stats::Histogram;
use crate::analysis::target::Target;
use crate::engine::Model;
use crate::error::Error;
use crate::folder::manifest::{self, AnyShard, ScenarioRecord, ShardManifest};
use crate::folder::shard::{self as files, F64Reader};
use crate::folder::staging::OutputDir;
use crate::folder::trials::TrialsFormat;
use crate::folder::{Kind, bad_file, paths, timeseries, trials, trials_parquet};
use crate::scenario::{self, Override, Scenario};

/// Shard I of N (I from 0).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    /// I.
    pub index: u64,
    /// N.
    pub count: u64,
}

impl Shard {
    /// Its share of `total` trials (or a sweep's combinations):
    /// ⌊I·T/N⌋ … ⌊(I+1)·T/N⌋ − 1.
    pub fn share(self, total: u64) -> Range<u64> {
        let at = |i: u64| (u128::from(i) * u128::from(total) / u128::from(self.count)) as u64;
        at(self.index)..at(self.index + 1)
    }

    /// Shard `index` of `count`, checked.
    pub fn new(index: u64, count: u64) -> Result<Shard, String> {
        if count == 0 {
            return Err("the number of shards must be at least 1".into());
        }
        if index >= count {
            return Err(format!(
                "shard {index} of {count} does not exist: shards are numbered from 0 to {}",
                count - 1
            ));
        }
        Ok(Shard { index, count })
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

/// `--shard`: `I/N`, or `auto` (from the scheduler's environment).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ShardArg {
    /// As given.
    Given(Shard),
    /// From `SLURM_ARRAY_TASK_ID`, `JOB_COMPLETION_INDEX` or
    /// `AWS_BATCH_JOB_ARRAY_INDEX`.
    Auto,
}

impl FromStr for ShardArg {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        if s == "auto" {
            return Ok(ShardArg::Auto);
        }
        let expected =
            || format!("expected I/N (shard I of N, from 0), such as 0/4, or auto (given {s:?})");
        let (i, n) = s.split_once('/').ok_or_else(expected)?;
        let i: u64 = i.trim().parse().map_err(|_| expected())?;
        let n: u64 = n.trim().parse().map_err(|_| expected())?;
        Shard::new(i, n).map(ShardArg::Given)
    }
}

/// The schedulers' variables `--shard auto` reads: (index, count) pairs.
const SCHEDULERS: [(&str, Option<&str>, &str); 3] = [
    (
        "SLURM_ARRAY_TASK_ID",
        Some("SLURM_ARRAY_TASK_COUNT"),
        "a Slurm job array",
    ),
    ("JOB_COMPLETION_INDEX", None, "a Kubernetes Indexed Job"),
    (
        "AWS_BATCH_JOB_ARRAY_INDEX",
        Some("AWS_BATCH_JOB_ARRAY_SIZE"),
        "an AWS Batch array job",
    ),
];

impl ShardArg {
    /// The shard meant: as given, or for `auto` from `env` (the process's
    /// environment, a function for the tests), the count from `shards`
    /// (`--shards N`) when given, else from the scheduler's variable.
    pub fn resolve(
        self,
        shards: Option<u64>,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Shard, Error> {
        let usage = |m: String| Error::Usage(m);
        match self {
            ShardArg::Given(shard) => match shards {
                Some(n) if n != shard.count => Err(usage(format!(
                    "--shards {n} contradicts --shard {shard}: give one of them"
                ))),
                _ => Ok(shard),
            },
            ShardArg::Auto => {
                let Some((index_var, count_var, what)) =
                    SCHEDULERS.iter().find(|(v, _, _)| env(v).is_some())
                else {
                    return Err(usage(format!(
                        "--shard auto reads the shard from {}, and none is set: run it as a task of a job array, or give --shard I/N",
                        SCHEDULERS
                            .iter()
                            .map(|(v, _, _)| *v)
                            .collect::<Vec<_>>()
                            .join(", ")
                    )));
                };
                let number = |var: &str| -> Result<u64, Error> {
                    let text = env(var).unwrap_or_default();
                    text.trim().parse().map_err(|_| {
                        usage(format!(
                            "--shard auto: {var} is {text:?}, expected a whole number"
                        ))
                    })
                };
                let index = number(index_var)?;
                // Slurm counts the tasks submitted: an array not numbered
                // 0..COUNT-1 (a task run again alone, `--array=0,2,4`)
                // does not give the number of shards.
                if shards.is_none() && *index_var == "SLURM_ARRAY_TASK_ID" {
                    let parse = |var: &str| env(var).and_then(|t| t.trim().parse::<u64>().ok());
                    if let (Some(min), Some(max), Some(count)) = (
                        parse("SLURM_ARRAY_TASK_MIN"),
                        parse("SLURM_ARRAY_TASK_MAX"),
                        parse("SLURM_ARRAY_TASK_COUNT"),
                    ) && (min != 0 || max + 1 != count)
                    {
                        return Err(usage(format!(
                            "--shard auto: this Slurm array has {count} task{} numbered {min} to {max}, not 0 to {}, so it does not say how many shards there are: give --shards N (the size of the whole run's array)",
                            if count == 1 { "" } else { "s" },
                            count.saturating_sub(1)
                        )));
                    }
                }
                let count = match (shards, count_var) {
                    (Some(n), _) => n,
                    (None, Some(var)) if env(var).is_some() => number(var)?,
                    (None, _) => {
                        return Err(usage(format!(
                            "--shard auto in {what} ({index_var} = {index}) needs the number of shards: give --shards N"
                        )));
                    }
                };
                Shard::new(index, count).map_err(|e| {
                    usage(format!(
                        "--shard auto: {index_var} = {index}: {e} (number the tasks from 0, e.g. --array=0-{}, or give --shards N)",
                        count.max(1) - 1
                    ))
                })
            }
        }
    }
}

/// What a shard run did, for its lines on the terminal.
#[derive(Debug)]
pub struct ShardResult {
    /// The shard folder.
    pub out: PathBuf,
    /// Which shard.
    pub shard: Shard,
    /// Its trials.
    pub trials: Range<u64>,
    /// Wall time, seconds.
    pub seconds: f64,
}

/// Runs shard `opts.shard` of a run into shard folder `opts.out`.
pub fn run_shard(
    scenario: &Scenario,
    opts: &RunOptions,
    provenance: &Provenance,
) -> Result<ShardResult, Error> {
    let Some(shard) = opts.shard else {
        return Err(Error::Other("internal: a shard run without a shard".into()));
    };
    let scenario_bytes = std::fs::read(&provenance.scenario_path).map_err(|e| {
        Error::Io(
            format!("cannot read scenario {}", provenance.scenario_path),
            e,
        )
    })?;
    let simulated = super::run::simulate_run(scenario, opts, provenance)?;
    let Simulated {
        started,
        model,
        output_dir,
        mut sim,
        trials_file,
        paths_file,
        precision: _,
        stop,
    } = simulated;
    if manifest::sha256_hex(&scenario_bytes) != provenance.scenario_sha256 {
        return Err(Error::Usage(format!(
            "scenario {} changed while the shard ran; run it again",
            provenance.scenario_path
        )));
    }
    if let Some(f) = trials_file {
        f.finish(&output_dir)?;
    }
    if let Some(f) = paths_file {
        output_dir.finish(f, paths::FILE)?;
    }
    let size = |name: &str| std::fs::metadata(output_dir.dir.join(name)).map_or(0, |m| m.len());
    let (trials_bytes, paths_csv_bytes) = (size(opts.trials_format.file()), size(paths::FILE));
    let mut scenario_copy = output_dir.create(files::SCENARIO)?;
    scenario_copy.write_all(&scenario_bytes).map_err(|e| {
        Error::Io(
            format!("cannot write {}", output_dir.label(files::SCENARIO)),
            e,
        )
    })?;
    output_dir.finish(scenario_copy, files::SCENARIO)?;

    // Column after column: one in memory at a time when they spilled.
    let mut outcomes = files::F64Writer::create(&output_dir, files::OUTCOMES)?;
    for k in 0..sim.columns.count() {
        outcomes.push(&sim.columns.column(k)?)?;
    }
    outcomes.finish()?;
    let kept = sim.inputs.first().map_or(0, |(_, col)| col.len());
    let mut inputs = files::F64Writer::create(&output_dir, files::INPUTS)?;
    for t in 0..kept {
        let row: Vec<f64> = sim.inputs.iter().map(|(_, col)| col[t]).collect();
        inputs.push(&row)?;
    }
    inputs.finish()?;
    let mut sums = files::F64Writer::create(&output_dir, files::CHUNK_SUMS)?;
    sums.push(&sim.chunk_sums)?;
    sums.finish()?;
    files::write_histograms(&output_dir, files::HISTOGRAMS, &sim.hists)?;
    sim.columns.remove_spill();

    let range = shard.share(opts.trials);
    let cells = timeseries::series_names(&model).len() * model.months();
    let chunk = simulate::chunk_trials();
    let mut data = vec![
        files::SCENARIO,
        files::OUTCOMES,
        files::INPUTS,
        files::CHUNK_SUMS,
        files::HISTOGRAMS,
    ];
    if opts.trials_csv.written() {
        data.insert(0, opts.trials_format.file());
    }
    if opts.paths > 0 {
        data.push(paths::FILE);
    }
    let seconds = started.elapsed().as_secs_f64();
    let record = ShardManifest {
        chunk_trials: chunk,
        chunks: sim.chunk_sums.len().checked_div(cells).unwrap_or(0) as u64,
        count: shard.count,
        end_trial: range.end,
        expiry_counts: sim.expiry_counts.clone(),
        files: data.into_iter().map(String::from).collect(),
        first_chunk: range.start.div_ceil(chunk),
        first_trial: range.start,
        format_version: manifest::FORMAT_VERSION,
        index: shard.index,
        inputs: sim.inputs.iter().map(|(name, _)| name.clone()).collect(),
        inputs_kept: kept as u64,
        kind: Kind::Shard,
        label: opts.label.clone(),
        metrics: sim.metric_names.clone(),
        months: model.months(),
        out: opts.out.display().to_string(),
        paths: opts.paths,
        paths_csv_bytes,
        rofrsim_version: env!("CARGO_PKG_VERSION").into(),
        scenario: ScenarioRecord {
            description: scenario.description.clone(),
            name: scenario.name.clone(),
            overrides: provenance.overrides.clone(),
            path: provenance.scenario_path.clone(),
            sha256: provenance.scenario_sha256.clone(),
        },
        seed: opts.seed,
        series: timeseries::series_names(&model).len(),
        targets: opts.targets.iter().map(Target::text).collect(),
        threads: opts.threads,
        trials: opts.trials,
        trials_csv: opts.trials_csv,
        trials_bytes,
        trials_format: opts.trials_format,
        wall_time_seconds: (seconds * 1000.0).round() / 1000.0,
    };
    record.write(&output_dir)?;
    if stop.load(Ordering::Relaxed) {
        return Err(Error::Interrupted);
    }
    output_dir.commit()?;
    Ok(ShardResult {
        out: opts.out.clone(),
        shard,
        trials: range,
        seconds,
    })
}

/// What `merge` was asked to do.
#[derive(Debug, Clone)]
pub struct MergeOptions {
    /// The shard folders, in any order.
    pub shards: Vec<PathBuf>,
    /// The run folder to write.
    pub out: PathBuf,
    /// Worker threads (for the summaries; outputs do not depend on them).
    pub threads: usize,
    /// Replace an existing destination.
    pub force: bool,
    /// No progress lines.
    pub quiet: bool,
}

/// What `merge` wrote.
#[derive(Debug)]
pub enum Merged {
    /// A run folder, as `run` would describe it.
    Run {
        /// The scenario of the shards.
        scenario: Box<Scenario>,
        /// The run's options, as the shards recorded them.
        opts: Box<RunOptions>,
        /// The run folder written.
        result: Box<RunResult>,
        /// Shards given twice, and which copy was used.
        notes: Vec<String>,
    },
    /// A sweep folder.
    Sweep {
        /// The folder written.
        out: PathBuf,
        /// Its combinations.
        combinations: usize,
        /// Shards given twice, and which copy was used.
        notes: Vec<String>,
    },
}

/// A shard folder and its manifest.
struct Part {
    dir: PathBuf,
    manifest: ShardManifest,
}

impl Part {
    fn file(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }

    fn trials(&self) -> u64 {
        self.manifest
            .end_trial
            .saturating_sub(self.manifest.first_trial)
    }

    /// Refuses a manifest whose numbers do not hang together (damaged or
    /// edited), naming the first that does not, before any is trusted.
    fn check(&self) -> Result<(), Error> {
        let m = &self.manifest;
        let bad = |what: String| Err(bad_file(&self.file(manifest::FILE), what));
        let most = crate::analysis::stats::MAX_TRIALS;
        if m.trials == 0 || m.trials > most {
            return bad(format!("`trials` is {}, expected 1 to {most}", m.trials));
        }
        let Ok(shard) = Shard::new(m.index, m.count) else {
            return bad(format!("shard {}/{} does not exist", m.index, m.count));
        };
        let share = shard.share(m.trials);
        if (m.first_trial, m.end_trial) != (share.start, share.end) {
            return bad(format!(
                "trials {}..{} are not shard {shard}'s of {} ({}..{})",
                m.first_trial, m.end_trial, m.trials, share.start, share.end
            ));
        }
        let c = m.chunk_trials.max(1);
        let (first_chunk, chunks) = if share.is_empty() {
            (m.first_chunk, 0)
        } else {
            (
                share.start.div_ceil(c),
                share.end.div_ceil(c) - share.start.div_ceil(c),
            )
        };
        if (m.first_chunk, m.chunks) != (first_chunk, chunks) {
            return bad(format!(
                "{} chunks from chunk {}, expected {chunks} from {first_chunk} for trials {}..{}",
                m.chunks, m.first_chunk, share.start, share.end
            ));
        }
        let counted = m
            .expiry_counts
            .iter()
            .fold(0u64, |a, &c| a.saturating_add(c));
        if counted != self.trials() || m.expiry_counts.len() != m.months + 1 {
            return bad(format!(
                "`expiry_counts` counts {counted} trials in {} months, expected {} in {}",
                m.expiry_counts.len(),
                self.trials(),
                m.months + 1
            ));
        }
        let kept = share
            .end
            .min(SENSITIVITY_TRIALS)
            .saturating_sub(share.start);
        if m.inputs_kept != kept {
            return bad(format!(
                "`inputs_kept` is {}, expected {kept}",
                m.inputs_kept
            ));
        }
        Ok(())
    }
}

/// Joins shard folders into the run (or sweep) folder `opts.out`.
pub fn merge(opts: &MergeOptions) -> Result<Merged, Error> {
    let started = Instant::now();
    if opts.shards.is_empty() {
        return Err(Error::Usage("merge needs the shard folders to join".into()));
    }
    // Before anything is written: a stop leaves no partial folder.
    let stop = interruption_flag();
    let target = crate::folder::resolved(&opts.out);
    let mut runs = Vec::new();
    let mut sweeps = Vec::new();
    for dir in &opts.shards {
        let at = crate::folder::resolved(dir);
        if target.starts_with(&at) || at.starts_with(&target) {
            return Err(Error::Usage(format!(
                "--out {} {} the shard folder {}: merge into a folder of its own (a shard is never changed, and --force would remove it)",
                opts.out.display(),
                if target == at {
                    "is"
                } else if target.starts_with(&at) {
                    "is inside"
                } else {
                    "holds"
                },
                dir.display()
            )));
        }
        match AnyShard::read(dir)? {
            AnyShard::Run(manifest) => {
                let part = Part {
                    dir: dir.clone(),
                    manifest,
                };
                part.check()?;
                runs.push(part);
            }
            AnyShard::Sweep(manifest) => sweeps.push((dir.clone(), manifest)),
        }
    }
    if !runs.is_empty() && !sweeps.is_empty() {
        return Err(Error::Usage(format!(
            "{} is a shard of a run and {} of a sweep: merge the shards of one run or one sweep",
            runs[0].dir.display(),
            sweeps[0].0.display()
        )));
    }
    if runs.is_empty() {
        return super::sweep::merge_shards(sweeps, opts, &stop);
    }
    let parts = runs;
    check_same_run(&parts)?;
    let total = parts[0].manifest.trials;
    let (parts, notes) = cover_once(
        parts,
        |p| Piece {
            range: p.manifest.first_trial..p.manifest.end_trial,
            dir: &p.dir,
            count: p.manifest.count,
        },
        total,
        "trials",
    )?;
    // Empty shares (more shards than trials) hold nothing to join.
    let parts: Vec<Part> = parts.into_iter().filter(|p| p.trials() > 0).collect();
    let first = &parts[0].manifest;
    let overrides = first
        .scenario
        .overrides
        .iter()
        .map(|o| {
            o.parse::<Override>().map_err(|e| {
                bad_file(
                    &parts[0].file(manifest::FILE),
                    format!("override {o:?}: {e}"),
                )
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    let copy = parts[0].file(files::SCENARIO);
    let bytes =
        std::fs::read(&copy).map_err(|e| bad_file(&copy, format!("cannot read it ({e})")))?;
    if manifest::sha256_hex(&bytes) != first.scenario.sha256 {
        return Err(bad_file(
            &copy,
            "is not the scenario file the shard ran (its SHA-256 differs from the manifest's)",
        ));
    }
    let scenario = scenario::load_file(&copy, &overrides)?;
    let targets = first
        .targets
        .iter()
        .map(|t| {
            t.parse::<Target>()
                .map_err(|e| bad_file(&parts[0].file(manifest::FILE), format!("target {t:?}: {e}")))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let run_opts = RunOptions {
        label: first.label.clone(),
        trials: first.trials,
        precision: None,
        seed: first.seed,
        out: opts.out.clone(),
        paths: first.paths,
        threads: opts.threads,
        force: opts.force,
        quiet: opts.quiet,
        targets,
        trials_csv: first.trials_csv,
        trials_format: first.trials_format,
        keep_outcomes: false,
        shard: None,
    };
    let provenance = Provenance {
        scenario_path: first.scenario.path.clone(),
        scenario_sha256: first.scenario.sha256.clone(),
        overrides: first.scenario.overrides.clone(),
        final_out: None,
    };
    let mut model = Model::new(&scenario);
    model.set_trials(first.trials);
    let metrics: Vec<String> = crate::folder::outcomes::metric_names(&model)
        .into_iter()
        .chain(crate::folder::outcomes::probability_names().map(String::from))
        .collect();
    let inputs: Vec<String> = trials::input_columns(&model)
        .into_iter()
        .map(|(_, name)| name)
        .collect();
    if first.metrics != metrics || first.inputs != inputs {
        return Err(bad_file(
            &parts[0].file(manifest::FILE),
            "its `metrics` or `inputs` are not its scenario's outcome columns and inputs: written by another rofrsim?",
        ));
    }
    if model.months() != first.months || timeseries::series_names(&model).len() != first.series {
        return Err(bad_file(
            &parts[0].file(manifest::FILE),
            "its months or series differ from its scenario's: written by another rofrsim?",
        ));
    }
    let dirs: Vec<&Path> = parts.iter().map(|p| p.dir.as_path()).collect();
    check_room(&dirs, &opts.out)?;
    let output_dir = OutputDir::begin(&opts.out, opts.force)?;
    let trials_file = if first.trials_csv.written() {
        let bytes: Vec<u64> = parts.iter().map(|p| p.manifest.trials_bytes).collect();
        Some(match first.trials_format {
            TrialsFormat::Csv => {
                TrialsFile::Csv(join_csv(&output_dir, &dirs, &bytes, trials::FILE, &stop)?)
            }
            TrialsFormat::Parquet => TrialsFile::Parquet(Box::new(join_parquet(
                &output_dir,
                trials_parquet::schema(&model, first.trials_csv.with_inputs()),
                &dirs,
                &bytes,
                &stop,
            )?)),
        })
    } else {
        None
    };
    let paths_file = if first.paths > 0 {
        let bytes: Vec<u64> = parts.iter().map(|p| p.manifest.paths_csv_bytes).collect();
        Some(join_csv(&output_dir, &dirs, &bytes, paths::FILE, &stop)?)
    } else {
        None
    };
    let sim = join_data(&model, &parts, &output_dir, &stop)?;
    let simulated = Simulated {
        started,
        model,
        output_dir,
        sim,
        trials_file,
        paths_file,
        precision: None,
        stop,
    };
    let result = super::run::write_run(&scenario, &run_opts, &provenance, simulated)?;
    Ok(Merged::Run {
        scenario: Box::new(scenario),
        opts: Box::new(run_opts),
        result: Box::new(result),
        notes,
    })
}

/// Refuses shards of different runs, naming the first that differs from
/// the first shard and how.
fn check_same_run(parts: &[Part]) -> Result<(), Error> {
    let first = &parts[0];
    let a = &first.manifest;
    for part in &parts[1..] {
        let b = &part.manifest;
        let differs: Option<(&str, String, String)> = if a.scenario.sha256 != b.scenario.sha256 {
            Some((
                "scenario (SHA-256)",
                a.scenario.sha256.clone(),
                b.scenario.sha256.clone(),
            ))
        } else if a.scenario.overrides != b.scenario.overrides {
            Some((
                "--set overrides",
                a.scenario.overrides.join(" "),
                b.scenario.overrides.join(" "),
            ))
        } else if a.rofrsim_version != b.rofrsim_version {
            Some((
                "rofrsim version",
                a.rofrsim_version.clone(),
                b.rofrsim_version.clone(),
            ))
        } else if a.seed != b.seed {
            Some(("seed", a.seed.to_string(), b.seed.to_string()))
        } else if a.trials != b.trials {
            Some(("trials", a.trials.to_string(), b.trials.to_string()))
        } else if a.label != b.label {
            Some(("label", a.label.clone(), b.label.clone()))
        } else if a.paths != b.paths {
            Some(("--paths", a.paths.to_string(), b.paths.to_string()))
        } else if a.targets != b.targets {
            Some(("--target", a.targets.join(" "), b.targets.join(" ")))
        } else if a.trials_csv != b.trials_csv {
            Some((
                "--trials-csv",
                a.trials_csv.label().into(),
                b.trials_csv.label().into(),
            ))
        } else if a.trials_format != b.trials_format {
            Some((
                "--trials-format",
                a.trials_format.label().into(),
                b.trials_format.label().into(),
            ))
        } else if (&a.metrics, &a.inputs, a.months, a.series, a.chunk_trials)
            != (&b.metrics, &b.inputs, b.months, b.series, b.chunk_trials)
        {
            Some(("outcome columns", String::new(), String::new()))
        } else {
            None
        };
        if let Some((what, x, y)) = differs {
            return Err(Error::Usage(format!(
                "{} and {} are shards of different runs: they differ in {what}{}",
                first.dir.display(),
                part.dir.display(),
                if x.is_empty() {
                    String::new()
                } else {
                    format!(" ({x} and {y})")
                }
            )));
        }
    }
    check_version(&first.dir, &a.rofrsim_version)?;
    if a.chunk_trials != simulate::chunk_trials() {
        return Err(bad_file(
            &first.file(manifest::FILE),
            format!(
                "chunks of {} trials; this rofrsim's are {}",
                a.chunk_trials,
                simulate::chunk_trials()
            ),
        ));
    }
    Ok(())
}

/// Where a shard's share lies, for [`cover_once`].
pub(super) struct Piece<'a> {
    /// Its trials (or combinations).
    pub range: Range<u64>,
    /// Its folder.
    pub dir: &'a Path,
    /// N of its `--shard I/N`.
    pub count: u64,
}

/// " (shard I/N)" when `range` is shard I's share of `total` and every
/// piece has the same N, else "".
fn shard_name(pieces: &[Piece<'_>], total: u64, range: &Range<u64>) -> String {
    let Some(count) = pieces.first().map(|p| p.count) else {
        return String::new();
    };
    if pieces.iter().any(|p| p.count != count) {
        return String::new();
    }
    // Shard I starts at ⌊I·T/N⌋: the first I whose start reaches it.
    let index = (u128::from(range.start) * u128::from(count)).div_ceil(u128::from(total.max(1)));
    u64::try_from(index)
        .ok()
        .and_then(|i| Shard::new(i, count).ok())
        .filter(|s| s.share(total) == *range)
        .map_or(String::new(), |s| format!(" (shard {s})"))
}

/// The parts in order of their shares, each share once: a shard given
/// twice (the same share, as when a task is run again) is taken once, the
/// copy given last, with a note; `unit` units of `total` that no part
/// holds, or that two different parts hold, are an error naming them.
pub(super) fn cover_once<T>(
    parts: Vec<T>,
    piece: impl Fn(&T) -> Piece<'_>,
    total: u64,
    unit: &str,
) -> Result<(Vec<T>, Vec<String>), Error> {
    let mut kept: Vec<T> = Vec::new();
    let mut notes = Vec::new();
    for part in parts {
        let p = piece(&part);
        // Empty shares (more shards than trials) are all alike: none is
        // a copy of another.
        let same = kept
            .iter()
            .position(|k| !p.range.is_empty() && piece(k).range == p.range);
        match same {
            Some(i) => {
                notes.push(format!(
                    "{unit} {} to {} are given twice ({} and {}): the same {unit}, taken once from {}",
                    p.range.start,
                    p.range.end.saturating_sub(1),
                    piece(&kept[i]).dir.display(),
                    p.dir.display(),
                    p.dir.display()
                ));
                kept[i] = part;
            }
            None => kept.push(part),
        }
    }
    kept.sort_by_key(|k| (piece(k).range.start, piece(k).range.end));
    let pieces: Vec<Piece<'_>> = kept.iter().map(&piece).collect();
    let mut problems = Vec::new();
    let mut next = 0;
    let missing = |gap: Range<u64>| {
        format!(
            "missing {unit} {} to {}{}",
            gap.start,
            gap.end - 1,
            shard_name(&pieces, total, &gap)
        )
    };
    for (k, p) in pieces.iter().enumerate() {
        if p.range.is_empty() {
            continue;
        }
        if p.range.start > next {
            problems.push(missing(next..p.range.start));
        } else if p.range.start < next {
            let before = pieces[..k]
                .iter()
                .rev()
                .find(|b| b.range.end > p.range.start)
                .map_or(p.dir, |b| b.dir);
            problems.push(format!(
                "{unit} {} to {} are in two shards: {} and {}",
                p.range.start,
                next.min(p.range.end) - 1,
                before.display(),
                p.dir.display()
            ));
        }
        next = next.max(p.range.end);
    }
    if next < total {
        problems.push(missing(next..total));
    }
    if !problems.is_empty() {
        return Err(Error::Usage(format!(
            "the shards do not cover the {total} {unit} exactly once: {}",
            problems.join("; ")
        )));
    }
    drop(pieces);
    Ok((kept, notes))
}

/// File `name` (a CSV with its header) of each of `dirs` as one file of
/// `output_dir`: the first header, then every one's rows in order. Each
/// must be `bytes` long (as its manifest records: a file cut short or
/// added to is refused) and end a line; a stop ends the copy.
pub(super) fn join_csv(
    output_dir: &OutputDir,
    dirs: &[&Path],
    bytes: &[u64],
    name: &str,
    stop: &AtomicBool,
) -> Result<std::io::BufWriter<std::fs::File>, Error> {
    let mut out = output_dir.create(name)?;
    let mut header: Option<String> = None;
    let mut buf = vec![0u8; 1 << 20];
    for (dir, &expected) in dirs.iter().zip(bytes) {
        let path = dir.join(name);
        let read_err = |e: std::io::Error| bad_file(&path, format!("cannot read it ({e})"));
        check_size(&path, expected)?;
        let file = std::fs::File::open(&path).map_err(read_err)?;
        let mut reader = BufReader::with_capacity(1 << 20, file);
        let mut line = String::new();
        reader.read_line(&mut line).map_err(read_err)?;
        match &header {
            None => {
                write_all(output_dir, name, &mut out, line.as_bytes())?;
                header = Some(line);
            }
            Some(h) if *h != line => {
                return Err(bad_file(&path, "its header differs from the other shards'"));
            }
            Some(_) => {}
        }
        let mut last = b'\n';
        loop {
            let got = std::io::Read::read(&mut reader, &mut buf).map_err(read_err)?;
            if got == 0 {
                break;
            }
            last = buf[got - 1];
            write_all(output_dir, name, &mut out, &buf[..got])?;
            if stop.load(Ordering::Relaxed) {
                return Err(Error::Interrupted);
            }
        }
        if last != b'\n' {
            return Err(bad_file(&path, "its last line is cut short"));
        }
    }
    Ok(out)
}

/// Joins the shards' `trials.parquet` (whose sizes the shards recorded as
/// `bytes`) into the run's, of columns `schema`: their rows in order,
/// re-cut into the record batches a single run writes (chunks of
/// [`trials_parquet::CHUNK_ROWS`] from trial 0), so that the writer makes
/// the same pages and row groups and the file is the single run's, byte
/// for byte.
fn join_parquet(
    output_dir: &OutputDir,
    schema: arrow_schema::SchemaRef,
    dirs: &[&Path],
    bytes: &[u64],
    stop: &AtomicBool,
) -> Result<trials_parquet::Writer, Error> {
    use trials_parquet::CHUNK_ROWS;
    let name = trials_parquet::FILE;
    let mut writer = trials_parquet::Writer::create(
        output_dir.create(name)?,
        schema.clone(),
        output_dir.label(name),
    )?;
    // Rows read and not yet written: fewer than a chunk between batches.
    let mut pending: Vec<arrow_array::RecordBatch> = Vec::new();
    let mut held = 0;
    let joined = |pending: &[arrow_array::RecordBatch]| {
        arrow_select::concat::concat_batches(&schema, pending)
            .map_err(|e| Error::Other(format!("internal: joining trials.parquet rows: {e}")))
    };
    for (dir, &expected) in dirs.iter().zip(bytes) {
        let path = dir.join(name);
        check_size(&path, expected)?;
        for batch in trials_parquet::open(&path, Some(&schema))? {
            let batch = batch.map_err(|e| bad_file(&path, format!("cannot read it ({e})")))?;
            held += batch.num_rows();
            pending.push(batch);
            while held >= CHUNK_ROWS {
                let all = joined(&pending)?;
                writer.write(&all.slice(0, CHUNK_ROWS))?;
                held -= CHUNK_ROWS;
                pending = vec![all.slice(CHUNK_ROWS, held)];
            }
            if stop.load(Ordering::Relaxed) {
                return Err(Error::Interrupted);
            }
        }
    }
    if held > 0 {
        writer.write(&joined(&pending)?)?;
    }
    Ok(writer)
}

/// Refuses a shard's file whose size is not the `expected` it recorded.
fn check_size(path: &Path, expected: u64) -> Result<(), Error> {
    let size = std::fs::metadata(path)
        .map_err(|e| bad_file(path, format!("cannot read it ({e})")))?
        .len();
    if size != expected {
        return Err(bad_file(
            path,
            format!("{size} bytes where the shard wrote {expected} (cut short or changed since)"),
        ));
    }
    Ok(())
}

fn write_all(
    output_dir: &OutputDir,
    name: &str,
    out: &mut std::io::BufWriter<std::fs::File>,
    bytes: &[u8],
) -> Result<(), Error> {
    out.write_all(bytes)
        .map_err(|e| Error::Io(format!("cannot write {}", output_dir.label(name)), e))
}

/// Refuses, before anything is written, a merge whose copies of the
/// shards' `trials.csv` and `paths.csv` would not fit where `out` goes.
fn check_room(dirs: &[&Path], out: &Path) -> Result<(), Error> {
    if std::env::var_os("ROFRSIM_SKIP_DISK_CHECK").is_some() {
        return Ok(());
    }
    let need: u64 = dirs
        .iter()
        .flat_map(|d| {
            [
                d.join(trials::FILE),
                d.join(trials_parquet::FILE),
                d.join(paths::FILE),
            ]
        })
        .filter_map(|p| std::fs::metadata(p).ok())
        .map(|m| m.len())
        .sum();
    let existing = out
        .ancestors()
        .find(|p| !p.as_os_str().is_empty() && p.exists())
        .unwrap_or(Path::new("."));
    match fs4::available_space(existing) {
        Ok(free) if need > free => Err(Error::Disk(format!(
            "the merged trials and paths.csv take {:.1} GB but only {:.1} GB is free where {} goes; merge elsewhere with --out",
            need as f64 / 1e9,
            free as f64 / 1e9,
            out.display()
        ))),
        _ => Ok(()),
    }
}

/// Trials joined at a time from the outcome columns.
const ROWS_AT_ONCE: usize = 4096;

/// The run's simulation, joined from the parts' data files: outcome
/// columns in trial order (spilling as a run of that size does), kept
/// inputs, expiry counts, the sums folded chunk by chunk and the
/// histograms' counts added.
fn join_data(
    model: &Model<'_>,
    parts: &[Part],
    output_dir: &OutputDir,
    stop: &AtomicBool,
) -> Result<Simulation, Error> {
    let first = &parts[0].manifest;
    let n_metrics = first.metrics.len();
    let mut columns = Columns::new(
        n_metrics,
        first.trials,
        SENSITIVITY_TRIALS,
        Some(&output_dir.dir.join(".columns")),
    )?;
    let mut rows = Vec::with_capacity(ROWS_AT_ONCE * n_metrics);
    let mut column = Vec::with_capacity(ROWS_AT_ONCE);
    for part in parts {
        let n = part.trials();
        let path = part.file(files::OUTCOMES);
        let total = n * n_metrics as u64;
        let mut readers = (0..n_metrics as u64)
            .map(|k| F64Reader::open(&path, total, k * n, n))
            .collect::<Result<Vec<_>, _>>()?;
        let mut done = 0;
        while done < n {
            let take = (n - done).min(ROWS_AT_ONCE as u64) as usize;
            rows.clear();
            rows.resize(take * n_metrics, 0.0);
            for (k, reader) in readers.iter_mut().enumerate() {
                column.clear();
                reader.read_into(take, &mut column)?;
                for (t, &x) in column.iter().enumerate() {
                    rows[t * n_metrics + k] = x;
                }
            }
            columns.push_rows(&rows)?;
            done += take as u64;
            if stop.load(Ordering::Relaxed) {
                return Err(Error::Interrupted);
            }
        }
    }
    columns.finish()?;

    let mut inputs: Vec<(String, Vec<f64>)> = first
        .inputs
        .iter()
        .map(|n| (n.clone(), Vec::new()))
        .collect();
    let mut expiry_counts = vec![0u64; first.months + 1];
    for part in parts {
        let m = &part.manifest;
        let width = inputs.len() as u64;
        // `inputs_kept` and `expiry_counts` were checked with the manifest.
        let mut reader = F64Reader::open(
            &part.file(files::INPUTS),
            m.inputs_kept * width,
            0,
            m.inputs_kept * width,
        )?;
        let mut row = Vec::with_capacity(inputs.len());
        for _ in 0..m.inputs_kept {
            row.clear();
            reader.read_into(inputs.len(), &mut row)?;
            for ((_, col), &x) in inputs.iter_mut().zip(&row) {
                col.push(x);
            }
        }
        for (total, c) in expiry_counts.iter_mut().zip(&m.expiry_counts) {
            *total += c;
        }
    }

    // Chunk after chunk in chunk order, as one run adds them.
    let cells = first.months * first.series;
    let mut sums = vec![0.0; cells];
    let mut next_chunk = 0;
    let mut chunk = Vec::with_capacity(cells);
    for part in parts {
        let m = &part.manifest;
        if m.first_chunk != next_chunk {
            return Err(bad_file(
                &part.file(manifest::FILE),
                format!(
                    "its sums start at chunk {}, expected chunk {next_chunk}",
                    m.first_chunk
                ),
            ));
        }
        let values = m.chunks * cells as u64;
        let mut reader = F64Reader::open(&part.file(files::CHUNK_SUMS), values, 0, values)?;
        for _ in 0..m.chunks {
            chunk.clear();
            reader.read_into(cells, &mut chunk)?;
            for (s, x) in sums.iter_mut().zip(&chunk) {
                *s += x;
            }
        }
        next_chunk += m.chunks;
    }
    if next_chunk != first.trials.div_ceil(first.chunk_trials) {
        return Err(Error::Usage(format!(
            "the shards hold the sums of {next_chunk} chunks of the {} a run of {} trials has",
            first.trials.div_ceil(first.chunk_trials),
            first.trials
        )));
    }
    simulate::check_sums(model, &sums)?;
    let mut hists = vec![Histogram::default(); cells];
    for part in parts {
        let theirs = files::read_histograms(&part.file(files::HISTOGRAMS), cells)?;
        for (h, other) in hists.iter_mut().zip(&theirs) {
            h.merge(other);
        }
    }
    Ok(Simulation {
        trials: first.trials,
        metric_names: first.metrics.clone(),
        columns,
        expiry_counts,
        inputs,
        sums,
        hists,
        chunk_sums: Vec::new(),
    })
}

/// The default folder of shard `shard` of a run labelled `label`.
pub fn default_out(label: &str, shard: Shard) -> PathBuf {
    shard_folder(&scenario::folder_name(label), shard)
}

/// `output/<name>.shard-I-of-N`.
pub(super) fn shard_folder(name: &str, shard: Shard) -> PathBuf {
    Path::new("output").join(format!("{name}.shard-{}-of-{}", shard.index, shard.count))
}

/// Refuses shards written by another version of rofrsim: the streams,
/// the chunks and the files may differ.
pub(super) fn check_version(dir: &Path, version: &str) -> Result<(), Error> {
    if version == env!("CARGO_PKG_VERSION") {
        return Ok(());
    }
    Err(Error::Usage(format!(
        "{} was written by rofrsim {version}; this is {}: merge with the version that ran the shards",
        dir.display(),
        env!("CARGO_PKG_VERSION")
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_split_the_trials_as_the_formula_says() {
        // ⌊I·T/N⌋: 10 trials in 4 shards are 0..2, 2..5, 5..7, 7..10.
        let ranges: Vec<_> = (0..4)
            .map(|i| Shard::new(i, 4).unwrap().share(10))
            .collect();
        assert_eq!(ranges, vec![0..2, 2..5, 5..7, 7..10]);
        // More shards than trials: some are empty, all together are the run.
        let tiny: Vec<_> = (0..3).map(|i| Shard::new(i, 3).unwrap().share(2)).collect();
        assert_eq!(tiny, vec![0..0, 0..1, 1..2]);
        // No overflow at the largest counts.
        let big = Shard::new(2, 3).unwrap().share(u64::MAX / 2);
        assert_eq!(big.end, u64::MAX / 2);
    }

    #[test]
    fn shard_args_parse_and_say_what_is_expected() {
        assert_eq!(
            "1/4".parse::<ShardArg>(),
            Ok(ShardArg::Given(Shard { index: 1, count: 4 }))
        );
        assert_eq!("auto".parse::<ShardArg>(), Ok(ShardArg::Auto));
        for bad in ["4/4", "1/0", "x/4", "1", "-1/4"] {
            let e = bad.parse::<ShardArg>().unwrap_err();
            assert!(
                e.contains("expected") || e.contains("does not exist") || e.contains("at least 1"),
                "{bad}: {e}"
            );
        }
    }

    fn env<'a>(vars: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |k| {
            vars.iter()
                .find(|(v, _)| *v == k)
                .map(|(_, x)| x.to_string())
        }
    }

    #[test]
    fn auto_reads_each_scheduler() {
        let s = |i, n| Shard { index: i, count: n };
        let slurm = [
            ("SLURM_ARRAY_TASK_ID", "2"),
            ("SLURM_ARRAY_TASK_COUNT", "4"),
        ];
        assert_eq!(ShardArg::Auto.resolve(None, env(&slurm)).unwrap(), s(2, 4));
        // A task run again alone (--array=2) counts 1 task: --shards says 4.
        let again = [
            ("SLURM_ARRAY_TASK_ID", "2"),
            ("SLURM_ARRAY_TASK_COUNT", "1"),
            ("SLURM_ARRAY_TASK_MIN", "2"),
            ("SLURM_ARRAY_TASK_MAX", "2"),
        ];
        let e = ShardArg::Auto
            .resolve(None, env(&again))
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("numbered 2 to 2") && e.contains("--shards N"),
            "{e}"
        );
        // --array=0,2,4: three tasks, but not shards 0 to 2.
        let gaps = [
            ("SLURM_ARRAY_TASK_ID", "2"),
            ("SLURM_ARRAY_TASK_COUNT", "3"),
            ("SLURM_ARRAY_TASK_MIN", "0"),
            ("SLURM_ARRAY_TASK_MAX", "4"),
        ];
        assert!(ShardArg::Auto.resolve(None, env(&gaps)).is_err());
        assert_eq!(
            ShardArg::Auto.resolve(Some(5), env(&gaps)).unwrap(),
            s(2, 5)
        );
        assert_eq!(
            ShardArg::Auto.resolve(Some(4), env(&again)).unwrap(),
            s(2, 4)
        );
        let k8s = [("JOB_COMPLETION_INDEX", "3")];
        assert_eq!(
            ShardArg::Auto.resolve(Some(10), env(&k8s)).unwrap(),
            s(3, 10)
        );
        let e = ShardArg::Auto
            .resolve(None, env(&k8s))
            .unwrap_err()
            .to_string();
        assert!(e.contains("--shards N"), "{e}");
        let aws = [
            ("AWS_BATCH_JOB_ARRAY_INDEX", "0"),
            ("AWS_BATCH_JOB_ARRAY_SIZE", "5"),
        ];
        assert_eq!(ShardArg::Auto.resolve(None, env(&aws)).unwrap(), s(0, 5));
        let e = ShardArg::Auto
            .resolve(None, env(&[]))
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("SLURM_ARRAY_TASK_ID") && e.contains("JOB_COMPLETION_INDEX"),
            "{e}"
        );
        let one_based = [
            ("SLURM_ARRAY_TASK_ID", "4"),
            ("SLURM_ARRAY_TASK_COUNT", "4"),
        ];
        let e = ShardArg::Auto
            .resolve(None, env(&one_based))
            .unwrap_err()
            .to_string();
        assert!(e.contains("--array=0-3"), "{e}");
        let junk = [
            ("SLURM_ARRAY_TASK_ID", "two"),
            ("SLURM_ARRAY_TASK_COUNT", "4"),
        ];
        assert!(
            ShardArg::Auto
                .resolve(None, env(&junk))
                .unwrap_err()
                .to_string()
                .contains("whole number")
        );
        // Given: --shards must agree.
        let given = ShardArg::Given(s(1, 4));
        assert_eq!(given.resolve(Some(4), env(&[])).unwrap(), s(1, 4));
        assert!(given.resolve(Some(5), env(&[])).is_err());
    }
}
