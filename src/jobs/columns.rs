//! The outcome metrics of every trial, one column per metric, in trial
//! order: what `summary.csv`'s exact percentiles and moments are computed
//! from.
//!
//! Up to [`IN_MEMORY_BYTES`] the columns stay in memory. Beyond that (and
//! when the caller gives a spill folder) each column is appended to its own
//! file of native-endian f64 and read back one at a time when summarised,
//! so memory stays bounded whatever the trial count while every statistic
//! stays exact: the same numbers as in memory, byte for byte.
//!
//! A run of a known trial count decides where the columns go before it
//! starts ([`Columns::new`]). A run that may stop early (`--precision`)
//! starts in memory and moves them to files only once they outgrow the
//! limit ([`Columns::growing`]), so where they end up depends, as for the
//! first, only on the trials actually run.

use std::borrow::Cow;
use std::fs::File;
use std::io::{BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};

use crate::error::Error;

/// Column bytes kept in memory before spilling: 256 MiB, 1.3 million trials
/// of the baseline's 25 metrics. The environment variable
/// `ROFRSIM_COLUMNS_IN_MEMORY` (bytes) overrides it, so the spilled path
/// can be exercised on small runs.
pub const IN_MEMORY_BYTES: u64 = 256 << 20;

/// [`IN_MEMORY_BYTES`], or its override from the environment.
pub fn in_memory_limit() -> u64 {
    std::env::var("ROFRSIM_COLUMNS_IN_MEMORY")
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(IN_MEMORY_BYTES)
}

/// Every trial's outcome metrics, column by column.
#[derive(Debug)]
pub struct Columns {
    /// All values when in memory; otherwise the first `head_len` of each.
    head: Vec<Vec<f64>>,
    head_len: usize,
    /// One file per column when spilled.
    spill: Option<Spill>,
    len: u64,
    /// For [`Columns::growing`] columns still in memory: where to spill,
    /// the bytes allowed in memory and the head to keep.
    later: Option<Later>,
}

#[derive(Debug)]
struct Later {
    dir: PathBuf,
    limit: u64,
    head_len: u64,
}

#[derive(Debug)]
struct Spill {
    paths: Vec<PathBuf>,
    writers: Vec<BufWriter<File>>,
    /// Destination named in messages.
    label: String,
}

impl Columns {
    /// Columns for `trials` trials of `count` metrics. They spill into
    /// `spill_dir` when given and the columns would exceed
    /// [`in_memory_limit`]; then the first `head_len` values of each stay in
    /// memory too (for the sensitivity analysis).
    pub fn new(
        count: usize,
        trials: u64,
        head_len: u64,
        spill_dir: Option<&Path>,
    ) -> Result<Columns, Error> {
        let bytes = trials.saturating_mul(count as u64 * 8);
        match spill_dir {
            Some(dir) if bytes > in_memory_limit() => {
                let head_len = head_len.min(trials) as usize;
                Ok(Columns {
                    head: vec![Vec::with_capacity(head_len); count],
                    head_len,
                    spill: Some(Spill::create(dir, count)?),
                    len: 0,
                    later: None,
                })
            }
            _ => Ok(Columns {
                head: vec![Vec::with_capacity(trials as usize); count],
                head_len: usize::MAX,
                spill: None,
                len: 0,
                later: None,
            }),
        }
    }

    /// Columns for at most `trials` trials, which stay in memory until
    /// they would exceed [`in_memory_limit`] and then spill into
    /// `spill_dir` (when given), keeping the first `head_len` values in
    /// memory too.
    pub fn growing(count: usize, trials: u64, head_len: u64, spill_dir: Option<&Path>) -> Columns {
        Columns::growing_within(count, trials, head_len, spill_dir, in_memory_limit())
    }

    /// [`Columns::growing`] with `limit` bytes in memory.
    fn growing_within(
        count: usize,
        trials: u64,
        head_len: u64,
        spill_dir: Option<&Path>,
        limit: u64,
    ) -> Columns {
        let fits = (limit / (count as u64 * 8).max(1)).min(trials);
        Columns {
            head: vec![Vec::with_capacity(fits as usize); count],
            head_len: usize::MAX,
            spill: None,
            len: 0,
            later: spill_dir.map(|dir| Later {
                dir: dir.to_path_buf(),
                limit,
                head_len: head_len.min(trials),
            }),
        }
    }

    /// The most trials whose values are ever held in memory at once.
    pub fn most_in_memory(&self, trials: u64) -> u64 {
        match (&self.spill, &self.later) {
            (Some(_), _) => self.head_len as u64,
            (None, Some(later)) => {
                let fits = later.limit / (self.count() as u64 * 8).max(1);
                trials.min(fits.max(later.head_len))
            }
            (None, None) => trials,
        }
    }

