#!/usr/bin/env bash
# Instructions per trial-month of a whole `rofrsim run` of the baseline, by
# part of the run, from valgrind's callgrind (deterministic counts, unlike
# times on a shared machine):
#
#   benches/parts.sh [BIN] [TRIALS]     # defaults: target/release/rofrsim 8192
#
# Each part is the inclusive count (the function and all it calls) of the
# functions named below, so a part's library calls (libm, memset, the sort)
# count in the part that made them. "other" is the rest: start-up, the
# outcome columns, combining chunks, writing files, threads. Run from the
# project root; needs valgrind and python3. A 8,192-trial run takes about a
# minute under callgrind.
#
# Note that valgrind counts each iteration of a `rep movs`/`rep stos` (how
# glibc copies and clears large buffers) as one instruction, so memcpy and
# memset of large buffers weigh more here than in time.
set -euo pipefail
BIN=$(realpath "${1:-target/release/rofrsim}")
TRIALS=${2:-8192}
cd "$(dirname "$0")/.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
valgrind --tool=callgrind --callgrind-out-file="$work/cg.out" \
    "$BIN" run scenarios/baseline.toml --trials "$TRIALS" --threads 1 \
    --out "$work/run" --quiet >/dev/null 2>"$work/valgrind.log"
callgrind_annotate --inclusive=yes --threshold=100 "$work/cg.out" >"$work/inclusive.txt"
python3 - "$work/inclusive.txt" "$work/run/manifest.json" "$TRIALS" <<'EOF'
import json, re, sys
text, manifest, trials = sys.argv[1], sys.argv[2], int(sys.argv[3])
months = json.load(open(manifest))["months"]
incl, total = {}, None
for line in open(text):
    m = re.match(r"\s*([\d,]+) \([ \d.]+%\)\s+(\S.*?)(?: \[.*\])?$", line)
    if not m:
        continue
    n, name = int(m.group(1).replace(",", "")), m.group(2)
    if name == "PROGRAM TOTALS":
        total = n
    else:
        # Keep the largest count of a name (a function may appear under
        # several object files; recursion shows as name'2).
        incl[name] = max(incl.get(name, 0), n)
parts = [
    ("month step (step_block, with its libm calls)", [r"Model>::step_block$"]),
    ("inputs (start_block: sampling)", [r"Model>::start_block$"]),
    ("band histograms and means", [r"Block::series$", r"Block::add_series_sums$", r"Histogram::merge$"]),
    ("trials.csv formatting (trials::row)", [r"folder::trials::row$"]),
    ("summaries (summary.csv statistics)", [r"analysis::stats::summarise$"]),
    ("sensitivity (sensitivity.csv)", [r"analysis::sensitivity::analyse$"]),
    ("band percentiles and timeseries.csv", [r"folder::timeseries::csv$"]),
]
seen = 0
scale = trials * months
print(f"{'part':<48} {'instructions':>15} {'per trial-month':>16}")
for label, patterns in parts:
    count = 0
    for p in patterns:
        hits = [v for k, v in incl.items() if re.search(r"(^|:)" + r"[^ ]*" + p, k)]
        if not hits:
            print(f"warning: no function matches {p}", file=sys.stderr)
        count += max(hits, default=0)
    seen += count
    print(f"{label:<48} {count:>15,} {count / scale:>16,.0f}")
print(f"{'other':<48} {total - seen:>15,} {(total - seen) / scale:>16,.0f}")
print(f"{'total':<48} {total:>15,} {total / scale:>16,.0f}")
EOF
