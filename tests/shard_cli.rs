//! `rofrsim run --shard I/N` and `rofrsim merge` end to end (docs/commands.md,
//! "Past one machine"): the merged folder is the single run's, every file
//! byte for byte (the manifest but for the folder, the threads and the wall
//! time); a missing or doubled range is refused naming the trials; a shard
//! given twice is taken once; `--shard auto` reads the job array's
//! variables. Small runs (the debug binary).

mod common;

use std::fs;
use std::path::{Path, PathBuf};

use common::{Run, rofrsim, rofrsim_env};

const BASELINE: &str = "scenarios/baseline.toml";
const MINIMAL: &str = "tests/fixtures/minimal.toml";

fn tempdir() -> tempfile::TempDir {
    tempfile::Builder::new()
        .prefix("rofrsim-shard-")
        .tempdir()
        .expect("create a temporary folder")
}

fn ok(run: Run) -> Run {
    assert_eq!(run.code, Some(0), "{}", run.dump());
    assert!(run.crash_signs().is_empty(), "{}", run.dump());
    run
}

fn refused(run: Run) -> String {
    assert_eq!(run.code, Some(2), "{}", run.dump());
    assert!(run.crash_signs().is_empty(), "{}", run.dump());
    run.stderr
}

fn s(p: &Path) -> &str {
    p.to_str().expect("a UTF-8 path")
}

/// `run SCENARIO --out OUT` with `extra`, under `envs`.
fn run(scenario: &str, out: &Path, extra: &[&str], envs: &[(&str, &str)]) -> Run {
    let mut args = vec!["run", scenario, "--quiet", "--out", s(out)];
    args.extend_from_slice(extra);
    rofrsim_env(args, envs)
}

fn merge(shards: &[PathBuf], out: &Path, extra: &[&str], envs: &[(&str, &str)]) -> Run {
    let mut args: Vec<&str> = vec!["merge"];
    args.extend(shards.iter().map(|p| s(p)));
    args.extend(["--out", s(out)]);
    args.extend_from_slice(extra);
    rofrsim_env(args, envs)
}

/// The manifest without what depends on where and how fast it was made.
fn manifest_without_place(dir: &Path) -> serde_json::Value {
    let text = fs::read_to_string(dir.join("manifest.json")).expect("read manifest.json");
    let mut m: serde_json::Value = serde_json::from_str(&text).expect("manifest.json is JSON");
    let out = m["out"].as_str().expect("out").to_string();
    let object = m.as_object_mut().expect("an object");
    for key in ["out", "wall_time_seconds"] {
        assert!(object.remove(key).is_some(), "{key} in {}", dir.display());
    }
    // Runs say their threads and how to repeat them; sweeps do not.
    object.remove("threads");
    if let Some(reproduce) = object.get("reproduce").and_then(|r| r.as_str()) {
        let reproduce = reproduce.replace(&out, "OUT");
        object.insert("reproduce".into(), reproduce.into());
    }
    m
}

/// Every file of `single` is in `merged` with the same bytes, and no other.
fn assert_same_folder(single: &Path, merged: &Path) {
    let names = |d: &Path| {
        let mut v: Vec<String> = fs::read_dir(d)
            .expect("list the folder")
            .map(|e| {
                e.expect("an entry")
                    .file_name()
                    .to_string_lossy()
                    .into_owned()
            })
            .collect();
        v.sort();
        v
    };
    assert_eq!(names(single), names(merged));
    for name in names(single) {
        if single.join(&name).is_dir() {
            assert_same_folder(&single.join(&name), &merged.join(&name));
            continue;
        }
        if name == "manifest.json" {
            assert_eq!(
                manifest_without_place(single),
                manifest_without_place(merged)
            );
            continue;
        }
        let (a, b) = (
            fs::read(single.join(&name)).expect("read"),
            fs::read(merged.join(&name)).expect("read"),
        );
        assert!(
            a == b,
            "{name} differs between {} and {}",
            single.display(),
            merged.display()
        );
    }
}

