//! `manifest.json`: what made an output folder — the kind of folder, the
//! scenario (path, SHA-256, overrides), seed, trials and everything needed
//! to reproduce it. Written and read only here, as typed structs.
//!
//! Keys are written in alphabetical order (the fields are declared so), as
//! manifests have always been. A manifest without `format_version` or
//! `kind` was written before they existed: it reads as format 0, and as a
//! run folder unless its `command` says `sweep`.

use std::path::Path;

use serde::{Deserialize, Serialize};

use super::staging::OutputDir;
use super::trials::{TrialsCsv, TrialsFormat};
use super::{Kind, Reader, bad_file};
use crate::analysis::target::Target;
use crate::error::Error;
use crate::scenario::{Month, Override};

/// The file's name in an output folder.
pub const FILE: &str = "manifest.json";

/// The format this version writes. A manifest with a higher one was
/// written by a newer rofrsim and is refused rather than misread.
pub const FORMAT_VERSION: u32 = 1;

/// The scenario a folder was made from.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ScenarioRecord {
    /// Free text from the scenario.
    pub description: String,
    /// The scenario's name.
    pub name: String,
    /// `--set` overrides, as given (`key.path=VALUE`).
    pub overrides: Vec<String>,
    /// The scenario file's path, as given.
    pub path: String,
    /// Lower-case hex SHA-256 of the scenario file's bytes.
    pub sha256: String,
}

/// The manifest of a `rofrsim run` folder.
///
/// Only `seed` and `trials` must be there to read one: manifests of
/// earlier versions lack some keys (`format_version`, `kind`, `out`,
/// `targets`, …), which read as empty; a command that needs one of them
/// says so.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunManifest {
    /// Last simulated month.
    #[serde(default)]
    pub end: Option<Month>,
    /// The files the run wrote.
    #[serde(default)]
    pub files: Vec<String>,
    /// The manifest's format (see [`FORMAT_VERSION`]).
    #[serde(default)]
    pub format_version: u32,
    /// Always [`Kind::Run`].
    #[serde(default = "run_kind")]
    pub kind: Kind,
    /// What the run is called wherever it is named (`--label`, else the
    /// scenario's name and its overrides); empty before labels existed.
    #[serde(default)]
    pub label: String,
    /// Months in the horizon.
    #[serde(default)]
    pub months: usize,
    /// The output folder, as given.
    #[serde(default)]
    pub out: String,
    /// `--paths`.
    #[serde(default)]
    pub paths: u64,
    /// How `timeseries.csv`'s bands are computed and their error bound.
    #[serde(default)]
    pub percentile_bands: String,
    /// `--precision`: the targets, the stopping count and the precision
    /// reached. Left out of a run without it, whose manifest reads as
    /// before the option.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub precision: Option<PrecisionRecord>,
    /// A command line that reproduces the run.
    #[serde(default)]
    pub reproduce: String,
    /// The rofrsim version that wrote it.
    #[serde(default)]
    pub rofrsim_version: String,
    /// The scenario.
    #[serde(default)]
    pub scenario: ScenarioRecord,
    /// Seed of every random stream.
    pub seed: u64,
    /// First simulated month.
    #[serde(default)]
    pub start: Option<Month>,
    /// Whether the outcome columns stayed in memory or spilled to disk.
    #[serde(default)]
    pub summary_columns: String,
    /// `--target`s, as `METRIC<=VALUE`.
    #[serde(default)]
    pub targets: Vec<String>,
    /// Worker threads.
    #[serde(default)]
    pub threads: usize,
    /// Trials.
    pub trials: u64,
    /// What `trials.csv` holds (`--trials-csv`). Left out when `full`, so
    /// a default run's manifest reads as before the choice existed, and a
    /// manifest without it is a run that wrote the whole file.
    #[serde(default, skip_serializing_if = "TrialsCsv::is_full")]
    pub trials_csv: TrialsCsv,
    /// The file the trials went to (`--trials-format`). Left out when
    /// `csv`, as manifests were before the choice existed.
    #[serde(default, skip_serializing_if = "TrialsFormat::is_csv")]
    pub trials_format: TrialsFormat,
    /// Wall time, seconds (to the millisecond).
    #[serde(default)]
    pub wall_time_seconds: f64,
}

