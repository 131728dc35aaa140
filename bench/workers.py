#!/usr/bin/python3
"""pgbench -S through tombstone with workers = 1 and workers = 2, and through PgBouncer
(single-threaded, session mode), at 8, 32 and 128 clients; then an estimate, from the CPU
each measured per transaction, of where one tombstone process saturates a bigger host.

Every target runs against one PostgreSQL 15 on this host, database bench_soft (every pgbench
table has a marker, so tombstone rewrites every SELECT). Each round runs every client count
once, the targets back to back in an order that rotates from round to round; ratios are
taken within a round and summarized by their median over rounds (the machine is shared:
absolute figures are noise, ratios a little less).

CPU per transaction: the proxy's (every worker's, read from /proc/PID/schedstat before and
after), pgbench's own (its rusage), and the whole host's busy time (/proc/stat), from which
PostgreSQL's backends' (the postmaster's reaped children, through tombstone only: PgBouncer
keeps its server connections open).

Usage: workers.py [--seconds S] [--rounds N] [--scale N] [--out FILE.json]"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from benchlib import (PG_BIN, PgBouncer, machine, make_pgbench_dbs, pgbench_env,  # noqa
                      raise_nofile, start_postgres, start_tombstone, wait_for)

CLIENTS = (8, 32, 128)
TARGETS = ("tombstone_w1", "tombstone_w2", "pgbouncer")


def process_tree_cpu_ns(pid):
    """CPU time of a process and its children (tombstone's workers), in ns."""
    total = 0
    with open(f"/proc/{pid}/task/{pid}/children") as f:
        pids = [pid] + [int(p) for p in f.read().split()]
    for p in pids:
        try:
            with open(f"/proc/{p}/schedstat") as f:
                total += int(f.read().split()[0])
        except FileNotFoundError:
            pass
    return total


def backends_cpu_ns(pg):
    """CPU time of the PostgreSQL backends that have ended (the postmaster's reaped
    children), in ns: read after a run whose server connections all closed."""
    with open(f"{pg.datadir}/postmaster.pid") as f:
        pm = int(f.readline())
    with open(f"/proc/{pm}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[13]) + int(fields[14])) * 1_000_000_000 // os.sysconf("SC_CLK_TCK")


def bench_backends(pg):
    return set(pg.psql("select pid from pg_stat_activity where datname = 'bench_soft'").split())


def host_busy_ns():
    """CPU time the whole host spent busy (every state but idle and iowait), in ns."""
    with open("/proc/stat") as f:
        fields = [int(x) for x in f.readline().split()[1:]]
    busy = sum(fields) - fields[3] - fields[4]
    return busy * 1_000_000_000 // os.sysconf("SC_CLK_TCK")


def pgbench(port, clients, seconds):
    """One run: (tps, transactions)."""
    cmd = [f"{PG_BIN}/pgbench", "-S", "-n", "-c", str(clients), "-j", "2", "-T", str(seconds)]
    proc = subprocess.Popen(cmd, env=pgbench_env(port, "bench_soft"), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    out, err = proc.communicate()
    if proc.returncode != 0:
        raise RuntimeError(f"pgbench failed: {err}")
    tps = float(out.split("tps = ")[1].split()[0])
    tx = int(out.split("number of transactions actually processed: ")[1].split()[0])
    return tps, tx


def run_one(pg, target, pid, port, clients, seconds):
    others = bench_backends(pg)  # PgBouncer's, kept open
    before_px, before_host, before_pg = process_tree_cpu_ns(pid), host_busy_ns(), backends_cpu_ns(pg)
    ru_before = os.times()  # pgbench is reaped by then: its CPU is in children_*
    tps, tx = pgbench(port, clients, seconds)
    ru_after = os.times()
    px_ns = process_tree_cpu_ns(pid) - before_px
    if target != "pgbouncer":  # its server connections stay open: their CPU is not reaped
        wait_for(lambda: bench_backends(pg) <= others, what="the backends to end")
        pg_ns = backends_cpu_ns(pg) - before_pg
    host_ns = host_busy_ns() - before_host
    client_ns = int(((ru_after.children_user - ru_before.children_user)
                     + (ru_after.children_system - ru_before.children_system)) * 1e9)
    run = {"target": target, "clients": clients, "tps": tps, "transactions": tx,
           "proxy_us_per_tx": px_ns / tx / 1000, "pgbench_us_per_tx": client_ns / tx / 1000,
           "host_us_per_tx": host_ns / tx / 1000}
    if target != "pgbouncer":
        run["postgres_us_per_tx"] = pg_ns / tx / 1000
    print(f"{target:13} c={clients:3}  tps {tps:9.0f}  proxy {run['proxy_us_per_tx']:6.1f} us/tx"
          f"  pgbench {run['pgbench_us_per_tx']:5.1f}  host {run['host_us_per_tx']:6.1f}"
          f"  postgres {run.get('postgres_us_per_tx', 0):6.1f}",
          flush=True)
    return run


def summarize(runs, rounds):
    """Per client count: median TPS per target and the median within-round ratios."""
    out = {}
    for clients in CLIENTS:
        def of(target, r):
            return next(x for x in runs if x["target"] == target and x["clients"] == clients
                        and x["round"] == r)
        row = {}
        for t in TARGETS:
            row[t] = statistics.median(of(t, r)["tps"] for r in range(rounds))
            row[t + "_proxy_us"] = statistics.median(of(t, r)["proxy_us_per_tx"]
                                                     for r in range(rounds))
        for num, den in (("tombstone_w2", "tombstone_w1"), ("tombstone_w1", "pgbouncer"),
                         ("tombstone_w2", "pgbouncer")):
            row[f"{num}/{den}"] = statistics.median(of(num, r)["tps"] / of(den, r)["tps"]
                                                    for r in range(rounds))
        out[clients] = row
    return out


def estimate(runs):
    """Where one tombstone process (workers = 1) saturates: it handles 1 / (its CPU per
    transaction) transactions a second; the rest of the host (PostgreSQL, the clients) needs
    its own CPU per transaction times that rate, in cores."""
    w1 = [r for r in runs if r["target"] == "tombstone_w1"]
    proxy_us = statistics.median(r["proxy_us_per_tx"] for r in w1)
    pg_us = statistics.median(r["postgres_us_per_tx"] for r in w1)
    ceiling = 1e6 / proxy_us
    return {"proxy_us_per_tx": proxy_us, "postgres_us_per_tx": pg_us,
            "one_process_ceiling_tps": ceiling,
            "postgres_cores_at_that_rate": ceiling * pg_us / 1e6}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=int, default=8)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--scale", type=int, default=10)
    ap.add_argument("--out", default="bench/results/workers.json")
    a = ap.parse_args()
    raise_nofile(4096)
    pg = start_postgres(max_connections=300)
    try:
        make_pgbench_dbs(pg, a.scale)
        targets = {
            "tombstone_w1": start_tombstone(pg, extra="log_level = warning\nworkers = 1"),
            "tombstone_w2": start_tombstone(pg, extra="log_level = warning\nworkers = 2"),
            "pgbouncer": PgBouncer.start(pg, "session"),
        }
        pids = {"pgbouncer": targets["pgbouncer"].pid}
        pids.update({t: targets[t].proc.pid for t in TARGETS if t != "pgbouncer"})
        runs = []
        try:
            for r in range(a.rounds):
                for clients in CLIENTS:
                    order = TARGETS[r % 3:] + TARGETS[:r % 3]
                    for t in order:
                        run = run_one(pg, t, pids[t], targets[t].port, clients, a.seconds)
                        run["round"] = r
                        runs.append(run)
        finally:
            for t in targets.values():
                t.stop()
        result = {"machine": machine(), "seconds": a.seconds, "rounds": a.rounds,
                  "runs": runs, "summary": summarize(runs, a.rounds), "estimate": estimate(runs)}
    finally:
        pg.stop()
    with open(a.out, "w") as f:
        json.dump(result, f, indent=1)
    print(json.dumps({"summary": result["summary"], "estimate": result["estimate"]}, indent=1))


if __name__ == "__main__":
    main()
