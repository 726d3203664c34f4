#!/usr/bin/env python3
"""Check an output folder's summary.xlsx as a spreadsheet reads it.

Usage:
    python3 tests/xlsx_check.py check FOLDER
    python3 tests/xlsx_check.py strip-charts IN.xlsx OUT.xlsx

`check` opens FOLDER/summary.xlsx with openpyxl and checks, against the
folder's own files (read here with the csv module, independently of
rofrsim):

- the sheets, in order, for the kind of folder (run, compare, sweep);
- every table's header row is frozen;
- every cell round-trips: a CSV number is a numeric cell (not text, not a
  boolean) with the same value, a date a datetime cell on the same day, a
  `true`/`false` a boolean cell, an empty CSV cell an empty cell, text the
  same text; headers are the CSV's names, with ` (unit)` after some;
- the Headline rows are summary.csv's statistics;
- the histogram's counts are those of trials.csv's
  microsoft_value_npv_usd_bn in the bins the workbook gives (recounted
  here), or, without that column, a note on the Charts sheet says why;
- the Charts sheet holds the charts (as the file records them).

`strip-charts` writes a copy of a workbook without its charts: the
negative control of the rendering test, which must fail on it.

Exit status 0 when every check passes, 1 when any fails (each problem on
stderr), 2 on bad usage or when openpyxl is missing.
"""

import csv
import datetime
import json
import math
import os
import re
import sys

try:
    import openpyxl
except ImportError:
    sys.stderr.write(
        "error: the Python module openpyxl is missing (Debian: apt-get install "
        "python3-openpyxl, or: python3 -m pip install openpyxl); .ci/run installs it\n"
    )
    sys.exit(2)

NPV = "microsoft_value_npv_usd_bn"
HEADLINE_METRICS = [
    "p_ip_expiry_by_agi",
    "ip_expiry_year",
    "azure_share_end",
    "unmet_share",
    NPV,
]
DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
UNIT_SUFFIX = re.compile(r" \([^()]*\)$")
MAX_PROBLEMS = 30

problems = []


def problem(msg):
    problems.append(msg)


def read_csv(path):
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    return rows[0], rows[1:]


def header_names(ws):
    """The sheet's header row as CSV names (units stripped)."""
    names = []
    for cell in next(ws.iter_rows(min_row=1, max_row=1)):
        v = cell.value
        names.append(UNIT_SUFFIX.sub("", v) if isinstance(v, str) else v)
    return names


def sheet_rows(ws):
    return [list(r) for r in ws.iter_rows(min_row=2, values_only=True)]


def column_kind(cells):
    """What a CSV column holds, as rofrsim types it: every non-empty cell."""
    filled = [c for c in cells if c != ""]
    if not filled:
        return "empty"
    if all(c in ("true", "false") for c in filled):
        return "bool"
    if all(DATE.match(c) for c in filled):
        return "date"
    try:
        if all(math.isfinite(float(c)) for c in filled):
            return "number"
    except ValueError:
        pass
    return "text"


TEXT_COLUMNS = {"metric", "input", "scenario_a", "scenario_b", "ip_expiry_cause", "run"}


def same_cell(where, csv_cell, kind, value):
    if csv_cell == "":
        if value is not None:
            problem("%s: %r for an empty CSV cell" % (where, value))
        return
    if kind == "number":
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            problem("%s: %r (%s) is not a numeric cell for %s" % (where, value, type(value).__name__, csv_cell))
        elif float(value) != float(csv_cell):
            problem("%s: %r is not %s" % (where, value, csv_cell))
    elif kind == "date":
        if not isinstance(value, datetime.datetime):
            problem("%s: %r is not a date cell for %s" % (where, value, csv_cell))
        elif value.date() != datetime.date.fromisoformat(csv_cell):
            problem("%s: %s is not %s" % (where, value.date(), csv_cell))
    elif kind == "bool":
        if not isinstance(value, bool):
            problem("%s: %r is not a boolean cell for %s" % (where, value, csv_cell))
        elif value != (csv_cell == "true"):
            problem("%s: %r is not %s" % (where, value, csv_cell))
    else:
        if value != csv_cell:
            problem("%s: %r is not %r" % (where, value, csv_cell))


def check_frozen(ws):
    pane = ws.freeze_panes
    if pane is None or not re.match(r"^[A-Z]+2$", pane):
        problem("%s: the header row is not frozen (freeze panes %r)" % (ws.title, pane))


