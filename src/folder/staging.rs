//! Writing an output folder so that it appears whole or not at all: files
//! go into a hidden staging folder beside the destination, removed unless
//! [`OutputDir::commit`] is reached, which swaps it into place. A failed or
//! interrupted command leaves nothing that looks finished, and an earlier
//! folder replaced with `--force` survives until the new one is complete.

use std::fs;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use crate::error::Error;

/// An output folder being written: files go into a hidden staging folder
/// beside the destination, removed unless [`OutputDir::commit`] is reached,
/// which swaps it into place (the old folder, with `--force`, survives until
/// the new one is complete).
pub struct OutputDir {
    /// The staging folder to write into.
    pub dir: PathBuf,
    out: PathBuf,
    /// The destination as messages name it (differs from `out` for a run
    /// staged inside another command's folder).
    shown: PathBuf,
    old: PathBuf,
    committed: bool,
}

impl OutputDir {
    /// Checks the destination and creates the staging folder.
    pub fn begin(out: &Path, force: bool) -> Result<OutputDir, Error> {
        if out.exists() && !force {
            return Err(Error::Usage(format!(
                "the output folder {} already exists; pass --force to replace it or --out to choose another",
                out.display()
            )));
        }
        if out.exists() && !out.is_dir() {
            return Err(Error::Usage(format!(
                "--out {} is a file, not a folder",
                out.display()
            )));
        }
        let parent = match out.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        fs::create_dir_all(&parent)
            .map_err(io_err(format!("cannot create {}", parent.display())))?;
        let leaf = out
            .file_name()
            .map_or_else(|| "out".into(), |n| n.to_string_lossy().into_owned());
        let dir = parent.join(format!(".{leaf}.rofrsim-partial-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir(&dir).map_err(io_err(format!(
            "cannot create the output folder in {}",
            parent.display()
        )))?;
        let old = parent.join(format!(".{leaf}.rofrsim-old-{}", std::process::id()));
        Ok(OutputDir {
            dir,
            out: out.to_path_buf(),
            shown: out.to_path_buf(),
            old,
            committed: false,
        })
    }

    /// Moves the finished folder into place.
    pub fn commit(mut self) -> Result<(), Error> {
        let out = &self.out;
        if out.exists() {
            fs::rename(out, &self.old)
                .map_err(io_err(format!("cannot move aside {}", out.display())))?;
        }
        if let Err(e) = fs::rename(&self.dir, out) {
            if self.old.exists() {
                let _ = fs::rename(&self.old, out);
            }
            return Err(Error::Io(
                format!("cannot move the outputs into {}", out.display()),
                e,
            ));
        }
        self.committed = true;
        if self.old.exists() {
            let _ = fs::remove_dir_all(&self.old);
        }
        Ok(())
    }
}

impl Drop for OutputDir {
    fn drop(&mut self) {
        if !self.committed {
            let _ = fs::remove_dir_all(&self.dir);
        }
    }
}

fn io_err(what: String) -> impl FnOnce(std::io::Error) -> Error {
    move |e| Error::Io(what, e)
}

impl OutputDir {
    /// Names the destination `shown` in messages (a run staged inside
    /// another command's folder is shown where it will end up).
    pub fn show_as(&mut self, shown: &Path) {
        self.shown = shown.to_path_buf();
    }

    /// `name` in the destination folder, as messages should show it (the
    /// staging folder is hidden and gone once a command fails).
    pub fn label(&self, name: &str) -> String {
        self.shown.join(name).display().to_string()
    }

    /// Creates `name` for buffered writing.
    pub fn create(&self, name: &str) -> Result<BufWriter<fs::File>, Error> {
        fs::File::create(self.dir.join(name))
            .map(BufWriter::new)
            .map_err(io_err(format!("cannot write {}", self.label(name))))
    }

    /// Flushes and syncs a file made by [`OutputDir::create`], so a full disk
    /// is reported here rather than lost.
    pub fn finish(&self, mut file: BufWriter<fs::File>, name: &str) -> Result<(), Error> {
        let what = || format!("cannot write {}", self.label(name));
        file.flush().map_err(io_err(what()))?;
        let file = file
            .into_inner()
            .map_err(|e| Error::Io(what(), e.into_error()))?;
        file.sync_all().map_err(io_err(what()))
    }

    /// Writes `text` to `name`.
    pub fn write(&self, name: &str, text: &str) -> Result<(), Error> {
        fs::write(self.dir.join(name), text)
            .map_err(io_err(format!("cannot write {}", self.label(name))))
    }
}
