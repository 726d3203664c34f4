//! Golden run: the complete outputs of a small run of every shipped
//! scenario (`scenarios/*.toml`), compared byte for byte with the files
//! kept in `tests/golden/`.
//!
//! Each scenario NAME is run by the real binary as
//!
//! ```text
//! rofrsim run scenarios/NAME.toml --trials 100 --paths 2 \
//!     --target 'unmet_share<=0.1' --target 'microsoft_value_npv_usd_bn>=100' \
//!     --threads 2 --quiet --out out/NAME
//! ```
//!
//! and, for `baseline` and `early_agi` only (every chart of the report is
//! drawn for one of the two, and each report is ~0.6 MB), with `--report`
//! too.
//!
//! with a temporary folder as the current directory, into which the
//! scenario file is copied as `scenarios/NAME.toml`: so the paths that
//! `manifest.json` records are relative, the same on every machine. Every
//! file the run writes (`trials.csv`, `summary.csv`, `timeseries.csv`,
//! `timeseries_wide.csv`, `sensitivity.csv`, `paths.csv`, `manifest.json`,
//! `report.html`, `charts/*.svg`) is compared with `tests/golden/NAME/` at the same
//! relative path, and its stdout (the headline table) with
//! `tests/golden/NAME.stdout`. A file missing from either side is a
//! difference. The other commands are pinned too, under
//! `tests/golden/commands/` (see [`run_commands`]): `validate` of each
//! scenario, a `compare` and a `sweep`.
//!
//! Normalised before comparing, because it cannot be deterministic, and
//! nothing else: the wall time, replaced by the token `WALL_TIME` (see
//! [`normalise`]):
//! - `manifest.json`: the value of `"wall_time_seconds"` (the number
//!   becomes the string `"WALL_TIME"`);
//! - stdout: the seconds in its first line (`…, 0.03 s on 2 threads`);
//!
//! and the size of the outputs that `run`, `compare` and `sweep` print
//! (`outputs: out/NAME (1.23 MB)`), which counts `manifest.json` and so
//! the digits of its wall time: replaced by the token `SIZE` once checked
//! to be the size of the folder's files (see [`normalise_size`]).
//!
//! `report.html` and the charts hold no wall time. No number of the model
//! is normalised. `--threads 2` is fixed because the manifest records the
//! thread count and the headline names it (the outputs themselves do not
//! depend on it: [`outputs_do_not_depend_on_the_thread_count`]).
//!
//! After an intended change of the outputs, re-bless the golden files with
//!
//! ```text
//! ROFRSIM_BLESS=1 cargo test --test golden
//! ```
//!
//! which rewrites `tests/golden/` (removing files no run writes any more,
//! keeping `README.md` and `.gitattributes`), prints what it wrote, and
//! passes; then review `git diff tests/golden`.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use common::{Run, rofrsim_in, root};

/// Trials per scenario: enough for `sensitivity.csv` (it needs ≥ 10).
const TRIALS: &str = "100";
/// Trials whose every month goes to `paths.csv`.
const PATHS: &str = "2";
/// The scenarios run with `--report`: `baseline` draws the charts every
/// run has, `early_agi` those that need AGI within the horizon.
const REPORTED: [&str; 2] = ["baseline", "early_agi"];
/// Two targets, so `summary.csv` holds target rows.
const TARGETS: [&str; 2] = ["unmet_share<=0.1", "microsoft_value_npv_usd_bn>=100"];
/// What replaces the wall time.
const TOKEN: &str = "WALL_TIME";
/// What replaces the size of the outputs.
const SIZE: &str = "SIZE";
/// Files of `tests/golden/` that are not outputs.
const NOT_OUTPUTS: [&str; 2] = ["README.md", ".gitattributes"];
/// The command that re-blesses the golden files.
const BLESS: &str = "ROFRSIM_BLESS=1 cargo test --test golden";

/// Relative path (`NAME/…` or `NAME.stdout`) → normalised bytes.
type Files = BTreeMap<String, Vec<u8>>;

