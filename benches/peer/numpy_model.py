#!/usr/bin/env python3
"""numpy peer of rofrsim: docs/model.md's month step, vectorised across trials.

What an analyst would write by hand to answer the same question: read the
scenario TOML, draw every uncertain input for a batch of trials at once
(arrays of shape (trials,), (classes, trials), (classes, providers, trials):
the trial axis last, so reductions over the short axes are vector adds),
then loop over the months only; nothing loops over trials. Different random
streams from the Rust engine (numpy's PCG64 via default_rng), same
distributions, so the summary metrics agree within Monte Carlo error.

Scope: every feature that scenarios/baseline.toml uses, plus the cheap
neighbours (normal / discrete families, in_order / pro_rata policies, the
"agi_verified" / "ip_expiry" ends of windows, ends_at_agi = true), the
demand ceiling ([demand] ceiling_gw) and new capacity ([new_capacity],
[[providers]] max_new_gw_per_year). AGI in "date" mode only ("hazard" /
"compute" raise NotImplementedError).

    python3 numpy_model.py SCENARIO.toml --trials N --seed S --out FILE.csv
        [--timeseries FILE.csv] [--check]
"""

from __future__ import annotations

import argparse
import math
import sys
import time
import tomllib

import numpy as np

Z95 = 1.6448536269514722  # Phi(Z95) = 0.95
NEVER = 1 << 30           # a month index beyond any horizon
EXCL, ROFR, OPEN = 1, 2, 0
PCTS = [1, 5, 10, 25, 50, 75, 90, 95, 99]
RING_BYTES = 256 << 20    # most memory the new-capacity pipeline of a batch may take


# ----------------------------------------------------------------------------
# Distributions
# ----------------------------------------------------------------------------
def _family(spec: dict, rng: np.random.Generator, n: int) -> np.ndarray:
    d = spec["dist"]
    if d == "uniform":
        return rng.uniform(spec["min"], spec["max"], n)
    if d == "normal":
        return rng.normal(spec["mean"], spec["sd"], n)
    if d == "lognormal":
        lo, hi = math.log(spec["p5"]), math.log(spec["p95"])
        return rng.lognormal((lo + hi) / 2, (hi - lo) / (2 * Z95), n)
    if d == "triangular":
        a, m, b = spec["min"], spec["mode"], spec["max"]
        return rng.triangular(a, m, b, n)
    if d == "pert":  # Beta-PERT, lambda = 4
        a, m, b = spec["min"], spec["mode"], spec["max"]
        al = 1 + 4 * (m - a) / (b - a)
        be = 1 + 4 * (b - m) / (b - a)
        return a + (b - a) * rng.beta(al, be, n)
    if d == "beta":
        return rng.beta(spec["alpha"], spec["beta"], n)
    if d == "discrete":
        w = np.asarray(spec["weights"], float)
        return rng.choice(np.asarray(spec["values"], float), n, p=w / w.sum())
    if d == "quantiles":  # piecewise-linear inverse CDF
        pts = np.asarray(spec["points"], float)
        return np.interp(rng.random(n), pts[:, 0], pts[:, 1])
    raise ValueError(f"unknown dist {d!r}")


def draw(spec, rng: np.random.Generator, n: int) -> np.ndarray:
    """n draws of an uncertain value (plain number or distribution table)."""
    if not isinstance(spec, dict):
        return np.full(n, float(spec))
    x = _family(spec, rng, n)
    if "truncate" in spec:  # redraw what falls outside, vectorised rejection
        lo, hi = spec["truncate"]
        bad = (x < lo) | (x > hi)
        while bad.any():
            x[bad] = _family(spec, rng, int(bad.sum()))
            bad = (x < lo) | (x > hi)
    return x


def upper_bound(spec) -> float:
    """The largest value an uncertain value can take (inf if unbounded)."""
    if not isinstance(spec, dict):
        return float(spec)
    d = spec["dist"]
    hi = {"uniform": lambda: spec["max"], "triangular": lambda: spec["max"],
          "pert": lambda: spec["max"], "beta": lambda: 1.0,
          "discrete": lambda: max(v for v, w in zip(spec["values"], spec["weights"]) if w > 0),
          "quantiles": lambda: spec["points"][-1][1]}.get(d, lambda: math.inf)()
    if "truncate" in spec:
        hi = min(hi, spec["truncate"][1])
    return float(hi)


