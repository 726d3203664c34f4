//! Samples put in order by the bits of their values rather than by
//! comparisons: the one sort per column behind ranks and deciles, and the
//! order statistics behind exact percentiles.
//!
//! The order is [`f64::total_cmp`]'s: −NaN < −∞ < … < −0 < +0 < … < +∞ <
//! +NaN. [`key`] maps a value to a `u64` whose unsigned order is that
//! order, so a radix pass over the key's bytes puts values in order without
//! a comparison, and two values tie exactly when their bits are equal.

/// `x`'s bits mapped so that unsigned order is [`f64::total_cmp`]'s order:
/// a negative value's bits are all flipped (a larger magnitude comes
/// first), a non-negative one's sign bit is set (after every negative).
pub fn key(x: f64) -> u64 {
    let b = x.to_bits();
    b ^ ((((b as i64) >> 63) as u64) | (1 << 63))
}

/// The value whose [`key`] is `k`.
pub fn value(k: u64) -> f64 {
    let b = if k >> 63 == 1 { k ^ (1 << 63) } else { !k };
    f64::from_bits(b)
}

/// Trial indices of `x` in [`f64::total_cmp`] order, ties in index order:
/// what a stable sort of `0..n` by `x[i].total_cmp(&x[j])` gives.
///
/// A bucket sort on the keys ([`bucket_sort`]): a few passes over the
/// values and short insertion sorts, rather than O(n log n) comparisons
/// through a closure.
pub fn sorted_indices(x: &[f64]) -> Vec<u32> {
    sorted(x).1
}

/// [`sorted_indices`] of `x`, with the [`key`]s of its values in that
/// order (to find ties without going back to the values).
pub fn sorted(x: &[f64]) -> (Vec<u64>, Vec<u32>) {
    let n = x.len();
    if u32::try_from(n).is_err() {
        // Beyond u32 indices (never in a run: 32 GB of values); a
        // comparison sort does the same.
        let mut idx: Vec<usize> = (0..n).collect();
        idx.sort_by(|&i, &j| x[i].total_cmp(&x[j]));
        return (
            idx.iter().map(|&i| key(x[i])).collect(),
            idx.into_iter().map(|i| i as u32).collect(),
        );
    }
    let (mut keys, mut idx) = (vec![0u64; n], vec![0u32; n]);
    deal(|i| key(x[i]), |i| i as u32, &mut keys, &mut idx);
    (keys, idx)
}

/// Average ranks (1-based, ties sharing the mean of their places, −0
/// tying with +0) from keys in order and their indices, as
/// [`sorted`] gives them: `put(index, rank)` once per index.
pub fn average_ranks(keys: &[u64], idx: &[u32], mut put: impl FnMut(u32, f64)) {
    // −0 and +0 are adjacent in key order: fold one onto the other.
    let (minus_zero, plus_zero) = (key(-0.0), key(0.0));
    let fold = |k: u64| if k == minus_zero { plus_zero } else { k };
    let n = keys.len();
    let mut start = 0;
    while start < n {
        let first = fold(keys[start]);
        let mut end = start + 1;
        while end < n && fold(keys[end]) == first {
            end += 1;
        }
        // Positions start..end hold ranks start+1 ..= end. (Converted as
        // a signed integer, one instruction, where usize takes several;
        // the value is the same.)
        let avg = (start + 1 + end) as i64 as f64 / 2.0;
        for &i in &idx[start..end] {
            put(i, avg);
        }
        start = end;
    }
}

/// Pairs shorter than this are put in order by insertion.
const INSERT_BELOW: usize = 32;

/// Puts (key, index) pairs, given in index order, in key order with ties
/// in index order (a stable sort by key).
fn bucket_sort(keys: &mut [u64], idx: &mut [u32]) {
    let (mut keys_to, mut idx_to) = (vec![0u64; keys.len()], vec![0u32; keys.len()]);
    deal(|i| keys[i], |i| idx[i], &mut keys_to, &mut idx_to);
    keys.copy_from_slice(&keys_to);
    idx.copy_from_slice(&idx_to);
}

