#!/usr/bin/env bash
# A run as N shards then `merge`, against the single run (issue 17): the
# CPU time (user + system) of each step, the peak memory (max RSS) of the
# merge, and `cmp` of every file of the merged folder against the single
# run's (manifest.json but for out, threads and wall time, which differ).
#
#   benches/shards.sh [--trials T] [--shards N] [--threads K] [--scenario F]
#                     [--bin PATH] [--work DIR] [--trials-csv WHAT]
#                     [--trials-format F]
#
#   --trials T       trials of the run (default 10000000)
#   --shards N       shards (default 10), run one after another here
#   --threads K      threads of every step (default 2)
#   --scenario F     scenario file (default scenarios/baseline.toml)
#   --bin PATH       the rofrsim binary (default target/release/rofrsim)
#   --work DIR       where the folders go (default a new temporary folder,
#                    removed at the end; 10,000,000 trials need about 50 GB)
#   --trials-csv W   full (default), outcomes or none
#   --trials-format F  csv (default) or parquet
#
# Prints one line per step from GNU time, then the totals. Run from the
# project root.
set -euo pipefail

TRIALS=10000000
SHARDS=10
THREADS=2
SCENARIO=scenarios/baseline.toml
BIN=target/release/rofrsim
WORK=
CSV=full
FORMAT=csv
while [ $# -gt 0 ]; do
  case "$1" in
    --trials) TRIALS=$2; shift 2 ;;
    --shards) SHARDS=$2; shift 2 ;;
    --threads) THREADS=$2; shift 2 ;;
    --scenario) SCENARIO=$2; shift 2 ;;
    --bin) BIN=$2; shift 2 ;;
    --work) WORK=$2; shift 2 ;;
    --trials-csv) CSV=$2; shift 2 ;;
    --trials-format) FORMAT=$2; shift 2 ;;
    *) echo "shards.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
[ -x "$BIN" ] || { echo "shards.sh: $BIN is missing; run cargo build --release" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "shards.sh: needs GNU time (/usr/bin/time)" >&2; exit 2; }
if [ -z "$WORK" ]; then
  WORK=$(mktemp -d)
  trap 'rm -rf "$WORK"' EXIT
fi
mkdir -p "$WORK"

# step NAME COMMAND...: runs it under GNU time; prints and records
# "NAME cpu_s wall_s maxrss_kib".
step() {
  local name=$1
  shift
  /usr/bin/time -f "%U %S %e %M" -o "$WORK/$name.time" "$@" >/dev/null
  read -r user sys wall rss <"$WORK/$name.time"
  printf '%-10s cpu %8.1f s  wall %7.1f s  max RSS %8.1f MiB\n' \
    "$name" "$(echo "$user + $sys" | bc)" "$wall" "$(echo "$rss / 1024" | bc -l)"
  echo "$name $(echo "$user + $sys" | bc) $wall $rss" >>"$WORK/steps"
}

common=(--trials "$TRIALS" --threads "$THREADS" --trials-csv "$CSV" --trials-format "$FORMAT" --quiet --force)
step single "$BIN" run "$SCENARIO" "${common[@]}" --out "$WORK/single"
for i in $(seq 0 $((SHARDS - 1))); do
  step "shard-$i" "$BIN" run "$SCENARIO" "${common[@]}" --shard "$i/$SHARDS" --out "$WORK/shards/$i"
done
step merge "$BIN" merge "$WORK"/shards/* --out "$WORK/merged" --threads "$THREADS" --quiet --force

awk '
  $1 == "single" { single = $2 }
  $1 ~ /^shard-/ { shards += $2 }
  $1 == "merge" { merge = $2; rss = $4 }
  END {
    printf "single run: %.1f CPU s; shards %.1f + merge %.1f = %.1f CPU s (%+.1f %%); merge max RSS %.0f MiB\n",
      single, shards, merge, shards + merge, (shards + merge - single) / single * 100, rss / 1024
  }' "$WORK/steps"
du -sh "$WORK/shards" | awk '{ print "shard folders: " $1 }'

status=0
for f in "$WORK"/single/*; do
  name=$(basename "$f")
  if [ "$name" = manifest.json ]; then
    python3 - "$f" "$WORK/merged/$name" <<'PY' || status=1
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:])
for m in (a, b):
    out = m.pop("out")
    m["reproduce"] = m["reproduce"].replace(out, "OUT")
    for k in ("threads", "wall_time_seconds"):
        m.pop(k)
print("manifest.json: the same but for out, threads and wall time" if a == b else "manifest.json DIFFERS")
sys.exit(a != b)
PY
  elif cmp "$f" "$WORK/merged/$name"; then
    echo "cmp $name: identical"
  else
    status=1
  fi
done
exit $status
