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

/// Asserts two texts are equal, showing the first line that differs
/// rather than both whole files.
#[track_caller]
fn same(a: &str, b: &str, what: &str) {
    if a == b {
        return;
    }
    let (la, lb): (Vec<&str>, Vec<&str>) = (a.lines().collect(), b.lines().collect());
    let k = la.iter().zip(&lb).take_while(|(x, y)| x == y).count();
    panic!(
        "{what}: differ at line {} ({} and {} lines)\n  {:?}\n  {:?}",
        k + 1,
        la.len(),
        lb.len(),
        la.get(k),
        lb.get(k)
    );
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

/// Checks that `stdout` ends with `outputs: DIR (SIZE)`, SIZE the bytes of
/// every file under `dir` to three significant digits; returns the bytes.
#[track_caller]
fn printed_size(stdout: &str, dir: &Path) -> u64 {
    let bytes = bytes_under(dir);
    let line = format!(
        "outputs: {} ({})",
        dir.display(),
        rofrsim::folder::size::human(bytes)
    );
    assert!(
        stdout.lines().any(|l| l == line),
        "expected {line:?} in\n{stdout}"
    );
    bytes
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
    let mut sizes = Vec::new();
    for mode in ["full", "outcomes", "none"] {
        let r = run("seed_terms", &dir(mode), &["--trials-csv", mode]);
        sizes.push(printed_size(&r.stdout, &dir(mode)));
        printed.push((mode, r.stdout));
    }
    assert!(sizes[0] > sizes[1] && sizes[1] > sizes[2], "{sizes:?}");
    // `--trials-csv outcomes` on one thread: outputs never depend on it.
    run(
        "seed_terms",
        &dir("outcomes-1"),
        &["--trials-csv", "outcomes", "--threads", "1"],
    );

    let full = read(&dir("full").join("trials.csv"));
    same(
        &full,
        &read(&dir("default").join("trials.csv")),
        "full is the default",
    );
    let outcomes = read(&dir("outcomes").join("trials.csv"));
    same(&outcomes, &outcomes_only(&full), "outcomes");
    let one_thread = read(&dir("outcomes-1").join("trials.csv"));
    same(&outcomes, &one_thread, "outcomes on 1 thread");
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
            same(
                &read(&dir("full").join(file)),
                &read(&dir(mode).join(file)),
                &format!("{mode}: {file}"),
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
    same(
        &read(&dir("a").join("trials.csv")),
        &read(&dir("b").join("trials.csv")),
        "repeated",
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
    same(
        &outcomes_only(&full),
        &read(&dir("a").join("trials.csv")),
        "old",
    );
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
        same(&read(&path("outcomes")), &read(&path("full")), &chart);
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
    same(
        &read(&dir("cmp-full").join("compare.csv")),
        &read(&dir("cmp-outcomes").join("compare.csv")),
        "compare.csv",
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

/// Every file under `dir`, recursively, as paths relative to it with `/`.
fn tree(dir: &Path) -> BTreeSet<String> {
    fn walk(base: &Path, dir: &Path, out: &mut BTreeSet<String>) {
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
                out.insert(rel.join("/"));
            }
        }
    }
    let mut out = BTreeSet::new();
    walk(dir, dir, &mut out);
    out
}

/// The bytes of every file under `dir`.
fn bytes_under(dir: &Path) -> u64 {
    tree(dir)
        .iter()
        .map(|f| fs::metadata(dir.join(f)).expect("metadata").len())
        .sum()
}

/// `rofrsim compare scenarios/A.toml … --trials N --out OUT -q EXTRA…`.
fn compare(names: &[&str], trials: &str, out: &Path, extra: &[&str]) -> Run {
    let files: Vec<String> = names
        .iter()
        .map(|n| format!("scenarios/{n}.toml"))
        .collect();
    let out = s(out);
    let mut args = vec!["compare"];
    args.extend(files.iter().map(String::as_str));
    args.extend(["--trials", trials, "--out", &out, "-q"]);
    args.extend_from_slice(extra);
    ok(&args)
}

/// What `compare` leaves of its runs, without and with `--keep-runs`, with
/// both IP expiry causes of each pair: seed_terms and the others (AGI or
/// the sunset), and seed_terms and oct2025_terms on a horizon that ends
/// before the sunset (AGI or beyond the horizon).
#[test]
fn compare_keeps_only_what_it_needs_unless_told() {
    let tmp = tempdir();
    let dir = |name: &str| tmp.path().join(name);
    let end = "time.end=\"2030-12\"";
    let cases: [(&str, &[&str], &[&str]); 2] = [
        ("three", &["seed_terms", "oct2025_terms", "early_agi"], &[]),
        ("short", &["seed_terms", "oct2025_terms"], &["--set", end]),
    ];
    for (case, names, set) in cases {
        let at = |what: &str| dir(&format!("{case}-{what}"));
        let with = |extra: &[&str]| -> Vec<String> {
            set.iter()
                .chain(extra.iter())
                .map(|a| a.to_string())
                .collect()
        };
        let run_with = |what: &str, extra: &[&str]| {
            let args = with(extra);
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            let r = compare(names, TRIALS, &at(what), &args);
            printed_size(&r.stdout, &at(what));
        };
        run_with("default", &[]);
        run_with("kept", &["--keep-runs"]);
        run_with("outcomes", &["--trials-csv", "outcomes"]);
        run_with("kept-none", &["--keep-runs", "--trials-csv", "none"]);

        // Without --keep-runs: compare.csv, and of each run what report
        // draws from; its manifest says no trials.csv was written.
        let small = [
            "manifest.json",
            "sensitivity.csv",
            "summary.csv",
            "timeseries.csv",
            "timeseries_wide.csv",
        ];
        let expected = |files: &[&str]| -> BTreeSet<String> {
            let mut t = BTreeSet::from(["compare.csv".to_string()]);
            for n in names {
                t.extend(files.iter().map(|f| format!("runs/{n}/{f}")));
            }
            t
        };
        assert_eq!(tree(&at("default")), expected(&small), "{case}");
        assert_eq!(tree(&at("kept-none")), expected(&small), "{case}");
        let mut with_trials = small.to_vec();
        with_trials.push("trials.csv");
        assert_eq!(tree(&at("kept")), expected(&with_trials), "{case}");
        assert_eq!(tree(&at("outcomes")), expected(&with_trials), "{case}");
        for n in names {
            let run = |what: &str| at(what).join("runs").join(n);
            assert_eq!(manifest(&run("default"))["trials_csv"], "none");
            assert_eq!(listing(&run("default")), listed(&run("default")));
            assert!(manifest(&run("kept")).get("trials_csv").is_none());
            same(
                &read(&run("outcomes").join("trials.csv")),
                &outcomes_only(&read(&run("kept").join("trials.csv"))),
                &format!("{case} {n}"),
            );
            for f in ["summary.csv", "timeseries.csv", "sensitivity.csv"] {
                same(
                    &read(&run("default").join(f)),
                    &read(&run("kept").join(f)),
                    &format!("{case} {n} {f}"),
                );
            }
        }

        // The comparison is the same whatever is kept, and the same as the
        // comparison of the kept run folders, read from their trials.csv:
        // the outcomes compare keeps in memory are the file's, value for
        // value (both IP expiry causes included).
        let csv = read(&at("default").join("compare.csv"));
        for what in ["kept", "outcomes", "kept-none"] {
            let other = read(&at(what).join("compare.csv"));
            same(&other, &csv, &format!("{case} {what}"));
        }
        let folders: Vec<String> = names
            .iter()
            .map(|n| s(&at("kept").join("runs").join(n)))
            .collect();
        let again = s(&at("again"));
        let mut args = vec!["compare"];
        args.extend(folders.iter().map(String::as_str));
        args.extend(["--out", &again, "-q"]);
        ok(&args);
        let again = read(&at("again").join("compare.csv"));
        same(&again, &csv, &format!("{case}: the kept folders compared"));
        let causes: BTreeSet<&str> = csv
            .lines()
            .filter(|l| l.contains(",ip_expiry_cause="))
            .filter(|l| l.split(',').nth(6).is_some_and(|mean| mean != "0"))
            .filter_map(|l| l.split(',').nth(2))
            .collect();
        assert_eq!(causes.len(), 2, "{case}: two causes occur: {causes:?}");

        // Compare folders of the runs without trials.csv are refused, clearly.
        let first = at("default").join("runs").join(names[0]);
        let out = s(&at("refused"));
        refused(
            &["compare", &s(&first), &folders[1], "--out", &out],
            &[&s(&first.join("trials.csv")), "--trials-csv none"],
        );
    }

    // The report of a compare folder: without --keep-runs every chart but
    // those of trials.csv, and a note; with it, every chart.
    let report = |what: &str| ok(&["report", &s(&dir(what))]);
    let r = report("three-default");
    assert!(r.stdout.contains("not drawn"), "{}", r.stdout);
    let r = report("three-kept");
    assert!(!r.stdout.contains("not drawn"), "{}", r.stdout);
    let charts = |what: &str| listing(&dir(what).join("charts"));
    let (without, all) = (charts("three-default"), charts("three-kept"));
    assert!(
        without.contains("compare_fan_demand_gw.svg") && without.contains("compare_ip_active.svg")
    );
    assert!(all.contains("compare_cdf_microsoft_value_npv_usd_bn.svg"));
    assert!(
        without.iter().all(|c| !c.starts_with("compare_cdf_")),
        "{without:?}"
    );
    assert!(without.is_subset(&all));
    let html = read(&dir("three-default").join("report.html"));
    assert!(html.contains("Not drawn: the outcomes&#39; distributions overlaid"));
    assert!(html.contains("--keep-runs"));
    // sensitivity of a run compare kept without trials.csv.
    let run = dir("three-default").join("runs").join("seed_terms");
    let shown = ok(&["sensitivity", &s(&run)]).stdout;
    let kept = dir("three-kept").join("runs").join("seed_terms");
    assert_eq!(shown, ok(&["sensitivity", &s(&kept)]).stdout);
}

/// Without --keep-runs a compare folder does not grow with the trials; with
/// it, it grows by their trials.csv.
#[test]
fn a_compare_folder_without_its_runs_trials_does_not_grow_with_them() {
    let tmp = tempdir();
    let names = ["seed_terms", "oct2025_terms"];
    let size = |trials: &str, extra: &[&str]| {
        let out = tmp.path().join(format!("{trials}{}", extra.join("")));
        compare(&names, trials, &out, extra);
        bytes_under(&out)
    };
    let (small, large) = (size("200", &[]), size("1600", &[]));
    assert!(
        (large as f64) < 1.1 * small as f64,
        "200 trials: {small} bytes, 1600: {large}"
    );
    // Kept: the runs' trials.csv grow with the trials (8 times as many
    // rows, a little less for the shared header), the other files do not.
    let trials_bytes = |dir: &Path| -> u64 {
        tree(dir)
            .iter()
            .filter(|f| f.ends_with("/trials.csv"))
            .map(|f| fs::metadata(dir.join(f)).expect("metadata").len())
            .sum()
    };
    let kept = |trials: &str| {
        let out = tmp.path().join(format!("{trials}--keep-runs"));
        compare(&names, trials, &out, &["--keep-runs"]);
        (trials_bytes(&out), bytes_under(&out) - trials_bytes(&out))
    };
    let ((small_trials, small_rest), (large_trials, large_rest)) = (kept("200"), kept("1600"));
    assert!(
        (large_trials as f64) > 7.5 * small_trials as f64
            && (large_rest as f64) < 1.1 * small_rest as f64,
        "kept, 200 trials: trials.csv {small_trials} bytes, the rest {small_rest}; 1600: {large_trials}, {large_rest}"
    );
}

/// `rofrsim sweep scenarios/baseline.toml` over two revenue-share rates,
/// 100 trials, with a target.
fn sweep(out: &Path, extra: &[&str]) -> Run {
    let out = s(out);
    let mut args = vec![
        "sweep",
        "scenarios/baseline.toml",
        "--vary",
        "terms.revenue_share.rate=0.1,0.3",
        "--trials",
        "100",
        "--target",
        "unmet_share<=0.1",
        "--out",
        &out,
        "-q",
    ];
    args.extend_from_slice(extra);
    ok(&args)
}

#[test]
fn sweep_keeps_its_runs_only_when_told() {
    let tmp = tempdir();
    let dir = |name: &str| tmp.path().join(name);
    for (what, extra) in [
        ("plain", &[][..]),
        ("kept", &["--keep-runs"][..]),
        ("outcomes", &["--keep-runs", "--trials-csv", "outcomes"][..]),
    ] {
        let r = sweep(&dir(what), extra);
        printed_size(&r.stdout, &dir(what));
    }

    // As before: sweep.csv and its manifest, nothing of the runs.
    let plain = BTreeSet::from(["manifest.json".to_string(), "sweep.csv".to_string()]);
    assert_eq!(tree(&dir("plain")), plain);
    assert!(manifest(&dir("plain")).get("trials_csv").is_none());
    // sweep.csv is the same whatever is kept.
    let csv = read(&dir("plain").join("sweep.csv"));
    for what in ["kept", "outcomes"] {
        same(&read(&dir(what).join("sweep.csv")), &csv, what);
    }
    assert_eq!(manifest(&dir("kept"))["trials_csv"], "full");
    assert_eq!(manifest(&dir("outcomes"))["trials_csv"], "outcomes");

    // With --keep-runs, runs/<k>/ is the run of the k-th combination, as
    // `run` writes it with the same --set, seed, trials and target.
    for (k, rate) in [("1", "0.1"), ("2", "0.3")] {
        let set = format!("terms.revenue_share.rate={rate}");
        let alone = dir(&format!("alone-{k}"));
        run_with_trials(
            &alone,
            &[
                "--set",
                &set,
                "--target",
                "unmet_share<=0.1",
                "--trials",
                "100",
            ],
        );
        let kept = dir("kept").join("runs").join(k);
        assert_eq!(listing(&kept), listing(&alone), "{k}");
        for f in [
            "trials.csv",
            "summary.csv",
            "timeseries.csv",
            "sensitivity.csv",
        ] {
            same(
                &read(&kept.join(f)),
                &read(&alone.join(f)),
                &format!("{k}: {f}"),
            );
        }
        let m = manifest(&kept);
        assert_eq!(m["scenario"]["overrides"][0], set.as_str());
        assert!(
            m["reproduce"]
                .as_str()
                .is_some_and(|r| r.contains(&s(&kept))),
            "{m}"
        );
        let outcomes = dir("outcomes").join("runs").join(k);
        same(
            &read(&outcomes.join("trials.csv")),
            &outcomes_only(&read(&kept.join("trials.csv"))),
            k,
        );
    }

    // --trials-csv says what the kept runs hold: without --keep-runs there
    // are none, and it is refused.
    let out = s(&dir("refused"));
    let r = rofrsim([
        "sweep",
        "scenarios/baseline.toml",
        "--vary",
        "terms.revenue_share.rate=0.1",
        "--trials-csv",
        "none",
        "--out",
        &out,
    ]);
    assert_eq!(r.code, Some(2), "{}", r.dump());
    assert!(r.stderr.contains("--keep-runs"), "{}", r.dump());
    assert!(!dir("refused").exists());
}

/// `rofrsim run scenarios/baseline.toml --out OUT -q EXTRA…` (EXTRA gives
/// the trials).
fn run_with_trials(out: &Path, extra: &[&str]) -> Run {
    let out = s(out);
    let mut args = vec!["run", "scenarios/baseline.toml", "--out", &out, "-q"];
    args.extend_from_slice(extra);
    ok(&args)
}
