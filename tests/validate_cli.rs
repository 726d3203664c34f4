//! `rofrsim validate`, run as a user runs it: the real binary on files.
//!
//! * `tests/malformed/` is a corpus of broken scenarios, each cut from
//!   `tests/fixtures/minimal.toml` with one mistake (or a known few). Each
//!   file starts with `# expect: LINE KEY.PATH` lines: the binary must exit
//!   with 2, not panic, and print a diagnostic at that line naming that key
//!   path (`(file)` for whole-file problems; `a|b` accepts either path).
//!   Files that cannot hold a comment are listed in [`NO_COMMENT`].
//! * The valid fixture must print the table of uncertain inputs.
//! * `--set` overrides, bad command lines, `--help`.
//!
//! The corpus test checks every file and reports all failures at once.

mod common;

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

use common::{Diag, Run, bin, parse_table, rofrsim, root, validate};

/// Corpus files whose expectations cannot be written inside them.
const NO_COMMENT: &[(&str, &[(usize, &str)])] = &[
    // 0 bytes: every required top-level key is missing.
    ("empty.toml", &[(1, "name"), (1, "time"), (1, "demand")]),
    // Random bytes starting 0xFF 0xFE 0x00 0x9C (generated once with Python's
    // random.Random(20250101) and committed): not UTF-8 at the first byte.
    ("binary_junk.toml", &[(1, "(file)")]),
];

/// The minimum size of the corpus (the brief asks for at least 35).
const MIN_CORPUS: usize = 35;

fn fixture() -> PathBuf {
    root().join("tests/fixtures/minimal.toml")
}

/// One expectation: a diagnostic at `line` whose path is one of `paths`.
#[derive(Debug)]
struct Expect {
    line: usize,
    paths: Vec<String>,
}

fn expectations(file: &Path) -> Result<Vec<Expect>, String> {
    let name = file.file_name().unwrap().to_string_lossy().into_owned();
    if let Some((_, list)) = NO_COMMENT.iter().find(|(n, _)| *n == name) {
        return Ok(list
            .iter()
            .map(|(l, p)| Expect {
                line: *l,
                paths: vec![p.to_string()],
            })
            .collect());
    }
    let bytes = fs::read(file).map_err(|e| format!("cannot read: {e}"))?;
    let text = String::from_utf8_lossy(&bytes);
    let mut out = Vec::new();
    for l in text.lines().take_while(|l| l.starts_with('#')) {
        let Some(rest) = l.strip_prefix("# expect:") else {
            continue;
        };
        let mut it = rest.split_whitespace();
        let (Some(line), Some(paths), None) = (it.next(), it.next(), it.next()) else {
            return Err(format!(
                "malformed expectation {l:?} (want `# expect: LINE KEY.PATH`)"
            ));
        };
        let line = line
            .parse()
            .map_err(|_| format!("bad line number in {l:?}"))?;
        out.push(Expect {
            line,
            paths: paths.split('|').map(String::from).collect(),
        });
    }
    if out.is_empty() {
        return Err(
            "no `# expect: LINE KEY.PATH` line at the top of the file (nor an entry in NO_COMMENT)"
                .into(),
        );
    }
    Ok(out)
}

/// Every way `run` falls short of a clean rejection of `file`.
fn rejection_problems(file: &Path, run: &Run, expects: &[Expect]) -> Vec<String> {
    let mut problems = Vec::new();
    if run.timed_out {
        problems.push(format!("did not finish within {:?}", common::TIME_LIMIT));
    } else if run.code != Some(2) {
        problems.push(match run.code {
            Some(0) => "ACCEPTED (exit 0): the malformed file passed validation".to_string(),
            Some(c) => format!("exit code {c}, expected 2"),
            None => "killed by a signal (crash?), expected exit 2".to_string(),
        });
    }
    let crash = run.crash_signs();
    if !crash.is_empty() {
        problems.push(format!("stderr shows a crash: {crash:?}"));
    }
    let diags = run.diagnostics();
    // The header line must count the problem lines that follow it.
    let header = run
        .stderr
        .lines()
        .find(|l| l.starts_with("error: the scenario has "));
    match header {
        None => problems.push("no `error: the scenario has N problems:` line".into()),
        Some(h) => {
            let n: Option<usize> = h
                .trim_start_matches("error: the scenario has ")
                .split(' ')
                .next()
                .and_then(|n| n.parse().ok());
            if n != Some(diags.len()) {
                problems.push(format!("header {h:?} but {} diagnostic lines", diags.len()));
            }
        }
    }
    let origin = file.display().to_string();
    for d in &diags {
        if d.origin != origin {
            problems.push(format!(
                "diagnostic names origin {:?}, expected {origin:?}",
                d.origin
            ));
        }
    }
    for e in expects {
        let hit = diags
            .iter()
            .any(|d| d.line == e.line && e.paths.contains(&d.path));
        if !hit {
            problems.push(format!(
                "no diagnostic at line {} naming `{}`",
                e.line,
                e.paths.join("` or `")
            ));
        }
    }
    problems
}

