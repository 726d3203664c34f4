#!/usr/bin/env python3
"""Check every *.csv in a folder the way a spreadsheet would read it.

Usage: python3 tests/csv_check.py FOLDER

Each file is opened with csv.reader and the default dialect (comma,
double-quote quoting: RFC 4180, as spreadsheets import it). Checks:

- the file is UTF-8 without a byte-order mark and is not empty;
- a header row is present: non-empty, unique column names that are not
  numbers or dates;
- every row has as many cells as the header;
- no cell has leading or trailing whitespace;
- date cells (columns whose non-empty cells look like dates, or the known
  date columns) are YYYY-MM-DD and real calendar dates;
- numeric cells parse as floats written with a '.' decimal point (no ','
  decimal, no thousands separators, no '_' digit groups);
- no cell is NaN, inf, infinity (any case or sign) or a negative zero.

Text columns are the ones named in TEXT_COLUMNS; every other column must be
numeric or dates, empty cells allowed (missing values).

Exit status 0 when every file passes, 1 when any check fails (each problem
printed on stderr as FILE:ROW:COLUMN: message), 2 on bad usage.
"""

import csv
import datetime
import math
import os
import re
import sys

# Columns that hold words rather than numbers or dates.
TEXT_COLUMNS = {"metric", "ip_expiry_cause", "input", "scenario_a", "scenario_b", "paired", "significant"}
# Columns that hold dates, by file ("*": any file); trials.csv's event
# dates are empty when the event is outside the horizon. (paths.csv reuses
# the name agi_verified for a 0/1 flag, hence per file.)
DATE_COLUMNS = {
    "*": {"month"},
    "trials.csv": {"agi_declared", "agi_verified", "ip_expiry"},
}

NUMBER = re.compile(r"^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?$")
DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
DATE_LIKE = re.compile(r"^[0-9]{1,4}[-/][0-9]{1,2}([-/][0-9]{1,4})?$")
NON_FINITE = re.compile(r"^[-+]?(nan|inf|infinity)$", re.IGNORECASE)
MAX_PROBLEMS_PER_FILE = 20


def is_date(cell):
    if not DATE.match(cell):
        return False
    try:
        datetime.date.fromisoformat(cell)
    except ValueError:
        return False
    return True


def check_number(cell):
    """None when the cell is a well-formed finite number, else a message."""
    if NON_FINITE.match(cell):
        return "non-finite value %r" % cell
    if "," in cell:
        return "%r uses ',' (decimal comma or thousands separator)" % cell
    if not NUMBER.match(cell):
        return "%r is not a number with a '.' decimal point" % cell
    try:
        x = float(cell)
    except ValueError:
        return "%r does not parse as a float" % cell
    if not math.isfinite(x):
        return "%r is not finite" % cell
    if x == 0.0 and cell.startswith("-"):
        return "negative zero %r" % cell
    return None


def check_file(path):
    problems = []
    name = os.path.basename(path)

    def problem(row, col, msg):
        if len(problems) < MAX_PROBLEMS_PER_FILE:
            problems.append("%s:%s:%s: %s" % (name, row, col, msg))

    with open(path, "rb") as f:
        raw = f.read()
    if raw.startswith(b"\xef\xbb\xbf"):
        problem(1, "-", "starts with a UTF-8 byte-order mark")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        problem("-", "-", "not UTF-8: %s" % e)
        return problems, 0
    if not text.strip():
        problem("-", "-", "the file is empty (no header row)")
        return problems, 0

    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    header = rows[0]
    width = len(header)
    if width == 0 or any(h.strip() == "" for h in header):
        problem(1, "-", "header has an empty column name: %r" % header)
    if len(set(header)) != width:
        dups = sorted({h for h in header if header.count(h) > 1})
        problem(1, "-", "duplicate column names: %s" % ", ".join(dups))
    for j, h in enumerate(header):
        if NUMBER.match(h) or is_date(h):
            problem(1, j + 1, "header cell %r looks like data: no header row?" % h)
        if h != h.strip():
            problem(1, j + 1, "header cell %r has surrounding whitespace" % h)

    body = rows[1:]
    # A column is a date column when it is known as one, or when every
    # non-empty cell looks like a date (so a malformed date is caught below).
    known_dates = DATE_COLUMNS["*"] | DATE_COLUMNS.get(name, set())
    date_cols = set()
    for j, h in enumerate(header):
        cells = [r[j] for r in body if j < len(r) and r[j] != ""]
        if h in known_dates or (cells and all(DATE_LIKE.match(c) for c in cells)):
            date_cols.add(j)

    for i, row in enumerate(body, start=2):
        if len(row) != width:
            problem(i, "-", "%d cells, header has %d" % (len(row), width))
            continue
        for j, cell in enumerate(row):
            col = "%d(%s)" % (j + 1, header[j])
            if cell != cell.strip():
                problem(i, col, "cell %r has surrounding whitespace" % cell)
                continue
            if cell == "":
                continue
            if NON_FINITE.match(cell):
                problem(i, col, "non-finite value %r" % cell)
                continue
            if header[j] in TEXT_COLUMNS:
                continue
            if j in date_cols:
                if not is_date(cell):
                    problem(i, col, "%r is not a YYYY-MM-DD date" % cell)
                continue
            msg = check_number(cell)
            if msg:
                problem(i, col, msg)
    return problems, len(body)


def main(argv):
    if len(argv) != 2 or not os.path.isdir(argv[1]):
        print("usage: csv_check.py FOLDER", file=sys.stderr)
        return 2
    folder = argv[1]
    files = sorted(f for f in os.listdir(folder) if f.endswith(".csv"))
    if not files:
        print("%s: no *.csv files" % folder, file=sys.stderr)
        return 1
    failed = False
    for name in files:
        problems, n = check_file(os.path.join(folder, name))
        if problems:
            failed = True
            for p in problems:
                print(p, file=sys.stderr)
        else:
            print("ok  %s (%d rows)" % (name, n))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
