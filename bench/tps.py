#!/usr/bin/python3
"""pgbench through every target, interleaved: TPS, latency (average, p99) and the proxy's CPU
time per transaction.

Targets (all against one PostgreSQL 15 on this host, over TCP on 127.0.0.1):
  direct        PostgreSQL itself, database bench
  pgbouncer     Debian's PgBouncer, session mode, database bench
  tombstone     tombstone, database bench: no soft-delete table (every statement is still
                parsed or looked up in the rewrite cache, and forwarded unchanged)
  tombstone_rw  tombstone, database bench_soft: every pgbench table has `deleted_at
                timestamptz`, so every SELECT and UPDATE is rewritten
  direct_rw     PostgreSQL itself, database bench_soft, running the statements exactly as
                tombstone rewrites them (bench/pgbench/*_rw.sql): what the added predicates
                cost the server, apart from what the proxy costs
  tombstone_base, tombstone_base_rw   the same with another binary (--baseline-bin), for
                before/after comparisons in one run

Matrix: pgbench -S (select-only) and the default TPC-B-like script, -M simple, extended and
prepared, 1, 8, 32 and 128 clients. Each round runs every configuration once; within a
configuration the targets run back to back in an order that rotates from round to round,
so machine noise hits all of them alike. Ratios are taken within a round (same
configuration, runs seconds apart) and summarized over rounds by their median.

Usage: tps.py --out FILE.json [--quick] [--seconds S] [--rounds N] [--key-rounds N]
              [--baseline-bin PATH] [--scale N] [--only TARGETS] [--configs LIST]
Prints one line per run; writes every run and the rewriting check to FILE.json."""

import argparse
import glob
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from benchlib import (PG_BIN, PgBouncer, cpu_ns, cpu_user_sys, machine, make_pgbench_dbs,  # noqa
                      pgbench_env, run_alone, start_postgres, start_tombstone)

SCRIPTS = ("select", "tpcb")
PGBENCH_SCRIPTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "pgbench")
MODES = ("simple", "extended", "prepared")
CLIENTS = (1, 8, 32, 128)
# The configurations the project's targets are about: more rounds for them.
KEY = [("select", m, c) for m in MODES for c in (1, 8)]


def percentile(sorted_values, p):
    if not sorted_values:
        return None
    k = min(len(sorted_values) - 1, max(0, int(round(p / 100 * len(sorted_values) + 0.5)) - 1))
    return sorted_values[k]


def read_latencies(prefix):
    """Transaction latencies (µs) from pgbench's per-transaction logs (-l)."""
    lat = []
    for path in glob.glob(prefix + "*"):
        with open(path) as f:
            for line in f:
                parts = line.split()
                if len(parts) >= 3 and parts[2].isdigit():
                    lat.append(int(parts[2]))
        os.unlink(path)
    lat.sort()
    return lat


