#!/usr/bin/env bash
# Writes every output of every command on the five shipped scenarios into
# OUT — runs of 3,000 trials with --paths, targets and --report (one also
# with --threads 1), sensitivity, compare of scenario files and of folders,
# reports of a compare folder, of a sweep and of several run folders, a
# sweep, a --from-manifest rerun, validate, and two refusals — with the
# parts that cannot repeat normalised (wall time, the OUT path). Two builds
# then compare with `diff -r`:
#
#   tests/snapshot.sh OLD_BINARY /tmp/before
#   tests/snapshot.sh target/release/rofrsim /tmp/after
#   diff -r /tmp/before /tmp/after
#
# A refactor that promises byte-identical outputs must show no difference
# here but the ones it names (the golden test, tests/golden.rs, covers a
# smaller run of each scenario on every `cargo test`).
set -u
BIN=$(realpath "$1")
OUT=$(realpath -m "$2")
cd "$(dirname "$0")/.."
rm -rf "$OUT"
mkdir -p "$OUT"
run() { # run NAME ARGS…: stdout and stderr to OUT/NAME.txt, then the exit code
    local name=$1
    shift
    "$BIN" "$@" >"$OUT/$name.txt" 2>&1
    echo "exit $?" >>"$OUT/$name.txt"
}
targets=(--target 'unmet_share<=0.3' --target 'microsoft_value_npv_usd_bn>100')
for s in baseline seed_terms oct2025_terms early_agi azure_constrained; do
    run "validate-$s" validate "scenarios/$s.toml"
    run "run-$s" run "scenarios/$s.toml" --trials 3000 --paths 40 --threads 2 "${targets[@]}" \
        --out "$OUT/run-$s" --quiet --report
    run "sensitivity-$s" sensitivity "$OUT/run-$s"
done
run run-baseline-t1 run scenarios/baseline.toml --trials 3000 --paths 40 --threads 1 "${targets[@]}" \
    --out "$OUT/run-baseline-t1" --quiet --report
run compare-files compare scenarios/seed_terms.toml scenarios/oct2025_terms.toml \
    scenarios/azure_constrained.toml --trials 2000 --out "$OUT/compare-files" --quiet
run compare-folders compare "$OUT/run-seed_terms" "$OUT/run-oct2025_terms" --out "$OUT/compare-folders" --quiet
run report-compare report "$OUT/compare-files"
run sweep sweep scenarios/baseline.toml --vary 'terms.revenue_share.rate=0.1,0.2' \
    --vary 'allocation.policy=cheapest_first,pro_rata' --trials 500 --out "$OUT/sweep" --quiet
run sensitivity-metric sensitivity "$OUT/run-baseline" --metric unmet_share --top 5
run rerun run --from-manifest "$OUT/run-early_agi/manifest.json" --out "$OUT/rerun-early_agi" --quiet
run refused-malformed validate tests/malformed/three_mistakes.toml
run report-sweep report "$OUT/sweep"
run report-folders report "$OUT/run-baseline" "$OUT/run-seed_terms" --out "$OUT/report-folders"
run refused-trials-0 run scenarios/baseline.toml --trials 0
find "$OUT" -type f \( -name '*.json' -o -name '*.html' -o -name '*.txt' \) -print0 |
    xargs -0 sed -i -E -e 's#"wall_time_seconds": *[0-9.e+-]+#"wall_time_seconds": W#' \
        -e "s#$OUT#OUT#g" -e 's#[0-9]+\.[0-9]+ s on#T s on#'
echo "$(find "$OUT" -type f | wc -l) files in $OUT"
