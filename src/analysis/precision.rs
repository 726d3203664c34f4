//! `--precision 'METRIC:STAT±TOL'`: run until a statistic of an outcome is
//! known to a tolerance. What a target is ([`Spec`]), the interval of its
//! statistic over the trials run so far ([`evaluate`]) and whether it is
//! narrow enough: the stopping rule of `rofrsim run --precision`
//! (docs/commands.md, "Running until precise").

use std::fmt;
use std::str::FromStr;

use statrs::distribution::{ContinuousCDF, Normal};

use super::inference::{quantile_ci_ranks, t_quantile, wilson_interval_z};
use super::order;
use super::stats::compensated_sum;
use crate::error::Error;

/// The statistic a precision target is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stat {
    /// The mean.
    Mean,
    /// The sample standard deviation (n − 1).
    Sd,
    /// The NN-th percentile (1 to 99), as PERCENTILE.INC.
    Percentile(u8),
}

/// How close the interval must come to the estimate.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Tolerance {
    /// Percent of the estimate's magnitude (`1%`).
    Relative(f64),
    /// In the metric's unit (`0.5`).
    Absolute(f64),
}

/// One `--precision` target, e.g. `microsoft_value_npv_usd_bn:mean±1%`.
#[derive(Debug, Clone, PartialEq)]
pub struct Spec {
    /// An outcome metric of `summary.csv`.
    pub metric: String,
    /// Its statistic.
    pub stat: Stat,
    /// The half-width allowed.
    pub tolerance: Tolerance,
}

const FORM: &str = "METRIC:STAT±TOL with STAT mean, sd or pNN (NN 1 to 99) and TOL a percentage of the statistic (1%) or an amount in the metric's unit (0.5), e.g. 'microsoft_value_npv_usd_bn:mean±1%' (+- may stand for ±)";

impl FromStr for Spec {
    type Err = String;

    fn from_str(s: &str) -> Result<Spec, String> {
        let bad = |what: String| format!("{what}: expected {FORM}");
        let Some((metric, rest)) = s.split_once(':') else {
            return Err(bad(format!("no `:` after the metric in {s:?}")));
        };
        let metric = metric.trim();
        if metric.is_empty() {
            return Err(bad(format!("no metric before `:` in {s:?}")));
        }
        let Some((stat, tol)) = rest.split_once('±').or_else(|| rest.split_once("+-")) else {
            return Err(bad(format!(
                "no ± (or +-) between statistic and tolerance in {s:?}"
            )));
        };
        let stat = match stat.trim() {
            "mean" => Stat::Mean,
            "sd" => Stat::Sd,
            other => {
                let nn = other
                    .strip_prefix('p')
                    .filter(|d| !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit()))
                    .and_then(|d| d.parse::<u8>().ok())
                    .filter(|nn| (1..=99).contains(nn));
                match nn {
                    Some(nn) => Stat::Percentile(nn),
                    None => return Err(bad(format!("unknown statistic {other:?}"))),
                }
            }
        };
        let tol = tol.trim();
        let (number, relative) = match tol.strip_suffix('%') {
            Some(n) => (n.trim(), true),
            None => (tol, false),
        };
        let value = number
            .parse::<f64>()
            .ok()
            .filter(|v| v.is_finite() && *v > 0.0)
            .ok_or_else(|| bad(format!("the tolerance {tol:?} is not a number above 0")))?;
        let tolerance = if relative {
            Tolerance::Relative(value)
        } else {
            Tolerance::Absolute(value)
        };
        Ok(Spec {
            metric: metric.to_string(),
            stat,
            tolerance,
        })
    }
}

impl fmt::Display for Stat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Stat::Mean => write!(f, "mean"),
            Stat::Sd => write!(f, "sd"),
            Stat::Percentile(nn) => write!(f, "p{nn}"),
        }
    }
}

impl fmt::Display for Tolerance {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Tolerance::Relative(p) => write!(f, "{p}%"),
            Tolerance::Absolute(x) => write!(f, "{x}"),
        }
    }
}

impl fmt::Display for Spec {
    /// The form `--precision` takes and a manifest records.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}±{}", self.metric, self.stat, self.tolerance)
    }
}

impl Spec {
    /// Checks the metric exists among `metrics`.
    pub fn check(&self, metrics: &[String]) -> Result<(), Error> {
        super::target::check_metric("--precision", &self.metric, metrics)
    }