def check_table(ws, csv_path, rows=None, extra=("unit", "run")):
    """Sheet `ws` (or its `rows`) against the CSV file: every CSV column and
    cell; columns only the sheet has (`unit`, `run`) are skipped."""
    header, csv_rows = read_csv(csv_path)
    names = header_names(ws)
    for n in names:
        if n not in header and n not in extra and n is not None:
            problem("%s: column %r is not in %s" % (ws.title, n, csv_path))
    index = {}
    for name in header:
        if name not in names:
            problem("%s: no column %r of %s" % (ws.title, name, csv_path))
            return
        index[name] = names.index(name)
    rows = sheet_rows(ws) if rows is None else rows
    if len(rows) != len(csv_rows):
        problem("%s: %d rows, %s has %d" % (ws.title, len(rows), csv_path, len(csv_rows)))
        return
    kinds = {}
    for j, name in enumerate(header):
        kinds[name] = "text" if name in TEXT_COLUMNS else column_kind([r[j] for r in csv_rows])
    for i, (row, csv_row) in enumerate(zip(rows, csv_rows)):
        for j, name in enumerate(header):
            where = "%s row %d column %s" % (ws.title, i + 2, name)
            same_cell(where, csv_row[j], kinds[name], row[index[name]])
        if len(problems) > MAX_PROBLEMS:
            return


def check_units(ws):
    """A `unit` column, when present, follows `metric`."""
    names = header_names(ws)
    if "metric" in names and "unit" in names:
        if names.index("unit") != names.index("metric") + 1:
            problem("%s: `unit` does not follow `metric`" % ws.title)


def summary_stats(path):
    header, rows = read_csv(path)
    return {r[0]: dict(zip(header, r)) for r in rows}


def check_headline(ws, label_of_rows, summaries):
    """Each Headline row's n, mean, p5, p50, p95 are summary.csv's."""
    names = header_names(ws)
    col = {n: i for i, n in enumerate(names)}
    rows = sheet_rows(ws)
    seen = 0
    for i, row in enumerate(rows):
        key = label_of_rows(row, col)
        stats = summaries.get(key)
        if stats is None:
            problem("Headline row %d: no summary for %r" % (i + 2, key))
            continue
        metric = row[col["metric"]]
        s = stats.get(metric)
        if s is None:
            problem("Headline row %d: %s not in summary.csv" % (i + 2, metric))
            continue
        seen += 1
        columns = ["n", "mean"] if metric.startswith("p_") else ["n", "mean", "p5", "p50", "p95"]
        for c in columns:
            same_cell("Headline row %d column %s" % (i + 2, c), s[c], "number", row[col[c]])
    expected = sum(
        sum(1 for m in HEADLINE_METRICS if m in s and s[m]["n"] not in ("", None)) for s in summaries.values()
    )
    if seen != expected:
        problem("Headline: %d rows, expected %d" % (seen, expected))


def trial_values(folder):
    path = os.path.join(folder, "trials.csv")
    if not os.path.exists(path):
        return None
    with open(path, newline="") as f:
        reader = csv.reader(f)
        header = next(reader)
        if NPV not in header:
            return None
        j = header.index(NPV)
        return [float(r[j]) for r in reader if r[j] != ""]


def check_histogram(wb, runs):
    """runs: [(label, folder)]. The bins' counts recounted from trials.csv."""
    data = wb["Chart data"]
    names = header_names(data)
    rows = [r for r in sheet_rows(data)]
    charts_ws = wb["Charts"]
    notes = [c.value for row in charts_ws.iter_rows() for c in row if isinstance(c.value, str)]
    values = [(label, trial_values(folder)) for label, folder in runs]
    have = [(l, v) for l, v in values if v is not None]
    if len(have) < len(values):
        if not any("histogram" in n and "trials.csv" in n for n in notes):
            problem("Charts: trials.csv or its %s column is missing, and no note says so: %r" % (NPV, notes))
    if not have:
        if "npv_bin_low" in names:
            problem("Chart data: bins without trials.csv")
        return
    lo_i, hi_i = names.index("npv_bin_low"), names.index("npv_bin_high")
    bins = [(r[lo_i], r[hi_i]) for r in rows if isinstance(r[lo_i], (int, float))]
    for k, (label, vals) in enumerate(have):
        col = hi_i + 2 + k
        counts = [r[col] for r in rows[: len(bins)]]
        want = [0] * len(bins)
        for x in vals:
            hits = [i for i, (lo, hi) in enumerate(bins) if lo <= x < hi]
            if len(hits) != 1:
                problem("Chart data: %s=%r falls in %d bins" % (NPV, x, len(hits)))
                continue
            want[hits[0]] += 1
        if counts != want:
            problem("Chart data: counts of %s %r, recounted from trials.csv %r" % (label, counts, want))
    if not 10 <= len(bins) <= 45:
        problem("Chart data: %d bins, expected about 30" % len(bins))


def check_run_folder(wb, folder):
    expect = ["Headline", "Charts", "Summary", "Time series", "Sensitivity", "Chart data"]
    if wb.sheetnames != expect:
        problem("sheets %r, expected %r" % (wb.sheetnames, expect))
        return
    charts = len(wb["Charts"]._charts)
    want = 4 if trial_values(folder) is not None else 3
    if charts != want:
        problem("Charts: %d charts, expected %d" % (charts, want))
    for name, file in [("Summary", "summary.csv"), ("Time series", "timeseries_wide.csv"), ("Sensitivity", "sensitivity.csv")]:
        ws = wb[name]
        check_frozen(ws)
        check_units(ws)
        check_table(ws, os.path.join(folder, file))
    check_frozen(wb["Headline"])
    ts = wb["Time series"]
    if ts.freeze_panes != "B2":
        problem("Time series: month column not frozen (%r)" % ts.freeze_panes)
    first = [r[0] for r in sheet_rows(ts)]
    if not first or not all(isinstance(v, datetime.datetime) for v in first):
        problem("Time series: the first column is not all dates")
    summaries = {"": summary_stats(os.path.join(folder, "summary.csv"))}
    check_headline(wb["Headline"], lambda row, col: "", summaries)
    check_histogram(wb, [("trials", folder)])


