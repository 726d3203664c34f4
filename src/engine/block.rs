//! A block of trials stepped side by side (structure of arrays).
//!
//! Every per-trial quantity is stored lane-minor, `[thing * lanes + lane]`,
//! so each step of the month (capacity, release, free capacity, money) is a
//! loop over contiguous lanes that the compiler vectorises, and each output
//! series of a month is already a contiguous slice over the lanes. Each
//! lane performs exactly the arithmetic of a lone trial, in the same order:
//! results do not depend on how many lanes a block has.

use rand::RngExt;

use super::agi::Process;
use super::rng;
use super::routing;
use super::signing::RankedSigning;
use super::terms::{self, InMonth, Route};
use super::{ExpiryCause, Model, MonthState, Observer, Outcome};
use crate::lanes::random::{LaneStreams, normal_pair};
use crate::lanes::{self, Lanes, Scalar, WithLanes, math};
use crate::scenario::{InputId, Policy};

#[cfg(test)]
mod reference;

/// The state of up to `lanes` trials: their sampled inputs, the constants
/// derived from them, and the state after the months stepped so far.
/// Reused from block to block, so stepping never allocates.
#[derive(Debug, Default)]
pub struct Block {
    lanes: usize,
    n_inputs: usize,
    n_prov: usize,
    n_class: usize,
    /// Sampled inputs, lane-major: `[lane * inputs + input]`.
    values: Vec<f64>,
    // Per-lane constants, lane-minor.
    shares: Vec<f64>,
    organic_step: Vec<f64>,
    max_gw: Vec<f64>,
    prices: Vec<f64>,
    /// Month a tranche comes online (infinite when it never materialises).
    tranche_online: Vec<f64>,
    tranche_gw: Vec<f64>,
    /// The first month any lane has each tranche online (infinite when
    /// none ever does): before it, the tranche adds nothing to any lane.
    tranche_first: Vec<f64>,
    exercise: Vec<f64>,
    /// Demand ceiling C (infinite without one).
    ceiling: Vec<f64>,
    /// Months from signing to online, L.
    lead: Vec<usize>,
    /// Share of the uncovered shortfall signed each month.
    coverage: Vec<f64>,
    /// What each provider can sign in a month (infinite when unlimited).
    build_limit: Vec<f64>,
    /// The same, in each lane's provider order: `[rank * lanes + lane]`.
    build_limit_by_rank: Vec<f64>,
    /// Provider order per lane, lane-major: `[lane * providers + rank]`.
    order: Vec<usize>,
    /// The same order as each lane's slot in a provider-major array,
    /// rank-major: `[rank * lanes + lane] = provider * lanes + lane`, so the
    /// vectorised routing reads it contiguously and does no index arithmetic.
    order_slots: Vec<usize>,
    /// Each provider's rank per lane, provider-major: `[provider * lanes +
    /// lane] = rank * lanes + lane`.
    rank_slots: Vec<usize>,
    /// The same order as provider indices, rank-major: `[rank * lanes +
    /// lane] = provider` as a double, which lanes compare in one
    /// instruction (signing skips a ROFR holder by it).
    provider_by_rank: Vec<f64>,
    growth0: Vec<f64>,
    halflife: Vec<f64>,
    drift_vol: Vec<f64>,
    shock_scale: Vec<f64>,
    revenue_step: Vec<f64>,
    per_gw_year0: Vec<f64>,
    discount_step: Vec<f64>,
    margin: Vec<f64>,
    share_rate: Vec<f64>,
    share_cap: Vec<f64>,
    /// Each lane's `demand.shocks` and `terms.rofr.offers` streams.
    shocks: LaneStreams,
    offers: LaneStreams,
    /// The second normal of each lane's last Box–Muller pair, used the
    /// month after.
    spare_shock: Vec<f64>,
    /// ln(1 + g) when growth does not decay (a constant of the trial).
    log_growth: Vec<f64>,
    agi: Vec<Process>,
    /// Each lane's [`Process::wake`]: the AGI process is stepped from then.
    agi_wake: Vec<i64>,
    /// The first of them.
    first_wake: i64,
    /// The months AGI was verified and IP rights end, per lane, as doubles
    /// (infinite for never), so that step 1's flags compare lanes at once.
    verified_month: Vec<f64>,
    expiry_month: Vec<f64>,
    // State, lane-minor.
    organic: Vec<f64>,
    capacity: Vec<f64>,
    /// Σ_p capacity.
    capacity_total: Vec<f64>,
    /// New capacity online, N_p.
    new_online: Vec<f64>,
    /// GW signed but not yet online, all providers, Q.
    pipeline: Vec<f64>,
    /// New capacity signed so far per provider.
    signed_total: Vec<f64>,
    /// What each lane signed with each provider in each month of a ring
    /// of `ring` months (0 where it signed nothing): `[(slot * providers +
    /// provider) * lanes + lane]`, slot = month of signing % ring. Kept by
    /// the month of signing, so that a month's signings are one contiguous
    /// store and its arrivals one gather (each lane's lead time differs).
    signings: Vec<f64>,
    ring: usize,
    /// Each lane's position in `signings` of the month whose signings come
    /// online this month, m − L: `slot * providers * lanes + lane` (plus
    /// `provider * lanes` for a provider's). Moves on a month every step.
    arrival_at: Vec<usize>,
    /// What comes online this month from one provider, by lane.
    arriving: Vec<f64>,
    /// `[(class * providers + provider) * lanes + lane]`.
    placed: Vec<f64>,
    placed_by_provider: Vec<f64>,
    free: Vec<f64>,
    /// Free GW in each lane's provider order, `[rank * lanes + lane]`.
    free_by_rank: Vec<f64>,
    /// GW a class takes from each rank, `[rank * lanes + lane]`.
    taken: Vec<f64>,
    class_demand: Vec<f64>,
    /// Unmet need per class this month.
    class_unmet: Vec<f64>,
    /// ROFR offer draws, `[class * lanes + lane]`.
    offer_draws: Vec<f64>,
    /// One row of routes, `[class]`, being looked up.
    routes: Vec<Route>,
    /// The month's distinct rows of routes, one per group of lanes that
    /// route every class alike: `[group * classes + class]`.
    route_rows: Vec<Route>,
    /// Each lane's group.
    route_group: Vec<usize>,
    /// Whether each lane is in the group being routed.
    in_group: Vec<bool>,
    demand: Vec<f64>,
    unmet: Vec<f64>,
    azure_share: Vec<f64>,
    ip_active: Vec<f64>,
    rofr_active: Vec<f64>,
    agi_verified: Vec<f64>,
    unmet_gw_months: Vec<f64>,
    cum_placed_gw_months: Vec<f64>,
    revenue_factor: Vec<f64>,
    discount: Vec<f64>,
    shared_total: Vec<f64>,
    /// A lane's buffer for k (per-lane sums and scale factors).
    work: Vec<f64>,
    placed_total: Vec<f64>,
    // Outcome accumulators, lane-minor.
    gw_years: Vec<f64>,
    spend_usd_bn: Vec<f64>,
    openai_revenue_usd_bn: Vec<f64>,
    revenue_share_usd_bn: Vec<f64>,
    margin_npv: Vec<f64>,
    share_npv: Vec<f64>,
    rofr_offers: Vec<u32>,
    rofr_declined: Vec<u32>,
    ip_months: Vec<u32>,
    shortfall_months: Vec<u32>,
    demand_gw_end: Vec<f64>,
    azure_share_end: Vec<f64>,
    /// Whether each lane shares revenue this month (1 or 0).
    sharing: Vec<f64>,
    /// Per-lane buffers of the vectorised routing.
    left: Vec<f64>,
    active: Vec<bool>,
    /// Under `pro_rata`, per lane: free GW or headroom over the providers a
    /// class may use, and how many of them have unlimited headroom.
    pro_rata_total: Vec<f64>,
    unlimited: Vec<f64>,
    /// Buffers of step 6 for every lane at once: headroom and signed GW
    /// by rank (`[rank * lanes + lane]`), signed GW by provider, ...
    room_by_rank: Vec<f64>,
    signed_by_rank: Vec<f64>,
    signed_month: Vec<f64>,
    /// ... the month's contract, a class's part of it and what is left of
    /// the part, GW, per lane ...
    contract: Vec<f64>,
    part: Vec<f64>,
    rest: Vec<f64>,
    /// ... whether the lane signs this month, is offered the class's part,
    /// takes the offer up ...
    signs: Vec<bool>,
    offered: Vec<bool>,
    taken_up: Vec<bool>,
    /// A lane's month gathered for an observer.
    view: LaneView,
}