fn golden_dir() -> PathBuf {
    root().join("tests").join("golden")
}

/// The names of `scenarios/*.toml`, sorted.
fn scenarios() -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(root().join("scenarios"))
        .expect("list scenarios/")
        .flatten()
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            name.strip_suffix(".toml").map(str::to_string)
        })
        .collect();
    names.sort();
    assert!(!names.is_empty(), "no scenarios/*.toml");
    names
}

/// Every file under `dir`, recursively, as (path relative to `dir` with
/// `/` separators, bytes).
fn files_under(dir: &Path) -> Vec<(String, Vec<u8>)> {
    fn walk(base: &Path, dir: &Path, out: &mut Vec<(String, Vec<u8>)>) {
        let entries = fs::read_dir(dir).unwrap_or_else(|e| panic!("list {}: {e}", dir.display()));
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                walk(base, &p, out);
            } else {
                let rel: Vec<String> = p
                    .strip_prefix(base)
                    .expect("under the base")
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy().into_owned())
                    .collect();
                let bytes = fs::read(&p).unwrap_or_else(|e| panic!("read {}: {e}", p.display()));
                out.push((rel.join("/"), bytes));
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out);
    out
}

/// Replaces the wall time by [`TOKEN`] in `manifest.json` (the number after
/// `"wall_time_seconds": `) and in stdout (`, SECONDS s on ` in the first
/// line); every other file is returned as it is. Panics if the wall time is
/// not found exactly where expected, so that it cannot leak into a golden
/// file unnoticed.
fn normalise(path: &str, bytes: Vec<u8>) -> Vec<u8> {
    let text = || String::from_utf8(bytes.clone()).unwrap_or_else(|_| panic!("{path}: not UTF-8"));
    if path.ends_with("/manifest.json") {
        let text = text();
        let key = "\"wall_time_seconds\": ";
        let found: Vec<usize> = text.match_indices(key).map(|(i, _)| i).collect();
        assert_eq!(
            found.len(),
            1,
            "{path}: expected one {key:?} to normalise, found {}",
            found.len()
        );
        let start = found[0] + key.len();
        let len = text[start..]
            .find(|c: char| !(c.is_ascii_digit() || ".eE+-".contains(c)))
            .unwrap_or(text.len() - start);
        let value = &text[start..start + len];
        assert!(
            value.parse::<f64>().is_ok(),
            "{path}: wall_time_seconds is {value:?}, not a number"
        );
        format!("{}\"{TOKEN}\"{}", &text[..start], &text[start + len..]).into_bytes()
    } else if path.ends_with(".stdout") {
        let text = text();
        let first = text.lines().next().unwrap_or_default();
        let at = first.find(" s on ").unwrap_or_else(|| {
            panic!("{path}: the first line does not say `… SECONDS s on N threads`: {first:?}")
        });
        let start = first[..at].rfind(", ").map_or(0, |i| i + 2);
        let value = &first[start..at];
        assert!(
            value.parse::<f64>().is_ok(),
            "{path}: the seconds in the first line are {value:?}, not a number: {first:?}"
        );
        format!("{}{TOKEN}{}", &text[..start], &text[at..]).into_bytes()
    } else {
        bytes
    }
}

/// Replaces the size in the line `outputs: DIR (SIZE)` of a command's
/// stdout by [`SIZE`], after checking that it is the size of the files
/// under `work/DIR` as `rofrsim::folder::size::human` writes it. Panics if
/// there is no such line, or the size is not the folder's.
fn normalise_size(label: &str, stdout: &str, work: &Path) -> String {
    let lines: Vec<&str> = stdout
        .lines()
        .filter(|l| l.starts_with("outputs: "))
        .collect();
    assert_eq!(
        lines.len(),
        1,
        "{label}: expected one `outputs: DIR (SIZE)` line:\n{stdout}"
    );
    let line = lines[0];
    let (dir, size) = line
        .strip_prefix("outputs: ")
        .and_then(|rest| rest.strip_suffix(')'))
        .and_then(|rest| rest.rsplit_once(" ("))
        .unwrap_or_else(|| panic!("{label}: not `outputs: DIR (SIZE)`: {line:?}"));
    let bytes: usize = files_under(&work.join(dir))
        .iter()
        .map(|(_, b)| b.len())
        .sum();
    let expected = rofrsim::folder::size::human(bytes as u64);
    assert_eq!(
        size, expected,
        "{label}: the size printed is not that of the {bytes} bytes under {dir}"
    );
    stdout.replacen(line, &format!("outputs: {dir} ({SIZE})"), 1)
}

