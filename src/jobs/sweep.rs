//! A sweep: one simulation per combination of varied values, all with the
//! same seed, summarised in one long table ready for a pivot table
//! (`sweep.csv`). Only that table is kept, unless `--keep-runs` asks for
//! each combination's run folder too (`runs/<k>/`, written by `run`).

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use super::run::{self, Provenance, RunOptions, interruption_flag, summarise_columns, target_rows};
use super::shard::{
    MergeOptions, Merged, Piece, Shard, check_version, cover_once, join_csv, shard_folder,
};
use super::simulate::{SimOptions, simulate};
use crate::analysis::stats::Summary;
use crate::analysis::target::Target;
use crate::engine::Model;
use crate::error::Error;
use crate::folder::manifest::{
    self, RunManifest, SweepManifest, SweepScenario, SweepShardManifest, Varied,
};
use crate::folder::staging::OutputDir;
use crate::folder::trials::{TrialsCsv, TrialsFormat};
use crate::folder::{Kind, Reader, bad_file, outcomes, sweep as sweep_csv};
use crate::scenario::{self, Override};

/// What a sweep found, for the table it prints (`sweep.csv` has it all).
#[derive(Debug)]
pub struct Swept {
    /// The sweep's folder.
    pub out: PathBuf,
    /// The varied keys, in `--vary` order.
    pub keys: Vec<String>,
    /// One row per combination, first key slowest: the varied values and
    /// the summaries of [`SHOWN`] outcomes and of every target (by
    /// `summary.csv` name; absent when no trial had a value).
    pub rows: Vec<SweptRow>,
}

/// One combination's varied values and its shown summaries.
pub type SweptRow = (Vec<String>, Vec<(String, Summary)>);

/// The outcomes a sweep's table shows, besides the targets.
pub const SHOWN: [&str; 3] = [
    outcomes::MICROSOFT_VALUE_NPV,
    outcomes::UNMET_SHARE,
    outcomes::AZURE_SHARE_END,
];

/// Most combinations a sweep may have: far more would take hours.
pub const MAX_COMBINATIONS: usize = 10_000;

/// One `--vary key.path=v1,v2,…` (or `=lo:hi:step`).
#[derive(Debug, Clone, PartialEq)]
pub struct Vary {
    /// Dotted key path, as for `--set`.
    pub path: String,
    /// The values, as TOML text, in order.
    pub values: Vec<String>,
}

/// What `sweep` was asked to do.
#[derive(Debug, Clone)]
pub struct SweepOptions {
    /// The scenario file.
    pub scenario: PathBuf,
    /// Overrides applied to every combination (before the varied ones).
    pub set: Vec<Override>,
    /// The varied keys.
    pub vary: Vec<Vary>,
    /// Trials per combination.
    pub trials: u64,
    /// Seed (default: the scenario's).
    pub seed: Option<u64>,
    /// Output folder.
    pub out: Option<PathBuf>,
    /// Worker threads.
    pub threads: usize,
    /// Replace an existing output folder.
    pub force: bool,
    /// No progress output.
    pub quiet: bool,
    /// Target probabilities to add.
    pub targets: Vec<Target>,
    /// Keep each combination's run folder in `runs/<k>/`, with
    /// `trials.csv` as this says (`None`: keep none, as by default).
    pub keep_runs: Option<TrialsCsv>,
    /// Run only this shard of the combinations into a shard folder
    /// (`--shard`), for `merge`.
    pub shard: Option<Shard>,
}

/// The folder of the `k`-th combination (from 0) of `count` under `runs/`:
/// its number from 1, zero-padded so that the folders list in order.
fn run_name(k: usize, count: usize) -> String {
    let width = count.to_string().len();
    format!("{:0width$}", k + 1)
}

/// Every combination, first `--vary` slowest, as lists of overrides.
fn combinations(vary: &[Vary]) -> Vec<Vec<Override>> {
    let mut combos: Vec<Vec<Override>> = vec![Vec::new()];
    for v in vary {
        combos = combos
            .into_iter()
            .flat_map(|c| {
                v.values.iter().map(move |value| {
                    let mut next = c.clone();
                    next.push(Override::set(&v.path, value));
                    next
                })
            })
            .collect();
    }
    combos
}