#[derive(Debug, Default)]
struct LaneView {
    capacity: Vec<f64>,
    placed_by_provider: Vec<f64>,
    signed: Vec<f64>,
    new_online: Vec<f64>,
    class_unmet: Vec<f64>,
    class_demand: Vec<f64>,
    placed: Vec<f64>,
}

fn reset(v: &mut Vec<f64>, len: usize, x: f64) {
    v.clear();
    v.resize(len, x);
}

impl Block {
    /// The sampled value of every input of lane `lane`, by input id.
    pub fn values(&self, lane: usize) -> &[f64] {
        &self.values[lane * self.n_inputs..(lane + 1) * self.n_inputs]
    }

    /// The month just stepped, series by series, each a slice over the
    /// lanes, in [`crate::folder::timeseries::series_names`] order.
    fn series_slices(&self) -> impl Iterator<Item = &[f64]> {
        let l = self.lanes;
        std::iter::once(&self.demand[..])
            .chain(self.capacity.chunks_exact(l))
            .chain([&self.capacity_total[..]])
            .chain(self.placed_by_provider.chunks_exact(l))
            .chain(self.signed_total.chunks_exact(l))
            .chain([
                &self.unmet[..],
                &self.azure_share[..],
                &self.ip_active[..],
                &self.rofr_active[..],
                &self.agi_verified[..],
            ])
    }

    /// Calls `f(series index, values over the lanes)` for every series of
    /// the month just stepped, in [`Block::series_slices`] order.
    pub fn series(&self, mut f: impl FnMut(usize, &[f64])) {
        self.series_slices()
            .enumerate()
            .for_each(|(i, xs)| f(i, xs));
    }
}

impl Block {
    /// Adds each lane's value of every series of the month just stepped to
    /// `sums` (one per series, in [`Block::series`] order): each sum is the
    /// left-to-right sum over the lanes, but four series are summed side by
    /// side, so that their chains of additions overlap.
    pub fn add_series_sums(&self, sums: &mut [f64]) {
        let mut series = self.series_slices();
        let mut sums = sums.chunks_exact_mut(4);
        for four in &mut sums {
            let (Some(a), Some(b), Some(c), Some(d)) =
                (series.next(), series.next(), series.next(), series.next())
            else {
                unreachable!("one sum per series");
            };
            let mut acc = [four[0], four[1], four[2], four[3]];
            for (((&a, &b), &c), &d) in a.iter().zip(b).zip(c).zip(d) {
                acc[0] += a;
                acc[1] += b;
                acc[2] += c;
                acc[3] += d;
            }
            four.copy_from_slice(&acc);
        }
        for (sum, xs) in sums.into_remainder().iter_mut().zip(series) {
            *sum = xs.iter().fold(*sum, |s, &x| s + x);
        }
    }
}

/// Adds what found no capacity to `unmet`, for the lanes that routed the
/// class at all (in the order a lone trial adds).
/// Work on lanes `first..first + N`, for any lane type.
trait LaneGroups {
    fn group<L: Lanes>(&mut self, lanes: L, first: usize);
}

/// Runs `work` over `lanes` lanes: whole groups of `L::N`, then the rest
/// one lane at a time with [`Scalar`] (which gives the same bits).
#[inline(always)]
fn each_group<L: Lanes>(path: L, lanes: usize, work: &mut impl LaneGroups) {
    let whole = lanes - lanes % L::N;
    for first in (0..whole).step_by(L::N) {
        work.group(path, first);
    }
    for first in whole..lanes {
        work.group(Scalar, first);
    }
}

/// Step 3, demand, of one month.
struct DemandMonth<'a> {
    b: &'a mut Block,
    /// Years since the start.
    y: f64,
    /// Whether this month draws a new pair of normals.
    new_pair: bool,
    has_halflife: bool,
    has_ceiling: bool,
}

impl LaneGroups for DemandMonth<'_> {
    #[inline(always)]
    fn group<L: Lanes>(&mut self, s: L, i: usize) {
        let b = &mut *self.b;
        let dt = s.splat(1.0 / 12.0);
        let log_growth = if self.has_halflife {
            let decay = math::exp2(s, s.div(s.splat(-self.y), s.load(&b.halflife[i..])));
            let g = s.mul(s.load(&b.growth0[i..]), decay);
            math::ln(s, s.add(s.splat(1.0), g))
        } else {
            s.load(&b.log_growth[i..])
        };
        let z = if self.new_pair {
            let mut stream = b.shocks.load(s, i);
            let (u1, u2) = (stream.uniform(s), stream.uniform(s));
            b.shocks.store(s, i, &stream);
            let (z, spare) = normal_pair(s, u1, u2);
            s.store(spare, &mut b.spare_shock[i..]);
            z
        } else {
            s.load(&b.spare_shock[i..])
        };
        let d = s.load(&b.demand[i..]);
        let shock = s.mul(s.load(&b.shock_scale[i..]), z);
        let drift_vol = s.load(&b.drift_vol[i..]);
        let next = if self.has_ceiling {
            // Growth slows as demand nears the ceiling, which also caps
            // the shocks.
            let c = s.load(&b.ceiling[i..]);
            let drift = s.mul(s.mul(log_growth, s.sub(s.splat(1.0), s.div(d, c))), dt);
            let grown = s.mul(d, math::exp(s, s.add(s.add(drift, drift_vol), shock)));
            s.min(grown, c)
        } else {
            let drift = s.mul(log_growth, dt);
            s.mul(d, math::exp(s, s.add(s.add(drift, drift_vol), shock)))
        };
        s.store(next, &mut b.demand[i..]);
    }
}

/// Step 7, money, of one month (after each provider's placed GW).
struct MonthMoney<'a> {
    b: &'a mut Block,
    /// Microsoft's provider.
    ms: usize,
}

impl LaneGroups for MonthMoney<'_> {
    #[inline(always)]
    fn group<L: Lanes>(&mut self, s: L, i: usize) {
        let b = &mut *self.b;
        let ms = self.ms * b.lanes + i;
        let dt = s.splat(1.0 / 12.0);
        let total = s.load(&b.placed_total[i..]);
        let revenue = s.mul(
            s.mul(
                s.mul(total, s.load(&b.per_gw_year0[i..])),
                s.load(&b.revenue_factor[i..]),
            ),
            dt,
        );
        let openai_revenue = s.add(s.load(&b.openai_revenue_usd_bn[i..]), revenue);
        s.store(openai_revenue, &mut b.openai_revenue_usd_bn[i..]);
        // Outside the window or at the cap, nothing is shared (and adding 0
        // leaves the running total, never −0, as it is).
        let shared_total = s.load(&b.shared_total[i..]);
        let cap = s.load(&b.share_cap[i..]);
        let sharing = s.and(
            s.eq(s.load(&b.sharing[i..]), s.splat(1.0)),
            s.lt(shared_total, cap),
        );
        let uncapped = s.mul(s.load(&b.share_rate[i..]), revenue);
        let shared = s.select(
            sharing,
            s.min(uncapped, s.sub(cap, shared_total)),
            s.splat(0.0),
        );
        let shared_total = s.add(shared_total, shared);
        s.store(shared_total, &mut b.shared_total[i..]);
        s.store(shared_total, &mut b.revenue_share_usd_bn[i..]);
        let ms_placed = s.load(&b.placed_by_provider[ms..]);
        let ms_spend = s.mul(s.mul(ms_placed, s.load(&b.prices[ms..])), dt);
        let discount = s.load(&b.discount[i..]);
        let margin = s.mul(s.mul(s.load(&b.margin[i..]), ms_spend), discount);
        s.store(
            s.add(s.load(&b.margin_npv[i..]), margin),
            &mut b.margin_npv[i..],
        );
        let share = s.mul(shared, discount);
        s.store(
            s.add(s.load(&b.share_npv[i..]), share),
            &mut b.share_npv[i..],
        );
        let azure_share = s.select(
            s.lt(s.splat(0.0), total),
            s.div(ms_placed, total),
            s.splat(0.0),
        );
        s.store(azure_share, &mut b.azure_share[i..]);
        let unmet = s.add(s.load(&b.unmet_gw_months[i..]), s.load(&b.unmet[i..]));
        s.store(unmet, &mut b.unmet_gw_months[i..]);
        let cum = s.add(s.load(&b.cum_placed_gw_months[i..]), total);
        s.store(cum, &mut b.cum_placed_gw_months[i..]);
    }
}