def round_half_away(x):
    return np.sign(x) * np.floor(np.abs(x) + 0.5)


# ----------------------------------------------------------------------------
# Scenario
# ----------------------------------------------------------------------------
class Scenario:
    def __init__(self, path: str):
        with open(path, "rb") as f:
            self.raw = s = tomllib.load(f)
        self.seed = s.get("seed", 0)
        self.sy, self.sm = map(int, s["time"]["start"].split("-"))
        self.T = self.month(s["time"]["end"]) + 1
        self.classes = [w["name"] for w in s["workloads"]]
        self.providers = [p["name"] for p in s["providers"]]
        self.policy = s.get("allocation", {}).get("policy", "cheapest_first")
        ms = s.get("microsoft", {})
        self.ms = self.providers.index(ms.get("provider", "azure"))
        terms = s.get("terms", {})
        self.excl = terms.get("exclusivity", [])
        self.rofr = terms.get("rofr", [])
        self.ip = terms.get("ip")
        self.rs = terms.get("revenue_share")
        self.agi = s.get("agi")
        self.newcap = s.get("new_capacity")

    def month(self, ym: str) -> int:
        y, m = map(int, ym.split("-"))
        return (y - self.sy) * 12 + (m - self.sm)

    def month_label(self, t: int) -> str:
        k = self.sy * 12 + self.sm - 1 + t
        return f"{k // 12:04d}-{k % 12 + 1:02d}-01"

    def start_year(self) -> float:
        return self.sy + (self.sm - 1) / 12

    def lead_time_bound(self) -> int:
        """Upper bound of the rounded lead time L, capped at T (0 without
        [new_capacity]): it sizes the pipeline's ring buffer."""
        if self.newcap is None:
            return 0
        hi = upper_bound(self.newcap["lead_time_months"])
        return self.T if not hi < self.T else max(1, int(round_half_away(hi)))


# ----------------------------------------------------------------------------
# One batch of trials
# ----------------------------------------------------------------------------
def agi_verified_month(sc: Scenario, rng, n):
    """Date mode: declaration month, panel reviews with fresh draws, retries."""
    if sc.agi is None:
        return np.full(n, NEVER), np.full(n, NEVER)
    mode = sc.agi.get("mode", "date")
    if mode != "date":
        raise NotImplementedError(f"agi.mode = {mode!r}")
    year = draw(sc.agi["year"], rng, n)
    decl = np.floor((year - sc.start_year()) * 12 + 1e-9).astype(np.int64)
    decl = np.maximum(decl, 0)
    first_decl = decl.copy()
    verified = np.full(n, NEVER, np.int64)
    panel = sc.agi.get("panel", {})
    idx = np.nonzero(decl < sc.T)[0]
    cur = decl[idx]
    while idx.size:  # one review round for every trial still declaring
        k = idx.size
        m = round_half_away(draw(panel.get("months", 0), rng, k)).astype(np.int64)
        conf = draw(panel.get("confirm_probability", 1), rng, k)
        retry = round_half_away(draw(panel.get("retry_months", 12), rng, k)).astype(np.int64)
        done = cur + m
        ok = rng.random(k) < conf
        verified[idx[ok]] = done[ok]
        nxt = done[~ok] + retry[~ok]
        keep = nxt < sc.T
        idx, cur = idx[~ok][keep], nxt[keep]
    return first_decl, verified


class Invariant(AssertionError):
    pass


