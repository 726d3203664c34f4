#!/usr/bin/env bash
# Figures for BENCHMARKS.md: whole `rofrsim run` times of scenarios/baseline.toml
# (and of the numpy peer), with the machine they were taken on.
#
#   benches/measure.sh [--runs R] [--trials LIST] [--bin PATH] [--skip-peer] [--peer-runs P]
#
#   --runs R        timed runs per measurement (default 5)
#   --trials LIST   comma-separated trial counts (default 1000000,10000000)
#   --bin PATH      the rofrsim binary (default target/release/rofrsim, built
#                   with `cargo build --release` if it is missing)
#   --skip-peer     do not run the numpy peer (benches/peer/numpy_model.py)
#   --peer-runs P   timed runs of the peer, at the first trial count (default 3)
#
# Run from the project root. Every run is `BIN run scenarios/baseline.toml
# --trials N --out DIR --force --quiet` under `/usr/bin/time`, DIR a temporary
# folder under output/ (emptied before each run, removed at the end). For the
# first N it also times `--threads 1` and the peer (invoked as
# benches/peer/compare.sh does). Prints a report, then a Markdown table between
# `<!-- measure.sh begin -->` and `<!-- measure.sh end -->`. Medians are true
# medians (the mean of the two middle runs when the count is even). Progress
# goes to stderr. Full outputs at 1,000,000 trials take ~1.7 GB of disk (one
# run's outputs at a time).
set -euo pipefail

RUNS=5
TRIALS_LIST=1000000,10000000
BIN=""
SKIP_PEER=0
PEER_RUNS=3
SCENARIO=scenarios/baseline.toml
PEER=benches/peer/numpy_model.py
BYTES_PER_TRIAL=1800   # outputs of baseline.toml: ~1,650 bytes per trial, mostly trials.csv

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"
CALLER_PWD="$PWD"

die() { echo "measure.sh: $*" >&2; exit 2; }
usage() { sed -n '2,/^set -euo/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'; }
say() { echo "$*" >&2; }

while [[ $# -gt 0 ]]; do
    case "$1" in
        --runs|--trials|--bin|--peer-runs)
            [[ $# -ge 2 ]] || die "$1 needs a value"
            opt="$1" val="$2"; shift 2 ;;
        --runs=*|--trials=*|--bin=*|--peer-runs=*)
            opt="${1%%=*}" val="${1#*=}"; shift ;;
        --skip-peer) SKIP_PEER=1; shift; continue ;;
        -h|--help) usage; exit 0 ;;
        *) die "unknown argument $1 (see --help)" ;;
    esac
    case "$opt" in
        --runs) RUNS="$val" ;;
        --trials) TRIALS_LIST="$val" ;;
        --bin) BIN="$val" ;;
        --peer-runs) PEER_RUNS="$val" ;;
        *) die "internal: unhandled option $opt" ;;
    esac
done

