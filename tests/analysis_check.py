#!/usr/bin/env python3
"""Independent recomputation of rofrsim's analysis outputs from trials.csv.

Driven by tests/analysis_cli.rs. Python 3 standard library only.

    analysis_check.py summary RUN_DIR [--sunset YYYY-MM]
        summary.csv of a run: n, mean, sd, min, p1..p99 (PERCENTILE.INC), max,
        variance (VAR.S), skewness (SKEW), kurtosis (KURT), cv, sem, the 95 %
        t interval of the mean and each percentile's distribution-free
        interval (order statistics at binomial ranks) for every numeric
        outcome of trials.csv, the two probability rows and every
        `target:METRIC<op>VALUE` row.
    analysis_check.py sensitivity RUN_DIR [--sunset YYYY-MM]
        sensitivity.csv of a run: every row's Spearman rho, variance share,
        bottom/top-decile means, swing and n, the ranking by |swing| (ties by
        input name), and that no non-constant (metric, input) pair is missing.
    analysis_check.py compare COMPARE_CSV RUN_A RUN_B [RUN_C ...]
        compare.csv of `compare RUN_A RUN_B ...`: pairing (from the
        manifests), n, means, B - A with its 95 % t interval (paired: t on the
        per-trial differences; unpaired: Welch), P(B > A) (paired fraction;
        Mann-Whitney with half ties), the diff percentiles, KS D and p,
        effect size and `significant`.

Prints a JSON report {"checked": N, "failures": [...]} and exits 1 when a
value disagrees: relative tolerance 1e-9, 1e-6 for anything built on a
Student-t quantile. "Relative" means |x - y| <= tol * max(|x|, |y|, scale),
where scale is the quantity's natural size (the means' size for a
difference, 1 for a correlation, a probability or a standardised moment),
so that a value that should be 0 is not compared relative to rounding noise.

The algorithms are deliberately not the Rust ones: math.fsum sums, a full
sort for percentiles, bisect counts for Mann-Whitney, a tagged merge for KS,
the plain alternating Q_KS series, and the t quantile by bisection on a t
CDF from the regularised incomplete beta function (Lentz continued fraction).
"""

import bisect
import csv
import json
import math
import os
import sys

REL = 1e-9
REL_T = 1e-6

# --------------------------------------------------------------------------
# Reading.


def read_csv(path):
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    return rows[0], rows[1:]


def cell(s):
    return None if s == "" else float(s)


class Run:
    """trials.csv and manifest.json of one output folder."""

    def __init__(self, folder, sunset=None):
        self.folder = folder
        with open(os.path.join(folder, "manifest.json"), encoding="utf-8") as f:
            self.manifest = json.load(f)
        header, rows = read_csv(os.path.join(folder, "trials.csv"))
        self.header = header
        cause = header.index("ip_expiry_cause")
        declared = header.index("agi_declared")
        self.input_names = header[1:declared]
        self.inputs = {
            name: [float(r[1 + k]) for r in rows]
            for k, name in enumerate(self.input_names)
        }
        self.metric_names = header[cause + 1:]
        self.metrics = {
            name: [cell(r[cause + 1 + k]) for r in rows]
            for k, name in enumerate(self.metric_names)
        }
        self.causes = [r[cause] for r in rows]
        verified = [r[header.index("agi_verified")] for r in rows]
        self.n = len(rows)
        # Probability rows: 0/1 per trial.
        self.prob = {
            "p_ip_expiry_by_agi": [1.0 if c == "agi" else 0.0 for c in self.causes],
        }
        if sunset is not None:
            limit = sunset + "-01"  # dates are YYYY-MM-DD, compare as text
            self.prob["p_agi_verified_by_sunset"] = [
                1.0 if v != "" and v < limit else 0.0 for v in verified
            ]

    def column(self, name):
        if name in self.metrics:
            return self.metrics[name]
        return self.prob.get(name)


# --------------------------------------------------------------------------
# Elementary statistics.


def mean(x):
    return math.fsum(x) / len(x)


def var_s(x):
    """VAR.S: two-pass with an exactly summed mean."""
    m = mean(x)
    return math.fsum((v - m) ** 2 for v in x) / (len(x) - 1)