/// What `run --precision` asked for and reached (keys in alphabetical
/// order, as the manifest's).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PrecisionRecord {
    /// Trials between the tests ([`crate::jobs::simulate::PRECISION_CHECK`]).
    pub check_every: u64,
    /// `--confidence` of the intervals.
    pub confidence: f64,
    /// Whether every target was reached (else the run stopped at
    /// `max_trials`).
    pub converged: bool,
    /// `--max-trials`.
    pub max_trials: u64,
    /// One per `--precision`, in the order given.
    pub targets: Vec<PrecisionTarget>,
    /// Trials run: where the run stopped (the manifest's `trials` too).
    pub trials: u64,
}

/// One `--precision` target and what the trials run reached.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PrecisionTarget {
    /// Half-width the target allows, in the metric's unit.
    pub allowed_half_width: Option<f64>,
    /// The statistic over the trials run (null when no trial has a value).
    pub estimate: Option<f64>,
    /// The larger distance from the estimate to an end of the interval,
    /// in the metric's unit (null when there is no interval).
    pub half_width: Option<f64>,
    /// Upper end of the interval (null when too few values for one).
    pub high: Option<f64>,
    /// Lower end.
    pub low: Option<f64>,
    /// Trials with a value of the metric.
    pub n: u64,
    /// Whether the half-width is within the tolerance.
    pub reached: bool,
    /// `half_width` relative to the estimate's magnitude.
    pub relative_half_width: Option<f64>,
    /// The target as given: `METRIC:STAT±TOL`.
    pub spec: String,
}

fn run_kind() -> Kind {
    Kind::Run
}

/// The scenario of a sweep (every combination overrides it further).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SweepScenario {
    /// `--set` overrides applied to every combination.
    pub overrides: Vec<String>,
    /// The scenario file's path, as given.
    pub path: String,
    /// Lower-case hex SHA-256 of the scenario file's bytes.
    pub sha256: String,
}

/// One varied key of a sweep.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Varied {
    /// Dotted key path.
    pub path: String,
    /// Its values as TOML text, in order.
    pub values: Vec<String>,
}

/// The manifest of a `rofrsim sweep` folder.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SweepManifest {
    /// Number of combinations run.
    pub combinations: usize,
    /// The manifest's format (see [`FORMAT_VERSION`]).
    pub format_version: u32,
    /// Always [`Kind::Sweep`].
    pub kind: Kind,
    /// The output folder, as given.
    pub out: String,
    /// The rofrsim version that wrote it.
    pub rofrsim_version: String,
    /// The scenario.
    pub scenario: SweepScenario,
    /// Seed of every combination.
    pub seed: u64,
    /// Trials per combination.
    pub trials: u64,
    /// With `--keep-runs`: what `trials.csv` of each run kept in `runs/`
    /// holds (left out when no run is kept, as before the option).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trials_csv: Option<TrialsCsv>,
    /// The varied keys, first varying slowest.
    pub vary: Vec<Varied>,
    /// Wall time, seconds (to the millisecond).
    pub wall_time_seconds: f64,
}