/// The pairs (`key_at(i)`, `idx_at(i)`) for i in `0..keys.len()`, in key
/// order with ties in the order of i, into `keys` and `idx`.
///
/// About one bucket per pair, each a slice of the keys' range between the
/// smallest and the largest (a key grows about as the logarithm of its
/// value, so samples spread over the buckets rather evenly); the pairs are
/// dealt into their buckets in the order given (stable), and each bucket
/// is put in order by insertion when short, by [`bucket_sort`] when not
/// (its own range is narrower: a cluster, or a far value's crowded
/// neighbours), or left as it is when every key in it is the same.
fn deal(
    key_at: impl Fn(usize) -> u64,
    idx_at: impl Fn(usize) -> u32,
    keys: &mut [u64],
    idx: &mut [u32],
) {
    let n = keys.len();
    let (lo, hi) = (0..n).fold((u64::MAX, 0), |(lo, hi), i| {
        let k = key_at(i);
        (lo.min(k), hi.max(k))
    });
    if n < INSERT_BELOW || lo == hi {
        for i in 0..n {
            (keys[i], idx[i]) = (key_at(i), idx_at(i));
        }
        if lo != hi {
            insertion_sort(keys, idx);
        }
        return;
    }
    let span = 64 - (hi - lo).leading_zeros();
    let bits = (usize::BITS - n.leading_zeros() - 1).clamp(4, 20).min(span);
    let shift = span - bits;
    let bucket = |k: u64| ((k - lo) >> shift) as usize;
    // Where each bucket's pairs go, from the counts per bucket.
    let mut next = vec![0u32; 1 << bits];
    for i in 0..n {
        next[bucket(key_at(i))] += 1;
    }
    let mut sum = 0;
    for slot in next.iter_mut() {
        let count = *slot;
        *slot = sum;
        sum += count;
    }
    for i in 0..n {
        let k = key_at(i);
        let slot = &mut next[bucket(k)];
        keys[*slot as usize] = k;
        idx[*slot as usize] = idx_at(i);
        *slot += 1;
    }
    // Each bucket ends where the next one's pairs begin.
    let mut start = 0;
    for &end in &next {
        let end = end as usize;
        match end - start {
            0 | 1 => {}
            2..INSERT_BELOW => insertion_sort(&mut keys[start..end], &mut idx[start..end]),
            _ => bucket_sort(&mut keys[start..end], &mut idx[start..end]),
        }
        start = end;
    }
}

/// [`bucket_sort`] of a few pairs: stable, as only a greater key moves.
fn insertion_sort(keys: &mut [u64], idx: &mut [u32]) {
    for j in 1..keys.len() {
        let (k, i) = (keys[j], idx[j]);
        let mut p = j;
        while p > 0 && keys[p - 1] > k {
            keys[p] = keys[p - 1];
            idx[p] = idx[p - 1];
            p -= 1;
        }
        keys[p] = k;
        idx[p] = i;
    }
}

/// A key as its own key (a function, not a closure, so that the recursion
/// of [`select`] instantiates it once).
fn same(k: &u64) -> u64 {
    *k
}

/// Candidates below which [`select`] sorts rather than counts.
const SORT_BELOW: usize = 256;

/// The [`f64::total_cmp`] order statistics of `values` at the 0-based
/// positions `ks` (ascending, repeats allowed, each below `values.len()`)
/// into `out`, one per k: the value `select_nth_unstable_by(k,
/// f64::total_cmp)` finds, without reordering `values`.
///
/// A radix selection: one pass counts the values per bucket of the key's
/// leading bits (below those every value shares), the buckets holding the
/// wanted positions are gathered in a second pass, and only they are
/// searched further. Two or three passes over the values in all, rather
/// than a partition of the whole sample per percentile.
pub fn order_statistics(values: &[f64], ks: &[usize], out: &mut [f64]) {
    debug_assert!(ks.windows(2).all(|w| w[0] <= w[1]));
    debug_assert!(ks.last().is_none_or(|&k| k < values.len()));
    let mut keys = vec![0u64; ks.len()];
    select(values, |&x| key(x), ks, &mut keys);
    for (o, &k) in out.iter_mut().zip(&keys) {
        *o = value(k);
    }
}

/// [`select`] by sorting every key.
fn sort_and_pick<T>(items: &[T], key_of: impl Fn(&T) -> u64, ks: &[usize], out: &mut [u64]) {
    let mut keys: Vec<u64> = items.iter().map(key_of).collect();
    keys.sort_unstable();
    for (o, &k) in out.iter_mut().zip(ks) {
        *o = keys[k];
    }
}