def percentile_inc(sorted_x, p):
    """PERCENTILE.INC on an ascending list."""
    h = p * (len(sorted_x) - 1)
    lo = math.floor(h)
    frac = h - lo
    if frac == 0.0 or lo + 1 >= len(sorted_x):
        return sorted_x[lo]
    return sorted_x[lo] + frac * (sorted_x[lo + 1] - sorted_x[lo])


def skew(x):
    """Excel SKEW: n/((n-1)(n-2)) * sum(((x - m)/s)^3)."""
    n = len(x)
    m = mean(x)
    s = math.sqrt(var_s(x))
    if n < 3 or s == 0.0:
        return None
    return n / ((n - 1) * (n - 2)) * math.fsum(((v - m) / s) ** 3 for v in x)


def kurt(x):
    """Excel KURT (excess kurtosis)."""
    n = len(x)
    m = mean(x)
    s = math.sqrt(var_s(x))
    if n < 4 or s == 0.0:
        return None
    s4 = math.fsum(((v - m) / s) ** 4 for v in x)
    return (n * (n + 1) / ((n - 1) * (n - 2) * (n - 3)) * s4
            - 3 * (n - 1) ** 2 / ((n - 2) * (n - 3)))


# --------------------------------------------------------------------------
# Student t quantile: bisection on the CDF from the incomplete beta.


def _beta_cf(a, b, x):
    tiny = 1e-300
    c, d = 1.0, 1.0 - (a + b) * x / (a + 1.0)
    d = 1.0 / (d if abs(d) > tiny else tiny)
    h = d
    for m in range(1, 100000):
        for aa in (m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m)),
                   -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1))):
            d = 1.0 + aa * d
            d = 1.0 / (d if abs(d) > tiny else tiny)
            c = 1.0 + aa / c
            c = c if abs(c) > tiny else tiny
            h *= d * c
        if abs(d * c - 1.0) < 1e-16:
            return h
    raise RuntimeError("incomplete beta: no convergence")


def _inc_beta(a, b, x, y):
    """I_x(a, b), with y = 1 - x given separately."""
    if x <= 0.0:
        return 0.0
    if y <= 0.0:
        return 1.0
    front = math.exp(math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b)
                     + a * math.log(x) + b * math.log(y))
    if x < (a + 1.0) / (a + b + 2.0):
        return front * _beta_cf(a, b, x) / a
    return 1.0 - front * _beta_cf(b, a, y) / b


def t_upper(t, df):
    """P(T > t), t >= 0."""
    return 0.5 * _inc_beta(df / 2.0, 0.5, df / (df + t * t), t * t / (df + t * t))


def t975(df):
    lo, hi = 0.0, 64.0
    while t_upper(hi, df) > 0.025:
        hi *= 2.0
    for _ in range(300):
        mid = (lo + hi) / 2.0
        if mid in (lo, hi):
            break
        if t_upper(mid, df) > 0.025:
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2.0


# --------------------------------------------------------------------------
# Comparison statistics.


def q_ks(lam):
    if lam <= 0.0:
        return 1.0
    terms = []
    j = 1
    while True:
        t = math.exp(-2.0 * j * j * lam * lam)
        if t < 1e-300:
            break
        terms.append(t if j % 2 else -t)
        j += 1
    return min(1.0, max(0.0, 2.0 * math.fsum(terms)))


def ks(a, b):
    n, m = len(a), len(b)
    tagged = sorted([(v, 0) for v in a] + [(v, 1) for v in b])
    ca = cb = 0
    best = 0  # max |ca*m - cb*n|, exact in integers
    k = 0
    while k < len(tagged):
        v = tagged[k][0]
        while k < len(tagged) and tagged[k][0] == v:
            if tagged[k][1] == 0:
                ca += 1
            else:
                cb += 1
            k += 1
        best = max(best, abs(ca * m - cb * n))
    d = best / (n * m)
    if d == 0.0:
        return 0.0, 1.0
    ne = n * m / (n + m)
    lam = (math.sqrt(ne) + 0.12 + 0.11 / math.sqrt(ne)) * d
    return d, q_ks(lam)


