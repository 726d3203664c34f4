#!/usr/bin/env python3
"""Independent reference for src/analysis/inference.rs (driven by tests/inference_py.rs).

Python 3 standard library only. Reads JSON from stdin:

    {"cases": [{"name": str, "a": [float], "b": [float]}, ...],
     "t_quantiles": [[p, df], ...]}

and prints JSON:

    {"cases": {name: {"paired": {...}|null, "welch": {...}|null,
                      "p_greater_paired": float, "p_greater_unpaired": float,
                      "ks": [D, p]|null, "ranks_a": [float],
                      "spearman": float|null, "tornado": [lo, hi]|null}},
     "t_quantiles": [float, ...]}

Deliberately different algorithms from the Rust side: exact statistics
module means/stdevs, Mann-Whitney by brute force over all n*m pairs, KS by
merging the tagged pooled sample, the plain alternating Q_KS series (fsum),
and the Student-t quantile by bisection on a t CDF built from the
regularised incomplete beta function (Lentz continued fraction).
"""

import json
import math
import statistics
import sys

# --------------------------------------------------------------------------
# Student t via the regularised incomplete beta function.


def _betacf(a, b, x):
    """Continued fraction for I_x(a, b) (modified Lentz)."""
    tiny = 1e-300
    qab, qap, qam = a + b, a + 1.0, a - 1.0
    c = 1.0
    d = 1.0 - qab * x / qap
    if abs(d) < tiny:
        d = tiny
    d = 1.0 / d
    h = d
    for m in range(1, 1_000_000):
        m2 = 2 * m
        aa = m * (b - m) * x / ((qam + m2) * (a + m2))
        d = 1.0 + aa * d
        if abs(d) < tiny:
            d = tiny
        c = 1.0 + aa / c
        if abs(c) < tiny:
            c = tiny
        d = 1.0 / d
        h *= d * c
        aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))
        d = 1.0 + aa * d
        if abs(d) < tiny:
            d = tiny
        c = 1.0 + aa / c
        if abs(c) < tiny:
            c = tiny
        d = 1.0 / d
        de = d * c
        h *= de
        if abs(de - 1.0) < 1e-16:
            return h
    raise RuntimeError("betacf did not converge")


def _betai(a, b, x, y):
    """I_x(a, b) with y = 1 - x passed separately (keeps precision)."""
    if x <= 0.0:
        return 0.0
    if y <= 0.0:
        return 1.0
    lbt = (math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b)
           + a * math.log(x) + b * math.log(y))
    bt = math.exp(lbt)
    if x < (a + 1.0) / (a + b + 2.0):
        return bt * _betacf(a, b, x) / a
    return 1.0 - bt * _betacf(b, a, y) / b


def t_sf(t, df):
    """P(T > t) for t >= 0: 0.5 * I_{df/(df+t^2)}(df/2, 1/2)."""
    t2 = t * t
    return 0.5 * _betai(df / 2.0, 0.5, df / (df + t2), t2 / (df + t2))


def t_quantile(p, df):
    """Quantile by bisection on the CDF (to adjacent floats)."""
    if p == 0.5:
        return 0.0
    if p < 0.5:
        return -t_quantile(1.0 - p, df)
    q = 1.0 - p
    lo, hi = 0.0, 1.0
    while t_sf(hi, df) > q:
        lo, hi = hi, 2.0 * hi
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        if mid in (lo, hi):
            break
        if t_sf(mid, df) > q:
            lo = mid
        else:
            hi = mid
    return 0.5 * (lo + hi)


# --------------------------------------------------------------------------
# The statistics.


def ci(diff, se, df):
    half = 0.0 if se == 0.0 else t_quantile(0.975, df) * se
    return {"diff": diff, "ci_low": diff - half, "ci_high": diff + half,
            "se": se, "df": df}


def paired(a, b):
    if len(a) != len(b) or len(a) < 2:
        return None
    d = [y - x for x, y in zip(a, b)]
    n = len(d)
    return ci(statistics.mean(d), statistics.stdev(d) / math.sqrt(n), n - 1.0)


