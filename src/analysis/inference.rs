//! Inference statistics for the `compare` and `sensitivity` commands:
//! mean differences with Student-t / Welch confidence intervals, P(B > A)
//! (paired fraction and Mann–Whitney), the two-sample Kolmogorov–Smirnov
//! test, Spearman rank correlation and tornado swings.
//!
//! Conventions shared by every function here:
//!
//! * Nothing panics on empty, short, constant or non-finite input. Functions
//!   returning `Option` return `None` when the statistic is undefined
//!   (documented per function) or when an input holds a non-finite value;
//!   every `Some` holds finite numbers only.
//! * Values are ordered by [`f64::total_cmp`] after mapping `-0.0` to `0.0`,
//!   so `-0.0` and `0.0` tie and sorting never sees an inconsistent order.
//! * Sums use Neumaier compensated summation, so means and variances of
//!   Monte Carlo outputs (up to millions of trials) stay accurate to a few
//!   ulps.
//!
//! `tests/inference_py.rs` checks every result against an independent pure
//! Python implementation (`tests/inference_check.py`).

use std::cmp::Ordering;

use super::order;
use super::stats::compensated_sum as sum;

use statrs::distribution::{ContinuousCDF, Normal, StudentsT};

/// A difference of means (B − A) with its 95 % confidence interval.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MeanDiff {
    /// Point estimate of mean(B) − mean(A) (paired: mean of b_i − a_i).
    pub diff: f64,
    /// Lower end of the 95 % confidence interval.
    pub ci_low: f64,
    /// Upper end of the 95 % confidence interval.
    pub ci_high: f64,
    /// Standard error of `diff`.
    pub se: f64,
    /// Degrees of freedom of the Student-t quantile used for the interval.
    pub df: f64,
}

/// Degrees of freedom from which [`t_quantile`] switches from statrs to the
/// Cornish–Fisher expansion. statrs 0.19's `StudentsT::inverse_cdf` is
/// accurate to ~1e-13 below this, but loses accuracy from a few thousand
/// degrees of freedom on (1e-8 relative at 3000, 7 % at 1e7) and never
/// returns at 1e8; the expansion's error at 1000 is ~1e-13.
const T_CF_SWITCH_DF: f64 = 1000.0;

/// Quantile `p` of the standard Student-t distribution with `df` degrees of
/// freedom.
///
/// Returns `None` outside the supported domain `0.001 <= p <= 0.999`,
/// `df >= 1` (`df` may be `f64::INFINITY`, giving the normal quantile). That
/// domain covers every interval this module builds (p = 0.975, df >= 1);
/// outside it statrs 0.19 can be inaccurate, panic or loop forever.
///
/// For `df < 1000` this is statrs' `StudentsT::inverse_cdf`; from 1000 on it
/// is the Cornish–Fisher expansion in 1/df up to the 1/df⁴ term
/// (Abramowitz & Stegun 26.7.5) around statrs' normal quantile.
pub fn t_quantile(p: f64, df: f64) -> Option<f64> {
    if !(0.001..=0.999).contains(&p) || df.is_nan() || df < 1.0 {
        return None;
    }
    let q = if df < T_CF_SWITCH_DF {
        StudentsT::new(0.0, 1.0, df).ok()?.inverse_cdf(p)
    } else {
        let z = Normal::new(0.0, 1.0).ok()?.inverse_cdf(p);
        let z2 = z * z;
        let z3 = z2 * z;
        let z5 = z3 * z2;
        let z7 = z5 * z2;
        let z9 = z7 * z2;
        let g1 = (z3 + z) / 4.0;
        let g2 = (5.0 * z5 + 16.0 * z3 + 3.0 * z) / 96.0;
        let g3 = (3.0 * z7 + 19.0 * z5 + 17.0 * z3 - 15.0 * z) / 384.0;
        let g4 = (79.0 * z9 + 776.0 * z7 + 1482.0 * z5 - 1920.0 * z3 - 945.0 * z) / 92160.0;
        let v = 1.0 / df; // 0 for df = ∞
        z + v * (g1 + v * (g2 + v * (g3 + v * g4)))
    };
    q.is_finite().then_some(q)
}

/// The 95 % Wilson score interval of a probability estimated as the share
/// `p` of `n` trials: unlike p ± 1.96·√(p(1−p)/n) it stays inside [0, 1]
/// and does not collapse to a point when p is 0 or 1 (Wilson 1927).
/// `None` for `n = 0` or a `p` outside [0, 1].
pub fn wilson_interval(p: f64, n: usize) -> Option<(f64, f64)> {
    const Z: f64 = 1.959_963_984_540_054; // Φ⁻¹(0.975)
    wilson_interval_z(p, n, Z)
}

/// [`wilson_interval`] at the two-sided normal quantile `z` of another
/// confidence level.
pub fn wilson_interval_z(p: f64, n: usize, z: f64) -> Option<(f64, f64)> {
    if n == 0 || !(0.0..=1.0).contains(&p) || z.is_nan() || z <= 0.0 {
        return None;
    }
    let n = n as f64;
    let z2n = z * z / n;
    let centre = (p + z2n / 2.0) / (1.0 + z2n);
    let half = z / (1.0 + z2n) * (p * (1.0 - p) / n + z2n / (4.0 * n)).sqrt();
    Some(((centre - half).max(0.0), (centre + half).min(1.0)))
}