/// A temporary folder holding a copy of every shipped scenario in
/// `scenarios/`, to run from.
fn work_folder() -> tempfile::TempDir {
    let work = tempfile::Builder::new()
        .prefix("rofrsim-golden-")
        .tempdir()
        .expect("create a temporary folder");
    fs::create_dir(work.path().join("scenarios")).expect("create scenarios/");
    for name in scenarios() {
        let scenario = format!("scenarios/{name}.toml");
        fs::copy(root().join(&scenario), work.path().join(&scenario))
            .unwrap_or_else(|e| panic!("copy {scenario}: {e}"));
    }
    work
}

/// Runs every scenario in a temporary folder with `--threads THREADS`; the
/// outputs and stdout, normalised.
fn run_all(threads: &str) -> Files {
    let work = work_folder();
    let mut files = Files::new();
    for name in scenarios() {
        let scenario = format!("scenarios/{name}.toml");
        let out = format!("out/{name}");
        let mut args = vec![
            "run",
            &scenario,
            "--trials",
            TRIALS,
            "--paths",
            PATHS,
            "--threads",
            threads,
            "--quiet",
            "--out",
            &out,
        ];
        for t in TARGETS {
            args.extend(["--target", t]);
        }
        if REPORTED.contains(&name.as_str()) {
            args.push("--report");
        }
        let r: Run = rofrsim_in(work.path(), &args);
        assert!(r.crash_signs().is_empty(), "{name}: crash\n{}", r.dump());
        assert_eq!(r.code, Some(0), "{name}: the run failed\n{}", r.dump());
        assert!(
            r.stderr.is_empty(),
            "{name}: a --quiet run wrote to stderr (not part of the golden files)\n{}",
            r.dump()
        );
        for (rel, bytes) in files_under(&work.path().join(&out)) {
            let path = format!("{name}/{rel}");
            let bytes = normalise(&path, bytes);
            files.insert(path, bytes);
        }
        let path = format!("{name}.stdout");
        let stdout = normalise_size(&path, &r.stdout, work.path());
        let bytes = normalise(&path, stdout.into_bytes());
        files.insert(path, bytes);
    }
    files
}

/// The other commands' outputs on the shipped scenarios, small: what
/// `validate` prints for each; `compare` of `seed_terms` and
/// `oct2025_terms` (`compare.csv` and what it prints; its `runs/` are runs
/// like the ones above); a `sweep` of the baseline over two revenue-share
/// rates (`sweep.csv`, its manifest, what it prints). Files under
/// `commands/`, stdout as `.txt` (no wall time in them).
fn run_commands() -> Files {
    let work = work_folder();
    let mut files = Files::new();
    let mut command = |label: &str, args: &[&str]| {
        let r: Run = rofrsim_in(work.path(), args);
        assert!(r.crash_signs().is_empty(), "{label}: crash\n{}", r.dump());
        assert_eq!(r.code, Some(0), "{label}: failed\n{}", r.dump());
        let stdout = if label.starts_with("validate") {
            r.stdout
        } else {
            normalise_size(label, &r.stdout, work.path())
        };
        files.insert(format!("commands/{label}.txt"), stdout.into_bytes());
    };
    for name in scenarios() {
        command(
            &format!("validate-{name}"),
            &["validate", &format!("scenarios/{name}.toml")],
        );
    }
    command(
        "compare",
        &[
            "compare",
            "scenarios/seed_terms.toml",
            "scenarios/oct2025_terms.toml",
            "--trials",
            TRIALS,
            "--threads",
            "2",
            "--out",
            "out/compare",
            "--quiet",
        ],
    );
    command(
        "sweep",
        &[
            "sweep",
            "scenarios/baseline.toml",
            "--vary",
            "terms.revenue_share.rate=0.1,0.3",
            "--trials",
            "50",
            "--threads",
            "2",
            "--out",
            "out/sweep",
            "--quiet",
        ],
    );
    for (path, from) in [
        ("commands/compare/compare.csv", "out/compare/compare.csv"),
        ("commands/sweep/sweep.csv", "out/sweep/sweep.csv"),
        ("commands/sweep/manifest.json", "out/sweep/manifest.json"),
    ] {
        let bytes = fs::read(work.path().join(from)).unwrap_or_else(|e| panic!("read {from}: {e}"));
        files.insert(path.to_string(), normalise(path, bytes));
    }
    files
}