/// Each class's uniform draw of the month for ROFR offers.
struct OfferDraws<'a> {
    b: &'a mut Block,
    n_class: usize,
}

impl LaneGroups for OfferDraws<'_> {
    #[inline(always)]
    fn group<L: Lanes>(&mut self, s: L, i: usize) {
        let b = &mut *self.b;
        let lanes = b.lanes;
        let mut stream = b.offers.load(s, i);
        for c in 0..self.n_class {
            s.store(stream.uniform(s), &mut b.offer_draws[c * lanes + i..]);
        }
        b.offers.store(s, i, &stream);
    }
}

/// Marks the lanes of route group `g` in `in_group`.
#[inline(always)]
fn select_group(in_group: &mut [bool], route_group: &[usize], g: usize) {
    for (inside, &group) in in_group.iter_mut().zip(route_group) {
        *inside = group == g;
    }
}

/// A month index as a double, infinite for never.
fn month_or_never(m: Option<i64>) -> f64 {
    m.map_or(f64::INFINITY, |m| m as f64)
}

#[inline(always)]
fn continue_with(active: &[bool], left: &[f64], unmet: &mut [f64]) {
    for ((u, &l), &a) in unmet.iter_mut().zip(left).zip(active) {
        if a {
            *u += l;
        }
    }
}

