#!/usr/bin/env bash
# trials.parquet against trials.csv (issue 17): the same run written with
# --trials-format csv and parquet, in turn (csv, parquet, csv, parquet...,
# so that the host's drift hits both alike), each under GNU time: the
# trials file's size, the CPU time (user + system), the wall time and the
# peak memory (max RSS) of each run, then the medians.
#
#   benches/parquet.sh [--trials T] [--rounds R] [--threads K]
#                      [--trials-csv WHAT] [--scenario F] [--bin PATH]
#
#   --trials T       trials of each run (default 1000000)
#   --rounds R       runs of each format (default 3)
#   --threads K      threads (default 2)
#   --trials-csv W   full (default) or outcomes: what the file holds
#   --scenario F     scenario file (default scenarios/baseline.toml)
#   --bin PATH       the rofrsim binary (default target/release/rofrsim)
#
# Run from the project root after cargo build --release; the runs go to a
# temporary folder, removed at the end (about 2 GB a million trials).
set -euo pipefail

TRIALS=1000000
ROUNDS=3
THREADS=2
CSV=full
SCENARIO=scenarios/baseline.toml
BIN=target/release/rofrsim
while [ $# -gt 0 ]; do
  case "$1" in
    --trials) TRIALS=$2; shift 2 ;;
    --rounds) ROUNDS=$2; shift 2 ;;
    --threads) THREADS=$2; shift 2 ;;
    --trials-csv) CSV=$2; shift 2 ;;
    --scenario) SCENARIO=$2; shift 2 ;;
    --bin) BIN=$2; shift 2 ;;
    *) echo "parquet.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
[ -x "$BIN" ] || { echo "parquet.sh: $BIN is missing; run cargo build --release" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "parquet.sh: needs GNU time (/usr/bin/time)" >&2; exit 2; }
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

for round in $(seq 1 "$ROUNDS"); do
  for format in csv parquet; do
    out="$WORK/$format"
    /usr/bin/time -f "%U %S %e %M" -o "$WORK/time" \
      "$BIN" run "$SCENARIO" --trials "$TRIALS" --threads "$THREADS" --trials-csv "$CSV" \
      --trials-format "$format" --quiet --force --out "$out" >/dev/null
    read -r user sys wall rss <"$WORK/time"
    bytes=$(stat -c %s "$out/trials.$format")
    printf '%-8s round %d  %14s bytes  cpu %7.1f s  wall %6.1f s  max RSS %6.0f MiB\n' \
      "$format" "$round" "$bytes" "$(echo "$user + $sys" | bc)" "$wall" "$(echo "$rss / 1024" | bc)"
    echo "$format $bytes $(echo "$user + $sys" | bc) $wall $rss" >>"$WORK/runs"
  done
done

# Medians of each format's runs (the middle one; the lower of the two
# middle ones for an even count).
for format in csv parquet; do
  for k in 3 4 5; do
    awk -v f="$format" -v k="$k" '$1 == f { print $k }' "$WORK/runs" | sort -g |
      awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'
  done | paste -sd' ' | awk -v f="$format" -v t="$TRIALS" '{
      printf "%-8s median: cpu %.1f s  wall %.1f s  max RSS %.0f MiB\n", f, $1, $2, $3 / 1024 }'
done
awk -v t="$TRIALS" '
  $1 == "csv" { csv = $2 } $1 == "parquet" { pq = $2 }
  END { printf "trials.csv %.0f bytes (%.0f a trial); trials.parquet %.0f bytes (%.0f a trial, %.1f %% of the CSV)\n",
    csv, csv / t, pq, pq / t, pq / csv * 100 }' "$WORK/runs"
