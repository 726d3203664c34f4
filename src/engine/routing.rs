//! Release and routing (docs/model.md, month steps 4 and 5): what stays placed, and
//! where each class's new need goes under the allocation policy.

use crate::lanes::{self, Lanes, Scalar};

/// Step 4, for every lane of a block. A class placed above its demand
/// shrinks pro rata across its providers; then a provider holding more than
/// its capacity sheds pro rata across its classes. `placed` is
/// `[(class * n_prov + provider) * lanes + lane]`, `class_demand` and
/// `capacity` are lane-minor; `k` is a buffer of `lanes` values. Leaves in
/// `provider_totals` (`[provider * lanes + lane]`) what each provider holds
/// after the release, as [`provider_total`] gives it.
#[inline(always)]
pub fn release(
    placed: &mut [f64],
    class_demand: &[f64],
    capacity: &[f64],
    n_prov: usize,
    lanes: usize,
    k: &mut [f64],
    provider_totals: &mut [f64],
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
    for (p, total) in provider_totals.chunks_exact_mut(lanes).enumerate() {
        provider_total(placed, p, n_prov, n_class, lanes, total);
        // Capacity shrinks only with negative growth: usually no lane
        // holds more than its capacity, and the total stands.
        if !shrink_factors(total, &capacity[p * lanes..(p + 1) * lanes]) {
            continue;
        }
        // The totals are now the factors.
        for c in 0..n_class {
            let row = &mut placed[(c * n_prov + p) * lanes..(c * n_prov + p + 1) * lanes];
            for (x, &f) in row.iter_mut().zip(total.iter()) {
                *x *= f;
            }
        }
        provider_total(placed, p, n_prov, n_class, lanes, total);
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
/// provider. Every lane does exactly the arithmetic of routing it alone
/// (docs/model.md, step 5).
pub struct Ranked<'a> {
    /// Placed GW, `[(class * n_prov + provider) * lanes + lane]`.
    pub placed: &'a mut [f64],
    /// Free GW by rank, `[rank * lanes + lane]`.
    pub free_by_rank: &'a mut [f64],
    /// `[provider * lanes + lane]`: the provider's rank in the lane's
    /// order, as an index in a rank-major array (`rank * lanes + lane`).
    pub rank_slots: &'a [usize],
    /// `[rank * lanes + lane]`: the lane's provider of that rank, its
    /// index as a double (so that lanes compare it with one instruction).
    pub provider_by_rank: &'a [f64],
    /// A buffer of `n_prov * lanes` values: GW taken, by rank.
    pub taken: &'a mut [f64],
    /// A buffer of `lanes` values: free GW over the providers a class may
    /// use, under `pro_rata`.
    pub free_total: &'a mut [f64],
    /// Number of providers.
    pub n_prov: usize,
}

impl Ranked<'_> {
    /// Places up to each lane's `left` of class `c` on provider `p`, as free
    /// capacity allows; `left` loses what is placed.
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

    /// Places each lane's `left` of class `c` on every provider but
    /// `except`, under `pro_rata` or else down each lane's order; `left`
    /// keeps what found no capacity.
    #[inline(always)]
    pub fn spread_under<L: Lanes>(
        &mut self,
        s: L,
        pro_rata: bool,
        c: usize,
        left: &mut [f64],
        except: Option<usize>,
    ) {
        if pro_rata {
            self.spread_pro_rata(c, left, except);
        } else {
            self.spread(s, c, left, except);
        }
    }

    /// Under `cheapest_first` / `in_order`: each lane's `left` of class `c`
    /// goes to its providers in its own order, skipping `except`; `left`
    /// keeps what found no capacity.
    #[inline(always)]
    pub fn spread<L: Lanes>(&mut self, s: L, c: usize, left: &mut [f64], except: Option<usize>) {
        let lanes = left.len();
        let n_prov = self.n_prov;
        let (free, taken) = (&mut *self.free_by_rank, &mut *self.taken);
        take_down_order::<L, false>(s, except, left, free, taken, self.provider_by_rank);
        // Each provider's GW of the class gets one addition, read from its
        // rank (as routing one lane alone adds once per provider).
        let placed = &mut self.placed[c * n_prov * lanes..(c + 1) * n_prov * lanes];
        lanes::add_gathered(s, placed, self.taken, self.rank_slots);
    }

    /// Places each lane's `left` of class `c` under `pro_rata` on every
    /// provider but `except`: all of their free capacity when `left` needs
    /// it all, else shares of `left` in proportion to free capacity, so
    /// that every provider keeps the same share of its free capacity.
    /// `left` keeps what found none. Under `pro_rata` each lane's order is
    /// the providers' own, so rank and provider coincide. Every step is a
    /// choice per lane rather than a branch, so the loops vectorise; a lane
    /// with nothing to place, or no free capacity, keeps everything as is.
    #[inline(always)]
    pub fn spread_pro_rata(&mut self, c: usize, left: &mut [f64], except: Option<usize>) {
        let lanes = left.len();
        debug_assert!(in_provider_order(self.rank_slots));
        let n_prov = self.n_prov;
        let eligible = move |p: &usize| Some(*p) != except;
        // Free GW over the eligible providers, in provider order (from −0,
        // as `Iterator::sum` adds).
        let total = &mut *self.free_total;
        total.fill(-0.0);
        let rows = self.free_by_rank.chunks_exact(lanes).enumerate();
        for (_, free) in rows.filter(|(p, _)| eligible(p)) {
            for (t, &f) in total.iter_mut().zip(free) {
                *t += f;
            }
        }
        let placed = &mut self.placed[c * n_prov * lanes..(c + 1) * n_prov * lanes];
        let rows = placed
            .chunks_exact_mut(lanes)
            .zip(self.free_by_rank.chunks_exact_mut(lanes))
            .enumerate()
            .filter(|(p, _)| eligible(p));
        for (_, (placed_p, free_p)) in rows {
            let lanes = left.iter().zip(total.iter()).zip(free_p).zip(placed_p);
            for (((&need, &total), f), x_placed) in lanes {
                let places = need > 0.0 && total > 0.0;
                let all = total <= need;
                let x = if all { *f } else { need * *f / total };
                *x_placed = if places { *x_placed + x } else { *x_placed };
                *f = match (places, all) {
                    (false, _) => *f,
                    (true, true) => 0.0,
                    (true, false) => *f - x,
                };
            }
        }
        for (need, &total) in left.iter_mut().zip(total.iter()) {
            *need = if *need <= 0.0 {
                need.max(0.0)
            } else if total <= 0.0 {
                *need
            } else if total <= *need {
                *need - total
            } else {
                0.0
            };
        }
    }
}

