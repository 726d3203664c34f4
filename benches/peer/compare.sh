#!/usr/bin/env bash
# rofrsim vs a hand-written numpy peer (benches/peer/numpy_model.py) on
# scenarios/baseline.toml: wall time (median of 3 runs each) and agreement of
# the headline outcomes.
#
#   bash benches/peer/compare.sh [--trials N] [--runs R] [--scenario FILE]
#
# Defaults: 1,000,000 trials, 3 runs. Needs python3 (3.11, for tomllib);
# installs numpy with pip if it is missing. Writes to a temporary folder.
set -euo pipefail

TRIALS=1000000
RUNS=3
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
SCENARIO="$ROOT/scenarios/baseline.toml"
while [[ $# -gt 0 ]]; do
    case "$1" in
        --trials) TRIALS="$2"; shift 2 ;;
        --runs) RUNS="$2"; shift 2 ;;
        --scenario) SCENARIO="$2"; shift 2 ;;
        -h|--help) sed -n 2,9p "$0"; exit 0 ;;
        *) echo "compare.sh: unknown argument $1" >&2; exit 2 ;;
    esac
done

python3 -c 'import numpy' 2>/dev/null || python3 -m pip install --quiet numpy
(cd "$ROOT" && cargo build --release --quiet)
BIN="$ROOT/target/release/rofrsim"
WORK="$(mktemp -d /tmp/rofrsim-peer.XXXXXX)"
trap 'rm -rf "$WORK"' EXIT

# Median of the wall times; also the CPU time (user + sys) of that same run.
TIMEFORMAT='%R %U %S'
timed() {  # timed LABEL CMD...: runs CMD $RUNS times, appends "wall cpu" lines
    local label="$1"; shift
    for ((i = 1; i <= RUNS; i++)); do
        { time "$@" >"$WORK/$label.log" 2>&1; } 2>"$WORK/$label.t"
        awk '{ printf "%.3f %.3f\n", $1, $2 + $3 }' "$WORK/$label.t" >>"$WORK/$label.times"
        echo "  $label run $i: $(cut -d' ' -f1 "$WORK/$label.t" | head -1) s wall" >&2
    done
}
median() { sort -n "$1" | awk '{ a[NR] = $0 } END { print a[int((NR + 1) / 2)] }'; }

echo "scenario $SCENARIO, $TRIALS trials, $RUNS runs each, $(nproc) cores" >&2
echo "rofrsim (all cores; also writes trials.csv, timeseries.csv, sensitivity.csv):" >&2
timed rofrsim "$BIN" run "$SCENARIO" --trials "$TRIALS" --out "$WORK/rs" --force --quiet
# OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE may be set on this machine (for old
# OpenBLAS builds) and slow a current numpy: unset here, in this command only.
echo "numpy peer (one core; summary only):" >&2
timed numpy env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE \
    python3 "$HERE/numpy_model.py" "$SCENARIO" --trials "$TRIALS" --out "$WORK/np.csv"

read -r RS_WALL RS_CPU <<<"$(median "$WORK/rofrsim.times")"
read -r NP_WALL NP_CPU <<<"$(median "$WORK/numpy.times")"

python3 - "$WORK/rs/summary.csv" "$WORK/np.csv" "$RS_WALL" "$RS_CPU" "$NP_WALL" "$NP_CPU" "$TRIALS" <<'EOF'
import csv, math, sys

rs_file, np_file = sys.argv[1], sys.argv[2]
rs_wall, rs_cpu, np_wall, np_cpu = map(float, sys.argv[3:7])
trials = int(sys.argv[7])
rs = {r["metric"]: r for r in csv.DictReader(open(rs_file))}
np_ = {r["metric"]: r for r in csv.DictReader(open(np_file))}

