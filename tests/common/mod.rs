//! Helpers for tests that run the real `rofrsim` binary: run it with a
//! time limit, and read its diagnostics back into structured form.

#![allow(dead_code)] // each test binary uses a different subset

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
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
    let args = args.into_iter().map(|a| a.as_ref().to_string()).collect();
    spawn_env(args, envs).wait(TIME_LIMIT)
}

/// Runs `rofrsim ARGS…` with `dir` as the current directory (relative
/// paths in the arguments are relative to it), with [`TIME_LIMIT`].
pub fn rofrsim_in<I, S>(dir: &Path, args: I) -> Run
where
    I: IntoIterator<Item = S>,
    S: AsRef<str>,
{
    let args = args.into_iter().map(|a| a.as_ref().to_string()).collect();
    spawn_in(dir, args, &[]).wait(TIME_LIMIT)
}

/// A child `rofrsim` with piped output, for runs signalled or sabotaged
/// while they work.
pub struct Spawned {
    child: Child,
    args: Vec<String>,
    out_t: std::thread::JoinHandle<Vec<u8>>,
    err_t: std::thread::JoinHandle<Vec<u8>>,
}

/// Starts `rofrsim ARGS…` from the crate root with extra environment
/// variables, its output read on threads.
pub fn spawn_env(args: Vec<String>, envs: &[(&str, &str)]) -> Spawned {
    spawn_in(&root(), args, envs)
}

/// [`spawn_env`] with `dir` as the current directory.
pub fn spawn_in(dir: &Path, args: Vec<String>, envs: &[(&str, &str)]) -> Spawned {
    let mut child = Command::new(bin())
        .envs(envs.iter().copied())
        .args(&args)
        .current_dir(dir)
        .env_remove("RUST_BACKTRACE")
        .env_remove("RUST_LIB_BACKTRACE")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start rofrsim");
    let mut out = child.stdout.take().expect("stdout");
    let mut err = child.stderr.take().expect("stderr");
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
    Spawned {
        child,
        args,
        out_t,
        err_t,
    }
}

impl Spawned {
    pub fn running(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    /// Sends a signal to this child only (by its pid).
    pub fn signal(&self, sig: &str) {
        let ok = Command::new("kill")
            .args([format!("-{sig}"), self.child.id().to_string()])
            .status()
            .is_ok_and(|s| s.success());
        assert!(ok, "kill -{sig} {} failed", self.child.id());
    }

    /// Waits (up to `limit`, then kills it) and collects the output.
    pub fn wait(mut self, limit: Duration) -> Run {
        let deadline = Instant::now() + limit;
        let mut timed_out = false;
        let status = loop {
            if let Some(st) = self.child.try_wait().expect("wait") {
                break st;
            }
            if Instant::now() > deadline {
                timed_out = true;
                let _ = self.child.kill();
                break self.child.wait().expect("wait for the killed child");
            }
            std::thread::sleep(Duration::from_millis(5));
        };
        Run {
            args: self.args,
            code: if timed_out { None } else { status.code() },
            timed_out,
            stdout: String::from_utf8_lossy(&self.out_t.join().unwrap_or_default()).into_owned(),
            stderr: String::from_utf8_lossy(&self.err_t.join().unwrap_or_default()).into_owned(),
        }
    }
}

/// `python3`, for the checks that recompute results with the standard-library
/// Python scripts in `tests/`. Those tests are `#[ignore]`d, so that plain
/// `cargo test` needs nothing but Rust, and `.ci/run` runs them with
/// `cargo test -- --include-ignored` after installing python3. Run without
/// python3 they fail with this message: they never pass unchecked.
pub fn python3() -> Command {
    let how = "install python3 (the scripts use only its standard library; \
               Debian: `apt-get install python3`) or run `.ci/run` as root, which installs it";
    match Command::new("python3").arg("--version").output() {
        Ok(o) if o.status.success() => Command::new("python3"),
        Ok(o) => panic!(
            "this test needs python3, and `python3 --version` failed ({}): {}; {how}",
            o.status,
            String::from_utf8_lossy(&o.stderr).trim()
        ),
        Err(e) => panic!("this test needs python3, and python3 cannot be run ({e}); {how}"),
    }
}

/// A CSV file, read as a spreadsheet would.
pub struct Csv {
    /// File name, for messages.
    pub name: String,
    /// The header row.
    pub header: Vec<String>,
    /// The data rows.
    pub rows: Vec<Vec<String>>,
}

impl Csv {
    pub fn read(path: &Path) -> Csv {
        let mut r = csv::ReaderBuilder::new()
            .has_headers(true)
            .from_path(path)
            .unwrap_or_else(|e| panic!("open {}: {e}", path.display()));
        let header = r
            .headers()
            .unwrap_or_else(|e| panic!("header of {}: {e}", path.display()))
            .iter()
            .map(String::from)
            .collect();
        let rows = r
            .records()
            .map(|rec| {
                rec.unwrap_or_else(|e| panic!("a row of {}: {e}", path.display()))
                    .iter()
                    .map(String::from)
                    .collect()
            })
            .collect();
        Csv {
            name: path
                .file_name()
                .unwrap_or_default()
                .to_string_lossy()
                .into_owned(),
            header,
            rows,
        }
    }

    pub fn col(&self, name: &str) -> usize {
        self.header
            .iter()
            .position(|h| h == name)
            .unwrap_or_else(|| panic!("{}: no column {name:?} in {:?}", self.name, self.header))
    }

    /// The cells of a column.
    pub fn column(&self, name: &str) -> Vec<&str> {
        let j = self.col(name);
        self.rows.iter().map(|r| r[j].as_str()).collect()
    }

    /// The numbers of a column; panics on an empty or non-numeric cell.
    pub fn numbers(&self, name: &str) -> Vec<f64> {
        let j = self.col(name);
        self.rows
            .iter()
            .enumerate()
            .map(|(i, r)| {
                let c = &r[j];
                c.parse::<f64>().unwrap_or_else(|_| {
                    panic!(
                        "{}: row {}: {name} = {c:?} is not a number",
                        self.name,
                        i + 2
                    )
                })
            })
            .collect()
    }

    /// The `summary.csv` row of a metric, by column name.
    pub fn summary_row(&self, metric: &str) -> BTreeMap<String, String> {
        let row = self
            .rows
            .iter()
            .find(|r| r[0] == metric)
            .unwrap_or_else(|| panic!("{}: no row for {metric}", self.name));
        self.header
            .iter()
            .cloned()
            .zip(row.iter().cloned())
            .collect()
    }

    /// Rows of a long-format `timeseries.csv` for one metric: (month, mean).
    pub fn series(&self, metric: &str) -> Vec<(String, f64)> {
        let (m, k, mean) = (self.col("month"), self.col("metric"), self.col("mean"));
        self.rows
            .iter()
            .filter(|r| r[k] == metric)
            .map(|r| {
                (
                    r[m].clone(),
                    r[mean].parse::<f64>().unwrap_or_else(|_| {
                        panic!(
                            "timeseries.csv: {metric} mean {:?} is not a number",
                            r[mean]
                        )
                    }),
                )
            })
            .collect()
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
            s.replace(',', "")
                .parse::<f64>()
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
