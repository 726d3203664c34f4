//! One outcome compared between a baseline A and a scenario B: the
//! difference of means with its 95 % confidence interval, P(B > A), the
//! differences at five percentiles, the Kolmogorov–Smirnov statistic and
//! the effect size — paired trial by trial under common random numbers,
//! unpaired otherwise.

use super::inference;
use super::stats::percentile_inc;

/// One metric compared between a baseline A and a scenario B.
#[derive(Debug, Clone)]
pub struct Comparison {
    /// Metric name (`ip_expiry_cause=agi` for cause shares).
    pub metric: String,
    /// Trials with a value in A and in B (in both, when paired).
    pub n: (usize, usize),
    /// Means of A and B.
    pub mean: (f64, f64),
    /// B − A with its 95 % confidence interval.
    pub diff: Option<inference::MeanDiff>,
    /// P(B > A): per trial pair when paired, Mann–Whitney otherwise.
    pub p_b_greater: f64,
    /// Differences at p5, p25, p50, p75, p95: of per-trial differences when
    /// paired, of quantiles (Q_B − Q_A) otherwise.
    pub diff_percentiles: [f64; 5],
    /// Two-sample Kolmogorov–Smirnov statistic and p-value.
    pub ks: Option<(f64, f64)>,
    /// |B − A| ÷ pooled standard deviation (None when both are constant).
    pub effect: Option<f64>,
}

impl Comparison {
    /// True when the 95 % interval of B − A excludes 0.
    pub fn significant(&self) -> bool {
        self.diff
            .as_ref()
            .is_some_and(|d| d.ci_low > 0.0 || d.ci_high < 0.0)
    }
}

const DIFF_PERCENTILES: [f64; 5] = [0.05, 0.25, 0.50, 0.75, 0.95];

fn mean(x: &[f64]) -> f64 {
    if x.is_empty() {
        f64::NAN
    } else {
        x.iter().sum::<f64>() / x.len() as f64
    }
}

fn variance(x: &[f64]) -> f64 {
    if x.len() < 2 {
        return 0.0;
    }
    let m = mean(x);
    x.iter().map(|v| (v - m) * (v - m)).sum::<f64>() / (x.len() - 1) as f64
}

/// Compares one metric's values (NaN = missing).
pub fn compare_metric(metric: &str, a: &[f64], b: &[f64], paired: bool) -> Comparison {
    let (xa, xb): (Vec<f64>, Vec<f64>) = if paired {
        a.iter()
            .zip(b)
            .filter(|(x, y)| !x.is_nan() && !y.is_nan())
            .map(|(x, y)| (*x, *y))
            .unzip()
    } else {
        (
            a.iter().copied().filter(|x| !x.is_nan()).collect(),
            b.iter().copied().filter(|x| !x.is_nan()).collect(),
        )
    };
    let diff = if paired {
        inference::paired_mean_diff(&xa, &xb)
    } else {
        inference::welch_mean_diff(&xa, &xb)
    };
    let p_b_greater = if paired {
        inference::p_greater_paired(&xa, &xb)
    } else {
        inference::p_greater_unpaired(&xa, &xb)
    };
    let mut diff_percentiles = [f64::NAN; 5];
    if !xa.is_empty() && !xb.is_empty() {
        if paired {
            let mut d: Vec<f64> = xa.iter().zip(&xb).map(|(x, y)| y - x).collect();
            for (out, p) in diff_percentiles.iter_mut().zip(DIFF_PERCENTILES) {
                *out = percentile_inc(&mut d, p);
            }
        } else {
            let (mut sa, mut sb) = (xa.clone(), xb.clone());
            for (out, p) in diff_percentiles.iter_mut().zip(DIFF_PERCENTILES) {
                *out = percentile_inc(&mut sb, p) - percentile_inc(&mut sa, p);
            }
        }
    }
    let pooled = ((variance(&xa) + variance(&xb)) / 2.0).sqrt();
    let d = mean(&xb) - mean(&xa);
    let effect = (pooled > 0.0).then(|| d.abs() / pooled);
    Comparison {
        metric: metric.to_string(),
        n: (xa.len(), xb.len()),
        mean: (mean(&xa), mean(&xb)),
        diff,
        p_b_greater,
        diff_percentiles,
        ks: inference::ks_two_sample(&xa, &xb),
        effect,
    }
}
