//! Output folders as the commands that read them see them: each kind (run,
//! sweep, compare) is recognised, a folder of the wrong kind is refused
//! with what it is and what the command reads, and manifests written
//! before `format_version` and `kind` existed still read while a newer
//! format is refused.

mod common;

use std::fs;
use std::path::{Path, PathBuf};

use common::{Run, rofrsim};

fn s(p: &Path) -> String {
    p.to_str().expect("utf-8 path").to_string()
}

/// A run, a sweep and a compare folder of `minimal.toml`, small and quick.
fn three_kinds(dir: &Path) -> (PathBuf, PathBuf, PathBuf) {
    let (run, sweep, cmp) = (dir.join("run"), dir.join("sweep"), dir.join("cmp"));
    let fixture = "tests/fixtures/minimal.toml";
    let made = [
        rofrsim(["run", fixture, "--trials", "40", "--out", &s(&run), "-q"]),
        rofrsim([
            "sweep",
            fixture,
            "--vary",
            "seed=1,2",
            "--trials",
            "20",
            "--out",
            &s(&sweep),
            "-q",
        ]),
        rofrsim([
            "compare",
            fixture,
            fixture,
            "--trials",
            "20",
            "--out",
            &s(&cmp),
            "-q",
        ]),
    ];
    for r in &made {
        assert_eq!(r.code, Some(0), "{}", r.dump());
    }
    (run, sweep, cmp)
}

/// Exit 2, no crash, and a message naming the folder, what it is and what
/// the command reads.
fn refused(r: &Run, folder: &Path, is: &str, reads: &str) {
    assert_eq!(r.code, Some(2), "{}", r.dump());
    assert!(r.crash_signs().is_empty(), "{}", r.dump());
    for part in [&s(folder), is, reads] {
        assert!(r.stderr.contains(part), "missing {part:?}\n{}", r.dump());
    }
}

#[test]
fn a_folder_of_the_wrong_kind_says_what_it_is() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let (run, sweep, cmp) = three_kinds(tmp.path());
    let out = s(&tmp.path().join("never"));

    for (folder, is) in [(&sweep, "is a sweep folder"), (&cmp, "is a compare folder")] {
        let r = rofrsim(["sensitivity", &s(folder)]);
        refused(&r, folder, is, "sensitivity reads run folders");
        let r = rofrsim(["compare", &s(&run), &s(folder), "--out", &out, "-q"]);
        refused(
            &r,
            folder,
            is,
            "compare reads scenario files and run folders",
        );
    }
    let r = rofrsim([
        "run",
        "--from-manifest",
        &s(&sweep.join("manifest.json")),
        "--out",
        &out,
    ]);
    refused(
        &r,
        &sweep,
        "is a sweep folder",
        "run --from-manifest reads the manifest of a run folder",
    );
    assert!(!Path::new(&out).exists(), "nothing is written");

    // --from-manifest given a compare folder, and a sweep's manifest by a
    // bare file name from inside its folder (the folder is then `.`).
    let r = rofrsim(["run", "--from-manifest", &s(&cmp), "--out", &out]);
    refused(
        &r,
        &cmp,
        "is a compare folder",
        "run --from-manifest reads the manifest of a run folder",
    );
    let r = common::rofrsim_in(
        &sweep,
        ["run", "--from-manifest", "manifest.json", "--out", &out],
    );
    refused(
        &r,
        Path::new("."),
        "is a sweep folder",
        "run --from-manifest reads",
    );
    assert!(r.stderr.starts_with("error: .: this is"), "{}", r.dump());

    // A sweep is reported on its own, never mixed with other folders.
    let r = rofrsim(["report", &s(&sweep), &s(&run), "--out", &out]);
    assert_eq!(r.code, Some(2), "{}", r.dump());
    assert!(r.stderr.contains("is a sweep folder"), "{}", r.dump());
    assert!(!Path::new(&out).exists(), "nothing is written");

    // A folder that is no output of rofrsim at all.
    let r = rofrsim(["report", "tests/fixtures"]);
    assert_eq!(r.code, Some(2), "{}", r.dump());
    assert!(
        r.stderr.contains("not an output folder of rofrsim"),
        "{}",
        r.dump()
    );

    // The right kinds are read.
    for args in [
        vec!["sensitivity".to_string(), s(&run)],
        vec!["report".to_string(), s(&run)],
        vec!["report".to_string(), s(&cmp)],
        vec!["report".to_string(), s(&sweep)],
    ] {
        let r = rofrsim(&args);
        assert_eq!(r.code, Some(0), "{}", r.dump());
    }
}

#[test]
fn manifests_before_format_version_read_and_newer_ones_are_refused() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let (run, _, _) = three_kinds(tmp.path());
    let manifest = run.join("manifest.json");
    let text = fs::read_to_string(&manifest).expect("manifest");
    assert!(
        text.contains("\"format_version\": 1,\n") && text.contains("\"kind\": \"run\",\n"),
        "{text}"
    );

    // As written before format_version and kind existed, and before the
    // keys that came later still (out, targets, summary_columns,
    // percentile_bands): only seed and trials must be there.
    let mut old: serde_json::Value = serde_json::from_str(&text).expect("JSON");
    for key in [
        "format_version",
        "kind",
        "out",
        "targets",
        "summary_columns",
        "percentile_bands",
    ] {
        old.as_object_mut().expect("object").remove(key);
    }
    fs::write(&manifest, old.to_string()).expect("write");
    let out = s(&tmp.path().join("cmp-old"));
    let r = rofrsim(["compare", &s(&run), &s(&run), "--out", &out, "-q"]);
    assert_eq!(r.code, Some(0), "{}", r.dump());
    let r = rofrsim(["report", &s(&run)]);
    assert_eq!(r.code, Some(0), "{}", r.dump());

    // From a newer rofrsim.
    fs::write(
        &manifest,
        text.replace("\"format_version\": 1", "\"format_version\": 2"),
    )
    .expect("write");
    let out = s(&tmp.path().join("cmp-new"));
    let r = rofrsim(["compare", &s(&run), &s(&run), "--out", &out, "-q"]);
    assert_eq!(r.code, Some(2), "{}", r.dump());
    assert!(
        r.stderr
            .contains("format_version 2 was written by a newer rofrsim"),
        "{}",
        r.dump()
    );
}
