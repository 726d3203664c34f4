//! The data files of a shard folder (`rofrsim run --shard I/N`), besides
//! its `manifest.json` ([`super::manifest::ShardManifest`]), `trials.csv`
//! and `paths.csv` (the shard's rows, with the header):
//!
//! - `scenario.toml`: a copy of the scenario file, so that `merge` needs
//!   nothing but the shard folders;
//! - `outcomes.f64`: the outcome columns of the shard's trials, column
//!   after column, little-endian f64 (NaN for a missing value);
//! - `inputs.f64`: the inputs kept for `sensitivity.csv` of the shard's
//!   trials among the first ones, trial after trial;
//! - `chunk_sums.f64`: the per-(month, series) sums of each chunk that
//!   starts in the shard, chunk after chunk: one run folds them in chunk
//!   order, and so does `merge`, to the bit;
//! - `histograms.bin`: the per-(month, series) histograms of those chunks,
//!   integer counts ([`Histogram::write_bytes`]).

use std::fs::File;
use std::io::{BufReader, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use super::bad_file;
use super::staging::OutputDir;
use crate::analysis::stats::Histogram;
use crate::error::Error;

/// The copy of the scenario file.
pub const SCENARIO: &str = "scenario.toml";
/// The outcome columns.
pub const OUTCOMES: &str = "outcomes.f64";
/// The kept inputs.
pub const INPUTS: &str = "inputs.f64";
/// The chunks' sums.
pub const CHUNK_SUMS: &str = "chunk_sums.f64";
/// The histograms.
pub const HISTOGRAMS: &str = "histograms.bin";

/// A file of little-endian f64 being written into an output folder.
pub struct F64Writer<'a> {
    dir: &'a OutputDir,
    name: &'static str,
    file: std::io::BufWriter<File>,
    bytes: Vec<u8>,
}

impl<'a> F64Writer<'a> {
    /// Starts file `name` of `dir`.
    pub fn create(dir: &'a OutputDir, name: &'static str) -> Result<F64Writer<'a>, Error> {
        Ok(F64Writer {
            dir,
            name,
            file: dir.create(name)?,
            bytes: Vec::with_capacity(1 << 16),
        })
    }

    /// Appends `values`.
    pub fn push(&mut self, values: &[f64]) -> Result<(), Error> {
        for chunk in values.chunks(1 << 13) {
            self.bytes.clear();
            for x in chunk {
                self.bytes.extend_from_slice(&x.to_le_bytes());
            }
            self.file
                .write_all(&self.bytes)
                .map_err(|e| Error::Io(format!("cannot write {}", self.dir.label(self.name)), e))?;
        }
        Ok(())
    }

    /// Flushes and syncs the file.
    pub fn finish(self) -> Result<(), Error> {
        self.dir.finish(self.file, self.name)
    }
}

/// Writes the histograms into `name` of `dir`.
pub fn write_histograms(dir: &OutputDir, name: &str, hists: &[Histogram]) -> Result<(), Error> {
    let mut bytes = Vec::new();
    for h in hists {
        h.write_bytes(&mut bytes);
    }
    let mut file = dir.create(name)?;
    file.write_all(&bytes)
        .map_err(|e| Error::Io(format!("cannot write {}", dir.label(name)), e))?;
    dir.finish(file, name)
}

/// Reads back `count` histograms from `path`.
pub fn read_histograms(path: &Path, count: usize) -> Result<Vec<Histogram>, Error> {
    let bytes = std::fs::read(path).map_err(|e| bad_file(path, format!("cannot read it ({e})")))?;
    let mut rest = &bytes[..];
    let mut out = Vec::with_capacity(count);
    for k in 0..count {
        out.push(
            Histogram::read_bytes(&mut rest)
                .map_err(|e| bad_file(path, format!("histogram {k}: {e}")))?,
        );
    }
    if !rest.is_empty() {
        return Err(bad_file(
            path,
            format!("{} bytes after the {count} histograms", rest.len()),
        ));
    }
    Ok(out)
}

/// A file of little-endian f64, read from a position in order.
pub struct F64Reader {
    path: PathBuf,
    file: BufReader<File>,
    /// Values left to read.
    left: u64,
}

impl F64Reader {
    /// Reads `len` values of `path` from value `from`; the file must hold
    /// exactly `total` values.
    pub fn open(path: &Path, total: u64, from: u64, len: u64) -> Result<F64Reader, Error> {
        let file = File::open(path).map_err(|e| bad_file(path, format!("cannot read it ({e})")))?;
        let size = file
            .metadata()
            .map_err(|e| bad_file(path, format!("cannot read it ({e})")))?
            .len();
        if size != total.saturating_mul(8) {
            return Err(bad_file(
                path,
                format!(
                    "{size} bytes where {total} values take {} (cut short or from another run?)",
                    total.saturating_mul(8)
                ),
            ));
        }
        let mut file = BufReader::with_capacity(1 << 16, file);
        file.seek(SeekFrom::Start(from * 8))
            .map_err(|e| bad_file(path, format!("cannot read it ({e})")))?;
        Ok(F64Reader {
            path: path.to_path_buf(),
            file,
            left: len,
        })
    }

    /// Appends the next `n` values (at most those left) to `out`.
    pub fn read_into(&mut self, n: usize, out: &mut Vec<f64>) -> Result<(), Error> {
        let n = (n as u64).min(self.left) as usize;
        let mut bytes = vec![0u8; n * 8];
        self.file
            .read_exact(&mut bytes)
            .map_err(|e| bad_file(&self.path, format!("cannot read it ({e})")))?;
        out.extend(
            bytes
                .chunks_exact(8)
                .map(|b| f64::from_le_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]])),
        );
        self.left -= n as u64;
        Ok(())
    }
}