    /// Moves growing columns to their files, every value so far written.
    fn spill_now(&mut self) -> Result<(), Error> {
        let Some(later) = self.later.take() else {
            return Ok(());
        };
        let mut spill = Spill::create(&later.dir, self.count())?;
        let mut bytes = Vec::new();
        for (col, w) in self.head.iter_mut().zip(&mut spill.writers) {
            bytes.clear();
            bytes.extend(col.iter().flat_map(|x| x.to_ne_bytes()));
            w.write_all(&bytes)
                .map_err(|e| Error::Io(format!("cannot write {}", spill.label), e))?;
            col.truncate(later.head_len as usize);
            col.shrink_to_fit();
        }
        self.head_len = later.head_len as usize;
        self.spill = Some(spill);
        Ok(())
    }

    /// Number of columns (metrics).
    pub fn count(&self) -> usize {
        self.head.len()
    }

    /// Number of trials recorded.
    pub fn len(&self) -> u64 {
        self.len
    }

    /// True before any trial is recorded.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Whether the columns live in files rather than memory.
    pub fn spilled(&self) -> bool {
        self.spill.is_some()
    }

    /// Appends trials given row by row (`rows[trial * count + metric]`).
    pub fn push_rows(&mut self, rows: &[f64]) -> Result<(), Error> {
        let count = self.count();
        if count == 0 {
            return Ok(());
        }
        let n = rows.len() / count;
        if let Some(later) = &self.later {
            let after = (self.len + n as u64).saturating_mul(count as u64 * 8);
            if after > later.limit {
                self.spill_now()?;
            }
        }
        for (k, col) in self.head.iter_mut().enumerate() {
            let room = self.head_len.saturating_sub(col.len()).min(n);
            col.extend(rows.chunks_exact(count).take(room).map(|r| r[k]));
        }
        if let Some(spill) = &mut self.spill {
            let mut bytes = Vec::with_capacity(n * 8);
            for (k, w) in spill.writers.iter_mut().enumerate() {
                bytes.clear();
                for r in rows.chunks_exact(count) {
                    bytes.extend_from_slice(&r[k].to_ne_bytes());
                }
                w.write_all(&bytes)
                    .map_err(|e| Error::Io(format!("cannot write {}", spill.label), e))?;
            }
        }
        self.len += n as u64;
        Ok(())
    }

    /// Flushes the spill files; call once every trial is pushed.
    pub fn finish(&mut self) -> Result<(), Error> {
        if let Some(spill) = &mut self.spill {
            for w in &mut spill.writers {
                w.flush()
                    .map_err(|e| Error::Io(format!("cannot write {}", spill.label), e))?;
            }
        }
        Ok(())
    }

    /// The first values of column `k`: every value when in memory, else at
    /// least the `head_len` given to [`Columns::new`].
    pub fn head(&self, k: usize) -> &[f64] {
        &self.head[k]
    }

    /// Every value of column `k`, in trial order (read back from its file
    /// when spilled).
    pub fn column(&self, k: usize) -> Result<Cow<'_, [f64]>, Error> {
        let Some(spill) = &self.spill else {
            return Ok(Cow::Borrowed(&self.head[k]));
        };
        let err = |e| Error::Io(format!("cannot read back {}", spill.label), e);
        let mut file = BufReader::new(File::open(&spill.paths[k]).map_err(err)?);
        let mut values = Vec::with_capacity(self.len as usize);
        let mut buf = vec![0u8; 1 << 16];
        loop {
            let got = read_full(&mut file, &mut buf).map_err(err)?;
            values.extend(
                buf[..got - got % 8]
                    .chunks_exact(8)
                    .map(|b| f64::from_ne_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]])),
            );
            if got < buf.len() {
                break;
            }
        }
        if values.len() as u64 != self.len {
            return Err(Error::Other(format!(
                "{}: column {k} holds {} values, expected {}",
                spill.label,
                values.len(),
                self.len
            )));
        }
        Ok(Cow::Owned(values))
    }

    /// Removes the spill files (they are scratch, not output).
    pub fn remove_spill(&mut self) {
        if let Some(spill) = self.spill.take() {
            drop(spill.writers);
            for p in &spill.paths {
                let _ = std::fs::remove_file(p);
            }
            if let Some(dir) = spill.paths.first().and_then(|p| p.parent()) {
                let _ = std::fs::remove_dir(dir);
            }
        }
    }
}

