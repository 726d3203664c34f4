//! Summary statistics as spreadsheets compute them, and a bounded-memory
//! histogram for per-month percentile bands over millions of trials.

use super::{inference, order};

/// The percentiles reported in `summary.csv`, in column order.
pub const SUMMARY_PERCENTILES: [f64; 9] = [0.01, 0.05, 0.10, 0.25, 0.50, 0.75, 0.90, 0.95, 0.99];

/// Confidence of the intervals of the mean and of each percentile in
/// `summary.csv`.
pub const SUMMARY_CONFIDENCE: f64 = 0.95;

/// The percentiles reported in `timeseries.csv`, in column order.
pub const BAND_PERCENTILES: [f64; 5] = [0.05, 0.25, 0.50, 0.75, 0.95];

/// Count, mean, sample standard deviation, min, the
/// [`SUMMARY_PERCENTILES`] and max of a sample, with the
/// [`SUMMARY_CONFIDENCE`] intervals of the mean and of each percentile.
#[derive(Debug, Clone, PartialEq)]
pub struct Summary {
    /// Number of values.
    pub n: usize,
    /// Arithmetic mean.
    pub mean: f64,
    /// Sample standard deviation (n − 1), as STDEV.S; 0 for n < 2.
    pub sd: f64,
    /// Smallest value, NaN skipped (of equal values, −0 and +0, the
    /// first).
    pub min: f64,
    /// The [`SUMMARY_PERCENTILES`], as PERCENTILE.INC.
    pub percentiles: [f64; 9],
    /// Largest value, NaN skipped (of equal values the first).
    pub max: f64,
    /// Sample variance (VAR.S); 0 for n < 2.
    pub variance: f64,
    /// Sample skewness as SKEW computes it; `None` for n < 3 or no spread.
    pub skewness: Option<f64>,
    /// Sample excess kurtosis as KURT computes it; `None` for n < 4 or no spread.
    pub kurtosis: Option<f64>,
    /// Coefficient of variation sd / mean; `None` when the mean is 0.
    pub cv: Option<f64>,
    /// Standard error of the mean, sd / √n.
    pub sem: f64,
    /// Interval of the mean, mean ± t_{0.975, n−1}·sem (Student t);
    /// `[mean, mean]` with no spread; `None` for n < 2 or when an end is
    /// not a finite number.
    pub mean_ci: Option<(f64, f64)>,
    /// Interval of each of the [`SUMMARY_PERCENTILES`], distribution-free:
    /// the order statistics `[x_(l), x_(u)]` with ranks (l, u) from
    /// [`inference::quantile_ci_ranks`]; `None` when the sample is too
    /// small for one.
    pub percentile_cis: [Option<(f64, f64)>; 9],
}

/// Summarises `values`. `None` when empty.
///
/// Percentiles use PERCENTILE.INC's definition — rank h = p·(n−1), linear
/// interpolation between the order statistics around it — found by radix
/// selection ([`percentiles_inc`]) rather than a sort.
pub fn summarise(values: &[f64]) -> Option<Summary> {
    let n = values.len();
    if n == 0 {
        return None;
    }
    let nf = n as f64;
    // One pass for both extremes and for whether any value is NaN, which
    // the percentiles need to know. Plain comparisons skip NaN, as
    // `f64::min` does, and keep the first of equal values, so a minimum of
    // −0 and +0 is whichever came first (`f64::min` leaves that to the
    // compiled code, which differed between two loops written alike).
    let (min, max, nan) = values.iter().fold(
        (f64::INFINITY, f64::NEG_INFINITY, false),
        |(lo, hi, nan), &x| {
            (
                if x < lo { x } else { lo },
                if x > hi { x } else { hi },
                nan | x.is_nan(),
            )
        },
    );
    // Every value NaN: no extremes, and no mean.
    let (min, max) = if min > max {
        (f64::NAN, f64::NAN)
    } else {
        (min, max)
    };
    // Work on values scaled by a power of two (exact) to below 2 in
    // magnitude, so squares cannot overflow even for values near f64::MAX.
    let big = min.abs().max(max.abs());
    let scale = if big > 0.0 && big.is_finite() {
        2f64.powi(big.log2().floor() as i32)
    } else {
        1.0
    };
    let y = |x: f64| x / scale;
    // The mean is taken about the minimum with a compensated sum: exact for
    // a constant sample, and never outside [min, max].
    let base = y(min);
    let mean_y = base + compensated_sum(values.iter().map(|&x| y(x) - base)) / nf;
    let mean = mean_y * scale;
    let mean = if min <= max {
        mean.clamp(min, max)
    } else {
        mean
    };
    let var_y = if n > 1 {
        compensated_sum(values.iter().map(|&x| (y(x) - mean_y) * (y(x) - mean_y))) / (nf - 1.0)
    } else {
        0.0
    };
    let sd_y = var_y.sqrt();
    let sd = sd_y * scale;
    // Infinite only for spreads beyond f64::MAX: the caller refuses those.
    let variance = var_y * scale * scale;
    // SKEW and KURT standardise with the sample sd; both sums in one pass
    // (each still its own left-to-right compensated sum).
    let (m3, m4) = if sd_y > 0.0 {
        let z = |x: f64| (y(x) - mean_y) / sd_y;
        let (mut m3, mut m4) = (Neumaier::default(), Neumaier::default());
        for &x in values {
            m3.add(z(x).powi(3));
            m4.add(z(x).powi(4));
        }
        (m3.total(), m4.total())
    } else {
        (0.0, 0.0)
    };
    let skewness = (n > 2 && sd_y > 0.0).then(|| nf / ((nf - 1.0) * (nf - 2.0)) * m3);
    let kurtosis = (n > 3 && sd_y > 0.0).then(|| {
        nf * (nf + 1.0) / ((nf - 1.0) * (nf - 2.0) * (nf - 3.0)) * m4
            - 3.0 * (nf - 1.0) * (nf - 1.0) / ((nf - 2.0) * (nf - 3.0))
    });
    let cv = (mean != 0.0).then(|| sd / mean).filter(|c| c.is_finite());
    let sem = sd / nf.sqrt();
    let mean_ci = mean_interval(mean, sem, n);
    // The ends of the percentiles' intervals are order statistics found in
    // the same selection as the percentiles themselves (no sort).
    let ranks = SUMMARY_PERCENTILES.map(|p| inference::quantile_ci_ranks(n, p, SUMMARY_CONFIDENCE));
    let ends: Vec<usize> = ranks
        .iter()
        .flatten()
        .flat_map(|&(l, u)| [l - 1, u - 1])
        .collect();
    let (percentiles, found) = if nan {
        (
            percentiles_by_selection(values, SUMMARY_PERCENTILES),
            order_statistics_at(values, &ends),
        )
    } else {
        percentiles_without_nan(values, SUMMARY_PERCENTILES, &ends)
    };
    let mut found = found.chunks_exact(2);
    // One pair of ends for each percentile that has an interval, in order.
    let percentile_cis = ranks.map(|r| r.and_then(|_| found.next()).map(|lu| (lu[0], lu[1])));
    Some(Summary {
        n,
        mean,
        sd,
        min,
        percentiles,
        max,
        variance,
        skewness,
        kurtosis,
        cv,
        sem,
        mean_ci,
        percentile_cis,
    })
}

/// The [`SUMMARY_CONFIDENCE`] interval of a mean from its standard error
/// over `n` values: mean ± t·sem with t the Student quantile for n − 1
/// degrees of freedom. `None` for n < 2 (no spread to measure) or when an
/// end is not finite.
fn mean_interval(mean: f64, sem: f64, n: usize) -> Option<(f64, f64)> {
    if n < 2 || !mean.is_finite() || !sem.is_finite() {
        return None;
    }
    if sem == 0.0 {
        return Some((mean, mean));
    }
    let t = inference::t_quantile(0.5 + SUMMARY_CONFIDENCE / 2.0, (n - 1) as f64)?;
    let (low, high) = (mean - t * sem, mean + t * sem);
    (low.is_finite() && high.is_finite()).then_some((low, high))
}