/// The golden files: everything under `tests/golden/` but [`NOT_OUTPUTS`].
fn golden() -> Files {
    let dir = golden_dir();
    if !dir.is_dir() {
        return Files::new();
    }
    files_under(&dir)
        .into_iter()
        .filter(|(p, _)| !NOT_OUTPUTS.contains(&p.as_str()))
        .collect()
}

/// At most `n` characters of `s` from character `from`, with `…` where cut.
fn excerpt(s: &str, from: usize, n: usize) -> String {
    let mut e: String = s.chars().skip(from).take(n).collect();
    if from > 0 {
        e.insert(0, '…');
    }
    if s.chars().count() > from + n {
        e.push('…');
    }
    e
}

/// Two sides of a comparison, named for messages.
struct Sides<'a> {
    expected: (&'a str, &'a Files),
    actual: (&'a str, &'a Files),
}

/// Where `a` (expected) and `b` (actual) first differ: line and column
/// (from 1) and both lines around that column.
fn first_difference(sides: &Sides, a: &[u8], b: &[u8]) -> String {
    let (na, nb) = (sides.expected.0, sides.actual.0);
    let w = na.len().max(nb.len());
    let (a, b) = (String::from_utf8_lossy(a), String::from_utf8_lossy(b));
    let (la, lb): (Vec<&str>, Vec<&str>) = (a.split('\n').collect(), b.split('\n').collect());
    for i in 0..la.len().max(lb.len()) {
        match (la.get(i), lb.get(i)) {
            (Some(x), Some(y)) if x == y => continue,
            (Some(x), Some(y)) => {
                let col = x.chars().zip(y.chars()).take_while(|(p, q)| p == q).count();
                let from = col.saturating_sub(40);
                return format!(
                    "line {}, column {}:\n      {na:<w$}: {}\n      {nb:<w$}: {}",
                    i + 1,
                    col + 1,
                    excerpt(x, from, 160),
                    excerpt(y, from, 160)
                );
            }
            (Some(x), None) => {
                return format!(
                    "line {}: the file of {nb} ends; {na} has {}",
                    i + 1,
                    excerpt(x, 0, 160)
                );
            }
            (None, Some(y)) => {
                return format!(
                    "line {}: the file of {na} ends; {nb} has {}",
                    i + 1,
                    excerpt(y, 0, 160)
                );
            }
            (None, None) => break,
        }
    }
    "the bytes differ".to_string()
}

/// Every difference between the two sides, one entry per file: its path,
/// and where it first differs or which side lacks it.
fn differences(sides: &Sides) -> Vec<String> {
    let ((na, expected), (nb, actual)) = (sides.expected, sides.actual);
    let names: BTreeSet<&String> = expected.keys().chain(actual.keys()).collect();
    let mut out = Vec::new();
    for name in names {
        match (expected.get(name), actual.get(name)) {
            (Some(a), Some(b)) if a == b => {}
            (Some(a), Some(b)) => out.push(format!("{name}: {}", first_difference(sides, a, b))),
            (Some(_), None) => out.push(format!("{name}: in {na}, missing from {nb}")),
            (None, Some(_)) => out.push(format!("{name}: in {nb}, missing from {na}")),
            (None, None) => {}
        }
    }
    out
}

