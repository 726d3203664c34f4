//! `rofrsim run` end to end: the real binary in temporary folders.
//! Determinism across thread counts and seeds, common random numbers,
//! failed and interrupted runs, and the shape of every output file
//! (docs/model.md, "Randomness and reproducibility"; docs/outputs.md;
//! docs/commands.md).
//!
//! The checks by `tests/csv_check.py` (every cell as a spreadsheet reads
//! it) need python3: they are separate tests, `#[ignore]`d for plain `cargo
//! test`, that fail without python3; `.ci/run` runs them with `cargo test --
//! --include-ignored`.

use std::collections::{BTreeMap, BTreeSet};
use std::ffi::OsString;
use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use rofrsim::scenario::{Override, Uncertain};

mod common;
use common::Csv;

/// A run taking longer than this fails the test instead of hanging it.
const TIME_LIMIT: Duration = Duration::from_secs(300);

// ---------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn scenario(name: &str) -> PathBuf {
    root().join("scenarios").join(name)
}

fn tempdir() -> tempfile::TempDir {
    tempfile::Builder::new()
        .prefix("rofrsim-run-cli-")
        .tempdir()
        .expect("create a temporary folder")
}

#[derive(Debug)]
struct Run {
    args: Vec<String>,
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

impl Run {
    fn dump(&self) -> String {
        format!(
            "rofrsim {}\n  exit: {:?}\n  stdout: {}\n  stderr: {}",
            self.args.join(" "),
            self.code,
            self.stdout.trim_end(),
            self.stderr.trim_end()
        )
    }

    fn assert_ok(&self) {
        assert_eq!(self.code, Some(0), "the run failed:\n{}", self.dump());
    }

    fn assert_clean_error(&self) {
        for sign in ["panicked", "RUST_BACKTRACE", "stack backtrace"] {
            assert!(
                !self.stderr.contains(sign),
                "stderr shows a panic:\n{}",
                self.dump()
            );
        }
        assert!(
            self.stderr.trim_start().starts_with("error"),
            "stderr should be one clear error message:\n{}",
            self.dump()
        );
    }
}

fn spawn(args: &[OsString]) -> Child {
    Command::new(env!("CARGO_BIN_EXE_rofrsim"))
        .args(args)
        .current_dir(root())
        .env_remove("RUST_BACKTRACE")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start the rofrsim binary")
}

/// Waits for a child with [`TIME_LIMIT`], collecting its output.
fn finish(mut child: Child, args: &[OsString]) -> Run {
    let mut out = child.stdout.take().expect("stdout piped");
    let mut err = child.stderr.take().expect("stderr piped");
    let out_t = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = out.read_to_string(&mut s);
        s
    });
    let err_t = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = err.read_to_string(&mut s);
        s
    });
    let deadline = Instant::now() + TIME_LIMIT;
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for rofrsim") {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("rofrsim {args:?} ran longer than {TIME_LIMIT:?}");
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    Run {
        args: args
            .iter()
            .map(|a| a.to_string_lossy().into_owned())
            .collect(),
        code: status.code(),
        stdout: out_t.join().unwrap_or_default(),
        stderr: err_t.join().unwrap_or_default(),
    }
}

fn os_args<A: AsRef<std::ffi::OsStr>>(args: &[A]) -> Vec<OsString> {
    args.iter().map(|a| a.as_ref().to_os_string()).collect()
}

/// Runs `rofrsim ARGS…` to completion.
fn rofrsim<A: AsRef<std::ffi::OsStr>>(args: &[A]) -> Run {
    let args = os_args(args);
    finish(spawn(&args), &args)
}

/// `rofrsim run SCENARIO --trials N --out OUT --quiet EXTRA…`, which must succeed.
fn run_ok(scenario: &Path, trials: u64, out: &Path, extra: &[&str]) -> Run {
    let mut args = os_args(&["run".as_ref(), scenario.as_os_str()]);
    args.extend(os_args(&["--trials", &trials.to_string(), "--quiet"]));
    args.push("--out".into());
    args.push(out.into());
    args.extend(os_args(extra));
    let r = finish(spawn(&args), &args);
    r.assert_ok();
    r
}

/// Every file under `dir`, recursively (hidden ones included).
fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let Ok(entries) = fs::read_dir(dir) else {
        return out;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            out.push(p.clone());
            out.extend(files_under(&p));
        } else {
            out.push(p);
        }
    }
    out.sort();
    out
}

/// Path → bytes of every file under `dir` (a snapshot to compare).
fn snapshot(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    files_under(dir)
        .into_iter()
        .map(|p| {
            let bytes = if p.is_dir() {
                b"<dir>".to_vec()
            } else {
                fs::read(&p).expect("read a file")
            };
            (p, bytes)
        })
        .collect()
}

/// Entries left in `parent` that look like a run's debris: CSVs, manifests
/// or hidden partial / old folders.
fn debris(parent: &Path) -> Vec<PathBuf> {
    files_under(parent)
        .into_iter()
        .filter(|p| {
            let name = p.file_name().unwrap_or_default().to_string_lossy();
            name.ends_with(".csv")
                || name == "manifest.json"
                || name.contains("rofrsim-partial")
                || name.contains("rofrsim-old")
        })
        .collect()
}

const CSVS: [&str; 5] = [
    "trials.csv",
    "summary.csv",
    "timeseries.csv",
    "timeseries_wide.csv",
    "paths.csv",
];

fn assert_same_files(a: &Path, b: &Path, files: &[&str], what: &str) {
    for f in files {
        let x = fs::read(a.join(f)).unwrap_or_else(|e| panic!("read {f} in {}: {e}", a.display()));
        let y = fs::read(b.join(f)).unwrap_or_else(|e| panic!("read {f} in {}: {e}", b.display()));
        if x != y {
            let (xs, ys) = (String::from_utf8_lossy(&x), String::from_utf8_lossy(&y));
            let line = xs
                .lines()
                .zip(ys.lines())
                .position(|(l, r)| l != r)
                .map_or(xs.lines().count().min(ys.lines().count()), |i| i);
            panic!(
                "{what}: {f} differs ({} vs {} bytes), first at line {}:\n  {}\n  {}",
                x.len(),
                y.len(),
                line + 1,
                xs.lines().nth(line).unwrap_or("<eof>"),
                ys.lines().nth(line).unwrap_or("<eof>")
            );
        }
    }
}

fn is_date(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit())
        && (1..=12).contains(&s[5..7].parse::<u32>().unwrap_or(0))
        && (1..=31).contains(&s[8..10].parse::<u32>().unwrap_or(0))
}

