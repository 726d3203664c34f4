//! Which uncertain input drives which outcome: Spearman rank correlations,
//! their share of variance, and tornado swings (the rows of
//! `sensitivity.csv`).

use rayon::prelude::*;

use super::inference::ranks;

/// Trials used for sensitivity: the first this many. A rank correlation's
/// sampling error is about 1/√n, 0.003 here, far below any effect worth
/// reporting; keeping more would cost memory that grows with the trial count.
pub const SENSITIVITY_TRIALS: u64 = 100_000;

/// One (outcome, input) pair.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// Outcome metric.
    pub metric: String,
    /// Input path.
    pub input: String,
    /// Place among this metric's inputs by |swing|, 1 = largest.
    pub rank: u32,
    /// Spearman rank correlation.
    pub spearman: f64,
    /// ρ² ÷ Σρ² over this metric's inputs.
    pub variance_share: f64,
    /// Outcome mean when the input is in its bottom decile.
    pub mean_low_decile: f64,
    /// Outcome mean when the input is in its top decile.
    pub mean_high_decile: f64,
    /// Trials used.
    pub n: usize,
}

impl Row {
    /// The tornado bar: mean_high_decile − mean_low_decile.
    pub fn swing(&self) -> f64 {
        self.mean_high_decile - self.mean_low_decile
    }
}

/// Pearson correlation of two rank vectors of the same length n, whose
/// mean is exactly (n + 1) / 2; `None` when either is constant.
fn rank_correlation(rx: &[f64], ry: &[f64]) -> Option<f64> {
    let m = (rx.len() as f64 + 1.0) / 2.0;
    let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
    for (a, b) in rx.iter().zip(ry) {
        sxy += (a - m) * (b - m);
        sxx += (a - m) * (a - m);
        syy += (b - m) * (b - m);
    }
    (sxx > 0.0 && syy > 0.0).then(|| (sxy / (sxx * syy).sqrt()).clamp(-1.0, 1.0))
}

/// Trial indices of the bottom and top deciles of `x` (ties by index).
fn deciles(x: &[f64]) -> (Vec<usize>, Vec<usize>) {
    let mut idx: Vec<usize> = (0..x.len()).collect();
    idx.sort_by(|&i, &j| x[i].total_cmp(&x[j]));
    let k = x.len() / 10;
    (idx[..k].to_vec(), idx[x.len() - k..].to_vec())
}

fn mean_at(y: &[f64], ids: &[usize]) -> f64 {
    ids.iter().map(|&i| y[i]).sum::<f64>() / ids.len() as f64
}

/// An input with its ranks and decile members, computed once.
struct RankedInput<'a> {
    name: &'a str,
    values: &'a [f64],
    ranks: Vec<f64>,
    deciles: (Vec<usize>, Vec<usize>),
}

/// Sensitivity rows for every outcome and every non-constant input, each
/// metric's inputs ranked by |swing|, largest first. `inputs` holds each
/// uncertain input's values over the first n trials; `outcome(k)` gives
/// metric k's values over (at least) the same trials. A metric with
/// missing values (e.g. `ip_expiry_year` beyond the horizon) uses the
/// trials where it has one.
pub fn analyse<'a>(
    inputs: &[(String, Vec<f64>)],
    metric_names: &[String],
    outcome: impl Fn(usize) -> &'a [f64] + Sync,
) -> Vec<Row> {
    let n = inputs.first().map_or(0, |(_, v)| v.len());
    if n < 10 {
        return Vec::new();
    }
    // Rank and split each input once: it is reused for every metric.
    // Inputs and metrics are independent, so both run on the worker threads
    // (collected in order: the rows do not depend on the thread count).
    let inputs: Vec<RankedInput<'_>> = inputs
        .par_iter()
        .filter(|(_, v)| v.iter().any(|&x| x != v[0]))
        .map(|(name, v)| RankedInput {
            name,
            values: v,
            ranks: ranks(v),
            deciles: deciles(v),
        })
        .collect();
    let per_metric: Vec<Vec<Row>> = metric_names
        .par_iter()
        .enumerate()
        .map(|(k, metric)| metric_rows(metric, outcome(k), n, &inputs))
        .collect();
    per_metric.concat()
}

/// One metric's rows, ranked by |swing|.
fn metric_rows(metric: &str, column: &[f64], n: usize, inputs: &[RankedInput<'_>]) -> Vec<Row> {
    let y = &column[..n.min(column.len())];
    let complete = y.iter().all(|x| !x.is_nan());
    let mut metric_rows: Vec<Row> = Vec::new();
    if complete {
        let ry = ranks(y);
        for RankedInput {
            name,
            ranks: rx,
            deciles: (low, high),
            ..
        } in inputs
        {
            if let Some(rho) = rank_correlation(rx, &ry) {
                metric_rows.push(Row {
                    metric: metric.to_string(),
                    input: name.to_string(),
                    rank: 0,
                    spearman: rho,
                    variance_share: 0.0,
                    mean_low_decile: mean_at(y, low),
                    mean_high_decile: mean_at(y, high),
                    n,
                });
            }
        }
    } else {
        let keep: Vec<usize> = (0..y.len()).filter(|&i| !y[i].is_nan()).collect();
        if keep.len() < 10 {
            return Vec::new();
        }
        let ys: Vec<f64> = keep.iter().map(|&i| y[i]).collect();
        let ry = ranks(&ys);
        for RankedInput {
            name, values: x, ..
        } in inputs
        {
            let xs: Vec<f64> = keep.iter().map(|&i| x[i]).collect();
            let (low, high) = deciles(&xs);
            if let Some(rho) = rank_correlation(&ranks(&xs), &ry) {
                metric_rows.push(Row {
                    metric: metric.to_string(),
                    input: name.to_string(),
                    rank: 0,
                    spearman: rho,
                    variance_share: 0.0,
                    mean_low_decile: mean_at(&ys, &low),
                    mean_high_decile: mean_at(&ys, &high),
                    n: keep.len(),
                });
            }
        }
    }
    let total: f64 = metric_rows.iter().map(|r| r.spearman * r.spearman).sum();
    for r in &mut metric_rows {
        r.variance_share = if total > 0.0 {
            r.spearman * r.spearman / total
        } else {
            0.0
        };
    }
    metric_rows.sort_by(|a, b| {
        b.swing()
            .abs()
            .total_cmp(&a.swing().abs())
            .then_with(|| a.input.cmp(&b.input))
    });
    for (rank, r) in (1..).zip(&mut metric_rows) {
        r.rank = rank;
    }
    metric_rows
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rank_correlation_matches_definition() {
        // x = [1,2,2,3] → ranks [1, 2.5, 2.5, 4]; y = [1,3,2,4] → [1,3,2,4].
        // Mean 2.5: dx = [−1.5, 0, 0, 1.5], dy = [−1.5, .5, −.5, 1.5];
        // sxy = 4.5, sxx = 4.5, syy = 5 → ρ = 4.5/√22.5 = 0.948683.
        let rho =
            rank_correlation(&ranks(&[1.0, 2.0, 2.0, 3.0]), &ranks(&[1.0, 3.0, 2.0, 4.0])).unwrap();
        assert!((rho - 4.5 / 22.5f64.sqrt()).abs() < 1e-12);
        assert_eq!(
            rank_correlation(&ranks(&[1.0, 1.0]), &ranks(&[1.0, 2.0])),
            None
        );
    }
}