is_count() { [[ "$1" =~ ^[1-9][0-9]{0,9}$ ]] && ((10#$1 <= 1000000000)); }
is_count "$RUNS" || die "--runs must be a positive integer (given '$RUNS')"
is_count "$PEER_RUNS" || die "--peer-runs must be a positive integer (given '$PEER_RUNS')"
IFS=, read -r -a TRIALS <<<"$TRIALS_LIST"
[[ ${#TRIALS[@]} -gt 0 ]] || die "--trials needs at least one count"
for n in "${TRIALS[@]}"; do
    is_count "$n" || die "--trials: '$n' is not a trial count from 1 to 1000000000"
done
N1="${TRIALS[0]}"

[[ -x /usr/bin/time ]] || die "/usr/bin/time is missing (Debian: apt-get install time)"
/usr/bin/time -f '%e %M %U %S' -o /dev/null true 2>/dev/null \
    || die "/usr/bin/time does not accept -f/-o: GNU time is needed (Debian: apt-get install time)"

if [[ -z "$BIN" ]]; then
    BIN="$ROOT/target/release/rofrsim"
    if [[ ! -x "$BIN" ]]; then
        say "building $BIN (cargo build --release)"
        (cd "$ROOT" && cargo build --release)
    fi
elif [[ "$BIN" != /* ]]; then
    BIN="$CALLER_PWD/$BIN"
fi
[[ -x "$BIN" ]] || die "no executable rofrsim at $BIN"

cd "$ROOT"
[[ -f "$SCENARIO" ]] || die "$SCENARIO not found under $ROOT"

if [[ $SKIP_PEER -eq 0 ]]; then
    command -v python3 >/dev/null || die "python3 is needed for the peer (or pass --skip-peer)"
    python3 -c 'import tomllib' 2>/dev/null \
        || die "the peer needs Python >= 3.11 (tomllib); or pass --skip-peer"
    # As benches/peer/compare.sh does.
    python3 -c 'import numpy' 2>/dev/null || python3 -m pip install --quiet numpy
fi

mkdir -p output
WORK="output/.measure-$$"
rm -rf "$WORK"
mkdir "$WORK"
trap 'rm -rf "$WORK"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# --------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------

# One run under /usr/bin/time; appends "wall_s maxrss_kb user_s sys_s" to REC.
run_timed() {  # run_timed REC LOG CMD...
    local rec="$1" log="$2"; shift 2
    if ! /usr/bin/time -f '%e %M %U %S' -o "$WORK/time.out" "$@" >"$log" 2>&1; then
        say "measure.sh: this command failed: $*"
        tail -n 20 "$log" >&2 || true
        tail -n 2 "$WORK/time.out" >&2 || true
        exit 1
    fi
    tail -n 1 "$WORK/time.out" >>"$rec"
}

# "median min max" of the numbers on stdin (nan when there are none).
mmm() {
    LC_ALL=C sort -g | LC_ALL=C awk '{ a[NR] = $1 }
        END {
            if (NR == 0) { print "nan nan nan"; exit }
            m = (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2
            printf "%.6f %.6f %.6f\n", m, a[1], a[NR]
        }'
}
col_stats() {  # col_stats REC COL SCALE: median/min/max of column COL times SCALE
    LC_ALL=C awk -v c="$2" -v s="$3" '{ print $c * s }' "$1" | mmm
}
util_stats() {  # (user + sys) / wall of each run
    LC_ALL=C awk '$1 > 0 { print ($3 + $4) / $1 }' "$1" | mmm
}
fmt() {  # fmt DECIMALS X...
    local d="$1"; shift
    LC_ALL=C awk -v d="$d" 'BEGIN { for (i = 1; i < ARGC; i++) printf "%s%s", (i > 1 ? " " : ""),
        (ARGV[i] == "nan" ? "n/a" : sprintf("%." d "f", ARGV[i])); print "" }' "$@"
}
ratio() { LC_ALL=C awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f\n", a / b; else print "n/a" }'; }

ROWS=()
row() { ROWS+=("| $1 | $2 | $3 | $4 | $5 | $6 | $7 |"); }  # what N runs median min max unit

# Prints the summary of REC and adds its rows to the table.
report() {  # report WHAT N REC
    local what="$1" n="$2" rec="$3" runs med lo hi
    runs="$(wc -l <"$rec")"
    echo "$what, $n trials, $runs runs"
    read -r med lo hi <<<"$(col_stats "$rec" 1 1)"
    read -r med lo hi <<<"$(fmt 2 "$med" "$lo" "$hi")"
    printf '  %-12s %10s s     (min %s, max %s)\n' "wall" "$med" "$lo" "$hi"
    row "$what: wall time" "$n" "$runs" "$med" "$lo" "$hi" "s"
    read -r med lo hi <<<"$(col_stats "$rec" 2 "$(LC_ALL=C awk 'BEGIN { print 1 / 1024 }')")"
    read -r med lo hi <<<"$(fmt 1 "$med" "$lo" "$hi")"
    printf '  %-12s %10s MiB   (min %s, max %s)\n' "max RSS" "$med" "$lo" "$hi"
    row "$what: max RSS" "$n" "$runs" "$med" "$lo" "$hi" "MiB"
    read -r med lo hi <<<"$(util_stats "$rec")"
    read -r med lo hi <<<"$(fmt 2 "$med" "$lo" "$hi")"
    printf '  %-12s %10s cores (min %s, max %s; (user+sys)/wall)\n' "CPU use" "$med" "$lo" "$hi"
    row "$what: CPU use, (user+sys)/wall" "$n" "$runs" "$med" "$lo" "$hi" "cores"
    echo "  per run (wall s, max RSS KB, user s, sys s): $(paste -sd';' "$rec" | sed 's/;/; /g')"
}
median_wall() { col_stats "$1" 1 1 | cut -d' ' -f1; }

# R timed runs of rofrsim at N trials (THREADS empty: its default, all cores).
measure_rofrsim() {  # measure_rofrsim REC N THREADS
    local rec="$1" n="$2" threads="$3" out="$WORK/out" i
    local extra=()
    [[ -z "$threads" ]] || extra=(--threads "$threads")
    : >"$rec"
    for ((i = 1; i <= RUNS; i++)); do
        rm -rf "$out"   # one run's outputs on disk at a time, none left to write back
        run_timed "$rec" "$rec.log" "$BIN" run "$SCENARIO" --trials "$n" --out "$out" \
            --force --quiet ${extra[@]+"${extra[@]}"}
        say "  rofrsim ${threads:+--threads $threads }N=$n run $i/$RUNS: $(tail -n 1 "$rec" | cut -d' ' -f1) s wall"
    done
    rm -rf "$out"
}
threads_used() {  # from the run's own line "...: N trials, ..., X s on T threads"
    grep -oE 'on [0-9]+ threads?' "$1" | tail -n 1 | grep -oE '[0-9]+' || echo "?"
}

# --------------------------------------------------------------------------
# The machine
# --------------------------------------------------------------------------
lscpu_field() {
    LC_ALL=C lscpu 2>/dev/null | awk -v k="$1:" 'index($0, k) == 1 {
        v = substr($0, length(k) + 1); gsub(/^[ \t]+|[ \t]+$/, "", v); print v; exit }'
}
NPROC="$(nproc)"
CPU="$(lscpu_field 'Model name')"
[[ -n "$CPU" ]] || CPU="$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo 2>/dev/null || true)"
L2="$(lscpu_field 'L2 cache')"
L3="$(lscpu_field 'L3 cache')"
MEM="$(awk '/^MemTotal:/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)"
KERNEL="$(uname -srm)"
RUSTC="$(rustc --version 2>/dev/null || echo 'rustc not found')"
if COMMIT="$(git rev-parse --short HEAD 2>/dev/null)"; then
    git diff --quiet HEAD -- 2>/dev/null || COMMIT="$COMMIT-dirty"
else
    COMMIT="unknown (not a git checkout)"
fi
BIN_VERSION="$("$BIN" --version 2>/dev/null || echo '?')"
BIN_DATE="$(date -r "$BIN" '+%Y-%m-%d %H:%M:%S')"
BIN_SHA="$(sha256sum "$BIN" | cut -c1-12)"
NEWER_SOURCES="$(find src Cargo.toml Cargo.lock -newer "$BIN" -type f 2>/dev/null | wc -l)"
LOAD_START="$(cut -d' ' -f1-3 /proc/loadavg)"

echo "== machine"
echo "date          $(date '+%Y-%m-%d %H:%M:%S %Z')"
echo "nproc         $NPROC"
echo "CPU           ${CPU:-unknown}"
echo "L2 cache      ${L2:-unknown}"
echo "L3 cache      ${L3:-unknown}"
echo "memory        $MEM"
echo "kernel        $KERNEL"
echo "rustc         $RUSTC"
echo "commit        $COMMIT"
echo "binary        $BIN ($BIN_VERSION, built $BIN_DATE, sha256 $BIN_SHA)"
if [[ "$NEWER_SOURCES" -gt 0 ]]; then
    echo "              note: $NEWER_SOURCES source file(s) are newer than the binary"
fi
echo "load average  $LOAD_START (1, 5, 15 min) at the start"
echo "scenario      $SCENARIO; trial counts ${TRIALS[*]}; $RUNS runs each;" \
    "--threads 1 and $([[ $SKIP_PEER -eq 1 ]] && echo "no peer" || echo "the peer ($PEER_RUNS runs)") at N=$N1"
echo

# Refuse a run whose outputs would not fit on the disk (shared machines).
for n in "${TRIALS[@]}"; do
    need=$((n * BYTES_PER_TRIAL))
    avail="$(df -P -B1 output | awk 'NR == 2 { print $4 }')"
    if [[ -n "$avail" ]] && ((need > avail)); then
        die "N=$n needs about $((need >> 20)) MiB of outputs; output/ has $((avail >> 20)) MiB free"
    fi
done

# --------------------------------------------------------------------------
# Runs
# --------------------------------------------------------------------------
declare -A WALL
THREADS_DEFAULT="?"
for n in "${TRIALS[@]}"; do
    say "rofrsim, N=$n, default threads:"
    measure_rofrsim "$WORK/rs-$n.rec" "$n" ""
    THREADS_DEFAULT="$(threads_used "$WORK/rs-$n.rec.log")"
    report "rofrsim, $THREADS_DEFAULT threads (default)" "$n" "$WORK/rs-$n.rec"
    WALL[rs-$n]="$(median_wall "$WORK/rs-$n.rec")"
    echo
    if [[ "$n" == "$N1" ]]; then
        say "rofrsim, N=$n, --threads 1:"
        measure_rofrsim "$WORK/rs1-$n.rec" "$n" 1
        report "rofrsim, --threads 1" "$n" "$WORK/rs1-$n.rec"
        WALL[rs1]="$(median_wall "$WORK/rs1-$n.rec")"
        SPEEDUP="$(ratio "${WALL[rs1]}" "${WALL[rs-$n]}")"
        echo "  speed-up, median wall --threads 1 / median wall $THREADS_DEFAULT threads: $SPEEDUP"
        row "speed-up: wall --threads 1 / wall $THREADS_DEFAULT threads (medians)" "$n" "$RUNS" "$SPEEDUP" "" "" "ratio"
        echo
    fi
done

if [[ $SKIP_PEER -eq 0 ]]; then
    say "numpy peer, N=$N1:"
    rec="$WORK/np.rec"
    : >"$rec"
    : >"$WORK/np.inproc"
    for ((i = 1; i <= PEER_RUNS; i++)); do
        rm -f "$WORK/np.csv"
        # As benches/peer/compare.sh runs it: OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE
        # unset in this command only, the scenario's seed.
        run_timed "$rec" "$rec.log" env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE \
            python3 "$PEER" "$SCENARIO" --trials "$N1" --out "$WORK/np.csv"
        [[ -s "$WORK/np.csv" ]] || { cat "$rec.log" >&2; die "the peer wrote no $WORK/np.csv"; }
        # The peer's own figure (after start-up and imports), e.g. "baseline: N trials in 12.34 s -> ..."
        grep -oE 'trials in [0-9.]+ s' "$rec.log" | grep -oE '[0-9.]+ s' | cut -d' ' -f1 >>"$WORK/np.inproc" || true
        say "  numpy N=$N1 run $i/$PEER_RUNS: $(tail -n 1 "$rec" | cut -d' ' -f1) s wall"
    done
    report "numpy peer" "$N1" "$rec"
    INPROC="$(mmm <"$WORK/np.inproc" | cut -d' ' -f1)"
    echo "  (the peer's own timing, without interpreter start-up and imports: median $(fmt 2 "$INPROC") s)"
    NP_WALL="$(median_wall "$rec")"
    R_ALL="$(ratio "$NP_WALL" "${WALL[rs-$N1]}")"
    R_ONE="$(ratio "$NP_WALL" "${WALL[rs1]}")"
    echo "  ratio, median wall peer / median wall rofrsim: $R_ALL ($THREADS_DEFAULT threads), $R_ONE (--threads 1)"
    row "ratio: wall numpy peer / wall rofrsim $THREADS_DEFAULT threads (medians)" "$N1" "$PEER_RUNS/$RUNS" "$R_ALL" "" "" "ratio"
    row "ratio: wall numpy peer / wall rofrsim --threads 1 (medians)" "$N1" "$PEER_RUNS/$RUNS" "$R_ONE" "" "" "ratio"
    echo
fi

echo "load average  $(cut -d' ' -f1-3 /proc/loadavg) (1, 5, 15 min) at the end"
echo
echo "<!-- measure.sh begin -->"
echo "scenarios/baseline.toml; rofrsim $COMMIT; ${CPU:-unknown CPU}, nproc $NPROC, L2 ${L2:-?}, L3 ${L3:-?}," \
    "$MEM; $KERNEL; $RUSTC; load average at start $LOAD_START; $(date '+%Y-%m-%d')."
echo "rofrsim writes trials.csv, summary.csv, timeseries.csv and sensitivity.csv; the numpy peer only the summary."
echo
echo "| what | N | runs | median | min | max | unit |"
echo "|---|---:|---:|---:|---:|---:|---|"
printf '%s\n' "${ROWS[@]}"
echo "<!-- measure.sh end -->"
