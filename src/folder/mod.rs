//! Everything about an output folder (docs/outputs.md): its kinds, the
//! staging that makes it appear whole or not at all, its manifest, one
//! module per file it holds (writer and reader side by side), and the table
//! of outcomes those files are made of. No other module reads or writes
//! `manifest.json`, and every reader refuses a missing, truncated or
//! malformed file with its path and line.

pub mod cells;
pub mod compare;
pub mod manifest;
pub mod outcomes;
pub mod paths;
pub mod sensitivity;
pub mod shard;
pub mod size;
pub mod staging;
pub mod summary;
pub mod sweep;
pub mod timeseries;
pub mod timeseries_wide;
pub mod trials;
pub mod trials_parquet;

use std::fmt;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::Error;

/// What made an output folder.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// `rofrsim run`: trials.csv (unless `--trials-csv none`), summary.csv,
    /// timeseries.csv, timeseries_wide.csv, sensitivity.csv, manifest.json
    /// (and paths.csv).
    Run,
    /// `rofrsim sweep`: sweep.csv and manifest.json (and `runs/<k>/`, one
    /// run folder per combination, with `--keep-runs`).
    Sweep,
    /// `rofrsim compare`: compare.csv (and `runs/<name>/`, one run folder per
    /// scenario file compared).
    Compare,
    /// `rofrsim run --shard`: one shard of a run's trials, for `merge`
    /// (see [`shard`]).
    Shard,
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Kind::Run => "a run folder (from `rofrsim run`)",
            Kind::Sweep => "a sweep folder (from `rofrsim sweep`, with sweep.csv)",
            Kind::Compare => "a compare folder (from `rofrsim compare`, with compare.csv)",
            Kind::Shard => "a shard folder (from `rofrsim run --shard`; `rofrsim merge` joins the shards into a run folder)",
        })
    }
}

impl Kind {
    /// The kind of output folder `dir`, when `reader` reads that kind;
    /// otherwise an error that says what the folder is.
    pub fn expect(dir: &Path, reader: Reader) -> Result<Kind, Error> {
        let kind = Kind::of(dir)?;
        reader.check(dir, kind)?;
        Ok(kind)
    }

    /// What kind of output folder `dir` is: told by its manifest, or, for
    /// a compare folder (which has none), by its `compare.csv`.
    pub fn of(dir: &Path) -> Result<Kind, Error> {
        if !dir.is_dir() {
            return Err(bad_file(dir, "no such folder"));
        }
        let manifest = dir.join(manifest::FILE);
        if manifest.exists() {
            let text = std::fs::read_to_string(&manifest)
                .map_err(|e| bad_file(&manifest, format!("cannot read it ({e})")))?;
            return manifest::kind_of(&manifest, &text);
        }
        if dir.join(compare::FILE).is_file() {
            return Ok(Kind::Compare);
        }
        Err(bad_file(
            dir,
            format!(
                "not an output folder of rofrsim: it has no {} (nor {})",
                manifest::FILE,
                compare::FILE
            ),
        ))
    }
}

/// A command that reads output folders, and the kinds it takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reader {
    /// `rofrsim compare`: scenario files and run folders.
    Compare,
    /// `rofrsim sensitivity`: a run folder.
    Sensitivity,
    /// `rofrsim report`: run, compare and sweep folders.
    Report,
    /// `rofrsim run --from-manifest`: a run's manifest.
    FromManifest,
    /// `summary.xlsx` (`--xlsx`): run, compare and sweep folders.
    Workbook,
}

impl Reader {
    /// Whether it reads folders of `kind`.
    pub fn takes(self, kind: Kind) -> bool {
        // A shard is only a part of a run: `merge` reads it, nothing else.
        kind != Kind::Shard
            && (kind == Kind::Run || self == Reader::Report || self == Reader::Workbook)
    }

    /// Refuses a folder `dir` of a kind it does not read, saying what the
    /// folder is and what it reads.
    pub fn check(self, dir: &Path, kind: Kind) -> Result<(), Error> {
        if self.takes(kind) {
            return Ok(());
        }
        Err(self.refuse(dir, kind))
    }

