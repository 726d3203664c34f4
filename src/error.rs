//! The errors a command can end with, and the exit code of each
//! (MODEL.md: 0 success; 2 bad usage or bad scenario; 1 anything else).

use std::fmt;

use crate::diag::Diagnostic;

/// Why a command failed.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A bad command line.
    #[error("{0}")]
    Usage(String),
    /// Problems in a scenario (all of them).
    #[error("{}", DiagnosticList(.0))]
    Scenario(Vec<Diagnostic>),
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
            Error::Usage(_) | Error::Scenario(_) => 2,
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
