//! A comparison: what changes between scenarios, with the statistics a
//! careful reviewer would accept.
//!
//! Inputs are scenario files — run here with one seed, so trial i of A and
//! trial i of B share every draw but the changed term (common random
//! numbers) and are compared pair by pair — or run folders of earlier runs,
//! paired when their manifests show the same seed and trial count. A
//! folder's outcomes are read from its `trials.csv`; a scenario file's run
//! hands them over in memory, the very values its `trials.csv` reads back
//! (tests/trials_csv.rs), so that its run folder need not keep that file:
//! without `--keep-runs` it keeps only what `report` draws from
//! (`manifest.json`, `summary.csv`, `timeseries.csv`, `sensitivity.csv`).

use std::collections::HashSet;
use std::io::Read;
use std::path::{Path, PathBuf};

use super::run::{self, Provenance, RunOptions};
use crate::analysis::comparison::{Comparison, compare_metric};
use crate::engine::ExpiryCause;
use crate::error::Error;
use crate::folder::manifest::RunManifest;
use crate::folder::staging::OutputDir;
use crate::folder::trials::{Trials, TrialsCsv, TrialsFormat};
use crate::folder::{self, Reader, compare as compare_csv, outcomes};
use crate::scenario::{self, Override};

/// One run's per-trial outcomes, as read from its folder.
#[derive(Debug, Clone)]
pub struct RunData {
    /// Label: the run's label (made unique among the inputs).
    pub label: String,
    /// The `--set` overrides it was run with, as written.
    pub overrides: Vec<String>,
    /// The folder it was read from.
    pub folder: PathBuf,
    /// Seed from the manifest.
    pub seed: u64,
    /// Trials from the manifest.
    pub trials: u64,
    /// The outcomes of `trials.csv`.
    pub outcomes: Trials,
}

/// Reads the manifest and `trials.csv` of run folder `folder`, refusing a
/// folder of another kind, a run that wrote no `trials.csv`, and a
/// truncated or corrupted file with a message naming the file and line.
pub fn read_run(folder: &Path) -> Result<RunData, Error> {
    let manifest = RunManifest::read(folder, Reader::Compare)?;
    if !manifest.trials_csv.written() {
        return Err(folder::bad_file(
            &folder.join(folder::trials::FILE),
            format!(
                "not written (the run had --trials-csv none, as its manifest.json records), and compare needs every trial's outcomes; repeat the run with them: rofrsim run --from-manifest {f} --out {f} --trials-csv outcomes --force",
                f = folder.display()
            ),
        ));
    }
    let outcomes = Trials::read(folder, manifest.trials, manifest.trials_format)?;
    Ok(RunData::new(folder, manifest, outcomes))
}

impl RunData {
    fn new(folder: &Path, manifest: RunManifest, outcomes: Trials) -> RunData {
        RunData {
            label: manifest.label(folder),
            overrides: manifest.scenario.overrides,
            folder: folder.to_path_buf(),
            seed: manifest.seed,
            trials: manifest.trials,
            outcomes,
        }
    }
}

/// Parses a run from its manifest text and `trials.csv` contents; `folder`
/// names it in messages. Never panics, whatever the bytes.
pub fn parse_run(
    folder: &Path,
    manifest_text: &str,
    trials_csv: impl Read,
) -> Result<RunData, Error> {
    let manifest = RunManifest::parse(
        &folder.join(folder::manifest::FILE),
        manifest_text,
        Reader::Compare,
    )?;
    let outcomes = Trials::parse(
        &folder.join(folder::trials::FILE),
        trials_csv,
        manifest.trials,
    )?;
    Ok(RunData::new(folder, manifest, outcomes))
}

/// Whether two runs pair trial by trial.
pub fn paired(a: &RunData, b: &RunData) -> bool {
    a.seed == b.seed && a.trials == b.trials
}

