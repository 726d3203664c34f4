//! Cross-checks `rofrsim::inference` against the independent pure-Python
//! implementation in `tests/inference_check.py` (standard library only).
//!
//! Samples come from a fixed seed (normals, lognormals, rounded values for
//! ties, degenerate and tiny cases). Everything must agree to 1e-9 relative;
//! quantities built on a Student-t quantile (CI bounds, the quantiles
//! themselves) to 1e-6.
//!
//! The cross-check needs python3: it is `#[ignore]`d for plain `cargo test`
//! and fails, saying so, when python3 is missing; `.ci/run` runs it with
//! `cargo test -- --include-ignored`. That the cases exercise what they
//! claim needs no Python and is an ordinary test.

mod common;

use std::io::Write;
use std::process::Stdio;

use rand::SeedableRng;
use rand::rngs::Xoshiro256PlusPlus;
use rand_distr::{Distribution, LogNormal, Normal};
use rofrsim::analysis::inference::{
    MeanDiff, ks_two_sample, p_greater_paired, p_greater_unpaired, paired_mean_diff, ranks,
    spearman, t_quantile, tornado_swing, welch_mean_diff,
};
use serde_json::{Value, json};

const REL: f64 = 1e-9;
const REL_T: f64 = 1e-6;

struct Case {
    name: &'static str,
    a: Vec<f64>,
    b: Vec<f64>,
}

fn normal(rng: &mut Xoshiro256PlusPlus, mean: f64, sd: f64, n: usize) -> Vec<f64> {
    let d = Normal::new(mean, sd).expect("valid normal");
    (0..n).map(|_| d.sample(rng)).collect()
}

fn lognormal(rng: &mut Xoshiro256PlusPlus, mu: f64, sigma: f64, n: usize) -> Vec<f64> {
    let d = LogNormal::new(mu, sigma).expect("valid lognormal");
    (0..n).map(|_| d.sample(rng)).collect()
}

fn cases() -> Vec<Case> {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(20_240_601);
    let mut v = Vec::new();

    let a = normal(&mut rng, 100.0, 15.0, 200);
    let noise = normal(&mut rng, 2.0, 5.0, 200);
    let b = a.iter().zip(&noise).map(|(x, e)| x + e).collect();
    v.push(Case {
        name: "normal_paired_200",
        a,
        b,
    });

    let a = lognormal(&mut rng, 0.0, 0.5, 300);
    let b = lognormal(&mut rng, 0.1, 0.6, 500);
    v.push(Case {
        name: "lognormal_300_vs_500",
        a,
        b,
    });

    let a = normal(&mut rng, 10.0, 3.0, 50)
        .iter()
        .map(|x| x.round())
        .collect();
    let b = normal(&mut rng, 11.0, 3.0, 50)
        .iter()
        .map(|x| x.round())
        .collect();
    v.push(Case {
        name: "rounded_integer_ties_50",
        a,
        b,
    });

    let a: Vec<f64> = normal(&mut rng, 0.0, 1.0, 400)
        .iter()
        .map(|x| (x * 10.0).round() / 10.0)
        .collect();
    let e = normal(&mut rng, 0.0, 1.0, 400);
    let b = a
        .iter()
        .zip(&e)
        .map(|(x, e)| 0.5 * x + (e * 10.0).round() / 10.0)
        .collect();
    v.push(Case {
        name: "rounded_decimal_ties_400",
        a,
        b,
    });

    let a = normal(&mut rng, 0.0, 1.0, 137);
    let b = normal(&mut rng, 0.0, 1.0, 137);
    v.push(Case {
        name: "same_distribution_137",
        a,
        b,
    });

    let a = normal(&mut rng, 0.0, 1.0, 100);
    let b = normal(&mut rng, 5.0, 1.0, 100);
    v.push(Case {
        name: "far_apart_100",
        a,
        b,
    });

    // b − a is exactly 3 (integers): degenerate paired CI, Spearman 1.
    let a: Vec<f64> = normal(&mut rng, 0.0, 4.0, 60)
        .iter()
        .map(|x| x.round())
        .collect();
    let b = a.iter().map(|x| x + 3.0).collect();
    v.push(Case {
        name: "constant_shift_60",
        a,
        b,
    });

    // Tornado with a heavily tied input (one decimal) and a nonlinear output.
    let x: Vec<f64> = normal(&mut rng, 0.0, 1.0, 500)
        .iter()
        .map(|x| (x * 10.0).round() / 10.0)
        .collect();
    let e = normal(&mut rng, 0.0, 0.3, 500);
    let y = x.iter().zip(&e).map(|(x, e)| x * x + x + e).collect();
    v.push(Case {
        name: "tornado_tied_input_500",
        a: x,
        b: y,
    });

    v.push(Case {
        name: "constants_50_vs_60",
        a: vec![2.0; 50],
        b: vec![5.0; 60],
    });
    v.push(Case {
        name: "one_vs_two",
        a: vec![1.0],
        b: vec![2.0, 3.0],
    });
    v.push(Case {
        name: "hand_ties",
        a: vec![1.0, 2.0, 2.0, 3.0],
        b: vec![2.0, 3.0, 4.0],
    });
    v.push(Case {
        name: "signed_zeros",
        a: vec![0.0, -0.0, 1.0, -1.0],
        b: vec![-0.0, 0.0, 2.0, -1.0],
    });
    v.push(Case {
        name: "empty_b",
        a: vec![1.0, 2.0, 3.0],
        b: vec![],
    });
    v
}