/// The manifest of a shard folder (`rofrsim run --shard`): what `merge`
/// checks (the same scenario, version, seed and trial count; the trials
/// covered once) and everything the merged run's files need besides the
/// shards' data files (see [`super::shard`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ShardManifest {
    /// Trials per chunk: the per-month sums are kept chunk by chunk.
    pub chunk_trials: u64,
    /// Chunks whose sums and histogram counts this shard holds: those that
    /// start in its trials, from `first_chunk`.
    pub chunks: u64,
    /// Shards in all (N of `--shard I/N`).
    pub count: u64,
    /// One past the last trial of the shard.
    pub end_trial: u64,
    /// Trials whose IP rights expire in each month index; the last entry
    /// counts those beyond the horizon.
    pub expiry_counts: Vec<u64>,
    /// The data files it holds.
    pub files: Vec<String>,
    /// The first chunk of `chunks`.
    pub first_chunk: u64,
    /// The shard's first trial.
    pub first_trial: u64,
    /// The manifest's format (see [`FORMAT_VERSION`]).
    pub format_version: u32,
    /// This shard (I of `--shard I/N`, from 0).
    pub index: u64,
    /// The inputs kept for sensitivity.csv (`inputs.f64`'s columns).
    pub inputs: Vec<String>,
    /// Trials of this shard with their inputs kept (the run keeps the
    /// first trials' only).
    pub inputs_kept: u64,
    /// Always [`Kind::Shard`].
    pub kind: Kind,
    /// The run's label.
    pub label: String,
    /// The outcome columns in `outcomes.f64`, in order.
    pub metrics: Vec<String>,
    /// Months in the horizon.
    pub months: usize,
    /// The shard's folder, as given.
    pub out: String,
    /// `--paths`.
    pub paths: u64,
    /// Bytes of its `paths.csv` (0 without one): a copy cut short is refused.
    pub paths_csv_bytes: u64,
    /// The rofrsim version that wrote it: merged only with its own.
    pub rofrsim_version: String,
    /// The scenario (a copy of the file is in the folder).
    pub scenario: ScenarioRecord,
    /// Seed of every random stream.
    pub seed: u64,
    /// Series of the time-series files.
    pub series: usize,
    /// `--target`s, as `METRIC<=VALUE`.
    pub targets: Vec<String>,
    /// Worker threads.
    pub threads: usize,
    /// Trials of the whole run (T).
    pub trials: u64,
    /// What `trials.csv` (or `trials.parquet`) holds.
    pub trials_csv: TrialsCsv,
    /// Bytes of its `trials.csv` or `trials.parquet` (0 without one);
    /// `trials_csv_bytes` in shards of before `--trials-format`.
    #[serde(alias = "trials_csv_bytes")]
    pub trials_bytes: u64,
    /// The file its trials went to.
    #[serde(default, skip_serializing_if = "TrialsFormat::is_csv")]
    pub trials_format: TrialsFormat,
    /// Wall time, seconds (to the millisecond).
    pub wall_time_seconds: f64,
}

impl ShardManifest {
    /// Writes it into `dir`.
    pub fn write(&self, dir: &OutputDir) -> Result<(), Error> {
        dir.write(FILE, &to_text(self))
    }
}

/// The manifest of a sweep's shard folder (`rofrsim sweep --shard`): the
/// sweep's own manifest, its targets, and which combinations it ran.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SweepShardManifest {
    /// Always `"sweep"`: what the shard is of.
    pub command: String,
    /// Shards in all (N).
    pub count: u64,
    /// One past the last combination it ran (in `sweep.csv`'s order, from 0).
    pub end_combination: usize,
    /// The first combination it ran.
    pub first_combination: usize,
    /// The manifest's format (see [`FORMAT_VERSION`]).
    pub format_version: u32,
    /// This shard (I, from 0).
    pub index: u64,
    /// Always [`Kind::Shard`].
    pub kind: Kind,
    /// The sweep's manifest, as the whole sweep would write it (`out` and
    /// the wall time this shard's).
    pub sweep: SweepManifest,
    /// Bytes of its `sweep.csv`: a copy cut short is refused.
    pub sweep_csv_bytes: u64,
    /// `--target`s, as `METRIC<=VALUE` (they add rows to `sweep.csv`).
    pub targets: Vec<String>,
}

/// A shard folder's manifest: of a run or of a sweep.
#[derive(Debug, Clone)]
pub enum AnyShard {
    /// `run --shard`.
    Run(ShardManifest),
    /// `sweep --shard`.
    Sweep(SweepShardManifest),
}

