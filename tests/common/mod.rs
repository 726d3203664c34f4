//! Helpers for tests that run the real `rofrsim` binary: run it with a
//! time limit, and read its diagnostics back into structured form.

#![allow(dead_code)] // each test binary uses a different subset

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// A run that takes longer than this is reported as hung (a loader that
/// loops on a bad distribution must fail the test, not stall it).
pub const TIME_LIMIT: Duration = Duration::from_secs(60);

/// What one run of the binary produced.
#[derive(Debug)]
pub struct Run {
    /// The arguments, for messages.
    pub args: Vec<String>,
    /// Exit code; `None` if killed by a signal or by the time limit.
    pub code: Option<i32>,
    /// True if the time limit was hit.
    pub timed_out: bool,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// Signs of a panic or a crash in stderr.
    pub fn crash_signs(&self) -> Vec<&'static str> {
        [
            "panicked",
            "RUST_BACKTRACE",
            "stack overflow",
            "has overflowed its stack",
        ]
        .into_iter()
        .filter(|s| self.stderr.contains(s))
        .collect()
    }

    /// The diagnostic lines of stderr, parsed.
    pub fn diagnostics(&self) -> Vec<Diag> {
        self.stderr.lines().filter_map(Diag::parse).collect()
    }

    /// A short dump for failure messages.
    pub fn dump(&self) -> String {
        format!(
            "rofrsim {}\n  exit: {}\n  stdout: {}\n  stderr: {}",
            self.args.join(" "),
            match (self.code, self.timed_out) {
                (_, true) => "timed out".to_string(),
                (Some(c), _) => c.to_string(),
                (None, _) => "killed by a signal".to_string(),
            },
            indent(&self.stdout),
            indent(&self.stderr)
        )
    }
}

fn indent(s: &str) -> String {
    let s: String = s.chars().take(4000).collect();
    if s.trim().is_empty() {
        "(empty)".to_string()
    } else {
        s.trim_end().replace('\n', "\n    ")
    }
}

/// The path of the binary under test.
pub fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_rofrsim")
}

/// The crate root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Runs `rofrsim ARGS…` from the crate root, with [`TIME_LIMIT`].
pub fn rofrsim<I, S>(args: I) -> Run
where
    I: IntoIterator<Item = S>,
    S: AsRef<str>,
{
    rofrsim_env(args, &[])
}

/// [`rofrsim`] with extra environment variables.
pub fn rofrsim_env<I, S>(args: I, envs: &[(&str, &str)]) -> Run
where
    I: IntoIterator<Item = S>,
    S: AsRef<str>,
{
    let args: Vec<String> = args.into_iter().map(|a| a.as_ref().to_string()).collect();
    let mut child = Command::new(bin())
        .envs(envs.iter().copied())
        .args(&args)
        .current_dir(root())
        .env_remove("RUST_BACKTRACE")
        .env_remove("RUST_LIB_BACKTRACE")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the rofrsim binary starts");
    // Read both pipes on threads so a chatty child cannot block on a full pipe.
    let mut out = child.stdout.take().expect("stdout piped");
    let mut err = child.stderr.take().expect("stderr piped");
    let out_t = std::thread::spawn(move || {
        let mut b = Vec::new();
        let _ = out.read_to_end(&mut b);
        b
    });
    let err_t = std::thread::spawn(move || {
        let mut b = Vec::new();
        let _ = err.read_to_end(&mut b);
        b
    });
    let deadline = Instant::now() + TIME_LIMIT;
    let mut timed_out = false;
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for rofrsim") {
            break status;
        }
        if Instant::now() >= deadline {
            timed_out = true;
            let _ = child.kill();
            break child.wait().expect("wait for killed rofrsim");
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    let stdout = String::from_utf8_lossy(&out_t.join().unwrap_or_default()).into_owned();
    let stderr = String::from_utf8_lossy(&err_t.join().unwrap_or_default()).into_owned();
    Run {
        args,
        code: if timed_out { None } else { status.code() },
        timed_out,
        stdout,
        stderr,
    }
}

