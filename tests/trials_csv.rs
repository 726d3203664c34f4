//! How much of `trials.csv` a run writes (`--trials-csv full|outcomes|none`),
//! what `compare` and `sweep` keep of the runs they make (`--keep-runs`),
//! and that every command reading a run folder copes with what was not
//! written: the real binary on the shipped scenarios.

mod common;

use std::collections::BTreeSet;
use std::fs;
use std::path::Path;

use common::{Run, rofrsim};

/// Trials of every run here: enough for `sensitivity.csv`, and for both IP
/// expiry causes of `seed_terms` (AGI before the sunset in about a third).
const TRIALS: &str = "300";

fn s(p: &Path) -> String {
    p.to_str().expect("utf-8 path").to_string()
}

fn tempdir() -> tempfile::TempDir {
    tempfile::Builder::new()
        .prefix("rofrsim-trials-csv-")
        .tempdir()
        .expect("create a temporary folder")
}

/// Runs `rofrsim ARGS…`, which must succeed without a crash.
fn ok(args: &[&str]) -> Run {
    let r = rofrsim(args);
    assert!(r.crash_signs().is_empty(), "crash\n{}", r.dump());
    assert_eq!(r.code, Some(0), "{}", r.dump());
    r
}

/// Runs `rofrsim ARGS…`, which must fail with exit 2 and one clear
/// `error:` line holding every one of `parts`.
fn refused(args: &[&str], parts: &[&str]) -> Run {
    let r = rofrsim(args);
    assert!(r.crash_signs().is_empty(), "crash\n{}", r.dump());
    assert_eq!(r.code, Some(2), "{}", r.dump());
    assert!(r.stderr.starts_with("error: "), "{}", r.dump());
    for part in parts {
        assert!(r.stderr.contains(part), "missing {part:?}\n{}", r.dump());
    }
    r
}

/// `rofrsim run scenarios/NAME.toml --trials TRIALS --out OUT -q EXTRA…`.
fn run(name: &str, out: &Path, extra: &[&str]) -> Run {
    let scenario = format!("scenarios/{name}.toml");
    let out = s(out);
    let mut args = vec!["run", &scenario, "--trials", TRIALS, "--out", &out, "-q"];
    args.extend_from_slice(extra);
    ok(&args)
}

/// The names of the files in `dir` (not recursive).
fn listing(dir: &Path) -> BTreeSet<String> {
    fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("list {}: {e}", dir.display()))
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect()
}

fn read(path: &Path) -> String {
    fs::read_to_string(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()))
}

fn manifest(dir: &Path) -> serde_json::Value {
    serde_json::from_str(&read(&dir.join("manifest.json"))).expect("manifest.json is JSON")
}

/// The `files` a manifest lists.
fn listed(dir: &Path) -> BTreeSet<String> {
    manifest(dir)["files"]
        .as_array()
        .expect("files")
        .iter()
        .map(|f| f.as_str().expect("a file name").to_string())
        .collect()
}

/// `trials.csv` of a full run cut to the trial index and the outcomes: what
/// `--trials-csv outcomes` must write. Cells hold no commas (numbers, dates,
/// labels), so splitting at commas is exact.
fn outcomes_only(full: &str) -> String {
    let mut lines = full.lines();
    let header: Vec<&str> = lines.next().expect("a header").split(',').collect();
    // Outcomes start with the first date column; the inputs come before it.
    let first = header
        .iter()
        .position(|&h| h == "agi_declared")
        .expect("an agi_declared column");
    assert!(first > 1, "the full file has input columns: {header:?}");
    let mut out = String::new();
    for line in std::iter::once(header.join(",").as_str()).chain(lines) {
        let cells: Vec<&str> = line.split(',').collect();
        assert_eq!(cells.len(), header.len(), "{line}");
        out.push_str(cells[0]);
        for c in &cells[first..] {
            out.push(',');
            out.push_str(c);
        }
        out.push('\n');
    }
    out
}