/// Rewrites `tests/golden/` with `files`: every entry but [`NOT_OUTPUTS`]
/// is removed first. Reports on stderr directly (not captured by the test
/// harness).
fn bless(files: &Files) {
    let dir = golden_dir();
    fs::create_dir_all(&dir).expect("create tests/golden");
    let mut report = String::new();
    for e in fs::read_dir(&dir).expect("list tests/golden").flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        if NOT_OUTPUTS.contains(&name.as_str()) {
            continue;
        }
        let p = e.path();
        if p.is_dir() {
            fs::remove_dir_all(&p)
        } else {
            fs::remove_file(&p)
        }
        .unwrap_or_else(|e| panic!("remove {}: {e}", p.display()));
    }
    let mut total = 0;
    for (rel, bytes) in files {
        let p = dir.join(rel);
        fs::create_dir_all(p.parent().expect("a parent")).expect("create a golden folder");
        fs::write(&p, bytes).unwrap_or_else(|e| panic!("write {}: {e}", p.display()));
        report.push_str(&format!(
            "  wrote tests/golden/{rel} ({} bytes)\n",
            bytes.len()
        ));
        total += bytes.len();
    }
    report.push_str(&format!(
        "golden: blessed {} files ({total} bytes) in tests/golden/; review them with `git diff tests/golden`\n",
        files.len()
    ));
    let _ = std::io::stderr().write_all(report.as_bytes());
}

/// True when `ROFRSIM_BLESS` asks to rewrite the golden files.
fn blessing() -> bool {
    std::env::var("ROFRSIM_BLESS").is_ok_and(|v| !v.is_empty() && v != "0")
}

/// The outputs of every shipped scenario equal `tests/golden/` byte for
/// byte, after replacing the wall time (only) by `WALL_TIME` in
/// `manifest.json` and stdout; see the module documentation. With
/// `ROFRSIM_BLESS=1` the golden files are rewritten instead.
#[test]
fn outputs_of_every_shipped_scenario_match_the_golden_files() {
    let mut actual = run_all("2");
    actual.extend(run_commands());
    if blessing() {
        bless(&actual);
        return;
    }
    let expected = golden();
    let diffs = differences(&Sides {
        expected: ("tests/golden", &expected),
        actual: ("this run", &actual),
    });
    assert!(
        diffs.is_empty(),
        "{} file(s) differ from tests/golden/:\n  {}\n\n\
         If the change is intended, re-bless the golden files with\n    {BLESS}\n\
         and review the result with `git diff tests/golden`.",
        diffs.len(),
        diffs.join("\n  ")
    );
}

/// `--threads 1` and `--threads 2` write the same files, except the
/// `threads` field of `manifest.json` and the thread count in stdout's
/// first line.
#[test]
fn outputs_do_not_depend_on_the_thread_count() {
    let two = run_all("2");
    let one: Files = run_all("1")
        .into_iter()
        .map(|(path, bytes)| {
            let (from, to) = if path.ends_with("/manifest.json") {
                ("\n  \"threads\": 1,\n", "\n  \"threads\": 2,\n")
            } else if path.ends_with(".stdout") {
                (" s on 1 thread\n", " s on 2 threads\n")
            } else {
                return (path, bytes);
            };
            let text = String::from_utf8(bytes).expect("UTF-8");
            assert_eq!(
                text.matches(from).count(),
                1,
                "{path} of the --threads 1 run should hold {from:?} once:\n{text}"
            );
            (path, text.replacen(from, to, 1).into_bytes())
        })
        .collect();
    let diffs = differences(&Sides {
        expected: ("--threads 2", &two),
        actual: ("--threads 1", &one),
    });
    assert!(
        diffs.is_empty(),
        "--threads 1 (as `run`) and --threads 2 (as `golden`) differ beyond the thread count:\n  {}",
        diffs.join("\n  ")
    );
}