    /// The error refusing folder `dir` of `kind`: what it is, and what
    /// the command reads.
    pub fn refuse(self, dir: &Path, kind: Kind) -> Error {
        let (command, reads) = match self {
            Reader::Compare => (
                "compare",
                "reads scenario files and run folders (from `rofrsim run`)",
            ),
            Reader::Sensitivity => ("sensitivity", "reads run folders (from `rofrsim run`)"),
            Reader::Report => (
                "report",
                "draws run folders (from `rofrsim run`), compare folders (from `rofrsim compare`) and sweep folders (from `rofrsim sweep`)",
            ),
            Reader::FromManifest => (
                "run --from-manifest",
                "reads the manifest of a run folder (from `rofrsim run`)",
            ),
            Reader::Workbook => ("--xlsx", "reads run, compare and sweep folders"),
        };
        Error::WrongFolder {
            dir: dir.to_path_buf(),
            found: format!("this is {kind}"),
            command: command.into(),
            expected: reads.into(),
        }
    }
}

/// `p` absolute, with the part that exists resolved (symbolic links,
/// `..`), so that two spellings of one folder compare equal.
pub fn resolved(p: &Path) -> PathBuf {
    let abs = std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf());
    let mut existing = abs.clone();
    let mut rest = Vec::new();
    loop {
        if let Ok(c) = existing.canonicalize() {
            let mut r = c;
            for part in rest.iter().rev() {
                r.push(part);
            }
            return r;
        }
        match (existing.file_name(), existing.parent()) {
            (Some(name), Some(parent)) => {
                rest.push(name.to_os_string());
                existing = parent.to_path_buf();
            }
            _ => return abs,
        }
    }
}

/// A problem with a file (or folder) of an output folder.
pub(crate) fn bad_file(path: &Path, what: impl fmt::Display) -> Error {
    Error::Folder {
        path: path.to_path_buf(),
        problem: what.to_string(),
    }
}

/// Opens a file of output folder `dir`.
fn open_file(path: &Path, dir: &Path) -> Result<std::fs::File, Error> {
    std::fs::File::open(path).map_err(|e| {
        bad_file(
            path,
            format!(
                "cannot read it ({e}); is {} a complete output folder of rofrsim?",
                dir.display()
            ),
        )
    })
}

/// Opens a CSV file of output folder `dir`.
fn open_csv(path: &Path, dir: &Path) -> Result<csv::Reader<std::fs::File>, Error> {
    Ok(csv::ReaderBuilder::new()
        .has_headers(true)
        .from_reader(open_file(path, dir)?))
}

fn csv_error(path: &Path, e: &csv::Error) -> Error {
    match e.position() {
        Some(p) => bad_file(path, format!("line {}: malformed CSV: {e}", p.line())),
        None => bad_file(path, format!("malformed CSV: {e}")),
    }
}

/// Parses a numeric cell; an empty cell is NaN ("none").
fn number(path: &Path, line: u64, column: &str, cell: &str) -> Result<f64, Error> {
    if cell.is_empty() {
        return Ok(f64::NAN);
    }
    match cell.parse::<f64>() {
        Ok(v) if v.is_finite() => Ok(v),
        _ => Err(bad_file(
            path,
            format!("line {line}: column `{column}`: `{cell}` is not a number"),
        )),
    }
}

/// The header of a CSV file, to find the columns a reader needs.
struct Header {
    path: PathBuf,
    names: Vec<String>,
}

impl Header {
    fn read<R: std::io::Read>(path: &Path, reader: &mut csv::Reader<R>) -> Result<Header, Error> {
        let names = reader
            .headers()
            .map_err(|e| csv_error(path, &e))?
            .iter()
            .map(str::to_string)
            .collect::<Vec<_>>();
        if names.iter().all(|n| n.is_empty()) {
            return Err(bad_file(path, "empty file (no header row)"));
        }
        Ok(Header {
            path: path.to_path_buf(),
            names,
        })
    }

    fn index(&self, name: &str) -> Result<usize, Error> {
        self.names
            .iter()
            .position(|n| n == name)
            .ok_or_else(|| bad_file(&self.path, format!("no column `{name}` in the header")))
    }
}
