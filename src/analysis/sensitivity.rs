//! Which uncertain input drives which outcome: Spearman rank correlations,
//! their share of variance, and tornado swings (the rows of
//! `sensitivity.csv`).

use rayon::prelude::*;

use super::order::{average_ranks, key, sorted};

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

/// Largest sample whose rank sums [`dot`] may add in any order: a centred
/// rank is a multiple of ½ of magnitude below n/2, so every partial sum of
/// n products is a multiple of ¼ below n³/4, exact in f64 while n³ ≤ 2⁵³.
/// Below this, any order of addition gives the bits of the left-to-right
/// sum.
const EXACT_RANK_SUMS: usize = 200_000;

const _: () = assert!(SENSITIVITY_TRIALS as usize <= EXACT_RANK_SUMS);
const _: () = assert!((EXACT_RANK_SUMS as u128).pow(3) <= 1 << 53);

/// One variable's ranks, centred on their mean (n + 1) / 2 (exact: both
/// are multiples of ½), with their sum of squares.
struct Centred {
    ranks: Vec<f64>,
    sum_sq: f64,
}

impl Centred {
    /// The ranks of keys in order and their indices, as [`sorted`] gives
    /// them.
    fn new(keys: &[u64], idx: &[u32]) -> Centred {
        let m = (keys.len() as f64 + 1.0) / 2.0;
        let mut ranks = vec![0.0; keys.len()];
        average_ranks(keys, idx, |i, a| ranks[i as usize] = a - m);
        // Left to right, as the correlation was always summed.
        let sum_sq = ranks.iter().fold(0.0, |s, c| s + c * c);
        Centred { ranks, sum_sq }
    }
}

/// Σ x·y of two centred rank vectors: the left-to-right sum's bits, added
/// eight lanes at a time when every partial sum is exact
/// ([`EXACT_RANK_SUMS`]). `x` may be held as f32: a centred rank of up to
/// 2²³ trials is exact in it.
fn dot<X: Copy + Into<f64>>(x: &[X], y: &[f64]) -> f64 {
    if x.len() > EXACT_RANK_SUMS {
        return x.iter().zip(y).fold(0.0, |s, (&a, b)| s + a.into() * b);
    }
    let mut lanes = [0.0f64; 8];
    let (xs, ys) = (x.chunks_exact(8), y.chunks_exact(8));
    let tail = xs.remainder().iter().zip(ys.remainder());
    for (a, b) in xs.zip(ys) {
        for j in 0..8 {
            lanes[j] += a[j].into() * b[j];
        }
    }
    let head = lanes.iter().sum::<f64>();
    tail.fold(head, |s, (&a, b)| s + a.into() * b)
}

/// Pearson correlation of two centred rank vectors of the same length
/// (with their sums of squares); `None` when either is constant.
fn rank_correlation<X: Copy + Into<f64>>(x: &[X], x_sum_sq: f64, y: &Centred) -> Option<f64> {
    (x_sum_sq > 0.0 && y.sum_sq > 0.0)
        .then(|| (dot(x, &y.ranks) / (x_sum_sq * y.sum_sq).sqrt()).clamp(-1.0, 1.0))
}

/// Mean of `y` over trials `ids`, added in the order given.
fn mean_at(y: &[f64], ids: &[u32]) -> f64 {
    ids.iter().map(|&i| y[i as usize]).sum::<f64>() / ids.len() as f64
}

/// The bottom and top deciles of an order: its first and last ⌊n/10⌋.
fn deciles(order: &[u32]) -> (&[u32], &[u32]) {
    let k = order.len() / 10;
    (&order[..k], &order[order.len() - k..])
}

/// An input with its order and ranks, computed once: one sort serves its
/// ranks, its deciles, and (filtered) both again for a metric with missing
/// values. Eight bytes a trial, for up to [`SENSITIVITY_TRIALS`] trials of
/// every input at once.
struct RankedInput<'a> {
    name: &'a str,
    values: &'a [f64],
    /// Trial indices by value ([`f64::total_cmp`]), ties by index.
    order: Vec<u32>,
    /// Centred ranks by trial, as f32 (exact: multiples of ½ below 2²³).
    ranks: Vec<f32>,
    /// Their sum of squares, left to right in f64.
    sum_sq: f64,
}

