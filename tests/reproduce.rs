//! `run --from-manifest`: a manifest reproduces its run byte for byte, and a
//! changed scenario file is refused.

mod common;

use common::{rofrsim, root};
use std::fs;
use std::path::Path;

const CSVS: [&str; 6] = [
    "trials.csv",
    "summary.csv",
    "timeseries.csv",
    "timeseries_wide.csv",
    "sensitivity.csv",
    "paths.csv",
];

fn same_files(a: &Path, b: &Path) {
    for f in CSVS {
        let (x, y) = (fs::read(a.join(f)).unwrap(), fs::read(b.join(f)).unwrap());
        assert!(
            x == y,
            "{f} differs between {} and {}",
            a.display(),
            b.display()
        );
    }
}

#[test]
fn a_manifest_reproduces_its_run_byte_for_byte() {
    let dir = tempfile::tempdir().unwrap();
    let first = dir.path().join("first");
    let scenario = root().join("scenarios/seed_terms.toml");
    let r = rofrsim([
        "run",
        scenario.to_str().unwrap(),
        "--trials",
        "1500",
        "--seed",
        "7",
        "--set",
        "terms.rofr.0.exercise_probability={dist=\"uniform\",min=0.2,max=0.9}",
        "--target",
        "unmet_share<=0.2",
        "--paths",
        "2",
        "--out",
        first.to_str().unwrap(),
        "--quiet",
    ]);
    assert_eq!(r.code, Some(0), "{}", r.dump());
    let again = dir.path().join("again");
    let manifest = first.join("manifest.json");
    let r = rofrsim([
        "run",
        "--from-manifest",
        manifest.to_str().unwrap(),
        "--out",
        again.to_str().unwrap(),
        "-q",
    ]);
    assert_eq!(r.code, Some(0), "{}", r.dump());
    same_files(&first, &again);
    let summary = fs::read_to_string(again.join("summary.csv")).unwrap();
    assert!(
        summary.contains("target:unmet_share<=0.2,"),
        "the target is reproduced"
    );

    // Without --out it writes where the manifest says, which exists: --force needed.
    let r = rofrsim(["run", "--from-manifest", manifest.to_str().unwrap(), "-q"]);
    assert_eq!(r.code, Some(2), "{}", r.dump());
    assert!(r.stderr.contains("already exists"), "{}", r.dump());
    let r = rofrsim([
        "run",
        "--from-manifest",
        manifest.to_str().unwrap(),
        "--force",
        "-q",
    ]);
    assert_eq!(r.code, Some(0), "{}", r.dump());
    same_files(&again, &first);
}

#[test]
fn a_changed_scenario_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = dir.path().join("s.toml");
    fs::copy(root().join("tests/fixtures/minimal.toml"), &scenario).unwrap();
    let out = dir.path().join("out");
    let r = rofrsim([
        "run",
        scenario.to_str().unwrap(),
        "--trials",
        "50",
        "--out",
        out.to_str().unwrap(),
        "-q",
    ]);
    assert_eq!(r.code, Some(0), "{}", r.dump());
    let mut text = fs::read_to_string(&scenario).unwrap();
    text.push_str("\n# an edit\n");
    fs::write(&scenario, text).unwrap();
    let again = dir.path().join("again");
    let manifest = out.join("manifest.json");
    let r = rofrsim([
        "run",
        "--from-manifest",
        manifest.to_str().unwrap(),
        "--out",
        again.to_str().unwrap(),
    ]);
    assert_eq!(r.code, Some(2), "{}", r.dump());
    assert!(
        r.stderr.contains("has changed") && r.stderr.contains("SHA-256"),
        "{}",
        r.dump()
    );
    assert!(!again.exists(), "nothing is written");
}

#[test]
fn from_manifest_conflicts_with_run_options_and_rejects_junk() {
    let dir = tempfile::tempdir().unwrap();
    let junk = dir.path().join("manifest.json");
    fs::write(&junk, "{\"seed\": 1}").unwrap();
    let r = rofrsim(["run", "--from-manifest", junk.to_str().unwrap()]);
    assert_eq!(r.code, Some(2), "{}", r.dump());
    assert!(
        r.stderr
            .contains("not a manifest of `rofrsim run`: missing field"),
        "{}",
        r.dump()
    );
    let r = rofrsim([
        "run",
        "--from-manifest",
        junk.to_str().unwrap(),
        "--trials",
        "5",
    ]);
    assert_eq!(r.code, Some(2), "{}", r.dump());
    assert!(r.crash_signs().is_empty(), "{}", r.dump());
}