/// Neumaier's compensated sum, one term at a time.
#[derive(Debug, Default, Clone, Copy)]
struct Neumaier {
    sum: f64,
    carry: f64,
}

impl Neumaier {
    fn add(&mut self, x: f64) {
        let t = self.sum + x;
        // The same (big − t) + small either way; choosing the operands
        // rather than the expression lets it compile without a branch,
        // which random signs would mispredict half the time.
        let (big, small) = if self.sum.abs() >= x.abs() {
            (self.sum, x)
        } else {
            (x, self.sum)
        };
        self.carry += (big - t) + small;
        self.sum = t;
    }

    fn total(self) -> f64 {
        self.sum + self.carry
    }
}

/// Neumaier's compensated sum: accurate to the last bit for sums whose
/// terms cancel (plain left-to-right summation gives 0 for 1e16 + 1 − 1e16).
pub fn compensated_sum(xs: impl IntoIterator<Item = f64>) -> f64 {
    let mut acc = Neumaier::default();
    for x in xs {
        acc.add(x);
    }
    acc.total()
}

impl Summary {
    /// Whether every statistic a CSV must hold is a finite number (a spread
    /// beyond f64::MAX, from absurd inputs, is not).
    pub fn is_finite(&self) -> bool {
        [
            self.mean,
            self.sd,
            self.min,
            self.max,
            self.variance,
            self.sem,
        ]
        .iter()
        .chain(&self.percentiles)
        .all(|x| x.is_finite())
    }
}

/// PERCENTILE.INC of `values` (reordered in place); NaN when empty.
pub fn percentile_inc(values: &mut [f64], p: f64) -> f64 {
    let n = values.len();
    if n == 0 {
        return f64::NAN;
    }
    let h = p.clamp(0.0, 1.0) * (n - 1) as f64;
    let lo = h.floor() as usize;
    let frac = h - lo as f64;
    let (_, &mut x_lo, rest) = values.select_nth_unstable_by(lo, f64::total_cmp);
    if frac == 0.0 || rest.is_empty() {
        return x_lo;
    }
    let x_hi = rest.iter().copied().fold(f64::INFINITY, f64::min);
    x_lo + frac * (x_hi - x_lo)
}

/// [`percentile_inc`] of each of `ps`, without reordering `values`: the
/// same numbers, bit for bit. NaN for each when empty.
pub fn percentiles_inc<const N: usize>(values: &[f64], ps: [f64; N]) -> [f64; N] {
    if values.iter().any(|x| x.is_nan()) {
        percentiles_by_selection(values, ps)
    } else {
        percentiles_without_nan(values, ps, &[]).0
    }
}

/// [`percentile_inc`] of each of `ps` on a copy of `values`.
fn percentiles_by_selection<const N: usize>(values: &[f64], ps: [f64; N]) -> [f64; N] {
    let mut copy = values.to_vec();
    ps.map(|p| percentile_inc(&mut copy, p))
}

/// The [`f64::total_cmp`] order statistics of `values` at the 0-based
/// `positions` (in any order, repeats allowed, each below `values.len()`),
/// in the order of `positions`, from one radix selection.
fn order_statistics_at(values: &[f64], positions: &[usize]) -> Vec<f64> {
    let mut wanted: Vec<(usize, usize)> = positions.iter().copied().zip(0..).collect();
    wanted.sort_unstable();
    let ks: Vec<usize> = wanted.iter().map(|&(k, _)| k).collect();
    let mut found = vec![0.0; ks.len()];
    order::order_statistics(values, &ks, &mut found);
    let mut out = vec![f64::NAN; positions.len()];
    for (&(_, slot), &x) in wanted.iter().zip(&found) {
        out[slot] = x;
    }
    out
}

/// [`percentiles_inc`] of values none of which is NaN, from their order
/// statistics found all at once by radix selection, with the order
/// statistics at the 0-based positions `extra` found in the same pass.
/// [`percentile_inc`]'s upper neighbour, the least value after the lower
/// one, is then the next order statistic (a signed zero aside, which cannot
/// change x_lo + frac · (x_hi − x_lo): x_hi − x_lo is the same either way).
fn percentiles_without_nan<const N: usize>(
    values: &[f64],
    ps: [f64; N],
    extra: &[usize],
) -> ([f64; N], Vec<f64>) {
    let n = values.len();
    if n == 0 {
        return ([f64::NAN; N], vec![f64::NAN; extra.len()]);
    }
    let at = ps.map(|p| {
        let h = p.clamp(0.0, 1.0) * (n - 1) as f64;
        let lo = h.floor() as usize;
        (lo, h - lo as f64)
    });
    let interpolated = |lo: usize, frac: f64| frac != 0.0 && lo + 1 < n;
    // The extra positions first, then each percentile's lower order
    // statistic, followed by its upper one when it is used.
    let mut positions: Vec<usize> = Vec::with_capacity(extra.len() + 2 * N);
    positions.extend_from_slice(extra);
    for &(lo, frac) in &at {
        positions.push(lo);
        if interpolated(lo, frac) {
            positions.push(lo + 1);
        }
    }
    let found = order_statistics_at(values, &positions);
    let (extra_found, mut rest) = found.split_at(extra.len());
    let mut out = [0.0; N];
    for (o, &(lo, frac)) in out.iter_mut().zip(&at) {
        let x_lo = rest[0];
        *o = if interpolated(lo, frac) {
            let x_hi = rest[1];
            rest = &rest[2..];
            x_lo + frac * (x_hi - x_lo)
        } else {
            rest = &rest[1..];
            x_lo
        };
    }
    (out, extra_found.to_vec())
}

/// Sub-buckets per power of two: bucket width is 1/128 of the power, so a
/// bucket's midpoint is within 2⁻⁸ (0.39 %) of any value in it.
const SUB_BITS: u32 = 7;

/// Most values one [`Histogram`] may hold (a bucket's count is at most a
/// u32); more trials than this are refused before a run starts.
pub const MAX_TRIALS: u64 = u32::MAX as u64;

/// Relative error bound of a [`Histogram`] percentile: each estimate lies
/// within this fraction of the exact PERCENTILE.INC value.
pub const HISTOGRAM_RELATIVE_ERROR: f64 = 1.0 / (1u64 << (SUB_BITS + 1)) as f64;

/// A log-linear histogram of non-negative values with integer counts.
///
/// Memory is bounded by the range of values seen, not their number, and
/// merging adds integer counts, so the result is identical in any merge
/// order (unlike floating-point sums or randomised sketches). Percentiles
/// follow PERCENTILE.INC on bucket midpoints: each is within
/// [`HISTOGRAM_RELATIVE_ERROR`] of the exact value, because each order
/// statistic is replaced by a midpoint within that relative error and
/// interpolation between two such values keeps the bound.
///
/// A bucket's count is held as a byte, its count modulo 256, plus the
/// multiples of 256 carried out of it, kept aside for the few buckets that
/// reach them. A band spans a few thousand buckets, mostly of a few trials
/// each: at 2,400 months and 100,000 trials about 40 of a histogram's
/// 2,650 buckets pass 255, so a byte a bucket is a quarter of u32 counts
/// for the same integers.
#[derive(Debug, Clone, Default)]
pub struct Histogram {
    /// Count of values ≤ 0 (or below the smallest bucket).
    zeros: u64,
    /// Bucket index of `counts[0]`.
    offset: i64,
    /// Each bucket's count modulo 256.
    counts: Vec<u8>,
    /// (bucket, its count ÷ 256) of every bucket whose count reached 256,
    /// in bucket order; within the range of `counts`. A u32 holds the
    /// bucket of any value counted (below 2¹⁸), so a pair is 8 bytes, not 16.
    carries: Vec<(u32, u32)>,
    min: f64,
    max: f64,
    n: u64,
}