// ---------------------------------------------------------------------------
// Determinism
// ---------------------------------------------------------------------------

/// Beyond the in-memory limit the outcome columns spill to files in the
/// staging folder; every output must be byte-identical to the in-memory run
/// and the spill files gone from the final folder.
#[test]
fn spilled_columns_give_identical_outputs() {
    let tmp = tempdir();
    let base = scenario("baseline.toml");
    let extra = [
        "--paths",
        "3",
        "--target",
        "unmet_share<=0.3",
        "--seed",
        "9",
    ];
    let memory = tmp.path().join("memory");
    run_ok(&base, 2500, &memory, &extra);
    let spilled = tmp.path().join("spilled");
    let mut args = os_args(&["run".as_ref(), base.as_os_str()]);
    args.extend(os_args(&["--trials", "2500", "--quiet", "--out"]));
    args.push(spilled.clone().into());
    args.extend(os_args(&extra));
    // 2500 trials × 32 metrics × 8 bytes = 640,000 bytes: far beyond 4096.
    let child = Command::new(env!("CARGO_BIN_EXE_rofrsim"))
        .args(&args)
        .current_dir(root())
        .env("ROFRSIM_COLUMNS_IN_MEMORY", "4096")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start the rofrsim binary");
    finish(child, &args).assert_ok();
    assert_same_files(
        &memory,
        &spilled,
        &[
            "trials.csv",
            "summary.csv",
            "timeseries.csv",
            "timeseries_wide.csv",
            "paths.csv",
            "sensitivity.csv",
        ],
        "columns in memory vs spilled",
    );
    let names = |dir: &Path| {
        let mut v: Vec<PathBuf> = files_under(dir)
            .into_iter()
            .map(|p| p.strip_prefix(dir).unwrap().to_path_buf())
            .collect();
        v.sort();
        v
    };
    assert_eq!(
        names(&memory),
        names(&spilled),
        "the spill files are removed"
    );
    let manifest = |dir: &Path| fs::read_to_string(dir.join("manifest.json")).unwrap();
    assert!(manifest(&memory).contains("\"summary_columns\": \"in memory"));
    assert!(
        manifest(&spilled).contains("\"summary_columns\": \"spilled to disk"),
        "the run did spill"
    );
}

#[test]
fn outputs_do_not_depend_on_threads_and_follow_the_seed() {
    let tmp = tempdir();
    let base = scenario("baseline.toml");
    // 6,500 trials = seven 1024-trial chunks, the last short: on one
    // thread, more chunks than a wave (4 a thread), so later chunks reuse
    // the blocks and result buffers of earlier ones. Paths of the first
    // 1030 trials span the first chunk boundary.
    let paths = ["--paths", "1030"];
    let many = 6500;
    let one = tmp.path().join("threads1");
    let two = tmp.path().join("threads2");
    let again = tmp.path().join("again");
    let other = tmp.path().join("other_seed");
    run_ok(
        &base,
        many,
        &one,
        &[&paths[..], &["--threads", "1", "--seed", "5"]].concat(),
    );
    run_ok(
        &base,
        many,
        &two,
        &[&paths[..], &["--threads", "2", "--seed", "5"]].concat(),
    );
    assert_same_files(&one, &two, &CSVS, "--threads 1 vs --threads 2");
    run_ok(
        &base,
        many,
        &again,
        &[&paths[..], &["--threads", "2", "--seed", "5"]].concat(),
    );
    assert_same_files(&two, &again, &CSVS, "the same seed twice");
    run_ok(&base, 3000, &other, &["--threads", "2", "--seed", "6"]);
    assert_ne!(
        fs::read(two.join("trials.csv")).unwrap(),
        fs::read(other.join("trials.csv")).unwrap(),
        "seeds 5 and 6 gave the same trials.csv"
    );
    // Trial i depends only on (seed, i): a shorter run is a prefix.
    let short = tmp.path().join("short");
    run_ok(&base, 1500, &short, &["--threads", "2", "--seed", "5"]);
    let long = fs::read_to_string(two.join("trials.csv")).unwrap();
    let short = fs::read_to_string(short.join("trials.csv")).unwrap();
    assert!(
        long.starts_with(&short),
        "the first 1500 trials of a 6500-trial run differ from a 1500-trial run"
    );
}

#[test]
fn scaling_an_input_multiplies_every_draw_and_the_manifest_repeats_it() {
    let tmp = tempdir();
    let file = scenario("baseline.toml");
    let (plain, scaled, again) = (
        tmp.path().join("plain"),
        tmp.path().join("scaled"),
        tmp.path().join("again"),
    );
    run_ok(&file, 300, &plain, &[]);
    let sets = [
        "--set",
        "providers.azure.growth*=2",
        "--set",
        "demand.initial_gw+=0.5",
    ];
    run_ok(&file, 300, &scaled, &sets);
    let a = Csv::read(&plain.join("trials.csv"));
    let b = Csv::read(&scaled.join("trials.csv"));
    let doubled: Vec<f64> = a
        .numbers("providers.azure.growth")
        .iter()
        .map(|x| x * 2.0)
        .collect();
    assert_eq!(b.numbers("providers.azure.growth"), doubled);
    let shifted: Vec<f64> = a
        .numbers("demand.initial_gw")
        .iter()
        .map(|x| x + 0.5)
        .collect();
    assert_eq!(b.numbers("demand.initial_gw"), shifted);
    // Every other input keeps its draws: the what-if is paired.
    assert_eq!(
        a.numbers("providers.oracle.growth"),
        b.numbers("providers.oracle.growth")
    );
    let manifest = fs::read_to_string(scaled.join("manifest.json")).unwrap();
    assert!(
        manifest.contains("\"providers.azure.growth*=2\"")
            && manifest.contains("\"demand.initial_gw+=0.5\""),
        "{manifest}"
    );
    let args = os_args(&[
        "run".as_ref(),
        "--from-manifest".as_ref(),
        scaled.join("manifest.json").as_os_str(),
        "--out".as_ref(),
        again.as_os_str(),
        "--quiet".as_ref(),
    ]);
    finish(spawn(&args), &args).assert_ok();
    assert_eq!(
        fs::read(scaled.join("trials.csv")).unwrap(),
        fs::read(again.join("trials.csv")).unwrap()
    );
}