#[test]
fn four_shards_merge_to_the_single_run_byte_for_byte() {
    let dir = tempdir();
    let d = dir.path();
    // Neither a multiple of the chunk (1,024) nor of 4: shards end mid-chunk.
    let common = [
        "--trials",
        "5001",
        "--paths",
        "3",
        "--target",
        "unmet_share<=0.1",
    ];
    ok(run(BASELINE, &d.join("single"), &common, &[]));
    let mut shards = Vec::new();
    for i in [2, 0, 3, 1] {
        let out = d.join(format!("shard-{i}"));
        let shard = format!("{i}/4");
        let threads = if i % 2 == 0 { "1" } else { "2" };
        let mut extra = common.to_vec();
        extra.extend(["--shard", &shard, "--threads", threads]);
        let r = ok(run(BASELINE, &out, &extra, &[]));
        assert!(
            r.stdout.contains(&format!("shard {i}/4, trials")),
            "{}",
            r.stdout
        );
        shards.push(out);
    }
    let r = ok(merge(&shards, &d.join("merged"), &["--threads", "1"], &[]));
    assert!(r.stdout.contains("baseline: 5001 trials"), "{}", r.stdout);
    assert_same_folder(&d.join("single"), &d.join("merged"));
    // A shard given twice (a task run again) is taken once: the same files.
    let again = d.join("shard-1-again");
    ok(run(
        BASELINE,
        &again,
        &[&common[..], &["--shard", "1/4"]].concat(),
        &[],
    ));
    shards.push(again);
    ok(merge(&shards, &d.join("merged-again"), &[], &[]));
    assert_same_folder(&d.join("single"), &d.join("merged-again"));
}

#[test]
fn parquet_shards_merge_to_the_single_runs_trials_parquet_byte_for_byte() {
    let dir = tempdir();
    let d = dir.path();
    // Past one row group (65,536 rows) and not a multiple of the chunk:
    // the merge re-cuts the shards' rows into the single run's batches,
    // whose boundaries make the pages and row groups.
    let common = ["--trials", "70001", "--trials-format", "parquet"];
    ok(run(MINIMAL, &d.join("single"), &common, &[]));
    let shards: Vec<PathBuf> = (0..4).map(|i| d.join(format!("p{i}"))).collect();
    for (i, out) in shards.iter().enumerate() {
        let shard = format!("{i}/4");
        ok(run(
            MINIMAL,
            out,
            &[&common[..], &["--shard", &shard]].concat(),
            &[],
        ));
        assert!(out.join("trials.parquet").is_file());
        assert!(!out.join("trials.csv").exists());
    }
    ok(merge(&shards, &d.join("merged"), &[], &[]));
    assert_same_folder(&d.join("single"), &d.join("merged"));

    // Shards of the two formats are of different runs.
    let csv = d.join("csv-1");
    ok(run(
        MINIMAL,
        &csv,
        &["--trials", "70001", "--shard", "1/4"],
        &[],
    ));
    let mixed = [shards[0].clone(), csv, shards[2].clone(), shards[3].clone()];
    let e = refused(merge(&mixed, &d.join("mixed"), &[], &[]));
    assert!(e.contains("--trials-format"), "{e}");
    // A shard's trials.parquet cut short is named.
    let cut = shards[2].join("trials.parquet");
    let bytes = fs::read(&cut).expect("read");
    fs::write(&cut, &bytes[..bytes.len() - 100]).expect("write");
    let r = merge(&shards, &d.join("cut"), &[], &[]);
    assert_ne!(r.code, Some(0), "{}", r.dump());
    assert!(r.stderr.contains("p2/trials.parquet"), "{}", r.stderr);
    assert!(r.stderr.contains("cut short"), "{}", r.stderr);
    assert!(!d.join("cut").exists());

    // Shards smaller than a chunk, empty ones, outcomes only.
    let tiny = [
        "--trials",
        "5",
        "--trials-format",
        "parquet",
        "--trials-csv",
        "outcomes",
    ];
    ok(run(MINIMAL, &d.join("five"), &tiny, &[]));
    let parts: Vec<PathBuf> = (0..8).map(|i| d.join(format!("t{i}"))).collect();
    for (i, out) in parts.iter().enumerate() {
        let shard = format!("{i}/8");
        ok(run(
            MINIMAL,
            out,
            &[&tiny[..], &["--shard", &shard]].concat(),
            &[],
        ));
    }
    ok(merge(&parts, &d.join("five-merged"), &[], &[]));
    assert_same_folder(&d.join("five"), &d.join("five-merged"));
}