/// `rofrsim validate FILE [--set S]…`.
pub fn validate(file: &Path, sets: &[&str]) -> Run {
    let mut args = vec!["validate".to_string(), file.display().to_string()];
    for s in sets {
        args.push("--set".into());
        args.push((*s).to_string());
    }
    rofrsim(args)
}

/// One `origin:line:column: key.path: message` line of stderr.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diag {
    pub origin: String,
    pub line: usize,
    pub column: usize,
    /// `(file)` when the problem is with the whole file.
    pub path: String,
    pub message: String,
}

impl Diag {
    /// Parses a diagnostic line (leading indentation allowed); `None` for
    /// any other line. The origin may contain spaces (`--set a.b`) but the
    /// first `:LINE:COL: ` ends it.
    pub fn parse(line: &str) -> Option<Diag> {
        let s = line.trim_start();
        for (i, _) in s.match_indices(':') {
            let rest = &s[i + 1..];
            let Some((l, rest)) = rest.split_once(':') else {
                continue;
            };
            let Some((c, rest)) = rest.split_once(": ") else {
                continue;
            };
            let (Ok(l), Ok(c)) = (l.parse::<usize>(), c.parse::<usize>()) else {
                continue;
            };
            let (path, message) = rest.split_once(": ").unwrap_or((rest, ""));
            if i == 0 || path.is_empty() || path.contains(' ') && path != "(file)" {
                continue;
            }
            return Some(Diag {
                origin: s[..i].to_string(),
                line: l,
                column: c,
                path: path.to_string(),
                message: message.to_string(),
            });
        }
        None
    }
}

/// The table printed by `validate`: header cells and rows of
/// (input, distribution, p5, p50, p95).
#[derive(Debug)]
pub struct Table {
    pub header: Vec<String>,
    pub rows: Vec<Row>,
}

#[derive(Debug, Clone)]
pub struct Row {
    pub input: String,
    pub distribution: String,
    pub p5: f64,
    pub p50: f64,
    pub p95: f64,
}

/// Finds the table in `validate`'s stdout: a header line whose cells are
/// `input distribution p5 p50 p95`, a line of dashes, then one row per input.
pub fn parse_table(stdout: &str) -> Result<Table, String> {
    let lines: Vec<&str> = stdout.lines().collect();
    let Some(h) = lines
        .iter()
        .position(|l| l.split_whitespace().next() == Some("input"))
    else {
        return Err("no header line starting with `input`".into());
    };
    let header: Vec<String> = lines[h].split_whitespace().map(String::from).collect();
    let mut rows = Vec::new();
    let body = lines
        .iter()
        .skip(h + 1)
        .skip_while(|l| l.trim().chars().all(|c| c == '-' || c == ' ') && !l.trim().is_empty());
    for l in body {
        if l.trim().is_empty() {
            break;
        }
        let cells: Vec<&str> = l.split_whitespace().collect();
        if cells.len() < 5 {
            return Err(format!("row with fewer than 5 cells: {l:?}"));
        }
        let n = cells.len();
        let num = |s: &str| {
            s.parse::<f64>()
                .map_err(|_| format!("not a number {s:?} in row {l:?}"))
        };
        rows.push(Row {
            input: cells[0].to_string(),
            distribution: cells[1..n - 3].join(" "),
            p5: num(cells[n - 3])?,
            p50: num(cells[n - 2])?,
            p95: num(cells[n - 1])?,
        });
    }
    Ok(Table { header, rows })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_diagnostic_lines() {
        let d = Diag::parse("  a/b.toml:3:9: demand.growth: must be > 0").unwrap();
        assert_eq!(
            (d.origin.as_str(), d.line, d.column, d.path.as_str()),
            ("a/b.toml", 3, 9, "demand.growth")
        );
        let d = Diag::parse("  --set demand.growth:1:2: demand.growth: the value is not TOML: x")
            .unwrap();
        assert_eq!(
            (d.origin.as_str(), d.line, d.path.as_str()),
            ("--set demand.growth", 1, "demand.growth")
        );
        let d = Diag::parse("  x.toml:1:1: (file): TOML syntax: duplicate key").unwrap();
        assert_eq!(d.path, "(file)");
        assert!(Diag::parse("error: the scenario has 2 problems:").is_none());
    }
}