impl AnyShard {
    /// Reads the manifest of shard folder `dir`; a folder of another kind
    /// is refused with what it is.
    pub fn read(dir: &Path) -> Result<AnyShard, Error> {
        let kind = Kind::of(dir)?;
        if kind != Kind::Shard {
            return Err(Error::WrongFolder {
                dir: dir.to_path_buf(),
                found: format!("this is {kind}"),
                command: "merge".into(),
                expected: "joins shard folders (from `rofrsim run --shard` or `sweep --shard`)"
                    .into(),
            });
        }
        let path = dir.join(FILE);
        let text = std::fs::read_to_string(&path)
            .map_err(|e| bad_file(&path, format!("cannot read it ({e})")))?;
        let probe: Probe = serde_json::from_str(&text)
            .map_err(|e| bad_file(&path, format!("not a manifest of rofrsim: {e}")))?;
        if probe.command.as_deref() == Some("sweep") {
            serde_json::from_str(&text)
                .map(AnyShard::Sweep)
                .map_err(|e| bad_file(&path, format!("not a sweep shard's manifest: {e}")))
        } else {
            serde_json::from_str(&text)
                .map(AnyShard::Run)
                .map_err(|e| bad_file(&path, format!("not a shard manifest of rofrsim: {e}")))
        }
    }
}

impl SweepShardManifest {
    /// Writes it into `dir`.
    pub fn write(&self, dir: &OutputDir) -> Result<(), Error> {
        dir.write(FILE, &to_text(self))
    }
}

/// The fields that tell what kind of folder a manifest belongs to.
#[derive(Deserialize)]
struct Probe {
    #[serde(default)]
    format_version: u32,
    kind: Option<Kind>,
    /// Before `kind`, a sweep's manifest said `"command": "sweep"`.
    command: Option<String>,
}

/// Pretty JSON with a final newline.
fn to_text(value: &impl Serialize) -> String {
    // Serialising these plain structs cannot fail.
    let mut text = serde_json::to_string_pretty(value).unwrap_or_else(|_| "{}".into());
    text.push('\n');
    text
}

/// The kind of folder a manifest's text describes.
pub(super) fn kind_of(path: &Path, text: &str) -> Result<Kind, Error> {
    let probe: Probe = serde_json::from_str(text)
        .map_err(|e| bad_file(path, format!("not a manifest of rofrsim: {e}")))?;
    check_version(path, probe.format_version)?;
    Ok(match (probe.kind, probe.command.as_deref()) {
        (Some(kind), _) => kind,
        (None, Some("sweep")) => Kind::Sweep,
        (None, _) => Kind::Run,
    })
}

fn check_version(path: &Path, version: u32) -> Result<(), Error> {
    if version > FORMAT_VERSION {
        return Err(bad_file(
            path,
            format!(
                "format_version {version} was written by a newer rofrsim; this one ({}) reads up to {FORMAT_VERSION}",
                env!("CARGO_PKG_VERSION")
            ),
        ));
    }
    Ok(())
}

/// The folder a manifest file is in ("." for a bare file name).
fn folder_of(path: &Path) -> &Path {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}

impl RunManifest {
    /// Reads the manifest of run folder `dir` for `reader`; a folder of
    /// another kind is refused with what it is.
    pub fn read(dir: &Path, reader: Reader) -> Result<RunManifest, Error> {
        Kind::expect(dir, reader)?;
        let path = dir.join(FILE);
        let text = std::fs::read_to_string(&path)
            .map_err(|e| bad_file(&path, format!("cannot read it ({e})")))?;
        RunManifest::parse(&path, &text, reader)
    }

    /// Reads a run's manifest given as its file or as the folder holding it.
    pub fn read_path(path: &Path, reader: Reader) -> Result<RunManifest, Error> {
        if path.is_dir() {
            return RunManifest::read(path, reader);
        }
        let text = std::fs::read_to_string(path)
            .map_err(|e| bad_file(path, format!("cannot read the manifest ({e})")))?;
        RunManifest::parse(path, &text, reader)
    }

    /// Parses a run manifest's text; `path` names it in messages and
    /// `reader` is the command that wants a run folder. Never panics,
    /// whatever the text.
    pub fn parse(path: &Path, text: &str, reader: Reader) -> Result<RunManifest, Error> {
        let kind = kind_of(path, text)?;
        reader.check(folder_of(path), kind)?;
        // `report` reads sweep folders too, but not as a run.
        if kind != Kind::Run {
            return Err(reader.refuse(folder_of(path), kind));
        }
        serde_json::from_str(text)
            .map_err(|e| bad_file(path, format!("not a manifest of `rofrsim run`: {e}")))
    }

