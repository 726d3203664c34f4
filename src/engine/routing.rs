//! Release and routing (docs/model.md, month steps 4 and 5): what stays placed, and
//! where each class's new need goes under the allocation policy.

use crate::lanes::{self, Lanes};
use crate::scenario::Policy;

/// Step 4, for every lane of a block. A class placed above its demand
/// shrinks pro rata across its providers; then a provider holding more than
/// its capacity sheds pro rata across its classes. `placed` is
/// `[(class * n_prov + provider) * lanes + lane]`, `class_demand` and
/// `capacity` are lane-minor; `k` is a buffer of `lanes` values.
#[inline(always)]
pub fn release(
    placed: &mut [f64],
    class_demand: &[f64],
    capacity: &[f64],
    n_prov: usize,
    lanes: usize,
    k: &mut [f64],
) {
    let n_class = class_demand.len() / lanes.max(1);
    for c in 0..n_class {
        let rows = &mut placed[c * n_prov * lanes..(c + 1) * n_prov * lanes];
        // The total in provider order, as `Iterator::sum` adds (from −0).
        k.fill(-0.0);
        for row in rows.chunks_exact(lanes) {
            for (t, &x) in k.iter_mut().zip(row) {
                *t += x;
            }
        }
        if !shrink_factors(k, &class_demand[c * lanes..(c + 1) * lanes]) {
            continue;
        }
        for row in rows.chunks_exact_mut(lanes) {
            for (x, &f) in row.iter_mut().zip(k.iter()) {
                *x *= f;
            }
        }
    }
    for p in 0..n_prov {
        provider_total(placed, p, n_prov, n_class, lanes, k);
        // Capacity shrinks only with negative growth: usually no lane
        // holds more than its capacity.
        if !shrink_factors(k, &capacity[p * lanes..(p + 1) * lanes]) {
            continue;
        }
        for c in 0..n_class {
            let row = &mut placed[(c * n_prov + p) * lanes..(c * n_prov + p + 1) * lanes];
            for (x, &f) in row.iter_mut().zip(k.iter()) {
                *x *= f;
            }
        }
    }
}

/// Turns each lane's total into the factor that brings it within its
/// limit (exactly 1 when it is within, so scaling leaves it as is), and
/// says whether any lane is over. When none is, the totals are left as they
/// are: the caller skips scaling by 1, and the divisions.
#[inline(always)]
fn shrink_factors(totals: &mut [f64], limits: &[f64]) -> bool {
    if !totals.iter().zip(limits).any(|(&t, &limit)| t > limit) {
        return false;
    }
    for (t, &limit) in totals.iter_mut().zip(limits) {
        // Both sides computed, then chosen, so the loop vectorises.
        let factor = if *t > 0.0 { limit / *t } else { 0.0 };
        *t = if *t > limit { factor } else { 1.0 };
    }
    true
}

/// GW placed on provider `p` over every class, per lane, into `out`
/// (summed in class order, as `Iterator::sum` adds: from −0).
#[inline(always)]
pub fn provider_total(
    placed: &[f64],
    p: usize,
    n_prov: usize,
    n_class: usize,
    lanes: usize,
    out: &mut [f64],
) {
    out.fill(-0.0);
    for c in 0..n_class {
        let row = &placed[(c * n_prov + p) * lanes..(c * n_prov + p + 1) * lanes];
        for (t, &x) in out.iter_mut().zip(row) {
            *t += x;
        }
    }
}

/// GW placed for class `c` over its providers, per lane, into `out`
/// (summed in provider order, as `Iterator::sum` adds: from −0).
#[inline(always)]
pub fn class_total(placed: &[f64], c: usize, n_prov: usize, lanes: usize, out: &mut [f64]) {
    out.fill(-0.0);
    for row in placed[c * n_prov * lanes..(c + 1) * n_prov * lanes].chunks_exact(lanes) {
        for (t, &x) in out.iter_mut().zip(row) {
            *t += x;
        }
    }
}

