"""Reads a run's trials.parquet with pyarrow and checks it against the same
run's trials.csv (tests/trials_parquet.rs runs it): the same columns in the
same order; the trial index an unsigned integer, the dates dates, the IP
expiry cause a dictionary of strings, every other column a double; and
every value equal to the CSV's cell (an empty cell a null, a number the
same double, a date the first day of its month).

Usage: python3 parquet_check.py TRIALS_PARQUET TRIALS_CSV
Prints "ok: N rows, C columns" and exits 0, or names the first difference
and exits 1.
"""

import csv
import datetime
import sys

import pyarrow as pa
import pyarrow.parquet as pq

DATES = {"agi_declared", "agi_verified", "ip_expiry"}
CAUSE = "ip_expiry_cause"


def fail(message):
    print(message)
    sys.exit(1)


def expected_type(name):
    if name == "trial":
        return pa.uint64()
    if name in DATES:
        return pa.date32()
    if name == CAUSE:
        return pa.dictionary(pa.uint8(), pa.string())
    return pa.float64()


def main(parquet_path, csv_path):
    table = pq.read_table(parquet_path)
    with open(csv_path, newline="") as f:
        rows = list(csv.reader(f))
    header, rows = rows[0], rows[1:]
    if table.column_names != header:
        fail(f"columns differ: parquet {table.column_names[:5]}..., csv {header[:5]}...")
    if table.num_rows != len(rows):
        fail(f"parquet has {table.num_rows} rows, csv {len(rows)}")
    for k, name in enumerate(header):
        field = table.schema.field(name)
        if field.type != expected_type(name):
            fail(f"column {name} is {field.type}, expected {expected_type(name)}")
        values = table.column(name).to_pylist()
        for i, (value, row) in enumerate(zip(values, rows)):
            cell = row[k]
            if cell == "":
                ok = value is None
            elif name == "trial":
                ok = value == int(cell)
            elif name in DATES:
                ok = value == datetime.date.fromisoformat(cell)
            elif name == CAUSE:
                ok = value == cell
            else:
                # The CSV holds the shortest text that reads back as the
                # double: equal, not close.
                ok = value == float(cell)
            if not ok:
                fail(f"row {i + 1}, column {name}: parquet {value!r}, csv {cell!r}")
    print(f"ok: {table.num_rows} rows, {table.num_columns} columns")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        fail("usage: parquet_check.py TRIALS_PARQUET TRIALS_CSV")
    main(sys.argv[1], sys.argv[2])
