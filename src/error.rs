//! The errors a command can end with, and the exit code of each
//! (docs/commands.md, "Exit codes": 0 success; 2 bad usage, a bad scenario
//! or a request refused before any work; 1 anything else).

use std::fmt;
use std::path::PathBuf;

/// Why a command failed.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A bad command line, or an option value the command cannot take.
    #[error("{0}")]
    Usage(String),
    /// Problems in a scenario (all of them).
    #[error("{}", DiagnosticList(.0))]
    Scenario(Vec<Diagnostic>),
    /// A quantity beyond the largest number rofrsim can compute (f64).
    #[error("{0}")]
    Overflow(String),
    /// A run whose files would not fit on the output's disk, refused up front.
    #[error("{0}")]
    Disk(String),
    /// A run whose results would not fit in memory, refused up front.
    #[error("{0}")]
    Memory(String),
    /// A file of an output folder is missing, truncated or malformed.
    #[error("{}: {problem}", .path.display())]
    Folder {
        /// The file (or folder) at fault.
        path: PathBuf,
        /// What is wrong with it.
        problem: String,
    },
    /// An output folder of another kind than the command reads.
    #[error("{}: {found}; {command} {expected}", .dir.display())]
    WrongFolder {
        /// The folder given.
        dir: PathBuf,
        /// What it is, e.g. "a sweep folder (from `rofrsim sweep`)".
        found: String,
        /// The command that read it.
        command: String,
        /// What the command reads.
        expected: String,
    },
    /// A file or folder could not be read or written.
    #[error("{0}: {1}")]
    Io(String, std::io::Error),
    /// The run was interrupted (SIGINT / SIGTERM); nothing partial was kept.
    #[error("interrupted: the run was stopped before it finished; no output was written")]
    Interrupted,
    /// Anything else.
    #[error("{0}")]
    Other(String),
}

impl Error {
    /// The process exit code for this error.
    pub fn exit_code(&self) -> u8 {
        match self {
            Error::Usage(_)
            | Error::Scenario(_)
            | Error::Overflow(_)
            | Error::Disk(_)
            | Error::Memory(_)
            | Error::Folder { .. }
            | Error::WrongFolder { .. } => 2,
            Error::Io(..) | Error::Interrupted | Error::Other(_) => 1,
        }
    }
}

struct DiagnosticList<'a>(&'a [Diagnostic]);

impl fmt::Display for DiagnosticList<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.0.len();
        writeln!(
            f,
            "the scenario has {n} problem{}:",
            if n == 1 { "" } else { "s" }
        )?;
        for (i, d) in self.0.iter().enumerate() {
            if i + 1 < n {
                writeln!(f, "  {d}")?;
            } else {
                write!(f, "  {d}")?;
            }
        }
        Ok(())
    }
}

/// One problem with a scenario.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// File path, or `--set …` for an override.
    pub origin: String,
    /// 1-based line.
    pub line: usize,
    /// 1-based column.
    pub column: usize,
    /// Dotted key path, e.g. `providers.azure.price`; empty for the whole file.
    pub path: String,
    /// What is wrong: what was given and what is allowed.
    pub message: String,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let path = if self.path.is_empty() {
            "(file)"
        } else {
            &self.path
        };
        write!(
            f,
            "{}:{}:{}: {}: {}",
            self.origin, self.line, self.column, path, self.message
        )
    }
}
