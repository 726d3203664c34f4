//! Every instruction-set path gives the same bytes: the binary run with
//! `ROFRSIM_SIMD` forced to each path this CPU has (scalar, SSE2, AVX2,
//! AVX-512) writes identical files, on scenarios that take each way through
//! the month step (routes fixed or hanging on AGI, each allocation policy,
//! a trial count that leaves a remainder of lanes to the scalar tail).

mod common;

use std::fs;
use std::path::Path as FsPath;

use common::rofrsim_env;
use rofrsim::lanes::{PATHS, Path};

const FILES: [&str; 6] = [
    "trials.csv",
    "summary.csv",
    "timeseries.csv",
    "timeseries_wide.csv",
    "sensitivity.csv",
    "paths.csv",
];

fn run_on(path: Path, scenario: &str, set: &[&str], out: &FsPath) {
    let mut args: Vec<String> = vec![
        "run".into(),
        format!("scenarios/{scenario}.toml"),
        "--trials".into(),
        // 1,024 + 477: a whole block and one whose lanes are no multiple of
        // any width.
        "1501".into(),
        "--paths".into(),
        "3".into(),
        "--out".into(),
        out.display().to_string(),
        "--quiet".into(),
    ];
    for s in set {
        args.extend(["--set".to_string(), s.to_string()]);
    }
    let run = rofrsim_env(&args, &[("ROFRSIM_SIMD", path.name())]);
    assert_eq!(run.code, Some(0), "{}", run.dump());
}

#[test]
fn every_path_writes_the_same_bytes() {
    let tmp = tempfile::tempdir().unwrap();
    let available: Vec<Path> = PATHS.into_iter().filter(|p| p.available()).collect();
    assert!(available.contains(&Path::Scalar));
    let cases: [(&str, &[&str]); 4] = [
        ("baseline", &[]),
        ("seed_terms", &[]),
        ("baseline", &["allocation.policy=\"pro_rata\""]),
        ("early_agi", &["allocation.policy=\"in_order\""]),
    ];
    for (i, (scenario, set)) in cases.iter().enumerate() {
        let first = tmp.path().join(format!("{i}-scalar"));
        run_on(Path::Scalar, scenario, set, &first);
        for &path in &available[1..] {
            let out = tmp.path().join(format!("{i}-{path}"));
            run_on(path, scenario, set, &out);
            for f in FILES {
                let (a, b) = (
                    fs::read(first.join(f)).unwrap(),
                    fs::read(out.join(f)).unwrap(),
                );
                assert!(
                    a == b,
                    "{scenario} {set:?}: {f} differs between scalar and {path}"
                );
            }
        }
    }
}

#[test]
fn a_path_the_cpu_lacks_or_no_path_is_refused() {
    let run = rofrsim_env(
        ["validate", "scenarios/baseline.toml"],
        &[("ROFRSIM_SIMD", "neon")],
    );
    assert_eq!(run.code, Some(2), "{}", run.dump());
    assert!(
        run.stderr
            .contains("ROFRSIM_SIMD=\"neon\" names no instruction-set path; expected one of scalar, sse2, avx2, avx512"),
        "{}",
        run.dump()
    );
    if let Some(missing) = PATHS.into_iter().find(|p| !p.available()) {
        let run = rofrsim_env(
            ["validate", "scenarios/baseline.toml"],
            &[("ROFRSIM_SIMD", missing.name())],
        );
        assert_eq!(run.code, Some(2), "{}", run.dump());
        assert!(run.stderr.contains("this CPU lacks"), "{}", run.dump());
    }
}