/// (p, df) pairs checked directly.
fn t_points() -> Vec<(f64, f64)> {
    let mut v: Vec<(f64, f64)> = [
        1.0, 1.5, 2.0, 3.2347, 10.0, 49.0, 123.4, 999.999, 1000.0, 3000.0, 1e4, 1e5, 1e6, 1e7,
    ]
    .iter()
    .map(|&df| (0.975, df))
    .collect();
    for df in [5.0, 500.0, 5000.0] {
        for p in [0.001, 0.1, 0.5, 0.9, 0.995, 0.999] {
            v.push((p, df));
        }
    }
    v
}

/// |x − y| ≤ rel · max(|x|, |y|, scale).
fn close(x: f64, y: f64, rel: f64, scale: f64) -> bool {
    x == y || (x - y).abs() <= rel * x.abs().max(y.abs()).max(scale)
}

fn num(v: &Value, what: &str) -> f64 {
    v.as_f64()
        .unwrap_or_else(|| panic!("{what}: expected a number, got {v}"))
}

fn check(errors: &mut Vec<String>, what: String, rust: f64, py: f64, rel: f64, scale: f64) {
    if !close(rust, py, rel, scale) {
        errors.push(format!(
            "{what}: rust {rust:e} python {py:e} (rel {:e})",
            (rust - py).abs() / rust.abs().max(py.abs()).max(scale)
        ));
    }
}

fn check_mean_diff(errors: &mut Vec<String>, what: &str, rust: Option<MeanDiff>, py: &Value) {
    match (rust, py.is_null()) {
        (None, true) => {}
        (Some(r), false) => {
            let f = |k: &str| num(&py[k], &format!("{what}.{k}"));
            let half = r.ci_high - r.diff;
            check(errors, format!("{what}.diff"), r.diff, f("diff"), REL, r.se);
            check(errors, format!("{what}.se"), r.se, f("se"), REL, 0.0);
            check(errors, format!("{what}.df"), r.df, f("df"), REL, 0.0);
            check(
                errors,
                format!("{what}.ci_low"),
                r.ci_low,
                f("ci_low"),
                REL_T,
                half,
            );
            check(
                errors,
                format!("{what}.ci_high"),
                r.ci_high,
                f("ci_high"),
                REL_T,
                half,
            );
        }
        _ => errors.push(format!("{what}: rust {rust:?} python {py}")),
    }
}

fn check_pair(errors: &mut Vec<String>, what: &str, rust: Option<(f64, f64)>, py: &Value) {
    match (rust, py.is_null()) {
        (None, true) => {}
        (Some((x, y)), false) => {
            check(errors, format!("{what}[0]"), x, num(&py[0], what), REL, 0.0);
            check(errors, format!("{what}[1]"), y, num(&py[1], what), REL, 0.0);
        }
        _ => errors.push(format!("{what}: rust {rust:?} python {py}")),
    }
}