/// Ranks (1-based) of the order statistics that bound quantile `q` of the
/// distribution a sample of `n` was drawn from, with probability at least
/// `confidence`: the distribution-free interval `[x_(l), x_(u)]`.
///
/// The number B of sample values below the true quantile is Binomial(n, q),
/// and `x_(l) ≤ ξ_q ≤ x_(u)` exactly when `l ≤ B < u` (continuous
/// distributions). The interval is equal-tailed: `l` is the largest rank
/// with P(B < l) ≤ α/2 and `u` the smallest with P(B ≥ u) ≤ α/2, α =
/// 1 − confidence, so its coverage is at least `confidence` (more for small
/// n, where the binomial steps are coarse). `None` when the sample is too
/// small for such an interval (e.g. the 1st percentile of 100 values at
/// 95 %: P(B = 0) = 0.37 > α/2), when `q` is outside (0, 1) or `confidence`
/// outside (0, 1).
pub fn quantile_ci_ranks(n: usize, q: f64, confidence: f64) -> Option<(usize, usize)> {
    use statrs::distribution::{Binomial, DiscreteCDF};
    if n == 0 || !(q > 0.0 && q < 1.0) || !(confidence > 0.0 && confidence < 1.0) {
        return None;
    }
    let tail = (1.0 - confidence) / 2.0;
    let binomial = Binomial::new(q, n as u64).ok()?;
    // P(B ≤ k), k ≥ 0.
    let cdf = |k: u64| binomial.cdf(k);
    // Start from the normal approximation and step to the exact ranks: a
    // few steps, whatever n.
    let z = Normal::new(0.0, 1.0).ok()?.inverse_cdf(1.0 - tail);
    let (nf, sd) = (n as f64, (n as f64 * q * (1.0 - q)).sqrt());
    let guess = |x: f64| x.round().clamp(0.0, nf) as u64;
    // l: largest l ≥ 1 with P(B ≤ l − 1) ≤ tail.
    let mut l = guess(nf * q - z * sd).max(1);
    while l > 1 && cdf(l - 1) > tail {
        l -= 1;
    }
    while l < n as u64 && cdf(l) <= tail {
        l += 1;
    }
    if cdf(l - 1) > tail {
        return None;
    }
    // u: smallest u ≤ n with P(B ≥ u) ≤ tail, i.e. P(B ≤ u − 1) ≥ 1 − tail.
    let mut u = guess(nf * q + z * sd + 1.0).clamp(1, n as u64);
    while u < n as u64 && cdf(u - 1) < 1.0 - tail {
        u += 1;
    }
    while u > 1 && cdf(u - 2) >= 1.0 - tail {
        u -= 1;
    }
    if cdf(u - 1) < 1.0 - tail {
        return None;
    }
    Some((l as usize, u as usize))
}

/// The 95 % two-sided quantile t_{0.975, df}.
fn t975(df: f64) -> Option<f64> {
    t_quantile(0.975, df)
}

fn all_finite(xs: &[f64]) -> bool {
    xs.iter().all(|x| x.is_finite())
}

/// Mean and unbiased variance (n − 1 denominator); (0, 0) when empty.
/// Exactly constant input gives exactly zero variance; otherwise the
/// corrected two-pass formula is used.
fn mean_var(xs: &[f64]) -> (f64, f64) {
    let Some(&first) = xs.first() else {
        return (0.0, 0.0);
    };
    let n = xs.len() as f64;
    if xs.iter().all(|&x| x == first) {
        return (first, 0.0);
    }
    let m = sum(xs.iter().copied()) / n;
    if xs.len() < 2 {
        return (m, 0.0);
    }
    let ss = sum(xs.iter().map(|&x| (x - m) * (x - m)));
    let s1 = sum(xs.iter().map(|&x| x - m));
    let var = ((ss - s1 * s1 / n) / (n - 1.0)).max(0.0);
    (m, var)
}

/// Builds the interval `diff ± t_{0.975,df}·se`, or `None` if anything is
/// non-finite.
fn mean_diff(diff: f64, se: f64, df: f64) -> Option<MeanDiff> {
    let half = if se == 0.0 { 0.0 } else { t975(df)? * se };
    let r = MeanDiff {
        diff,
        ci_low: diff - half,
        ci_high: diff + half,
        se,
        df,
    };
    [r.diff, r.ci_low, r.ci_high, r.se, r.df]
        .iter()
        .all(|v| v.is_finite())
        .then_some(r)
}

/// Paired difference of means: d_i = b_i − a_i, `diff` = mean(d),
/// `se` = sd(d)/√n, `df` = n − 1 and the 95 % interval
/// `diff ± t_{0.975, n−1}·se`.
///
/// Zero variance of d gives the degenerate interval `[diff, diff]`.
/// Returns `None` when the lengths differ, n < 2, an input is non-finite,
/// or a result overflows.
pub fn paired_mean_diff(a: &[f64], b: &[f64]) -> Option<MeanDiff> {
    if a.len() != b.len() || a.len() < 2 || !all_finite(a) || !all_finite(b) {
        return None;
    }
    let d: Vec<f64> = a.iter().zip(b).map(|(x, y)| y - x).collect();
    let n = d.len() as f64;
    let (m, var) = mean_var(&d);
    mean_diff(m, (var / n).sqrt(), n - 1.0)
}