def mann_whitney(a, b):
    """P(B > A) + P(B = A)/2 over all pairs, counted with bisect."""
    sa = sorted(a)
    twice = 0
    for y in b:
        below = bisect.bisect_left(sa, y)
        upto = bisect.bisect_right(sa, y)
        twice += 2 * below + (upto - below)
    return twice / (2 * len(a) * len(b))


def expected_comparison(xa, xb, paired):
    """The compare.csv cells (as a dict) for one metric."""
    if paired:
        pairs = [(x, y) for x, y in zip(xa, xb) if x is not None and y is not None]
        a = [x for x, _ in pairs]
        b = [y for _, y in pairs]
    else:
        a = [x for x in xa if x is not None]
        b = [y for y in xb if y is not None]
    out = {"n_a": len(a), "n_b": len(b),
           "mean_a": mean(a) if a else None, "mean_b": mean(b) if b else None}
    if paired:
        d = [y - x for x, y in zip(a, b)]
        if len(d) >= 2:
            md = mean(d)
            se = 0.0 if min(d) == max(d) else math.sqrt(var_s(d) / len(d))
            half = 0.0 if se == 0.0 else t975(len(d) - 1.0) * se
            out.update(diff=md, diff_ci_low=md - half, diff_ci_high=md + half)
        out["p_b_greater"] = sum(1 for x, y in zip(a, b) if y > x) / len(d) if d else 0.5
        sd_ = sorted(d)
        for p in (5, 25, 50, 75, 95):
            out["diff_p%d" % p] = percentile_inc(sd_, p / 100) if d else None
    else:
        if len(a) >= 2 and len(b) >= 2:
            va = (0.0 if min(a) == max(a) else var_s(a)) / len(a)
            vb = (0.0 if min(b) == max(b) else var_s(b)) / len(b)
            md = mean(b) - mean(a)
            if va + vb == 0.0:
                half = 0.0
            else:
                df = (va + vb) ** 2 / (va ** 2 / (len(a) - 1) + vb ** 2 / (len(b) - 1))
                half = t975(df) * math.sqrt(va + vb)
            out.update(diff=md, diff_ci_low=md - half, diff_ci_high=md + half)
        out["p_b_greater"] = mann_whitney(a, b) if a and b else 0.5
        sa, sb = sorted(a), sorted(b)
        for p in (5, 25, 50, 75, 95):
            out["diff_p%d" % p] = (percentile_inc(sb, p / 100) - percentile_inc(sa, p / 100)
                                   if a and b else None)
    if a and b:
        out["ks_d"], out["ks_p"] = ks(a, b)
        va = var_s(a) if len(a) > 1 else 0.0
        vb = var_s(b) if len(b) > 1 else 0.0
        pooled = math.sqrt((va + vb) / 2.0)
        out["effect_size"] = abs(mean(b) - mean(a)) / pooled if pooled > 0.0 else None
    return out


# --------------------------------------------------------------------------
# Checking.


class Checker:
    def __init__(self):
        self.checked = 0
        self.failures = []

    def num(self, where, got, want, tol=REL, scale=0.0):
        self.checked += 1
        if got is None or want is None:
            if got is not None or want is not None:
                self.failures.append("%s: file has %r, expected %r" % (where, got, want))
            return
        size = max(abs(got), abs(want), scale)
        if not abs(got - want) <= tol * size:
            self.failures.append("%s: file has %r, expected %r (|diff| %.3g, tol %.3g)"
                                 % (where, got, want, abs(got - want), tol * size))

    def eq(self, where, got, want):
        self.checked += 1
        if got != want:
            self.failures.append("%s: file has %r, expected %r" % (where, got, want))


SUMMARY_PCTS = (1, 5, 10, 25, 50, 75, 90, 95, 99)


def quantile_ranks(n, q, tail=0.025):
    """1-based ranks (l, u) of the distribution-free interval of quantile q
    from n values, by summing the binomial pmf in log space: l the largest
    with P(B <= l - 1) <= tail, u the smallest with P(B <= u - 1) >= 1 -
    tail, B ~ Binomial(n, q); None when either does not exist."""
    lq, lp = math.log(q), math.log1p(-q)
    lgn = math.lgamma(n + 1)
    cdf, total = [], 0.0
    for k in range(n + 1):
        total += math.exp(lgn - math.lgamma(k + 1) - math.lgamma(n - k + 1) + k * lq + (n - k) * lp)
        cdf.append(total)
    lows = [l for l in range(1, n + 1) if cdf[l - 1] <= tail]
    highs = [u for u in range(1, n + 1) if cdf[u - 1] >= 1.0 - tail]
    if not lows or not highs:
        return None
    return max(lows), min(highs)


