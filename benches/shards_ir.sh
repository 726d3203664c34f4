#!/usr/bin/env bash
# Instructions (valgrind cachegrind, user space) of a run as N shards then
# `merge`, against the single run: repeatable on a shared, noisy machine,
# where CPU seconds (benches/shards.sh) are not (issue 17).
#
#   benches/shards_ir.sh [--trials T] [--shards N] [--bin PATH] [--trials-csv W]
#
# Defaults: 20480 trials, 10 shards, target/release/rofrsim, full. One
# thread, ROFRSIM_SIMD=avx2 (valgrind lacks AVX-512). Kernel time (the
# writes and the merge's copy) is not counted: see shards.sh's system time.
# Run from the project root.
set -euo pipefail
TRIALS=20480
SHARDS=10
BIN=target/release/rofrsim
CSV=full
while [ $# -gt 0 ]; do
  case "$1" in
    --trials) TRIALS=$2; shift 2 ;;
    --shards) SHARDS=$2; shift 2 ;;
    --bin) BIN=$2; shift 2 ;;
    --trials-csv) CSV=$2; shift 2 ;;
    *) echo "shards_ir.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
command -v valgrind >/dev/null || { echo "shards_ir.sh: needs valgrind" >&2; exit 2; }
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
# ir COMMAND...: the instructions it executed.
ir() {
  ROFRSIM_SIMD=avx2 valgrind --tool=cachegrind --cache-sim=no \
    --cachegrind-out-file="$WORK/cg.out" "$@" >/dev/null 2>"$WORK/cg.err"
  awk '/^summary:/ { print $2 }' "$WORK/cg.out"
}
common=(--trials "$TRIALS" --threads 1 --trials-csv "$CSV" --quiet)
single=$(ir "$BIN" run scenarios/baseline.toml "${common[@]}" --out "$WORK/single")
shards=0
for i in $(seq 0 $((SHARDS - 1))); do
  n=$(ir "$BIN" run scenarios/baseline.toml "${common[@]}" --shard "$i/$SHARDS" --out "$WORK/shards/$i")
  shards=$((shards + n))
done
merge=$(ir "$BIN" merge "$WORK"/shards/* --out "$WORK/merged" --threads 1 --quiet)
awk -v s="$single" -v h="$shards" -v m="$merge" -v t="$TRIALS" -v n="$SHARDS" 'BEGIN {
  printf "%d trials: single %.1f M instructions; %d shards %.1f M + merge %.1f M = %.1f M (%+.1f %%; shards alone %+.1f %%)\n",
    t, s / 1e6, n, h / 1e6, m / 1e6, (h + m) / 1e6, (h + m - s) / s * 100, (h - s) / s * 100 }'