    /// What to call the run of folder `dir`: its label; for a manifest
    /// from before labels, the scenario's name, else the folder.
    pub fn label(&self, dir: &Path) -> String {
        if !self.label.is_empty() {
            self.label.clone()
        } else if !self.scenario.name.is_empty() {
            self.scenario.name.clone()
        } else {
            dir.display().to_string()
        }
    }

    /// The `--set` overrides it records, as run.
    pub fn overrides(&self, path: &Path) -> Result<Vec<Override>, Error> {
        self.scenario
            .overrides
            .iter()
            .map(|o| {
                o.parse()
                    .map_err(|e| bad_file(path, format!("override {o:?}: {e}")))
            })
            .collect()
    }

    /// The `--target`s it records, as run.
    pub fn targets(&self, path: &Path) -> Result<Vec<Target>, Error> {
        self.targets
            .iter()
            .map(|t| {
                t.parse()
                    .map_err(|e| bad_file(path, format!("target {t:?}: {e}")))
            })
            .collect()
    }

    /// Its text, as `manifest.json` holds it.
    pub fn to_text(&self) -> String {
        to_text(self)
    }

    /// Writes it into the folder being made.
    pub fn write(&self, dir: &OutputDir) -> Result<(), Error> {
        dir.write(FILE, &self.to_text())
    }
}

impl SweepManifest {
    /// Reads the manifest of sweep folder `dir`; a folder of another kind
    /// is refused with what it is.
    pub fn read(dir: &Path) -> Result<SweepManifest, Error> {
        let kind = Kind::of(dir)?;
        if kind != Kind::Sweep {
            return Err(bad_file(
                dir,
                format!("this is {kind}, not a sweep folder (from `rofrsim sweep`)"),
            ));
        }
        let path = dir.join(FILE);
        let text = std::fs::read_to_string(&path)
            .map_err(|e| bad_file(&path, format!("cannot read it ({e})")))?;
        serde_json::from_str(&text)
            .map_err(|e| bad_file(&path, format!("not a manifest of `rofrsim sweep`: {e}")))
    }

    /// Writes it into the sweep folder being made.
    pub fn write(&self, dir: &OutputDir) -> Result<(), Error> {
        dir.write(FILE, &to_text(self))
    }
}

