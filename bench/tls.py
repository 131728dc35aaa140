#!/usr/bin/python3
"""pgbench through TLS on both sides: tombstone against PgBouncer with the same TLS settings
(client_tls_sslmode = require with a certificate of the benchmark's own CA, server_tls_sslmode
= require to a PostgreSQL with ssl = on), and both proxies in clear on the same PostgreSQL,
interleaved as bench/tps.py does (targets back to back, rotating order, ratios within a
round, their median).

Usage: tls.py --out FILE.json [--quick] [--seconds S] [--rounds N]
Prints one line per run and the ratios; writes every run to FILE.json."""

import argparse
import os
import shutil
import statistics
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from benchlib import (REPO, TEST_USER, PgBouncer, machine, make_pgbench_dbs,  # noqa: E402
                      run_alone, start_postgres, start_tombstone)
import tps  # noqa: E402

sys.path.insert(0, os.path.join(REPO, "tests", "lib"))
from certs import Certs  # noqa: E402

CONFIGS = [("select", "simple", 1), ("select", "simple", 8), ("select", "prepared", 1),
           ("select", "prepared", 8), ("tpcb", "prepared", 8)]
TLS_ENV = {"PGSSLMODE": "require"}


def tombstone_tls(pg, certs):
    return start_tombstone(pg, extra="log_level = warning\n"
                                     "client_tls_sslmode = require\n"
                                     f"client_tls_cert_file = {certs.path('server.crt')}\n"
                                     f"client_tls_key_file = {certs.path('server.key')}\n"
                                     "server_tls_sslmode = require")


def pgbouncer_tls(pg, certs):
    """PgBouncer with the same settings; it runs as the test user when we are root, so it
    gets copies of the key it can read."""
    work = tempfile.mkdtemp(prefix="tombstone-bench-pgb-tls-")
    os.chmod(work, 0o755)
    uid = None
    if os.geteuid() == 0:
        import pwd
        uid = pwd.getpwnam(TEST_USER).pw_uid
    crt, key = certs.copy_for(["server.crt", "server.key"], work, uid)
    return PgBouncer.start(pg, "session", extra=f"client_tls_sslmode = require\n"
                                                f"client_tls_cert_file = {crt}\n"
                                                f"client_tls_key_file = {key}\n"
                                                "server_tls_sslmode = require\n"), work


def run(pg, certs, quick=False, seconds=3, rounds=3):
    if quick:
        seconds, rounds, configs, scale = 1, 1, CONFIGS[:1], 1
    else:
        configs, scale = CONFIGS, 10
    make_pgbench_dbs(pg, scale)
    px = px_tls = bouncer = bouncer_tls = None
    work = None
    logdir = tempfile.mkdtemp(prefix="tombstone-bench-log-")
    try:
        px, px_tls = start_tombstone(pg), tombstone_tls(pg, certs)
        bouncer = PgBouncer.start(pg, "session")
        bouncer_tls, work = pgbouncer_tls(pg, certs)
        targets = [
            {"name": "tombstone_tls", "port": px_tls.port, "db": "bench", "pid": px_tls.proc.pid,
             "env": TLS_ENV},
            {"name": "pgbouncer_tls", "port": bouncer_tls.port, "db": "bench",
             "pid": bouncer_tls.pid, "env": TLS_ENV},
            {"name": "tombstone", "port": px.port, "db": "bench", "pid": px.proc.pid,
             "env": {"PGSSLMODE": "disable"}},
            {"name": "pgbouncer", "port": bouncer.port, "db": "bench", "pid": bouncer.pid,
             "env": {"PGSSLMODE": "disable"}},
        ]
        runs = []
        for r in range(rounds):
            for i, (script, mode, clients) in enumerate(configs):
                k = (r + i) % len(targets)
                for t in targets[k:] + targets[:k]:
                    one = tps.pgbench(t, script, mode, clients, seconds, logdir)
                    one["round"] = r
                    runs.append(one)
                    cpu = f" proxy {one['proxy_cpu_us']:6.1f} µs/tx" if "proxy_cpu_us" in one else ""
                    print(f"r{r} {script:6} {mode:8} c={clients:<3} {t['name']:14} " +
                          (f"tps {one['tps']:8.0f}{cpu}" if one["ok"] else "FAILED " +
                           one.get("error", "")), flush=True)
    finally:
        shutil.rmtree(logdir, ignore_errors=True)
        for b in (bouncer, bouncer_tls):
            if b:
                b.stop()
        for p in (px, px_tls):
            if p:
                p.stop()
        if work:
            shutil.rmtree(work, ignore_errors=True)
    result = {"machine": machine(), "seconds": seconds, "rounds": rounds, "runs": runs,
              "ratios": ratios(runs, configs)}
    failed = [r for r in runs if not r["ok"]]
    if failed:
        result["error"] = f"{len(failed)} failed runs"
    return result


def ratios(runs, configs):
    """Per configuration, the median over rounds of: tombstone TLS / PgBouncer TLS, each
    proxy's TLS / clear TPS, and the proxies' CPU per transaction with TLS."""
    out = []
    for script, mode, clients in configs:
        by_round = {}
        for r in runs:
            if (r["script"], r["mode"], r["clients"]) == (script, mode, clients) and r["ok"]:
                by_round.setdefault(r["round"], {})[r["target"]] = r
        def median(num, den, key="tps"):
            vals = [rd[num][key] / rd[den][key] for rd in by_round.values()
                    if num in rd and den in rd and rd[den].get(key)]
            return round(statistics.median(vals), 3) if vals else None
        def cpu(target):
            vals = [rd[target]["proxy_cpu_us"] for rd in by_round.values()
                    if target in rd and "proxy_cpu_us" in rd[target]]
            return round(statistics.median(vals), 1) if vals else None
        row = {"script": script, "mode": mode, "clients": clients,
               "tombstone_tls_vs_pgbouncer_tls": median("tombstone_tls", "pgbouncer_tls"),
               "tombstone_tls_vs_clear": median("tombstone_tls", "tombstone"),
               "pgbouncer_tls_vs_clear": median("pgbouncer_tls", "pgbouncer"),
               "tombstone_vs_pgbouncer_clear": median("tombstone", "pgbouncer"),
               "cpu_us_tombstone_tls": cpu("tombstone_tls"),
               "cpu_us_pgbouncer_tls": cpu("pgbouncer_tls")}
        out.append(row)
        print(f"{script:6} {mode:8} c={clients:<3} tombstone TLS / PgBouncer TLS "
              f"{row['tombstone_tls_vs_pgbouncer_tls']}, TLS / clear: tombstone "
              f"{row['tombstone_tls_vs_clear']}, PgBouncer {row['pgbouncer_tls_vs_clear']}; "
              f"CPU µs/tx with TLS: tombstone {row['cpu_us_tombstone_tls']}, PgBouncer "
              f"{row['cpu_us_pgbouncer_tls']}", flush=True)
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", required=True)
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--seconds", type=int, default=3)
    ap.add_argument("--rounds", type=int, default=3)
    a = ap.parse_args()
    certs = Certs.make()
    certs.leaf("pg", cn="pg.test", san="DNS:pg.test,IP:127.0.0.1")
    try:
        pg = start_postgres(max_connections=400, tls=(certs, "pg"))
        run_alone(pg, a.out, lambda pg: run(pg, certs, a.quick, a.seconds, a.rounds))
    finally:
        certs.remove()


if __name__ == "__main__":
    main()