def run_batch(sc: Scenario, rng: np.random.Generator, n: int,
              check: bool = False, ts: dict | None = None) -> dict:
    """Simulate n trials. With check, assert the invariants of docs/model.md
    every month; with ts (a dict), add each month's per-series sums and
    minima / maxima over the batch's trials to it."""
    s = sc.raw
    T, C, P = sc.T, len(sc.classes), len(sc.providers)
    dt = 1.0 / 12
    ar = np.arange(n)

    # --- uncertain inputs, drawn once per trial ---------------------------------
    dem = s["demand"]
    D = draw(dem["initial_gw"], rng, n)
    g0 = draw(dem["growth"], rng, n)
    hl = draw(dem["growth_halflife_years"], rng, n) if "growth_halflife_years" in dem else None
    vol = draw(dem.get("volatility", 0.0), rng, n)
    ceil = draw(dem["ceiling_gw"], rng, n) if "ceiling_gw" in dem else None
    share = np.stack([draw(w["share"], rng, n) for w in s["workloads"]])   # (C, n)
    tot_share = share.sum(axis=0)
    share = np.where(tot_share > 0, share / np.where(tot_share > 0, tot_share, 1.0), 1.0 / C)

    K0 = np.empty((n, P)); Kg = np.empty((n, P)); Kmax = np.full((n, P), np.inf)
    price = np.empty((n, P)); lim = np.full((n, P), np.inf)
    tr_prov, tr_gw, tr_on = [], [], []   # materialised tranches: gw 0 if not
    for j, p in enumerate(s["providers"]):
        K0[:, j] = draw(p["initial_gw"], rng, n)
        Kg[:, j] = draw(p.get("growth", 0.0), rng, n)
        if "max_gw" in p:
            Kmax[:, j] = draw(p["max_gw"], rng, n)
        price[:, j] = draw(p["price"], rng, n)
        if "max_new_gw_per_year" in p:     # monthly build limit l_p; inf = unlimited
            lim[:, j] = draw(p["max_new_gw_per_year"], rng, n) / 12
        for t in p.get("tranches", []):
            gw = draw(t["gw"], rng, n)
            delay = round_half_away(draw(t.get("delay_months", 0), rng, n)).astype(np.int64)
            prob = draw(t.get("probability", 1.0), rng, n)
            on = np.maximum(sc.month(t["online"]) + delay, 0)
            tr_prov.append(j)
            tr_gw.append(np.where(rng.random(n) < prob, gw, 0.0))
            tr_on.append(on)

    newcap = sc.newcap is not None
    if newcap:
        # L = round(lead_time_months) >= 1 by its domain; an L of T or more never
        # comes online within the horizon, so it is capped at T.
        lt = draw(sc.newcap["lead_time_months"], rng, n)
        L = np.maximum(round_half_away(np.minimum(lt, T)), 1).astype(np.int64)
        kappa = draw(sc.newcap.get("coverage", 1.0), rng, n)

    rev = s["revenue"]
    per_gw = draw(rev["per_gw_year"], rng, n)
    rev_g = draw(rev.get("growth", 0.0), rng, n)
    msec = s.get("microsoft", {})
    margin = draw(msec.get("azure_margin", 0.0), rng, n)
    disc_r = draw(msec.get("discount_rate", 0.0), rng, n)

    first_decl, verified = agi_verified_month(sc, rng, n)
    if sc.ip is not None:
        sunset = sc.month(sc.ip["sunset"])
        ip_exp = np.minimum(verified, sunset) if sc.ip.get("ends_at_agi", True) \
            else np.full(n, sunset, np.int64)
    else:
        ip_exp = np.full(n, NEVER, np.int64)

    def until_of(u) -> np.ndarray:
        if u is None or u == "never":
            return np.full(n, NEVER, np.int64)
        if u == "agi_verified":
            return verified
        if u == "ip_expiry":
            return ip_exp
        return np.full(n, sc.month(u), np.int64)

    # windows: (from, until[n], provider index, class mask, exercise prob[n])
    def windows(lst, key):
        out = []
        for w in lst:
            cls = w.get("workloads", sc.classes)
            out.append((sc.month(w["from"]) if "from" in w else -NEVER,
                        until_of(w.get("until")),
                        sc.providers.index(w[key]),
                        [c in cls for c in sc.classes],
                        draw(w["exercise_probability"], rng, n) if key == "holder" else None))
        return out
    ex_w = windows(sc.excl, "provider")
    ro_w = windows(sc.rofr, "holder")

    if sc.rs is not None:
        rs_rate = draw(sc.rs["rate"], rng, n)
        rs_until = until_of(sc.rs.get("until"))
        rs_cap = draw(sc.rs["cap_usd_bn"], rng, n) if "cap_usd_bn" in sc.rs else np.full(n, np.inf)
    else:
        rs_rate, rs_until, rs_cap = np.zeros(n), np.zeros(n, np.int64), np.full(n, np.inf)

    # --- providers permuted per trial into policy order -------------------------
    # Arrays are laid out (classes, providers, trials): the trial axis last and
    # contiguous, so sums over the short class / provider axes are plain vector
    # adds. Provider row k of a trial holds that trial's k-th provider in fill
    # order (ascending price, ties in config order, for cheapest_first), so
    # filling providers in order is a walk down the rows, all trials at once.
    if sc.policy == "cheapest_first":
        order = np.argsort(price, axis=1, kind="stable").T.copy()   # (P, n)
    else:
        order = np.repeat(np.arange(P)[:, None], n, axis=1)
    slot_of = np.argsort(order, axis=0)                   # provider -> row, (P, n)
    perm = lambda a: np.take_along_axis(np.ascontiguousarray(a.T), order, axis=0)
    unperm = lambda a: np.take_along_axis(a, slot_of, axis=0)
    Korg, Kstep, Kmax, prices = perm(K0), perm((1 + Kg) ** dt), perm(Kmax), perm(price)
    lim = perm(lim)
    ms_slot = slot_of[sc.ms]

    # Tranches: per month, the trials whose tranche comes online that month.
    Ktr = np.zeros((P, n))
    tr_events = []
    for j, gw, on in zip(tr_prov, tr_gw, tr_on):
        srt = np.argsort(on, kind="stable")
        bounds = np.searchsorted(on[srt], np.arange(T + 1), side="right")
        tr_events.append((srt, bounds, slot_of[j], gw))

    # Windows: an `until` equal in all trials is kept as a plain int, so the
    # class modes of a month are scalars unless some window ends at AGI.
    def simplify(ws):
        return [(f, int(u[0]) if (u == u[0]).all() else u, pr, cm, ep)
                for f, u, pr, cm, ep in ws]
    ex_w, ro_w = simplify(ex_w), simplify(ro_w)

    if not isinstance(rs_until, int) and (rs_until == rs_until[0]).all():
        rs_until = int(rs_until[0])

    def class_mode(c, t):
        """(mode, holder row, exercise prob) of class c in month t: scalars when
        every trial agrees, else arrays over trials (windows ending at AGI)."""
        mode = who = ep = undecided = None
        for kind, wl in ((EXCL, ex_w), (ROFR, ro_w)):
            for frm, until, prov, cmask, p_ex in wl:
                if not cmask[c] or frm > t:
                    continue
                if isinstance(until, int):
                    if t >= until:
                        continue
                    if undecided is None:
                        return kind, slot_of[prov], p_ex
                    act = undecided
                else:
                    act = t < until
                    if undecided is None:
                        if act.all():
                            return kind, slot_of[prov], p_ex
                        mode, who = np.full(n, OPEN), np.zeros(n, np.int64)
                        ep, undecided = np.zeros(n), np.ones(n, bool)
                    act = act & undecided
                mode = np.where(act, kind, mode)
                who = np.where(act, slot_of[prov], who)
                if p_ex is not None:
                    ep = np.where(act, p_ex, ep)
                undecided = undecided & ~act
                if not undecided.any():
                    return mode, who, ep
        return (OPEN, None, None) if undecided is None else (mode, who, ep)

    def serving_plan(t):
        """The classes in serving order (exclusive, then ROFR, then open; file
        order within each) as (kind, class, trial mask or None for all, holder
        row, exercise prob). A class whose route differs between trials (a
        window ending at AGI) appears once per route, with disjoint masks."""
        modes = [class_mode(c, t) for c in range(C)]
        plan = []
        for kind in (EXCL, ROFR, OPEN):
            for c in range(C):
                mode, who, ep = modes[c]
                if isinstance(mode, np.ndarray):
                    m = mode == kind
                    if not m.any():
                        continue
                elif mode != kind:
                    continue
                else:
                    m = None
                plan.append((kind, c, m, who, ep))
        return plan

    def spread(a, free):
        """Step 5's spreading of a (n,) over the free capacity rows (P, n) under
        the policy; returns (what each row takes, what is left)."""
        if sc.policy == "pro_rata":
            F = free.sum(axis=0)
            big = F > a                  # F > a: each takes (a * free_p) / F, nothing left
            alloc = np.where(big, a * free / np.where(big, F, 1.0), free)
            return alloc, np.where(big, 0.0, a - F)   # F <= 0: free is 0, all of a left
        alloc = np.empty_like(free)
        left = a.copy()
        for k in range(P):   # rows in fill order: take what fits, pass the rest on
            np.minimum(left, free[k], out=alloc[k])
            left -= alloc[k]
        return alloc, left

    def sign(a, head):
        """Step 6's signing of a (n,) over the headroom rows (P, n; inf =
        unlimited, 0 for an excluded holder) under the policy."""
        if sc.policy == "pro_rata":
            unl = np.isinf(head)
            k = unl.sum(axis=0)
            fin = np.where(unl, 0.0, head)
            H = fin.sum(axis=0)
            big = H > a                  # H > a: (a * h_p) / H; H <= a: all headroom
            alloc = np.where(big, a * fin / np.where(big, H, 1.0), fin)
            # some headroom unlimited: the k unlimited providers sign a / k each
            return np.where(k > 0, np.where(unl, a / np.maximum(k, 1), 0.0), alloc)
        alloc = np.empty_like(head)
        left = a.copy()
        for k in range(P):
            np.minimum(left, head[k], out=alloc[k])
            left -= alloc[k]
        return alloc

    # --- state and accumulators -------------------------------------------------
    placed = np.zeros((C, P, n))
    gwy = np.zeros((P, n)); spend = np.zeros((P, n))
    unmet_gwm = np.zeros(n); placed_gwm = np.zeros(n); shortfall = np.zeros(n, np.int64)
    revenue = np.zeros(n); rs_paid = np.zeros(n)
    margin_npv = np.zeros(n); share_npv = np.zeros(n)
    offers = np.zeros(n, np.int64); declined = np.zeros(n, np.int64)
    sqdt = math.sqrt(dt)
    g = g0.copy()
    drift_vol = -vol * vol * dt / 2
    shock = vol * sqdt
    rev_f = per_gw * dt; rev_step = (1 + rev_g) ** dt
    disc = np.ones(n); disc_step = (1 + disc_r) ** (-dt)
    any_rofr = bool(ro_w)
    if ceil is not None:
        D = np.minimum(ceil, D)                # D_0 = min(C, initial_gw)
    # New capacity: N (online, per provider), signed (all ever signed, per
    # provider), so the pipeline is signed - N (both prefix sums of the same
    # monthly signings, so it is >= 0 and exactly 0 once all is online). What
    # was signed in month m sits in ring slot m % R until month m + L.
    N = np.zeros((P, n)); signed = np.zeros((P, n))
    if newcap:
        R, Lmin = int(L.max()) + 1, int(L.min())
        ring = np.zeros((P, R, n))
    plan, plan_key = None, None

    for t in range(T):
        # 1. terms in force this month -> the serving plan (first window decides);
        #    recomputed only when some window starts or ends
        key = tuple((f <= t) and (t < u if isinstance(u, int) else -1)
                    for f, u, *_ in ex_w + ro_w)
        if plan is None or key != plan_key or -1 in key:
            plan, plan_key = serving_plan(t), key
        # 2. capacity: organic growth capped at max_gw, plus tranches online,
        #    plus new capacity signed L months ago
        if t > 0:
            Korg *= Kstep
        for srt, bounds, rows, gw in tr_events:
            i = srt[bounds[t - 1] if t else 0:bounds[t]]
            Ktr[rows[i], i] += gw[i]
        if newcap and t >= Lmin:
            # slot (t - L) % R of each trial, gathered through flat indices (a
            # plain take is much faster than ring[:, slot, ar]); for a trial with
            # t < L that slot is still unwritten, so 0, since R > L
            N += np.take(ring.reshape(P, R * n), (t - L) % R * n + ar, axis=1)
        K = np.minimum(Korg, Kmax)
        K += Ktr
        K += N
        # 3. demand (logistic drift and cap when there is a ceiling)
        if t > 0:
            if hl is not None:
                g = g0 * 2.0 ** (-(t / 12) / hl)
            Z = rng.standard_normal(n)
            if ceil is None:
                D = D * np.exp(np.log1p(g) * dt + drift_vol + shock * Z)
            else:
                D = np.minimum(ceil, D * np.exp(np.log1p(g) * (1 - D / ceil) * dt
                                                + drift_vol + shock * Z))
        d = share * D                                             # (C, n)
        # 4. release: classes above demand, then providers above capacity
        cs = placed.sum(axis=1)
        over = cs > d
        if over.any():
            placed *= np.where(over, d / np.where(over, cs, 1.0), 1.0)[:, None, :]
        ps = placed.sum(axis=0)
        over = ps > K
        if over.any():
            placed *= np.where(over, K / np.where(over, ps, 1.0), 1.0)[None, :, :]
        free = K - placed.sum(axis=0)
        np.maximum(free, 0.0, out=free)
        # 5. routing: exclusive classes, then rofr, then open; file order within.
        #    The offer draws (one per class) are made every month there is a ROFR
        #    window; they decide the offers of new capacity in step 6.
        rofr_u = rng.random((C, n)) if any_rofr else None
        u = np.zeros((C, n))                                      # unmet need u_c
        for kind, c, m, who, ep in plan:
            need = d[c] - placed[c].sum(axis=0)
            pos = need > 1e-12 * d[c]
            m = pos if m is None else (m & pos)
            if not m.any():
                continue
            need = np.where(m, need, 0.0)
            if kind == OPEN:
                alloc, left = spread(need, free)
            else:
                own = np.minimum(need, free[who, ar])   # the exclusive provider / holder
                if kind == EXCL:
                    alloc = np.zeros((P, n))
                    left = need - own                   # never spills elsewhere
                else:                                   # ROFR: the rest to the others
                    others = free.copy()
                    others[who, ar] = 0.0
                    alloc, left = spread(need - own, others)
                alloc[who, ar] += own
            placed[c] += alloc
            free -= alloc
            u[c] += left
        U = u.sum(axis=0)
        # 6. new capacity for the uncovered shortfall
        S = None
        if newcap:
            S = np.zeros((P, n))
            gap = U - (signed - N).sum(axis=0)
            act = gap > 0
            if act.any():
                A = np.where(act, kappa * gap, 0.0)
                Us = np.where(act, U, 1.0)
                head = lim.copy()                       # headroom h_p this month
                for kind, c, m, who, ep in plan:
                    ac = A * u[c] / Us
                    mm = ac > 0
                    if m is not None:
                        mm &= m
                    if not mm.any():
                        continue
                    ac = np.where(mm, ac, 0.0)
                    if kind == OPEN:
                        got = sign(ac, head)
                    else:
                        hh = head[who, ar]
                        if kind == EXCL:
                            got = np.zeros((P, n))
                            own = np.minimum(ac, hh)
                        else:                           # one offer to the holder
                            offers += mm
                            take = rofr_u[c] < ep
                            declined += mm & ~take
                            own = np.where(take, np.minimum(ac, hh), 0.0)
                            others = head.copy()
                            others[who, ar] = 0.0
                            got = sign(ac - own, others)
                        got[who, ar] += own
                    head -= got
                    S += got
                signed += S
            ring[:, t % R, :] = S
        # 7. outcomes and money
        pp = placed.sum(axis=0)                                   # (P, n)
        tot = pp.sum(axis=0)
        unmet_gwm += U
        placed_gwm += tot
        shortfall += U > 0
        gwy += pp
        sp = pp * prices
        spend += sp
        if t > 0:
            rev_f *= rev_step
            disc *= disc_step
        r = tot * rev_f
        revenue += r
        if isinstance(rs_until, int):
            pay = np.minimum(rs_rate * r, rs_cap - rs_paid) if t < rs_until else np.zeros(n)
        else:
            pay = np.minimum(np.where(t < rs_until, rs_rate * r, 0.0), rs_cap - rs_paid)
        rs_paid += pay
        margin_npv += margin * (sp[ms_slot, ar] * dt) * disc
        share_npv += pay * disc

        if check:
            _check_month(t, locals())
        if ts is not None:
            _add_series(ts, t, sc, locals())

    gwy, spend, pp, signed = unperm(gwy) * dt, unperm(spend) * dt, unperm(pp), unperm(signed)
    gwy_tot = gwy.sum(axis=0)
    denom = placed_gwm + unmet_gwm
    out = {
        "demand_gw_end": D,
        "azure_share_end": np.divide(pp[sc.ms], tot, out=np.zeros(n), where=tot > 0),
        "azure_share_cum": np.divide(gwy[sc.ms], gwy_tot, out=np.zeros(n), where=gwy_tot > 0),
        "unmet_share": np.divide(unmet_gwm, denom, out=np.zeros(n), where=denom > 0),
        "shortfall_months": shortfall.astype(float),
    }
    for j, p in enumerate(sc.providers):
        out[f"gw_years_{p}"] = gwy[j]
    out["unmet_gw_years"] = unmet_gwm / 12
    for j, p in enumerate(sc.providers):
        out[f"signed_gw_{p}"] = signed[j]
    for j, p in enumerate(sc.providers):
        out[f"spend_{p}_usd_bn"] = spend[j]
    out["openai_revenue_usd_bn"] = revenue
    out["revenue_share_usd_bn"] = rs_paid
    out["microsoft_value_npv_usd_bn"] = margin_npv + share_npv
    out["microsoft_margin_npv_usd_bn"] = margin_npv
    out["microsoft_revenue_share_npv_usd_bn"] = share_npv
    out["rofr_offers"] = offers.astype(float)
    out["rofr_declined"] = declined.astype(float)
    sunset = sc.month(sc.ip["sunset"]) if sc.ip else NEVER
    out["p_agi_verified_by_sunset"] = (verified < min(sunset, sc.T)).astype(float)
    return out


