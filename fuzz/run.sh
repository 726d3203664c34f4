#!/usr/bin/env bash
# Runs every fuzz target for a set time (default 600 s each), seeded with the
# shipped scenarios, the malformed corpus and fuzz/seeds/. The growing corpus
# stays in fuzz/corpus/ (not committed); crashes land in fuzz/artifacts/.
#
#   fuzz/run.sh [SECONDS_PER_TARGET] [TARGET…]
#
# cargo-fuzz needs nightly compiler flags; RUSTC_BOOTSTRAP=1 lets the stable
# toolchain accept them (install once with `cargo install cargo-fuzz`).
set -euo pipefail
cd "$(dirname "$0")"
secs=${1:-600}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(scenario set_override run_folder sensitivity_csv)

mkdir -p corpus/scenario corpus/set_override corpus/run_folder corpus/sensitivity_csv logs
cp ../scenarios/*.toml ../tests/fixtures/*.toml corpus/scenario/
for f in ../tests/malformed/*.toml; do cp "$f" "corpus/scenario/malformed_$(basename "$f")"; done
cp seeds/set_override/* corpus/set_override/

# A real output folder as one input: manifest.json, a NUL byte, trials.csv.
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cargo run -q --release --manifest-path ../Cargo.toml -- run ../tests/fixtures/minimal.toml \
    --trials 50 --out "$tmp/run" --quiet >/dev/null
{ cat "$tmp/run/manifest.json"; printf '\0'; cat "$tmp/run/trials.csv"; } > corpus/run_folder/minimal
cp "$tmp/run/sensitivity.csv" corpus/sensitivity_csv/minimal

for t in "${targets[@]}"; do
    echo "== $t: ${secs}s"
    RUSTC_BOOTSTRAP=1 cargo fuzz run -O "$t" "corpus/$t" -- \
        -max_total_time="$secs" -rss_limit_mb=4096 -timeout=10 2>&1 | tee "logs/$t.log" | grep -E "^#[0-9]+ +DONE|Done [0-9]+ runs|ERROR|SUMMARY" || true
done
