//! Routing and signing one lane at a time, as docs/model.md states steps 5
//! and 6 for one trial: the reference the all-lanes steps
//! ([`Model::route_lanes`], [`Model::sign_lanes`]) are checked against, bit
//! for bit. Tests only: the engine has one copy of each step.

use super::Block;
use crate::engine::Model;
use crate::engine::terms::{self, Route};
use crate::scenario::Policy;

impl Model<'_> {
    /// Steps 5 and 6 lane by lane when the model was asked to
    /// (`lane_by_lane`); says whether it did.
    pub(super) fn lane_by_lane(&self, m: usize, b: &mut Block) -> bool {
        if !self.lane_by_lane {
            return false;
        }
        self.route_each_lane(m, b);
        if self.scenario.new_capacity.is_some() {
            self.sign_new_capacity(m, b);
        }
        true
    }

    /// Step 5 lane by lane: each lane's routes and its provider order.
    fn route_each_lane(&self, m: usize, b: &mut Block) {
        let (lanes, n_prov, n_class) = (b.lanes, b.n_prov, b.n_class);
        for l in 0..lanes {
            let routes = &mut vec![Route::Open; n_class];
            let verified = b.agi[l].verified();
            let expiry = self.terms.ip_expiry(verified);
            self.terms.routes(m as i64, verified, expiry, routes);
            let mut router = Router {
                placed: &mut b.placed,
                free: &mut b.free,
                order: &b.order[l * n_prov..(l + 1) * n_prov],
                n_prov,
                lanes,
                lane: l,
                policy: self.scenario.policy,
            };
            let mut unmet = 0.0;
            for (c, route) in terms::serving_order(routes) {
                let d_c = b.class_demand[c * lanes + l];
                let placed_c: f64 = router.class_total(c);
                let need = d_c - placed_c;
                if !terms::has_need(need, d_c) {
                    b.class_unmet[c * lanes + l] = 0.0;
                    continue;
                }
                let left = match route {
                    Route::Exclusive(p) => router.take(c, p, need),
                    Route::Rofr(ri) => {
                        // The holder's free capacity first, always.
                        let holder = self.terms.rofr[ri].holder;
                        let rest = router.take(c, holder, need);
                        router.spread(c, rest, Some(holder))
                    }
                    Route::Open => router.spread(c, need, None),
                };
                b.class_unmet[c * lanes + l] = left;
                unmet += left;
            }
            b.unmet[l] = unmet;
        }
    }

    /// Step 6 for every lane: OpenAI signs new capacity for the demand
    /// that found none this month, as far as it has not signed for it
    /// already, and each class's part goes to the providers its route
    /// allows (the holder of a ROFR window being offered it first).
    fn sign_new_capacity(&self, m: usize, b: &mut Block) {
        let (lanes, n_prov, n_class) = (b.lanes, b.n_prov, b.n_class);
        let (mut headroom, mut signed_now) = (vec![0.0; n_prov], vec![0.0; n_prov]);
        // This month's slot of the ring (its last signings, a ring's length
        // ago, are online already).
        let slot = m % b.ring * n_prov * lanes;
        b.signings[slot..slot + n_prov * lanes].fill(0.0);
        for l in 0..lanes {
            let unmet = b.unmet[l];
            let shortfall = unmet - b.pipeline[l];
            let amount = b.coverage[l] * shortfall;
            if shortfall <= 0.0 || amount <= 0.0 {
                continue;
            }
            for p in 0..n_prov {
                headroom[p] = b.build_limit[p * lanes + l];
                signed_now[p] = 0.0;
            }
            let routes = &mut vec![Route::Open; n_class];
            let verified = b.agi[l].verified();
            let expiry = self.terms.ip_expiry(verified);
            self.terms.routes(m as i64, verified, expiry, routes);
            let mut signing = Signing {
                policy: self.scenario.policy,
                order: &b.order[l * n_prov..(l + 1) * n_prov],
                headroom: &mut headroom,
                signed: &mut signed_now,
            };
            for (c, route) in terms::serving_order(routes) {
                let unmet_c = b.class_unmet[c * lanes + l];
                if unmet_c <= 0.0 {
                    continue;
                }
                let part = amount * unmet_c / unmet;
                match route {
                    // What the provider cannot build is not signed this month.
                    Route::Exclusive(p) => {
                        signing.sign(p, part);
                    }
                    Route::Rofr(ri) => {
                        let holder = self.terms.rofr[ri].holder;
                        let draw = b.offer_draws[c * lanes + l];
                        b.rofr_offers[l] += 1;
                        let rest = if terms::exercised(draw, b.exercise[ri * lanes + l]) {
                            signing.sign(holder, part)
                        } else {
                            // Declined: the holder signs none of it.
                            b.rofr_declined[l] += 1;
                            part
                        };
                        signing.spread(rest, Some(holder));
                    }
                    Route::Open => {
                        signing.spread(part, None);
                    }
                }
            }
            // Online from month m + L; until then in the pipeline.
            for (p, &x) in signed_now.iter().enumerate() {
                if x > 0.0 {
                    b.signed_total[p * lanes + l] += x;
                    b.pipeline[l] += x;
                    b.signings[slot + p * lanes + l] = x;
                }
            }
        }
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

#[cfg(test)]
mod tests {
    use super::*;

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

    use crate::engine::routing::Ranked;
    use crate::engine::signing::RankedSigning;
    use proptest::prelude::*;

    /// Up to 5 providers' values for up to 9 lanes, `[provider * lanes +
    /// lane]`, with zeros (and, for headroom, unlimited ones) among them;
    /// each lane's need or amount, zero or negative at times, and at times
    /// the first lane's exactly the total it may use (the boundary between
    /// taking all and taking shares); a provider to skip, or none.
    fn lanes_and_providers(
        with_unlimited: bool,
    ) -> impl Strategy<Value = (usize, Vec<f64>, Vec<f64>, Option<usize>)> {
        (1usize..=5, 1usize..=9).prop_flat_map(move |(n_prov, lanes)| {
            let value = if with_unlimited {
                prop_oneof![Just(0.0), Just(f64::INFINITY), 0.0..10.0].boxed()
            } else {
                prop_oneof![Just(0.0), 0.0..10.0].boxed()
            };
            let need = prop_oneof![Just(0.0), Just(-1.0), 0.0..30.0];
            (
                Just(n_prov),
                proptest::collection::vec(value, n_prov * lanes),
                proptest::collection::vec(need, lanes),
                proptest::option::of(0..n_prov),
                proptest::bool::ANY,
            )
                .prop_map(move |(n_prov, values, mut need, except, exact)| {
                    if exact {
                        // In provider order from −0, as the totals are summed.
                        need[0] = (0..n_prov)
                            .filter(|&p| Some(p) != except)
                            .fold(-0.0, |t, p| t + values[p * lanes]);
                    }
                    (n_prov, values, need, except)
                })
        })
    }

    fn bits(v: &[f64]) -> Vec<u64> {
        v.iter().map(|x| x.to_bits()).collect()
    }

    proptest! {
        /// Under `pro_rata`, placing every lane's need at once places,
        /// frees and leaves exactly what [`Router::spread`] does lane by
        /// lane.
        #[test]
        fn pro_rata_routing_all_lanes_equals_one_lane((n_prov, free, need, except) in lanes_and_providers(false)) {
            let lanes = need.len();
            let identity: Vec<usize> = (0..n_prov * lanes).collect();
            let (mut placed, mut free_by_rank, mut left) = (vec![0.0; n_prov * lanes], free.clone(), need.clone());
            Ranked {
                placed: &mut placed,
                free_by_rank: &mut free_by_rank,
                rank_slots: &identity,
                provider_by_rank: &(0..n_prov * lanes).map(|i| (i / lanes) as f64).collect::<Vec<_>>(),
                taken: &mut vec![0.0; n_prov * lanes],
                free_total: &mut vec![0.0; lanes],
                n_prov,
            }
            .spread_pro_rata(0, &mut left, except);
            let (mut placed_one, mut free_one) = (vec![0.0; n_prov * lanes], free);
            let order: Vec<usize> = (0..n_prov).collect();
            for lane in 0..lanes {
                let left_one = Router {
                    placed: &mut placed_one,
                    free: &mut free_one,
                    order: &order,
                    n_prov,
                    lanes,
                    lane,
                    policy: Policy::ProRata,
                }
                .spread(0, need[lane], except);
                prop_assert_eq!(left[lane].to_bits(), left_one.to_bits(), "lane {}", lane);
            }
            prop_assert_eq!(bits(&placed), bits(&placed_one));
            prop_assert_eq!(bits(&free_by_rank), bits(&free_one));
        }

        /// Under `pro_rata`, signing every lane's amount at once signs and
        /// leaves exactly what [`Signing::spread`] does lane by lane,
        /// unlimited headroom included.
        #[test]
        fn pro_rata_signing_all_lanes_equals_one_lane((n_prov, room, amount, except) in lanes_and_providers(true)) {
            let lanes = amount.len();
            let identity: Vec<usize> = (0..n_prov * lanes).collect();
            let providers: Vec<f64> = (0..n_prov * lanes).map(|i| (i / lanes) as f64).collect();
            let (mut room_by_rank, mut signed_by_rank, mut left) =
                (room.clone(), vec![0.0; n_prov * lanes], amount.clone());
            RankedSigning {
                room_by_rank: &mut room_by_rank,
                signed_by_rank: &mut signed_by_rank,
                room_total: &mut vec![0.0; lanes],
                unlimited: &mut vec![0.0; lanes],
                provider_by_rank: &providers,
                rank_slots: &identity,
            }
            .spread_pro_rata(&mut left, except);
            let order: Vec<usize> = (0..n_prov).collect();
            for lane in 0..lanes {
                let mut headroom: Vec<f64> = (0..n_prov).map(|p| room[p * lanes + lane]).collect();
                let mut signed = vec![0.0; n_prov];
                let left_one = Signing {
                    policy: Policy::ProRata,
                    order: &order,
                    headroom: &mut headroom,
                    signed: &mut signed,
                }
                .spread(amount[lane], except);
                prop_assert_eq!(left[lane].to_bits(), left_one.to_bits(), "lane {}", lane);
                for p in 0..n_prov {
                    let i = p * lanes + lane;
                    prop_assert_eq!(signed_by_rank[i].to_bits(), signed[p].to_bits(), "lane {}, provider {}", lane, p);
                    prop_assert_eq!(room_by_rank[i].to_bits(), headroom[p].to_bits(), "lane {}, provider {}", lane, p);
                }
            }
        }
    }
}