def _check_month(t: int, v: dict) -> None:
    """The invariants of docs/model.md, relative tolerance 1e-9, after month t."""
    tol = 1e-9
    D, d, K, placed, U, u, pp = v["D"], v["d"], v["K"], v["placed"], v["U"], v["u"], v["pp"]
    scale = 1.0 + D  # absolute slack for quantities that should be 0

    def ok(cond, what):
        cond = np.asarray(cond)
        if not cond.all():
            i = int(np.argmin(cond.reshape(-1, cond.shape[-1]).all(axis=0)))
            raise Invariant(f"month {t}: {what} fails (trial {i} of the batch)")

    ok(np.isfinite(placed).all(axis=(0, 1)) & np.isfinite(D) & np.isfinite(K).all(axis=0),
       "everything finite")
    ok(placed >= -tol * scale, "placed >= 0")
    ok(pp <= K * (1 + tol) + tol * scale, "sum_c placed[c][p] <= K_p")
    ok(K >= 0, "K_p >= 0")
    ok((D >= 0) & (U >= 0) & (u >= 0).all(axis=0), "D, U, u_c >= 0")
    ok(placed.sum(axis=1) <= d * (1 + tol) + tol * scale, "sum_p placed[c][p] <= d_c")
    ok(np.abs(d.sum(axis=0) - D) <= tol * scale, "sum_c d_c = D")
    ok(np.abs(pp.sum(axis=0) + U - D) <= tol * scale, "placed + unmet = demand")
    if v["ceil"] is not None:
        ok(D <= v["ceil"], "D <= ceiling")
    tot = pp.sum(axis=0)
    share = np.divide(pp[v["ms_slot"], v["ar"]], tot, out=np.zeros_like(tot), where=tot > 0)
    ok((share >= 0) & (share <= 1 + tol), "azure_share in [0, 1]")
    ok(v["rs_paid"] <= v["rs_cap"] * (1 + tol), "revenue share paid <= cap")
    if v["newcap"]:
        S, lim, Q = v["S"], v["lim"], v["signed"] - v["N"]
        ok(S >= 0, "S_p(m) >= 0")
        ok(S <= lim * (1 + tol) + tol * scale, "S_p(m) <= monthly build limit")
        ok(Q >= 0, "pipeline >= 0")