#[test]
fn a_label_names_the_run_its_default_folder_and_its_repeat() {
    let tmp = tempdir();
    let file = scenario("baseline.toml").display().to_string();
    let run = |args: &[&str]| {
        let mut all = vec!["run", file.as_str(), "--trials", "50", "--threads", "1"];
        all.extend(args);
        let r = common::rofrsim_in(tmp.path(), &all);
        assert_eq!(r.code, Some(0), "{}", r.dump());
        r
    };
    // Without --label: the name and the overrides, folder named after them.
    let r = run(&["--set", "providers.azure.growth*=2"]);
    assert!(
        r.stdout.starts_with("baseline (azure.growth×2): 50 trials"),
        "{}",
        r.dump()
    );
    let folder = tmp.path().join("output/baseline-azure.growth-x2");
    let manifest = fs::read_to_string(folder.join("manifest.json")).unwrap();
    assert!(
        manifest.contains(r#""label": "baseline (azure.growth×2)""#),
        "{manifest}"
    );
    assert!(
        !manifest.contains("--label"),
        "a default label is not repeated: {manifest}"
    );
    // With --label: that name, its folder, and the manifest repeats it.
    let r = run(&[
        "--label",
        "Azure twice as fast",
        "--set",
        "providers.azure.growth*=2",
    ]);
    assert!(
        r.stdout.starts_with("Azure twice as fast: 50 trials"),
        "{}",
        r.dump()
    );
    let folder = tmp.path().join("output/Azure-twice-as-fast");
    let manifest = fs::read_to_string(folder.join("manifest.json")).unwrap();
    assert!(
        manifest.contains(r#""label": "Azure twice as fast""#)
            && manifest.contains("--label 'Azure twice as fast'"),
        "{manifest}"
    );
    let again = tmp.path().join("again");
    let r = common::rofrsim_in(
        tmp.path(),
        [
            "run",
            "--from-manifest",
            &folder.display().to_string(),
            "--out",
            &again.display().to_string(),
        ],
    );
    assert!(
        r.stdout.starts_with("Azure twice as fast: 50 trials"),
        "{}",
        r.dump()
    );
    for bad in ["", "  ", "two\nlines"] {
        let r = common::rofrsim_in(tmp.path(), ["run", file.as_str(), "--label", bad]);
        assert_eq!(r.code, Some(2), "{bad:?}: {}", r.dump());
        assert!(
            r.stderr.contains("expected a name for the run"),
            "{}",
            r.dump()
        );
    }
}

#[test]
fn a_run_prints_each_target_with_its_interval() {
    let tmp = tempdir();
    let out = tmp.path().join("t");
    let r = run_ok(
        &scenario("baseline.toml"),
        400,
        &out,
        &[
            "--target",
            "unmet_share<=0.1",
            "--target",
            "ip_expiry_year<2030",
        ],
    );
    let summary = Csv::read(&out.join("summary.csv"));
    let row = summary.summary_row("target:unmet_share<=0.1");
    let (p, n): (f64, f64) = (row["mean"].parse().unwrap(), row["n"].parse().unwrap());
    // The Wilson interval, computed here from the summary's share and n.
    let z = 1.959_963_984_540_054_f64;
    let (c, h) = (
        (p + z * z / (2.0 * n)) / (1.0 + z * z / n),
        z / (1.0 + z * z / n) * (p * (1.0 - p) / n + z * z / (4.0 * n * n)).sqrt(),
    );
    let line = format!(
        "  {:<44} {:.1} %  [95 % CI {:.1} %, {:.1} %]  of {n} trials\n",
        "P(unmet_share<=0.1)",
        p * 100.0,
        (c - h) * 100.0,
        (c + h) * 100.0
    );
    assert!(r.stdout.contains(&line), "{line:?} not in:\n{}", r.dump());
    // A target no trial meets (the IP rights end at the 2033 sunset in
    // every baseline trial) still has an interval: up to z²/(n + z²).
    let line = format!(
        "  {:<44} 0.0 %  [95 % CI 0.0 %, {:.1} %]  of 400 trials\n",
        "P(ip_expiry_year<2030)",
        z * z / (400.0 + z * z) * 100.0
    );
    assert!(r.stdout.contains(&line), "{line:?} not in:\n{}", r.dump());
    // The NPV's drivers are sensitivity.csv's top three for that outcome.
    let sensitivity = Csv::read(&out.join("sensitivity.csv"));
    let drivers: Vec<String> = sensitivity
        .rows
        .iter()
        .filter(|row| row[sensitivity.col("metric")] == "microsoft_value_npv_usd_bn")
        .take(3)
        .map(|row| row[sensitivity.col("input")].clone())
        .collect();
    let printed: Vec<&str> = r
        .stdout
        .lines()
        .skip_while(|l| !l.contains("Drivers of Microsoft NPV"))
        .take(3)
        .map(|l| l[47..].split_whitespace().next().unwrap_or(""))
        .collect();
    assert_eq!(printed, drivers, "{}", r.dump());
}

#[test]
fn common_random_numbers_across_an_exercise_probability() {
    let tmp = tempdir();
    let file = scenario("seed_terms.toml");
    let low = tmp.path().join("p01");
    let high = tmp.path().join("p09");
    // Offers are of new capacity: the scenario signs some, whatever its
    // calibration.
    let signs = "new_capacity.lead_time_months=18";
    run_ok(
        &file,
        2000,
        &low,
        &[
            "--set",
            "terms.rofr.0.exercise_probability=0.1",
            "--set",
            signs,
        ],
    );
    run_ok(
        &file,
        2000,
        &high,
        &[
            "--set",
            "terms.rofr.0.exercise_probability=0.9",
            "--set",
            signs,
        ],
    );
    let a = Csv::read(&low.join("trials.csv"));
    let b = Csv::read(&high.join("trials.csv"));
    assert_eq!(a.header, b.header);
    assert_eq!(a.rows.len(), 2000);
    assert_eq!(b.rows.len(), 2000);
    // Every draw that does not hang on the ROFR decisions is shared: the
    // sampled inputs, demand, and the AGI process (date mode).
    let first_outcome = a.col("agi_declared");
    let mut shared: Vec<&str> = a.header[..first_outcome]
        .iter()
        .map(String::as_str)
        .collect();
    shared.extend(["agi_declared", "agi_verified", "demand_gw_end"]);
    for name in shared {
        let (x, y) = (a.column(name), b.column(name));
        if let Some(i) = (0..x.len()).find(|&i| x[i] != y[i]) {
            panic!(
                "{name} differs in trial {i} ({} vs {}): the ROFR probability leaked into another stream",
                x[i], y[i]
            );
        }
    }
    let declined = |c: &Csv| c.numbers("rofr_declined").iter().sum::<f64>();
    let offers = |c: &Csv| c.numbers("rofr_offers").iter().sum::<f64>();
    let (da, db) = (declined(&a), declined(&b));
    assert!(
        da > db,
        "declined offers: {da} at p = 0.1, {db} at p = 0.9 (expected more at 0.1)"
    );
    assert!(offers(&a) > 0.0 && offers(&b) > 0.0, "no ROFR offers made");
}

// ---------------------------------------------------------------------------
// Failed and interrupted runs
// ---------------------------------------------------------------------------

#[test]
fn an_unwritable_output_folder_fails_cleanly() {
    let tmp = tempdir();
    let file = tmp.path().join("a_file");
    fs::write(&file, "not a folder\n").unwrap();
    let cases: Vec<(PathBuf, PathBuf)> = vec![
        // /proc refuses new entries, even to root.
        (
            PathBuf::from("/proc/rofrsim-test/x"),
            PathBuf::from("/proc/rofrsim-test"),
        ),
        // The parent is a regular file.
        (file.join("out"), tmp.path().to_path_buf()),
        (file.join("deeper/out"), tmp.path().to_path_buf()),
    ];
    for (out, watch) in cases {
        let before = snapshot(tmp.path());
        let r = rofrsim(&[
            "run".as_ref(),
            scenario("baseline.toml").as_os_str(),
            "--trials".as_ref(),
            "50".as_ref(),
            "--quiet".as_ref(),
            "--out".as_ref(),
            out.as_os_str(),
        ]);
        assert!(
            matches!(r.code, Some(c) if c != 0),
            "expected a non-zero exit:\n{}",
            r.dump()
        );
        r.assert_clean_error();
        let shown = out
            .ancestors()
            .map(|p| p.display().to_string())
            .filter(|p| p.len() > 1)
            .any(|p| r.stderr.contains(&p));
        assert!(
            shown,
            "the message should name the folder it could not write:\n{}",
            r.dump()
        );
        assert!(
            r.stdout.trim().is_empty(),
            "stdout not empty:\n{}",
            r.dump()
        );
        assert!(!out.exists(), "{} exists after a failed run", out.display());
        if watch.starts_with("/proc") {
            assert!(!watch.exists());
        }
        assert_eq!(
            snapshot(tmp.path()),
            before,
            "the failed run changed the temporary folder"
        );
        assert!(debris(tmp.path()).is_empty());
    }
}

#[test]
fn an_existing_folder_needs_force() {
    let tmp = tempdir();
    let out = tmp.path().join("out");
    fs::create_dir(&out).unwrap();
    fs::write(out.join("notes.txt"), "keep me\n").unwrap();
    fs::write(out.join("trials.csv"), "old,contents\n1,2\n").unwrap();
    let before = snapshot(tmp.path());
    let args = |force: bool| {
        let mut a = os_args(&[
            "run".as_ref(),
            scenario("baseline.toml").as_os_str(),
            "--trials".as_ref(),
            "40".as_ref(),
            "--quiet".as_ref(),
            "--out".as_ref(),
            out.as_os_str(),
        ]);
        if force {
            a.push("--force".into());
        }
        a
    };
    let r = rofrsim(&args(false));
    assert_eq!(r.code, Some(2), "expected exit 2:\n{}", r.dump());
    r.assert_clean_error();
    assert!(
        r.stderr.contains("--force"),
        "the message should point at --force:\n{}",
        r.dump()
    );
    assert_eq!(
        snapshot(tmp.path()),
        before,
        "the refused run touched the folder"
    );

    let r = rofrsim(&args(true));
    r.assert_ok();
    assert!(
        !out.join("notes.txt").exists(),
        "--force kept an old file: the folder was merged, not replaced"
    );
    let trials = Csv::read(&out.join("trials.csv"));
    assert_eq!(trials.rows.len(), 40);
    for f in ["summary.csv", "timeseries.csv", "manifest.json"] {
        assert!(out.join(f).is_file(), "{f} missing after --force");
    }
    let left: Vec<PathBuf> = fs::read_dir(tmp.path())
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p != &out)
        .collect();
    assert!(
        left.is_empty(),
        "--force left entries beside the output: {left:?}"
    );
}

/// Starts a long run, signals it after a second, and checks nothing
/// partial is left; with `existing`, the destination existed beforehand
/// (and `--force` was given) and must come through intact.
fn interrupt(signal: &str, existing: bool) {
    let tmp = tempdir();
    let out = tmp.path().join("out");
    if existing {
        fs::create_dir(&out).unwrap();
        fs::write(out.join("trials.csv"), "trial\n0\n").unwrap();
        fs::write(out.join("notes.txt"), "old run\n").unwrap();
    }
    let before = snapshot(tmp.path());
    let mut args = os_args(&[
        "run".as_ref(),
        scenario("baseline.toml").as_os_str(),
        "--trials".as_ref(),
        "2000000".as_ref(),
        "--threads".as_ref(),
        "2".as_ref(),
        "--quiet".as_ref(),
        "--out".as_ref(),
        out.as_os_str(),
    ]);
    if existing {
        args.push("--force".into());
    }
    let mut child = spawn(&args);
    std::thread::sleep(Duration::from_secs(1));
    if let Some(status) = child.try_wait().unwrap() {
        let r = finish(child, &args);
        panic!("the run ended before the signal ({status}):\n{}", r.dump());
    }
    // The staging folder is being written while it runs.
    let partial: Vec<PathBuf> = files_under(tmp.path())
        .into_iter()
        .filter(|p| p.to_string_lossy().contains("rofrsim-partial"))
        .collect();
    let pid = child.id().to_string();
    let status = Command::new("kill")
        .args([&format!("-{signal}"), pid.as_str()])
        .status()
        .expect("run kill");
    assert!(status.success(), "kill -{signal} {pid} failed");
    let started = Instant::now();
    let r = finish(child, &args);
    let took = started.elapsed();
    assert!(
        matches!(r.code, Some(c) if c != 0),
        "expected a non-zero exit after SIG{signal} (not death by the signal):\n{}",
        r.dump()
    );
    r.assert_clean_error();
    assert!(
        r.stderr.contains("interrupt"),
        "the message should say the run was interrupted:\n{}",
        r.dump()
    );
    assert!(
        took < Duration::from_secs(30),
        "the run took {took:?} to stop after SIG{signal}"
    );
    if existing {
        assert_eq!(
            snapshot(tmp.path()),
            before,
            "the interrupted --force run changed the old output folder"
        );
    } else {
        assert!(
            !out.exists(),
            "the interrupted run left {}: {:?}",
            out.display(),
            files_under(&out)
        );
        assert_eq!(
            snapshot(tmp.path()).keys().collect::<Vec<_>>(),
            Vec::<&PathBuf>::new(),
            "the interrupted run left entries in the parent folder"
        );
    }
    let left = debris(tmp.path())
        .into_iter()
        .filter(|p| !existing || !p.starts_with(&out))
        .collect::<Vec<_>>();
    assert!(
        left.is_empty(),
        "the interrupted run left partial files: {left:?} (staging seen while running: {partial:?})"
    );
}

#[test]
fn sigint_leaves_nothing_behind() {
    interrupt("INT", false);
}

#[test]
fn sigterm_leaves_nothing_behind() {
    interrupt("TERM", false);
}

#[test]
fn sigint_keeps_the_old_folder_under_force() {
    interrupt("INT", true);
}

#[test]
fn sigterm_keeps_the_old_folder_under_force() {
    interrupt("TERM", true);
}

// ---------------------------------------------------------------------------
// Output files
// ---------------------------------------------------------------------------

/// Outcome columns of `trials.csv` as docs/outputs.md lists them, in order.
fn outcome_columns(providers: &[String]) -> Vec<String> {
    let mut v: Vec<String> = [
        "agi_declared",
        "agi_verified",
        "ip_expiry",
        "ip_expiry_cause",
        "ip_expiry_year",
        "ip_months",
        "demand_gw_end",
        "azure_share_end",
        "azure_share_cum",
        "unmet_share",
        "shortfall_months",
    ]
    .map(String::from)
    .to_vec();
    v.extend(providers.iter().map(|p| format!("gw_years_{p}")));
    v.push("unmet_gw_years".into());
    v.extend(providers.iter().map(|p| format!("signed_gw_{p}")));
    v.extend(providers.iter().map(|p| format!("spend_{p}_usd_bn")));
    v.extend(
        [
            "openai_revenue_usd_bn",
            "revenue_share_usd_bn",
            "microsoft_value_npv_usd_bn",
            "microsoft_margin_npv_usd_bn",
            "microsoft_revenue_share_npv_usd_bn",
            "rofr_offers",
            "rofr_declined",
        ]
        .map(String::from),
    );
    v
}

/// PERCENTILE.INC of sorted values.
fn percentile_inc(sorted: &[f64], p: f64) -> f64 {
    let h = (sorted.len() - 1) as f64 * p;
    let lo = h.floor() as usize;
    let hi = (lo + 1).min(sorted.len() - 1);
    sorted[lo] + (h - lo as f64) * (sorted[hi] - sorted[lo])
}

fn near(a: f64, b: f64, scale: f64) -> bool {
    (a - b).abs() <= 1e-9 * (a.abs().max(b.abs()).max(scale))
}

/// Splits a POSIX shell command line (single and double quotes, backslash).
fn shell_words(s: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut cur = String::new();
    let mut in_word = false;
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        match c {
            '\'' => {
                in_word = true;
                for c in chars.by_ref() {
                    if c == '\'' {
                        break;
                    }
                    cur.push(c);
                }
            }
            '"' => {
                in_word = true;
                while let Some(c) = chars.next() {
                    match c {
                        '"' => break,
                        '\\' => {
                            if let Some(n) = chars.next() {
                                cur.push(n);
                            }
                        }
                        c => cur.push(c),
                    }
                }
            }
            '\\' => {
                in_word = true;
                if let Some(n) = chars.next() {
                    cur.push(n);
                }
            }
            c if c.is_whitespace() => {
                if in_word {
                    words.push(std::mem::take(&mut cur));
                    in_word = false;
                }
            }
            c => {
                in_word = true;
                cur.push(c);
            }
        }
    }
    if in_word {
        words.push(cur);
    }
    words
}

