//! Signing new capacity (docs/model.md, month step 6): how one trial's
//! contract of a month is split over providers, each within what it can
//! still build this month (its headroom), under the allocation policy.

use super::routing::{in_provider_order, take_down_order};
use crate::lanes::{self, Lanes};

/// One month's signing for every lane of a block at once, laid out like
/// [`crate::engine::routing::Ranked`]: headroom and signed GW rank by rank
/// (`[rank * lanes + lane]`), so spreading down each lane's order reads
/// and writes contiguous lanes and vectorises. A lane with nothing to sign
/// passes 0, which signs 0 everywhere (adding +0 to a sum that is never −0
/// leaves it as it is).
pub struct RankedSigning<'a> {
    /// What each rank's provider can still sign this month, GW.
    pub room_by_rank: &'a mut [f64],
    /// What each rank's provider has signed this month, GW.
    pub signed_by_rank: &'a mut [f64],
    /// A buffer of `lanes` values for `pro_rata`: the headroom of the
    /// providers a class may use.
    pub room_total: &'a mut [f64],
    /// A buffer of `lanes` values for `pro_rata`: how many of those
    /// providers have unlimited headroom.
    pub unlimited: &'a mut [f64],
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

    /// Provider `p` signs up to each lane's `amount` within its headroom;
    /// `amount` loses what it signs.
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

    /// Signs each lane's `amount` over every provider but `except`, under
    /// `pro_rata` or else down each lane's order; `amount` keeps what
    /// found no headroom.
    #[inline(always)]
    pub fn spread_under<L: Lanes>(
        &mut self,
        s: L,
        pro_rata: bool,
        amount: &mut [f64],
        except: Option<usize>,
    ) {
        if pro_rata {
            self.spread_pro_rata(amount, except);
        } else {
            self.spread(s, amount, except);
        }
    }

    /// Under `cheapest_first` / `in_order`: each lane's `amount` goes down
    /// its own order, skipping `except`; `amount` keeps what found no
    /// headroom.
    #[inline(always)]
    pub fn spread<L: Lanes>(&mut self, s: L, amount: &mut [f64], except: Option<usize>) {
        let (room, signed) = (&mut *self.room_by_rank, &mut *self.signed_by_rank);
        take_down_order::<L, true>(s, except, amount, room, signed, self.provider_by_rank);
    }

    /// Under `pro_rata`, each lane's `amount` over every provider but
    /// `except`: when some have unlimited headroom, they share it equally
    /// (in proportion to headroom, as theirs grows without bound) and the
    /// others sign nothing; else all of their headroom when `amount` needs
    /// it all, or shares of `amount` in proportion to headroom. `amount`
    /// keeps what found no headroom. Under `pro_rata` rank and provider
    /// coincide. Every step is a choice per lane, so the loops vectorise.
    #[inline(always)]
    pub fn spread_pro_rata(&mut self, amount: &mut [f64], except: Option<usize>) {
        let lanes = amount.len();
        debug_assert!(in_provider_order(self.rank_slots));
        let eligible = move |p: &usize| Some(*p) != except;
        let (total, unlimited) = (&mut *self.room_total, &mut *self.unlimited);
        // In provider order, from −0 as `Iterator::sum` adds; the total
        // matters only where no headroom is unlimited.
        total.fill(-0.0);
        unlimited.fill(0.0);
        let rows = self.room_by_rank.chunks_exact(lanes).enumerate();
        for (_, room) in rows.filter(|(p, _)| eligible(p)) {
            let lanes = total.iter_mut().zip(unlimited.iter_mut()).zip(room);
            for ((t, n), &r) in lanes {
                *t += r;
                *n += if r == f64::INFINITY { 1.0 } else { 0.0 };
            }
        }
        let rows = self
            .room_by_rank
            .chunks_exact_mut(lanes)
            .zip(self.signed_by_rank.chunks_exact_mut(lanes))
            .enumerate()
            .filter(|(p, _)| eligible(p));
        for (_, (room_p, signed_p)) in rows {
            let state = amount.iter().zip(total.iter()).zip(unlimited.iter());
            for (((&a, &total), &n), (room, signed)) in state.zip(room_p.iter_mut().zip(signed_p)) {
                let signs = a > 0.0;
                let shared = n > 0.0;
                let all = total <= a;
                let x = if shared {
                    if *room == f64::INFINITY { a / n } else { 0.0 }
                } else if all {
                    *room
                } else {
                    a * *room / total
                };
                let adds = signs && (shared || total > 0.0);
                *signed = if adds { *signed + x } else { *signed };
                *room = match (adds && !shared, all) {
                    (false, _) => *room,
                    (true, true) => 0.0,
                    (true, false) => *room - x,
                };
            }
        }
        for ((a, &total), &n) in amount.iter_mut().zip(total.iter()).zip(unlimited.iter()) {
            *a = if *a <= 0.0 {
                a.max(0.0)
            } else if n > 0.0 {
                0.0
            } else if total <= 0.0 {
                *a
            } else if total <= *a {
                *a - total
            } else {
                0.0
            };
        }
    }

    /// Each provider's GW signed this month, `[provider * lanes + lane]`.
    #[inline(always)]
    pub fn signed_by_provider<L: Lanes>(&self, lanes: L, out: &mut [f64]) {
        lanes::gather_into(lanes, out, self.signed_by_rank, self.rank_slots);
    }
}