def _add_series(ts: dict, t: int, sc: Scenario, v: dict) -> None:
    """Adds month t's values of the timeseries.csv series (sum, min, max over
    the batch's trials) to ts[name] = [sum[T], min[T], max[T]]."""
    unperm, T, n = v["unperm"], sc.T, v["n"]
    K, pp = unperm(v["K"]), unperm(v["pp"])
    signed = unperm(v["signed"])
    tot = pp.sum(axis=0)
    rofr_on = np.zeros(n, bool)
    for f, until, *_ in v["ro_w"]:
        if f <= t:
            rofr_on |= (t < until) if not isinstance(until, int) else np.full(n, t < until)
    series = [("demand_gw", v["D"])]
    series += [(f"capacity_{p}_gw", K[j]) for j, p in enumerate(sc.providers)]
    series += [("capacity_gw", K.sum(axis=0))]
    series += [(f"placed_{p}_gw", pp[j]) for j, p in enumerate(sc.providers)]
    series += [(f"signed_{p}_gw", signed[j]) for j, p in enumerate(sc.providers)]
    series += [("unmet_gw", v["U"]),
               ("azure_share", np.divide(pp[sc.ms], tot, out=np.zeros(n), where=tot > 0)),
               ("ip_active", (t < v["ip_exp"]).astype(float)),
               ("rofr_active", rofr_on.astype(float)),
               ("agi_verified", (v["verified"] <= t).astype(float))]
    for name, x in series:
        acc = ts.setdefault(name, [np.zeros(T), np.full(T, np.inf), np.full(T, -np.inf)])
        acc[0][t] += x.sum()
        acc[1][t] = min(acc[1][t], x.min())
        acc[2][t] = max(acc[2][t], x.max())


