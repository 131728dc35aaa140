#!/usr/bin/python3
"""Memory per idle client: opens N client connections, each logged in, having run one query
and then idle, and reports how much the resident set size of tombstone (and of PgBouncer,
for comparison) grew per client.

  N <= 1000  tombstone → PostgreSQL directly (session mode: one backend per client);
             PgBouncer (session mode) → PostgreSQL the same way
  N > 1000   tombstone → PgBouncer in transaction mode (pool of 20) → PostgreSQL: 10 000
             PostgreSQL backends do not fit a small machine, and tombstone in front of
             PgBouncer is a supported set-up (SPEC §7). PgBouncer's own growth per client
             is reported too (its clients are tombstone's server connections).

tombstone holds two descriptors per client: N is lowered to what the open-files limit allows
when its hard limit cannot be raised (the report says so).

Usage: idle_rss.py --out FILE.json [--counts 1000,10000]"""

import argparse
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from benchlib import (PgBouncer, raise_nofile, rss_kb, run_alone, start_postgres,  # noqa
                      start_tombstone, wait_for)
from rawpg import RawConn, query  # noqa: E402  (tests/lib, on the path through benchlib)

DIRECT_MAX = 1000


def open_idle(port, n, database="postgres"):
    conns = []
    for _ in range(n):
        c = RawConn(port, timeout=60)
        c.login(database=database)
        c.send(query("SELECT 1"))
        c.read_until(b"Z")
        conns.append(c)
    return conns


def close_all(conns):
    for c in conns:
        try:
            c.send(b"X\0\0\0\4")
        except OSError:
            pass
        c.close()
    conns.clear()


def backends(pg):
    return int(pg.psql("SELECT count(*) FROM pg_stat_activity WHERE backend_type = "
                       "'client backend'").strip())


def measure(pids, port, n, database="postgres"):
    """RSS of each process in pids ({name: pid}) before and after n idle clients connected
    to port; the first session (which allocates the shared buffers) is opened before the
    'before' reading."""
    warm = open_idle(port, 1, database)
    time.sleep(0.2)
    before = {name: rss_kb(pid) for name, pid in pids.items()}
    t0 = time.monotonic()
    conns = open_idle(port, n, database)
    elapsed = time.monotonic() - t0
    time.sleep(0.5)
    after = {name: rss_kb(pid) for name, pid in pids.items()}
    close_all(conns)
    close_all(warm)
    return {name: {"clients": n, "rss_before_kb": before[name], "rss_after_kb": after[name],
                   "bytes_per_client": round((after[name] - before[name]) * 1024 / n),
                   "connect_seconds": round(elapsed, 1)} for name in pids}


def report(results, proxy, upstream, r):
    results.append(dict(r, proxy=proxy, upstream=upstream))
    print(f"{proxy}, {r['clients']} idle clients (→ {upstream}): RSS {r['rss_before_kb']} kB → "
          f"{r['rss_after_kb']} kB, {r['bytes_per_client']} bytes per client", flush=True)


def run(pg, counts):
    """pg must allow max(counts that are <= 1000) + 50 connections."""
    # tombstone holds two descriptors per client (its client's and its server's); where the
    # hard limit cannot be raised (no CAP_SYS_RESOURCE, e.g. in a container), the largest
    # count that fits is measured instead, and said so
    limit = raise_nofile(2 * max(counts) + 100)
    fits = (limit - 100) // 2
    if fits < max(counts):
        print(f"open-files limit {limit} (hard, cannot be raised here): {fits} clients at most "
              f"instead of {max(counts)}", flush=True)
        counts = sorted({min(n, fits) for n in counts})
    direct = [n for n in counts if n <= DIRECT_MAX]
    px = bouncer = tx_bouncer = None
    results = []
    try:
        px = start_tombstone(pg)
        for n in direct:
            r = measure({"t": px.proc.pid}, px.port, n)["t"]
            report(results, "tombstone", "PostgreSQL", r)
            wait_for(lambda: backends(pg) <= 1, timeout=60, what="backends to exit")
        if direct:
            bouncer = PgBouncer.start(pg, "session", max_client_conn=max(direct) + 100,
                                      pool_size=max(direct) + 10)
            for n in direct:
                r = measure({"b": bouncer.pid}, bouncer.port, n)["b"]
                report(results, "pgbouncer (session)", "PostgreSQL", r)
            bouncer.stop()
            bouncer = None
        for n in [n for n in counts if n > DIRECT_MAX]:
            tx_bouncer = PgBouncer.start(pg, "transaction", max_client_conn=n + 100,
                                         pool_size=20)
            chained = start_tombstone(pg, databases={
                "*": f"host=127.0.0.1 port={tx_bouncer.port}"})
            try:
                r = measure({"t": chained.proc.pid, "b": tx_bouncer.pid}, chained.port, n)
                report(results, "tombstone", "PgBouncer (transaction) → PostgreSQL", r["t"])
                report(results, "pgbouncer (transaction)", "PostgreSQL, pool of 20", r["b"])
            finally:
                chained.stop()
                tx_bouncer.stop()
                tx_bouncer = None
    finally:
        for b in (bouncer, tx_bouncer):
            if b:
                b.stop()
        if px:
            px.stop()
    return {"idle": results, "nofile_limit": limit}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", required=True)
    ap.add_argument("--counts", default="1000,10000")
    a = ap.parse_args()
    counts = [int(x) for x in a.counts.split(",")]
    direct = [n for n in counts if n <= DIRECT_MAX]
    pg = start_postgres(max_connections=max(direct + [100]) + 50, shared_buffers="64MB")
    run_alone(pg, a.out, lambda pg: run(pg, counts))


if __name__ == "__main__":
    main()