/// Every comparison of B against A: the numeric outcomes both runs have,
/// then the share of each IP expiry cause.
pub fn compare_runs(a: &RunData, b: &RunData) -> Vec<Comparison> {
    let is_paired = paired(a, b);
    let mut out: Vec<Comparison> = a
        .outcomes
        .outcomes
        .iter()
        .filter_map(|(name, va)| {
            let (_, vb) = b.outcomes.outcomes.iter().find(|(n, _)| n == name)?;
            Some(compare_metric(name, va, vb, is_paired))
        })
        .collect();
    for cause in ExpiryCause::ALL {
        let share = |r: &RunData| -> Vec<f64> {
            r.outcomes
                .causes
                .iter()
                .map(|&c| f64::from(u8::from(c == cause)))
                .collect()
        };
        out.push(compare_metric(
            &format!("{}={}", outcomes::IP_EXPIRY_CAUSE, cause.label()),
            &share(a),
            &share(b),
            is_paired,
        ));
    }
    out
}

/// What `compare` was asked to do.
#[derive(Debug, Clone)]
pub struct CompareOptions {
    /// Scenario files or run folders; the first is the baseline.
    pub inputs: Vec<PathBuf>,
    /// Trials for scenario files (default: the first folder's, else
    /// `default_trials`).
    pub trials: Option<u64>,
    /// Trials when neither `trials` nor a folder says.
    pub default_trials: u64,
    /// Seed for scenario files (default: the first folder's, else the first scenario's).
    pub seed: Option<u64>,
    /// Overrides applied to every scenario file.
    pub set: Vec<Override>,
    /// Variants of the one scenario file, each run paired with it.
    pub what_ifs: Vec<WhatIf>,
    /// Output folder.
    pub out: Option<PathBuf>,
    /// Worker threads.
    pub threads: usize,
    /// Replace an existing output folder.
    pub force: bool,
    /// No progress bar.
    pub quiet: bool,
    /// Keep each scenario file's run folder as `run` writes it, with
    /// `trials.csv` (unless `trials_csv` says otherwise).
    pub keep_runs: bool,
    /// What `trials.csv` of each run under `runs/` holds (default: none,
    /// or full with `keep_runs`).
    pub trials_csv: Option<TrialsCsv>,
}

impl CompareOptions {
    /// What the runs of scenario files write to `trials.csv`: the
    /// comparison needs none of it (their outcomes stay in memory), so
    /// nothing unless asked for.
    pub fn runs_trials_csv(&self) -> TrialsCsv {
        self.trials_csv.unwrap_or(if self.keep_runs {
            TrialsCsv::Full
        } else {
            TrialsCsv::None
        })
    }
}

/// A scenario file to run: loaded with its overrides, and its label.
struct Planned {
    path: PathBuf,
    label: String,
    set: Vec<Override>,
    scenario: scenario::Scenario,
}

/// `--what-if 'LABEL: KEY=VALUE…'`: the scenario with more overrides.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WhatIf {
    /// What to call it.
    pub label: String,
    /// Its overrides, applied after `--set`.
    pub set: Vec<Override>,
}

impl std::str::FromStr for WhatIf {
    type Err = String;

    /// `LABEL: KEY=VALUE [KEY*=FACTOR …]`: overrides are separated by
    /// spaces outside quotes, braces and brackets, so an inline table may
    /// hold spaces.
    fn from_str(s: &str) -> Result<WhatIf, String> {
        let Some((label, rest)) = s.split_once(':') else {
            return Err(format!(
                "expected 'LABEL: KEY=VALUE [KEY=VALUE…]', e.g. 'cap2x: terms.revenue_share.cap_usd_bn*=2' (given {s:?})"
            ));
        };
        let label = label.trim();
        if label.is_empty() || label.chars().any(char::is_control) {
            return Err(format!("a what-if needs a label before ':' (given {s:?})"));
        }
        let set = scenario::split_outside_values(rest, char::is_whitespace)
            .iter()
            .filter(|o| !o.is_empty())
            .map(|o| {
                o.parse::<Override>()
                    .map_err(|e| format!("what-if {label:?}: {e}"))
            })
            .collect::<Result<Vec<_>, _>>()?;
        if set.is_empty() {
            return Err(format!(
                "what-if {label:?} changes nothing: give KEY=VALUE, KEY*=FACTOR or KEY+=AMOUNT after ':'"
            ));
        }
        Ok(WhatIf {
            label: label.to_string(),
            set,
        })
    }
}