/// A spread down each lane's order, over all lanes, rank by rank: each
/// lane's provider of the rank takes what it can of the lane's `left` from
/// its `room` (free GW, or headroom), unless it is `except`; `left` and
/// `room` lose it, and `took` gets it (or, when `ADD`, adds it). `room`,
/// `took` and `providers` (each rank's provider as a double) are
/// rank-major, `[rank * lanes + lane]`.
#[inline(always)]
pub fn take_down_order<L: Lanes, const ADD: bool>(
    s: L,
    except: Option<usize>,
    left: &mut [f64],
    room: &mut [f64],
    took: &mut [f64],
    providers: &[f64],
) {
    // No provider's index is negative.
    let except = except.map_or(-1.0, |p| p as f64);
    let lanes = left.len();
    let ranks = room
        .chunks_exact_mut(lanes)
        .zip(took.chunks_exact_mut(lanes))
        .zip(providers.chunks_exact(lanes));
    // Whole vectors of lanes, then the rest one by one.
    let whole = lanes - lanes % L::N;
    let (left, left_tail) = left.split_at_mut(whole);
    for ((room, took), providers) in ranks {
        let (room, room_tail) = room.split_at_mut(whole);
        let (took, took_tail) = took.split_at_mut(whole);
        let (providers, providers_tail) = providers.split_at(whole);
        take_lanes::<L, ADD>(s, except, left, room, took, providers);
        let tail = (&mut *left_tail, room_tail, took_tail, providers_tail);
        take_lanes::<Scalar, ADD>(Scalar, except, tail.0, tail.1, tail.2, tail.3);
    }
}

/// One rank of [`take_down_order`] over slices whose length is a multiple
/// of `L::N`.
#[inline(always)]
fn take_lanes<L: Lanes, const ADD: bool>(
    s: L,
    except: f64,
    left: &mut [f64],
    room: &mut [f64],
    took: &mut [f64],
    providers: &[f64],
) {
    let (zero, except) = (s.splat(0.0), s.splat(except));
    let lanes = left
        .chunks_exact_mut(L::N)
        .zip(room.chunks_exact_mut(L::N))
        .zip(took.chunks_exact_mut(L::N))
        .zip(providers.chunks_exact(L::N));
    for (((left_n, room_n), took_n), provider_n) in lanes {
        let a = s.load(left_n);
        let skipped = s.eq(s.load(provider_n), except);
        let want = s.select(skipped, zero, a);
        let r = s.load(room_n);
        let x = s.max(s.min(want, r), zero);
        let took = if ADD { s.add(s.load(took_n), x) } else { x };
        s.store(took, took_n);
        s.store(s.sub(r, x), room_n);
        s.store(s.sub(a, x), left_n);
    }
}

/// Whether every lane's rank of every provider is the provider itself, as
/// under `pro_rata` (only `cheapest_first` reorders providers), which
/// spreads in proportion without an order.
pub fn in_provider_order(rank_slots: &[usize]) -> bool {
    rank_slots.iter().enumerate().all(|(i, &slot)| slot == i)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn release_shrinks_classes_then_providers() {
        // 2 classes × 2 providers.
        let mut placed = vec![2.0, 2.0, 1.0, 1.0];
        let mut totals = [0.0; 2];
        release(
            &mut placed,
            &[2.0, 5.0],
            &[10.0, 1.5],
            2,
            1,
            &mut [0.0],
            &mut totals,
        );
        // Class 0 shrinks from 4 to 2 pro rata; provider 1 holds 1 + 1 > 1.5.
        assert_eq!(placed[0], 1.0);
        assert_eq!(placed[2], 1.0);
        assert!((placed[1] - 0.75).abs() < 1e-12 && (placed[3] - 0.75).abs() < 1e-12);
        // What each provider holds after: 1 + 1, and 1.5.
        assert_eq!(totals[0], 2.0);
        assert!((totals[1] - 1.5).abs() < 1e-12);
    }
}