/// The runs whose outputs are checked against the documentation: name,
/// scenario file, trials, `--set` overrides.
fn documented_runs() -> [(&'static str, PathBuf, u64, &'static [&'static str]); 3] {
    [
        (
            "baseline",
            scenario("baseline.toml"),
            1300,
            &[
                "demand.volatility=0.2",
                "providers.azure.growth={dist=\"uniform\",min=0.2,max=0.9}",
            ],
        ),
        // AGI can end the IP rights here, so every ip_expiry_cause appears.
        ("seed_terms", scenario("seed_terms.toml"), 700, &[]),
        (
            "minimal",
            root().join("tests/fixtures/minimal.toml"),
            300,
            &[],
        ),
    ]
}

/// The documented run `name` of [`documented_runs`], into `out`:
/// (scenario file, trials, `--set` overrides, the run).
fn documented_run(name: &str, out: &Path) -> (PathBuf, u64, &'static [&'static str], Run) {
    let (_, file, trials, sets) = documented_runs()
        .into_iter()
        .find(|d| d.0 == name)
        .unwrap_or_else(|| panic!("no documented run {name}"));
    let mut extra = vec!["--paths", "5", "--seed", "77"];
    for s in sets {
        extra.push("--set");
        extra.push(*s);
    }
    let r = run_ok(&file, trials, out, &extra);
    (file, trials, sets, r)
}

/// Checks every output of the documented run `name` (its scenario file
/// with its `--set` overrides) against the documentation.
fn check_outputs(name: &str) {
    let tmp = tempdir();
    let out = tmp.path().join("run");
    let (file, trials, sets, r) = documented_run(name, &out);
    let file = file.as_path();
    let label = file.display().to_string();

    let overrides: Vec<Override> = sets
        .iter()
        .map(|s| s.parse().unwrap_or_else(|e| panic!("--set {s}: {e:?}")))
        .collect();
    let sc = rofrsim::scenario::load_file(file, &overrides)
        .unwrap_or_else(|e| panic!("{label} does not load: {e}"));
    let months = sc.months();
    let providers: Vec<String> = sc.providers.iter().map(|p| p.name.clone()).collect();

    // The headline table on stdout.
    assert!(
        r.stdout.contains("P(IP rights end through AGI)"),
        "headline lacks P(IP rights end through AGI):\n{}",
        r.stdout
    );
    assert!(
        r.stdout.contains(&out.display().to_string()),
        "headline does not name the output folder {}:\n{}",
        out.display(),
        r.stdout
    );

    let mut names: Vec<String> = fs::read_dir(&out)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "manifest.json",
            "paths.csv",
            "sensitivity.csv",
            "summary.csv",
            "timeseries.csv",
            "timeseries_wide.csv",
            "trials.csv"
        ],
        "{label}: files written"
    );

    // trials.csv
    let t = Csv::read(&out.join("trials.csv"));
    assert_eq!(t.rows.len() as u64, trials, "{label}: one row per trial");
    for (i, row) in t.rows.iter().enumerate() {
        assert_eq!(row[0], i.to_string(), "{label}: trial column, row {i}");
        assert_eq!(row.len(), t.header.len());
    }
    assert_eq!(t.header[0], "trial");
    let dist_inputs: Vec<String> = sc
        .inputs
        .all()
        .iter()
        .filter(|i| matches!(i.value, Uncertain::Dist(_)))
        .map(|i| i.path.clone())
        .collect();
    let const_inputs: Vec<String> = sc
        .inputs
        .all()
        .iter()
        .filter(|i| matches!(i.value, Uncertain::Const(_)))
        .map(|i| i.path.clone())
        .collect();
    let mut expected = vec!["trial".to_string()];
    expected.extend(dist_inputs.iter().cloned());
    expected.extend(outcome_columns(&providers));
    let missing: Vec<&String> = expected.iter().filter(|c| !t.header.contains(c)).collect();
    assert!(
        missing.is_empty(),
        "{label}: trials.csv lacks {missing:?}\nheader: {:?}",
        t.header
    );
    let consts: Vec<&String> = const_inputs
        .iter()
        .filter(|c| t.header.contains(c))
        .collect();
    assert!(
        consts.is_empty(),
        "{label}: constant inputs have columns: {consts:?}"
    );
    assert_eq!(
        t.header, expected,
        "{label}: trials.csv columns (order: trial, inputs, outcomes)"
    );
    let unique: BTreeSet<&String> = t.header.iter().collect();
    assert_eq!(unique.len(), t.header.len(), "duplicate columns");
    for col in ["agi_declared", "agi_verified", "ip_expiry"] {
        for c in t.column(col) {
            assert!(c.is_empty() || is_date(c), "{label}: {col} = {c:?}");
        }
    }
    let causes = t.column("ip_expiry_cause");
    let expiry = t.column("ip_expiry");
    let expiry_year = t.column("ip_expiry_year");
    for i in 0..t.rows.len() {
        let beyond = causes[i] == "beyond_horizon";
        assert!(
            ["agi", "sunset", "beyond_horizon"].contains(&causes[i]),
            "{label}: cause {:?}",
            causes[i]
        );
        assert_eq!(
            beyond,
            expiry[i].is_empty(),
            "{label}: trial {i} cause {} with ip_expiry {:?}",
            causes[i],
            expiry[i]
        );
        assert_eq!(beyond, expiry_year[i].is_empty());
    }
    for col in ["unmet_share", "azure_share_end"] {
        for x in t.numbers(col) {
            assert!((0.0..=1.0).contains(&x), "{label}: {col} = {x}");
        }
    }
    for (o, d) in t
        .numbers("rofr_offers")
        .iter()
        .zip(t.numbers("rofr_declined"))
    {
        assert!(d <= *o, "{label}: rofr_declined {d} > rofr_offers {o}");
    }
    for x in t.numbers("ip_months") {
        assert!(x >= 0.0 && x <= months as f64 && x.fract() == 0.0);
    }

    // summary.csv
    let s = Csv::read(&out.join("summary.csv"));
    // The documented columns come first, in order; later columns (extra
    // statistics) are allowed.
    let documented = "metric,n,mean,sd,min,p1,p5,p10,p25,p50,p75,p90,p95,p99,max";
    let width = documented.split(',').count();
    assert!(
        s.header.len() >= width && s.header[..width].join(",") == documented,
        "{label}: summary.csv header {:?} should start with {documented}",
        s.header
    );
    let metrics = s.column("metric");
    let numeric_outcomes: Vec<String> = outcome_columns(&providers)
        .into_iter()
        .skip(4) // the three dates and the cause are not numbers
        .collect();
    for m in numeric_outcomes
        .iter()
        .map(String::as_str)
        .chain(["p_ip_expiry_by_agi", "p_agi_verified_by_sunset"])
    {
        assert_eq!(
            metrics.iter().filter(|x| **x == m).count(),
            1,
            "{label}: summary.csv rows for {m}: {metrics:?}"
        );
    }
    for row in &s.rows {
        let name = &row[0];
        let n: u64 = row[1]
            .parse()
            .unwrap_or_else(|_| panic!("n = {:?}", row[1]));
        assert!(n <= trials, "{label}: {name}: n = {n}");
        if n == 0 {
            assert!(row[2..].iter().all(|c| c.is_empty()), "{label}: {row:?}");
            continue;
        }
        for c in &row[width..] {
            assert!(
                c.is_empty() || c.parse::<f64>().is_ok(),
                "{label}: {name}: extra statistic {c:?}"
            );
        }
        let v: Vec<f64> = row[2..width]
            .iter()
            .map(|c| {
                c.parse()
                    .unwrap_or_else(|_| panic!("{label}: {name}: {c:?}"))
            })
            .collect();
        let (mean, sd, rest) = (v[0], v[1], &v[2..]);
        assert!(sd >= 0.0, "{label}: {name}: sd {sd}");
        assert!(
            rest.windows(2).all(|w| w[0] <= w[1]),
            "{label}: {name}: min ≤ p1 ≤ … ≤ max fails: {rest:?}"
        );
        let (min, max) = (rest[0], rest[rest.len() - 1]);
        assert!(
            min <= mean * (1.0 + 1e-12) + 1e-12 && mean <= max * (1.0 + 1e-12) + 1e-12,
            "{label}: {name}: mean {mean} outside [{min}, {max}]"
        );
        if name.starts_with("p_") {
            assert_eq!(n, trials, "{label}: {name} counts every trial");
            assert!((0.0..=1.0).contains(&mean), "{label}: {name} = {mean}");
        }
        // The statistics agree with trials.csv (PERCENTILE.INC, sample sd).
        if numeric_outcomes.contains(name) {
            let mut xs: Vec<f64> = t
                .column(name)
                .into_iter()
                .filter(|c| !c.is_empty())
                .map(|c| c.parse().unwrap())
                .collect();
            assert_eq!(xs.len() as u64, n, "{label}: {name}: n");
            xs.sort_by(f64::total_cmp);
            let scale = xs.iter().fold(0.0f64, |a, x| a.max(x.abs()));
            let m = xs.iter().sum::<f64>() / xs.len() as f64;
            assert!(near(mean, m, scale), "{label}: {name}: mean {mean} vs {m}");
            if xs.len() > 1 {
                let var = xs.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / (xs.len() - 1) as f64;
                assert!(
                    (sd - var.sqrt()).abs() <= 1e-6 * scale.max(1e-12),
                    "{label}: {name}: sd {sd} vs sample sd {}",
                    var.sqrt()
                );
            }
            let ps = [
                0.0, 0.01, 0.05, 0.10, 0.25, 0.5, 0.75, 0.90, 0.95, 0.99, 1.0,
            ];
            for (k, p) in ps.iter().enumerate() {
                let want = percentile_inc(&xs, *p);
                assert!(
                    near(rest[k], want, scale),
                    "{label}: {name}: {} = {} but PERCENTILE.INC gives {want}",
                    s.header[4 + k],
                    rest[k]
                );
            }
        }
    }

    // timeseries.csv
    let ts = Csv::read(&out.join("timeseries.csv"));
    assert_eq!(ts.header.join(","), "month,metric,mean,p5,p25,p50,p75,p95");
    let mut series = vec!["demand_gw".to_string()];
    series.extend(providers.iter().map(|p| format!("capacity_{p}_gw")));
    series.push("capacity_gw".into());
    series.extend(providers.iter().map(|p| format!("placed_{p}_gw")));
    series.extend(providers.iter().map(|p| format!("signed_{p}_gw")));
    series.extend(
        [
            "unmet_gw",
            "azure_share",
            "ip_active",
            "rofr_active",
            "agi_verified",
        ]
        .map(String::from),
    );
    assert_eq!(
        ts.rows.len(),
        months * series.len(),
        "{label}: timeseries.csv rows = months × series"
    );
    let mut per_month: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for row in &ts.rows {
        assert!(is_date(&row[0]), "{label}: month {:?}", row[0]);
        per_month
            .entry(row[0].clone())
            .or_default()
            .insert(row[1].clone());
        let v: Vec<f64> = row[2..]
            .iter()
            .map(|c| {
                c.parse()
                    .unwrap_or_else(|_| panic!("{label}: timeseries {row:?}"))
            })
            .collect();
        assert!(
            v[1..].windows(2).all(|w| w[0] <= w[1]),
            "{label}: bands not ordered: {row:?}"
        );
        if ["azure_share", "ip_active", "rofr_active", "agi_verified"].contains(&row[1].as_str()) {
            assert!(
                v.iter().all(|x| (0.0..=1.0).contains(x)),
                "{label}: {row:?}"
            );
        }
    }
    assert_eq!(per_month.len(), months, "{label}: distinct months");
    let want: BTreeSet<String> = series.iter().cloned().collect();
    for (m, got) in &per_month {
        assert_eq!(got, &want, "{label}: series of {m}");
    }
    assert_eq!(
        per_month.keys().next().map(String::as_str),
        Some(format!("{}-01", sc.start).as_str()),
        "{label}: first month"
    );

    // timeseries_wide.csv: the long file's cells, one row per month.
    check_wide(
        &label,
        &ts,
        &Csv::read(&out.join("timeseries_wide.csv")),
        &series,
    );

    // paths.csv
    let p = Csv::read(&out.join("paths.csv"));
    assert_eq!(p.rows.len(), 5 * months, "{label}: paths.csv rows");
    assert!(p.header.len() >= 2 && p.header[..2] == ["trial", "month"]);
    for (k, row) in p.rows.iter().enumerate() {
        assert_eq!(row[0], (k / months).to_string(), "{label}: paths trial");
        assert!(is_date(&row[1]), "{label}: paths month {:?}", row[1]);
    }

    // No NaN, infinity or negative zero anywhere.
    for f in CSVS {
        let c = Csv::read(&out.join(f));
        for (i, row) in c.rows.iter().enumerate() {
            for (j, cell) in row.iter().enumerate() {
                let low = cell.to_ascii_lowercase();
                let bad = low.contains("nan")
                    || low.contains("inf")
                    || cell.parse::<f64>().is_ok_and(|x| x == 0.0) && cell.starts_with('-');
                assert!(
                    !bad,
                    "{label}: {f} row {} column {}: {cell:?}",
                    i + 2,
                    c.header[j]
                );
            }
        }
    }

    // manifest.json
    let text = fs::read_to_string(out.join("manifest.json")).unwrap();
    let m: serde_json::Value =
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("manifest.json: {e}\n{text}"));
    assert_eq!(m["seed"].as_u64(), Some(77), "manifest seed:\n{text}");
    assert_eq!(
        m["trials"].as_u64(),
        Some(trials),
        "manifest trials:\n{text}"
    );
    let sha = {
        use sha2::Digest;
        sha2::Sha256::digest(fs::read(file).unwrap())
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
    };
    assert_eq!(
        m["scenario"]["sha256"].as_str(),
        Some(sha.as_str()),
        "manifest scenario sha256:\n{text}"
    );
    let reproduce = m["reproduce"]
        .as_str()
        .unwrap_or_else(|| panic!("no reproduce command:\n{text}"));
    let mut words = shell_words(reproduce);
    assert_eq!(words.first().map(String::as_str), Some("rofrsim"));
    words.remove(0);
    let again = tmp.path().join("reproduced");
    let k = words
        .iter()
        .position(|w| w == "--out")
        .unwrap_or_else(|| panic!("no --out in {reproduce}"));
    words[k + 1] = again.display().to_string();
    words.push("--quiet".into());
    let r2 = rofrsim(&words);
    assert_eq!(
        r2.code,
        Some(0),
        "the reproduce command failed:\n{}",
        r2.dump()
    );
    assert_same_files(&out, &again, &CSVS, "the manifest's reproduce command");
}