#[test]
fn spilled_columns_hypercubes_and_empty_shards_merge_exactly() {
    let dir = tempdir();
    let d = dir.path();
    // Columns spill beyond 1,000 bytes: merged as a run of 3,000 trials
    // spills them. Latin hypercube: the strata are of the whole run.
    let spill = [("ROFRSIM_COLUMNS_IN_MEMORY", "1000")];
    let common = [
        "--trials",
        "3000",
        "--trials-csv",
        "none",
        "--sampling",
        "lhs",
        "--set",
        "demand.growth=0.5",
    ];
    ok(run(BASELINE, &d.join("single"), &common, &spill));
    let shards: Vec<PathBuf> = (0..3).map(|i| d.join(format!("s{i}"))).collect();
    for (i, out) in shards.iter().enumerate() {
        let shard = format!("{i}/3");
        ok(run(
            BASELINE,
            out,
            &[&common[..], &["--shard", &shard]].concat(),
            &spill,
        ));
    }
    ok(merge(&shards, &d.join("merged"), &[], &spill));
    let m = manifest_without_place(&d.join("merged"));
    assert!(
        m["summary_columns"]
            .as_str()
            .unwrap()
            .starts_with("spilled"),
        "{m}"
    );
    assert_same_folder(&d.join("single"), &d.join("merged"));

    // More shards than trials: the empty ones merge too.
    ok(run(MINIMAL, &d.join("five"), &["--trials", "5"], &[]));
    let tiny: Vec<PathBuf> = (0..8).map(|i| d.join(format!("t{i}"))).collect();
    for (i, out) in tiny.iter().enumerate() {
        let shard = format!("{i}/8");
        ok(run(
            MINIMAL,
            out,
            &["--trials", "5", "--shard", &shard],
            &[],
        ));
    }
    ok(merge(&tiny, &d.join("five-merged"), &[], &[]));
    assert_same_folder(&d.join("five"), &d.join("five-merged"));
    // In any order, the empty ones first or last.
    let reversed: Vec<PathBuf> = tiny.iter().rev().cloned().collect();
    ok(merge(&reversed, &d.join("five-reversed"), &[], &[]));
    assert_same_folder(&d.join("five"), &d.join("five-reversed"));
}

