#!/usr/bin/python3
"""The staleness window of several instances: how long after DDL that went through instance A
commits does instance B go on using its old snapshot? Two tombstones (workers = 1,
schema_refresh = 0, so only the catalog epoch of `tombstone install` can tell B) on one
PostgreSQL 15. Each trial: a table without marker that B has read; through A, the marker is
added and a row marked; then a client of B asks, as fast as it can, how many rows it sees,
until the marked row is gone. The window is the time from A's answer to the first answer of
B without the row (a bound from above: B's client adds its own round trips).

Usage: epoch_window.py [--trials N] [--epoch-interval S] [--out FILE.json]"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from benchlib import machine, start_postgres, start_tombstone, tombstone_binary  # noqa

import psycopg  # noqa: E402


def trial(pg, a, b, n):
    table = f"epoch_w{n}"
    pg.psql(f"DROP TABLE IF EXISTS {table}; CREATE TABLE {table} (id int PRIMARY KEY); "
            f"INSERT INTO {table} SELECT generate_series(1, 3)")
    with psycopg.connect(a.dsn(), autocommit=True) as ca, \
            psycopg.connect(b.dsn(), autocommit=True) as cb:
        assert cb.execute(f"SELECT count(*) FROM {table}").fetchone() == (3,)
        ca.execute(f"ALTER TABLE {table} ADD COLUMN deleted_at timestamptz")
        ca.execute(f"DELETE FROM {table} WHERE id = 1")
        committed = time.monotonic()
        reads = 0
        while cb.execute(f"SELECT count(*) FROM {table}").fetchone() != (2,):
            reads += 1
        window = time.monotonic() - committed
    pg.psql(f"DROP TABLE {table}")
    print(f"trial {n}: {window * 1000:.0f} ms ({reads} stale reads)", flush=True)
    return window


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--trials", type=int, default=10)
    ap.add_argument("--epoch-interval", type=float, default=1.0)
    ap.add_argument("--out", default="bench/results/epoch_window.json")
    a = ap.parse_args()
    pg = start_postgres()
    extra = (f"log_level = warning\nworkers = 1\n[softdelete]\nschema_refresh = 0\n"
             f"epoch_interval = {a.epoch_interval}")
    try:
        pa, pb = start_tombstone(pg, extra=extra), start_tombstone(pg, extra=extra)
        subprocess.run([tombstone_binary(), "install", "-c", pa.config_path, "-d", "postgres",
                        "-U", "postgres"], check=True, capture_output=True)
        try:
            windows = [trial(pg, pa, pb, n) for n in range(a.trials)]
        finally:
            pa.stop()
            pb.stop()
    finally:
        pg.stop()
    result = {"machine": machine(), "epoch_interval": a.epoch_interval, "windows_s": windows,
              "min_s": min(windows), "median_s": statistics.median(windows),
              "max_s": max(windows)}
    with open(a.out, "w") as f:
        json.dump(result, f, indent=1)
    print(f"window: min {result['min_s'] * 1000:.0f} ms, median {result['median_s'] * 1000:.0f}"
          f" ms, max {result['max_s'] * 1000:.0f} ms (epoch_interval {a.epoch_interval} s)")


if __name__ == "__main__":
    main()