/// Runs the sweep and writes `sweep.csv` and `manifest.json`; returns the
/// output folder.
pub fn sweep(opts: &SweepOptions) -> Result<Swept, Error> {
    let started = Instant::now();
    if opts.vary.is_empty() {
        return Err(Error::Usage(
            "sweep needs at least one --vary key.path=v1,v2,…".into(),
        ));
    }
    let count: usize = opts
        .vary
        .iter()
        .map(|v| v.values.len())
        .try_fold(1usize, |acc, n| acc.checked_mul(n))
        .unwrap_or(usize::MAX);
    if count > MAX_COMBINATIONS {
        return Err(Error::Usage(format!(
            "the sweep has {count} combinations (at most {MAX_COMBINATIONS})"
        )));
    }
    // Load every combination first: a bad value fails before hours of work.
    let mut scenarios = Vec::with_capacity(count);
    let mut printed = Vec::new();
    for combo in combinations(&opts.vary) {
        let mut set = opts.set.clone();
        set.extend(combo.iter().cloned());
        let s = scenario::load_file(&opts.scenario, &set)?;
        super::sampling_notes(&s, &s.name, &mut printed);
        scenarios.push((combo, s));
    }
    let Some((_, first)) = scenarios.first() else {
        return Err(Error::Usage("the sweep has no combinations".into()));
    };
    let seed = opts.seed.unwrap_or(first.seed);
    let out = opts.out.clone().unwrap_or_else(|| {
        let name = format!("{}-sweep", first.name);
        match opts.shard {
            Some(s) => shard_folder(&name, s),
            None => PathBuf::from("output").join(name),
        }
    });
    // A shard runs its share of the combinations, numbered as in the
    // whole sweep.
    let share = opts.shard.map_or(0..count, |s| {
        let r = s.share(count as u64);
        r.start as usize..r.end as usize
    });
    let metrics = outcomes::metric_names(&Model::new(first));
    for t in &opts.targets {
        t.check(&metrics)?;
    }
    let output_dir = OutputDir::begin(&out, opts.force)?;
    let stop = interruption_flag();

    let keys: Vec<&str> = opts.vary.iter().map(|v| v.path.as_str()).collect();
    let mut csv = sweep_csv::header(&keys);
    let mut shown = Vec::with_capacity(scenarios.len());
    let target_labels: Vec<String> = opts.targets.iter().map(Target::label).collect();
    for (i, (combo, scenario)) in scenarios.iter().enumerate() {
        if !share.contains(&i) {
            continue;
        }
        if !opts.quiet {
            let label: Vec<String> = combo.iter().map(Override::to_string).collect();
            super::progress(&format!(
                "[{}/{}] {}",
                i + 1,
                scenarios.len(),
                label.join(" ")
            ));
        }
        let rows = match opts.keep_runs {
            // The run's summary.csv rows are the ones below: the same
            // columns summarised by the same functions.
            Some(trials_csv) => {
                let name = run_name(i, scenarios.len());
                let mut set = opts.set.clone();
                set.extend(combo.iter().cloned());
                let mut provenance = Provenance::of_file(&opts.scenario, &set)?;
                provenance.final_out = Some(out.join("runs").join(&name));
                let run_opts = RunOptions {
                    precision: None,
                    label: crate::scenario::default_label(&scenario.name, &set),
                    trials: opts.trials,
                    seed,
                    out: output_dir.dir.join("runs").join(&name),
                    paths: 0,
                    threads: opts.threads,
                    force: false,
                    quiet: true,
                    targets: opts.targets.clone(),
                    trials_csv,
                    trials_format: TrialsFormat::Csv,
                    keep_outcomes: false,
                    shard: None,
                };
                run::run(scenario, &run_opts, &provenance)?.summary
            }
            None => {
                let mut model = Model::new(scenario);
                model.set_trials(opts.trials);
                let sim_opts = SimOptions {
                    trials: opts.trials,
                    seed,
                    threads: opts.threads,
                    paths: 0,
                    keep_inputs: 0,
                    progress: false,
                    spill_dir: None,
                    shard: None,
                };
                let sim = simulate(&model, &sim_opts, None, None, &stop)?;
                let mut rows = summarise_columns(&sim)?;
                rows.extend(target_rows(&sim, &opts.targets)?);
                rows
            }
        };
        let values: Vec<&str> = combo.iter().map(|o| o.value.as_str()).collect();
        sweep_csv::push_rows(&mut csv, &values, &rows);
        let kept: Vec<(String, Summary)> = rows
            .into_iter()
            .filter(|(name, _)| SHOWN.contains(&name.as_str()) || target_labels.contains(name))
            .filter_map(|(name, s)| Some((name, s?)))
            .collect();
        shown.push((values.iter().map(|v| v.to_string()).collect(), kept));
    }
    if stop.load(Ordering::Relaxed) {
        return Err(Error::Interrupted);
    }
    output_dir.write(sweep_csv::FILE, &csv)?;
    let sweep_csv_bytes = csv.len() as u64;
    let seconds = started.elapsed().as_secs_f64();
    let manifest = sweep_manifest(opts, seed, &out, count, seconds);
    match opts.shard {
        Some(shard) => SweepShardManifest {
            command: "sweep".into(),
            count: shard.count,
            end_combination: share.end,
            first_combination: share.start,
            format_version: manifest::FORMAT_VERSION,
            index: shard.index,
            kind: Kind::Shard,
            sweep: manifest,
            sweep_csv_bytes,
            targets: opts.targets.iter().map(Target::text).collect(),
        }
        .write(&output_dir)?,
        None => manifest.write(&output_dir)?,
    }
    output_dir.commit()?;
    Ok(Swept {
        out,
        keys: keys.iter().map(|k| k.to_string()).collect(),
        rows: shown,
    })
}