def welch(a, b):
    na, nb = len(a), len(b)
    if na < 2 or nb < 2:
        return None
    va = statistics.variance(a) / na
    vb = statistics.variance(b) / nb
    diff = statistics.mean(b) - statistics.mean(a)
    if va + vb == 0.0:
        return ci(diff, 0.0, na + nb - 2.0)
    df = (va + vb) ** 2 / (va ** 2 / (na - 1) + vb ** 2 / (nb - 1))
    return ci(diff, math.sqrt(va + vb), df)


def p_greater_paired(a, b):
    n = min(len(a), len(b))
    if n == 0:
        return 0.5
    return sum(1 for x, y in zip(a, b) if y > x) / n


def p_greater_unpaired(a, b):
    """Brute force over all pairs, exact integer count of 2*U_B."""
    if not a or not b:
        return 0.5
    twice_u = 0
    for y in b:
        for x in a:
            if y > x:
                twice_u += 2
            elif y == x:
                twice_u += 1
    return twice_u / (2 * len(a) * len(b))


def q_ks(lam):
    """Plain alternating series, summed with fsum until terms underflow."""
    if lam <= 0.0:
        return 1.0
    terms = []
    j = 1
    while True:
        term = math.exp(-2.0 * j * j * lam * lam)
        if term == 0.0:
            break
        terms.append(term if j % 2 == 1 else -term)
        j += 1
    return min(1.0, max(0.0, 2.0 * math.fsum(terms)))


def ks(a, b):
    if not a or not b:
        return None
    n, m = len(a), len(b)
    pooled = sorted([(x, 0) for x in a] + [(y, 1) for y in b])
    ca = cb = 0
    d = 0.0
    k = 0
    while k < len(pooled):
        v = pooled[k][0]
        while k < len(pooled) and pooled[k][0] == v:
            if pooled[k][1] == 0:
                ca += 1
            else:
                cb += 1
            k += 1
        d = max(d, abs(ca / n - cb / m))
    if d == 0.0:
        return [0.0, 1.0]
    ne = n * m / (n + m)
    lam = (math.sqrt(ne) + 0.12 + 0.11 / math.sqrt(ne)) * d
    return [d, q_ks(lam)]


def ranks(x):
    order = sorted(range(len(x)), key=lambda i: x[i])
    r = [0.0] * len(x)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and x[order[j + 1]] == x[order[i]]:
            j += 1
        avg = (i + 1 + j + 1) / 2.0  # mean of ranks i+1 .. j+1
        for k in range(i, j + 1):
            r[order[k]] = avg
        i = j + 1
    return r


def spearman(x, y):
    if len(x) != len(y) or len(x) < 3:
        return None
    rx, ry = ranks(x), ranks(y)
    mx, my = statistics.mean(rx), statistics.mean(ry)
    sxy = math.fsum((u - mx) * (v - my) for u, v in zip(rx, ry))
    sxx = math.fsum((u - mx) ** 2 for u in rx)
    syy = math.fsum((v - my) ** 2 for v in ry)
    if sxx == 0.0 or syy == 0.0:
        return None
    return sxy / math.sqrt(sxx * syy)


def tornado(x, y):
    n = len(x)
    if n != len(y) or n < 10 or min(x) == max(x):
        return None
    order = sorted(range(n), key=lambda i: (x[i], i))
    k = n // 10
    return [statistics.mean(y[i] for i in order[:k]),
            statistics.mean(y[i] for i in order[n - k:])]


def main():
    data = json.load(sys.stdin)
    out = {"cases": {}, "t_quantiles": []}
    for case in data["cases"]:
        a = [float(v) for v in case["a"]]
        b = [float(v) for v in case["b"]]
        out["cases"][case["name"]] = {
            "paired": paired(a, b),
            "welch": welch(a, b),
            "p_greater_paired": p_greater_paired(a, b),
            "p_greater_unpaired": p_greater_unpaired(a, b),
            "ks": ks(a, b),
            "ranks_a": ranks(a),
            "spearman": spearman(a, b),
            "tornado": tornado(a, b),
        }
    for p, df in data.get("t_quantiles", []):
        out["t_quantiles"].append(t_quantile(float(p), float(df)))
    json.dump(out, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