def target_column(run, label):
    spec = label[len("target:"):]
    for op in ("<=", ">=", "<", ">"):
        if op in spec:
            metric, value = spec.split(op, 1)
            value = float(value)
            col = [x for x in run.metrics[metric] if x is not None]
            test = {"<=": lambda x: x <= value, ">=": lambda x: x >= value,
                    "<": lambda x: x < value, ">": lambda x: x > value}[op]
            return [1.0 if test(x) else 0.0 for x in col]
    raise ValueError("bad target label " + label)


def check_summary(ck, folder, sunset):
    run = Run(folder, sunset)
    header, rows = read_csv(os.path.join(folder, "summary.csv"))
    cols = ["metric", "n", "mean", "sd", "min"] + ["p%d" % p for p in SUMMARY_PCTS] + [
        "max", "variance", "skewness", "kurtosis", "cv", "sem"]
    for stat in ["mean"] + ["p%d" % p for p in SUMMARY_PCTS]:
        cols += [stat + "_ci_low", stat + "_ci_high"]
    ck.eq("summary.csv header", header, cols)
    ranks = {}
    names = [r[0] for r in rows]
    expected_names = list(run.metric_names) + ["p_ip_expiry_by_agi", "p_agi_verified_by_sunset"]
    ck.eq("summary.csv metric rows", [n for n in names if not n.startswith("target:")],
          expected_names)
    for r in rows:
        name = r[0]
        got = dict(zip(cols, r))
        if name.startswith("target:"):
            x = target_column(run, name)
        else:
            col = run.column(name)
            if col is None:
                continue  # p_agi_verified_by_sunset without --sunset
            x = [v for v in col if v is not None]
        where = "summary.csv %s" % name
        ck.eq(where + " n", int(got["n"]), len(x))
        if not x:
            continue
        s = sorted(x)
        m = mean(x)
        v = var_s(x) if len(x) > 1 else 0.0
        sd = math.sqrt(v)
        scale = max(abs(s[0]), abs(s[-1]))
        ck.num(where + " mean", cell(got["mean"]), m, REL, scale)
        ck.num(where + " sd", cell(got["sd"]), sd, REL, 0.0)
        ck.num(where + " variance", cell(got["variance"]), v, REL, 0.0)
        ck.num(where + " min", cell(got["min"]), s[0])
        ck.num(where + " max", cell(got["max"]), s[-1])
        for p in SUMMARY_PCTS:
            ck.num(where + " p%d" % p, cell(got["p%d" % p]), percentile_inc(s, p / 100), REL, scale)
        ck.num(where + " skewness", cell(got["skewness"]), skew(x), REL, 1.0)
        ck.num(where + " kurtosis", cell(got["kurtosis"]), kurt(x), REL, 1.0)
        ck.num(where + " cv", cell(got["cv"]), sd / m if m != 0.0 else None, REL, 0.0)
        ck.num(where + " sem", cell(got["sem"]), sd / math.sqrt(len(x)), REL, 0.0)
        # The 95 % t interval of the mean; a point without spread.
        if len(x) < 2:
            want = (None, None)
        else:
            half = 0.0 if sd == 0.0 else t975(len(x) - 1) * sd / math.sqrt(len(x))
            want = (m - half, m + half)
        for end, w in zip(("low", "high"), want):
            ck.num(where + " mean_ci_" + end, cell(got["mean_ci_" + end]), w, REL_T, scale)
        # Each percentile's interval: the order statistics at the binomial
        # ranks.
        for p in SUMMARY_PCTS:
            key = (len(x), p)
            if key not in ranks:
                ranks[key] = quantile_ranks(len(x), p / 100)
            lu = ranks[key]
            want = (None, None) if lu is None else (s[lu[0] - 1], s[lu[1] - 1])
            for end, w in zip(("low", "high"), want):
                name = "p%d_ci_%s" % (p, end)
                ck.num(where + " " + name, cell(got[name]), w)


