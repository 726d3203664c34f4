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

use super::{Kind, bad_file};
use crate::error::Error;
use crate::scenario::Month;

/// The file's name in an output folder.
pub const FILE: &str = "manifest.json";

/// The format this version writes. A manifest with a higher one was
/// written by a newer rofrsim and is refused rather than misread.
pub const FORMAT_VERSION: u32 = 1;

/// The scenario a folder was made from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
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
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunManifest {
    /// Last simulated month.
    pub end: Month,
    /// The files the run wrote.
    pub files: Vec<String>,
    /// The manifest's format (see [`FORMAT_VERSION`]).
    #[serde(default)]
    pub format_version: u32,
    /// Always [`Kind::Run`].
    #[serde(default = "run_kind")]
    pub kind: Kind,
    /// Months in the horizon.
    pub months: usize,
    /// The output folder, as given.
    pub out: String,
    /// `--paths`.
    pub paths: u64,
    /// How `timeseries.csv`'s bands are computed and their error bound.
    pub percentile_bands: String,
    /// A command line that reproduces the run.
    pub reproduce: String,
    /// The rofrsim version that wrote it.
    pub rofrsim_version: String,
    /// The scenario.
    pub scenario: ScenarioRecord,
    /// Seed of every random stream.
    pub seed: u64,
    /// First simulated month.
    pub start: Month,
    /// Whether the outcome columns stayed in memory or spilled to disk.
    pub summary_columns: String,
    /// `--target`s, as `METRIC<=VALUE`.
    pub targets: Vec<String>,
    /// Worker threads.
    pub threads: usize,
    /// Trials.
    pub trials: u64,
    /// Wall time, seconds (to the millisecond).
    pub wall_time_seconds: f64,
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
    /// The varied keys, first varying slowest.
    pub vary: Vec<Varied>,
    /// Wall time, seconds (to the millisecond).
    pub wall_time_seconds: f64,
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
pub fn to_text(value: &impl Serialize) -> String {
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

fn read_text(dir: &Path) -> Result<(std::path::PathBuf, String), Error> {
    let path = dir.join(FILE);
    let text = std::fs::read_to_string(&path).map_err(|e| {
        bad_file(
            &path,
            format!(
                "cannot read it ({e}); is {} an output folder of rofrsim?",
                dir.display()
            ),
        )
    })?;
    Ok((path, text))
}

impl RunManifest {
    /// Reads the manifest of run folder `dir`; a folder of another kind is
    /// refused with what it is.
    pub fn read(dir: &Path, command: &str) -> Result<RunManifest, Error> {
        let (path, text) = read_text(dir)?;
        RunManifest::parse(&path, &text, command)
    }

    /// Parses a run manifest's text; `path` names it in messages and
    /// `command` is the command that wants a run folder. Never panics,
    /// whatever the text.
    pub fn parse(path: &Path, text: &str, command: &str) -> Result<RunManifest, Error> {
        let kind = kind_of(path, text)?;
        let dir = path.parent().unwrap_or(Path::new("."));
        super::expect_run(dir, kind, command)?;
        serde_json::from_str(text)
            .map_err(|e| bad_file(path, format!("not a manifest of `rofrsim run`: {e}")))
    }

    /// Writes it as `manifest.json` text.
    pub fn to_text(&self) -> String {
        to_text(self)
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
            end: Month::parse("2035-12").unwrap(),
            files: vec!["trials.csv".into()],
            format_version: FORMAT_VERSION,
            kind: Kind::Run,
            months: 132,
            out: "output/x".into(),
            paths: 0,
            percentile_bands: "bands".into(),
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
            start: Month::parse("2025-01").unwrap(),
            summary_columns: "in memory".into(),
            targets: vec![],
            threads: 2,
            trials: 10,
            wall_time_seconds: 0.25,
        }
    }

    #[test]
    fn a_run_manifest_reads_back_as_written() {
        let m = example();
        let text = m.to_text();
        let path = Path::new("out/manifest.json");
        assert_eq!(RunManifest::parse(path, &text, "compare").unwrap(), m);
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
    fn older_manifests_read_and_newer_or_other_kinds_are_refused() {
        let path = Path::new("out/manifest.json");
        let mut v: serde_json::Value = serde_json::from_str(&example().to_text()).unwrap();
        let o = v.as_object_mut().unwrap();
        o.remove("format_version");
        o.remove("kind");
        let old = RunManifest::parse(path, &v.to_string(), "compare").unwrap();
        assert_eq!((old.format_version, old.kind), (0, Kind::Run));

        v["format_version"] = serde_json::json!(FORMAT_VERSION + 1);
        let e = RunManifest::parse(path, &v.to_string(), "compare").unwrap_err();
        assert!(e.to_string().contains("newer rofrsim"), "{e}");

        let sweep = serde_json::json!({ "command": "sweep", "seed": 1 }).to_string();
        let e = RunManifest::parse(path, &sweep, "report").unwrap_err();
        assert!(e.to_string().contains("sweep folder"), "{e}");
    }
}