def split_by_run(ws):
    names = header_names(ws)
    by = {}
    for row in sheet_rows(ws):
        by.setdefault(row[names.index("run")], []).append(row)
    return by


def check_compare_folder(wb, folder):
    expect = ["Headline", "Charts", "Summary", "Time series", "Sensitivity", "Compare", "Chart data"]
    if wb.sheetnames != expect:
        problem("sheets %r, expected %r" % (wb.sheetnames, expect))
        return
    check_frozen(wb["Compare"])
    check_units(wb["Compare"])
    check_table(wb["Compare"], os.path.join(folder, "compare.csv"))
    runs = {}
    for name in sorted(os.listdir(os.path.join(folder, "runs"))):
        d = os.path.join(folder, "runs", name)
        with open(os.path.join(d, "manifest.json")) as f:
            runs[json.load(f)["label"]] = d
    for sheet, file in [("Summary", "summary.csv"), ("Time series", "timeseries_wide.csv"), ("Sensitivity", "sensitivity.csv")]:
        ws = wb[sheet]
        check_frozen(ws)
        by = split_by_run(ws)
        if sorted(by) != sorted(runs):
            problem("%s: runs %r, folder has %r" % (sheet, sorted(by), sorted(runs)))
            continue
        for label, d in runs.items():
            check_table(ws, os.path.join(d, file), rows=by[label])
    summaries = {label: summary_stats(os.path.join(d, "summary.csv")) for label, d in runs.items()}
    check_headline(wb["Headline"], lambda row, col: row[col["run"]], summaries)
    # The histogram's count columns are named by run, baseline first.
    _, compare_rows = read_csv(os.path.join(folder, "compare.csv"))
    order = []
    for r in compare_rows:
        for n in r[:2]:
            if n not in order:
                order.append(n)
    check_histogram(wb, [(l, runs[l]) for l in order])


def check_sweep_folder(wb, folder):
    expect = ["Headline", "Charts", "Sweep", "Chart data"]
    if wb.sheetnames != expect:
        problem("sheets %r, expected %r" % (wb.sheetnames, expect))
        return
    check_frozen(wb["Sweep"])
    check_frozen(wb["Headline"])
    check_units(wb["Sweep"])
    check_table(wb["Sweep"], os.path.join(folder, "sweep.csv"))
    header, rows = read_csv(os.path.join(folder, "sweep.csv"))
    keys = header[: header.index("metric")]
    summaries = {}
    for r in rows:
        summaries.setdefault(tuple(r[: len(keys)]), {})[r[len(keys)]] = dict(zip(header, r))

    def key(row, col):
        # The combination whose values as sweep.csv writes them are the
        # row's (a number cell for a column of numbers).
        def same(text, v):
            if isinstance(v, (int, float)) and not isinstance(v, bool):
                try:
                    return float(text) == v
                except ValueError:
                    return False
            return text == v

        for combo in summaries:
            if all(same(t, row[col[k]]) for t, k in zip(combo, keys)):
                return combo
        return None

    check_headline(wb["Headline"], key, summaries)
    if len(wb["Charts"]._charts) != 2:
        problem("Charts: %d charts, expected 2" % len(wb["Charts"]._charts))


def check(folder):
    path = os.path.join(folder, "summary.xlsx")
    wb = openpyxl.load_workbook(path)
    manifest = os.path.join(folder, "manifest.json")
    if os.path.exists(manifest):
        with open(manifest) as f:
            kind = json.load(f).get("kind", "run")
    else:
        kind = "compare"
    {"run": check_run_folder, "compare": check_compare_folder, "sweep": check_sweep_folder}[kind](wb, folder)


def strip_charts(src, dst):
    wb = openpyxl.load_workbook(src)
    for ws in wb.worksheets:
        ws._charts = []
    wb.save(dst)


def main(argv):
    if len(argv) == 3 and argv[1] == "check":
        check(argv[2])
    elif len(argv) == 4 and argv[1] == "strip-charts":
        strip_charts(argv[2], argv[3])
        return 0
    else:
        sys.stderr.write(__doc__)
        return 2
    for p in problems[:MAX_PROBLEMS]:
        sys.stderr.write("%s: %s\n" % (argv[2], p))
    if len(problems) > MAX_PROBLEMS:
        sys.stderr.write("... and %d more\n" % (len(problems) - MAX_PROBLEMS))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
