//! Signing new capacity (docs/model.md, month step 6): how one trial's
//! contract of a month is split over providers, each within what it can
//! still build this month (its headroom), under the allocation policy.

use crate::lanes::{self, Lanes, Scalar};
use crate::scenario::Policy;

/// One trial's signing in one month.
pub struct Signing<'a> {
    /// The allocation policy.
    pub policy: Policy,
    /// The trial's provider order for `cheapest_first` / `in_order`.
    pub order: &'a [usize],
    /// What each provider can still sign this month, GW (infinite when
    /// unlimited).
    pub headroom: &'a mut [f64],
    /// What each provider has signed this month, GW.
    pub signed: &'a mut [f64],
}

impl Signing<'_> {
    /// Provider `p` signs up to `amount` within its headroom; returns what
    /// is left.
    pub fn sign(&mut self, p: usize, amount: f64) -> f64 {
        let x = amount.min(self.headroom[p]).max(0.0);
        self.signed[p] += x;
        self.headroom[p] -= x;
        amount - x
    }

    /// Signs `amount` under the policy over every provider but `except`;
    /// returns what found no headroom.
    pub fn spread(&mut self, amount: f64, except: Option<usize>) -> f64 {
        if amount <= 0.0 {
            return amount.max(0.0);
        }
        let eligible = |p: usize| Some(p) != except;
        match self.policy {
            Policy::CheapestFirst | Policy::InOrder => {
                let mut left = amount;
                for i in 0..self.order.len() {
                    if left <= 0.0 {
                        break;
                    }
                    let p = self.order[i];
                    if eligible(p) {
                        left = self.sign(p, left);
                    }
                }
                left
            }
            Policy::ProRata => {
                let n = self.headroom.len();
                let unlimited = (0..n)
                    .filter(|&p| eligible(p) && self.headroom[p] == f64::INFINITY)
                    .count();
                if unlimited > 0 {
                    // In proportion to headroom, as some headroom grows
                    // without bound: the unlimited providers share equally.
                    let each = amount / unlimited as f64;
                    for p in (0..n).filter(|&p| eligible(p) && self.headroom[p] == f64::INFINITY) {
                        self.signed[p] += each;
                    }
                    return 0.0;
                }
                let total: f64 = (0..n)
                    .filter(|&p| eligible(p))
                    .map(|p| self.headroom[p])
                    .sum();
                if total <= 0.0 {
                    return amount;
                }
                if total <= amount {
                    for p in (0..n).filter(|&p| eligible(p)) {
                        self.signed[p] += self.headroom[p];
                        self.headroom[p] = 0.0;
                    }
                    return amount - total;
                }
                for p in (0..n).filter(|&p| eligible(p)) {
                    let x = amount * self.headroom[p] / total;
                    self.signed[p] += x;
                    self.headroom[p] -= x;
                }
                0.0
            }
        }
    }
}

/// [`Signing`] under `cheapest_first` / `in_order` for every lane of a
/// block at once, laid out like [`crate::engine::routing::Ranked`]:
/// headroom and signed GW rank by rank (`[rank * lanes + lane]`), so
/// spreading down each lane's order reads and writes contiguous lanes and
/// vectorises. A lane with nothing to sign passes 0, which signs 0
/// everywhere; every other lane does exactly the arithmetic of [`Signing`]
/// (which stops early where this goes on adding 0, and adding +0 to a sum
/// that is never −0 leaves it as it is).
pub struct RankedSigning<'a> {
    /// What each rank's provider can still sign this month, GW.
    pub room_by_rank: &'a mut [f64],
    /// What each rank's provider has signed this month, GW.
    pub signed_by_rank: &'a mut [f64],
    /// `[rank * lanes + lane]`: the lane's provider of that rank, its
    /// index as a double (so that lanes compare it with one instruction).
    pub provider_by_rank: &'a [f64],
    /// `[provider * lanes + lane]`: the provider's rank in the lane's
    /// order, as an index in a rank-major array (`rank * lanes + lane`).
    pub rank_slots: &'a [usize],
}