/// The statistics of `timeseries.csv` and `timeseries_wide.csv`, in the
/// documented column order.
const STATISTICS: [&str; 6] = ["mean", "p5", "p25", "p50", "p75", "p95"];

/// `timeseries_wide.csv` against `timeseries.csv` (docs/outputs.md): the
/// header is `month` then each of `series` (in order) with each statistic
/// (in order); the rows are the long file's months, in order; and every
/// long cell (month, metric, statistic) is exactly one wide cell (row
/// month, column `metric_statistic`) with the same text, no wide cell left
/// over.
fn check_wide(label: &str, long: &Csv, wide: &Csv, series: &[String]) {
    let mut header = vec!["month".to_string()];
    for s in series {
        header.extend(STATISTICS.iter().map(|stat| format!("{s}_{stat}")));
    }
    assert_eq!(wide.header, header, "{label}: timeseries_wide.csv header");
    let mut months: Vec<&str> = long.column("month");
    months.dedup();
    assert_eq!(
        wide.column("month"),
        months,
        "{label}: timeseries_wide.csv months (one row each, in order)"
    );
    // (month, column) → the wide cell, each to be claimed once.
    let mut cells: BTreeMap<(String, String), &str> = BTreeMap::new();
    for row in &wide.rows {
        assert_eq!(row.len(), wide.header.len(), "{label}: {row:?}");
        for (name, cell) in wide.header.iter().zip(row).skip(1) {
            cells.insert((row[0].clone(), name.clone()), cell.as_str());
        }
    }
    let wide_cells = cells.len();
    let stat_cols: Vec<usize> = STATISTICS.iter().map(|s| long.col(s)).collect();
    let (month, metric) = (long.col("month"), long.col("metric"));
    for row in &long.rows {
        for (stat, &j) in STATISTICS.iter().zip(&stat_cols) {
            let name = format!("{}_{stat}", row[metric]);
            let got = cells.remove(&(row[month].clone(), name.clone()));
            assert_eq!(
                got,
                Some(row[j].as_str()),
                "{label}: timeseries_wide.csv {} {name} vs timeseries.csv {row:?}",
                row[month]
            );
        }
    }
    assert!(
        cells.is_empty(),
        "{label}: timeseries_wide.csv cells with no timeseries.csv row: {:?}",
        cells.keys().take(5).collect::<Vec<_>>()
    );
    assert_eq!(wide_cells, long.rows.len() * STATISTICS.len());
}

