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
"agi_verified" / "ip_expiry" ends of windows, ends_at_agi = true). AGI in
"date" mode only ("hazard" / "compute" raise NotImplementedError).

    python3 numpy_model.py SCENARIO.toml --trials N --seed S --out FILE.csv
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

    def month(self, ym: str) -> int:
        y, m = map(int, ym.split("-"))
        return (y - self.sy) * 12 + (m - self.sm)

    def start_year(self) -> float:
        return self.sy + (self.sm - 1) / 12


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


def run_batch(sc: Scenario, rng: np.random.Generator, n: int) -> dict:
    s = sc.raw
    T, C, P = sc.T, len(sc.classes), len(sc.providers)
    dt = 1.0 / 12
    ar = np.arange(n)

    # --- uncertain inputs, drawn once per trial, in file order ------------------
    dem = s["demand"]
    D = draw(dem["initial_gw"], rng, n)
    g0 = draw(dem["growth"], rng, n)
    hl = draw(dem["growth_halflife_years"], rng, n) if "growth_halflife_years" in dem else None
    vol = draw(dem.get("volatility", 0.0), rng, n)
    share = np.stack([draw(w["share"], rng, n) for w in s["workloads"]])   # (C, n)
    share /= share.sum(axis=0)

    K0 = np.empty((n, P)); Kg = np.empty((n, P)); Kmax = np.full((n, P), np.inf)
    price = np.empty((n, P))
    tr_prov, tr_gw, tr_on = [], [], []   # materialised tranches: gw 0 if not
    for j, p in enumerate(s["providers"]):
        K0[:, j] = draw(p["initial_gw"], rng, n)
        Kg[:, j] = draw(p.get("growth", 0.0), rng, n)
        if "max_gw" in p:
            Kmax[:, j] = draw(p["max_gw"], rng, n)
        price[:, j] = draw(p["price"], rng, n)
        for t in p.get("tranches", []):
            gw = draw(t["gw"], rng, n)
            delay = round_half_away(draw(t.get("delay_months", 0), rng, n)).astype(np.int64)
            prob = draw(t.get("probability", 1.0), rng, n)
            on = np.maximum(sc.month(t["online"]) + delay, 0)
            tr_prov.append(j)
            tr_gw.append(np.where(rng.random(n) < prob, gw, 0.0))
            tr_on.append(on)

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
            out.append((sc.month(w["from"]) if "from" in w else 0,
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
    Korg, Kstep, Kmax, prices = perm(K0), perm((1 + Kg) ** dt), perm(Kmax), perm(price)
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

    def fill(need, free):
        """Place need (n,) on free (P, n) rows under the policy; returns alloc."""
        if sc.policy == "pro_rata":
            tot = free.sum(axis=0)
            frac = np.divide(np.minimum(need, tot), tot, out=np.zeros(n), where=tot > 0)
            return free * frac
        alloc = np.empty_like(free)
        rem = need.copy()
        for k in range(P):   # rows in fill order: take what fits, pass the rest on
            np.minimum(rem, free[k], out=alloc[k])
            rem -= alloc[k]
        return alloc

    # --- state and accumulators -------------------------------------------------
    placed = np.zeros((C, P, n))
    gwy = np.zeros((P, n)); spend = np.zeros((P, n))
    unmet_gwy = np.zeros(n); demand_gwy = np.zeros(n)
    revenue = np.zeros(n); rs_paid = np.zeros(n); ms_npv = np.zeros(n)
    offers = np.zeros(n, np.int64); declined = np.zeros(n, np.int64)
    sqdt = math.sqrt(dt)
    hl_step = 2.0 ** (-dt / hl) if hl is not None else np.ones(n)  # g_t = g0 * hl_step**t
    g = g0.copy()
    drift_vol = -vol * vol * dt / 2
    shock = vol * sqdt
    rev_f = per_gw * dt; rev_step = (1 + rev_g) ** dt
    disc = np.ones(n); disc_step = (1 + disc_r) ** (-dt)
    any_rofr = bool(ro_w)

    for t in range(T):
        # 2. capacity: organic growth capped at max_gw, plus tranches online
        if t > 0:
            Korg *= Kstep
        for srt, bounds, rows, gw in tr_events:
            i = srt[bounds[t - 1] if t else 0:bounds[t]]
            Ktr[rows[i], i] += gw[i]
        K = np.minimum(Korg, Kmax)
        K += Ktr
        # 3. demand
        if t > 0:
            g *= hl_step
            D = D * np.exp(np.log1p(g) * dt + drift_vol + shock * rng.standard_normal(n))
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
        # 1. terms in force this month -> each class's mode (first window decides)
        modes = [class_mode(c, t) for c in range(C)]
        rofr_u = rng.random((C, n)) if any_rofr else None
        # 5. routing: exclusive classes, then rofr, then open; config order within
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
                need = d[c] - placed[c].sum(axis=0)
                pos = need > 1e-12 * d[c]
                m = pos if m is None else (m & pos)
                need = np.where(m, need, 0.0)
                if kind == OPEN:
                    alloc = fill(need, free)
                else:
                    h = np.where(m, who, 0) if isinstance(mode, np.ndarray) else who
                    hfree = free[h, ar]
                    if kind == ROFR:
                        offers += m
                        take = rofr_u[c] < ep
                        declined += m & ~take
                        own = np.where(take, np.minimum(need, hfree), 0.0)
                    else:
                        own = np.minimum(need, hfree)
                    alloc = np.zeros((P, n))
                    alloc[h, ar] = own
                    if kind == ROFR:    # the rest to the other providers
                        others = free.copy()
                        others[h, ar] = 0.0
                        alloc += fill(need - own, others)
                placed[c] += alloc
                free -= alloc
        # 6. outcomes and money
        pp = placed.sum(axis=0)                                   # (P, n)
        tot = pp.sum(axis=0)
        unmet_gwy += D - tot
        demand_gwy += D
        gwy += pp
        sp = pp * prices
        spend += sp
        if t > 0:
            rev_f *= rev_step
            disc *= disc_step
        r = tot * rev_f
        revenue += r
        if isinstance(rs_until, int):
            pay = np.minimum(rs_rate * r, rs_cap - rs_paid) if t < rs_until else 0.0
        else:
            pay = np.minimum(np.where(t < rs_until, rs_rate * r, 0.0), rs_cap - rs_paid)
        rs_paid += pay
        ms_npv += (margin * sp[ms_slot, ar] * dt + pay) * disc

    unperm = lambda a: np.take_along_axis(a, slot_of, axis=0)
    gwy, spend, pp = unperm(gwy) * dt, unperm(spend) * dt, unperm(pp)
    out = {
        "demand_gw_end": D,
        "azure_share_end": np.divide(pp[sc.ms], tot, out=np.zeros(n), where=tot > 0),
        "unmet_share": np.minimum(unmet_gwy / demand_gwy, 1.0),
    }
    for j, p in enumerate(sc.providers):
        out[f"gw_years_{p}"] = gwy[j]
    out["unmet_gw_years"] = unmet_gwy * dt
    for j, p in enumerate(sc.providers):
        out[f"spend_{p}_usd_bn"] = spend[j]
    out["openai_revenue_usd_bn"] = revenue
    out["revenue_share_usd_bn"] = rs_paid
    out["microsoft_value_npv_usd_bn"] = ms_npv
    out["rofr_offers"] = offers.astype(float)
    out["rofr_declined"] = declined.astype(float)
    sunset = sc.month(sc.ip["sunset"]) if sc.ip else NEVER
    out["p_agi_verified_by_sunset"] = (verified < min(sunset, sc.T)).astype(float)
    return out


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
                    help="trials per vectorised batch (memory ~ 1 kB x batch)")
    ap.add_argument("--out", required=True)
    a = ap.parse_args(argv)

    t0 = time.perf_counter()
    sc = Scenario(a.scenario)
    rng = np.random.default_rng(sc.seed if a.seed is None else a.seed)
    parts: dict[str, list] = {}
    left = a.trials
    while left > 0:
        k = min(a.batch, left)
        for key, v in run_batch(sc, rng, k).items():
            parts.setdefault(key, []).append(v)
        left -= k
    header = "metric,n,mean,sd,min," + ",".join(f"p{p}" for p in PCTS) + ",max"
    lines = [header] + [summarise(k, np.concatenate(v)) for k, v in parts.items()]
    with open(a.out, "w") as f:
        f.write("\n".join(lines) + "\n")
    print(f"{sc.raw['name']}: {a.trials} trials in {time.perf_counter() - t0:.2f} s -> {a.out}",
          file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