#[test]
fn missing_doubled_and_foreign_shards_are_refused_by_name() {
    let dir = tempdir();
    let d = dir.path();
    let shard = |name: &str, spec: &str, extra: &[&str]| {
        let out = d.join(name);
        let mut args = vec!["--trials", "2000", "--shard", spec];
        args.extend_from_slice(extra);
        ok(run(MINIMAL, &out, &args, &[]));
        out
    };
    let q: Vec<PathBuf> = (0..4)
        .map(|i| shard(&format!("q{i}"), &format!("{i}/4"), &[]))
        .collect();
    let half = shard("h0", "0/2", &[]);
    let other_seed = shard("seed", "3/4", &["--seed", "5"]);

    let e = refused(merge(
        &[q[0].clone(), q[1].clone(), q[3].clone()],
        &d.join("m"),
        &[],
        &[],
    ));
    assert!(e.contains("missing trials 1000 to 1499 (shard 2/4)"), "{e}");
    let e = refused(merge(&q[..3], &d.join("m"), &[], &[]));
    assert!(e.contains("missing trials 1500 to 1999 (shard 3/4)"), "{e}");
    let e = refused(merge(
        &[&q[..], std::slice::from_ref(&half)].concat(),
        &d.join("m"),
        &[],
        &[],
    ));
    assert!(e.contains("trials 0 to 499 are in two shards"), "{e}");
    let e = refused(merge(
        &[q[0].clone(), q[1].clone(), q[2].clone(), other_seed],
        &d.join("m"),
        &[],
        &[],
    ));
    assert!(e.contains("different runs") && e.contains("seed"), "{e}");
    // Nothing was written for a refused merge.
    assert!(!d.join("m").exists());

    // A run folder is not a shard; a shard is not a run folder.
    ok(run(MINIMAL, &d.join("whole"), &["--trials", "2000"], &[]));
    let e = refused(merge(&[d.join("whole")], &d.join("m"), &[], &[]));
    assert!(e.contains("a run folder") && e.contains("merge"), "{e}");
    for command in [
        vec!["report", s(&q[0])],
        vec!["sensitivity", s(&q[0])],
        vec!["compare", s(&q[0]), s(&q[1])],
    ] {
        let e = refused(rofrsim(command));
        assert!(e.contains("a shard folder"), "{e}");
    }
    // Damaged or misplaced: a trials.csv cut short, a manifest whose
    // trials are not its shard's, --out inside a shard or holding one.
    let cut = d.join("cut");
    fs::create_dir(&cut).unwrap();
    for entry in fs::read_dir(&q[1]).unwrap() {
        let entry = entry.unwrap();
        fs::copy(entry.path(), cut.join(entry.file_name())).unwrap();
    }
    let csv = fs::read(cut.join("trials.csv")).unwrap();
    fs::write(cut.join("trials.csv"), &csv[..csv.len() - 100]).unwrap();
    let e = refused(merge(
        &[q[0].clone(), cut.clone(), q[2].clone(), q[3].clone()],
        &d.join("m"),
        &[],
        &[],
    ));
    assert!(
        e.contains("cut") && e.contains("trials.csv") && e.contains("bytes where the shard wrote"),
        "{e}"
    );
    let manifest = fs::read_to_string(q[1].join("manifest.json")).unwrap();
    fs::write(cut.join("trials.csv"), &csv).unwrap();
    fs::write(
        cut.join("manifest.json"),
        manifest.replace("\"index\": 1", "\"index\": 2"),
    )
    .unwrap();
    let e = refused(merge(
        &[q[0].clone(), cut, q[2].clone(), q[3].clone()],
        &d.join("m"),
        &[],
        &[],
    ));
    assert!(e.contains("are not shard 2/4's"), "{e}");
    let e = refused(merge(&q, &q[0].join("merged"), &[], &[]));
    assert!(e.contains("is inside the shard folder"), "{e}");
    let e = refused(merge(&q, d, &["--force"], &[]));
    assert!(e.contains("holds the shard folder"), "{e}");
    assert!(q.iter().all(|p| p.join("manifest.json").is_file()));

    // A merge of the half and the two last quarters is the run.
    ok(merge(
        &[half, q[2].clone(), q[3].clone()],
        &d.join("mixed"),
        &[],
        &[],
    ));
    assert_same_folder(&d.join("whole"), &d.join("mixed"));
}

#[test]
fn shard_auto_reads_the_job_array_and_bad_options_say_why() {
    let dir = tempdir();
    let d = dir.path();
    let slurm = [
        ("SLURM_ARRAY_TASK_ID", "1"),
        ("SLURM_ARRAY_TASK_COUNT", "3"),
    ];
    let r = ok(run(
        MINIMAL,
        &d.join("a1"),
        &["--trials", "300", "--shard", "auto"],
        &slurm,
    ));
    assert!(
        r.stdout.contains("shard 1/3, trials 100 to 199 of 300"),
        "{}",
        r.stdout
    );
    let k8s = [("JOB_COMPLETION_INDEX", "2")];
    let e = refused(run(
        MINIMAL,
        &d.join("k"),
        &["--trials", "300", "--shard", "auto"],
        &k8s,
    ));
    assert!(e.contains("--shards N"), "{e}");
    let r = ok(run(
        MINIMAL,
        &d.join("k2"),
        &["--trials", "300", "--shard", "auto", "--shards", "3"],
        &k8s,
    ));
    assert!(
        r.stdout.contains("shard 2/3, trials 200 to 299"),
        "{}",
        r.stdout
    );
    let aws = [
        ("AWS_BATCH_JOB_ARRAY_INDEX", "0"),
        ("AWS_BATCH_JOB_ARRAY_SIZE", "3"),
    ];
    ok(run(
        MINIMAL,
        &d.join("w0"),
        &["--trials", "300", "--shard", "auto"],
        &aws,
    ));
    ok(merge(
        &[d.join("w0"), d.join("a1"), d.join("k2")],
        &d.join("m"),
        &[],
        &[],
    ));
    ok(run(MINIMAL, &d.join("whole"), &["--trials", "300"], &[]));
    assert_same_folder(&d.join("whole"), &d.join("m"));

    // No scheduler: say which variables were looked for.
    let e = refused(run(MINIMAL, &d.join("x"), &["--shard", "auto"], &[]));
    assert!(e.contains("SLURM_ARRAY_TASK_ID"), "{e}");
    for (args, says) in [
        (vec!["--shard", "4/4"], "does not exist"),
        (vec!["--shard", "1-4"], "expected I/N"),
        (
            vec![
                "--shard",
                "0/2",
                "--precision",
                "microsoft_value_npv_usd_bn:mean±1%",
            ],
            "--precision",
        ),
        (vec!["--shards", "2"], "--shard"),
        (vec!["--shard", "0/2", "--shards", "3"], "contradicts"),
    ] {
        let e = refused(run(MINIMAL, &d.join("x"), &args, &[]));
        assert!(e.contains(says), "{args:?}: {e}");
    }
}