# The numeric outcomes of trials.csv that both write, in that file's order
# (docs/model.md, "Outcomes"): 13 + 3 x providers metrics.
providers = [m[len("gw_years_"):] for m in rs if m.startswith("gw_years_")]
metrics = (["demand_gw_end", "azure_share_end", "azure_share_cum", "unmet_share",
            "shortfall_months"]
           + [f"gw_years_{p}" for p in providers] + ["unmet_gw_years"]
           + [f"signed_gw_{p}" for p in providers]
           + [f"spend_{p}_usd_bn" for p in providers]
           + ["openai_revenue_usd_bn", "revenue_share_usd_bn",
              "microsoft_value_npv_usd_bn", "microsoft_margin_npv_usd_bn",
              "microsoft_revenue_share_npv_usd_bn", "rofr_offers", "rofr_declined"])
missing = [m for m in metrics if m not in rs or m not in np_]
for m in missing:
    print(f"{m}: missing from the summary of "
          + " and ".join(w for w, d in (("rofrsim", rs), ("numpy", np_)) if m not in d))
metrics = [m for m in metrics if m not in missing]

# Agreement test: the two means are independent estimates of the same
# expectation, so |mean_r - mean_p| <= z_{0.995} * sqrt(sd_r^2/n_r + sd_p^2/n_p)
# is the two-sided 99 % confidence interval of their difference. With ~30
# metrics tested at 99 % each, one or two borderline failures are expected
# by chance alone (and the metrics are correlated: azure gw-years, azure
# spend, azure shares and Microsoft's NPVs move together), so a failure count
# of 0-2 with |z| just above 2.58 is noise; a large |z| or a failure that
# persists across seeds is a real difference in the model. A metric constant
# in both (sd 0, e.g. signed_gw_* without [new_capacity]) must be equal.
Z = 2.5758293035489004   # z_{0.995}

print(f"\nagreement of means ({trials} trials each; 99 % CI of the difference)")
print(f"{'metric':34s} {'rofrsim':>12s} {'numpy':>12s} {'diff':>10s} {'±CI':>10s} {'z':>6s}  "
      f"{'p5 r/np':>19s} {'p50 r/np':>19s} {'p95 r/np':>19s}  ok")
fails = [(m, math.nan) for m in missing]
varying = 0
for m in metrics:
    a, b = rs[m], np_[m]
    ma, mb, sa, sb = (float(a["mean"]), float(b["mean"]), float(a["sd"]), float(b["sd"]))
    se = math.sqrt(sa * sa / float(a["n"]) + sb * sb / float(b["n"]))
    diff = ma - mb
    ok = abs(diff) <= Z * se
    z = diff / se if se > 0 else (0.0 if diff == 0 else math.copysign(math.inf, diff))
    varying += se > 0
    if not ok:
        fails.append((m, z))
    pc = lambda k: f"{float(a[k]):9.4g}/{float(b[k]):<9.4g}"
    print(f"{m:34s} {ma:12.5g} {mb:12.5g} {diff:10.3g} {Z * se:10.3g} {z:6.2f}  "
          f"{pc('p5')} {pc('p50')} {pc('p95')}  {'yes' if ok else 'NO'}")
print(f"\n{len(fails)} of {len(metrics) + len(missing)} metrics outside the 99 % CI"
      + (" or missing" if missing else "")
      + (": " + ", ".join(f"{m} (z={z:.2f})" for m, z in fails) if fails else ""))
print(f"(expected by chance at 99 % each: about {0.01 * varying:.1f}, "
      f"over the {varying} metrics that vary)")

print(f"\ntimes, median of the runs (wall / CPU = user+sys seconds)")
print(f"  rofrsim {rs_wall:9.2f} s wall {rs_cpu:9.2f} s CPU")
print(f"  numpy   {np_wall:9.2f} s wall {np_cpu:9.2f} s CPU")
print(f"  ratio numpy/rofrsim: {np_wall / rs_wall:.2f} (wall), {np_cpu / rs_cpu:.2f} (CPU)")
EOF