/// Joins the shard folders of a sweep (`sweep --shard`) into the sweep
/// folder one machine would have written: `sweep.csv` (the shards' rows in
/// order), `runs/<k>/` of `--keep-runs` (each run's manifest naming its
/// new place) and `manifest.json` (but for `out` and the wall time).
pub fn merge_shards(
    parts: Vec<(PathBuf, SweepShardManifest)>,
    opts: &MergeOptions,
    stop: &AtomicBool,
) -> Result<Merged, Error> {
    let started = Instant::now();
    for (dir, m) in &parts {
        check_shard(dir, m)?;
    }
    let (first_dir, first) = &parts[0];
    for (dir, m) in &parts[1..] {
        let (a, b) = (&first.sweep, &m.sweep);
        let differs = if a.scenario.sha256 != b.scenario.sha256 {
            Some("scenario (SHA-256)")
        } else if a.scenario.overrides != b.scenario.overrides {
            Some("--set overrides")
        } else if a.rofrsim_version != b.rofrsim_version {
            Some("rofrsim version")
        } else if a.seed != b.seed {
            Some("seed")
        } else if a.trials != b.trials {
            Some("trials")
        } else if a.vary != b.vary || a.combinations != b.combinations {
            Some("--vary")
        } else if a.trials_csv != b.trials_csv {
            Some("--keep-runs or --trials-csv")
        } else if first.targets != m.targets {
            Some("--target")
        } else {
            None
        };
        if let Some(what) = differs {
            return Err(Error::Usage(format!(
                "{} and {} are shards of different sweeps: they differ in {what}",
                first_dir.display(),
                dir.display()
            )));
        }
    }
    check_version(first_dir, &first.sweep.rofrsim_version)?;
    let count = first.sweep.combinations;
    let (parts, notes) = cover_once(
        parts,
        |(dir, m)| Piece {
            range: m.first_combination as u64..m.end_combination as u64,
            dir,
            count: m.count,
        },
        count as u64,
        "combinations",
    )?;
    let mut manifest = parts[0].1.sweep.clone();
    let output_dir = OutputDir::begin(&opts.out, opts.force)?;
    let dirs: Vec<&Path> = parts.iter().map(|(d, _)| d.as_path()).collect();
    let bytes: Vec<u64> = parts.iter().map(|(_, m)| m.sweep_csv_bytes).collect();
    let csv = join_csv(&output_dir, &dirs, &bytes, sweep_csv::FILE, stop)?;
    output_dir.finish(csv, sweep_csv::FILE)?;
    if manifest.trials_csv.is_some() {
        for (dir, m) in &parts {
            for k in m.first_combination..m.end_combination {
                let name = run_name(k, count);
                let from = dir.join("runs").join(&name);
                let to = output_dir.dir.join("runs").join(&name);
                copy_run_folder(&from, &to, stop)?;
                // The run now lives in the merged folder: its manifest
                // says so, as the single sweep's does.
                let path = to.join(manifest::FILE);
                let mut run = RunManifest::read(&to, Reader::FromManifest)?;
                let place = opts.out.join("runs").join(&name).display().to_string();
                run.reproduce = run.reproduce.replace(
                    &format!("--out {}", run::shell_quote(&run.out)),
                    &format!("--out {}", run::shell_quote(&place)),
                );
                run.out = place;
                write_synced(&path, run.to_text().as_bytes())?;
            }
        }
    }
    manifest.out = opts.out.display().to_string();
    manifest.wall_time_seconds = (started.elapsed().as_secs_f64() * 1000.0).round() / 1000.0;
    manifest.write(&output_dir)?;
    output_dir.commit()?;
    Ok(Merged::Sweep {
        out: opts.out.clone(),
        combinations: count,
        notes,
    })
}