/// Values below this are counted as zero: far below any GW, share or
/// fraction the model reports.
const SMALLEST: f64 = 1e-12;

fn bucket_of(x: f64) -> i64 {
    // The exponent and top mantissa bits of an IEEE double are a
    // log-linear bucket index, computed without a logarithm.
    (x.to_bits() >> (52 - SUB_BITS)) as i64
}

fn bucket_mid(b: i64) -> f64 {
    let lo = f64::from_bits((b as u64) << (52 - SUB_BITS));
    let hi = f64::from_bits(((b + 1) as u64) << (52 - SUB_BITS));
    0.5 * (lo + hi)
}

/// The smallest and largest of `xs`, NaN skipped (infinite bounds when
/// every value is NaN). Four running extremes each, so the comparisons
/// overlap (and vectorise) rather than wait on one another; they may
/// differ from a left-to-right scan only in the sign of a zero.
fn extremes(xs: &[f64]) -> (f64, f64) {
    // Plain comparisons skip NaN, as min/max do, in one instruction each.
    let least = |a: f64, x: f64| if x < a { x } else { a };
    let most = |a: f64, x: f64| if x > a { x } else { a };
    let (mut lo, mut hi) = ([f64::INFINITY; 4], [f64::NEG_INFINITY; 4]);
    let quads = xs.chunks_exact(4);
    let tail = quads.remainder();
    for quad in quads {
        for j in 0..4 {
            lo[j] = least(lo[j], quad[j]);
            hi[j] = most(hi[j], quad[j]);
        }
    }
    for &x in tail {
        lo[0] = least(lo[0], x);
        hi[0] = most(hi[0], x);
    }
    (
        least(least(lo[0], lo[1]), least(lo[2], lo[3])),
        most(most(hi[0], hi[1]), most(hi[2], hi[3])),
    )
}

/// Equal when they hold the same values in the same buckets, however far
/// each one's bucket range happens to extend.
impl PartialEq for Histogram {
    fn eq(&self, other: &Histogram) -> bool {
        let filled = |h: &Histogram| {
            h.bucket_counts()
                .filter(|&(_, c)| c > 0)
                .collect::<Vec<_>>()
        };
        self.n == other.n
            && self.zeros == other.zeros
            && self.min.to_bits() == other.min.to_bits()
            && self.max.to_bits() == other.max.to_bits()
            && filled(self) == filled(other)
    }
}

/// Why [`Histogram::add_all`]'s inner loop stopped short of the end.
enum Stop {
    /// The last value taken falls in this bucket, outside the range.
    Outside(i64),
    /// The last value taken took this bucket's count past a multiple of 256
    /// (its byte is already 0).
    Carry(i64),
}

impl Histogram {
    /// Records one value. Negative values and NaN count as zero (the model's
    /// series are non-negative by its invariants).
    pub fn add(&mut self, x: f64) {
        self.add_copies(x, 1);
    }

    /// Records every value of `xs`; the same result as adding them one by
    /// one (up to the sign of a zero minimum or maximum, which no output
    /// shows). The bucket range grows (with room to spare) only when a
    /// value falls outside it, and a batch of equal values (a series every
    /// trial agrees on, such as a term's active flag) is one addition.
    pub fn add_all(&mut self, xs: &[f64]) {
        let Some(&first) = xs.first() else { return };
        if xs.iter().all(|x| x.to_bits() == first.to_bits()) {
            self.add_copies(first, xs.len() as u64);
            return;
        }
        let (mut lo, mut hi) = extremes(xs);
        let mut zeros = 0;
        let mut rest = xs.iter();
        // The bucket range and counts are held in locals while values fall
        // inside them and no count passes a multiple of 256; either case
        // leaves the inner loop to be dealt with, rarely, and the loop goes
        // on from the next value.
        loop {
            let (offset, counts) = (self.offset, self.counts.as_mut_slice());
            let mut stop = None;
            for &x in rest.by_ref() {
                if Self::counted(x) {
                    let b = bucket_of(x);
                    match counts.get_mut(b.wrapping_sub(offset) as usize) {
                        Some(count) => {
                            *count = count.wrapping_add(1);
                            if *count == 0 {
                                stop = Some(Stop::Carry(b));
                                break;
                            }
                        }
                        None => {
                            stop = Some(Stop::Outside(b));
                            break;
                        }
                    }
                } else {
                    zeros += 1;
                }
            }
            match stop {
                None => break,
                Some(Stop::Carry(b)) => self.carry(b, 1),
                Some(Stop::Outside(b)) => {
                    self.cover_with_room(b);
                    self.count_in(b, 1);
                }
            }
        }
        if lo > hi {
            // Every value was NaN.
            (lo, hi) = (f64::NAN, f64::NAN);
        }
        if self.n == 0 {
            (self.min, self.max) = (lo, hi);
        } else {
            self.min = self.min.min(lo);
            self.max = self.max.max(hi);
        }
        self.n += xs.len() as u64;
        self.zeros += zeros;
    }

    /// Records `count` copies of `x`.
    fn add_copies(&mut self, x: f64, count: u64) {
        if self.n == 0 {
            (self.min, self.max) = (x, x);
        } else {
            self.min = self.min.min(x);
            self.max = self.max.max(x);
        }
        self.n += count;
        if Self::counted(x) {
            let b = bucket_of(x);
            self.cover(b, b);
            self.count_in(b, count);
        } else {
            self.zeros += count;
        }
    }

    /// Adds `count` to bucket `b`, which the range covers.
    fn count_in(&mut self, b: i64, count: u64) {
        let byte = &mut self.counts[(b - self.offset) as usize];
        let sum = u64::from(*byte) + count;
        *byte = sum as u8;
        if sum >> 8 > 0 {
            // At most MAX_TRIALS / 256 in all: a u32.
            self.carry(b, (sum >> 8) as u32);
        }
    }

    /// Adds `carried` multiples of 256 to bucket `b`'s count.
    fn carry(&mut self, b: i64, carried: u32) {
        let b = b as u32;
        match self.carries.binary_search_by_key(&b, |&(c, _)| c) {
            Ok(i) => self.carries[i].1 += carried,
            Err(i) => self.carries.insert(i, (b, carried)),
        }
    }