/// Total capacity, `capacity_gw`, is each trial's sum over the providers,
/// and its statistics are those of that per-trial total (not a sum of the
/// providers' percentiles): checked against every trial's path.
#[test]
fn total_capacity_is_the_statistics_of_each_trials_total() {
    let tmp = tempdir();
    let out = tmp.path().join("run");
    let trials = 400;
    run_ok(
        &scenario("baseline.toml"),
        trials,
        &out,
        &["--paths", &trials.to_string(), "--seed", "3"],
    );
    let sc = rofrsim::scenario::load_file(&scenario("baseline.toml"), &[]).unwrap();
    let capacity: Vec<String> = sc
        .providers
        .iter()
        .map(|p| format!("capacity_{}_gw", p.name))
        .collect();
    let paths = Csv::read(&out.join("paths.csv"));
    let wide = Csv::read(&out.join("timeseries_wide.csv"));
    let months = sc.months();
    assert_eq!(paths.rows.len(), trials as usize * months);
    let cols: Vec<usize> = capacity.iter().map(|c| paths.col(c)).collect();
    let total_col = paths.col("capacity_gw");
    // totals[month] = every trial's total that month.
    let mut totals = vec![Vec::new(); months];
    let mut by_provider = vec![vec![Vec::new(); cols.len()]; months];
    for (k, row) in paths.rows.iter().enumerate() {
        let x: Vec<f64> = cols.iter().map(|&j| row[j].parse().unwrap()).collect();
        let total: f64 = row[total_col].parse().unwrap();
        let sum: f64 = x.iter().sum();
        assert!(
            (total - sum).abs() <= 1e-12 * sum.max(1.0),
            "trial {}, month {}: capacity_gw {total} but the providers sum to {sum}",
            k / months,
            row[1]
        );
        totals[k % months].push(total);
        for (p, v) in x.into_iter().enumerate() {
            by_provider[k % months][p].push(v);
        }
    }
    let ps = [0.05, 0.25, 0.5, 0.75, 0.95];
    let mut differs_from_sum_of_percentiles = false;
    for (m, row) in wide.rows.iter().enumerate() {
        let cell = |name: &str| -> f64 { row[wide.col(name)].parse().unwrap() };
        let xs = &mut totals[m];
        xs.sort_by(f64::total_cmp);
        let mean = xs.iter().sum::<f64>() / xs.len() as f64;
        assert!(
            near(cell("capacity_gw_mean"), mean, mean),
            "month {}: capacity_gw_mean {} vs the trials' {mean}",
            row[0],
            cell("capacity_gw_mean")
        );
        for (p, stat) in ps.iter().zip(&STATISTICS[1..]) {
            let want = percentile_inc(xs, *p);
            let got = cell(&format!("capacity_gw_{stat}"));
            // The bands' documented bound: within 2⁻⁸ of PERCENTILE.INC.
            assert!(
                (got - want).abs() <= want.abs() / 256.0,
                "month {}: capacity_gw_{stat} {got}, PERCENTILE.INC of the totals {want}",
                row[0]
            );
            let sum_of_percentiles: f64 = by_provider[m]
                .iter_mut()
                .map(|v| {
                    v.sort_by(f64::total_cmp);
                    percentile_inc(v, *p)
                })
                .sum();
            if (sum_of_percentiles - want).abs() > want.abs() / 64.0 {
                differs_from_sum_of_percentiles = true;
            }
        }
    }
    assert!(
        differs_from_sum_of_percentiles,
        "the providers' capacities never spread apart: this run cannot tell a per-trial total from a sum of percentiles"
    );
}