/// Where each lane's providers stand in its own order, for routing every
/// lane at once: free capacity is kept rank by rank (`[rank * lanes +
/// lane]`), so that spreading a class down each lane's order reads and
/// writes contiguous lanes and vectorises. Placed GW stays provider by
/// provider. Every lane does exactly the arithmetic of [`Router`].
pub struct Ranked<'a> {
    /// Placed GW, `[(class * n_prov + provider) * lanes + lane]`.
    pub placed: &'a mut [f64],
    /// Free GW by rank, `[rank * lanes + lane]`.
    pub free_by_rank: &'a mut [f64],
    /// `[rank * lanes + lane]`: the lane's provider of that rank, as its
    /// index in a provider-major array (`provider * lanes + lane`).
    pub order_slots: &'a [usize],
    /// `[provider * lanes + lane]`: the provider's rank in the lane's
    /// order, as an index in a rank-major array (`rank * lanes + lane`).
    pub rank_slots: &'a [usize],
    /// A buffer of `n_prov * lanes` values: GW taken, by rank.
    pub taken: &'a mut [f64],
    /// Number of providers.
    pub n_prov: usize,
}

impl Ranked<'_> {
    /// Lays out free capacity (`[provider * lanes + lane]`) rank by rank.
    #[inline(always)]
    pub fn set_free<L: Lanes>(&mut self, lanes: L, free: &[f64]) {
        lanes::gather_into(lanes, self.free_by_rank, free, self.order_slots);
    }

    /// [`Router::take`] for every lane: up to `left` of class `c` on
    /// provider `p`, as free capacity allows; `left` loses what is placed.
    #[inline(always)]
    pub fn take(&mut self, c: usize, p: usize, left: &mut [f64]) {
        let lanes = left.len();
        let n_prov = self.n_prov;
        let placed = &mut self.placed[(c * n_prov + p) * lanes..(c * n_prov + p + 1) * lanes];
        let ranks = &self.rank_slots[p * lanes..(p + 1) * lanes];
        for ((need, x_placed), &slot) in left.iter_mut().zip(placed).zip(ranks) {
            let f = &mut self.free_by_rank[slot];
            let x = need.min(*f).max(0.0);
            *x_placed += x;
            *f -= x;
            *need -= x;
        }
    }

    /// [`Router::spread`] under `cheapest_first` / `in_order` for every
    /// lane: each lane's `left` of class `c` goes to its providers in its
    /// own order, skipping `except`.
    #[inline(always)]
    pub fn spread<L: Lanes>(&mut self, s: L, c: usize, left: &mut [f64], except: Option<usize>) {
        let lanes = left.len();
        let n_prov = self.n_prov;
        // A provider-major index less its lane is its provider's first one.
        let except = except.map_or(usize::MAX, |p| p * lanes);
        let rows = self
            .free_by_rank
            .chunks_exact_mut(lanes)
            .zip(self.order_slots.chunks_exact(lanes))
            .zip(self.taken.chunks_exact_mut(lanes));
        for ((free, slots), taken) in rows {
            let lanes = left.iter_mut().zip(free).zip(taken);
            if except == usize::MAX {
                // The same loop without the test, for the common case.
                for ((need, f), t) in lanes {
                    let x = need.min(*f).max(0.0);
                    *t = x;
                    *f -= x;
                    *need -= x;
                }
                continue;
            }
            for (l, (((need, f), t), &slot)) in lanes.zip(slots).enumerate() {
                let want = if slot - l == except { 0.0 } else { *need };
                let x = want.min(*f).max(0.0);
                *t = x;
                *f -= x;
                *need -= x;
            }
        }
        // Each provider's GW of the class gets one addition, as in Router,
        // read from its rank.
        let placed = &mut self.placed[c * n_prov * lanes..(c + 1) * n_prov * lanes];
        lanes::add_gathered(s, placed, self.taken, self.rank_slots);
    }
}

/// Places one lane's need on providers with free capacity.
pub struct Router<'a> {
    /// Placed GW, `[(class * n_prov + provider) * lanes + lane]`.
    pub placed: &'a mut [f64],
    /// Free GW, `[provider * lanes + lane]`.
    pub free: &'a mut [f64],
    /// This lane's provider order for `cheapest_first` / `in_order`.
    pub order: &'a [usize],
    /// Number of providers.
    pub n_prov: usize,
    /// Lanes in the block.
    pub lanes: usize,
    /// The lane routed.
    pub lane: usize,
    /// The allocation policy.
    pub policy: Policy,
}