impl RankedSigning<'_> {
    /// Starts the month: each provider's headroom is its build limit
    /// (given by rank, `[rank * lanes + lane]`), and nothing is signed.
    #[inline(always)]
    pub fn start(&mut self, build_limit_by_rank: &[f64]) {
        self.room_by_rank.copy_from_slice(build_limit_by_rank);
        self.signed_by_rank.fill(0.0);
    }

    /// [`Signing::sign`] for every lane: provider `p` signs up to
    /// `amount`; `amount` loses what it signs.
    #[inline(always)]
    pub fn sign(&mut self, p: usize, amount: &mut [f64]) {
        let lanes = amount.len();
        let ranks = &self.rank_slots[p * lanes..(p + 1) * lanes];
        for (a, &slot) in amount.iter_mut().zip(ranks) {
            let room = &mut self.room_by_rank[slot];
            let x = a.min(*room).max(0.0);
            self.signed_by_rank[slot] += x;
            *room -= x;
            *a -= x;
        }
    }

    /// [`Signing::spread`] for every lane: each lane's `amount` goes down
    /// its own order, skipping `except`; `amount` keeps what found no
    /// headroom.
    #[inline(always)]
    pub fn spread<L: Lanes>(&mut self, s: L, amount: &mut [f64], except: Option<usize>) {
        let lanes = amount.len();
        let whole = lanes - lanes % L::N;
        // No provider's index is negative.
        let except = except.map_or(-1.0, |p| p as f64);
        let rows = self
            .room_by_rank
            .chunks_exact_mut(lanes)
            .zip(self.signed_by_rank.chunks_exact_mut(lanes))
            .zip(self.provider_by_rank.chunks_exact(lanes));
        for ((room, signed), providers) in rows {
            let (amount, amount_tail) = amount.split_at_mut(whole);
            let (room, room_tail) = room.split_at_mut(whole);
            let (signed, signed_tail) = signed.split_at_mut(whole);
            let (providers, providers_tail) = providers.split_at(whole);
            spread_rank(s, except, amount, room, signed, providers);
            let tail = (amount_tail, room_tail, signed_tail, providers_tail);
            spread_rank(Scalar, except, tail.0, tail.1, tail.2, tail.3);
        }
    }

    /// Each provider's GW signed this month, `[provider * lanes + lane]`.
    #[inline(always)]
    pub fn signed_by_provider<L: Lanes>(&self, lanes: L, out: &mut [f64]) {
        lanes::gather_into(lanes, out, self.signed_by_rank, self.rank_slots);
    }
}

/// One rank of [`RankedSigning::spread`], `L::N` lanes at a time (the
/// slices' length a multiple of `L::N`): each lane's provider of this rank
/// signs what it can of the lane's amount, unless it is `except`.
#[inline(always)]
fn spread_rank<L: Lanes>(
    s: L,
    except: f64,
    amount: &mut [f64],
    room: &mut [f64],
    signed: &mut [f64],
    providers: &[f64],
) {
    let (zero, except) = (s.splat(0.0), s.splat(except));
    let lanes = amount
        .chunks_exact_mut(L::N)
        .zip(room.chunks_exact_mut(L::N))
        .zip(signed.chunks_exact_mut(L::N))
        .zip(providers.chunks_exact(L::N));
    for (((a_n, room_n), signed_n), provider_n) in lanes {
        let a = s.load(a_n);
        let skipped = s.eq(s.load(provider_n), except);
        let want = s.select(skipped, zero, a);
        let r = s.load(room_n);
        let x = s.max(s.min(want, r), zero);
        s.store(s.add(s.load(signed_n), x), signed_n);
        s.store(s.sub(r, x), room_n);
        s.store(s.sub(a, x), a_n);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(
        policy: Policy,
        headroom: &[f64],
        amount: f64,
        except: Option<usize>,
    ) -> (Vec<f64>, f64) {
        let order = [1, 0, 2];
        let mut room = headroom.to_vec();
        let mut signed = vec![0.0; headroom.len()];
        let left = Signing {
            policy,
            order: &order,
            headroom: &mut room,
            signed: &mut signed,
        }
        .spread(amount, except);
        (signed, left)
    }

    #[test]
    fn each_policy_signs_within_headroom() {
        // Walk the order 1, 0, 2: provider 1 has 1 GW of headroom, 0 has 3.
        assert_eq!(
            run(Policy::CheapestFirst, &[3.0, 1.0, 2.0], 4.0, None),
            (vec![3.0, 1.0, 0.0], 0.0)
        );
        assert_eq!(
            run(Policy::InOrder, &[3.0, 1.0, 2.0], 7.0, Some(2)),
            (vec![3.0, 1.0, 0.0], 3.0)
        );
        // In proportion to headroom 1 : 3 : 2 (total 6) of 3 GW.
        assert_eq!(
            run(Policy::ProRata, &[1.0, 3.0, 2.0], 3.0, None),
            (vec![0.5, 1.5, 1.0], 0.0)
        );
        // More than all the headroom: each signs all of it.
        assert_eq!(
            run(Policy::ProRata, &[1.0, 3.0, 2.0], 10.0, Some(1)),
            (vec![1.0, 0.0, 2.0], 7.0)
        );
        // Unlimited providers share equally; the limited ones sign nothing.
        let inf = f64::INFINITY;
        assert_eq!(
            run(Policy::ProRata, &[inf, 3.0, inf], 3.0, None),
            (vec![1.5, 0.0, 1.5], 0.0)
        );
        assert_eq!(
            run(Policy::CheapestFirst, &[inf, 0.0, 2.0], 3.0, None),
            (vec![3.0, 0.0, 0.0], 0.0)
        );
    }
}
