//! Sampling and correlations as a user meets them: the real binary on
//! files. `validate` reports correlations that cannot hold and adjusts them
//! on request; `--sampling lhs` gives the same outputs on any thread count,
//! is recorded in the manifest and repeated from it; a run's `trials.csv`
//! shows the correlations asked for.

mod common;

use std::fs;
use std::path::{Path, PathBuf};

use common::{Csv, rofrsim, root};
use rofrsim::analysis::inference::spearman;

/// Two years rather than eleven: the draws under test are made at a
/// trial's start, and the debug binary runs 5× faster.
const SHORT: &str = "time.end=\"2026-12\"";

fn baseline() -> PathBuf {
    root().join("scenarios/baseline.toml")
}

/// `rofrsim run` of the two-year baseline into `out` with `trials` and
/// the `extra` options; it must succeed.
fn run_short(out: &Path, trials: &str, extra: &[&str]) {
    let base = baseline();
    let mut args = vec![
        "run",
        base.to_str().unwrap(),
        "--set",
        SHORT,
        "--trials",
        trials,
    ];
    args.extend(extra);
    args.extend(["--quiet", "--out", out.to_str().unwrap()]);
    let r = rofrsim(args);
    assert_eq!(r.code, Some(0), "{}", r.dump());
}

/// The baseline with a correlation table appended, written into `dir`.
fn with_correlations(dir: &Path, table: &str) -> PathBuf {
    let text = fs::read_to_string(baseline()).unwrap();
    let path = dir.join("correlated.toml");
    fs::write(&path, format!("{text}\n{table}")).unwrap();
    path
}

const INCONSISTENT: &str = r#"[[correlations]]
inputs = ["providers.oracle.growth", "providers.oracle.max_gw", "providers.oracle.price"]
spearman = [[1, 0.9, 0.9], [0.9, 1, -0.9], [0.9, -0.9, 1]]
"#;

