//! The 95 % intervals of `summary.csv` cover what they claim to: over
//! [`SEEDS`] samples of [`DRAWS`] values from distributions whose mean and
//! quantiles are known, each interval (the mean's and each percentile's)
//! contains the true value about 95 % of the time.
//!
//! The count of samples whose interval covers is Binomial(SEEDS, coverage),
//! so the tolerance is a number of its standard deviations σ: z σ, with z
//! such that all [`CHECKS`] checks together fail by chance as rarely as one
//! 3σ check does (0.27 %; Bonferroni: z = 3.82). At 3σ each, one of the 20
//! would fail by chance about once in 20 sets of seeds (seeds 1..=200 give
//! the exponential's mean 0.900, 3.2σ below 0.95; 2,000 seeds give 0.946).
//! The mean's t interval is asymptotically exact: its share must be within
//! zσ of 0.95. A percentile's interval is conservative, its exact coverage
//! P(l ≤ B < u) for B ~ Binomial(DRAWS, p) at least 0.95: its share must
//! be within zσ of that exact coverage, and not below 0.95 − zσ.
//!
//! Library-level (no engine run) and deterministic (a fixed seed per
//! sample). `cargo test --test summary_coverage -- --nocapture` prints the
//! table.

use rand::SeedableRng;
use rand::rngs::Xoshiro256PlusPlus;
use rand_distr::Distribution;
use rofrsim::analysis::inference::quantile_ci_ranks;
use rofrsim::analysis::stats::{SUMMARY_CONFIDENCE, SUMMARY_PERCENTILES, summarise};
use statrs::distribution::{Binomial, ContinuousCDF, DiscreteCDF, Normal};

/// Samples per distribution.
const SEEDS: u64 = 200;
/// Values per sample (a small run's trials).
const DRAWS: usize = 2_000;

/// A distribution with its true mean and quantile function.
struct Known {
    name: &'static str,
    draw: Box<dyn Fn(&mut Xoshiro256PlusPlus) -> f64>,
    mean: f64,
    quantile: Box<dyn Fn(f64) -> f64>,
}

fn distributions() -> Vec<Known> {
    let z = |p: f64| Normal::standard().inverse_cdf(p);
    let lognormal = rand_distr::LogNormal::new(0.0, 1.0).expect("valid lognormal");
    let exponential = rand_distr::Exp::new(1.0).expect("valid exponential");
    vec![
        // Skewed and long-tailed, as an NPV or a spend is.
        Known {
            name: "lognormal(0, 1)",
            draw: Box::new(move |rng| lognormal.sample(rng)),
            mean: 0.5f64.exp(),
            quantile: Box::new(move |p| z(p).exp()),
        },
        // Skewed, with its mode at the lower bound, as a share of unmet
        // demand is.
        Known {
            name: "exponential(1)",
            draw: Box::new(move |rng| exponential.sample(rng)),
            mean: 1.0,
            quantile: Box::new(|p: f64| -(1.0 - p).ln()),
        },
    ]
}

/// Checks made: the mean and each percentile, for each distribution.
const CHECKS: usize = 2 * (1 + SUMMARY_PERCENTILES.len());

/// The tolerance of a share of `SEEDS` trials with probability `p`: z of
/// its standard deviations, z two-sided for a chance failure of any of
/// the [`CHECKS`] at the rate of one 3σ check.
fn tolerance(p: f64) -> f64 {
    let one_check = 2.0 * Normal::standard().cdf(-3.0);
    let z = Normal::standard().inverse_cdf(1.0 - one_check / (2.0 * CHECKS as f64));
    z * (p * (1.0 - p) / SEEDS as f64).sqrt()
}

#[test]
fn summary_intervals_cover_at_their_nominal_rate() {
    let nominal = SUMMARY_CONFIDENCE;
    let mut failures = Vec::new();
    println!(
        "{:<16} {:<10} {:>8} {:>8} {:>8}",
        "distribution", "statistic", "covered", "exact", "±zσ"
    );
    for known in distributions() {
        // covered[0]: the mean; covered[1 + i]: percentile i.
        let mut covered = [0u64; 1 + SUMMARY_PERCENTILES.len()];
        for seed in 1..=SEEDS {
            let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
            let values: Vec<f64> = (0..DRAWS).map(|_| (known.draw)(&mut rng)).collect();
            let s = summarise(&values).expect("a non-empty sample");
            let (low, high) = s.mean_ci.expect("2,000 values have a mean interval");
            covered[0] += u64::from(low <= known.mean && known.mean <= high);
            for (i, (&p, ci)) in SUMMARY_PERCENTILES
                .iter()
                .zip(&s.percentile_cis)
                .enumerate()
            {
                let (low, high) = ci.expect("2,000 values have every percentile's interval");
                let truth = (known.quantile)(p);
                covered[1 + i] += u64::from(low <= truth && truth <= high);
            }
        }
        let share = |c: u64| c as f64 / SEEDS as f64;
        // The mean: the t interval's nominal rate.
        let mean_share = share(covered[0]);
        println!(
            "{:<16} {:<10} {:>8.3} {:>8.3} {:>8.3}",
            known.name,
            "mean",
            mean_share,
            nominal,
            tolerance(nominal)
        );
        if (mean_share - nominal).abs() > tolerance(nominal) {
            failures.push(format!("{} mean: {mean_share}", known.name));
        }
        // Each percentile: the exact coverage of its ranks.
        for (i, &p) in SUMMARY_PERCENTILES.iter().enumerate() {
            let (l, u) = quantile_ci_ranks(DRAWS, p, nominal).expect("ranks at 2,000");
            let binomial = Binomial::new(p, DRAWS as u64).expect("valid binomial");
            let exact = binomial.cdf(u as u64 - 1) - binomial.cdf(l as u64 - 1);
            let got = share(covered[1 + i]);
            let label = format!("p{}", (p * 100.0).round());
            println!(
                "{:<16} {:<10} {:>8.3} {:>8.3} {:>8.3}",
                known.name,
                label,
                got,
                exact,
                tolerance(exact)
            );
            if exact < nominal {
                failures.push(format!(
                    "{} {label}: exact coverage {exact} below {nominal}",
                    known.name
                ));
            }
            if (got - exact).abs() > tolerance(exact) || got < nominal - tolerance(nominal) {
                failures.push(format!("{} {label}: {got} (exact {exact})", known.name));
            }
        }
    }
    assert!(failures.is_empty(), "coverage off: {failures:#?}");
}
