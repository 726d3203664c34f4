#!/usr/bin/env python3
"""Coverage of summary.csv's 95 % intervals against a large reference run.

    benches/coverage.py [--bin PATH] [--scenario FILE] [--reference-trials N]
                        [--trials N] [--seeds S] [--work DIR] [--keep]

Runs `BIN run SCENARIO --trials N_REF --trials-csv none --quiet --force`
once (default 1,000,000 trials, the scenario's own seed) for reference
values, then S runs (default 200) of N trials (default 2,000) with seeds
1..S, each `--seed K --trials-csv none --quiet --force`. For each kind of
statistic (the mean, each percentile) it prints the share of (seed, metric)
intervals of the small runs that contain the reference run's point value of
that statistic for that metric: the issue's "summary.csv's intervals cover
the 1,000,000-trial values at their nominal rate over 200 seeds".

Pairs are counted only where both the interval and the reference value
exist. A metric constant in the reference run (sd 0, e.g. an IP expiry
every trial agrees on) covers trivially; the second table leaves those
out. The reference value has an error of its own, about √(N / N_REF) of a
small run's interval (printed), which lowers coverage slightly. The ±σ
column is the binomial standard deviation of a share of that many
independent pairs; pairs from one seed share its trials, so the real
spread is larger. The metrics with the lowest coverage of the mean and of
p50 are listed last.

Run from the project root after `cargo build --release`. The runs' folders
go under --work (default output/coverage, removed at the end unless
--keep). Python 3 standard library only.
"""

import argparse
import csv
import math
import os
import shutil
import subprocess
import sys
import time

PERCENTILES = ["p1", "p5", "p10", "p25", "p50", "p75", "p90", "p95", "p99"]
KINDS = ["mean"] + PERCENTILES


def read_summary(folder):
    """metric -> column -> float or None (empty cell)."""
    with open(os.path.join(folder, "summary.csv"), newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    header = rows[0]
    out = {}
    for r in rows[1:]:
        out[r[0]] = {h: (float(c) if c != "" else None) for h, c in zip(header[1:], r[1:])}
    return out


def run(bin_path, scenario, trials, out, seed=None):
    cmd = [bin_path, "run", scenario, "--trials", str(trials), "--out", out,
           "--trials-csv", "none", "--quiet", "--force"]
    if seed is not None:
        cmd += ["--seed", str(seed)]
    done = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    if done.returncode != 0:
        sys.exit("coverage.py: %s failed:\n%s" % (" ".join(cmd), done.stderr))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--bin", default="target/release/rofrsim")
    ap.add_argument("--scenario", default="scenarios/baseline.toml")
    ap.add_argument("--reference-trials", type=int, default=1_000_000)
    ap.add_argument("--trials", type=int, default=2_000)
    ap.add_argument("--seeds", type=int, default=200)
    ap.add_argument("--work", default=os.path.join("output", "coverage"))
    ap.add_argument("--keep", action="store_true")
    args = ap.parse_args()
    if not os.access(args.bin, os.X_OK):
        sys.exit("coverage.py: no binary at %s (cargo build --release)" % args.bin)
    os.makedirs(args.work, exist_ok=True)

    t0 = time.time()
    ref_dir = os.path.join(args.work, "reference")
    run(args.bin, args.scenario, args.reference_trials, ref_dir)
    ref = read_summary(ref_dir)
    print("reference: %s, %d trials, %.0f s" % (args.scenario, args.reference_trials, time.time() - t0),
          file=sys.stderr)

    # counts[subset][kind] = [covered, pairs]; per_metric[kind][metric] likewise.
    counts = {s: {k: [0, 0] for k in KINDS} for s in ("all", "varying")}
    per_metric = {k: {} for k in KINDS}
    width_ratio = []  # reference interval width / small-run width, the mean's
    t1 = time.time()
    for seed in range(1, args.seeds + 1):
        out = os.path.join(args.work, "seed")
        run(args.bin, args.scenario, args.trials, out, seed)
        small = read_summary(out)
        for metric, stats in small.items():
            r = ref.get(metric)
            if r is None:
                continue
            varying = bool(r.get("sd"))
            for kind in KINDS:
                low, high = stats.get(kind + "_ci_low"), stats.get(kind + "_ci_high")
                truth = r.get(kind)
                if low is None or high is None or truth is None:
                    continue
                hit = int(low <= truth <= high)
                for subset in ("all", "varying") if varying else ("all",):
                    counts[subset][kind][0] += hit
                    counts[subset][kind][1] += 1
                m = per_metric[kind].setdefault(metric, [0, 0])
                m[0] += hit
                m[1] += 1
            if varying and stats.get("mean_ci_high") is not None and r.get("mean_ci_high") is not None:
                w = stats["mean_ci_high"] - stats["mean_ci_low"]
                if w > 0:
                    width_ratio.append((r["mean_ci_high"] - r["mean_ci_low"]) / w)
        if seed % 20 == 0:
            print("seed %d/%d, %.0f s" % (seed, args.seeds, time.time() - t1), file=sys.stderr)
    if not args.keep:
        shutil.rmtree(args.work)

    print("coverage of summary.csv's 95 %% intervals: %d runs of %d trials (seeds 1..%d) "
          "against one of %d trials" % (args.seeds, args.trials, args.seeds, args.reference_trials))
    if width_ratio:
        width_ratio.sort()
        print("reference mean interval / small-run mean interval (median over pairs): %.3f"
              % width_ratio[len(width_ratio) // 2])
    for subset, title in (("all", "every metric"),
                          ("varying", "metrics that vary in the reference run (sd > 0)")):
        print()
        print(title)
        print("| statistic | pairs | covered | share | ±σ |")
        print("|---|---:|---:|---:|---:|")
        for kind in KINDS:
            hit, n = counts[subset][kind]
            if n == 0:
                print("| %s | 0 | | | |" % kind)
                continue
            share = hit / n
            print("| %s | %d | %d | %.3f | %.3f |"
                  % (kind, n, hit, share, math.sqrt(0.95 * 0.05 / n)))
    for kind in ("mean", "p50"):
        worst = sorted(((h / n, m, n) for m, (h, n) in per_metric[kind].items() if n),
                       key=lambda t: t[0])[:5]
        print()
        print("lowest coverage of %s: %s" % (kind, ", ".join(
            "%s %.3f (%d)" % (m, s, n) for s, m, n in worst)))


if __name__ == "__main__":
    main()