/// Unpaired (Welch) difference of means: `diff` = mean(b) − mean(a),
/// `se` = √(s_a²/n_a + s_b²/n_b), and the 95 % interval
/// `diff ± t_{0.975, df}·se` with the Welch–Satterthwaite
/// `df` = (v_a + v_b)² / (v_a²/(n_a − 1) + v_b²/(n_b − 1)), v = s²/n.
///
/// When both samples have zero variance, `se` = 0, the interval is
/// `[diff, diff]` and `df` is reported as n_a + n_b − 2. (If only one has
/// zero variance the formula gives the other's n − 1.)
/// Returns `None` when either sample has fewer than 2 values, an input is
/// non-finite, or a result overflows.
pub fn welch_mean_diff(a: &[f64], b: &[f64]) -> Option<MeanDiff> {
    if a.len() < 2 || b.len() < 2 || !all_finite(a) || !all_finite(b) {
        return None;
    }
    let (na, nb) = (a.len() as f64, b.len() as f64);
    let (ma, va) = mean_var(a);
    let (mb, vb) = mean_var(b);
    let (va, vb) = (va / na, vb / nb);
    let s = va + vb;
    let df = if s > 0.0 {
        // Normalised weights: immune to under/overflow of v².
        let (wa, wb) = (va / s, vb / s);
        1.0 / (wa * wa / (na - 1.0) + wb * wb / (nb - 1.0))
    } else {
        na + nb - 2.0
    };
    mean_diff(mb - ma, s.sqrt(), df)
}

/// Fraction of pairs i with b_i > a_i (ties count as not greater).
///
/// Only the common prefix `min(a.len(), b.len())` is used; with no pairs the
/// result is 0.5 (no evidence either way). NaN never compares greater.
pub fn p_greater_paired(a: &[f64], b: &[f64]) -> f64 {
    let n = a.len().min(b.len());
    if n == 0 {
        return 0.5;
    }
    let k = a.iter().zip(b).filter(|(x, y)| y > x).count();
    k as f64 / n as f64
}

/// Total order used for sorting: `total_cmp` with `-0.0` folded into `0.0`.
fn cmp_f64(x: &f64, y: &f64) -> Ordering {
    let fold = |v: f64| if v == 0.0 { 0.0 } else { v };
    fold(*x).total_cmp(&fold(*y))
}

/// Average ranks (1-based, ties averaged) as they were computed before
/// the radix sort: (value, index) pairs sorted by [`cmp_f64`]. The
/// reference the tests of the radix ranks compare with.
#[cfg(test)]
pub(crate) fn ranks_by_comparisons(x: &[f64]) -> Vec<f64> {
    let mut sorted: Vec<(f64, usize)> = x.iter().copied().zip(0..).collect();
    sorted.sort_unstable_by(|a, b| cmp_f64(&a.0, &b.0));
    let mut r = vec![0.0; x.len()];
    let mut start = 0;
    while start < sorted.len() {
        let mut end = start + 1;
        while end < sorted.len() && cmp_f64(&sorted[end].0, &sorted[start].0).is_eq() {
            end += 1;
        }
        let avg = (start + 1 + end) as f64 / 2.0;
        for &(_, k) in &sorted[start..end] {
            r[k] = avg;
        }
        start = end;
    }
    r
}

fn sorted(x: &[f64]) -> Vec<f64> {
    let mut v = x.to_vec();
    v.sort_unstable_by(cmp_f64);
    v
}

/// Mann–Whitney probability P(B > A) + ½·P(B = A) over all n_a·n_b pairs
/// (the AUC, U_B / (n_a n_b)), computed by sorting in O((n+m) log(n+m)) with
/// exact integer counts.
///
/// With an empty sample the result is 0.5. Values are ordered as described
/// in the module docs (NaN sorts above +∞ and ties with itself).
pub fn p_greater_unpaired(a: &[f64], b: &[f64]) -> f64 {
    if a.is_empty() || b.is_empty() {
        return 0.5;
    }
    let sa = sorted(a);
    let sb = sorted(b);
    // twice U_B: each b counts 2 per smaller a and 1 per equal a.
    let mut twice_u: u128 = 0;
    let (mut lo, mut hi) = (0usize, 0usize); // #a < v, #a <= v
    for v in &sb {
        while lo < sa.len() && cmp_f64(&sa[lo], v) == Ordering::Less {
            lo += 1;
        }
        hi = hi.max(lo);
        while hi < sa.len() && cmp_f64(&sa[hi], v) != Ordering::Greater {
            hi += 1;
        }
        twice_u += (2 * lo + (hi - lo)) as u128;
    }
    let pairs = 2 * (a.len() as u128) * (b.len() as u128);
    twice_u as f64 / pairs as f64
}