def avg_ranks(x):
    order = sorted(range(len(x)), key=lambda i: x[i])
    r = [0.0] * len(x)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and x[order[j + 1]] == x[order[i]]:
            j += 1
        for k in range(i, j + 1):
            r[order[k]] = (i + j + 2) / 2.0
        i = j + 1
    return r


def spearman(x, y):
    rx, ry = avg_ranks(x), avg_ranks(y)
    mx, my = mean(rx), mean(ry)
    sxy = math.fsum((u - mx) * (v - my) for u, v in zip(rx, ry))
    sxx = math.fsum((u - mx) ** 2 for u in rx)
    syy = math.fsum((v - my) ** 2 for v in ry)
    if sxx == 0.0 or syy == 0.0:
        return None
    return sxy / math.sqrt(sxx * syy)


def decile_means(x, y):
    order = sorted(range(len(x)), key=lambda i: (x[i], i))
    k = len(x) // 10
    return mean([y[i] for i in order[:k]]), mean([y[i] for i in order[len(x) - k:]])


def check_sensitivity(ck, folder, sunset):
    run = Run(folder, sunset)
    header, rows = read_csv(os.path.join(folder, "sensitivity.csv"))
    ck.eq("sensitivity.csv header", header,
          ["metric", "input", "rank", "spearman", "variance_share", "mean_low_decile",
           "mean_high_decile", "swing", "n"])
    n_kept = min(run.n, 100000)
    inputs = [(name, run.inputs[name][:n_kept]) for name in run.input_names
              if min(run.inputs[name][:n_kept]) != max(run.inputs[name][:n_kept])]
    by_metric = {}
    for r in rows:
        by_metric.setdefault(r[0], []).append(r)
    all_metrics = list(run.metric_names) + list(run.prob)
    ck.eq("sensitivity.csv metric order", list(by_metric),
          [m for m in all_metrics if m in by_metric])
    for metric in all_metrics:
        col = run.column(metric)[:n_kept]
        keep = [i for i, v in enumerate(col) if v is not None]
        y = [col[i] for i in keep]
        expected = []
        if len(y) >= 10:
            for name, xs in inputs:
                x = [xs[i] for i in keep]
                rho = spearman(x, y)
                if rho is None:
                    continue
                lo, hi = decile_means(x, y)
                expected.append({"input": name, "rho": rho, "low": lo, "high": hi, "n": len(y)})
        total = math.fsum(e["rho"] ** 2 for e in expected)
        got = by_metric.get(metric, [])
        ck.eq("sensitivity.csv %s inputs" % metric, sorted(r[1] for r in got),
              sorted(e["input"] for e in expected))
        want = {e["input"]: e for e in expected}
        scale = max((abs(v) for v in y), default=0.0)
        for k, r in enumerate(got):
            e = want.get(r[1])
            where = "sensitivity.csv %s / %s" % (metric, r[1])
            ck.eq(where + " rank", int(r[2]), k + 1)
            if e is None:
                continue
            ck.num(where + " spearman", float(r[3]), e["rho"], REL, 1.0)
            ck.num(where + " variance_share", float(r[4]),
                   e["rho"] ** 2 / total if total > 0 else 0.0, REL, 1.0)
            ck.num(where + " mean_low_decile", float(r[5]), e["low"], REL, scale)
            ck.num(where + " mean_high_decile", float(r[6]), e["high"], REL, scale)
            ck.num(where + " swing", float(r[7]), e["high"] - e["low"], REL, scale)
            ck.eq(where + " n", int(r[8]), e["n"])
        # Ranked by |swing| descending, ties by input name.
        keys = [(-abs(float(r[7])), r[1]) for r in got]
        ck.eq("sensitivity.csv %s order by |swing|" % metric, keys, sorted(keys))


COMPARE_COLS = ["scenario_a", "scenario_b", "metric", "paired", "n_a", "n_b", "mean_a", "mean_b",
                "diff", "diff_ci_low", "diff_ci_high", "p_b_greater", "diff_p5", "diff_p25",
                "diff_p50", "diff_p75", "diff_p95", "ks_d", "ks_p", "effect_size", "significant"]