#[test]
fn validate_reports_inconsistent_correlations_and_adjusts_them_on_request() {
    let tmp = tempfile::tempdir().unwrap();
    let file = with_correlations(tmp.path(), INCONSISTENT);
    let lines = fs::read_to_string(&file).unwrap().lines().count();
    let r = rofrsim(["validate", file.to_str().unwrap()]);
    assert_eq!(r.code, Some(2), "{}", r.dump());
    // The spearman key is the last line of the file.
    let at = format!("correlated.toml:{lines}:");
    assert!(r.stderr.contains(&at), "no {at} in:\n{}", r.dump());
    assert!(
        r.stderr
            .contains("correlations.2: the correlations among providers.oracle.growth, providers.oracle.max_gw, providers.oracle.price cannot all hold at once"),
        "{}",
        r.dump()
    );
    let r = rofrsim(["validate", file.to_str().unwrap(), "--adjust-correlations"]);
    assert_eq!(r.code, Some(0), "{}", r.dump());
    assert!(
        r.stdout.contains("were adjusted to the nearest consistent ones: providers.oracle.growth ~ providers.oracle.max_gw 0.9 → 0.4826"),
        "{}",
        r.dump()
    );
    // The table shows the coefficients used: the shipped ones and the adjusted.
    assert!(
        r.stdout.contains("rank correlations in 3 groups"),
        "{}",
        r.dump()
    );
    // A run says it too, on stderr.
    let out = tmp.path().join("run");
    let r = rofrsim([
        "run",
        file.to_str().unwrap(),
        "--adjust-correlations",
        "--trials",
        "300",
        "--trials-csv",
        "none",
        "--quiet",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(r.code, Some(0), "{}", r.dump());
    assert!(r.stderr.contains("were adjusted"), "{}", r.dump());
}

#[test]
fn latin_hypercube_runs_are_the_same_on_any_thread_count_and_repeat_from_the_manifest() {
    let tmp = tempfile::tempdir().unwrap();
    let run = |dir: &str, threads: &str| {
        let out = tmp.path().join(dir);
        run_short(&out, "2500", &["--sampling", "lhs", "--threads", threads]);
        out
    };
    let one = run("one", "1");
    let two = run("two", "2");
    for file in [
        "trials.csv",
        "summary.csv",
        "timeseries.csv",
        "sensitivity.csv",
    ] {
        assert_eq!(
            fs::read(one.join(file)).unwrap(),
            fs::read(two.join(file)).unwrap(),
            "{file} differs between --threads 1 and 2"
        );
    }
    let manifest = fs::read_to_string(one.join("manifest.json")).unwrap();
    assert!(
        manifest.contains("sampling.method=\\\"lhs\\\""),
        "{manifest}"
    );
    let again = tmp.path().join("again");
    let r = rofrsim([
        "run",
        "--from-manifest",
        one.join("manifest.json").to_str().unwrap(),
        "--quiet",
        "--out",
        again.to_str().unwrap(),
    ]);
    assert_eq!(r.code, Some(0), "{}", r.dump());
    assert_eq!(
        fs::read(one.join("trials.csv")).unwrap(),
        fs::read(again.join("trials.csv")).unwrap()
    );
    // Not Monte Carlo: the same seed without --sampling draws otherwise.
    let mc = tmp.path().join("mc");
    run_short(&mc, "2500", &[]);
    assert_ne!(
        fs::read(one.join("trials.csv")).unwrap(),
        fs::read(mc.join("trials.csv")).unwrap()
    );
    // Each input's 2,500 draws under LHS fall one in each of 2,500 strata:
    // for a uniform input, ⌊(x − min) / (max − min) · N⌋ takes every value once.
    let trials = Csv::read(&one.join("trials.csv"));
    let (lo, hi) = (0.5, 0.9); // providers.stargate.tranches.2.probability
    let mut strata: Vec<usize> = trials
        .numbers("providers.stargate.tranches.2.probability")
        .iter()
        .map(|x| ((x - lo) / (hi - lo) * 2500.0).floor() as usize)
        .collect();
    strata.sort_unstable();
    assert_eq!(strata, (0..2500).collect::<Vec<_>>());
}

#[test]
fn a_runs_trials_show_the_correlations_asked_for() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("run");
    run_short(&out, "10000", &[]);
    let trials = Csv::read(&out.join("trials.csv"));
    // Fisher's z of Spearman's ρ: standard error √(1.06 / (N − 3)) ≈ 0.0103;
    // five of them either way.
    let se = (1.06f64 / (10_000.0 - 3.0)).sqrt();
    for (a, b, target) in [
        ("demand.growth", "revenue.growth", 0.3),
        ("providers.azure.growth", "providers.azure.max_gw", 0.5),
        (
            "providers.azure.growth",
            "providers.azure.max_new_gw_per_year",
            0.4,
        ),
        (
            "providers.azure.max_gw",
            "providers.azure.max_new_gw_per_year",
            0.3,
        ),
        ("demand.growth", "providers.azure.growth", 0.0),
    ] {
        let got = spearman(&trials.numbers(a), &trials.numbers(b)).unwrap();
        let z = (got.atanh() - f64::atanh(target)).abs() / se;
        assert!(z <= 5.0, "{a} ~ {b}: {got} against {target} ({z:.1} SE)");
    }
}

/// Sweeping a correlated input fixes it in each combination: it leaves its
/// correlations, the sweep runs, and says so once.
#[test]
fn a_sweep_of_a_correlated_input_runs_and_says_it_leaves_its_correlations() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("sweep");
    let base = baseline();
    let r = rofrsim([
        "sweep",
        base.to_str().unwrap(),
        "--set",
        SHORT,
        "--vary",
        "providers.azure.growth=0.5,0.8",
        "--trials",
        "300",
        "--quiet",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(r.code, Some(0), "{}", r.dump());
    let note = "baseline: note: `providers.azure.growth` is a constant here (set by --set); in correlations.1 it stays a hidden draw, so the inputs correlated with it draw as they do without the --set";
    assert_eq!(r.stderr.matches(note).count(), 1, "{}", r.dump());
}

/// A what-if that fixes a correlated input keeps common random numbers:
/// the inputs correlated with it draw exactly as in the plain run.
#[test]
fn fixing_a_correlated_input_leaves_its_partners_draws_unchanged() {
    let tmp = tempfile::tempdir().unwrap();
    let (plain, fixed) = (tmp.path().join("plain"), tmp.path().join("fixed"));
    run_short(&plain, "500", &[]);
    run_short(&fixed, "500", &["--set", "providers.azure.growth=0.8"]);
    let (a, b) = (
        Csv::read(&plain.join("trials.csv")),
        Csv::read(&fixed.join("trials.csv")),
    );
    for partner in [
        "providers.azure.max_gw",
        "providers.azure.max_new_gw_per_year",
        "demand.growth",
    ] {
        assert_eq!(a.column(partner), b.column(partner), "{partner}");
    }
    // A constant is no column of trials.csv; the run did fix it.
    assert!(a.header.iter().any(|h| h == "providers.azure.growth"));
    assert!(!b.header.iter().any(|h| h == "providers.azure.growth"));
    assert_ne!(a.column("azure_share_end"), b.column("azure_share_end"));
}
