#!/usr/bin/env bash
# Renders the HTML reports in a real browser (headless Chromium) and checks
# that each page is not blank and logs no console error.
#
#   1. the report of scenarios/baseline.toml with two targets (`run
#      --report`);
#   2. the comparison of seed_terms vs baseline (`compare`, then `report`);
#   3. a what-if comparison (`compare scenarios/baseline.toml --what-if
#      'cap2x: terms.revenue_share.cap_usd_bn*=2'`, then `report`);
#   4. a sweep of two keys with a target (`sweep`, then `report`).
#
# For each: every chart written is in the rendered page, a full-window
# screenshot (kept in $REPORT_SHOTS, default
# /tmp/rofrsim-report-shots), a pixel check of the PNG (Python stdlib only:
# zlib + the PNG filters; enough distinct colours and non-white pixels), the
# browser's console log (no console message at all: no "Uncaught", no
# console error, no fetch blocked by the page's Content-Security-Policy)
# and every chart SVG parsed as XML.
#
# It needs Chromium and python3. With CI=true (as `.ci/run` runs it, after
# installing Debian's `chromium` and `python3`) a missing one is a failure.
# Without CI=true it prints "SKIPPED: nothing was checked" and exits 0, for
# a run by hand on a machine without a browser.
# Usage: tests/report_browser.sh [ROFRSIM_BINARY]
set -euo pipefail
cd "$(dirname "$0")/.."

browser=""
for b in chromium chromium-browser google-chrome google-chrome-stable; do
    if command -v "$b" >/dev/null 2>&1; then
        browser=$(command -v "$b")
        break
    fi
done
# A missing prerequisite: a failure under CI, a loud skip otherwise.
missing() {
    if [[ "${CI:-}" == true ]]; then
        echo "report_browser: FAILED: $1 (CI=true: the browser check may not be skipped; .ci/run installs it as root)" >&2
        exit 1
    fi
    echo "report_browser: SKIPPED: $1; nothing was checked"
    exit 0
}
if [[ -z "$browser" ]]; then
    missing "no Chromium found (chromium, chromium-browser, google-chrome)"
fi
if ! python3 --version >/dev/null 2>&1; then
    missing "python3 not found (it reads the PNG and parses the SVG files)"
fi

# The binary: as given, else the one `cargo test` just built (CI runs this
# script right after it), else a fresh release build.
target=${CARGO_TARGET_DIR:-target}
bin=${1:-}
for candidate in "$bin" "$target/release/rofrsim" "$target/debug/rofrsim"; do
    if [[ -n "$candidate" && -x "$candidate" ]]; then
        bin=$candidate
        break
    fi
done
if [[ -z "$bin" || ! -x "$bin" ]]; then
    cargo build --release --quiet
    bin=$target/release/rofrsim
fi
shots=${REPORT_SHOTS:-/tmp/rofrsim-report-shots}
mkdir -p "$shots"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

echo "browser: $("$browser" --version 2>/dev/null || echo "$browser")"

"$bin" run scenarios/baseline.toml --trials 4000 --out "$work/base" --force --quiet --report \
    --target 'unmet_share<=0.1' --target 'microsoft_value_npv_usd_bn>=100' >/dev/null
"$bin" compare scenarios/seed_terms.toml scenarios/baseline.toml --trials 2000 \
    --out "$work/cmp" --force --quiet >/dev/null
"$bin" report "$work/cmp" >/dev/null
"$bin" compare scenarios/baseline.toml --what-if 'cap2x: terms.revenue_share.cap_usd_bn*=2' \
    --trials 2000 --out "$work/whatif" --force --quiet >/dev/null
"$bin" report "$work/whatif" >/dev/null
"$bin" sweep scenarios/baseline.toml --vary 'terms.revenue_share.rate=0.1,0.2,0.3' \
    --vary 'allocation.policy=cheapest_first,pro_rata' --target 'unmet_share<=0.3' \
    --trials 1000 --out "$work/sweep" --force --quiet >/dev/null
"$bin" report "$work/sweep" >/dev/null

failed=0

# Every chart parses as XML.
if ! python3 - "$work" <<'PY'
import sys, pathlib, xml.etree.ElementTree as ET
bad = 0
n = 0
for p in sorted(pathlib.Path(sys.argv[1]).rglob("*.svg")):
    n += 1
    try:
        root = ET.parse(p).getroot()
        if not root.tag.endswith("svg"):
            raise ValueError(f"root element is {root.tag}")
    except Exception as e:  # noqa: BLE001 - report every failure
        print(f"FAIL: {p}: not valid SVG/XML: {e}")
        bad += 1