#[test]
fn each_mode_writes_what_it_says_and_nothing_else_changes() {
    let tmp = tempdir();
    let dir = |name: &str| tmp.path().join(name);
    let default = run("seed_terms", &dir("default"), &[]);
    let mut printed = Vec::new();
    for mode in ["full", "outcomes", "none"] {
        let r = run("seed_terms", &dir(mode), &["--trials-csv", mode]);
        printed.push((mode, r.stdout));
    }
    // `--trials-csv outcomes` on one thread: outputs never depend on it.
    run(
        "seed_terms",
        &dir("outcomes-1"),
        &["--trials-csv", "outcomes", "--threads", "1"],
    );

    let full = read(&dir("full").join("trials.csv"));
    assert_eq!(
        full,
        read(&dir("default").join("trials.csv")),
        "full is the default"
    );
    let outcomes = read(&dir("outcomes").join("trials.csv"));
    assert_eq!(outcomes, outcomes_only(&full));
    assert_eq!(outcomes, read(&dir("outcomes-1").join("trials.csv")));
    let causes: BTreeSet<&str> = outcomes
        .lines()
        .skip(1)
        .filter_map(|l| l.split(',').nth(4))
        .collect();
    assert_eq!(
        causes,
        BTreeSet::from(["agi", "sunset"]),
        "both causes are in the file, so the readers below see them"
    );
    assert!(!dir("none").join("trials.csv").exists());

    // The other files are the same bytes whatever the choice.
    for mode in ["outcomes", "none", "default"] {
        for file in ["summary.csv", "timeseries.csv", "sensitivity.csv"] {
            assert_eq!(
                read(&dir("full").join(file)),
                read(&dir(mode).join(file)),
                "{mode}: {file}"
            );
        }
    }
    // The manifest records the choice (left out when full, as before it
    // existed), the files written and the command that repeats it.
    for (mode, recorded, files) in [
        ("default", None, true),
        ("full", None, true),
        ("outcomes", Some("outcomes"), true),
        ("none", Some("none"), false),
    ] {
        let m = manifest(&dir(mode));
        assert_eq!(m["trials_csv"].as_str(), recorded, "{mode}");
        assert_eq!(listed(&dir(mode)).contains("trials.csv"), files, "{mode}");
        assert_eq!(
            listing(&dir(mode)),
            listed(&dir(mode)),
            "{mode}: the manifest lists what is there"
        );
        let reproduce = m["reproduce"].as_str().expect("reproduce");
        match recorded {
            Some(word) => assert!(
                reproduce.ends_with(&format!(" --trials-csv {word}")),
                "{reproduce}"
            ),
            None => assert!(!reproduce.contains("--trials-csv"), "{reproduce}"),
        }
    }
    // The headline does not depend on the choice either (but for the
    // wall time in its first line and the folder in its last).
    let headline = |text: &str| -> Vec<String> {
        text.lines()
            .skip(1)
            .filter(|l| !l.starts_with("outputs:"))
            .map(str::to_string)
            .collect()
    };
    for (mode, text) in &printed {
        assert_eq!(headline(text), headline(&default.stdout), "{mode}");
    }
}

#[test]
fn a_bad_choice_is_refused_with_the_choices() {
    let tmp = tempdir();
    let out = s(&tmp.path().join("x"));
    let r = rofrsim([
        "run",
        "scenarios/baseline.toml",
        "--trials",
        "10",
        "--out",
        &out,
        "--trials-csv",
        "inputs",
    ]);
    assert_eq!(r.code, Some(2), "{}", r.dump());
    for part in ["--trials-csv", "inputs", "full", "outcomes", "none"] {
        assert!(r.stderr.contains(part), "missing {part:?}\n{}", r.dump());
    }
    assert!(!tmp.path().join("x").exists());
}

#[test]
fn from_manifest_repeats_the_choice_unless_told_otherwise() {
    let tmp = tempdir();
    let dir = |name: &str| tmp.path().join(name);
    run("baseline", &dir("a"), &["--trials-csv", "outcomes"]);
    let again = |from: &Path, to: &Path, extra: &[&str]| {
        let (from, to) = (s(from), s(to));
        let mut args = vec!["run", "--from-manifest", &from, "--out", &to, "-q"];
        args.extend_from_slice(extra);
        ok(&args);
    };
    again(&dir("a"), &dir("b"), &[]);
    assert_eq!(manifest(&dir("b"))["trials_csv"], "outcomes");
    assert_eq!(
        read(&dir("a").join("trials.csv")),
        read(&dir("b").join("trials.csv"))
    );
    // Given, --trials-csv replaces the recorded choice, as --out does.
    again(&dir("a"), &dir("c"), &["--trials-csv", "none"]);
    assert_eq!(manifest(&dir("c"))["trials_csv"], "none");
    assert!(!dir("c").join("trials.csv").exists());
    again(&dir("c"), &dir("d"), &[]);
    assert!(!dir("d").join("trials.csv").exists());

    // A manifest written before the choice existed has no `trials_csv`:
    // its run wrote the whole file, and so does the repeat.
    let mut old = manifest(&dir("a"));
    old.as_object_mut().expect("an object").remove("trials_csv");
    let file = dir("old-manifest.json");
    fs::write(&file, old.to_string()).expect("write the old manifest");
    again(&file, &dir("e"), &[]);
    assert!(manifest(&dir("e")).get("trials_csv").is_none());
    let full = read(&dir("e").join("trials.csv"));
    assert_eq!(outcomes_only(&full), read(&dir("a").join("trials.csv")));
}

