#!/usr/bin/python3
"""Runs every part of the benchmark (see bench/run, which builds first and calls this) and
writes the report.

  full run: each part gets a PostgreSQL of its own, sized for it (the pgbench matrix must not
            share the machine's CPUs with 1000 idle backends or a 1 GB result)
  --quick:  one small PostgreSQL for every part, tiny sizes; it checks that the benchmark
            works, not how fast anything is

Usage: suite.py --out DIR --rwbench PATH [--quick] [--baseline-bin PATH] [--command TEXT]"""

import argparse
import json
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import idle_rss  # noqa: E402
import profile_proxy  # noqa: E402
import rw  # noqa: E402
import stream_rss  # noqa: E402
import tps  # noqa: E402
from benchlib import BENCH, start_postgres, tombstone_binary  # noqa: E402


def part(title, out, name, fn):
    print(f"=== {title}", flush=True)
    t0 = time.monotonic()
    result = fn()
    with open(os.path.join(out, name), "w") as f:
        json.dump(result, f, indent=1)
    print(f"    ({time.monotonic() - t0:.0f} s)", flush=True)
    return result.get("error")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", required=True)
    ap.add_argument("--rwbench", required=True)
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--baseline-bin")
    ap.add_argument("--command", default="make bench")
    a = ap.parse_args()
    tombstone = tombstone_binary()
    errors = []
    if a.quick:
        pg = start_postgres(max_connections=200, shared_buffers="64MB")
        try:
            errors.append(part("the rewriter alone (rw.py)", a.out, "rw.json",
                               lambda: rw.run(pg, a.rwbench, tombstone, quick=True)))
            errors.append(part("memory per idle client (idle_rss.py)", a.out, "idle.json",
                               lambda: idle_rss.run(pg, [50])))
            errors.append(part("memory under a slow reader (stream_rss.py)", a.out,
                               "stream.json", lambda: stream_rss.run(pg, 2e7, 40)))
            errors.append(part("where the time goes (profile_proxy.py)", a.out, "profile.json",
                               lambda: profile_proxy.run(pg, quick=True)))
            errors.append(part("pgbench (tps.py)", a.out, "tps.json",
                               lambda: tps.run(pg, quick=True, baseline_bin=a.baseline_bin)))
        finally:
            pg.stop()
    else:
        def fresh(fn, **settings):
            pg = start_postgres(**settings)
            try:
                return fn(pg)
            finally:
                pg.stop()
        errors.append(part("the rewriter alone (rw.py)", a.out, "rw.json",
                           lambda: fresh(lambda pg: rw.run(pg, a.rwbench, tombstone))))
        errors.append(part("memory per idle client (idle_rss.py)", a.out, "idle.json",
                           lambda: fresh(lambda pg: idle_rss.run(pg, [1000, 10000]),
                                         max_connections=1050, shared_buffers="64MB")))
        errors.append(part("memory under a slow reader (stream_rss.py)", a.out, "stream.json",
                           lambda: fresh(lambda pg: stream_rss.run(pg, 1e9, 40))))
        errors.append(part("where the time goes (profile_proxy.py)", a.out, "profile.json",
                           lambda: fresh(lambda pg: profile_proxy.run(pg))))
        errors.append(part("pgbench: direct, PgBouncer, tombstone, tombstone rewriting (tps.py)",
                           a.out, "tps.json",
                           lambda: fresh(lambda pg: tps.run(pg, baseline_bin=a.baseline_bin),
                                         max_connections=400)))
    print("=== report (report.py)", flush=True)
    rc = subprocess.run([sys.executable, os.path.join(BENCH, "report.py"), a.out,
                         "--command", a.command]).returncode
    errors = [e for e in errors if e]
    for e in errors:
        print(f"error: {e}", file=sys.stderr)
    sys.exit(1 if errors or rc else 0)


if __name__ == "__main__":
    main()