#[test]
fn sweep_shards_merge_to_the_single_sweep() {
    let dir = tempdir();
    let d = dir.path();
    let common = [
        "--vary",
        "demand.growth=0.3,0.5,0.7",
        "--vary",
        "revenue.growth=0.1,0.2",
        "--trials",
        "300",
        "--target",
        "unmet_share<=0.1",
        "--keep-runs",
        "--trials-csv",
        "outcomes",
        "--quiet",
    ];
    let sweep = |out: &Path, extra: &[&str], envs: &[(&str, &str)]| {
        let mut args = vec!["sweep", MINIMAL, "--out", s(out)];
        args.extend_from_slice(&common);
        args.extend_from_slice(extra);
        rofrsim_env(args, envs)
    };
    ok(sweep(&d.join("single"), &[], &[]));
    // 6 combinations in 4 shards: 1, 2, 1 and 2 of them.
    let shards: Vec<PathBuf> = (0..4).map(|i| d.join(format!("s{i}"))).collect();
    for (i, out) in shards.iter().enumerate() {
        let index = i.to_string();
        let slurm = [
            ("SLURM_ARRAY_TASK_ID", index.as_str()),
            ("SLURM_ARRAY_TASK_COUNT", "4"),
        ];
        let r = ok(sweep(out, &["--shard", "auto"], &slurm));
        let n = if i % 2 == 0 {
            "1 combination\n"
        } else {
            "2 combinations\n"
        };
        assert!(
            r.stdout.contains(&format!("shard {i}/4 of the sweep: {n}")),
            "{}",
            r.stdout
        );
    }
    let given = [&shards[3], &shards[1], &shards[0], &shards[2]].map(|p| p.to_path_buf());
    let r = ok(merge(&given, &d.join("merged"), &[], &[]));
    assert!(r.stdout.contains("sweep of 6 combinations"), "{}", r.stdout);
    assert_same_folder(&d.join("single"), &d.join("merged"));
    // Each kept run's manifest names its new place.
    let run_manifest = manifest_without_place(&d.join("merged/runs/1"));
    assert!(
        run_manifest["reproduce"]
            .as_str()
            .is_some_and(|r| r.contains("--out OUT")),
        "{run_manifest}"
    );

    let e = refused(merge(&shards[..3], &d.join("m"), &[], &[]));
    assert!(e.contains("missing combinations 4 to 5 (shard 3/4)"), "{e}");
    // A run's shard and a sweep's do not merge.
    ok(run(
        MINIMAL,
        &d.join("r0"),
        &["--trials", "100", "--shard", "0/2"],
        &[],
    ));
    let e = refused(merge(
        &[shards[0].clone(), d.join("r0")],
        &d.join("m"),
        &[],
        &[],
    ));
    assert!(
        e.contains("a shard of a run") && e.contains("of a sweep"),
        "{e}"
    );
    // A sweep of another seed is refused.
    let other = d.join("other");
    ok(sweep(&other, &["--shard", "3/4", "--seed", "9"], &[]));
    let e = refused(merge(
        &[&shards[..3], &[other]].concat(),
        &d.join("m"),
        &[],
        &[],
    ));
    assert!(e.contains("different sweeps") && e.contains("seed"), "{e}");
}