/// The cases exercise what they claim: the constant shift gives a
/// degenerate paired interval, the far-apart samples a tiny KS p-value.
#[test]
fn the_cases_exercise_what_they_claim() {
    let cases = cases();
    let hand = paired_mean_diff(&cases[6].a, &cases[6].b).expect("constant shift");
    assert_eq!((hand.ci_low, hand.ci_high), (3.0, 3.0));
    let (_, p_far) = ks_two_sample(&cases[5].a, &cases[5].b).expect("far apart");
    assert!(p_far > 0.0 && p_far < 1e-20, "{p_far}");
}

#[test]
#[ignore = "needs python3; .ci/run runs it with --include-ignored"]
fn inference_agrees_with_independent_python() {
    let cases = cases();
    let t_points = t_points();
    let input = json!({
        "cases": cases.iter().map(|c| json!({"name": c.name, "a": c.a, "b": c.b}))
            .collect::<Vec<_>>(),
        "t_quantiles": t_points.iter().map(|&(p, df)| json!([p, df])).collect::<Vec<_>>(),
    });
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/inference_check.py");
    let mut child = common::python3()
        .arg(script)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn python3");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(input.to_string().as_bytes())
        .expect("write samples to python");
    let out = child.wait_with_output().expect("python3 output");
    assert!(
        out.status.success(),
        "inference_check.py failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let py: Value = serde_json::from_slice(&out.stdout).expect("python JSON");

    let mut errors = Vec::new();
    for c in &cases {
        let p = &py["cases"][c.name];
        assert!(p.is_object(), "python result missing for {}", c.name);
        let n = c.name;
        check_mean_diff(
            &mut errors,
            &format!("{n}.paired"),
            paired_mean_diff(&c.a, &c.b),
            &p["paired"],
        );
        check_mean_diff(
            &mut errors,
            &format!("{n}.welch"),
            welch_mean_diff(&c.a, &c.b),
            &p["welch"],
        );
        check(
            &mut errors,
            format!("{n}.p_greater_paired"),
            p_greater_paired(&c.a, &c.b),
            num(&p["p_greater_paired"], n),
            REL,
            0.0,
        );
        check(
            &mut errors,
            format!("{n}.p_greater_unpaired"),
            p_greater_unpaired(&c.a, &c.b),
            num(&p["p_greater_unpaired"], n),
            REL,
            0.0,
        );
        check_pair(
            &mut errors,
            &format!("{n}.ks"),
            ks_two_sample(&c.a, &c.b),
            &p["ks"],
        );
        check_pair(
            &mut errors,
            &format!("{n}.tornado"),
            tornado_swing(&c.a, &c.b),
            &p["tornado"],
        );
        let r = ranks(&c.a);
        let pr = p["ranks_a"].as_array().expect("ranks array");
        assert_eq!(r.len(), pr.len(), "{n}.ranks length");
        for (i, (x, y)) in r.iter().zip(pr).enumerate() {
            check(
                &mut errors,
                format!("{n}.ranks[{i}]"),
                *x,
                num(y, n),
                0.0,
                0.0,
            );
        }
        match (spearman(&c.a, &c.b), p["spearman"].as_f64()) {
            (None, None) => {}
            (Some(x), Some(y)) => check(&mut errors, format!("{n}.spearman"), x, y, REL, 1.0),
            (x, _) => errors.push(format!("{n}.spearman: rust {x:?} python {}", p["spearman"])),
        }
    }
    let pq = py["t_quantiles"].as_array().expect("t_quantiles array");
    assert_eq!(pq.len(), t_points.len());
    for (&(p, df), y) in t_points.iter().zip(pq) {
        match t_quantile(p, df) {
            Some(x) => check(
                &mut errors,
                format!("t_quantile({p}, {df})"),
                x,
                num(y, "t"),
                REL_T,
                0.0,
            ),
            None => errors.push(format!("t_quantile({p}, {df}) is None")),
        }
    }
    assert!(
        errors.is_empty(),
        "{} mismatches:\n{}",
        errors.len(),
        errors.join("\n")
    );
}