#[test]
fn every_malformed_file_is_rejected_at_the_right_line_and_key() {
    let dir = root().join("tests/malformed");
    let mut files: Vec<PathBuf> = fs::read_dir(&dir)
        .expect("tests/malformed exists")
        .map(|e| e.expect("readable dir entry").path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    assert!(
        files.len() >= MIN_CORPUS,
        "only {} files in {}",
        files.len(),
        dir.display()
    );
    for (name, _) in NO_COMMENT {
        assert!(
            dir.join(name).is_file(),
            "NO_COMMENT lists {name}, which is not in tests/malformed"
        );
    }

    let mut failures = Vec::new();
    for file in &files {
        let rel = file.strip_prefix(root()).unwrap_or(file).to_path_buf();
        let expects = match expectations(file) {
            Ok(e) => e,
            Err(why) => {
                failures.push(format!("{}: {why}", rel.display()));
                continue;
            }
        };
        let run = validate(&rel, &[]);
        let problems = rejection_problems(&rel, &run, &expects);
        if !problems.is_empty() {
            failures.push(format!(
                "{}:\n  - {}\n  {}",
                rel.display(),
                problems.join("\n  - "),
                run.dump()
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} malformed files were not rejected as expected:\n\n{}",
        failures.len(),
        files.len(),
        failures.join("\n\n")
    );
}

/// Counts the distribution tables (`dist = "…"`) outside comments.
fn count_distributions(text: &str) -> usize {
    text.lines()
        .map(|l| l.split('#').next().unwrap_or(""))
        .map(|l| l.matches("dist =").count() + l.matches("dist=").count())
        .sum()
}

fn assert_valid_table(file: &Path, expected_inputs: Option<&[&str]>) -> common::Table {
    let run = validate(file, &[]);
    assert_eq!(run.code, Some(0), "{}", run.dump());
    assert!(
        run.stderr.trim().is_empty(),
        "a valid file printed to stderr:\n{}",
        run.dump()
    );
    let table = parse_table(&run.stdout).unwrap_or_else(|e| panic!("{e}\n{}", run.dump()));
    assert_eq!(
        table.header,
        ["input", "distribution", "p5", "p50", "p95"],
        "{}",
        run.dump()
    );
    let text = fs::read_to_string(root().join(file)).unwrap();
    assert_eq!(
        table.rows.len(),
        count_distributions(&text),
        "one row per distribution input:\n{}",
        run.dump()
    );
    for r in &table.rows {
        assert!(
            r.p5 <= r.p50 && r.p50 <= r.p95,
            "quantiles out of order in {r:?}"
        );
    }
    let names: BTreeSet<&str> = table.rows.iter().map(|r| r.input.as_str()).collect();
    assert_eq!(
        names.len(),
        table.rows.len(),
        "an input is listed twice:\n{}",
        run.dump()
    );
    if let Some(expected) = expected_inputs {
        let got: Vec<&str> = table.rows.iter().map(|r| r.input.as_str()).collect();
        assert_eq!(got, expected, "{}", run.dump());
    }
    table
}

#[test]
fn valid_minimal_prints_one_row_per_distribution() {
    let t = assert_valid_table(
        Path::new("tests/fixtures/minimal.toml"),
        Some(&[
            "demand.growth",
            "providers.azure.price",
            "terms.rofr.0.exercise_probability",
            "agi.year",
        ]),
    );
    let price = t
        .rows
        .iter()
        .find(|r| r.input == "providers.azure.price")
        .unwrap();
    assert!(price.distribution.starts_with("triangular"), "{price:?}");
    assert!(
        (price.p50 - 12.0).abs() < 1e-9,
        "triangular(10, 12, 14) has median 12: {price:?}"
    );
}

#[test]
fn valid_baseline_prints_one_row_per_distribution() {
    assert_valid_table(Path::new("scenarios/baseline.toml"), None);
}

fn tmp_scenario(text: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("scenario.toml");
    fs::write(&path, text).unwrap();
    (dir, path)
}

fn diag_at(diags: &[Diag], line: usize, path: &str) -> bool {
    diags.iter().any(|d| d.line == line && d.path == path)
}

/// Three unrelated mistakes in three sections are all reported in one run.
#[test]
fn every_problem_is_reported_at_once_independent_sections() {
    let base = fs::read_to_string(fixture()).unwrap();
    let text = base
        .replacen("volatility = 0.1", "volatillity = 0.1", 1)
        .replacen("end = \"2027-12\"", "end = \"2027-13\"", 1)
        .replacen("probability = 0.8", "probability = 1.2", 1);
    let line_of = |s: &str| text[..text.find(s).unwrap()].matches('\n').count() + 1;
    let (_dir, path) = tmp_scenario(&text);
    let run = validate(&path, &[]);
    assert_eq!(run.code, Some(2), "{}", run.dump());
    assert!(
        run.stderr
            .starts_with("error: the scenario has 3 problems:"),
        "{}",
        run.dump()
    );
    let d = run.diagnostics();
    assert!(
        diag_at(&d, line_of("volatillity"), "demand.volatillity"),
        "{}",
        run.dump()
    );
    assert!(
        diag_at(&d, line_of("\"2027-13\""), "time.end"),
        "{}",
        run.dump()
    );
    assert!(
        diag_at(
            &d,
            line_of("probability = 1.2"),
            "providers.oracle.tranches.0.probability"
        ),
        "{}",
        run.dump()
    );
}

/// The corpus file with three mistakes, one of them in [[terms.rofr]]
/// (which refers to providers): a bad provider price must not hide the
/// unknown ROFR holder.
#[test]
fn every_problem_is_reported_at_once_across_references() {
    let file = Path::new("tests/malformed/three_mistakes.toml");
    let run = validate(file, &[]);
    assert_eq!(run.code, Some(2), "{}", run.dump());
    let d = run.diagnostics();
    let missing: Vec<&str> = [
        (6, "seeed"),
        (34, "providers.oracle.price"),
        (50, "terms.rofr.0.holder"),
    ]
    .into_iter()
    .filter(|(l, p)| !diag_at(&d, *l, p))
    .map(|(_, p)| p)
    .collect();
    assert!(
        missing.is_empty(),
        "not reported: {missing:?}\n{}",
        run.dump()
    );
}

// ---------------------------------------------------------------- --set

fn ok_table(run: &Run) -> common::Table {
    assert_eq!(run.code, Some(0), "{}", run.dump());
    parse_table(&run.stdout).unwrap_or_else(|e| panic!("{e}\n{}", run.dump()))
}

fn row<'t>(t: &'t common::Table, input: &str) -> Option<&'t common::Row> {
    t.rows.iter().find(|r| r.input == input)
}

#[test]
fn set_by_name_replaces_a_value() {
    // A constant: the input leaves the table of uncertain inputs.
    let t = ok_table(&validate(&fixture(), &["providers.azure.price=5"]));
    assert!(row(&t, "providers.azure.price").is_none(), "{t:?}");
    assert_eq!(t.rows.len(), 3);
    // A distribution: the table shows the new one.
    let t = ok_table(&validate(
        &fixture(),
        &[r#"providers.azure.price={dist="uniform",min=4,max=6}"#],
    ));
    let r = row(&t, "providers.azure.price").expect("row for providers.azure.price");
    assert!(r.distribution.starts_with("uniform"), "{r:?}");
    assert!(
        (r.p50 - 5.0).abs() < 1e-9 && (r.p5 - 4.1).abs() < 1e-9,
        "{r:?}"
    );
}

#[test]
fn set_a_distribution_with_truncate() {
    let t = ok_table(&validate(
        &fixture(),
        &[r#"demand.growth={dist="normal",mean=0.5,sd=0.1,truncate=[0,2]}"#],
    ));
    let r = row(&t, "demand.growth").expect("row for demand.growth");
    assert!(
        r.distribution.contains("normal") && r.distribution.contains("trunc"),
        "{r:?}"
    );
    assert!((r.p50 - 0.5).abs() < 1e-3, "{r:?}");
}

#[test]
fn set_a_distribution_outside_the_domain_is_rejected() {
    // An annual rate must be > -1; an untruncated normal can draw anything.
    let run = validate(
        &fixture(),
        &[r#"demand.growth={dist="normal",mean=0.5,sd=0.1}"#],
    );
    assert_eq!(run.code, Some(2), "{}", run.dump());
    assert!(
        run.diagnostics()
            .iter()
            .any(|d| d.origin == "--set demand.growth" && d.path == "demand.growth"),
        "{}",
        run.dump()
    );
    assert!(run.crash_signs().is_empty(), "{}", run.dump());
}

#[test]
fn set_by_index() {
    // A list element without a name is addressed by its index…
    let t = ok_table(&validate(
        &fixture(),
        &["terms.rofr.0.exercise_probability=0.9"],
    ));
    assert!(
        row(&t, "terms.rofr.0.exercise_probability").is_none(),
        "{t:?}"
    );
    let t = ok_table(&validate(
        &fixture(),
        &[r#"terms.rofr.0.exercise_probability={dist="uniform",min=0.2,max=0.4}"#],
    ));
    let r = row(&t, "terms.rofr.0.exercise_probability").expect("row");
    assert!((r.p50 - 0.3).abs() < 1e-9, "{r:?}");
    // …and a named one by its index too, but it is still reported by name.
    let t = ok_table(&validate(
        &fixture(),
        &[r#"providers.1.price={dist="uniform",min=10,max=12}"#],
    ));
    let r = row(&t, "providers.oracle.price").expect("providers.1 is oracle, listed by name");
    assert!((r.p50 - 11.0).abs() < 1e-9, "{r:?}");
}

#[test]
fn set_a_nested_path_by_name() {
    let t = ok_table(&validate(
        &fixture(),
        &[r#"providers.oracle.tranches.0.probability={dist="uniform",min=0.5,max=0.9}"#],
    ));
    let r = row(&t, "providers.oracle.tranches.0.probability").expect("row");
    assert!((r.p50 - 0.7).abs() < 1e-9, "{r:?}");
    // Several overrides at once, including a month as a bare word.
    let run = validate(
        &fixture(),
        &[
            "providers.oracle.tranches.0.online=2027-01",
            "providers.azure.price=5",
        ],
    );
    let t = ok_table(&run);
    assert!(row(&t, "providers.azure.price").is_none(), "{}", run.dump());
}

#[test]
fn set_a_nonexistent_path_suggests_the_nearest() {
    let run = validate(&fixture(), &["demand.growht=1"]);
    assert_eq!(run.code, Some(2), "{}", run.dump());
    let d = run.diagnostics();
    assert!(
        d.iter().any(|d| d.origin == "--set demand.growht"
            && d.path == "demand.growht"
            && d.message.contains("demand.growth")),
        "expected a --set diagnostic suggesting demand.growth:\n{}",
        run.dump()
    );
}

#[test]
fn set_a_value_that_is_not_toml_names_the_set() {
    let run = validate(&fixture(), &["demand.growth=["]);
    assert_eq!(run.code, Some(2), "{}", run.dump());
    assert!(run.crash_signs().is_empty(), "{}", run.dump());
    assert!(
        run.diagnostics()
            .iter()
            .any(|d| d.origin == "--set demand.growth" && d.path == "demand.growth"),
        "{}",
        run.dump()
    );
}

#[test]
fn set_an_out_of_range_value_is_rejected() {
    let run = validate(&fixture(), &["terms.rofr.0.exercise_probability=1.5"]);
    assert_eq!(run.code, Some(2), "{}", run.dump());
    assert!(
        run.diagnostics()
            .iter()
            .any(|d| d.origin == "--set terms.rofr.0.exercise_probability"
                && d.path == "terms.rofr.0.exercise_probability"),
        "{}",
        run.dump()
    );
}

#[test]
fn set_without_equals_is_bad_usage() {
    let run = validate(&fixture(), &["demand.growth"]);
    assert_eq!(run.code, Some(2), "{}", run.dump());
    assert!(run.stderr.contains("key.path=VALUE"), "{}", run.dump());
}

// ------------------------------------------------------- usage and help

/// A scenario file that does not exist is bad usage (exit 2), with a clear
/// message naming the file.
#[test]
fn missing_scenario_file() {
    let run = rofrsim(["validate", "tests/fixtures/no_such_scenario.toml"]);
    assert_eq!(run.code, Some(2), "{}", run.dump());
    assert!(run.crash_signs().is_empty(), "{}", run.dump());
    assert!(run.stdout.is_empty(), "{}", run.dump());
    assert!(
        run.stderr.contains("no_such_scenario.toml"),
        "the message names the file:\n{}",
        run.dump()
    );
    assert!(
        run.stderr.to_lowercase().contains("no such file"),
        "the message says why:\n{}",
        run.dump()
    );
}

/// A folder given as the scenario is bad usage like a missing file (exit
/// 2, the folder named), for every command that reads a scenario.
#[test]
fn a_folder_as_the_scenario_is_bad_usage() {
    let out = tempfile::tempdir().expect("temp dir");
    let out = out.path().join("never");
    let o = out.to_str().expect("utf-8 path");
    for args in [
        vec!["validate", "tests/fixtures"],
        vec!["run", "tests/fixtures", "--trials", "2", "--out", o],
        vec!["sweep", "tests/fixtures", "--vary", "seed=1,2", "--out", o],
    ] {
        let run = rofrsim(&args);
        assert_eq!(run.code, Some(2), "{args:?}\n{}", run.dump());
        assert!(run.crash_signs().is_empty(), "{}", run.dump());
        assert!(
            run.stderr.contains("tests/fixtures") && run.stderr.contains("is a folder"),
            "{args:?}: the message names the folder and says why\n{}",
            run.dump()
        );
    }
    assert!(!out.exists(), "nothing is written");
}

/// A reader that closes its end of the pipe (`rofrsim … | head -0`) ends
/// the command normally: exit 0 and nothing on stderr, not a panic (exit
/// 101). The pipe has no reader from the start, so every write fails with
/// EPIPE, whatever the timing.
#[test]
fn a_closed_stdout_is_a_normal_end() {
    let out = tempfile::tempdir().expect("temp dir");
    let folder = out.path().join("run");
    let f = folder.to_str().expect("utf-8 path");
    for args in [
        vec!["validate", "scenarios/baseline.toml"],
        vec![
            "run",
            "tests/fixtures/minimal.toml",
            "--trials",
            "20",
            "--out",
            f,
            "-q",
            "--report",
        ],
        vec!["sensitivity", f],
    ] {
        let (reader, writer) = std::io::pipe().expect("pipe");
        drop(reader);
        let child = std::process::Command::new(bin())
            .args(&args)
            .current_dir(root())
            .stdin(std::process::Stdio::null())
            .stdout(writer)
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("start rofrsim");
        let done = child.wait_with_output().expect("wait");
        let stderr = String::from_utf8_lossy(&done.stderr);
        assert_eq!(done.status.code(), Some(0), "{args:?}: {stderr}");
        assert!(stderr.is_empty(), "{args:?}: {stderr}");
    }
    assert!(
        folder.join("trials.csv").is_file(),
        "the run still wrote its folder"
    );
    assert!(
        folder.join("report.html").is_file(),
        "--report is drawn whether or not anyone reads stdout"
    );
}

/// A closed stderr does not turn progress or an error message into a
/// panic: the exit code still tells, and the work is done.
#[test]
fn a_closed_stderr_is_not_a_panic() {
    let out = tempfile::tempdir().expect("temp dir");
    let sweep = out.path().join("sweep");
    let w = sweep.to_str().expect("utf-8 path");
    for (args, code) in [
        (vec!["validate", "tests/fixtures/no_such_scenario.toml"], 2),
        (
            // Not --quiet: it writes a progress line per combination.
            vec![
                "sweep",
                "tests/fixtures/minimal.toml",
                "--vary",
                "seed=1,2",
                "--trials",
                "10",
                "--out",
                w,
            ],
            0,
        ),
    ] {
        let (reader, writer) = std::io::pipe().expect("pipe");
        drop(reader);
        let done = std::process::Command::new(bin())
            .args(&args)
            .current_dir(root())
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(writer)
            .status()
            .expect("run rofrsim");
        assert_eq!(done.code(), Some(code), "{args:?}");
    }
    assert!(
        sweep.join("sweep.csv").is_file(),
        "the sweep still wrote its folder"
    );
}

#[test]
fn help_exits_zero() {
    let run = rofrsim(["--help"]);
    assert_eq!(run.code, Some(0), "{}", run.dump());
    assert!(run.stdout.contains("validate"), "{}", run.dump());
    let run = rofrsim(["validate", "--help"]);
    assert_eq!(run.code, Some(0), "{}", run.dump());
    assert!(run.stdout.contains("--set"), "{}", run.dump());
}

#[test]
fn no_arguments_is_bad_usage() {
    let run = rofrsim(Vec::<String>::new());
    assert_eq!(run.code, Some(2), "{}", run.dump());
    let run = rofrsim(["validate"]);
    assert_eq!(run.code, Some(2), "{}", run.dump());
}

/// The seed is an integer and must be kept exactly: above 2^53 a detour
/// through f64 would silently change it (and with it every random number).
#[test]
fn large_seed_is_kept_exactly() {
    for seed in ["9007199254740993", "9223372036854775807"] {
        let run = validate(&fixture(), &[&format!("seed={seed}")]);
        assert_eq!(run.code, Some(0), "{}", run.dump());
        assert!(
            run.stdout.contains(&format!("seed {seed}\n")),
            "seed {seed} not printed exactly:\n{}",
            run.dump()
        );
    }
}