/// Runs tests/csv_check.py on a folder; panics without python3.
fn csv_check(dir: &Path) {
    let script = root().join("tests/csv_check.py");
    let o = common::python3()
        .arg(&script)
        .arg(dir)
        .output()
        .expect("run python3 tests/csv_check.py");
    assert!(
        o.status.success(),
        "csv_check.py {} failed:\n{}{}",
        dir.display(),
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
}

#[test]
fn baseline_outputs_have_the_documented_shape() {
    check_outputs("baseline");
}

#[test]
fn seed_terms_outputs_have_the_documented_shape() {
    check_outputs("seed_terms");
}

#[test]
fn minimal_outputs_have_the_documented_shape() {
    check_outputs("minimal");
}

/// The outputs of the documented runs, read as a spreadsheet would, by
/// `tests/csv_check.py`.
#[test]
#[ignore = "needs python3; .ci/run runs it with --include-ignored"]
fn documented_outputs_pass_csv_check_py() {
    common::python3();
    let tmp = tempdir();
    for (name, ..) in documented_runs() {
        let out = tmp.path().join(name);
        documented_run(name, &out);
        csv_check(&out);
    }
}

#[test]
#[ignore = "needs python3; .ci/run runs it with --include-ignored"]
fn csv_check_rejects_bad_files() {
    // The checker itself must catch what it is meant to catch.
    let tmp = tempdir();
    fs::write(
        tmp.path().join("bad.csv"),
        "a,month\n1.5,2025-01-01\n1,5,2025-01-01\nNaN,2025-01-01\n-0,2025-1-01\n",
    )
    .unwrap();
    let o = common::python3()
        .arg(root().join("tests/csv_check.py"))
        .arg(tmp.path())
        .output()
        .expect("run python3 tests/csv_check.py");
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(!o.status.success(), "csv_check.py passed a bad file");
    for needle in ["3 cells", "non-finite", "negative zero", "YYYY-MM-DD"] {
        assert!(err.contains(needle), "csv_check.py missed {needle}: {err}");
    }
}