def check_compare(ck, compare_csv, folders):
    header, rows = read_csv(compare_csv)
    ck.eq("compare.csv header", header, COMPARE_COLS)
    runs = [Run(f) for f in folders]
    base = runs[0]
    groups = []
    for r in rows:
        key = (r[0], r[1])
        if not groups or groups[-1][0] != key:
            groups.append((key, []))
        groups[-1][1].append(dict(zip(COMPARE_COLS, r)))
    ck.eq("compare.csv pairs", len(groups), len(runs) - 1)
    for (key, group), other in zip(groups, runs[1:]):
        paired = (base.manifest["seed"] == other.manifest["seed"]
                  and base.manifest["trials"] == other.manifest["trials"])
        names = [m for m in base.metric_names if m in other.metrics]
        names += ["ip_expiry_cause=" + c for c in ("agi", "sunset", "beyond_horizon")]
        ck.eq("compare.csv %s metrics" % (key,), [g["metric"] for g in group], names)
        for g in group:
            metric = g["metric"]
            where = "compare.csv %s vs %s %s" % (key[0], key[1], metric)
            if metric.startswith("ip_expiry_cause="):
                c = metric.split("=", 1)[1]
                xa = [1.0 if v == c else 0.0 for v in base.causes]
                xb = [1.0 if v == c else 0.0 for v in other.causes]
            else:
                xa, xb = base.metrics[metric], other.metrics[metric]
            e = expected_comparison(xa, xb, paired)
            ck.eq(where + " paired", g["paired"], "true" if paired else "false")
            ck.eq(where + " n_a", int(g["n_a"]), e["n_a"])
            ck.eq(where + " n_b", int(g["n_b"]), e["n_b"])
            scale = max(abs(e["mean_a"] or 0.0), abs(e["mean_b"] or 0.0))
            ck.num(where + " mean_a", cell(g["mean_a"]), e["mean_a"])
            ck.num(where + " mean_b", cell(g["mean_b"]), e["mean_b"])
            ck.num(where + " diff", cell(g["diff"]), e.get("diff"), REL, scale)
            ck.num(where + " diff_ci_low", cell(g["diff_ci_low"]), e.get("diff_ci_low"), REL_T, scale)
            ck.num(where + " diff_ci_high", cell(g["diff_ci_high"]), e.get("diff_ci_high"), REL_T, scale)
            ck.num(where + " p_b_greater", cell(g["p_b_greater"]), e["p_b_greater"], REL, 1.0)
            for p in (5, 25, 50, 75, 95):
                k = "diff_p%d" % p
                ck.num(where + " " + k, cell(g[k]), e[k], REL, scale)
            ck.num(where + " ks_d", cell(g["ks_d"]), e.get("ks_d"), REL, 1.0)
            ck.num(where + " ks_p", cell(g["ks_p"]), e.get("ks_p"), REL, 1.0)
            ck.num(where + " effect_size", cell(g["effect_size"]), e.get("effect_size"), REL, 1e-6)
            lo, hi = cell(g["diff_ci_low"]), cell(g["diff_ci_high"])
            sig = lo is not None and hi is not None and (lo > 0.0 or hi < 0.0)
            ck.eq(where + " significant", g["significant"], "true" if sig else "false")


def main(argv):
    if len(argv) < 3:
        sys.stderr.write(__doc__)
        return 2
    sunset = None
    if "--sunset" in argv:
        k = argv.index("--sunset")
        sunset = argv[k + 1]
        argv = argv[:k] + argv[k + 2:]
    ck = Checker()
    what = argv[1]
    if what == "summary":
        check_summary(ck, argv[2], sunset)
    elif what == "sensitivity":
        check_sensitivity(ck, argv[2], sunset)
    elif what == "compare":
        check_compare(ck, argv[2], argv[3:])
    else:
        sys.stderr.write("unknown check %r\n" % what)
        return 2
    json.dump({"checked": ck.checked, "failures": ck.failures[:200],
               "failure_count": len(ck.failures)}, sys.stdout, indent=1)
    sys.stdout.write("\n")
    return 1 if ck.failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
