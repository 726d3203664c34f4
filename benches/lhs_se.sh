#!/usr/bin/env bash
# How much Latin hypercube sampling narrows a run's mean: the standard error
# of a metric's mean over many seeds, Monte Carlo against LHS (issue 16).
#
#   benches/lhs_se.sh [--seeds S] [--trials N] [--metric NAME] [--scenario FILE] [--bin PATH]
#
#   --seeds S       runs per method, seeds 1..S (default 40)
#   --trials N      trials per run (default 2000)
#   --metric NAME   a summary.csv metric (default microsoft_value_npv_usd_bn)
#   --scenario F    scenario file (default scenarios/baseline.toml)
#   --bin PATH      the rofrsim binary (default target/release/rofrsim)
#
# Runs `BIN run F --trials N --seed s --sampling mc|lhs --trials-csv none`
# for each seed, the two methods interleaved, and reads the metric's mean
# from each summary.csv. The spread (sample sd) of those means over the
# seeds estimates each method's standard error of the mean; the script
# prints both, their ratio LHS / MC, and the ratio's approximate 95 %
# interval (ln of a ratio of two sds has variance ≈ 1/(S − 1)). Run from the project root.
set -euo pipefail

SEEDS=40
TRIALS=2000
METRIC=microsoft_value_npv_usd_bn
SCENARIO=scenarios/baseline.toml
BIN=target/release/rofrsim
while [ $# -gt 0 ]; do
  case "$1" in
    --seeds) SEEDS=$2; shift 2 ;;
    --trials) TRIALS=$2; shift 2 ;;
    --metric) METRIC=$2; shift 2 ;;
    --scenario) SCENARIO=$2; shift 2 ;;
    --bin) BIN=$2; shift 2 ;;
    *) echo "lhs_se.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
[ -x "$BIN" ] || { echo "lhs_se.sh: $BIN is missing; run cargo build --release" >&2; exit 2; }

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
for s in $(seq 1 "$SEEDS"); do
  for method in mc lhs; do
    "$BIN" run "$SCENARIO" --trials "$TRIALS" --seed "$s" --sampling "$method" \
      --trials-csv none --quiet --force --out "$WORK/$method-$s" >/dev/null
  done
  printf '\rseed %s of %s' "$s" "$SEEDS" >&2
done
echo >&2

python3 - "$WORK" "$SEEDS" "$METRIC" "$TRIALS" <<'EOF'
import csv, math, statistics, sys
work, seeds, metric, trials = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
def mean_of(folder):
    with open(f"{work}/{folder}/summary.csv", newline="") as f:
        for row in csv.DictReader(f):
            if row["metric"] == metric:
                return float(row["mean"])
    sys.exit(f"lhs_se.sh: no metric {metric} in {folder}/summary.csv")
se = {}
for method in ("mc", "lhs"):
    means = [mean_of(f"{method}-{s}") for s in range(1, seeds + 1)]
    se[method] = statistics.stdev(means)
    print(f"{method:>3}: mean of means {statistics.fmean(means):.4g}, sd over {seeds} seeds {se[method]:.4g}")
ratio = se["lhs"] / se["mc"]
# ln of a sample variance has variance ≈ 2/k (k = S − 1 degrees of
# freedom), so ln of the ratio of two sds has variance ≈ (2/k + 2/k)/4 = 1/k.
k = seeds - 1
half = 1.959964 / k ** 0.5
lo, hi = ratio * math.exp(-half), ratio * math.exp(half)
print(f"standard error ratio LHS / MC at {trials} trials: {ratio:.3f}  (approx. 95 % interval {lo:.3f}-{hi:.3f})")
EOF