impl Model<'_> {
    /// Begins trials `first .. first + lanes` with `seed` in `block`:
    /// samples their inputs and sets up the state before the first month.
    pub fn start_block(&self, seed: u64, first: u64, lanes: usize, block: &mut Block) {
        let s = self.scenario;
        let (n_prov, n_class) = (s.providers.len(), s.workloads.len());
        let n_tranche: usize = s.providers.iter().map(|p| p.tranches.len()).sum();
        let b = block;
        b.lanes = lanes;
        b.n_inputs = s.inputs.all().len();
        b.n_prov = n_prov;
        b.n_class = n_class;
        let (pl, cl) = (n_prov * lanes, n_class * lanes);
        reset(&mut b.values, lanes * b.n_inputs, 0.0);
        reset(&mut b.shares, cl, 0.0);
        reset(&mut b.organic_step, pl, 0.0);
        reset(&mut b.max_gw, pl, 0.0);
        reset(&mut b.prices, pl, 0.0);
        reset(&mut b.tranche_online, n_tranche * lanes, 0.0);
        reset(&mut b.tranche_gw, n_tranche * lanes, 0.0);
        reset(&mut b.tranche_first, n_tranche, f64::INFINITY);
        reset(&mut b.exercise, self.terms.rofr.len() * lanes, 0.0);
        b.order.clear();
        b.order.resize(pl, 0);
        b.order_slots.clear();
        b.order_slots.resize(pl, 0);
        b.rank_slots.clear();
        b.rank_slots.resize(pl, 0);
        reset(&mut b.provider_by_rank, pl, 0.0);
        for v in [
            &mut b.growth0,
            &mut b.halflife,
            &mut b.drift_vol,
            &mut b.shock_scale,
            &mut b.revenue_step,
            &mut b.per_gw_year0,
            &mut b.discount_step,
            &mut b.margin,
            &mut b.share_rate,
            &mut b.share_cap,
            &mut b.demand,
            &mut b.unmet,
            &mut b.azure_share,
            &mut b.ip_active,
            &mut b.rofr_active,
            &mut b.agi_verified,
            &mut b.unmet_gw_months,
            &mut b.cum_placed_gw_months,
            &mut b.openai_revenue_usd_bn,
            &mut b.revenue_share_usd_bn,
            &mut b.margin_npv,
            &mut b.share_npv,
            &mut b.shared_total,
            &mut b.demand_gw_end,
            &mut b.azure_share_end,
            &mut b.work,
            &mut b.placed_total,
            &mut b.left,
            &mut b.ceiling,
            &mut b.coverage,
            &mut b.capacity_total,
            &mut b.pipeline,
            &mut b.contract,
            &mut b.part,
            &mut b.rest,
            &mut b.spare_shock,
            &mut b.log_growth,
        ] {
            reset(v, lanes, 0.0);
        }
        reset(&mut b.revenue_factor, lanes, 1.0);
        reset(&mut b.discount, lanes, 1.0);
        for v in [
            &mut b.rofr_offers,
            &mut b.rofr_declined,
            &mut b.ip_months,
            &mut b.shortfall_months,
        ] {
            v.clear();
            v.resize(lanes, 0);
        }
        for v in [&mut b.active, &mut b.signs, &mut b.offered, &mut b.taken_up] {
            v.clear();
            v.resize(lanes, false);
        }
        reset(&mut b.arriving, lanes, 0.0);
        reset(&mut b.sharing, lanes, 0.0);
        reset(&mut b.verified_month, lanes, f64::INFINITY);
        reset(
            &mut b.expiry_month,
            lanes,
            month_or_never(self.terms.ip_expiry(None)),
        );
        b.first_wake = i64::MIN;
        b.shocks.reset(lanes);
        b.offers.reset(lanes);
        b.agi.resize_with(lanes, Process::idle);
        b.agi_wake.clear();
        b.agi_wake.resize(lanes, i64::MIN);
        b.offer_draws.clear();
        b.offer_draws.resize(cl, 0.0);
        b.routes.clear();
        b.routes.resize(n_class, Route::Open);
        reset(&mut b.organic, pl, 0.0);
        reset(&mut b.capacity, pl, 0.0);
        reset(&mut b.placed, n_class * pl, 0.0);
        reset(&mut b.placed_by_provider, pl, 0.0);
        reset(&mut b.free, pl, 0.0);
        reset(&mut b.free_by_rank, pl, 0.0);
        reset(&mut b.taken, pl, 0.0);
        reset(&mut b.class_demand, cl, 0.0);
        reset(&mut b.class_unmet, cl, 0.0);
        reset(&mut b.gw_years, pl, 0.0);
        reset(&mut b.spend_usd_bn, pl, 0.0);
        reset(&mut b.build_limit, pl, f64::INFINITY);
        reset(&mut b.build_limit_by_rank, pl, f64::INFINITY);
        reset(&mut b.new_online, pl, 0.0);
        reset(&mut b.signed_total, pl, 0.0);
        reset(&mut b.pro_rata_total, lanes, 0.0);
        reset(&mut b.unlimited, lanes, 0.0);
        b.route_group.clear();
        b.route_group.resize(lanes, 0);
        b.in_group.clear();
        b.in_group.resize(lanes, true);
        reset(&mut b.room_by_rank, pl, 0.0);
        reset(&mut b.signed_by_rank, pl, 0.0);
        reset(&mut b.signed_month, pl, 0.0);
        b.lead.clear();
        b.lead.resize(lanes, 1);

        let dt = 1.0 / 12.0;
        for l in 0..lanes {
            let trial = first + l as u64;
            let n_inputs = b.n_inputs;
            let values = &mut b.values[l * n_inputs..(l + 1) * n_inputs];
            self.sample_inputs(seed, trial, values);
            let values = &b.values[l * n_inputs..(l + 1) * n_inputs];
            let v = |id: InputId| values[id.0];

            let share_sum: f64 = s.workloads.iter().map(|w| v(w.share)).sum();
            for (c, w) in s.workloads.iter().enumerate() {
                // All-zero shares (possible only when every share's support
                // touches 0) fall back to equal shares rather than NaN.
                b.shares[c * lanes + l] = if share_sum > 0.0 {
                    v(w.share) / share_sum
                } else {
                    1.0 / n_class as f64
                };
            }
            let mut t = 0;
            for (pi, p) in s.providers.iter().enumerate() {
                let i = pi * lanes + l;
                b.organic[i] = v(p.initial_gw);
                b.organic_step[i] = math::pow(Scalar, 1.0 + v(p.growth), dt);
                b.max_gw[i] = p.max_gw.map_or(f64::INFINITY, v);
                b.prices[i] = v(p.price);
                b.build_limit[i] = p.max_new_gw_per_year.map_or(f64::INFINITY, |x| v(x) / 12.0);
                for (ti, tr) in p.tranches.iter().enumerate() {
                    let mut r = rng::stream(seed, trial, self.tranche_streams[pi][ti]);
                    let materialises = r.random::<f64>() < v(tr.probability);
                    b.tranche_online[t * lanes + l] = if materialises {
                        let delay = v(tr.delay_months).round();
                        // Clamp to the horizon before converting: a huge
                        // delay simply never comes online.
                        let online = f64::from(tr.online.since(s.start)) + delay;
                        let online = online.clamp(-1.0, self.months as f64 + 1.0) as i64;
                        online.max(0) as f64
                    } else {
                        f64::INFINITY
                    };
                    b.tranche_gw[t * lanes + l] = v(tr.gw);
                    b.tranche_first[t] = b.tranche_first[t].min(b.tranche_online[t * lanes + l]);
                    t += 1;
                }
            }
            let order = &mut b.order[l * n_prov..(l + 1) * n_prov];
            for (k, o) in order.iter_mut().enumerate() {
                *o = k;
            }
            if s.policy == Policy::CheapestFirst {
                // Stable sort: ties keep config order.
                let prices = &b.prices;
                order.sort_by(|&a, &c| prices[a * lanes + l].total_cmp(&prices[c * lanes + l]));
            }
            for (rank, &p) in order.iter().enumerate() {
                b.order_slots[rank * lanes + l] = p * lanes + l;
                b.rank_slots[p * lanes + l] = rank * lanes + l;
                b.provider_by_rank[rank * lanes + l] = p as f64;
                b.build_limit_by_rank[rank * lanes + l] = b.build_limit[p * lanes + l];
            }
            b.growth0[l] = v(s.demand.growth);
            b.halflife[l] = s.demand.growth_halflife_years.map_or(f64::NAN, v);
            let sigma = v(s.demand.volatility);
            b.drift_vol[l] = -sigma * sigma * dt / 2.0;
            b.shock_scale[l] = sigma * dt.sqrt();
            b.log_growth[l] = math::ln(Scalar, 1.0 + b.growth0[l]);
            b.shocks.seed(l, rng::key(seed, trial, self.shocks));
            b.offers.seed(l, rng::key(seed, trial, self.offers));
            b.revenue_step[l] = math::pow(Scalar, 1.0 + v(s.revenue.growth), dt);
            b.per_gw_year0[l] = v(s.revenue.per_gw_year);
            b.discount_step[l] = math::pow(Scalar, 1.0 + v(s.microsoft.discount_rate), -dt);
            b.margin[l] = v(s.microsoft.azure_margin);
            if let Some(rs) = &s.terms.revenue_share {
                b.share_rate[l] = v(rs.rate);
                b.share_cap[l] = rs.cap_usd_bn.map_or(f64::INFINITY, v);
            }
            for (ri, r) in self.terms.rofr.iter().enumerate() {
                b.exercise[ri * lanes + l] = v(r.exercise_probability);
            }
            b.agi[l].start(self, seed, trial, values);
            b.ceiling[l] = s.demand.ceiling_gw.map_or(f64::INFINITY, v);
            b.demand[l] = b.ceiling[l].min(v(s.demand.initial_gw));
            if let Some(nc) = &s.new_capacity {
                // At least one month by its domain; capacity that would come
                // online after the horizon never does.
                let lead = v(nc.lead_time_months)
                    .round()
                    .clamp(1.0, self.months as f64 + 1.0);
                b.lead[l] = lead as usize;
                b.coverage[l] = v(nc.coverage);
            }
        }
        // A ring long enough that a month's signings are still there when
        // they come online, L ≤ ring − 1 months later.
        b.ring = b.lead.iter().copied().max().unwrap_or(1) + 1;
        let ring_len = if s.new_capacity.is_some() {
            b.ring * pl
        } else {
            0
        };
        reset(&mut b.signings, ring_len, 0.0);
        // Month 0's arrivals: the slot of month −L, which nothing signed
        // (zeros until month ring − L writes it, after month 0 has read it).
        b.arrival_at.clear();
        b.arrival_at.extend(
            b.lead
                .iter()
                .enumerate()
                .map(|(l, &lead)| (b.ring - lead) % b.ring * pl + l),
        );
    }

    /// Steps every lane of `block` through month `m` (months must come in
    /// order, from 0), on the model's instruction-set path.
    pub fn step_block(&self, m: usize, b: &mut Block) {
        struct MonthStep<'a, 'm, 's> {
            model: &'m Model<'s>,
            m: usize,
            b: &'a mut Block,
        }
        impl WithLanes for MonthStep<'_, '_, '_> {
            type Output = ();
            #[inline(always)]
            fn run<L: Lanes>(self, lanes: L) {
                self.model.step_lanes(lanes, self.m, self.b);
            }
        }
        self.path.run(MonthStep { model: self, m, b });
    }

    /// [`Self::step_block`] with lanes `L`.
    #[inline(always)]
    fn step_lanes<L: Lanes>(&self, lanes_path: L, m: usize, b: &mut Block) {
        let s = self.scenario;
        let (lanes, n_prov, n_class) = (b.lanes, b.n_prov, b.n_class);
        let dt = 1.0 / 12.0;
        let y = m as f64 / 12.0;
        let mi = m as i64;
        let mf = m as f64;

        // 1. AGI and the terms that hang on it (the revenue share's window
        // and the IP rights are used in step 7). A lane's AGI process is
        // stepped only from the month it can next change; the block skips
        // the lanes altogether until the first of them.
        if mi >= b.first_wake {
            let mut first_wake = i64::MAX;
            for l in 0..lanes {
                if mi >= b.agi_wake[l] {
                    b.agi[l].step(self, mi, b.cum_placed_gw_months[l]);
                    b.agi_wake[l] = b.agi[l].wake();
                    let verified = b.agi[l].verified();
                    if verified.is_some() && b.verified_month[l] == f64::INFINITY {
                        // Once per lane at most: verification is final.
                        b.verified_month[l] = month_or_never(verified);
                        b.expiry_month[l] = month_or_never(self.terms.ip_expiry(verified));
                    }
                }
                first_wake = first_wake.min(b.agi_wake[l]);
            }
            b.first_wake = first_wake;
        }
        for (flag, &verified) in b.agi_verified.iter_mut().zip(&b.verified_month) {
            *flag = if verified <= mf { 1.0 } else { 0.0 };
        }
        let ip = b.ip_active.iter_mut().zip(&mut b.ip_months);
        for ((flag, months), &expiry) in ip.zip(&b.expiry_month) {
            let active = mf < expiry;
            *flag = if active { 1.0 } else { 0.0 };
            *months += u32::from(active);
        }
        let until = match self.terms.sharing_in(mi) {
            InMonth::Closed => None,
            InMonth::Open => Some(None),
            InMonth::UntilAgiVerified => Some(Some(&b.verified_month)),
            InMonth::UntilIpExpiry => Some(Some(&b.expiry_month)),
        };
        match until {
            None => b.sharing.fill(0.0),
            Some(None) => b.sharing.fill(1.0),
            Some(Some(end)) => {
                for (flag, &end) in b.sharing.iter_mut().zip(end) {
                    *flag = if mf < end { 1.0 } else { 0.0 };
                }
            }
        }

        // 2. Capacity.
        if m > 0 {
            for (o, &step) in b.organic.iter_mut().zip(&b.organic_step) {
                *o *= step;
            }
        }
        for ((c, &o), &max) in b.capacity.iter_mut().zip(&b.organic).zip(&b.max_gw) {
            *c = o.min(max);
        }
        let mut t = 0;
        for (p, provider) in s.providers.iter().enumerate() {
            let capacity = &mut b.capacity[p * lanes..(p + 1) * lanes];
            for _ in &provider.tranches {
                if mf < b.tranche_first[t] {
                    t += 1;
                    continue;
                }
                let online = &b.tranche_online[t * lanes..(t + 1) * lanes];
                let gw = &b.tranche_gw[t * lanes..(t + 1) * lanes];
                for ((c, &on), &g) in capacity.iter_mut().zip(online).zip(gw) {
                    // Branch-free, so it vectorises; adding 0 changes nothing
                    // (capacity is never −0).
                    *c += if on <= mf { g } else { 0.0 };
                }
                t += 1;
            }
        }
        if s.new_capacity.is_some() {
            // What was signed L months ago comes online, for good.
            let providers = b.new_online.chunks_exact_mut(lanes);
            for (p, (online_p, capacity_p)) in providers
                .zip(b.capacity.chunks_exact_mut(lanes))
                .enumerate()
            {
                let signed_p = &b.signings[p * lanes..];
                lanes::gather_into(lanes_path, &mut b.arriving, signed_p, &b.arrival_at);
                for (((&a, online), c), q) in b
                    .arriving
                    .iter()
                    .zip(online_p)
                    .zip(capacity_p)
                    .zip(&mut b.pipeline)
                {
                    *online += a;
                    *q -= a;
                    *c += *online;
                }
            }
            // Next month's arrivals were signed a month later.
            let (month, ring_len) = (n_prov * lanes, b.signings.len());
            for at in &mut b.arrival_at {
                *at += month;
                *at = if *at >= ring_len { *at - ring_len } else { *at };
            }
        }
        b.capacity_total.fill(0.0);
        for capacity_p in b.capacity.chunks_exact(lanes) {
            for (total, &c) in b.capacity_total.iter_mut().zip(capacity_p) {
                *total += c;
            }
        }

        // 3. Demand.
        if m > 0 {
            let mut month = DemandMonth {
                b: &mut *b,
                y,
                // Normals come in Box–Muller pairs: drawn in months 1, 3,
                // 5, …, the second kept for the month after.
                new_pair: m % 2 == 1,
                has_halflife: s.demand.growth_halflife_years.is_some(),
                has_ceiling: s.demand.ceiling_gw.is_some(),
            };
            each_group(lanes_path, lanes, &mut month);
        }
        for (demand_c, shares_c) in b
            .class_demand
            .chunks_exact_mut(lanes)
            .zip(b.shares.chunks_exact(lanes))
        {
            for ((d, &share), &demand) in demand_c.iter_mut().zip(shares_c).zip(&b.demand) {
                *d = share * demand;
            }
        }

        // 4. Release, which leaves each provider's total in `free`.
        routing::release(
            &mut b.placed,
            &b.class_demand,
            &b.capacity,
            n_prov,
            lanes,
            &mut b.work,
            &mut b.free,
        );

        // 5. Route each class's need.
        for (f, &cap) in b.free.iter_mut().zip(&b.capacity) {
            *f = (cap - *f).max(0.0);
        }
        if !self.terms.rofr.is_empty() {
            // One draw per class every month, whether an offer of new
            // capacity (step 6) uses it or not, so the stream stays aligned
            // across scenarios (common random numbers).
            let mut draws = OfferDraws {
                b: &mut *b,
                n_class,
            };
            each_group(lanes_path, lanes, &mut draws);
        }
        self.group_routes(m, b);
        if !self.lane_by_lane(m, b) {
            // One group (every month when no window hangs on AGI) needs no
            // lane masks.
            let grouped = b.route_rows.len() > n_class;
            if grouped {
                self.route_lanes::<L, true>(lanes_path, b);
            } else {
                self.route_lanes::<L, false>(lanes_path, b);
            }
            // 6. New capacity.
            if s.new_capacity.is_some() {
                if grouped {
                    self.sign_lanes::<L, true>(lanes_path, m, b);
                } else {
                    self.sign_lanes::<L, false>(lanes_path, m, b);
                }
            }
        }

        // 7. Money.
        b.placed_total.fill(0.0);
        for p in 0..n_prov {
            let range = p * lanes..(p + 1) * lanes;
            let by_provider = &mut b.placed_by_provider[range.clone()];
            routing::provider_total(&b.placed, p, n_prov, n_class, lanes, by_provider);
            let lanes_p = by_provider
                .iter()
                .zip(&mut b.placed_total)
                .zip(&mut b.gw_years[range.clone()])
                .zip(&mut b.spend_usd_bn[range.clone()])
                .zip(&b.prices[range]);
            for ((((&placed_p, total), gw_years), spend), &price) in lanes_p {
                *total += placed_p;
                *gw_years += placed_p * dt;
                *spend += placed_p * price * dt;
            }
        }
        if m > 0 {
            for (f, &step) in b.revenue_factor.iter_mut().zip(&b.revenue_step) {
                *f *= step;
            }
            for (d, &step) in b.discount.iter_mut().zip(&b.discount_step) {
                *d *= step;
            }
        }
        // The terms that hang on each lane's dates were settled in step 1.
        let mut money = MonthMoney {
            b: &mut *b,
            ms: s.microsoft.provider,
        };
        each_group(lanes_path, lanes, &mut money);
        for (months, &unmet) in b.shortfall_months.iter_mut().zip(&b.unmet) {
            *months += u32::from(unmet > 0.0);
        }
        if m + 1 == self.months {
            b.demand_gw_end.copy_from_slice(&b.demand);
            b.azure_share_end.copy_from_slice(&b.azure_share);
        }
    }

    /// Each lane's routes of month `m` as groups of lanes that route every
    /// class alike: the distinct rows of routes (`route_rows`, one per
    /// group) and each lane's group. When no window hangs on AGI, every
    /// lane is in the one group of the month's fixed routes. Else a lane's
    /// routes hang only on whether its verified AGI and its IP expiry have
    /// passed (a window ending at either is active until then), so there
    /// are at most four rows (two in practice: lanes without verified AGI
    /// all share the IP sunset), each looked up once.
    fn group_routes(&self, m: usize, b: &mut Block) {
        let n_class = b.n_class;
        b.route_rows.clear();
        match &self.fixed_routes {
            Some(fixed) => {
                b.route_rows.extend_from_slice(fixed.routes(m));
                b.rofr_active
                    .fill(if fixed.rofr_active(m) { 1.0 } else { 0.0 });
                b.route_group.fill(0);
            }
            None => {
                let (mi, mf) = (m as i64, m as f64);
                // Group and ROFR activity by (AGI passed, IP expiry passed).
                let mut by_key: [Option<(usize, f64)>; 4] = [None; 4];
                let lanes = b.verified_month.iter().zip(&b.expiry_month);
                let groups = b.route_group.iter_mut().zip(&mut b.rofr_active);
                for ((&verified, &expiry), (group, rofr_active)) in lanes.zip(groups) {
                    let (agi, ip) = (verified <= mf, expiry <= mf);
                    let key = usize::from(agi) | usize::from(ip) << 1;
                    let (g, active) = *by_key[key].get_or_insert_with(|| {
                        // Any month passed is the same to every window.
                        let row = &mut b.routes[..n_class];
                        let active =
                            self.terms
                                .routes(mi, agi.then_some(mi), ip.then_some(mi), row);
                        let g = match b.route_rows.chunks_exact(n_class).position(|r| r == row) {
                            Some(g) => g,
                            None => {
                                b.route_rows.extend_from_slice(row);
                                b.route_rows.len() / n_class - 1
                            }
                        };
                        (g, if active { 1.0 } else { 0.0 })
                    });
                    (*group, *rofr_active) = (g, active);
                }
            }
        }
    }

    /// Routing and signing lane by lane, a reference for tests only.
    #[cfg(not(test))]
    #[inline(always)]
    fn lane_by_lane(&self, _m: usize, _b: &mut Block) -> bool {
        false
    }

    /// Step 5 for every lane at once, group by group of lanes that route
    /// each class alike ([`Self::group_routes`]). Loops run over contiguous
    /// lanes without data-dependent branches: a lane outside the group, or
    /// whose class needs nothing, takes 0 everywhere, which leaves it as it
    /// is, so each lane does exactly the arithmetic of routing it alone.
    #[inline(always)]
    fn route_lanes<L: Lanes, const GROUPED: bool>(&self, s: L, b: &mut Block) {
        let (lanes, n_prov, n_class) = (b.lanes, b.n_prov, b.n_class);
        let pro_rata = self.scenario.policy == Policy::ProRata;
        b.unmet.fill(0.0);
        lanes::gather_into(s, &mut b.free_by_rank, &b.free, &b.order_slots);
        let groups = b.route_rows.len() / n_class;
        for g in 0..groups {
            if GROUPED {
                select_group(&mut b.in_group, &b.route_group, g);
            }
            let mut ranked = routing::Ranked {
                placed: &mut b.placed,
                free_by_rank: &mut b.free_by_rank,
                rank_slots: &b.rank_slots,
                provider_by_rank: &b.provider_by_rank,
                taken: &mut b.taken,
                free_total: &mut b.pro_rata_total,
                n_prov,
            };
            let routes = &b.route_rows[g * n_class..(g + 1) * n_class];
            for (c, route) in terms::serving_order(routes) {
                // need (0 where the class needs nothing this month).
                let need = &mut b.work;
                routing::class_total(ranked.placed, c, n_prov, lanes, need);
                let demand = &b.class_demand[c * lanes..(c + 1) * lanes];
                let lane_state = need.iter_mut().zip(demand).zip(&b.in_group);
                for (((n, &d), &inside), active) in lane_state.zip(&mut b.active) {
                    let want = d - *n;
                    *active = (!GROUPED || inside) && terms::has_need(want, d);
                    *n = if *active { want } else { 0.0 };
                }
                let left = &mut b.left;
                left.copy_from_slice(need);
                match route {
                    Route::Exclusive(p) => ranked.take(c, p, left),
                    // The holder's free capacity first, always.
                    Route::Rofr(ri) => {
                        let holder = self.terms.rofr[ri].holder;
                        ranked.take(c, holder, left);
                        ranked.spread_under(s, pro_rata, c, left, Some(holder));
                    }
                    Route::Open => ranked.spread_under(s, pro_rata, c, left, None),
                }
                continue_with(&b.active, left, &mut b.unmet);
                let class_unmet = &mut b.class_unmet[c * lanes..(c + 1) * lanes];
                let lane_state = left.iter().zip(&b.active).zip(&b.in_group);
                for (u, ((&l, &a), &inside)) in class_unmet.iter_mut().zip(lane_state) {
                    *u = if a {
                        l
                    } else if !GROUPED || inside {
                        0.0
                    } else {
                        *u
                    };
                }
            }
        }
    }

    /// Step 6 for every lane at once: OpenAI signs new capacity for the
    /// demand that found none this month, as far as it has not signed for
    /// it already, and each class's part goes to the providers its route
    /// allows (the holder of a ROFR window being offered it first). Group
    /// by group of lanes that route alike, over contiguous lanes without
    /// data-dependent branches (a lane that signs nothing, is outside the
    /// group, or has a class without unmet need, signs 0 everywhere).
    #[inline(always)]
    fn sign_lanes<L: Lanes, const GROUPED: bool>(&self, s: L, m: usize, b: &mut Block) {
        let (lanes, n_prov, n_class) = (b.lanes, b.n_prov, b.n_class);
        let pro_rata = self.scenario.policy == Policy::ProRata;
        let mut anyone_signs = false;
        let lane_state = b.unmet.iter().zip(&b.pipeline).zip(&b.coverage);
        let month = b.contract.iter_mut().zip(&mut b.signs).zip(lane_state);
        for ((contract, signs), ((&unmet, &pipeline), &coverage)) in month {
            let shortfall = unmet - pipeline;
            let amount = coverage * shortfall;
            *signs = shortfall > 0.0 && amount > 0.0;
            *contract = if *signs { amount } else { 0.0 };
            anyone_signs |= *signs;
        }
        // This month's slot of the ring (its last signings, a ring's length
        // ago, are online already).
        let slot = m % b.ring * n_prov * lanes;
        let signings = &mut b.signings[slot..slot + n_prov * lanes];
        if !anyone_signs {
            signings.fill(0.0);
            return;
        }
        let mut signing = RankedSigning {
            room_by_rank: &mut b.room_by_rank,
            signed_by_rank: &mut b.signed_by_rank,
            room_total: &mut b.pro_rata_total,
            unlimited: &mut b.unlimited,
            provider_by_rank: &b.provider_by_rank,
            rank_slots: &b.rank_slots,
        };
        signing.start(&b.build_limit_by_rank);
        let groups = b.route_rows.len() / n_class;
        for g in 0..groups {
            if GROUPED {
                select_group(&mut b.in_group, &b.route_group, g);
            }
            let routes = &b.route_rows[g * n_class..(g + 1) * n_class];
            for (c, route) in terms::serving_order(routes) {
                let class_unmet = &b.class_unmet[c * lanes..(c + 1) * lanes];
                let lane_state = b
                    .signs
                    .iter()
                    .zip(&b.in_group)
                    .zip(class_unmet)
                    .zip(&b.contract)
                    .zip(&b.unmet);
                let parts = b.part.iter_mut().zip(&mut b.offered).zip(lane_state);
                for ((part, offered), ((((&signs, &inside), &unmet_c), &amount), &unmet)) in parts {
                    *offered = signs && (!GROUPED || inside) && unmet_c > 0.0;
                    *part = if *offered {
                        amount * unmet_c / unmet
                    } else {
                        0.0
                    };
                }
                match route {
                    // What the provider cannot build is not signed this month.
                    Route::Exclusive(p) => signing.sign(p, &mut b.part),
                    Route::Rofr(ri) => {
                        let holder = self.terms.rofr[ri].holder;
                        let exercise = &b.exercise[ri * lanes..(ri + 1) * lanes];
                        let draws = &b.offer_draws[c * lanes..(c + 1) * lanes];
                        let answers = b.offered.iter().zip(draws).zip(exercise);
                        let counts = b.rofr_offers.iter_mut().zip(&mut b.rofr_declined);
                        let parts = b.taken_up.iter_mut().zip(&mut b.rest).zip(&b.part);
                        for (
                            ((&offered, &draw), &p),
                            ((offers, declined), ((taken_up, rest), &part)),
                        ) in answers.zip(counts.zip(parts))
                        {
                            *taken_up = terms::exercised(draw, p);
                            *offers += u32::from(offered);
                            *declined += u32::from(offered && !*taken_up);
                            // Declined: the holder signs none of it.
                            *rest = if *taken_up { part } else { 0.0 };
                        }
                        signing.sign(holder, &mut b.rest);
                        for ((rest, &part), &taken_up) in
                            b.rest.iter_mut().zip(&b.part).zip(&b.taken_up)
                        {
                            *rest = if taken_up { *rest } else { part };
                        }
                        signing.spread_under(s, pro_rata, &mut b.rest, Some(holder));
                    }
                    Route::Open => signing.spread_under(s, pro_rata, &mut b.part, None),
                }
            }
        }
        signing.signed_by_provider(s, &mut b.signed_month);
        // Online from month m + L; until then in the pipeline.
        let month = b.signed_month.chunks_exact(lanes);
        for (p, (signed_p, ring_p)) in month.zip(signings.chunks_exact_mut(lanes)).enumerate() {
            let total_p = &mut b.signed_total[p * lanes..(p + 1) * lanes];
            let lanes_p = signed_p.iter().zip(total_p).zip(&mut b.pipeline);
            for (((&x, total), pipeline), kept) in lanes_p.zip(ring_p) {
                *total += x;
                *pipeline += x;
                // 0 + x turns a −0 into +0: what comes online is the sum
                // of the one signing that arrives, as it was when arrivals
                // were added into a ring of zeros, so outputs stay the same.
                *kept = 0.0 + x;
            }
        }
    }

    /// Reports lane `lane`'s month `m` (just stepped) to `observer`.
    pub fn observe(&self, m: usize, b: &mut Block, lane: usize, observer: &mut impl Observer) {
        let (lanes, n_prov, n_class) = (b.lanes, b.n_prov, b.n_class);
        let gather = |v: &mut Vec<f64>, from: &[f64]| {
            v.clear();
            v.extend(from.iter().skip(lane).step_by(lanes));
        };
        let view = &mut b.view;
        gather(&mut view.capacity, &b.capacity);
        gather(&mut view.placed_by_provider, &b.placed_by_provider);
        gather(&mut view.signed, &b.signed_total);
        gather(&mut view.new_online, &b.new_online);
        gather(&mut view.class_unmet, &b.class_unmet);
        let g = b.route_group[lane];
        let routes = &b.route_rows[g * n_class..(g + 1) * n_class];
        gather(&mut view.class_demand, &b.class_demand);
        gather(&mut view.placed, &b.placed);
        debug_assert_eq!(view.placed.len(), n_prov * n_class);
        observer.month(&MonthState {
            month: m,
            demand_gw: b.demand[lane],
            capacity_gw: &view.capacity,
            capacity_total_gw: b.capacity_total[lane],
            placed_gw: &view.placed_by_provider,
            signed_gw: &view.signed,
            class_demand_gw: &view.class_demand,
            placed_by_class_gw: &view.placed,
            unmet_gw: b.unmet[lane],
            class_unmet_gw: &view.class_unmet,
            class_routes: routes,
            new_online_gw: &view.new_online,
            pipeline_gw: b.pipeline[lane],
            azure_share: b.azure_share[lane],
            ip_active: b.ip_active[lane] != 0.0,
            rofr_active: b.rofr_active[lane] != 0.0,
            agi_verified: b.agi_verified[lane] != 0.0,
        });
    }

    /// The outcome of lane `lane`, stepped through every month.
    pub fn finish_lane(&self, b: &Block, l: usize) -> Outcome {
        let lanes = b.lanes;
        let per_provider = |v: &[f64]| v.iter().skip(l).step_by(lanes).copied().collect();
        let unmet_gw_months = b.unmet_gw_months[l];
        // Demand GW-months = placed + unmet (the conservation invariant);
        // dividing by that sum rather than by ΣD_t keeps the share exactly 1
        // when nothing is placed and exactly 0 when nothing is unmet (the
        // class demands sum to D_t only up to rounding).
        let demand_met_or_not = b.cum_placed_gw_months[l] + unmet_gw_months;
        let a = b.agi[l].outcome();
        let gw_years: Vec<f64> = per_provider(&b.gw_years);
        let placed_gw_years: f64 = gw_years.iter().sum();
        let expiry = self
            .terms
            .ip_expiry(a.verified)
            .filter(|&e| e < self.months as i64);
        Outcome {
            agi_declared: a.declared.map(|m| m as u32),
            agi_verified: a.verified.map(|m| m as u32),
            ip_expiry: expiry.map(|e| e.max(0) as u32),
            ip_expiry_cause: Some(match (expiry, a.verified, self.terms.sunset()) {
                (None, _, _) => ExpiryCause::BeyondHorizon,
                (Some(e), Some(v), Some(sunset)) if v == e && v < sunset => ExpiryCause::Agi,
                _ => ExpiryCause::Sunset,
            }),
            ip_months: b.ip_months[l],
            demand_gw_end: b.demand_gw_end[l],
            azure_share_end: b.azure_share_end[l],
            azure_share_cum: if placed_gw_years > 0.0 {
                gw_years[self.scenario.microsoft.provider] / placed_gw_years
            } else {
                0.0
            },
            unmet_share: if demand_met_or_not > 0.0 {
                unmet_gw_months / demand_met_or_not
            } else {
                0.0
            },
            shortfall_months: b.shortfall_months[l],
            gw_years,
            unmet_gw_years: unmet_gw_months / 12.0,
            signed_gw: per_provider(&b.signed_total),
            spend_usd_bn: per_provider(&b.spend_usd_bn),
            openai_revenue_usd_bn: b.openai_revenue_usd_bn[l],
            revenue_share_usd_bn: b.revenue_share_usd_bn[l],
            microsoft_value_npv_usd_bn: b.margin_npv[l] + b.share_npv[l],
            microsoft_margin_npv_usd_bn: b.margin_npv[l],
            microsoft_revenue_share_npv_usd_bn: b.share_npv[l],
            rofr_offers: b.rofr_offers[l],
            rofr_declined: b.rofr_declined[l],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::{Override, load_file, load_str};

    /// The series sums are each series' left-to-right sum over the lanes,
    /// bit for bit, month after month.
    #[test]
    fn series_sums_are_left_to_right() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let scenario = load_file(&root.join("scenarios/early_agi.toml"), &[]).unwrap();
        let model = Model::new(&scenario);
        let lanes = 97;
        let mut b = Block::default();
        model.start_block(3, 0, lanes, &mut b);
        // demand, capacity, placed and signed per provider, total capacity,
        // unmet, Azure's share, IP / ROFR active, AGI verified.
        let n_series = 3 * scenario.providers.len() + 7;
        let (mut fast, mut plain) = (vec![0.1; n_series], vec![0.1; n_series]);
        for m in 0..model.months() {
            model.step_block(m, &mut b);
            b.add_series_sums(&mut fast);
            b.series(|s, xs| xs.iter().for_each(|&x| plain[s] += x));
            let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
            assert_eq!(bits(&fast), bits(&plain), "month {m}");
        }
    }

    /// AGI declared by the hazard trigger: 0.3 a year, growing by half a
    /// year.
    const HAZARD: &str = "mode = \"hazard\"\nannual_hazard = 0.3\nhazard_growth = 0.5\n";

    /// scenarios/early_agi.toml with its `[agi]` trigger replaced by
    /// `trigger` (the keys of the table), its panel kept.
    fn early_agi_with(trigger: &str) -> String {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let text = std::fs::read_to_string(root.join("scenarios/early_agi.toml")).unwrap();
        let (at, panel) = (
            text.find("\n[agi]\n").unwrap(),
            text.find("\n[agi.panel]").unwrap(),
        );
        format!("{}\n[agi]\n{trigger}{}", &text[..at], &text[panel..])
    }

    /// A block that ran other trials, more or fewer of them, starts new
    /// ones as a new block does: the month after month state and every
    /// lane's outcome are the same bits (simulate reuses its blocks from
    /// chunk to chunk, the last chunk of a run often shorter).
    #[test]
    fn a_used_block_starts_as_a_new_one() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let read =
            |name: &str| std::fs::read_to_string(root.join(format!("scenarios/{name}.toml")));
        let set = Override::set;
        let compute = early_agi_with(
            "mode = \"compute\"\nthreshold_gw_years = { dist = \"uniform\", min = 1, max = 30 }\n",
        );
        let policy = |p: &str| vec![set("allocation.policy", &format!("\"{p}\""))];
        let cases = [
            ("early_agi", read("early_agi").unwrap(), vec![]),
            ("early_agi, hazard", early_agi_with(HAZARD), vec![]),
            ("early_agi, compute", compute, vec![]),
            (
                "early_agi, pro_rata",
                read("early_agi").unwrap(),
                policy("pro_rata"),
            ),
            ("seed_terms", read("seed_terms").unwrap(), vec![]),
            (
                "seed_terms, in_order",
                read("seed_terms").unwrap(),
                policy("in_order"),
            ),
            ("baseline", read("baseline").unwrap(), vec![]),
        ];
        /// Every month of every lane as a path observer sees it.
        struct Seen(Vec<String>);
        impl Observer for Seen {
            fn month(&mut self, state: &MonthState<'_>) {
                self.0.push(format!("{state:?}"));
            }
        }
        for (name, text, overrides) in cases {
            let scenario = load_str(name, &text, &overrides).unwrap();
            let model = Model::new(&scenario);
            // (lanes before, lanes after, months the first trials ran): as
            // many lanes again (every chunk but a run's last), fewer, more,
            // and a block left part-way through its months.
            let months = model.months();
            for (before, lanes, stepped) in [
                (64, 64, months),
                (100, 37, months),
                (37, 100, months),
                (100, 37, 20),
            ] {
                let mut used = Block::default();
                model.start_block(5, 0, before, &mut used);
                (0..stepped).for_each(|m| model.step_block(m, &mut used));
                let mut fresh = Block::default();
                model.start_block(5, 5_000, lanes, &mut used);
                model.start_block(5, 5_000, lanes, &mut fresh);
                let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
                for m in 0..months {
                    model.step_block(m, &mut used);
                    model.step_block(m, &mut fresh);
                    let what = format!("{name}, {before} then {lanes} lanes, month {m}");
                    assert_eq!(bits(&used.placed), bits(&fresh.placed), "{what}");
                    assert_eq!(bits(&used.signings), bits(&fresh.signings), "{what}");
                    let series = |b: &Block| b.series_slices().flat_map(bits).collect::<Vec<_>>();
                    assert_eq!(series(&used), series(&fresh), "{what}");
                    let (mut x, mut y) = (Seen(Vec::new()), Seen(Vec::new()));
                    for l in 0..lanes {
                        model.observe(m, &mut used, l, &mut x);
                        model.observe(m, &mut fresh, l, &mut y);
                    }
                    assert_eq!(x.0, y.0, "{what}, as observed");
                }
                for l in 0..lanes {
                    let (x, y) = (model.finish_lane(&used, l), model.finish_lane(&fresh, l));
                    assert_eq!(format!("{x:?}"), format!("{y:?}"), "{name}, lane {l}");
                    assert_eq!(
                        bits(used.values(l)),
                        bits(fresh.values(l)),
                        "{name}, lane {l}"
                    );
                }
            }
        }
    }

    /// The month step skips a lane's AGI process until its
    /// [`Process::wake`]; stepping it every month instead gives the same
    /// declarations and verifications, under each trigger. The hazard grows
    /// while a verdict is pending (so the hazard is stepped every month),
    /// and short panels and likely rejections make retries common.
    #[test]
    fn agi_woken_only_when_it_can_change_equals_every_month() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let text = std::fs::read_to_string(root.join("scenarios/early_agi.toml")).unwrap();
        let (at, panel) = (
            text.find("\n[agi]\n").unwrap(),
            text.find("\n[agi.panel]").unwrap(),
        );
        let modes = [
            "mode = \"date\"\nyear = { dist = \"uniform\", min = 2025.5, max = 2032 }",
            "mode = \"hazard\"\nannual_hazard = 0.4\nhazard_growth = 0.5",
            "mode = \"compute\"\nthreshold_gw_years = { dist = \"uniform\", min = 1, max = 30 }",
        ];
        let panel_draws = "\n[agi.panel]\nmonths = { dist = \"uniform\", min = 0, max = 8 }\n\
            confirm_probability = 0.3\nretry_months = { dist = \"uniform\", min = 1, max = 6 }\n";
        let rest = &text[panel + 1..];
        let after_panel = rest.find("\n[").map_or("", |i| &rest[i..]);
        let mut verified = 0;
        for mode in modes {
            let text = format!("{}\n[agi]\n{mode}\n{panel_draws}{after_panel}", &text[..at]);
            let scenario = load_str("agi test", &text, &[]).unwrap();
            let model = Model::new(&scenario);
            let lanes = 64;
            let mut b = Block::default();
            model.start_block(11, 0, lanes, &mut b);
            let mut every: Vec<Process> = (0..lanes).map(|_| Process::idle()).collect();
            for (l, p) in every.iter_mut().enumerate() {
                p.start(&model, 11, l as u64, b.values(l));
            }
            for m in 0..model.months() {
                // What step 1 will see: placed GW-months up to m − 1.
                let cum = b.cum_placed_gw_months.clone();
                model.step_block(m, &mut b);
                for (l, p) in every.iter_mut().enumerate() {
                    p.step(&model, m as i64, cum[l]);
                    assert_eq!(
                        b.agi[l].outcome(),
                        p.outcome(),
                        "{mode}, lane {l}, month {m}"
                    );
                    // The flags step 1 sets for every lane at once.
                    let expiry = model.terms.ip_expiry(p.verified());
                    let ip_active = expiry.is_none_or(|e| (m as i64) < e);
                    let flag = |on: bool| if on { 1.0 } else { 0.0 };
                    assert_eq!(
                        b.ip_active[l],
                        flag(ip_active),
                        "{mode}, lane {l}, month {m}"
                    );
                    let verified = flag(p.verified().is_some());
                    assert_eq!(b.agi_verified[l], verified, "{mode}, lane {l}, month {m}");
                    let mi = m as i64;
                    let sharing = match model.terms.sharing_in(mi) {
                        InMonth::Closed => false,
                        InMonth::Open => true,
                        InMonth::UntilAgiVerified => p.verified().is_none_or(|v| mi < v),
                        InMonth::UntilIpExpiry => ip_active,
                    };
                    assert_eq!(b.sharing[l], flag(sharing), "{mode}, lane {l}, month {m}");
                }
            }
            verified += every.iter().filter(|p| p.verified().is_some()).count();
        }
        assert!(verified > 20, "only {verified} lanes verified AGI");
    }

    /// Routing and signing every lane at once and lane by lane (the
    /// reference, [`reference`]) give the same bits: on each shipped
    /// scenario, under its own policy and under `pro_rata`; on seed_terms
    /// with its exclusivity ending at a date, so that an exclusive class
    /// and new-capacity offers (taken up and declined) are compared too;
    /// on early_agi with the hazard trigger; and on that with windows
    /// ending at IP expiry. The scenarios whose windows end with AGI or at
    /// IP expiry route lanes in several groups.
    #[test]
    fn routing_all_lanes_at_once_equals_lane_by_lane() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let (mut offers, mut declined, mut grouped_months) = (0, 0, 0);
        let set = Override::set;
        let hazard = early_agi_with(HAZARD);
        let mut cases = Vec::new();
        for name in [
            "baseline",
            "seed_terms",
            "oct2025_terms",
            "early_agi",
            "azure_constrained",
        ] {
            let text =
                std::fs::read_to_string(root.join(format!("scenarios/{name}.toml"))).unwrap();
            cases.push((name, text.clone(), None));
            cases.push((name, text, Some(set("allocation.policy", "\"pro_rata\""))));
        }
        let seed_terms = std::fs::read_to_string(root.join("scenarios/seed_terms.toml")).unwrap();
        let to_date = set("terms.exclusivity.0.until", "\"2029-01\"");
        cases.push((
            "seed_terms, exclusivity to a date",
            seed_terms,
            Some(to_date),
        ));
        cases.push(("early_agi, hazard", hazard.clone(), None));
        let pro_rata = Some(set("allocation.policy", "\"pro_rata\""));
        cases.push(("early_agi, hazard", hazard.clone(), pro_rata));
        let mut ip_cases = Vec::new();
        for (name, text, extra) in cases {
            ip_cases.push((name, text, extra.into_iter().collect::<Vec<_>>()));
        }
        // Windows that end at each lane's IP expiry, which AGI brings
        // forward in some lanes and not in others.
        ip_cases.push((
            "early_agi, hazard, exclusivity to IP expiry",
            hazard,
            vec![
                set("terms.ip.ends_at_agi", "false"),
                set("terms.ip.sunset", "\"2028-01\""),
                set("terms.exclusivity.0.until", "\"ip_expiry\""),
                set("terms.rofr.0.until", "\"agi_verified\""),
            ],
        ));
        let cases = ip_cases;
        for (name, text, extra) in cases {
            // A shorter horizon keeps the test quick; every term window
            // still opens and closes within it.
            let mut overrides = vec![set("time.end", "\"2030-12\"")];
            overrides.extend(extra);
            let scenario = load_str(name, &text, &overrides).unwrap();
            let name = format!("{name} {:?}", scenario.policy);
            let fast = Model::new(&scenario);
            let mut slow = Model::new(&scenario);
            slow.lane_by_lane = true;
            // Not a multiple of any path's width: the last lanes take the
            // one-lane path.
            let lanes = 61;
            let (mut a, mut b) = (Block::default(), Block::default());
            fast.start_block(7, 0, lanes, &mut a);
            slow.start_block(7, 0, lanes, &mut b);
            let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
            for m in 0..fast.months() {
                fast.step_block(m, &mut a);
                slow.step_block(m, &mut b);
                for (what, x, y) in [
                    ("placed", &a.placed, &b.placed),
                    ("unmet", &a.unmet, &b.unmet),
                    ("class_unmet", &a.class_unmet, &b.class_unmet),
                    ("signed_total", &a.signed_total, &b.signed_total),
                    ("pipeline", &a.pipeline, &b.pipeline),
                ] {
                    assert_eq!(bits(x), bits(y), "{name}, month {m}, {what}");
                }
                grouped_months += usize::from(a.route_rows.len() > a.n_class);
            }
            for l in 0..lanes {
                let (x, y) = (fast.finish_lane(&a, l), slow.finish_lane(&b, l));
                assert_eq!(format!("{x:?}"), format!("{y:?}"), "{name}, lane {l}");
            }
            assert_eq!(a.rofr_offers, b.rofr_offers, "{name}");
            assert_eq!(a.rofr_declined, b.rofr_declined, "{name}");
            offers += b.rofr_offers.iter().sum::<u32>();
            declined += b.rofr_declined.iter().sum::<u32>();
        }
        assert!(
            declined > 0 && offers > declined,
            "offers taken up and declined: {offers} offers, {declined} declined"
        );
        assert!(
            grouped_months > 50,
            "lanes routed in groups in only {grouped_months} months"
        );
    }
}