print(f"{n} SVG files parsed as XML, {bad} failed")
sys.exit(1 if bad or n == 0 else 0)
PY
then
    failed=1
fi

check_page() {
    local name=$1 html=$2
    local png="$shots/report_$name.png"
    local log="$shots/report_$name.console.log"
    local profile
    profile=$(mktemp -d)
    local flags=(--headless --no-sandbox --disable-gpu --disable-quic --no-first-run
        --disable-background-networking --disable-component-update --disable-sync
        --hide-scrollbars --user-data-dir="$profile")
    rm -f "$png"
    timeout 120 "$browser" "${flags[@]}" --window-size=1400,5000 \
        --screenshot="$png" "file://$html" >/dev/null 2>&1 || true
    # A second load with logging on: console messages go to stderr as
    # "INFO:CONSOLE…" / "ERROR:CONSOLE…" lines. The report has no script, so
    # any console line at all (an uncaught error, a blocked fetch reported
    # by the Content-Security-Policy) is a failure.
    timeout 120 "$browser" "${flags[@]}" --enable-logging=stderr --v=0 \
        --dump-dom "file://$html" >"$work/$name.dom" 2>"$log" || true
    rm -rf "$profile"

    if [[ ! -s "$png" ]]; then
        echo "FAIL [$name]: no screenshot written"
        failed=1
        return
    fi
    if grep -E "Uncaught|:CONSOLE|Refused to|violates the following Content Security Policy" "$log" >/dev/null; then
        echo "FAIL [$name]: console errors:"
        grep -E "Uncaught|:CONSOLE|Refused to|violates the following Content Security Policy" "$log" | head -20
        failed=1
    fi
    # Every chart the report wrote is on the page.
    local files inline
    files=$(find "$(dirname "$html")/charts" -name '*.svg' | wc -l)
    inline=$(grep -o "<svg " "$work/$name.dom" | wc -l)
    if [[ "$inline" -eq 0 || "$inline" -ne "$files" ]]; then
        echo "FAIL [$name]: the rendered page holds $inline charts; the report wrote $files"
        failed=1
    fi
    if ! python3 - "$png" "$name" <<'PY'
import struct, sys, zlib

path, name = sys.argv[1], sys.argv[2]
data = open(path, "rb").read()
if data[:8] != b"\x89PNG\r\n\x1a\n":
    sys.exit(f"FAIL [{name}]: not a PNG")
pos, idat, width = 8, b"", 0
while pos < len(data):
    length, kind = struct.unpack(">I4s", data[pos:pos + 8])
    body = data[pos + 8:pos + 8 + length]
    if kind == b"IHDR":
        width, height, depth, ctype = struct.unpack(">IIBB", body[:10])
        if depth != 8 or ctype not in (2, 6):
            sys.exit(f"FAIL [{name}]: unexpected PNG format depth={depth} type={ctype}")
        bpp = 3 if ctype == 2 else 4
    elif kind == b"IDAT":
        idat += body
    pos += 12 + length
raw = zlib.decompress(idat)
stride = width * bpp
prev = bytearray(stride)
colours, ink, total, i = set(), 0, 0, 0
for _ in range(height):
    f = raw[i]
    line = bytearray(raw[i + 1:i + 1 + stride])
    i += 1 + stride
    if f == 2:  # Up: the common case, done without a Python loop per byte
        line = bytearray((x + y) & 255 for x, y in zip(line, prev))
    elif f != 0:
        for x in range(stride):
            a = line[x - bpp] if x >= bpp else 0
            b = prev[x]
            c = prev[x - bpp] if x >= bpp else 0
            if f == 1:
                line[x] = (line[x] + a) & 255
            elif f == 3:
                line[x] = (line[x] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                pr = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
                line[x] = (line[x] + pr) & 255
    prev = line
    for x in range(0, stride, bpp * 4):  # every 4th pixel is plenty
        px = bytes(line[x:x + 3])
        colours.add(px)
        total += 1
        if px != b"\xff\xff\xff" and px != b"\xf4\xf4\xf2":
            ink += 1
share = ink / max(total, 1)
print(f"[{name}] {width}x{height}, {len(colours)} distinct colours, {share:.1%} of pixels not background")
if len(colours) < 50 or share < 0.05:
    sys.exit(f"FAIL [{name}]: the screenshot looks blank")
PY
    then
        failed=1
    fi
    echo "[$name] screenshot: $png  console log: $log"
}

check_page baseline "$work/base/report.html"
check_page compare "$work/cmp/report.html"
check_page whatif "$work/whatif/report.html"
check_page sweep "$work/sweep/report.html"

if [[ $failed -ne 0 ]]; then
    echo "report_browser: FAILED"
    exit 1
fi
echo "report_browser: ok"