    /// Each bucket of the range with its count, in bucket order.
    fn bucket_counts(&self) -> impl Iterator<Item = (i64, u64)> + '_ {
        let mut carries = self.carries.iter().peekable();
        self.counts
            .iter()
            .zip(self.offset..)
            .map(move |(&byte, b)| {
                let carry = carries.next_if(|&&(c, _)| i64::from(c) == b);
                let carried = carry.map_or(0, |&(_, k)| u64::from(k));
                (b, u64::from(byte) + (carried << 8))
            })
    }

    /// Grows the bucket range to cover bucket `b` and a power of two's
    /// worth of buckets beyond it on that side, so that a run of new
    /// extremes grows the range a few times rather than once per value.
    fn cover_with_room(&mut self, b: i64) {
        let room = 1 << SUB_BITS;
        if self.counts.is_empty() {
            self.cover(b, b);
        } else if b < self.offset {
            self.cover(b - room, b);
        } else {
            self.cover(b, b + room);
        }
    }

    /// Whether `x` goes in a bucket (rather than the zero count): in
    /// `SMALLEST..INFINITY`. Compared as bits, one unsigned comparison:
    /// non-negative doubles order as their bits do, and negative ones and
    /// NaN have bits beyond infinity's.
    fn counted(x: f64) -> bool {
        const FROM: u64 = SMALLEST.to_bits();
        const SPAN: u64 = f64::INFINITY.to_bits() - FROM;
        x.to_bits().wrapping_sub(FROM) < SPAN
    }

    /// Grows the bucket range to cover buckets `lo..=hi`, to the byte: the
    /// range grows a few times a histogram (a power of two's worth of room
    /// each time), so an exact allocation costs little, and capacity
    /// doubling would leave up to as much again unused in every histogram.
    fn cover(&mut self, lo: i64, hi: i64) {
        if self.counts.is_empty() {
            self.offset = lo;
            self.counts = vec![0; (hi - lo + 1) as usize];
            return;
        }
        let end = self.offset + self.counts.len() as i64;
        let (from, to) = (lo.min(self.offset), (hi + 1).max(end));
        if (from, to) == (self.offset, end) {
            return;
        }
        let mut counts = Vec::with_capacity((to - from) as usize);
        counts.resize((self.offset - from) as usize, 0);
        counts.extend_from_slice(&self.counts);
        counts.resize((to - from) as usize, 0);
        (self.offset, self.counts) = (from, counts);
    }

    /// Adds another histogram's counts.
    pub fn merge(&mut self, other: &Histogram) {
        if other.n == 0 {
            return;
        }
        if self.n == 0 {
            *self = other.clone();
            return;
        }
        self.min = self.min.min(other.min);
        self.max = self.max.max(other.max);
        self.n += other.n;
        self.zeros += other.zeros;
        if other.counts.is_empty() {
            return;
        }
        let end = other.offset + other.counts.len() as i64;
        self.cover(other.offset, end - 1);
        let shift = (other.offset - self.offset) as usize;
        for (i, &byte) in other.counts.iter().enumerate() {
            let (sum, wrapped) = self.counts[shift + i].overflowing_add(byte);
            self.counts[shift + i] = sum;
            if wrapped {
                self.carry(other.offset + i as i64, 1);
            }
        }
        for &(b, carried) in &other.carries {
            self.carry(i64::from(b), carried);
        }
    }

    /// The counts as bytes, for a shard folder (`run --shard`): n, zeros,
    /// min, max, the number of buckets counted, then each as (bucket,
    /// count); little-endian. [`Histogram::read_bytes`] reads it back.
    pub fn write_bytes(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.n.to_le_bytes());
        out.extend_from_slice(&self.zeros.to_le_bytes());
        out.extend_from_slice(&self.min.to_le_bytes());
        out.extend_from_slice(&self.max.to_le_bytes());
        // The number of buckets goes before them: written once they are.
        let at = out.len();
        out.extend_from_slice(&0u64.to_le_bytes());
        out.reserve(self.counts.len() * 16);
        let mut buckets = 0u64;
        for (b, c) in self.bucket_counts() {
            if c > 0 {
                out.extend_from_slice(&b.to_le_bytes());
                out.extend_from_slice(&c.to_le_bytes());
                buckets += 1;
            }
        }
        out[at..at + 8].copy_from_slice(&buckets.to_le_bytes());
    }

    /// A histogram written by [`Histogram::write_bytes`] at the start of
    /// `bytes`, which moves past it; what is wrong when the bytes are not
    /// one (buckets out of order, counts that do not add up to n).
    pub fn read_bytes(bytes: &mut &[u8]) -> Result<Histogram, String> {
        fn word(bytes: &mut &[u8]) -> Result<[u8; 8], String> {
            let (head, rest) = bytes
                .split_first_chunk::<8>()
                .ok_or_else(|| "it ends in the middle of a histogram".to_string())?;
            *bytes = rest;
            Ok(*head)
        }
        let n = u64::from_le_bytes(word(bytes)?);
        let zeros = u64::from_le_bytes(word(bytes)?);
        let min = f64::from_le_bytes(word(bytes)?);
        let max = f64::from_le_bytes(word(bytes)?);
        let buckets = u64::from_le_bytes(word(bytes)?);
        if buckets > bytes.len() as u64 / 16 {
            return Err("it ends in the middle of a histogram".into());
        }
        let mut pairs = Vec::with_capacity(buckets as usize);
        for _ in 0..buckets {
            let b = i64::from_le_bytes(word(bytes)?);
            let c = u64::from_le_bytes(word(bytes)?);
            pairs.push((b, c));
        }
        let mut h = Histogram {
            zeros,
            min,
            max,
            n,
            ..Histogram::default()
        };
        // The extremes bound every value: percentiles are clamped to them.
        if n > 0 && !(min <= max || (min.is_nan() && max.is_nan())) {
            return Err(format!(
                "a histogram's smallest value {min} is not at most its largest {max}"
            ));
        }
        let mut counted = zeros;
        if let (Some(&(lo, _)), Some(&(hi, _))) = (pairs.first(), pairs.last()) {
            // Values counted in buckets lie from SMALLEST to f64::MAX.
            if !pairs.windows(2).all(|w| w[0].0 < w[1].0)
                || lo < bucket_of(SMALLEST)
                || hi > bucket_of(f64::MAX)
            {
                return Err("a histogram's buckets are out of order or out of range".into());
            }
            h.cover(lo, hi);
            for (b, c) in pairs {
                let carried = u32::try_from(c >> 8)
                    .map_err(|_| "a histogram's count is too large".to_string())?;
                h.counts[(b - lo) as usize] = (c & 0xff) as u8;
                if carried > 0 {
                    h.carry(b, carried);
                }
                counted = counted.saturating_add(c);
            }
        }
        if counted != n {
            return Err(format!(
                "a histogram's counts add up to {counted}, not the {n} it says"
            ));
        }
        Ok(h)
    }

    /// Number of values recorded.
    pub fn len(&self) -> u64 {
        self.n
    }

    /// True when nothing was recorded.
    pub fn is_empty(&self) -> bool {
        self.n == 0
    }

    /// The value of the k-th smallest recorded value (0-based), as its
    /// bucket midpoint clamped to the observed range.
    fn order_statistic(&self, k: u64) -> f64 {
        if k < self.zeros {
            return 0.0_f64.clamp(self.min, self.max);
        }
        let mut seen = self.zeros;
        for (b, c) in self.bucket_counts() {
            seen += c;
            if k < seen {
                return bucket_mid(b).clamp(self.min, self.max);
            }
        }
        self.max
    }

    /// [`Histogram::percentile`] of each of `ps` (ascending), in one pass
    /// over the buckets rather than two per percentile: the same values.
    pub fn percentiles<const N: usize>(&self, ps: [f64; N]) -> [f64; N] {
        // Empty, or every value NaN.
        if self.n == 0 || self.min.is_nan() {
            return [f64::NAN; N];
        }
        // Each percentile's two order statistics, lo and lo + 1.
        let at = ps.map(|p| {
            let h = p.clamp(0.0, 1.0) * (self.n - 1) as f64;
            let lo = h.floor() as u64;
            (lo, h - lo as f64)
        });
        const { assert!(N <= 32, "at most 32 percentiles at once") };
        // (k, where its value goes), in increasing k: neighbouring
        // percentiles may share or interleave their order statistics.
        let mut ks = [(0u64, 0usize); 64];
        let n_ks = 2 * N;
        for (i, &(lo, _)) in at.iter().enumerate() {
            ks[2 * i] = (lo, 2 * i);
            ks[2 * i + 1] = (lo + 1, 2 * i + 1);
        }
        ks[..n_ks].sort_unstable();
        let mut xs = [0.0f64; 64];
        self.order_statistics(&ks[..n_ks], &mut xs);
        let mut out = [0.0; N];
        for (i, (o, &(_, frac))) in out.iter_mut().zip(&at).enumerate() {
            let x_lo = xs[2 * i];
            *o = if frac == 0.0 {
                x_lo
            } else {
                x_lo + frac * (xs[2 * i + 1] - x_lo)
            };
        }
        out
    }

    /// [`Histogram::order_statistic`] of each `k` of `ks` (in increasing
    /// `k`), into `out[slot]`, in one pass over the buckets. A stretch of
    /// buckets whose counts end before the next `k` is passed over by its
    /// sum: only the stretches that hold a `k` are walked bucket by bucket.
    fn order_statistics(&self, ks: &[(u64, usize)], out: &mut [f64]) {
        /// Buckets summed at once: the sum of 64 bytes is a few vector
        /// instructions, and the 10 order statistics of a band fall in at
        /// most 10 of a histogram's 20 to 100 stretches.
        const STRETCH: usize = 64;
        let mut next = 0;
        while next < ks.len() && ks[next].0 < self.zeros {
            out[ks[next].1] = 0.0_f64.clamp(self.min, self.max);
            next += 1;
        }
        let mut seen = self.zeros;
        // self.carries[..carried] are counted in `seen`.
        let mut carried = 0;
        for (j, stretch) in self.counts.chunks(STRETCH).enumerate() {
            let Some(&(k, _)) = ks.get(next) else { return };
            let from = self.offset + (j * STRETCH) as i64;
            let to = from + stretch.len() as i64;
            let carries =
                carried + self.carries[carried..].partition_point(|&(b, _)| i64::from(b) < to);
            let sum = stretch.iter().map(|&c| u64::from(c)).sum::<u64>()
                + (self.carries[carried..carries].iter())
                    .map(|&(_, c)| u64::from(c) << 8)
                    .sum::<u64>();
            if seen + sum <= k {
                (seen, carried) = (seen + sum, carries);
                continue;
            }
            for (b, &byte) in (from..).zip(stretch) {
                seen += u64::from(byte);
                if let Some(&(_, c)) = self.carries[carried..carries]
                    .first()
                    .filter(|&&(c, _)| i64::from(c) == b)
                {
                    seen += u64::from(c) << 8;
                    carried += 1;
                }
                while next < ks.len() && ks[next].0 < seen {
                    out[ks[next].1] = bucket_mid(b).clamp(self.min, self.max);
                    next += 1;
                }
            }
        }
        for &(_, slot) in &ks[next..] {
            out[slot] = self.max;
        }
    }

    /// Estimated PERCENTILE.INC; NaN when empty or every value is NaN.
    pub fn percentile(&self, p: f64) -> f64 {
        if self.n == 0 || self.min.is_nan() {
            return f64::NAN;
        }
        let h = p.clamp(0.0, 1.0) * (self.n - 1) as f64;
        let lo = h.floor() as u64;
        let frac = h - lo as f64;
        let x_lo = self.order_statistic(lo);
        if frac == 0.0 {
            return x_lo;
        }
        x_lo + frac * (self.order_statistic(lo + 1) - x_lo)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// A sample of NaN only has no extremes and no mean (it used to panic
    /// clamping the mean between infinite bounds), and its size is kept.
    #[test]
    fn summarise_nan_only() {
        let s = summarise(&[f64::NAN, f64::NAN]).unwrap();
        assert_eq!(s.n, 2);
        assert!(s.mean.is_nan() && s.min.is_nan() && s.max.is_nan(), "{s:?}");
    }

    /// Hand-computed intervals. 1..=10 (shuffled): mean 5.5, s² = 110/12,
    /// sem = √(110/120) = 0.957427…, t_{0.975, 9} = 2.262157…, so
    /// 5.5 ± 2.165851…. Only the median has a 95 % interval at n = 10 (a
    /// quartile needs P(B = 0) = 0.75¹⁰ = 0.056 ≤ 0.025): ranks (2, 9), so
    /// [2, 9]. At n = 20 (1..=20): P(B ≤ 1) = 0.0243 ≤ 0.025 < P(B ≤ 2) =
    /// 0.0913 and P(B ≤ 8) = 0.959 < 0.975 ≤ P(B ≤ 9) = 0.986 for B ~
    /// Bin(20, 0.25), so p25 has ranks (2, 10) and p75 (11, 19); the median
    /// (6, 15) from P(B ≤ 5) = 0.0207, P(B ≤ 6) = 0.0577, P(B ≤ 13) =
    /// 0.942, P(B ≤ 14) = 0.979 for B ~ Bin(20, 0.5).
    #[test]
    fn summary_intervals_by_hand() {
        let ten = [7.0, 3.0, 10.0, 1.0, 5.0, 9.0, 2.0, 8.0, 6.0, 4.0];
        let s = summarise(&ten).unwrap();
        let (low, high) = s.mean_ci.unwrap();
        let half = 2.262_157_162_798_205 * (110.0f64 / 120.0).sqrt();
        assert!((low - (5.5 - half)).abs() < 1e-12, "{low}");
        assert!((high - (5.5 + half)).abs() < 1e-12, "{high}");
        assert!((half - 2.165_851).abs() < 1e-6, "{half}");
        let median = SUMMARY_PERCENTILES.iter().position(|&p| p == 0.5).unwrap();
        for (i, ci) in s.percentile_cis.iter().enumerate() {
            assert_eq!(*ci, (i == median).then_some((2.0, 9.0)), "{i}");
        }
        // Reversed, so the ends are found by selection, not read in place.
        let twenty: Vec<f64> = (1..=20).rev().map(f64::from).collect();
        let s = summarise(&twenty).unwrap();
        let want = [None, None, None, Some((2.0, 10.0)), Some((6.0, 15.0))];
        assert_eq!(s.percentile_cis[..5], want);
        assert_eq!(
            s.percentile_cis[5..],
            [Some((11.0, 19.0)), None, None, None]
        );
        // No spread: a point; one value: no interval of the mean at all.
        assert_eq!(summarise(&[3.0; 5]).unwrap().mean_ci, Some((3.0, 3.0)));
        let one = summarise(&[3.0]).unwrap();
        assert_eq!(one.mean_ci, None);
        assert_eq!(one.percentile_cis, [None; 9]);
    }

    /// The extremes skip NaN and keep the first of equal values, so the
    /// sign of a zero minimum or maximum is the first zero's.
    #[test]
    fn summarise_extremes_skip_nan_and_keep_the_first_zero() {
        let (inf, nan) = (f64::INFINITY, f64::NAN);
        for (values, min, max) in [
            (vec![1.0, -0.0, 0.0, 0.0], -0.0, 1.0),
            (vec![0.0, -0.0], 0.0, 0.0),
            (vec![-0.0, 0.0], -0.0, -0.0),
            (vec![nan, 2.0, nan, 1.0], 1.0, 2.0),
            (vec![inf, nan], inf, inf),
            (vec![-inf], -inf, -inf),
        ] {
            let s = summarise(&values).unwrap();
            assert_eq!(
                (s.min.to_bits(), s.max.to_bits()),
                (min.to_bits(), max.to_bits()),
                "{values:?}: {} {}",
                s.min,
                s.max
            );
        }
    }

    #[test]
    fn percentile_inc_matches_spreadsheet() {
        // PERCENTILE.INC({1,2,3,4}, 0.1) = 1.3; (…, 0.5) = 2.5; (…, 1) = 4.
        let mut v = vec![4.0, 1.0, 3.0, 2.0];
        assert!((percentile_inc(&mut v, 0.1) - 1.3).abs() < 1e-12);
        assert_eq!(percentile_inc(&mut v, 0.5), 2.5);
        assert_eq!(percentile_inc(&mut v, 1.0), 4.0);
        assert_eq!(percentile_inc(&mut v, 0.0), 1.0);
        let s = summarise(&[1.0, 2.0, 3.0, 4.0]).unwrap();
        assert_eq!(s.mean, 2.5);
        // STDEV.S({1,2,3,4}) = 1.2909944487358056
        assert!((s.sd - 1.290_994_448_735_805_6).abs() < 1e-12);
        assert!((s.variance - 5.0 / 3.0).abs() < 1e-12);
        // Symmetric: SKEW = 0. KURT({1,2,3,4}) = −1.2: z = ±1.5/1.29099 and
        // ±0.5/1.29099, so Σz⁴ = 2·(5.0625 + 0.0625)/2.7778 = 3.69;
        // 4·5/(3·2·1)·3.69 − 3·9/(2·1) = 12.3 − 13.5 = −1.2.
        assert!(s.skewness.unwrap().abs() < 1e-12);
        assert!((s.kurtosis.unwrap() - (-1.2)).abs() < 1e-12);
        assert!((s.cv.unwrap() - 1.290_994_448_735_805_6 / 2.5).abs() < 1e-12);
        assert!((s.sem - 1.290_994_448_735_805_6 / 2.0).abs() < 1e-12);
        // SKEW({1,2,3,10}): mean 4, sd √(50/3) = 4.08248; z = −0.73485,
        // −0.48990, −0.24495, 1.46969; Σz³ = −0.39683 − 0.11758 − 0.01470
        // + 3.17453 = 2.64545; 4/(3·2)·2.64545 = 1.76363.
        let t = summarise(&[1.0, 2.0, 3.0, 10.0]).unwrap();
        assert!((t.skewness.unwrap() - 1.763_632_614_803_887_7).abs() < 1e-9);
        let c = summarise(&[2.0, 2.0, 2.0, 2.0]).unwrap();
        assert_eq!((c.skewness, c.kurtosis, c.sd), (None, None, 0.0));
        // A constant that is not a sum of exact binary fractions: the mean
        // is still the value itself (naive summation gives …932 here).
        let x = 232.924_334_407_519_35;
        let c = summarise(&[x; 20]).unwrap();
        assert_eq!((c.mean, c.sd, c.skewness), (x, 0.0, None));
        // Near f64::MAX the squares would overflow without scaling.
        let h = summarise(&[1e300, 2e300, 3e300]).unwrap();
        assert!((h.mean - 2e300).abs() <= 2e300 * 1e-15 && (h.sd - 1e300).abs() <= 1e300 * 1e-15);
        assert!(!h.variance.is_finite() && !h.is_finite());
        assert_eq!(compensated_sum([1e16, 1.0, -1e16]), 1.0);
    }

    #[test]
    fn counted_at_the_edges() {
        let below = f64::from_bits(SMALLEST.to_bits() - 1);
        for (x, counted) in [
            (SMALLEST, true),
            (below, false),
            (f64::MAX, true),
            (f64::INFINITY, false),
            (0.0, false),
            (-0.0, false),
            (-1.0, false),
            (f64::NAN, false),
            (-f64::NAN, false),
        ] {
            assert_eq!(Histogram::counted(x), counted, "{x:e}");
        }
        // The carries hold a counted value's bucket in a u32 (buckets grow
        // with the value, so the ends bound them all).
        assert!(bucket_of(SMALLEST) >= 0 && bucket_of(f64::MAX) < 1 << 18);
    }

    #[test]
    fn counts_past_a_byte_carry() {
        // 70,000 copies at once (past 2¹⁶), then 300 one by one in a batch
        // of mixed values (the inner loop's carry), then merged twice.
        let mut h = Histogram::default();
        h.add_all(&[1.0; 70_000]);
        let mixed: Vec<f64> = (0..600)
            .map(|i| if i % 2 == 0 { 1.0 } else { 2.0 })
            .collect();
        h.add_all(&mixed);
        let ones = (bucket_of(1.0), 70_300);
        assert_eq!(
            h.bucket_counts()
                .filter(|&(_, c)| c > 0)
                .collect::<Vec<_>>(),
            [ones, (bucket_of(2.0), 300)]
        );
        let mut twice = h.clone();
        twice.merge(&h);
        let counts: Vec<_> = twice.bucket_counts().filter(|&(_, c)| c > 0).collect();
        assert_eq!(counts, [(ones.0, 140_600), (bucket_of(2.0), 600)]);
        // p99 of 141,200 values: the 139,787th is still a 1 (its bucket's
        // midpoint), the largest a 2 (the observed maximum).
        assert_eq!(twice.percentile(0.99), bucket_mid(ones.0));
        assert_eq!(twice.percentile(1.0), 2.0);
    }

    #[test]
    fn histogram_bytes_read_back_to_the_same_percentiles() {
        let mut h = Histogram::default();
        for i in 0..5_000u32 {
            h.add(f64::from(i % 700) * 0.37);
        }
        // Past a byte's count in one bucket.
        for _ in 0..1_000 {
            h.add(3.0);
        }
        let mut bytes = Vec::new();
        h.write_bytes(&mut bytes);
        Histogram::default().write_bytes(&mut bytes);
        let mut rest = &bytes[..];
        let back = Histogram::read_bytes(&mut rest).unwrap();
        let empty = Histogram::read_bytes(&mut rest).unwrap();
        assert!(rest.is_empty() && empty.is_empty());
        let ps = [0.0, 0.05, 0.5, 0.95, 1.0];
        assert_eq!(back.percentiles(ps), h.percentiles(ps));
        assert_eq!((back.len(), back.min, back.max), (h.len(), h.min, h.max));
        // Damaged: extremes swapped, a bucket far out, a count changed, the
        // end cut off.
        let mut swapped = bytes.clone();
        swapped[16..32].rotate_left(8);
        assert!(
            Histogram::read_bytes(&mut &swapped[..])
                .unwrap_err()
                .contains("at most")
        );
        let mut far = bytes.clone();
        far[40..48].copy_from_slice(&(1i64 << 31).to_le_bytes());
        assert!(
            Histogram::read_bytes(&mut &far[..])
                .unwrap_err()
                .contains("out of range")
        );
        let mut bad = bytes.clone();
        bad[48] ^= 1;
        assert!(
            Histogram::read_bytes(&mut &bad[..])
                .unwrap_err()
                .contains("add up")
        );
        assert!(
            Histogram::read_bytes(&mut &bytes[..30])
                .unwrap_err()
                .contains("ends")
        );
    }

    #[test]
    fn histogram_handles_zeros_and_ones() {
        let mut h = Histogram::default();
        for i in 0..100 {
            h.add(if i < 30 { 0.0 } else { 1.0 });
        }
        assert_eq!(h.percentile(0.05), 0.0);
        assert_eq!(h.percentile(0.5), 1.0);
        assert_eq!(h.percentile(0.95), 1.0);
        // Every value NaN: no percentile (not a panic in the clamp).
        let mut h = Histogram::default();
        h.add_all(&[f64::NAN, f64::NAN]);
        assert!(h.percentile(0.5).is_nan());
        assert!(h.percentiles(BAND_PERCENTILES).iter().all(|x| x.is_nan()));
    }

    /// `summarise` as it was before radix selection and fused passes: the
    /// reference its results must equal bit for bit.
    fn summarise_by_selection(values: &mut [f64]) -> Option<Summary> {
        let n = values.len();
        if n == 0 {
            return None;
        }
        let nf = n as f64;
        let min = values
            .iter()
            .fold(f64::INFINITY, |a, &x| if x < a { x } else { a });
        let max = values
            .iter()
            .fold(f64::NEG_INFINITY, |a, &x| if x > a { x } else { a });
        let (min, max) = if min > max {
            (f64::NAN, f64::NAN)
        } else {
            (min, max)
        };
        let big = min.abs().max(max.abs());
        let scale = if big > 0.0 && big.is_finite() {
            2f64.powi(big.log2().floor() as i32)
        } else {
            1.0
        };
        let y = |x: f64| x / scale;
        let base = y(min);
        let mean_y = base + compensated_sum(values.iter().map(|&x| y(x) - base)) / nf;
        let mean = mean_y * scale;
        let mean = if min <= max {
            mean.clamp(min, max)
        } else {
            mean
        };
        let var_y = if n > 1 {
            compensated_sum(values.iter().map(|&x| (y(x) - mean_y) * (y(x) - mean_y))) / (nf - 1.0)
        } else {
            0.0
        };
        let sd_y = var_y.sqrt();
        let sd = sd_y * scale;
        let variance = var_y * scale * scale;
        let (m3, m4) = if sd_y > 0.0 {
            let z = |x: f64| (y(x) - mean_y) / sd_y;
            (
                compensated_sum(values.iter().map(|&x| z(x).powi(3))),
                compensated_sum(values.iter().map(|&x| z(x).powi(4))),
            )
        } else {
            (0.0, 0.0)
        };
        let skewness = (n > 2 && sd_y > 0.0).then(|| nf / ((nf - 1.0) * (nf - 2.0)) * m3);
        let kurtosis = (n > 3 && sd_y > 0.0).then(|| {
            nf * (nf + 1.0) / ((nf - 1.0) * (nf - 2.0) * (nf - 3.0)) * m4
                - 3.0 * (nf - 1.0) * (nf - 1.0) / ((nf - 2.0) * (nf - 3.0))
        });
        let cv = (mean != 0.0).then(|| sd / mean).filter(|c| c.is_finite());
        let sem = sd / nf.sqrt();
        let mut percentiles = [0.0; 9];
        for (out, &p) in percentiles.iter_mut().zip(&SUMMARY_PERCENTILES) {
            *out = percentile_inc(values, p);
        }
        // The intervals' ends from a sorted copy.
        let mut sorted = values.to_vec();
        sorted.sort_by(f64::total_cmp);
        let percentile_cis = SUMMARY_PERCENTILES.map(|p| {
            inference::quantile_ci_ranks(n, p, SUMMARY_CONFIDENCE)
                .map(|(l, u)| (sorted[l - 1], sorted[u - 1]))
        });
        Some(Summary {
            n,
            mean,
            sd,
            min,
            percentiles,
            max,
            variance,
            skewness,
            kurtosis,
            cv,
            sem,
            mean_ci: mean_interval(mean, sem, n),
            percentile_cis,
        })
    }

    /// Every number of a summary as bits (NaN compares equal to itself).
    fn summary_bits(s: &Summary) -> Vec<Option<u64>> {
        [s.mean, s.sd, s.min, s.max, s.variance, s.sem]
            .iter()
            .chain(&s.percentiles)
            .map(|x| Some(x.to_bits()))
            .chain([s.skewness, s.kurtosis, s.cv].map(|x| x.map(f64::to_bits)))
            .chain([Some(s.n as u64)])
            .chain(
                s.percentile_cis
                    .iter()
                    .chain([&s.mean_ci])
                    .flat_map(|ci| [ci.map(|c| c.0.to_bits()), ci.map(|c| c.1.to_bits())]),
            )
            .collect()
    }

    /// A value of an outcome column, or an edge: ties on a grid, signed
    /// zeros, huge magnitudes, infinities, NaN.
    fn column_value() -> impl Strategy<Value = f64> {
        prop_oneof![
            6 => -1e3f64..1e3,
            3 => (0u32..8).prop_map(f64::from),
            1 => Just(-0.0),
            1 => Just(0.0),
            1 => Just(1e300),
            1 => Just(f64::INFINITY),
            1 => Just(f64::NEG_INFINITY),
            1 => Just(f64::NAN),
        ]
    }

    proptest! {
        /// The summary is that of the old code, bit for bit, with or
        /// without NaN, infinities and signed zeros, at any length
        /// (short samples sort, long ones go through the radix buckets).
        #[test]
        fn summarise_equals_the_selection_code(
            values in prop::collection::vec(column_value(), 0..2000),
            finite_only in any::<bool>(),
        ) {
            let values: Vec<f64> = if finite_only {
                values.into_iter().filter(|x| x.is_finite()).collect()
            } else {
                values
            };
            let got = summarise(&values);
            let want = summarise_by_selection(&mut values.clone());
            prop_assert_eq!(got.as_ref().map(summary_bits), want.as_ref().map(summary_bits));
        }

        /// The compensated sum is the one written with a branch on the
        /// larger magnitude, bit for bit (signs, cancellations, zeros,
        /// infinities and NaN).
        #[test]
        fn compensated_sum_equals_the_branch(xs in prop::collection::vec(column_value(), 0..200), big in any::<bool>()) {
            let xs: Vec<f64> = xs.iter().map(|x| if big { x * 1e16 } else { *x }).collect();
            let (mut s, mut c) = (0.0f64, 0.0f64);
            for &x in &xs {
                let t = s + x;
                if s.abs() >= x.abs() {
                    c += (s - t) + x;
                } else {
                    c += (x - t) + s;
                }
                s = t;
            }
            // NaN's sign and payload depend on which operand an instruction
            // propagates (and so on the build); no output shows them.
            let (got, want) = (compensated_sum(xs.iter().copied()), s + c);
            if !(got.is_nan() && want.is_nan()) {
                prop_assert_eq!(got.to_bits(), want.to_bits());
            }
        }

        /// `percentiles_inc` is `percentile_inc` of each p, bit for bit.
        #[test]
        fn percentiles_inc_equals_one_by_one(
            values in prop::collection::vec(column_value(), 0..1500),
            mut ps in prop::collection::vec(0.0f64..=1.0, 5),
        ) {
            ps.sort_by(f64::total_cmp);
            let ps = [ps[0], ps[1], ps[2], ps[3], ps[4]];
            let mut copy = values.clone();
            let want = ps.map(|p| percentile_inc(&mut copy, p).to_bits());
            prop_assert_eq!(percentiles_inc(&values, ps).map(f64::to_bits), want);
        }
    }

    /// The histogram as it was before its counts were bytes: one integer
    /// a bucket, walked bucket by bucket for each order statistic. The
    /// byte counts must give its percentiles to the bit.
    #[derive(Default)]
    struct Plain {
        zeros: u64,
        counts: std::collections::BTreeMap<i64, u64>,
        min: f64,
        max: f64,
        n: u64,
    }

    impl Plain {
        fn add(&mut self, x: f64) {
            if self.n == 0 {
                (self.min, self.max) = (x, x);
            } else {
                (self.min, self.max) = (self.min.min(x), self.max.max(x));
            }
            self.n += 1;
            if Histogram::counted(x) {
                *self.counts.entry(bucket_of(x)).or_default() += 1;
            } else {
                self.zeros += 1;
            }
        }

        fn order_statistic(&self, k: u64) -> f64 {
            if k < self.zeros {
                return 0.0_f64.clamp(self.min, self.max);
            }
            let mut seen = self.zeros;
            for (&b, &c) in &self.counts {
                seen += c;
                if k < seen {
                    return bucket_mid(b).clamp(self.min, self.max);
                }
            }
            self.max
        }

        fn percentile(&self, p: f64) -> f64 {
            if self.n == 0 || self.min.is_nan() {
                return f64::NAN;
            }
            let h = p * (self.n - 1) as f64;
            let lo = h.floor() as u64;
            let frac = h - lo as f64;
            let x_lo = self.order_statistic(lo);
            if frac == 0.0 {
                return x_lo;
            }
            x_lo + frac * (self.order_statistic(lo + 1) - x_lo)
        }
    }

    /// Values crowded into a few buckets (so counts pass 256, many times
    /// for some), with zeros, NaN and far values that stretch the range
    /// over many 64-bucket stretches; cut into batches at `cuts`, some of
    /// them runs of one value (added as copies).
    fn crowded_batches(picks: &[(u8, u16)], cuts: &[usize]) -> Vec<Vec<f64>> {
        let value = |pick: u8| match pick {
            0 => 0.0,
            1 => f64::NAN,
            2 => 1e-9,
            3 => 4e6,
            p => 1.0 + f64::from(p % 12) / 64.0,
        };
        let mut values = Vec::new();
        for &(pick, run) in picks {
            // A few long runs of one value, mostly single values.
            let copies = if pick % 7 == 0 { usize::from(run) } else { 1 };
            values.extend(std::iter::repeat_n(value(pick), copies));
        }
        let mut cuts: Vec<usize> = cuts.iter().map(|&c| c % (values.len() + 1)).collect();
        cuts.extend([0, values.len()]);
        cuts.sort_unstable();
        cuts.windows(2)
            .map(|w| values[w[0]..w[1]].to_vec())
            .collect()
    }

    proptest! {
        /// The bit comparison in `counted` is the range it stands for, for
        /// every double (negative, zero, subnormal, infinite, NaN).
        #[test]
        fn counted_is_the_range(bits in any::<u64>()) {
            let x = f64::from_bits(bits);
            prop_assert_eq!(Histogram::counted(x), (SMALLEST..f64::INFINITY).contains(&x));
        }

        /// The percentiles of one pass are those of one call each, to the
        /// bit (zeros, NaN, ties, one value, p = 0 and 1).
        #[test]
        fn percentiles_in_one_pass_equal_one_by_one(
            values in prop::collection::vec(prop_oneof![Just(0.0), Just(f64::NAN), Just(3.0), 1e-6f64..1e6], 1..300),
            mut ps in prop::collection::vec(0.0f64..1.0, 5),
        ) {
            let mut h = Histogram::default();
            h.add_all(&values);
            ps.sort_by(f64::total_cmp);
            for ps in [[ps[0], ps[1], ps[2], ps[3], ps[4]], [0.0, 0.05, 0.5, 0.95, 1.0], BAND_PERCENTILES] {
                let each = ps.map(|p| h.percentile(p).to_bits());
                prop_assert_eq!(h.percentiles(ps).map(f64::to_bits), each);
            }
        }

        /// The documented bound: every band percentile is within
        /// HISTOGRAM_RELATIVE_ERROR of the exact PERCENTILE.INC.
        #[test]
        fn histogram_percentiles_within_bound(values in prop::collection::vec(1e-6f64..1e6, 1..400), p in 0.0f64..1.0) {
            let mut h = Histogram::default();
            for &x in &values {
                h.add(x);
            }
            let mut copy = values.clone();
            let exact = percentile_inc(&mut copy, p);
            let est = h.percentile(p);
            prop_assert!((est - exact).abs() <= HISTOGRAM_RELATIVE_ERROR * exact * (1.0 + 1e-12), "{est} vs {exact}");
        }

        /// Adding a slice at once equals adding its values one by one.
        #[test]
        fn histogram_add_all_equals_add(values in prop::collection::vec(prop_oneof![Just(0.0), 1e-3f64..1e3], 0..200), cut in 0usize..200) {
            let cut = cut.min(values.len());
            let mut one = Histogram::default();
            values.iter().for_each(|&x| one.add(x));
            let mut all = Histogram::default();
            all.add_all(&values[..cut]);
            all.add_all(&values[cut..]);
            prop_assert_eq!(one, all);
        }

        /// `extremes` finds the values a left-to-right scan finds.
        #[test]
        fn extremes_are_the_scan(values in prop::collection::vec(prop_oneof![Just(f64::NAN), Just(0.0), -1e3f64..1e3], 0..40)) {
            let (lo, hi) = extremes(&values);
            let scan_lo = values.iter().fold(f64::INFINITY, |a, &x| if x < a { x } else { a });
            let scan_hi = values.iter().fold(f64::NEG_INFINITY, |a, &x| if x > a { x } else { a });
            prop_assert_eq!(lo, scan_lo);
            prop_assert_eq!(hi, scan_hi);
        }

        /// Merging in any split gives the same histogram.
        #[test]
        fn histogram_merge_is_order_independent(values in prop::collection::vec(0.0f64..1e3, 0..200), cut in 0usize..200) {
            let cut = cut.min(values.len());
            let (a, b) = values.split_at(cut);
            let mut whole = Histogram::default();
            values.iter().for_each(|&x| whole.add(x));
            let mut ha = Histogram::default();
            a.iter().for_each(|&x| ha.add(x));
            let mut hb = Histogram::default();
            b.iter().for_each(|&x| hb.add(x));
            let mut ab = ha.clone();
            ab.merge(&hb);
            let mut ba = hb;
            ba.merge(&ha);
            prop_assert_eq!(&ab, &ba);
            for p in BAND_PERCENTILES {
                prop_assert_eq!(ab.percentile(p).to_bits(), whole.percentile(p).to_bits());
            }
        }

        /// Byte counts with the carries aside give the percentiles of one
        /// integer a bucket, to the bit, however the values are batched.
        #[test]
        fn byte_counts_give_the_plain_percentiles(
            picks in prop::collection::vec((any::<u8>(), 0u16..600), 1..1500),
            cuts in prop::collection::vec(any::<usize>(), 0..6),
            p in 0.0f64..1.0,
        ) {
            let batches = crowded_batches(&picks, &cuts);
            let mut h = Histogram::default();
            let mut plain = Plain::default();
            for batch in &batches {
                h.add_all(batch);
                batch.iter().for_each(|&x| plain.add(x));
            }
            prop_assert_eq!(h.len(), plain.n);
            let counts: Vec<_> = h.bucket_counts().filter(|&(_, c)| c > 0).collect();
            prop_assert_eq!(counts, plain.counts.iter().map(|(&b, &c)| (b, c)).collect::<Vec<_>>());
            for p in [p, 0.0, 1.0] {
                prop_assert_eq!(h.percentile(p).to_bits(), plain.percentile(p).to_bits());
            }
            let band = BAND_PERCENTILES.map(|p| plain.percentile(p).to_bits());
            prop_assert_eq!(h.percentiles(BAND_PERCENTILES).map(f64::to_bits), band);
            // Grown to the byte: no capacity left over from doubling.
            prop_assert_eq!(h.counts.capacity(), h.counts.len());
        }

        /// Batches added in any order, or merged from histograms of their
        /// own in any order, give the same counts (and so percentiles), as
        /// the workers sharing one set of histograms do.
        #[test]
        fn batches_in_any_order_give_the_same_histogram(
            picks in prop::collection::vec((any::<u8>(), 0u16..600), 1..1500),
            cuts in prop::collection::vec(any::<usize>(), 0..6),
            order in Just(()).prop_perturb(|(), mut rng| rng.random::<u64>()),
        ) {
            let batches = crowded_batches(&picks, &cuts);
            let mut forward = Histogram::default();
            batches.iter().for_each(|b| forward.add_all(b));
            // A permutation of the batches from `order`'s bits.
            let mut shuffled: Vec<&Vec<f64>> = batches.iter().collect();
            for i in (1..shuffled.len()).rev() {
                shuffled.swap(i, (order.rotate_left(i as u32) % (i as u64 + 1)) as usize);
            }
            let mut backward = Histogram::default();
            shuffled.iter().for_each(|b| backward.add_all(b));
            let parts: Vec<Histogram> = shuffled
                .iter()
                .map(|b| {
                    let mut h = Histogram::default();
                    h.add_all(b);
                    h
                })
                .collect();
            let mut merged = Histogram::default();
            parts.iter().rev().for_each(|h| merged.merge(h));
            for h in [&backward, &merged] {
                prop_assert_eq!(h, &forward);
                let band = forward.percentiles(BAND_PERCENTILES).map(f64::to_bits);
                prop_assert_eq!(h.percentiles(BAND_PERCENTILES).map(f64::to_bits), band);
            }
        }
    }
}