/// Refuses a sweep shard's manifest whose numbers do not hang together.
fn check_shard(dir: &Path, m: &SweepShardManifest) -> Result<(), Error> {
    let bad = |what: String| Err(bad_file(&dir.join(manifest::FILE), what));
    let count = m.sweep.combinations;
    if count == 0 || count > MAX_COMBINATIONS {
        return bad(format!(
            "`combinations` is {count}, expected 1 to {MAX_COMBINATIONS}"
        ));
    }
    let Ok(shard) = Shard::new(m.index, m.count) else {
        return bad(format!("shard {}/{} does not exist", m.index, m.count));
    };
    let share = shard.share(count as u64);
    if (m.first_combination as u64, m.end_combination as u64) != (share.start, share.end) {
        return bad(format!(
            "combinations {}..{} are not shard {shard}'s of {count} ({}..{})",
            m.first_combination, m.end_combination, share.start, share.end
        ));
    }
    Ok(())
}

/// Copies a kept run folder (its files; a run folder has no subfolders),
/// each synced; a stop ends the copy.
fn copy_run_folder(from: &Path, to: &Path, stop: &AtomicBool) -> Result<(), Error> {
    std::fs::create_dir_all(to)
        .map_err(|e| Error::Io(format!("cannot create {}", to.display()), e))?;
    let entries = std::fs::read_dir(from).map_err(|e| {
        bad_file(
            from,
            format!("cannot read it ({e}): the shard's kept run is missing"),
        )
    })?;
    for entry in entries {
        let entry = entry.map_err(|e| bad_file(from, format!("cannot read it ({e})")))?;
        let target = to.join(entry.file_name());
        let copy_err = |e| {
            Error::Io(
                format!(
                    "cannot copy {} to {}",
                    entry.path().display(),
                    target.display()
                ),
                e,
            )
        };
        let mut source = std::fs::File::open(entry.path()).map_err(copy_err)?;
        let mut file = std::fs::File::create(&target).map_err(copy_err)?;
        let mut buf = vec![0u8; 1 << 20];
        loop {
            let got = source.read(&mut buf).map_err(copy_err)?;
            if got == 0 {
                break;
            }
            file.write_all(&buf[..got]).map_err(copy_err)?;
            if stop.load(Ordering::Relaxed) {
                return Err(Error::Interrupted);
            }
        }
        file.sync_all().map_err(copy_err)?;
    }
    Ok(())
}

/// Writes `bytes` to `path` and syncs it, as every output file is.
fn write_synced(path: &Path, bytes: &[u8]) -> Result<(), Error> {
    let err = |e| Error::Io(format!("cannot write {}", path.display()), e);
    let mut file = std::fs::File::create(path).map_err(err)?;
    file.write_all(bytes).map_err(err)?;
    file.sync_all().map_err(err)
}

fn sweep_manifest(
    opts: &SweepOptions,
    seed: u64,
    out: &Path,
    count: usize,
    seconds: f64,
) -> SweepManifest {
    // Every combination has loaded the file, so it can be read.
    let bytes = std::fs::read(&opts.scenario).unwrap_or_default();
    SweepManifest {
        combinations: count,
        format_version: manifest::FORMAT_VERSION,
        kind: Kind::Sweep,
        out: out.display().to_string(),
        rofrsim_version: env!("CARGO_PKG_VERSION").into(),
        scenario: SweepScenario {
            overrides: opts.set.iter().map(Override::to_string).collect(),
            path: opts.scenario.display().to_string(),
            sha256: manifest::sha256_hex(&bytes),
        },
        seed,
        trials: opts.trials,
        trials_csv: opts.keep_runs,
        vary: opts
            .vary
            .iter()
            .map(|v| Varied {
                path: v.path.clone(),
                values: v.values.clone(),
            })
            .collect(),
        wall_time_seconds: (seconds * 1000.0).round() / 1000.0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vary(path: &str, values: &[&str]) -> Vary {
        Vary {
            path: path.into(),
            values: values.iter().map(|v| v.to_string()).collect(),
        }
    }

    #[test]
    fn run_folders_are_numbered_to_list_in_order() {
        assert_eq!(run_name(0, 2), "1");
        assert_eq!(run_name(8, 10), "09");
        assert_eq!(run_name(9, 10), "10");
        assert_eq!(run_name(41, 100), "042");
        let mut names: Vec<String> = (0..120).map(|k| run_name(k, 120)).collect();
        let order = names.clone();
        names.sort();
        assert_eq!(names, order);
    }

    #[test]
    fn grid_is_the_cartesian_product_first_key_slowest() {
        let combos = combinations(&[vary("a", &["1", "2"]), vary("b", &["x", "y", "z"])]);
        assert_eq!(combos.len(), 6);
        let labels: Vec<String> = combos
            .iter()
            .map(|c| format!("{}{}", c[0].value, c[1].value))
            .collect();
        assert_eq!(labels, ["1x", "1y", "1z", "2x", "2y", "2z"]);
    }
}