    /// The half-width allowed around `estimate`.
    pub fn allowed(&self, estimate: f64) -> f64 {
        match self.tolerance {
            Tolerance::Relative(p) => p / 100.0 * estimate.abs(),
            Tolerance::Absolute(x) => x,
        }
    }
}

/// `--confidence`: a level such as `0.95` or `95%`. Up to 0.998, the
/// widest two-sided level whose quantile [`t_quantile`] computes.
pub fn parse_confidence(s: &str) -> Result<f64, String> {
    let t = s.trim();
    let value = match t.strip_suffix('%') {
        Some(p) => p.trim().parse::<f64>().map(|p| p / 100.0),
        None => t.parse::<f64>(),
    };
    match value {
        Ok(c) if c > 0.0 && c <= MAX_CONFIDENCE => Ok(c),
        _ => Err(format!(
            "expected a confidence level above 0 and at most {MAX_CONFIDENCE}, such as 0.95 or 95% (given {s:?})"
        )),
    }
}

/// Highest `--confidence`.
pub const MAX_CONFIDENCE: f64 = 0.998;

/// A statistic's estimate and interval over the trials so far.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Reached {
    /// Values with a number (missing ones left out).
    pub n: usize,
    /// The statistic (NaN when there is none).
    pub estimate: f64,
    /// Lower end of its interval (NaN when too few values for one).
    pub low: f64,
    /// Upper end.
    pub high: f64,
    /// The larger distance from the estimate to an end (infinite when
    /// there is no interval): what must be within the tolerance.
    pub half_width: f64,
    /// The half-width the target allows.
    pub allowed: f64,
}

impl Reached {
    /// Whether both ends are within the tolerance of the estimate. A
    /// relative tolerance of an estimate of 0 allows nothing, and is never
    /// met (an interval of no width there says nothing about precision).
    pub fn passed(&self) -> bool {
        self.half_width <= self.allowed && self.allowed > 0.0
    }

    /// The half-width relative to the estimate's magnitude (infinite for
    /// an estimate of 0 with any spread).
    pub fn relative(&self) -> f64 {
        self.half_width / self.estimate.abs()
    }
}

/// The estimate and `confidence` interval of `spec`'s statistic over
/// `values` (NaN = missing, left out as summary.csv does):
///
/// * mean: x̄ ± t·s/√n, t of n − 1 degrees of freedom;
/// * sd: s ± z·s·√((κ − 1)/(4n)), κ = m₄/m₂² the sample's 4th standardized
///   moment (the delta method on the variance, whose standard error is
///   σ²·√((κ − 1)/n), so no normal data is assumed);
/// * pNN: PERCENTILE.INC, with the distribution-free interval between the
///   order statistics of [`quantile_ci_ranks`].
///
/// One or two passes over the values and one radix selection: O(n).
pub fn evaluate(spec: &Spec, values: &[f64], confidence: f64) -> Reached {
    let present: std::borrow::Cow<'_, [f64]> = if values.iter().any(|x| x.is_nan()) {
        values.iter().copied().filter(|x| !x.is_nan()).collect()
    } else {
        values.into()
    };
    let xs = &present[..];
    let n = xs.len();
    let (estimate, interval) = match spec.stat {
        // A share of trials (a probability row, a 0/1 outcome): the t
        // interval would have no width while every trial so far agrees,
        // and a rare event would look known after its first check.
        Stat::Mean if n > 0 && xs.iter().all(|&x| x == 0.0 || x == 1.0) => {
            share_interval(xs, confidence)
        }
        Stat::Mean => mean_interval(xs, confidence),
        Stat::Sd => sd_interval(xs, confidence),
        Stat::Percentile(nn) => percentile_interval(xs, f64::from(nn) / 100.0, confidence),
    };
    let (low, high) = interval.unwrap_or((f64::NAN, f64::NAN));
    let half_width = match interval {
        Some((lo, hi)) if estimate.is_finite() => (estimate - lo).max(hi - estimate),
        _ => f64::INFINITY,
    };
    Reached {
        n,
        estimate,
        low,
        high,
        half_width,
        allowed: spec.allowed(estimate),
    }
}