/// [`order_statistics`] over items with keys `key_of`: the keys at `ks`.
fn select<T>(items: &[T], key_of: impl Fn(&T) -> u64 + Copy, ks: &[usize], out: &mut [u64]) {
    if ks.is_empty() {
        return;
    }
    // A few items, or more than u32 counts hold (never in a run).
    if items.len() < SORT_BELOW || u32::try_from(items.len()).is_err() {
        sort_and_pick(items, key_of, ks, out);
        return;
    }
    let (lo, hi) = items.iter().fold((u64::MAX, 0), |(lo, hi), item| {
        let k = key_of(item);
        (lo.min(k), hi.max(k))
    });
    if lo == hi {
        out.fill(lo);
        return;
    }
    // Bucket by the leading bits below the prefix every key shares: about
    // a sixteenth of the items per bucket, at most 2^16 buckets.
    let span = 64 - (lo ^ hi).leading_zeros();
    let bits = span.min(
        (usize::BITS - items.len().leading_zeros())
            .saturating_sub(4)
            .clamp(8, 16),
    );
    let shift = span - bits;
    let mask = (1usize << bits) - 1;
    let bucket = |k: u64| (k >> shift) as usize & mask;
    let mut counts = vec![0u32; 1 << bits];
    for item in items {
        counts[bucket(key_of(item))] += 1;
    }
    // Each wanted bucket once, with its start (items in earlier buckets).
    let mut wanted: Vec<(usize, usize)> = Vec::with_capacity(ks.len());
    let (mut b, mut start) = (0, 0);
    for &k in ks {
        while k >= start + counts[b] as usize {
            start += counts[b] as usize;
            b += 1;
        }
        if wanted.last().is_none_or(|&(w, _)| w != b) {
            wanted.push((b, start));
        }
    }
    // Slot of each wanted bucket (at most 255 of them: ks are few).
    const NONE: u8 = u8::MAX;
    if wanted.len() >= usize::from(NONE) {
        sort_and_pick(items, key_of, ks, out);
        return;
    }
    let mut slot_of = vec![NONE; 1 << bits];
    let mut members: Vec<Vec<u64>> = wanted
        .iter()
        .enumerate()
        .map(|(slot, &(b, _))| {
            slot_of[b] = slot as u8;
            Vec::with_capacity(counts[b] as usize)
        })
        .collect();
    for item in items {
        let k = key_of(item);
        let slot = slot_of[bucket(k)];
        if slot != NONE {
            members[usize::from(slot)].push(k);
        }
    }
    // Each wanted bucket searched for its own positions.
    let mut first = 0;
    for (&(b, start), keys) in wanted.iter().zip(&members) {
        let mut last = first;
        while last < ks.len() && ks[last] < start + counts[b] as usize {
            last += 1;
        }
        let local: Vec<usize> = ks[first..last].iter().map(|&k| k - start).collect();
        select(keys, same, &local, &mut out[first..last]);
        first = last;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Values with every kind of edge: both zeros, both NaNs, infinities,
    /// subnormals, ties, and ordinary numbers in narrow and wide ranges.
    fn edgy() -> impl Strategy<Value = f64> {
        prop_oneof![
            Just(0.0),
            Just(-0.0),
            Just(f64::NAN),
            Just(-f64::NAN),
            Just(f64::INFINITY),
            Just(f64::NEG_INFINITY),
            Just(f64::MIN_POSITIVE / 4.0),
            Just(1.0),
            Just(2033.0),
            -1e3f64..1e3,
            0.5f64..0.5000001,
            any::<u64>().prop_map(f64::from_bits),
        ]
    }

    #[test]
    fn keys_order_as_total_cmp() {
        let xs = [
            -f64::NAN,
            f64::NEG_INFINITY,
            -1e300,
            -1.0,
            -f64::MIN_POSITIVE / 2.0,
            -0.0,
            0.0,
            f64::MIN_POSITIVE / 2.0,
            1.0,
            f64::INFINITY,
            f64::NAN,
        ];
        for w in xs.windows(2) {
            assert!(key(w[0]) < key(w[1]), "{} {}", w[0], w[1]);
        }
        for x in xs {
            assert_eq!(value(key(x)).to_bits(), x.to_bits());
        }
    }

    #[test]
    fn order_statistics_of_a_constant_and_of_two_clusters() {
        let mut out = [0.0; 3];
        order_statistics(&[2033.0; 1000], &[0, 500, 999], &mut out);
        assert_eq!(out, [2033.0; 3]);
        // Two tight clusters far apart: the first buckets hold everything,
        // so the search goes down a level.
        let xs: Vec<f64> = (0..4000)
            .map(|i| {
                if i % 2 == 0 {
                    1.0 + i as f64 * 1e-15
                } else {
                    1e6
                }
            })
            .collect();
        order_statistics(&xs, &[0, 1999, 2000], &mut out);
        assert_eq!(out, [1.0, 1.0 + 3998.0 * 1e-15, 1e6]);
    }

    #[test]
    fn order_statistics_at_many_positions() {
        // Values spread evenly over [1, 2), so 500 positions fall in more
        // buckets than the gather has slots (sorted instead); and values
        // over many octaves, so they crowd a few buckets (searched again).
        for spread in [|u: f64| 1.0 + u, |u: f64| (u * 30.0).exp2()] {
            let xs: Vec<f64> = (0..5000u64)
                .map(|i| spread(((i * 2_654_435_761) % 10_007) as f64 / 10_007.0))
                .collect();
            let ks: Vec<usize> = (0..5000).step_by(10).collect();
            let mut out = vec![0.0; ks.len()];
            order_statistics(&xs, &ks, &mut out);
            let mut sorted = xs.clone();
            sorted.sort_by(f64::total_cmp);
            for (&k, got) in ks.iter().zip(&out) {
                assert_eq!(got.to_bits(), sorted[k].to_bits(), "k = {k}");
            }
        }
    }

    proptest! {
        /// The sort is a stable sort by `total_cmp`: ties (including equal
        /// NaNs) in index order, −0 before +0.
        #[test]
        fn sorted_indices_is_the_stable_sort(xs in prop::collection::vec(edgy(), 0..700)) {
            let mut expected: Vec<u32> = (0..xs.len() as u32).collect();
            expected.sort_by(|&i, &j| xs[i as usize].total_cmp(&xs[j as usize]));
            prop_assert_eq!(sorted_indices(&xs), expected);
        }

        /// The same when one far value crowds the rest into one bucket
        /// (sorted there by a second bucket sort), with ties among them.
        #[test]
        fn sorted_indices_with_a_crowded_bucket(
            mut xs in prop::collection::vec(prop_oneof![0.0f64..1.0, (0u32..4).prop_map(f64::from)], 40..500),
            far in prop_oneof![Just(1e300), Just(-1e300), Just(f64::NAN)],
        ) {
            xs.push(far);
            let mut expected: Vec<u32> = (0..xs.len() as u32).collect();
            expected.sort_by(|&i, &j| xs[i as usize].total_cmp(&xs[j as usize]));
            prop_assert_eq!(sorted_indices(&xs), expected);
        }

        /// Every order statistic is the one `select_nth_unstable_by` finds,
        /// bit for bit, for any set of positions (repeats, ends).
        #[test]
        fn order_statistics_are_the_selection(
            xs in prop::collection::vec(edgy(), 1..3000),
            picks in prop::collection::vec(0.0f64..=1.0, 0..20),
        ) {
            let mut ks: Vec<usize> = picks.iter().map(|p| (p * (xs.len() - 1) as f64) as usize).collect();
            ks.push(0);
            ks.push(xs.len() - 1);
            ks.sort_unstable();
            let mut out = vec![0.0; ks.len()];
            order_statistics(&xs, &ks, &mut out);
            for (&k, got) in ks.iter().zip(&out) {
                let mut copy = xs.clone();
                let (_, x, _) = copy.select_nth_unstable_by(k, f64::total_cmp);
                prop_assert_eq!(got.to_bits(), x.to_bits(), "k = {}", k);
            }
        }

        /// The same on values from a narrow range with many ties (integer
        /// months, shares rounded to a grid), as outcome columns hold.
        #[test]
        fn order_statistics_with_many_ties(
            xs in prop::collection::vec((0u32..40).prop_map(|m| f64::from(m) / 8.0), 1..5000),
            picks in prop::collection::vec(0.0f64..=1.0, 1..20),
        ) {
            let mut ks: Vec<usize> = picks.iter().map(|p| (p * (xs.len() - 1) as f64) as usize).collect();
            ks.sort_unstable();
            let mut out = vec![0.0; ks.len()];
            order_statistics(&xs, &ks, &mut out);
            let mut sorted = xs.clone();
            sorted.sort_by(f64::total_cmp);
            for (&k, got) in ks.iter().zip(&out) {
                prop_assert_eq!(got.to_bits(), sorted[k].to_bits());
            }
        }
    }
}