/// Kolmogorov–Smirnov survival function
/// Q_KS(λ) = 2 Σ_{j≥1} (−1)^{j−1} e^{−2 j² λ²}, clamped to [0, 1], with
/// Q(λ ≤ 0) = 1. For λ < 1.18 the equivalent (Jacobi theta) form
/// 1 − (√(2π)/λ) Σ_{k≥1} e^{−(2k−1)² π² / (8 λ²)} is summed instead; it
/// converges in a few terms where the alternating series converges slowly.
fn q_ks(lambda: f64) -> f64 {
    if lambda.is_nan() || lambda <= 0.0 {
        return 1.0;
    }
    let q = if lambda < 1.18 {
        let c = std::f64::consts::PI * std::f64::consts::PI / (8.0 * lambda * lambda);
        let mut s = 0.0;
        for k in 1..=50u32 {
            let o = f64::from(2 * k - 1);
            let term = (-o * o * c).exp();
            s += term;
            if term <= 1e-17 * s {
                break;
            }
        }
        1.0 - (2.0 * std::f64::consts::PI).sqrt() / lambda * s
    } else {
        let a2 = -2.0 * lambda * lambda;
        let mut s = 0.0;
        let mut sign = 1.0;
        for j in 1..=100u32 {
            let jf = f64::from(j);
            let term = (a2 * jf * jf).exp();
            s += sign * term;
            if term <= 1e-17 * s.abs() {
                break;
            }
            sign = -sign;
        }
        2.0 * s
    };
    q.clamp(0.0, 1.0)
}

/// Two-sample Kolmogorov–Smirnov test: returns (D, p) with
/// D = sup_x |F_a(x) − F_b(x)| (both ECDFs step past a tied value together,
/// computed exactly in integers) and the asymptotic p-value Q_KS(λ),
/// λ = (√n_e + 0.12 + 0.11/√n_e)·D, n_e = n m / (n + m)
/// (Numerical Recipes / Stephens 1970). D = 0 gives p = 1.
///
/// Returns `None` if either sample is empty or holds a non-finite value.
pub fn ks_two_sample(a: &[f64], b: &[f64]) -> Option<(f64, f64)> {
    if a.is_empty() || b.is_empty() || !all_finite(a) || !all_finite(b) {
        return None;
    }
    let sa = sorted(a);
    let sb = sorted(b);
    let (n, m) = (sa.len(), sb.len());
    let (mut i, mut j) = (0usize, 0usize);
    // max |i·m − j·n| over the steps; D = that / (n·m).
    let mut best: u128 = 0;
    while i < n && j < m {
        let v = if cmp_f64(&sa[i], &sb[j]) == Ordering::Greater {
            sb[j]
        } else {
            sa[i]
        };
        while i < n && cmp_f64(&sa[i], &v) == Ordering::Equal {
            i += 1;
        }
        while j < m && cmp_f64(&sb[j], &v) == Ordering::Equal {
            j += 1;
        }
        let (x, y) = (i as u128 * m as u128, j as u128 * n as u128);
        best = best.max(x.abs_diff(y));
    }
    // Once one sample is exhausted its ECDF is 1 and the gap only shrinks.
    let d = best as f64 / (n as f64 * m as f64);
    if d == 0.0 {
        return Some((0.0, 1.0));
    }
    let ne = (n as f64 * m as f64) / (n as f64 + m as f64);
    let sq = ne.sqrt();
    let lambda = (sq + 0.12 + 0.11 / sq) * d;
    Some((d, q_ks(lambda)))
}

/// 1-based ranks with ties given their average rank (as Spearman's ρ
/// requires): `ranks(&[10., 20., 20., 5.]) == [2., 3.5, 3.5, 1.]`.
/// Empty input gives an empty vector; values are ordered as described in the
/// module docs.
pub fn ranks(x: &[f64]) -> Vec<f64> {
    let (keys, idx) = order::sorted(x);
    let mut r = vec![0.0; x.len()];
    order::average_ranks(&keys, &idx, |i, rank| r[i as usize] = rank);
    r
}

/// Spearman rank correlation: the Pearson correlation of the average ranks
/// ([`ranks`]), clamped to [−1, 1].
///
/// Returns `None` when the lengths differ, n < 3, either input is constant
/// (all ranks tie) or holds a non-finite value.
pub fn spearman(x: &[f64], y: &[f64]) -> Option<f64> {
    if x.len() != y.len() || x.len() < 3 || !all_finite(x) || !all_finite(y) {
        return None;
    }
    let (rx, ry) = (ranks(x), ranks(y));
    // Mean rank is exactly (n + 1) / 2.
    let m = (x.len() as f64 + 1.0) / 2.0;
    let sxy = sum(rx.iter().zip(&ry).map(|(a, b)| (a - m) * (b - m)));
    let sxx = sum(rx.iter().map(|a| (a - m) * (a - m)));
    let syy = sum(ry.iter().map(|b| (b - m) * (b - m)));
    if sxx <= 0.0 || syy <= 0.0 {
        return None;
    }
    // √(s·s) == s exactly, so identical rankings give exactly ±1.
    let r = sxy / (sxx * syy).sqrt();
    r.is_finite().then_some(r.clamp(-1.0, 1.0))
}