/// Lower-case hex SHA-256 of `bytes` (the scenario file's, in a manifest).
pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn example() -> RunManifest {
        RunManifest {
            end: Month::parse("2035-12"),
            files: vec!["trials.csv".into()],
            format_version: FORMAT_VERSION,
            kind: Kind::Run,
            label: "x".into(),
            months: 132,
            out: "output/x".into(),
            paths: 0,
            percentile_bands: "bands".into(),
            precision: None,
            reproduce: "rofrsim run x.toml".into(),
            rofrsim_version: "0.1.0".into(),
            scenario: ScenarioRecord {
                description: String::new(),
                name: "x".into(),
                overrides: vec![],
                path: "x.toml".into(),
                sha256: "00".into(),
            },
            seed: 1,
            start: Month::parse("2025-01"),
            summary_columns: "in memory".into(),
            targets: vec![],
            threads: 2,
            trials: 10,
            trials_csv: TrialsCsv::Full,
            trials_format: TrialsFormat::Csv,
            wall_time_seconds: 0.25,
        }
    }

    #[test]
    fn a_run_manifest_reads_back_as_written() {
        let m = example();
        let text = m.to_text();
        let path = Path::new("out/manifest.json");
        assert_eq!(RunManifest::parse(path, &text, Reader::Compare).unwrap(), m);
        // Keys in alphabetical order.
        let keys: Vec<&str> = text
            .lines()
            .filter(|l| l.starts_with("  \"") && !l.starts_with("    "))
            .map(|l| l.trim().split('"').nth(1).unwrap())
            .collect();
        let mut sorted = keys.clone();
        sorted.sort_unstable();
        assert_eq!(keys, sorted);
    }

    #[test]
    fn the_trials_csv_choice_is_written_unless_full_and_reads_back() {
        let path = Path::new("out/manifest.json");
        for mode in TrialsCsv::ALL {
            let m = RunManifest {
                trials_csv: mode,
                ..example()
            };
            let text = m.to_text();
            // Absent when full: a default run's manifest is what it was.
            let line = format!("\"trials_csv\": \"{mode}\"");
            assert_eq!(text.contains(&line), mode != TrialsCsv::Full, "{text}");
            assert_eq!(text.contains("trials_csv"), mode != TrialsCsv::Full);
            assert_eq!(RunManifest::parse(path, &text, Reader::Report).unwrap(), m);
        }
        // A manifest written before the choice existed wrote the whole file.
        let mut v: serde_json::Value = serde_json::from_str(&example().to_text()).unwrap();
        v.as_object_mut().unwrap().remove("trials_csv");
        let old = RunManifest::parse(path, &v.to_string(), Reader::Compare).unwrap();
        assert_eq!(old.trials_csv, TrialsCsv::Full);
        // A word it does not know is refused with the key and the words.
        v["trials_csv"] = serde_json::json!("some");
        let e = RunManifest::parse(path, &v.to_string(), Reader::Compare).unwrap_err();
        let e = e.to_string();
        assert!(e.contains("out/manifest.json") && e.contains("some"), "{e}");
        assert!(e.contains("full") && e.contains("outcomes"), "{e}");
    }

    #[test]
    fn the_precision_record_is_written_only_for_a_precision_run_and_reads_back() {
        let path = Path::new("out/manifest.json");
        assert!(!example().to_text().contains("precision"));
        let m = RunManifest {
            precision: Some(PrecisionRecord {
                check_every: 10240,
                confidence: 0.95,
                converged: false,
                max_trials: 20480,
                targets: vec![PrecisionTarget {
                    allowed_half_width: Some(0.5),
                    estimate: Some(50.0),
                    half_width: Some(0.75),
                    high: Some(50.75),
                    low: Some(49.3),
                    n: 20480,
                    reached: false,
                    relative_half_width: Some(0.015),
                    spec: "x:mean±1%".into(),
                }],
                trials: 20480,
            }),
            ..example()
        };
        let text = m.to_text();
        assert_eq!(RunManifest::parse(path, &text, Reader::Compare).unwrap(), m);
        // Keys in alphabetical order at every level.
        let keys: Vec<&str> = text
            .lines()
            .filter(|l| l.trim_start().starts_with('"') && l.contains("\": "))
            .map(|l| l.trim().split('"').nth(1).unwrap())
            .collect();
        let precision = keys.iter().position(|&k| k == "precision").unwrap();
        let inner = &keys[precision + 1..precision + 7];
        assert_eq!(
            inner,
            [
                "check_every",
                "confidence",
                "converged",
                "max_trials",
                "targets",
                "allowed_half_width"
            ]
        );
    }

    #[test]
    fn older_manifests_read_and_newer_or_other_kinds_are_refused() {
        let path = Path::new("out/manifest.json");
        let mut v: serde_json::Value = serde_json::from_str(&example().to_text()).unwrap();
        let o = v.as_object_mut().unwrap();
        o.remove("format_version");
        o.remove("kind");
        let old = RunManifest::parse(path, &v.to_string(), Reader::Compare).unwrap();
        assert_eq!((old.format_version, old.kind), (0, Kind::Run));

        v["format_version"] = serde_json::json!(FORMAT_VERSION + 1);
        let e = RunManifest::parse(path, &v.to_string(), Reader::Compare).unwrap_err();
        assert!(e.to_string().contains("newer rofrsim"), "{e}");

        let sweep = serde_json::json!({ "command": "sweep", "seed": 1 }).to_string();
        let e = RunManifest::parse(path, &sweep, Reader::Report).unwrap_err();
        assert!(e.to_string().contains("sweep folder"), "{e}");
    }
}