/// What a comparison found.
#[derive(Debug)]
pub struct Compared {
    /// Every run, the baseline A first.
    pub runs: Vec<RunData>,
    /// For each run after the first, its comparisons with A.
    pub pairs: Vec<Vec<Comparison>>,
    /// Where `compare.csv` went.
    pub csv: PathBuf,
    /// The output folder.
    pub out: PathBuf,
}

/// Runs `compare`: writes `compare.csv` (and the runs of scenario files
/// under `runs/`) into the output folder.
pub fn compare(opts: &CompareOptions) -> Result<Compared, Error> {
    if opts.what_ifs.is_empty() && opts.inputs.len() < 2 {
        return Err(Error::Usage(
            "compare needs at least two scenario files or output folders, or one scenario file and --what-if".into(),
        ));
    }
    if !opts.what_ifs.is_empty() && (opts.inputs.len() != 1 || opts.inputs[0].is_dir()) {
        return Err(Error::Usage(
            "--what-if varies one scenario file: give exactly one scenario file (not a folder) with it".into(),
        ));
    }
    let mut labels = HashSet::new();
    for w in &opts.what_ifs {
        if !labels.insert(w.label.as_str()) {
            return Err(Error::Usage(format!(
                "two what-ifs are labelled {:?}: give each its own label",
                w.label
            )));
        }
    }
    // Folders first: their seed and trial count are the defaults for
    // scenario files, so that a file compared with a folder pairs with it.
    let mut folders = Vec::new();
    for p in &opts.inputs {
        if p.is_dir() {
            folders.push((p.clone(), read_run(p)?));
        } else if !p.exists() {
            return Err(Error::Usage(format!(
                "{}: no such scenario file or output folder",
                p.display()
            )));
        }
    }
    let first_folder = folders.first().map(|(_, r)| r);
    // Every scenario to run, in order: each file with `--set`, then each
    // what-if of the one file with its own overrides after `--set`.
    let mut scenarios: Vec<Planned> = Vec::new();
    for p in opts.inputs.iter().filter(|p| !p.is_dir()) {
        let s = scenario::load_file(p, &opts.set)?;
        scenarios.push(Planned {
            path: p.clone(),
            label: s.name.clone(),
            set: opts.set.clone(),
            scenario: s,
        });
    }
    let mut printed = Vec::new();
    for p in &scenarios {
        super::sampling_notes(&p.scenario, &p.label, &mut printed);
    }
    if let Some(path) = opts.inputs.first().filter(|_| !opts.what_ifs.is_empty()) {
        for w in &opts.what_ifs {
            let set: Vec<Override> = opts.set.iter().chain(&w.set).cloned().collect();
            let scenario = scenario::load_file(path, &set)?;
            super::sampling_notes(&scenario, &w.label, &mut printed);
            scenarios.push(Planned {
                path: path.clone(),
                label: w.label.clone(),
                scenario,
                set,
            });
        }
    }
    let seed = opts
        .seed
        .or(first_folder.map(|r| r.seed))
        .or(scenarios.first().map(|p| p.scenario.seed))
        .unwrap_or(0);
    let trials = opts
        .trials
        .or(first_folder.map(|r| r.trials))
        .unwrap_or(opts.default_trials);

    let default_out = {
        let mut names: Vec<String> = opts
            .inputs
            .iter()
            .map(|p| {
                p.file_stem()
                    .map_or_else(|| "run".into(), |s| s.to_string_lossy().into_owned())
            })
            .collect();
        names.extend(
            opts.what_ifs
                .iter()
                .map(|w| scenario::folder_name(&w.label)),
        );
        PathBuf::from("output").join(format!("compare-{}", names.join("-vs-")))
    };
    let out = opts.out.clone().unwrap_or(default_out);
    let output_dir = OutputDir::begin(&out, opts.force)?;

    let mut used: HashSet<String> = HashSet::new();
    let mut unique = |name: &str| {
        let mut label = name.to_string();
        let mut k = 2;
        while !used.insert(label.clone()) {
            label = format!("{name}-{k}");
            k += 1;
        }
        label
    };
    let mut folder_names: HashSet<String> = HashSet::new();
    let mut runs = Vec::new();
    let mut scenario_iter = scenarios.iter();
    let what_if_runs = opts.what_ifs.len();
    let inputs = opts.inputs.iter().chain(std::iter::repeat_n(
        opts.inputs.first().unwrap_or(&out),
        what_if_runs,
    ));
    for p in inputs {
        let mut data = if p.is_dir() {
            match folders.iter().find(|(f, _)| f == p) {
                Some((_, r)) => r.clone(),
                None => read_run(p)?,
            }
        } else {
            let Some(planned) = scenario_iter.next() else {
                return Err(Error::Other("internal: scenario list out of step".into()));
            };
            let label = unique(&planned.label);
            let base = scenario::folder_name(&label);
            let mut name = base.clone();
            let mut k = 2;
            while !folder_names.insert(name.clone()) {
                name = format!("{base}-{k}");
                k += 1;
            }
            let folder = output_dir.dir.join("runs").join(&name);
            let mut provenance = Provenance::of_file(&planned.path, &planned.set)?;
            provenance.final_out = Some(out.join("runs").join(&name));
            let run_opts = RunOptions {
                precision: None,
                label: label.clone(),
                trials,
                seed,
                out: folder.clone(),
                paths: 0,
                threads: opts.threads,
                force: false,
                quiet: opts.quiet,
                targets: Vec::new(),
                trials_csv: opts.runs_trials_csv(),
                trials_format: TrialsFormat::Csv,
                keep_outcomes: true,
                shard: None,
            };
            if !opts.quiet {
                super::progress(&format!(
                    "running {label} ({}, {trials} trials, seed {seed})",
                    planned.path.display(),
                ));
            }
            let result = run::run(&planned.scenario, &run_opts, &provenance)?;
            let Some(outcomes) = result.outcomes else {
                return Err(Error::Other("internal: a run kept no outcomes".into()));
            };
            RunData {
                folder: out.join("runs").join(&name),
                label,
                overrides: provenance.overrides.clone(),
                seed,
                trials,
                outcomes,
            }
        };
        if p.is_dir() {
            data.label = unique(&data.label);
        }
        runs.push(data);
    }

    let mut csv = format!("{}\n", compare_csv::COLUMNS);
    let Some((base, others)) = runs.split_first() else {
        return Err(Error::Usage("compare needs at least two inputs".into()));
    };
    let mut pairs = Vec::new();
    for b in others {
        let rows = compare_runs(base, b);
        compare_csv::push_rows(&mut csv, &base.label, &b.label, paired(base, b), &rows);
        pairs.push(rows);
    }
    output_dir.write(compare_csv::FILE, &csv)?;
    output_dir.commit()?;
    Ok(Compared {
        runs,
        pairs,
        csv: out.join(compare_csv::FILE),
        out,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_what_if_reads_its_label_and_overrides() {
        let w: WhatIf = "cap 2x: terms.revenue_share.cap_usd_bn*=2  demand.growth={ dist = \"normal\", mean = 0.5, sd = 0.1 } policy.x=\"a b\""
            .parse()
            .unwrap();
        assert_eq!(w.label, "cap 2x");
        let written: Vec<String> = w.set.iter().map(Override::to_string).collect();
        assert_eq!(
            written,
            [
                "terms.revenue_share.cap_usd_bn*=2",
                "demand.growth={ dist = \"normal\", mean = 0.5, sd = 0.1 }",
                "policy.x=\"a b\""
            ]
        );
        for bad in ["no colon a.b=1", " : a.b=1", "x:", "x:   ", "x: a.b*=y"] {
            assert!(bad.parse::<WhatIf>().is_err(), "{bad}");
        }
    }
}