/// Mean and the sum of squared deviations, compensated.
fn mean_ss(xs: &[f64]) -> (f64, f64) {
    let n = xs.len() as f64;
    let mean = compensated_sum(xs.iter().copied()) / n;
    (
        mean,
        compensated_sum(xs.iter().map(|&x| (x - mean) * (x - mean))),
    )
}

/// Two-sided normal quantile of `confidence`.
fn z_of(confidence: f64) -> Option<f64> {
    let z = Normal::new(0.0, 1.0)
        .ok()?
        .inverse_cdf(1.0 - (1.0 - confidence) / 2.0);
    z.is_finite().then_some(z)
}

fn mean_interval(xs: &[f64], confidence: f64) -> (f64, Option<(f64, f64)>) {
    let n = xs.len();
    if n == 0 {
        return (f64::NAN, None);
    }
    let (mean, ss) = mean_ss(xs);
    if n < 2 {
        return (mean, None);
    }
    let nf = n as f64;
    let se = (ss / (nf - 1.0)).sqrt() / nf.sqrt();
    let half = t_quantile(1.0 - (1.0 - confidence) / 2.0, nf - 1.0).map(|t| t * se);
    (mean, half.map(|h| (mean - h, mean + h)))
}

/// A share of 0/1 values and its Wilson score interval, which has width
/// even when every value is 0 (or 1).
fn share_interval(xs: &[f64], confidence: f64) -> (f64, Option<(f64, f64)>) {
    let p = compensated_sum(xs.iter().copied()) / xs.len() as f64;
    let interval = z_of(confidence).and_then(|z| wilson_interval_z(p, xs.len(), z));
    (p, interval)
}

fn sd_interval(xs: &[f64], confidence: f64) -> (f64, Option<(f64, f64)>) {
    let n = xs.len();
    if n < 2 {
        return (if n == 1 { 0.0 } else { f64::NAN }, None);
    }
    let nf = n as f64;
    let (mean, ss) = mean_ss(xs);
    let s = (ss / (nf - 1.0)).sqrt();
    if ss == 0.0 {
        // No spread at all: nothing suggests any other sd.
        return (0.0, Some((0.0, 0.0)));
    }
    let m2 = ss / nf;
    let m4 = compensated_sum(xs.iter().map(|&x| (x - mean).powi(4))) / nf;
    let kappa = m4 / (m2 * m2);
    let half = z_of(confidence).map(|z| z * s * ((kappa - 1.0).max(0.0) / (4.0 * nf)).sqrt());
    (s, half.map(|h| (s - h, s + h)))
}