const _: () = assert!(EXACT_RANK_SUMS < 1 << 23);

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
        .map(|(name, v)| {
            let (keys, order) = sorted(v);
            let Centred { ranks, sum_sq } = Centred::new(&keys, &order);
            RankedInput {
                name,
                values: v,
                order,
                // Exact (see the field), so the products are unchanged.
                ranks: ranks.iter().map(|&c| c as f32).collect(),
                sum_sq,
            }
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
    debug_assert_eq!(y.len(), n, "the columns hold every trial the inputs do");
    let complete = y.iter().all(|x| !x.is_nan());
    let mut metric_rows: Vec<Row> = Vec::new();
    let row = |input: &str, rho: f64, low: &[u32], high: &[u32], n: usize| Row {
        metric: metric.to_string(),
        input: input.to_string(),
        rank: 0,
        spearman: rho,
        variance_share: 0.0,
        mean_low_decile: mean_at(y, low),
        mean_high_decile: mean_at(y, high),
        n,
    };
    if complete {
        let (keys, order) = sorted(y);
        let ry = Centred::new(&keys, &order);
        for input in inputs {
            if let Some(rho) = rank_correlation(&input.ranks, input.sum_sq, &ry) {
                let (low, high) = deciles(&input.order);
                metric_rows.push(row(input.name, rho, low, high, n));
            }
        }
    } else {
        // The trials with a value, and each one's place among them.
        let keep: Vec<u32> = (0..y.len() as u32)
            .filter(|&i| !y[i as usize].is_nan())
            .collect();
        if keep.len() < 10 {
            return Vec::new();
        }
        const DROPPED: u32 = u32::MAX;
        let mut place = vec![DROPPED; y.len()];
        for (p, &i) in (0..).zip(&keep) {
            place[i as usize] = p;
        }
        let ys: Vec<f64> = keep.iter().map(|&i| y[i as usize]).collect();
        let (keys, order) = sorted(&ys);
        let ry = Centred::new(&keys, &order);
        let mut keys: Vec<u64> = Vec::with_capacity(keep.len());
        let mut order: Vec<u32> = Vec::with_capacity(keep.len());
        let mut kept_trials: Vec<u32> = Vec::with_capacity(keep.len());
        for input in inputs {
            // The input's order restricted to the kept trials is the order
            // of its kept values (ties still by trial index).
            keys.clear();
            order.clear();
            kept_trials.clear();
            for &i in &input.order {
                let p = place[i as usize];
                if p != DROPPED {
                    keys.push(key(input.values[i as usize]));
                    order.push(p);
                    kept_trials.push(i);
                }
            }
            let rx = Centred::new(&keys, &order);
            if let Some(rho) = rank_correlation(&rx.ranks, rx.sum_sq, &ry) {
                let (low, high) = deciles(&kept_trials);
                metric_rows.push(row(input.name, rho, low, high, keep.len()));
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
    use proptest::prelude::*;

    fn centred(x: &[f64]) -> Centred {
        let (keys, order) = sorted(x);
        Centred::new(&keys, &order)
    }

    #[test]
    fn rank_correlation_matches_definition() {
        // x = [1,2,2,3] → ranks [1, 2.5, 2.5, 4]; y = [1,3,2,4] → [1,3,2,4].
        // Mean 2.5: dx = [−1.5, 0, 0, 1.5], dy = [−1.5, .5, −.5, 1.5];
        // sxy = 4.5, sxx = 4.5, syy = 5 → ρ = 4.5/√22.5 = 0.948683.
        let x = centred(&[1.0, 2.0, 2.0, 3.0]);
        let rho = rank_correlation(&x.ranks, x.sum_sq, &centred(&[1.0, 3.0, 2.0, 4.0])).unwrap();
        assert!((rho - 4.5 / 22.5f64.sqrt()).abs() < 1e-12);
        let constant = centred(&[1.0, 1.0]);
        assert_eq!(
            rank_correlation(&constant.ranks, constant.sum_sq, &centred(&[1.0, 2.0])),
            None
        );
    }

    /// The analysis as it was written before one sort served ranks and
    /// deciles: ranks and deciles each by their own comparison sort, every
    /// sum left to right. The reference the rows must equal bit for bit.
    fn analyse_by_comparisons(
        inputs: &[(String, Vec<f64>)],
        metric_names: &[String],
        columns: &[Vec<f64>],
    ) -> Vec<Row> {
        use crate::analysis::inference::ranks_by_comparisons as ranks;
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
        fn deciles(x: &[f64]) -> (Vec<usize>, Vec<usize>) {
            let mut idx: Vec<usize> = (0..x.len()).collect();
            idx.sort_by(|&i, &j| x[i].total_cmp(&x[j]));
            let k = x.len() / 10;
            (idx[..k].to_vec(), idx[x.len() - k..].to_vec())
        }
        fn mean_at(y: &[f64], ids: &[usize]) -> f64 {
            ids.iter().map(|&i| y[i]).sum::<f64>() / ids.len() as f64
        }
        let n = inputs.first().map_or(0, |(_, v)| v.len());
        if n < 10 {
            return Vec::new();
        }
        let inputs: Vec<_> = inputs
            .iter()
            .filter(|(_, v)| v.iter().any(|&x| x != v[0]))
            .collect();
        let mut all = Vec::new();
        for (metric, y) in metric_names.iter().zip(columns) {
            let y = &y[..n];
            let mut rows = Vec::new();
            let keep: Vec<usize> = (0..n).filter(|&i| !y[i].is_nan()).collect();
            if keep.len() < 10 {
                continue;
            }
            let ys: Vec<f64> = keep.iter().map(|&i| y[i]).collect();
            let ry = ranks(&ys);
            for (name, x) in &inputs {
                let xs: Vec<f64> = keep.iter().map(|&i| x[i]).collect();
                let (low, high) = deciles(&xs);
                if let Some(rho) = rank_correlation(&ranks(&xs), &ry) {
                    rows.push(Row {
                        metric: metric.clone(),
                        input: name.clone(),
                        rank: 0,
                        spearman: rho,
                        variance_share: 0.0,
                        mean_low_decile: mean_at(&ys, &low),
                        mean_high_decile: mean_at(&ys, &high),
                        n: keep.len(),
                    });
                }
            }
            let total: f64 = rows.iter().map(|r| r.spearman * r.spearman).sum();
            for r in &mut rows {
                r.variance_share = if total > 0.0 {
                    r.spearman * r.spearman / total
                } else {
                    0.0
                };
            }
            rows.sort_by(|a, b| {
                b.swing()
                    .abs()
                    .total_cmp(&a.swing().abs())
                    .then_with(|| a.input.cmp(&b.input))
            });
            for (rank, r) in (1..).zip(&mut rows) {
                r.rank = rank;
            }
            all.extend(rows);
        }
        all
    }

    /// Bits of every number of the rows, and their labels.
    fn bits(rows: &[Row]) -> Vec<(String, String, u32, [u64; 4], usize)> {
        rows.iter()
            .map(|r| {
                (
                    r.metric.clone(),
                    r.input.clone(),
                    r.rank,
                    [
                        r.spearman,
                        r.variance_share,
                        r.mean_low_decile,
                        r.mean_high_decile,
                    ]
                    .map(f64::to_bits),
                    r.n,
                )
            })
            .collect()
    }

    /// A sample value: continuous, on a coarse grid (ties), a signed zero,
    /// or (for metrics) missing.
    fn sample(missing: bool) -> impl Strategy<Value = f64> {
        prop_oneof![
            4 => -50.0f64..50.0,
            3 => (0u32..6).prop_map(f64::from),
            1 => Just(-0.0),
            1 => Just(0.0),
            1 => Just(if missing { f64::NAN } else { 7.0 }),
        ]
    }

    proptest! {
        /// The rows are those of the comparison-sort analysis, bit for bit:
        /// ties, signed zeros, constant inputs, and metrics with missing
        /// values (some with fewer than ten values left).
        #[test]
        fn rows_equal_the_comparison_sort_analysis(
            n in 10usize..300,
            seeds in prop::collection::vec(prop::collection::vec(sample(false), 300), 4),
            metric_seeds in prop::collection::vec(prop::collection::vec(sample(true), 300), 3),
        ) {
            let mut inputs: Vec<(String, Vec<f64>)> = seeds
                .iter()
                .enumerate()
                .map(|(k, v)| (format!("input{k}"), v[..n].to_vec()))
                .collect();
            inputs.push(("constant".into(), vec![1.5; n]));
            let mut columns: Vec<Vec<f64>> = metric_seeds.iter().map(|v| v[..n].to_vec()).collect();
            // A complete metric, and one missing almost everywhere.
            columns.push(inputs[0].1.iter().map(|x| x * 2.0 + 1.0).collect());
            columns.push((0..n).map(|i| if i < 9 { i as f64 } else { f64::NAN }).collect());
            let names: Vec<String> = (0..columns.len()).map(|k| format!("metric{k}")).collect();
            let got = analyse(&inputs, &names, |k| columns[k].as_slice());
            let want = analyse_by_comparisons(&inputs, &names, &columns);
            prop_assert_eq!(bits(&got), bits(&want));
        }
    }

    #[test]
    fn dot_adds_in_any_order_below_the_bound() {
        // The largest centred ranks of the largest sample: every partial
        // sum is exact, so eight lanes give the left-to-right bits.
        let n = EXACT_RANK_SUMS;
        let m = (n as f64 + 1.0) / 2.0;
        let x: Vec<f64> = (1..=n).map(|a| a as f64 - m).collect();
        let y: Vec<f64> = x.iter().rev().copied().collect();
        let serial = x.iter().zip(&y).fold(0.0, |s, (a, b)| s + a * b);
        assert_eq!(dot(&x, &y).to_bits(), serial.to_bits());
        // Held as f32, as the inputs' ranks are: the same values.
        let x32: Vec<f32> = x.iter().map(|&c| c as f32).collect();
        assert!(x32.iter().zip(&x).all(|(&a, &b)| f64::from(a) == b));
        assert_eq!(dot(&x32, &y).to_bits(), serial.to_bits());
        assert_eq!(
            dot(&x, &x).to_bits(),
            x.iter().fold(0.0, |s, a| s + a * a).to_bits()
        );
    }
}