def summarise(name: str, x: np.ndarray) -> str:
    x = np.asarray(x, float)
    n = x.size
    sd = x.std(ddof=1) if n > 1 else 0.0
    q = np.percentile(x, PCTS, method="linear")
    vals = [x.mean(), sd, x.min(), *q, x.max()]
    return ",".join([name, str(n)] + [repr(float(v)) for v in vals])


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("scenario")
    ap.add_argument("--trials", type=int, default=100_000)
    ap.add_argument("--seed", type=int, default=None)
    ap.add_argument("--batch", type=int, default=100_000,
                    help="trials per vectorised batch (memory ~ 2.4 kB x batch, plus the "
                         "new-capacity pipeline: the batch is made smaller if that would "
                         "pass 256 MiB)")
    ap.add_argument("--out", required=True, help="summary CSV: metric,n,mean,sd,min,p1..p99,max")
    ap.add_argument("--timeseries", metavar="FILE",
                    help="also write per-month month,metric,mean,min,max of the "
                         "timeseries.csv series")
    ap.add_argument("--check", action="store_true",
                    help="assert docs/model.md's invariants every month (slower)")
    a = ap.parse_args(argv)

    t0 = time.perf_counter()
    sc = Scenario(a.scenario)
    rng = np.random.default_rng(sc.seed if a.seed is None else a.seed)
    batch = a.batch
    lb = sc.lead_time_bound()
    if lb:  # the ring buffer holds (providers, L_max + 1, trials) floats
        batch = max(1024, min(batch, RING_BYTES // (8 * len(sc.providers) * (lb + 1))))
    parts: dict[str, list] = {}
    ts: dict | None = {} if a.timeseries else None
    left = a.trials
    while left > 0:
        k = min(batch, left)
        for key, v in run_batch(sc, rng, k, check=a.check, ts=ts).items():
            parts.setdefault(key, []).append(v)
        left -= k
    header = "metric,n,mean,sd,min," + ",".join(f"p{p}" for p in PCTS) + ",max"
    lines = [header] + [summarise(k, np.concatenate(v)) for k, v in parts.items()]
    with open(a.out, "w") as f:
        f.write("\n".join(lines) + "\n")
    if ts is not None:
        rows = ["month,metric,mean,min,max"]
        for t in range(sc.T):
            for name, (tot, lo, hi) in ts.items():
                rows.append(f"{sc.month_label(t)},{name},{float(tot[t]) / a.trials!r},"
                            f"{float(lo[t])!r},{float(hi[t])!r}")
        with open(a.timeseries, "w") as f:
            f.write("\n".join(rows) + "\n")
    print(f"{sc.raw['name']}: {a.trials} trials in {time.perf_counter() - t0:.2f} s -> {a.out}",
          file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