impl Router<'_> {
    fn at(&self, c: usize, p: usize) -> usize {
        (c * self.n_prov + p) * self.lanes + self.lane
    }

    fn free_at(&self, p: usize) -> usize {
        p * self.lanes + self.lane
    }

    /// GW placed for class `c`.
    #[inline(always)]
    pub fn class_total(&self, c: usize) -> f64 {
        (0..self.n_prov).map(|p| self.placed[self.at(c, p)]).sum()
    }

    /// Places up to `need` of class `c` on provider `p`; returns what is left.
    pub fn take(&mut self, c: usize, p: usize, need: f64) -> f64 {
        let (i, f) = (self.at(c, p), self.free_at(p));
        let x = need.min(self.free[f]).max(0.0);
        self.placed[i] += x;
        self.free[f] -= x;
        need - x
    }

    /// Places `need` of class `c` under the policy on every provider but
    /// `except`; returns what found no capacity.
    pub fn spread(&mut self, c: usize, need: f64, except: Option<usize>) -> f64 {
        if need <= 0.0 {
            return need.max(0.0);
        }
        match self.policy {
            Policy::CheapestFirst | Policy::InOrder => {
                let mut left = need;
                for i in 0..self.order.len() {
                    if left <= 0.0 {
                        break;
                    }
                    let p = self.order[i];
                    if Some(p) != except {
                        left = self.take(c, p, left);
                    }
                }
                left
            }
            Policy::ProRata => {
                let total: f64 = (0..self.n_prov)
                    .filter(|&p| Some(p) != except)
                    .map(|p| self.free[self.free_at(p)])
                    .sum();
                if total <= 0.0 {
                    return need;
                }
                if total <= need {
                    for p in (0..self.n_prov).filter(|&p| Some(p) != except) {
                        let (i, f) = (self.at(c, p), self.free_at(p));
                        let x = self.free[f];
                        self.placed[i] += x;
                        self.free[f] = 0.0;
                    }
                    return need - total;
                }
                for p in (0..self.n_prov).filter(|&p| Some(p) != except) {
                    let (i, f) = (self.at(c, p), self.free_at(p));
                    let x = need * self.free[f] / total;
                    self.placed[i] += x;
                    self.free[f] -= x;
                }
                0.0
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn release_shrinks_classes_then_providers() {
        // 2 classes × 2 providers.
        let mut placed = vec![2.0, 2.0, 1.0, 1.0];
        release(&mut placed, &[2.0, 5.0], &[10.0, 1.5], 2, 1, &mut [0.0]);
        // Class 0 shrinks from 4 to 2 pro rata; provider 1 holds 1 + 1 > 1.5.
        assert_eq!(placed[0], 1.0);
        assert_eq!(placed[2], 1.0);
        assert!((placed[1] - 0.75).abs() < 1e-12 && (placed[3] - 0.75).abs() < 1e-12);
    }

    #[test]
    fn policies_spread_need() {
        let order = [1, 0, 2];
        for (policy, expect) in [
            (Policy::CheapestFirst, [1.0, 3.0, 0.0]),
            (Policy::InOrder, [1.0, 3.0, 0.0]),
            (Policy::ProRata, [4.0 / 6.0, 2.0, 8.0 / 6.0]),
        ] {
            let mut placed = vec![0.0; 3];
            let mut free = vec![1.0, 3.0, 2.0];
            let mut r = Router {
                placed: &mut placed,
                free: &mut free,
                order: &order,
                n_prov: 3,
                lanes: 1,
                lane: 0,
                policy,
            };
            let left = r.spread(0, 4.0, None);
            assert_eq!(left, 0.0, "{policy:?}");
            for (a, b) in placed.iter().zip(expect) {
                assert!((a - b).abs() < 1e-12, "{policy:?}: {placed:?}");
            }
        }
    }
}