fn percentile_interval(xs: &[f64], q: f64, confidence: f64) -> (f64, Option<(f64, f64)>) {
    let n = xs.len();
    if n == 0 {
        return (f64::NAN, None);
    }
    // PERCENTILE.INC's neighbours around rank q·(n − 1), as summary.csv.
    let h = q * (n - 1) as f64;
    let lo = h.floor() as usize;
    let frac = h - lo as f64;
    let ranks = quantile_ci_ranks(n, q, confidence);
    // Every order statistic wanted, found in one selection.
    let mut ks = vec![lo, (lo + 1).min(n - 1)];
    if let Some((l, u)) = ranks {
        ks.extend([l - 1, u - 1]);
    }
    let mut sorted_ks = ks.clone();
    sorted_ks.sort_unstable();
    let mut found = vec![0.0; sorted_ks.len()];
    order::order_statistics(xs, &sorted_ks, &mut found);
    let at = |k: usize| found[sorted_ks.partition_point(|&s| s < k)];
    let x_lo = at(ks[0]);
    let estimate = if frac == 0.0 || lo + 1 >= n {
        x_lo
    } else {
        x_lo + frac * (at(ks[1]) - x_lo)
    };
    (estimate, ranks.map(|(l, u)| (at(l - 1), at(u - 1))))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::stats::percentile_inc;

    fn spec(s: &str) -> Spec {
        s.parse().unwrap()
    }

    #[test]
    fn specs_read_as_written_with_either_plus_minus() {
        let s = spec("microsoft_value_npv_usd_bn:mean±1%");
        assert_eq!(s.metric, "microsoft_value_npv_usd_bn");
        assert_eq!(s.stat, Stat::Mean);
        assert_eq!(s.tolerance, Tolerance::Relative(1.0));
        assert_eq!(s.to_string(), "microsoft_value_npv_usd_bn:mean±1%");
        assert_eq!(
            spec("x:mean+-1%"),
            s_with("x", Stat::Mean, Tolerance::Relative(1.0))
        );
        assert_eq!(
            spec(" x : sd ± 0.5 "),
            s_with("x", Stat::Sd, Tolerance::Absolute(0.5))
        );
        assert_eq!(spec("x:p5±2.5%").stat, Stat::Percentile(5));
        assert_eq!(spec("x:p05±2.5%").stat, Stat::Percentile(5));
        assert_eq!(spec("x:p99±1e-3").tolerance, Tolerance::Absolute(0.001));
        assert_eq!(spec("x:p50+-3 %").to_string(), "x:p50±3%");
        // The recorded form reads back as the same target.
        for t in ["a:mean±0.25", "a:sd±7%", "a:p1±0.001"] {
            assert_eq!(spec(&spec(t).to_string()), spec(t));
        }
    }

    fn s_with(metric: &str, stat: Stat, tolerance: Tolerance) -> Spec {
        Spec {
            metric: metric.into(),
            stat,
            tolerance,
        }
    }

    #[test]
    fn bad_specs_say_what_is_wrong_and_the_form() {
        for (given, problem) in [
            ("x", "no `:` after the metric in \"x\""),
            (":mean±1%", "no metric before `:` in \":mean±1%\""),
            (
                "x:mean1%",
                "no ± (or +-) between statistic and tolerance in \"x:mean1%\"",
            ),
            ("x:median±1%", "unknown statistic \"median\""),
            ("x:p0±1%", "unknown statistic \"p0\""),
            ("x:p100±1%", "unknown statistic \"p100\""),
            ("x:p±1%", "unknown statistic \"p\""),
            ("x:p5.5±1%", "unknown statistic \"p5.5\""),
            ("x:mean±0%", "the tolerance \"0%\" is not a number above 0"),
            ("x:mean±-1", "the tolerance \"-1\" is not a number above 0"),
            ("x:mean±", "the tolerance \"\" is not a number above 0"),
            (
                "x:mean±inf",
                "the tolerance \"inf\" is not a number above 0",
            ),
            (
                "x:mean±1%%",
                "the tolerance \"1%%\" is not a number above 0",
            ),
        ] {
            let e = given.parse::<Spec>().expect_err(given);
            assert_eq!(e, format!("{problem}: expected {FORM}"), "{given}");
        }
    }

    #[test]
    fn unknown_metrics_are_named_with_the_nearest() {
        let metrics = vec!["unmet_share".to_string(), "azure_share_end".to_string()];
        assert!(spec("unmet_share:mean±1%").check(&metrics).is_ok());
        let e = spec("unmet_shar:mean±1%").check(&metrics).unwrap_err();
        assert_eq!(
            e.to_string(),
            "--precision: unknown metric `unmet_shar` (did you mean unmet_share?)"
        );
    }

    #[test]
    fn confidence_levels() {
        assert_eq!(parse_confidence("0.95"), Ok(0.95));
        assert_eq!(parse_confidence("90%"), Ok(0.9));
        assert_eq!(parse_confidence("0.998"), Ok(0.998));
        for bad in ["0", "1", "0.999", "95", "-0.5", "x", ""] {
            let e = parse_confidence(bad).expect_err(bad);
            assert_eq!(
                e,
                format!(
                    "expected a confidence level above 0 and at most 0.998, such as 0.95 or 95% (given {bad:?})"
                )
            );
        }
    }

    /// 0, 1, …, n − 1 in a scrambled order, with NaN mixed in.
    fn scrambled(n: usize) -> Vec<f64> {
        let mut v: Vec<f64> = (0..n).map(|i| ((i * 7919) % n) as f64).collect();
        v.insert(3, f64::NAN);
        v.push(f64::NAN);
        v
    }

    #[test]
    fn the_mean_interval_is_the_t_interval() {
        let xs = scrambled(1001);
        let r = evaluate(&spec("x:mean±1%"), &xs, 0.95);
        assert_eq!(r.n, 1001);
        assert_eq!(r.estimate, 500.0);
        // sd of 0..=1000 = √(1001·1002/12) ; t_{0.975, 1000} = 1.962339
        let se = (1001.0f64 * 1002.0 / 12.0).sqrt() / 1001f64.sqrt();
        assert!((r.half_width - 1.962_339 * se).abs() < 1e-5 * se, "{r:?}");
        assert!((r.low + r.high - 1000.0).abs() < 1e-9);
        assert_eq!(r.allowed, 5.0);
        // 1.96 · 289.4 / 31.6 = 17.9 > 5: not yet.
        assert!(!r.passed());
        assert!(evaluate(&spec("x:mean±18"), &xs, 0.95).passed());
        // A lower confidence gives a narrower interval.
        assert!(evaluate(&spec("x:mean±1%"), &xs, 0.5).half_width < r.half_width);
    }

    #[test]
    fn the_sd_interval_uses_the_fourth_moment() {
        // Uniform values: κ = 1.8, so the half-width is z·s·√(0.8/(4n)).
        let xs = scrambled(10_000);
        let r = evaluate(&spec("x:sd±1%"), &xs, 0.95);
        let s = (10_000.0f64 * 10_001.0 / 12.0).sqrt();
        assert!((r.estimate - s).abs() < 1e-9 * s);
        let want = 1.959_964 * s * (0.8f64 / 40_000.0).sqrt();
        assert!((r.half_width - want).abs() < 1e-4 * want, "{r:?} vs {want}");
        assert!(r.passed(), "{r:?}"); // 0.88 % of s
        // No spread: a point. An absolute tolerance accepts it; a relative
        // one of an estimate of 0 allows nothing and is never met.
        let flat = evaluate(&spec("x:sd±0.1"), &[2.0; 50], 0.95);
        assert_eq!((flat.estimate, flat.low, flat.high), (0.0, 0.0, 0.0));
        assert!(flat.passed());
        assert!(!evaluate(&spec("x:sd±1%"), &[2.0; 50], 0.95).passed());
    }

    /// A rare event not yet seen: the share's Wilson interval still has
    /// width, z²/(n + z²) above 0, so a tolerance finer than that is not
    /// met, and a relative one never is.
    #[test]
    fn a_share_of_trials_has_the_wilson_interval() {
        let zeros = vec![0.0; 10_240];
        let z = 1.959_963_984_540_054f64;
        let upper = z * z / (10_240.0 + z * z);
        let r = evaluate(&spec("p:mean±0.001"), &zeros, 0.95);
        assert_eq!((r.estimate, r.low), (0.0, 0.0));
        assert!((r.high - upper).abs() < 1e-12, "{r:?} vs {upper}");
        assert!(r.passed(), "{r:?}"); // 0.000375 ≤ 0.001
        assert!(!evaluate(&spec("p:mean±0.0001"), &zeros, 0.95).passed());
        assert!(!evaluate(&spec("p:mean±50%"), &zeros, 0.95).passed());
        // Some events: Wilson, not the t interval.
        let mut some = zeros.clone();
        some[..100].fill(1.0);
        let r = evaluate(&spec("p:mean±1"), &some, 0.95);
        let (lo, hi) =
            crate::analysis::inference::wilson_interval(100.0 / 10_240.0, 10_240).unwrap();
        assert_eq!((r.low, r.high), (lo, hi));
    }

    #[test]
    fn the_percentile_interval_lies_between_order_statistics() {
        let xs = scrambled(2000);
        let r = evaluate(&spec("x:p90±1%"), &xs, 0.95);
        let mut present: Vec<f64> = xs.iter().copied().filter(|x| !x.is_nan()).collect();
        assert_eq!(r.estimate, percentile_inc(&mut present, 0.9));
        let (l, u) = quantile_ci_ranks(2000, 0.9, 0.95).unwrap();
        // Value k is the (k+1)-th smallest.
        assert_eq!((r.low, r.high), ((l - 1) as f64, (u - 1) as f64));
        assert!(r.low < r.estimate && r.estimate < r.high);
        // Too few values for the 1st percentile's interval: never passes.
        let few = evaluate(&spec("x:p1±1000"), &scrambled(100), 0.95);
        assert!(few.low.is_nan() && few.half_width.is_infinite() && !few.passed());
    }

    #[test]
    fn no_values_never_pass() {
        for s in ["x:mean±1", "x:sd±1", "x:p50±1"] {
            let r = evaluate(&spec(s), &[f64::NAN, f64::NAN], 0.95);
            assert_eq!(r.n, 0);
            assert!(!r.passed(), "{s}");
        }
    }
}