impl Spill {
    /// Empty files for `count` columns in `dir`.
    fn create(dir: &Path, count: usize) -> Result<Spill, Error> {
        let label = dir.display().to_string();
        std::fs::create_dir_all(dir).map_err(|e| Error::Io(format!("cannot create {label}"), e))?;
        let paths: Vec<PathBuf> = (0..count)
            .map(|k| dir.join(format!("column-{k}.f64")))
            .collect();
        let writers = paths
            .iter()
            .map(|p| File::create(p).map(|f| BufWriter::with_capacity(1 << 16, f)))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| Error::Io(format!("cannot write {label}"), e))?;
        Ok(Spill {
            paths,
            writers,
            label,
        })
    }
}

impl Drop for Columns {
    fn drop(&mut self) {
        self.remove_spill();
    }
}

/// Reads until `buf` is full or the file ends; returns the bytes read.
fn read_full(r: &mut impl Read, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut got = 0;
    while got < buf.len() {
        match r.read(&mut buf[got..])? {
            0 => break,
            k => got += k,
        }
    }
    Ok(got)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(trials: usize, count: usize) -> Vec<f64> {
        (0..trials * count)
            .map(|i| {
                if i % 7 == 3 {
                    f64::NAN
                } else {
                    i as f64 * 0.1 - 5.0
                }
            })
            .collect()
    }

    #[test]
    fn spilled_columns_read_back_exactly() {
        let dir = tempfile::tempdir().unwrap();
        let (trials, count) = (40_000_usize, 3);
        let data = rows(trials, count);
        let mut mem = Columns::new(count, trials as u64, 100, None).unwrap();
        // 40,000 × 3 × 8 bytes is below the limit: force the spill by asking
        // for more trials than are pushed.
        let mut disk =
            Columns::new(count, u64::MAX / 64, 100, Some(&dir.path().join("c"))).unwrap();
        assert!(!mem.spilled() && disk.spilled());
        for part in data.chunks(count * 1024) {
            mem.push_rows(part).unwrap();
            disk.push_rows(part).unwrap();
        }
        mem.finish().unwrap();
        disk.finish().unwrap();
        assert_eq!(disk.len(), trials as u64);
        for k in 0..count {
            let (a, b) = (mem.column(k).unwrap(), disk.column(k).unwrap());
            assert_eq!(a.len(), trials);
            assert!(
                a.iter()
                    .zip(b.iter())
                    .all(|(x, y)| x.to_bits() == y.to_bits())
            );
            assert_eq!(disk.head(k).len(), 100);
            assert!(
                disk.head(k)
                    .iter()
                    .zip(a.iter())
                    .all(|(x, y)| x.to_bits() == y.to_bits())
            );
        }
        disk.remove_spill();
        assert!(!dir.path().join("c").exists(), "spill files are removed");
    }

    #[test]
    fn growing_columns_spill_once_beyond_the_limit_and_read_back_exactly() {
        let dir = tempfile::tempdir().unwrap();
        let (trials, count) = (10_000_usize, 3);
        let data = rows(trials, count);
        let spill_dir = dir.path().join("g");
        // 4,096 trials' worth in memory (3 × 8 bytes a trial).
        let limit = 4096 * 24;
        let mut grow = Columns::growing_within(count, 1 << 40, 100, Some(&spill_dir), limit);
        assert_eq!(grow.most_in_memory(1 << 40), 4096);
        assert_eq!(grow.most_in_memory(1000), 1000);
        let mut seen_spill_at = None;
        for part in data.chunks(count * 1024) {
            grow.push_rows(part).unwrap();
            if grow.spilled() && seen_spill_at.is_none() {
                seen_spill_at = Some(grow.len());
            }
        }
        // Spilled with the chunk that would have passed 4,096 trials.
        assert_eq!(seen_spill_at, Some(5 * 1024));
        grow.finish().unwrap();
        assert_eq!(grow.len(), trials as u64);
        for k in 0..count {
            let col = grow.column(k).unwrap();
            let want: Vec<f64> = data.chunks_exact(count).map(|r| r[k]).collect();
            assert!(
                col.iter()
                    .zip(&want)
                    .all(|(x, y)| x.to_bits() == y.to_bits())
            );
            assert_eq!(col.len(), trials);
            assert_eq!(grow.head(k).len(), 100);
        }
        // Below the limit they never spill.
        let mut small = Columns::growing_within(count, 1 << 40, 100, Some(&spill_dir), limit);
        small.push_rows(&data[..count * 4096]).unwrap();
        assert!(!small.spilled() && small.head(0).len() == 4096);
        grow.remove_spill();
        assert!(!spill_dir.exists(), "spill files are removed");
    }
}