#[test]
fn readers_of_a_run_folder_cope_with_each_choice() {
    let tmp = tempdir();
    let dir = |name: &str| tmp.path().join(name);
    for mode in ["full", "outcomes", "none"] {
        run("seed_terms", &dir(mode), &["--trials-csv", mode]);
    }

    // sensitivity.csv is computed while the run goes on, from the inputs
    // it keeps in memory, not from trials.csv: the same in every folder.
    let shown = |mode: &str| ok(&["sensitivity", &s(&dir(mode))]).stdout;
    let full = shown("full");
    assert!(full.contains("ranked by tornado swing"), "{full}");
    assert_eq!(shown("outcomes"), full);
    assert_eq!(shown("none"), full);

    // report: every chart from an outcomes-only trials.csv, the same as
    // from the whole file; without trials.csv the others, and a note.
    for mode in ["full", "outcomes", "none"] {
        let r = ok(&["report", &s(&dir(mode))]);
        assert_eq!(
            r.stdout.contains("not drawn"),
            mode == "none",
            "{mode}: {}",
            r.stdout
        );
    }
    let charts = |mode: &str| listing(&dir(mode).join("charts"));
    assert_eq!(charts("outcomes"), charts("full"));
    for chart in charts("full") {
        let path = |mode: &str| dir(mode).join("charts").join(&chart);
        assert_eq!(read(&path("outcomes")), read(&path("full")), "{chart}");
    }
    let without = charts("none");
    assert!(without.contains("fan_demand_capacity.svg") && without.contains("ip_active.svg"));
    assert!(without.iter().any(|c| c.starts_with("tornado_")));
    for gone in [
        "ip_expiry_histogram.svg",
        "spend_by_provider_cdf.svg",
        "dist_microsoft_value_npv_usd_bn.svg",
    ] {
        assert!(charts("full").contains(gone), "{gone}");
        assert!(!without.contains(gone), "{gone}");
    }
    let html = read(&dir("none").join("report.html"));
    assert!(
        html.contains("Not drawn: the distributions of the outcomes, from trials.csv"),
        "report.html says what is missing and why"
    );

    // compare reads every trial's outcomes: from an outcomes-only file as
    // from the whole one; a run without the file is refused, saying which
    // folder, which file, why and how to have it.
    let cmp = |a: &str, b: &str, out: &str| {
        ok(&[
            "compare",
            &s(&dir(a)),
            &s(&dir(b)),
            "--out",
            &s(&dir(out)),
            "-q",
        ])
    };
    cmp("full", "full", "cmp-full");
    cmp("outcomes", "full", "cmp-outcomes");
    assert_eq!(
        read(&dir("cmp-full").join("compare.csv")),
        read(&dir("cmp-outcomes").join("compare.csv"))
    );
    let missing = s(&dir("none").join("trials.csv"));
    for (a, b) in [("full", "none"), ("none", "full")] {
        let out = s(&dir("cmp-refused"));
        refused(
            &["compare", &s(&dir(a)), &s(&dir(b)), "--out", &out, "-q"],
            &[
                &missing,
                "--trials-csv none",
                "compare needs every trial's outcomes",
                "--trials-csv outcomes",
            ],
        );
        assert!(!dir("cmp-refused").exists(), "nothing written");
    }
}

#[test]
fn a_trials_csv_the_manifest_records_but_that_is_gone_is_an_error() {
    let tmp = tempdir();
    let dir = tmp.path().join("run");
    run("baseline", &dir, &["--trials-csv", "outcomes"]);
    fs::remove_file(dir.join("trials.csv")).expect("remove trials.csv");
    let file = s(&dir.join("trials.csv"));
    refused(&["report", &s(&dir)], &[&file, "cannot read it"]);
    let out = s(&tmp.path().join("cmp"));
    refused(
        &["compare", &s(&dir), &s(&dir), "--out", &out],
        &[&file, "cannot read it"],
    );
}