def pgbench(target, script, mode, clients, seconds, logdir):
    """One pgbench run; returns its figures (and the proxy's CPU per transaction)."""
    prefix = os.path.join(logdir, "tx")
    args = [f"{PG_BIN}/pgbench", "-M", mode, "-c", str(clients), "-j", str(min(clients, 2)),
            "-T", str(seconds), "-l", f"--log-prefix={prefix}"]
    # select-only runs skip pgbench's initial VACUUM; TPC-B runs keep it (it vacuums the
    # branches and tellers and truncates the history, so every run starts alike)
    if target.get("scripts"):  # the statements as tombstone rewrites them, sent directly
        # a custom script gets :scale from -s (the built-in ones count pgbench_branches)
        args += ["-f", target["scripts"][script], "-s", str(target["scale"])]
        args += ["-n"] if script == "select" else []
    else:
        args += ["-S", "-n"] if script == "select" else []
    pid = target.get("pid")
    before = (cpu_ns(pid), cpu_user_sys(pid)) if pid else None
    t0 = time.monotonic()
    env = dict(pgbench_env(target["port"], target["db"]), **target.get("env", {}))
    p = subprocess.run(args, env=env,
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    wall = time.monotonic() - t0
    after = (cpu_ns(pid), cpu_user_sys(pid)) if pid else None
    lat = read_latencies(prefix)
    out = p.stdout
    run = {"target": target["name"], "script": script, "mode": mode, "clients": clients,
           "seconds": seconds, "wall": round(wall, 2), "ok": p.returncode == 0,
           "loadavg": round(os.getloadavg()[0], 2)}
    m = re.search(r"tps = ([0-9.]+) \(without initial connection time\)", out)
    n = re.search(r"number of transactions actually processed: (\d+)", out)
    failed = re.search(r"number of failed transactions: (\d+)", out)
    avg = re.search(r"latency average = ([0-9.]+) ms", out)
    if not (m and n and avg) or p.returncode != 0:
        run["ok"] = False
        run["error"] = out[-2000:]
        return run
    txns = int(n.group(1))
    run.update(tps=float(m.group(1)), txns=txns, failed=int(failed.group(1)) if failed else 0,
               lat_avg_ms=float(avg.group(1)),
               lat_p99_ms=percentile(lat, 99) / 1000 if lat else None,
               lat_p50_ms=percentile(lat, 50) / 1000 if lat else None)
    if pid and txns:
        run["proxy_cpu_us"] = (after[0] - before[0]) / 1000 / txns
        run["proxy_user_us"] = (after[1][0] - before[1][0]) * 1e6 / txns
        run["proxy_sys_us"] = (after[1][1] - before[1][1]) * 1e6 / txns
    return run


def check_rewriting(pg, px):
    """Proves the proxy really rewrites bench_soft's statements: EXPLAIN through the proxy,
    and the statements PostgreSQL received (log_statement = all, for this check only) from
    pgbench in every mode and script."""
    def psql_via(port, db, sql):
        return subprocess.run([f"{PG_BIN}/psql", "-X", "-At", "-h", "127.0.0.1", "-p", str(port),
                               "-U", "postgres", "-d", db, "-c", sql], check=True,
                              stdout=subprocess.PIPE, text=True).stdout
    explain = "EXPLAIN SELECT abalance FROM pgbench_accounts WHERE aid = 1"
    result = {"explain_rw": psql_via(px.port, "bench_soft", explain).strip().split("\n"),
              "explain_plain": psql_via(px.port, "bench", explain).strip().split("\n")}
    pg.psql("ALTER DATABASE bench_soft SET log_statement = 'all'")
    with open(pg.logfile, errors="replace") as f:
        f.seek(0, 2)
        start = f.tell()
    try:
        for script in SCRIPTS:
            for mode in MODES:
                args = [f"{PG_BIN}/pgbench", "-n", "-M", mode, "-c", "1", "-t", "3"]
                args += ["-S"] if script == "select" else []
                subprocess.run(args, env=pgbench_env(px.port, "bench_soft"), check=True,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    finally:
        pg.psql("ALTER DATABASE bench_soft RESET log_statement")
    with open(pg.logfile, errors="replace") as f:
        f.seek(start)
        log = f.read()
    stmts = re.findall(r"LOG:  (?:statement|execute [^:]*): (.*)", log)
    relevant = [s for s in stmts
                if re.match(r"\s*(SELECT\b.*\bFROM\s+pgbench_|UPDATE\s+pgbench_)", s, re.I)]
    rewritten = [s for s in relevant if "deleted_at IS NULL" in s]
    result.update(statements_logged=len(stmts), select_update=len(relevant),
                  with_predicate=len(rewritten),
                  examples=sorted(set(re.sub(r"\d+", "N", s) for s in rewritten))[:6])
    # the direct_rw scripts must send what tombstone sends (else they measure something else)
    def norm(text):
        return re.sub(r"(:\w+|\$\d+|-?\d+)", "N", text.strip().rstrip(";"))
    scripted = set()
    for name in ("select_rw.sql", "tpcb_rw.sql"):
        with open(os.path.join(PGBENCH_SCRIPTS, name)) as f:
            scripted |= {norm(ln) for ln in f if re.match(r"(SELECT|UPDATE)\b", ln)}
    sent = {norm(s) for s in rewritten if re.match(r"\s*(SELECT abalance|UPDATE pgbench_)", s)}
    result["direct_rw_scripts_match"] = sent <= scripted
    result["direct_rw_missing"] = sorted(sent - scripted)
    result["ok"] = (bool(relevant) and len(rewritten) == len(relevant) and
                    result["direct_rw_scripts_match"] and
                    "deleted_at IS NULL" in " ".join(result["explain_rw"]) and
                    "deleted_at" not in " ".join(result["explain_plain"]))
    return result


def run(pg, quick=False, seconds=3, rounds=2, key_rounds=1, scale=10, baseline_bin=None,
        only=None, configs=None):
    """The matrix on PostgreSQL pg (the pgbench databases are made if missing)."""
    if quick:
        seconds, rounds, key_rounds, scale = 1, 1, 0, 1
        configs = [("select", "simple", 1), ("tpcb", "prepared", 8)]
    elif not configs:
        configs = [(s, m, c) for s in SCRIPTS for m in MODES for c in CLIENTS]
    px = base = bouncer = None
    logdir = tempfile.mkdtemp(prefix="tombstone-bench-log-")
    try:
        make_pgbench_dbs(pg, scale)
        px = start_tombstone(pg)
        bouncer = PgBouncer.start(pg, "session")
        targets = [
            {"name": "direct", "port": pg.port, "db": "bench"},
            {"name": "pgbouncer", "port": bouncer.port, "db": "bench", "pid": bouncer.pid},
            {"name": "tombstone", "port": px.port, "db": "bench", "pid": px.proc.pid},
            {"name": "tombstone_rw", "port": px.port, "db": "bench_soft", "pid": px.proc.pid},
            {"name": "direct_rw", "port": pg.port, "db": "bench_soft", "scale": scale,
             "scripts": {"select": os.path.join(PGBENCH_SCRIPTS, "select_rw.sql"),
                         "tpcb": os.path.join(PGBENCH_SCRIPTS, "tpcb_rw.sql")}},
        ]
        if baseline_bin:
            base = start_tombstone(pg, binary=baseline_bin)
            targets += [
                {"name": "tombstone_base", "port": base.port, "db": "bench", "pid": base.proc.pid},
                {"name": "tombstone_base_rw", "port": base.port, "db": "bench_soft",
                 "pid": base.proc.pid},
            ]
        if only:
            targets = [t for t in targets if t["name"] in only.split(",")]
        check = check_rewriting(pg, px)
        print(f"rewriting check: {check['with_predicate']}/{check['select_update']} SELECT/UPDATE "
              f"statements carried the predicate; EXPLAIN: {check['explain_rw'][-1].strip()}",
              flush=True)
        schedule = []
        for r in range(rounds + key_rounds):
            for i, cfg in enumerate(configs):
                if r >= rounds and cfg not in KEY:
                    continue
                k = (r + i) % len(targets)
                schedule += [(r, cfg, t) for t in targets[k:] + targets[:k]]
        est = len(schedule) * (seconds + 0.7)
        print(f"{len(schedule)} pgbench runs of {seconds} s, about {est / 60:.0f} min",
              flush=True)
        runs = []
        for r, (script, mode, clients), t in schedule:
            one = pgbench(t, script, mode, clients, seconds, logdir)
            one["round"] = r
            runs.append(one)
            if one["ok"]:
                cpu = f" proxy {one['proxy_cpu_us']:6.1f} µs/tx" if "proxy_cpu_us" in one else ""
                print(f"r{r} {script:6} {mode:8} c={clients:<3} {t['name']:17} "
                      f"tps {one['tps']:8.0f}  avg {one['lat_avg_ms']:6.3f} ms  "
                      f"p99 {one['lat_p99_ms']:6.3f} ms{cpu}", flush=True)
            else:
                print(f"r{r} {script} {mode} c={clients} {t['name']}: FAILED\n{one['error']}",
                      flush=True)
    finally:
        shutil.rmtree(logdir, ignore_errors=True)
        if bouncer:
            bouncer.stop()
        for p in (px, base):
            if p:
                p.stop()
    result = {"machine": machine(), "seconds": seconds, "rounds": rounds,
              "key_rounds": key_rounds, "scale": scale, "quick": quick,
              "targets": [t["name"] for t in targets], "rewrite_check": check, "runs": runs}
    failed = [r for r in runs if not r["ok"]]
    if failed or not check["ok"]:
        result["error"] = f"{len(failed)} failed runs; rewriting check ok: {check['ok']}"
    return result


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", required=True)
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--seconds", type=int, default=3)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--key-rounds", type=int, default=1,
                    help="extra rounds of the target configurations (-S, 1 and 8 clients)")
    ap.add_argument("--scale", type=int, default=10)
    ap.add_argument("--baseline-bin")
    ap.add_argument("--only", help="comma-separated targets to run (default: all)")
    ap.add_argument("--configs", help="comma-separated SCRIPT:MODE:CLIENTS (default: the whole "
                    "matrix; 'key': -S at 1 and 8 clients in every mode)")
    a = ap.parse_args()
    configs = None
    if a.configs == "key":
        configs = KEY
    elif a.configs:
        configs = [(c.split(":")[0], c.split(":")[1], int(c.split(":")[2]))
                   for c in a.configs.split(",")]
    pg = start_postgres(max_connections=400)
    run_alone(pg, a.out, lambda pg: run(pg, a.quick, a.seconds, a.rounds, a.key_rounds,
                                        a.scale, a.baseline_bin, a.only, configs))


if __name__ == "__main__":
    main()