/// Tornado swing of one input: (mean of `output` over the trials whose
/// `input` is in its bottom decile, mean over the top decile).
///
/// Trials are ranked by `input` (ties broken by trial index, so the split is
/// deterministic); with k = ⌊n/10⌋ the bottom decile is ranks 1..=k and the
/// top decile ranks n−k+1..=n.
///
/// Returns `None` when the lengths differ, n < 10, `input` is constant, an
/// input is non-finite, or a mean overflows.
pub fn tornado_swing(input: &[f64], output: &[f64]) -> Option<(f64, f64)> {
    let n = input.len();
    if n != output.len() || n < 10 || !all_finite(input) || !all_finite(output) {
        return None;
    }
    if input.iter().all(|&v| v == input[0]) {
        return None;
    }
    let mut idx: Vec<usize> = (0..n).collect();
    // Stable sort: equal inputs keep index order.
    idx.sort_by(|&i, &j| cmp_f64(&input[i], &input[j]));
    let k = n / 10;
    let mean_of = |ids: &[usize]| sum(ids.iter().map(|&i| output[i])) / ids.len() as f64;
    let low = mean_of(&idx[..k]);
    let high = mean_of(&idx[n - k..]);
    (low.is_finite() && high.is_finite()).then_some((low, high))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn close(x: f64, y: f64, tol: f64) -> bool {
        (x - y).abs() <= tol * x.abs().max(y.abs()).max(1.0)
    }

    /// Hand-computed: n = 10, q = 0.5, 95 %. P(B ≤ 1) = 11/1024 ≈ 0.0107
    /// ≤ 0.025 < P(B ≤ 2) = 56/1024, so l = 2; by symmetry u = 9. The
    /// coverage P(2 ≤ B ≤ 8) = 1 − 2·56/1024 + 2·45/1024 − … = 0.9785.
    #[test]
    fn quantile_interval_ranks_by_hand() {
        assert_eq!(quantile_ci_ranks(10, 0.5, 0.95), Some((2, 9)));
        // Too few values for a 95 % interval of the 1st percentile.
        assert_eq!(quantile_ci_ranks(100, 0.01, 0.95), None);
        assert_eq!(quantile_ci_ranks(0, 0.5, 0.95), None);
        assert_eq!(quantile_ci_ranks(10, 0.0, 0.95), None);
        // Large n: close to n·q ± 1.96·√(n·q·(1−q)) (= 500,000 ± 980).
        let (l, u) = quantile_ci_ranks(1_000_000, 0.5, 0.95).unwrap();
        assert!(
            (l as i64 - 499_020).abs() <= 2 && (u as i64 - 500_981).abs() <= 2,
            "{l} {u}"
        );
    }

    proptest! {
        /// The ranks are the tightest equal-tailed pair: moving either
        /// end inwards drops its tail below α/2.
        #[test]
        fn quantile_interval_ranks_are_tight(n in 20usize..3000, q in 0.02f64..0.98) {
            use statrs::distribution::{Binomial, DiscreteCDF};
            let b = Binomial::new(q, n as u64).unwrap();
            if let Some((l, u)) = quantile_ci_ranks(n, q, 0.95) {
                prop_assert!(1 <= l && l < u && u <= n);
                prop_assert!(b.cdf(l as u64 - 1) <= 0.025);
                prop_assert!(l == n || b.cdf(l as u64) > 0.025);
                prop_assert!(b.cdf(u as u64 - 1) >= 0.975);
                prop_assert!(u == 1 || b.cdf(u as u64 - 2) < 0.975);
            }
        }
    }

    #[test]
    fn compensated_sum() {
        assert_eq!(sum([1.0, 2.0, 3.0]), 6.0);
        // Naive left-to-right summation gives 0 here.
        assert_eq!(sum([1e16, 1.0, -1e16]), 1.0);
        assert_eq!(sum([]), 0.0);
        assert_eq!(mean_var(&[]), (0.0, 0.0));
        // [2, 4, 4, 4, 5, 5, 7, 9]: mean 5, Σ(x−5)² = 32, s² = 32/7.
        let (m, v) = mean_var(&[2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0]);
        assert_eq!(m, 5.0);
        assert!(close(v, 32.0 / 7.0, 1e-15));
    }

    #[test]
    fn t_quantile_known_values() {
        // df = 1 (Cauchy): t_p = tan(π(p − ½)).
        let c = (std::f64::consts::PI * 0.475).tan(); // 12.7062047361747
        assert!(close(t_quantile(0.975, 1.0).unwrap(), c, 1e-12));
        // df = 2: t_p = (2p − 1)/√(2p(1 − p)) = 0.95/√0.04875 = 4.30265272974946
        let t2 = 0.95 / (2.0_f64 * 0.975 * 0.025).sqrt();
        assert!(close(t_quantile(0.975, 2.0).unwrap(), t2, 1e-12));
        // df = ∞: the normal quantile 1.959963984540054.
        assert!(close(
            t_quantile(0.975, f64::INFINITY).unwrap(),
            1.959963984540054,
            1e-14
        ));
        // Continuous across the statrs / Cornish–Fisher switch at 1000.
        let below = t_quantile(0.975, 999.999_999).unwrap();
        let above = t_quantile(0.975, 1000.0).unwrap();
        assert!(close(below, above, 1e-11), "{below} vs {above}");
        // Large df: statrs 0.19 never returns at 1e8; we must, and sit
        // just above z.
        for df in [1e5, 1e7, 1e8, 1e12] {
            let t = t_quantile(0.975, df).unwrap();
            assert!(t > 1.959963984540054 && t < 1.96 + 3.0 / df, "{df}: {t}");
        }
        // Symmetry.
        assert!(close(
            t_quantile(0.025, 7.5).unwrap(),
            -t_quantile(0.975, 7.5).unwrap(),
            1e-12
        ));
        // Outside the domain.
        for (p, df) in [
            (0.0, 5.0),
            (1.0, 5.0),
            (1e-5, 5.0),
            (0.975, 0.5),
            (0.975, f64::NAN),
        ] {
            assert_eq!(t_quantile(p, df), None);
        }
    }

    #[test]
    fn paired_hand_computed() {
        // a = [1,2,3], b = [2,4,6] → d = [1,2,3]; mean 2;
        // var = ((1−2)² + 0 + (3−2)²)/2 = 1; se = 1/√3 = 0.5773502691896258;
        // df = 2, t = 4.302652729749464; half-width = t/√3 = 2.484137...
        let r = paired_mean_diff(&[1.0, 2.0, 3.0], &[2.0, 4.0, 6.0]).unwrap();
        let se = 1.0 / 3.0_f64.sqrt();
        let half = 4.302652729749464 * se;
        assert!(close(r.diff, 2.0, 1e-15));
        assert!(close(r.se, se, 1e-15));
        assert_eq!(r.df, 2.0);
        assert!(close(r.ci_low, 2.0 - half, 1e-12));
        assert!(close(r.ci_high, 2.0 + half, 1e-12));
        assert!(close(r.ci_low, -0.484_137_7, 1e-7));
    }

    #[test]
    fn paired_degenerate() {
        // d = [3,3,3,3]: zero variance → CI = [3, 3].
        let r = paired_mean_diff(&[1.0, 5.0, -2.0, 0.5], &[4.0, 8.0, 1.0, 3.5]).unwrap();
        assert_eq!(
            (r.diff, r.ci_low, r.ci_high, r.se, r.df),
            (3.0, 3.0, 3.0, 0.0, 3.0)
        );
        assert_eq!(paired_mean_diff(&[1.0], &[2.0]), None);
        assert_eq!(paired_mean_diff(&[], &[]), None);
        assert_eq!(paired_mean_diff(&[1.0, 2.0], &[1.0]), None);
        assert_eq!(paired_mean_diff(&[1.0, f64::NAN], &[1.0, 2.0]), None);
        assert_eq!(
            paired_mean_diff(&[-f64::MAX, f64::MAX], &[f64::MAX, -f64::MAX]),
            None
        );
    }

    #[test]
    fn welch_hand_computed() {
        // a = [1,2,3,4]: mean 2.5, s² = (2.25+.25+.25+2.25)/3 = 5/3, v_a = 5/12.
        // b = [2,4,6]:   mean 4,   s² = (4+0+4)/2 = 4,           v_b = 4/3.
        // diff = 1.5; se = √(5/12 + 16/12) = √1.75 = 1.3228756555322954.
        // df = 1.75² / ((5/12)²/3 + (4/3)²/2) = 3.0625 / (25/432 + 384/432)
        //    = 3.0625·432/409 = 1323/409 = 3.2347188264058677.
        let r = welch_mean_diff(&[1.0, 2.0, 3.0, 4.0], &[2.0, 4.0, 6.0]).unwrap();
        assert!(close(r.diff, 1.5, 1e-15));
        assert!(close(r.se, 1.75_f64.sqrt(), 1e-15));
        assert!(close(r.df, 1323.0 / 409.0, 1e-14));
        let half = t_quantile(0.975, 1323.0 / 409.0).unwrap() * 1.75_f64.sqrt();
        assert!(close(r.ci_low, 1.5 - half, 1e-14));
        assert!(close(r.ci_high, 1.5 + half, 1e-14));
        // t_{.975} lies between df=3 (3.182446) and df=4 (2.776445).
        assert!(half / r.se > 2.776 && half / r.se < 3.183);
    }

    #[test]
    fn welch_zero_variances() {
        // Both constant: se = 0, CI = [diff, diff], df = n_a + n_b − 2 = 5.
        let r = welch_mean_diff(&[2.0; 3], &[5.0; 4]).unwrap();
        assert_eq!(
            (r.diff, r.ci_low, r.ci_high, r.se, r.df),
            (3.0, 3.0, 3.0, 0.0, 5.0)
        );
        // One constant: df = (n_b − 1) = 2 (v_a = 0 drops out).
        let r = welch_mean_diff(&[2.0; 3], &[1.0, 2.0, 3.0]).unwrap();
        assert!(close(r.df, 2.0, 1e-15));
        assert!(close(r.se, (1.0_f64 / 3.0).sqrt(), 1e-15));
        assert_eq!(welch_mean_diff(&[1.0], &[1.0, 2.0]), None);
        assert_eq!(welch_mean_diff(&[1.0, 2.0], &[]), None);
    }

    #[test]
    fn p_greater_hand_computed() {
        // pairs (a,b): (1,2) > ; (2,2) tie ; (3,1) < ; (0,5) >  → 2/4
        assert_eq!(
            p_greater_paired(&[1.0, 2.0, 3.0, 0.0], &[2.0, 2.0, 1.0, 5.0]),
            0.5
        );
        assert_eq!(p_greater_paired(&[], &[]), 0.5);
        assert_eq!(p_greater_paired(&[1.0; 5], &[1.0; 5]), 0.0);
        // Mann–Whitney with ties: a = [1,2,2,3], b = [2,3,4].
        //   b=2: a<2 → 1, a=2 → 2 ties → 1 + ½·2 = 2
        //   b=3: a<3 → 3, a=3 → 1 tie  → 3 + ½   = 3.5
        //   b=4: a<4 → 4                         = 4
        //   U_B = 9.5 over 12 pairs → 19/24 = 0.7916666...
        let p = p_greater_unpaired(&[1.0, 2.0, 2.0, 3.0], &[2.0, 3.0, 4.0]);
        assert!(close(p, 19.0 / 24.0, 1e-15));
        // Symmetry: P(A > B) + ½P(tie) = 1 − that.
        let q = p_greater_unpaired(&[2.0, 3.0, 4.0], &[1.0, 2.0, 2.0, 3.0]);
        assert!(close(p + q, 1.0, 1e-15));
        // All ties → ½; −0.0 ties with 0.0.
        assert_eq!(p_greater_unpaired(&[1.0; 3], &[1.0; 2]), 0.5);
        assert_eq!(p_greater_unpaired(&[0.0], &[-0.0]), 0.5);
        assert_eq!(p_greater_unpaired(&[], &[1.0]), 0.5);
    }

    #[test]
    fn ks_hand_computed_with_ties() {
        // a = [1,2,2,3] (n=4), b = [2,3,4] (m=3); step past ties together:
        //   x=1: F_a = 1/4, F_b = 0   → 1/4
        //   x=2: F_a = 3/4, F_b = 1/3 → 5/12   ← sup
        //   x=3: F_a = 1,   F_b = 2/3 → 1/3
        //   x=4: 1, 1 → 0
        // (Stepping a's two 2s before b's 2 would wrongly give 1/2.)
        let (d, p) = ks_two_sample(&[2.0, 1.0, 3.0, 2.0], &[4.0, 2.0, 3.0]).unwrap();
        assert!(close(d, 5.0 / 12.0, 1e-15));
        // n_e = 12/7, √n_e = 1.3093073; λ = (1.3093073 + 0.12 + 0.0840138)·5/12
        //   = 0.6305504; 2λ² = 0.7951873;
        // Q = 2(e^−0.79519 − e^−3.18075 + e^−7.15669 − e^−12.723)
        //   = 2(0.451494 − 0.041546 + 0.000779 − 0.000003) = 0.82145
        assert!((p - 0.82145).abs() < 1e-4, "{p}");
        // Identical samples: D = 0, p = 1.
        assert_eq!(ks_two_sample(&[1.0, 2.0], &[2.0, 1.0]), Some((0.0, 1.0)));
        // Disjoint: D = 1.
        let (d, p) = ks_two_sample(&[0.0; 50], &[1.0; 50]).unwrap();
        assert_eq!(d, 1.0);
        assert!(p > 0.0 && p < 1e-15);
        assert_eq!(ks_two_sample(&[], &[1.0]), None);
        assert_eq!(ks_two_sample(&[f64::INFINITY], &[1.0]), None);
    }

    #[test]
    fn q_ks_branches_agree() {
        // The theta-function form (λ < 1.18) and the alternating series
        // (λ >= 1.18) are the same function; evaluate both either side.
        let alt = |l: f64| {
            let s: f64 = (1..=200)
                .map(|j: i32| {
                    let sign = if j % 2 == 1 { 1.0 } else { -1.0 };
                    sign * (-2.0 * f64::from(j * j) * l * l).exp()
                })
                .sum();
            2.0 * s
        };
        for l in [0.6, 0.9, 1.1, 1.17, 1.19, 1.5] {
            assert!((q_ks(l) - alt(l)).abs() < 1e-14, "{l}");
        }
        assert_eq!(q_ks(0.0), 1.0);
        assert_eq!(q_ks(1e-3), 1.0);
        assert_eq!(q_ks(40.0), 0.0);
    }

    #[test]
    fn ranks_and_spearman_with_ties() {
        assert_eq!(ranks(&[10.0, 20.0, 20.0, 5.0]), vec![2.0, 3.5, 3.5, 1.0]);
        assert_eq!(ranks(&[]), Vec::<f64>::new());
        assert_eq!(ranks(&[7.0; 3]), vec![2.0; 3]);
        // x = [1,2,2,3] → ranks [1,2.5,2.5,4]; y = [1,3,2,4] → [1,3,2,4].
        // Centred (mean 2.5): dx = [−1.5,0,0,1.5], dy = [−1.5,.5,−.5,1.5].
        // Σdxdy = 4.5, Σdx² = 4.5, Σdy² = 5 → ρ = 4.5/√22.5 = √0.9.
        let r = spearman(&[1.0, 2.0, 2.0, 3.0], &[1.0, 3.0, 2.0, 4.0]).unwrap();
        assert!(close(r, 0.9_f64.sqrt(), 1e-15));
        assert_eq!(spearman(&[1.0, 2.0], &[1.0, 2.0]), None);
        assert_eq!(spearman(&[1.0; 4], &[1.0, 2.0, 3.0, 4.0]), None);
        assert_eq!(spearman(&[1.0, 2.0, 3.0], &[1.0, 2.0]), None);
        assert_eq!(spearman(&[3.0, 2.0, 1.0], &[1.0, 2.0, 3.0]), Some(-1.0));
    }

    #[test]
    fn tornado_hand_computed() {
        // input 0..20, output 10·input; k = 2:
        // bottom {0, 1} → (0 + 10)/2 = 5; top {18, 19} → (180 + 190)/2 = 185.
        let x: Vec<f64> = (0..20).map(f64::from).collect();
        let y: Vec<f64> = x.iter().map(|v| 10.0 * v).collect();
        assert_eq!(tornado_swing(&x, &y), Some((5.0, 185.0)));
        // Ties broken by index: input [1,0,0,…,0] (n=10, k=1):
        // bottom = first 0 (index 1), top = the 1 (index 0).
        let mut x = vec![0.0; 10];
        x[0] = 1.0;
        let y: Vec<f64> = (0..10).map(f64::from).collect();
        assert_eq!(tornado_swing(&x, &y), Some((1.0, 0.0)));
        assert_eq!(tornado_swing(&[1.0; 10], &y), None);
        assert_eq!(tornado_swing(&y[..9], &y[..9]), None);
    }

    fn check_all_finite(a: &[f64], b: &[f64]) {
        for r in [paired_mean_diff(a, b), welch_mean_diff(a, b)]
            .into_iter()
            .flatten()
        {
            for v in [r.diff, r.ci_low, r.ci_high, r.se, r.df] {
                assert!(v.is_finite(), "{r:?}");
            }
            assert!(r.ci_low <= r.diff && r.diff <= r.ci_high, "{r:?}");
        }
        for p in [p_greater_paired(a, b), p_greater_unpaired(a, b)] {
            assert!((0.0..=1.0).contains(&p));
        }
        if let Some((d, p)) = ks_two_sample(a, b) {
            assert!((0.0..=1.0).contains(&d) && (0.0..=1.0).contains(&p));
        }
        assert!(ranks(a).iter().all(|r| r.is_finite()));
        if let Some(r) = spearman(a, b) {
            assert!((-1.0..=1.0).contains(&r));
        }
        if let Some((lo, hi)) = tornado_swing(a, b) {
            assert!(lo.is_finite() && hi.is_finite());
        }
    }

    proptest! {
        /// Ranks from the radix order are those of the comparison sort, bit
        /// for bit: ties, −0 tying with +0, NaNs (equal bits tie), infinities.
        #[test]
        fn ranks_equal_the_comparison_sort(
            x in prop::collection::vec(prop_oneof![
                Just(0.0), Just(-0.0), Just(f64::NAN), Just(-f64::NAN), Just(f64::INFINITY),
                Just(f64::NEG_INFINITY), Just(1.0), (0u32..20).prop_map(f64::from), -1e6..1e6f64,
                any::<u64>().prop_map(f64::from_bits),
            ], 0..400)
        ) {
            let got: Vec<u64> = ranks(&x).iter().map(|r| r.to_bits()).collect();
            let want: Vec<u64> = ranks_by_comparisons(&x).iter().map(|r| r.to_bits()).collect();
            prop_assert_eq!(got, want);
        }
    }

    proptest! {
        #[test]
        fn spearman_of_monotone_transform_is_one(
            set in prop::collection::hash_set(-10_000i32..10_000, 3..200)
        ) {
            let x: Vec<f64> = set.into_iter().map(f64::from).collect();
            let cube: Vec<f64> = x.iter().map(|v| v * v * v + v).collect();
            let exp: Vec<f64> = x.iter().map(|v| (v / 1000.0).exp()).collect();
            let neg: Vec<f64> = x.iter().map(|v| -3.0 * v).collect();
            prop_assert_eq!(spearman(&x, &cube), Some(1.0));
            prop_assert_eq!(spearman(&x, &exp), Some(1.0));
            prop_assert_eq!(spearman(&x, &neg), Some(-1.0));
        }

        #[test]
        fn everything_finite(
            a in prop::collection::vec(prop_oneof![
                -1e6..1e6f64, Just(0.0), Just(-0.0), Just(1.0), Just(f64::MAX), Just(-f64::MAX)
            ], 0..30),
            b in prop::collection::vec(-1e3..1e3f64, 0..30),
            c in -1e300..1e300f64,
            n in 0usize..25,
        ) {
            check_all_finite(&a, &b);
            check_all_finite(&b, &a);
            let k = vec![c; n];
            check_all_finite(&k, &b);
            check_all_finite(&a, &k);
            check_all_finite(&k, &k);
            let same: Vec<f64> = b.iter().take(n).copied().collect();
            check_all_finite(&same, &k[..same.len().min(k.len())]);
            for len in 0..3 {
                let s: Vec<f64> = b.iter().take(len).copied().collect();
                check_all_finite(&s, &s);
                check_all_finite(&s, &a);
            }
        }
    }

    #[test]
    fn wilson_intervals_by_hand() {
        // 40 of 100: centre (0.4 + 1.92/100)/(1 + 3.84/100), half-width
        // 1.96/(1.0384)·√(0.0024 + 0.000096): [0.3094, 0.4980].
        let (lo, hi) = wilson_interval(0.4, 100).unwrap();
        assert!(
            (lo - 0.309_4).abs() < 1e-4 && (hi - 0.498_0).abs() < 1e-4,
            "{lo} {hi}"
        );
        // None of 20: from 0 to z²/(n + z²) = 3.8415/23.8415.
        let (lo, hi) = wilson_interval(0.0, 20).unwrap();
        assert_eq!(lo, 0.0);
        assert!((hi - 3.841_459 / 23.841_459).abs() < 1e-7, "{hi}");
        // All of 20 mirrors it.
        let (lo, hi) = wilson_interval(1.0, 20).unwrap();
        assert!((lo - 20.0 / 23.841_459).abs() < 1e-7 && hi == 1.0, "{lo}");
        assert_eq!(wilson_interval(0.5, 0), None);
        assert_eq!(wilson_interval(1.5, 10), None);
    }
}
