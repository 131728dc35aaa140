#!/usr/bin/python3
"""Foreign keys with rewriting, two designs side by side (README "Foreign keys: why triggers").

  bench/fk.py --base OLD_BINARY [--new NEW_BINARY] [--rounds N] [--seconds S] [--out FILE]

TPC-B: database bench_soft (every pgbench table has `deleted_at`) plus pgbench's own foreign
keys (those of `pgbench -i --foreign-keys`: tellers, accounts and history reference branches,
history references tellers and accounts), in two copies, each set up by one binary's
`tombstone install` (--base: before issue 11, checks inlined into the statements with
tombstone.check_ref; --new: the triggers). pgbench's TPC-B script, 8 clients, -M simple and
-M prepared, through each binary on its own copy, back to back in an order that rotates from
round to round; per round the ratio new / base; medians over the rounds. And the same run
sent directly to each copy, without the proxy: what PostgreSQL alone pays (triggers, or the
statements without the inlined checks).

Cascading delete: parents, 10 children each, 10 grandchildren per child, all ON DELETE
CASCADE and all soft-delete; through each binary, one DELETE of 300 parents (3 300 rows
marked with it, 33 300 in all) and 300 DELETEs of one parent each; wall time, best of three.

No threshold is asserted anywhere: this prints and writes figures."""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import psycopg  # noqa: E402
import tps  # noqa: E402
from benchlib import PG_BIN, make_pgbench_dbs, start_postgres, start_tombstone  # noqa: E402

FOREIGN_KEYS = """
ALTER TABLE pgbench_tellers ADD FOREIGN KEY (bid) REFERENCES pgbench_branches;
ALTER TABLE pgbench_accounts ADD FOREIGN KEY (bid) REFERENCES pgbench_branches;
ALTER TABLE pgbench_history ADD FOREIGN KEY (bid) REFERENCES pgbench_branches;
ALTER TABLE pgbench_history ADD FOREIGN KEY (tid) REFERENCES pgbench_tellers;
ALTER TABLE pgbench_history ADD FOREIGN KEY (aid) REFERENCES pgbench_accounts;
"""

CASCADE_SCHEMA = """
CREATE TABLE p (id int PRIMARY KEY, deleted_at timestamptz);
CREATE TABLE c (id int PRIMARY KEY, p_id int NOT NULL REFERENCES p ON DELETE CASCADE,
                deleted_at timestamptz);
CREATE TABLE g (id int PRIMARY KEY, c_id int NOT NULL REFERENCES c ON DELETE CASCADE,
                deleted_at timestamptz);
CREATE INDEX ON c (p_id);
CREATE INDEX ON g (c_id);
INSERT INTO p SELECT i FROM generate_series(1, 1000) i;
INSERT INTO c SELECT i, 1 + (i - 1) / 10 FROM generate_series(1, 10000) i;
INSERT INTO g SELECT i, 1 + (i - 1) / 10 FROM generate_series(1, 100000) i;
VACUUM ANALYZE;
"""


def install_sql(binary):
    """The binary's `tombstone install` script, for the default [softdelete] (deleted_at)."""
    return subprocess.run([binary, "install", "--print"], check=True, capture_output=True,
                          text=True).stdout


def psql(pg, db, sql):
    subprocess.run([f"{PG_BIN}/psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1",
                    "-p", str(pg.port), "-U", "postgres", "-d", db], input=sql, text=True,
                   check=True, capture_output=True)


def make_dbs(pg, binaries):
    make_pgbench_dbs(pg, 10)
    for name, binary in binaries.items():
        for kind, setup in (("tpcb", FOREIGN_KEYS), ("cascade", CASCADE_SCHEMA)):
            db = f"fk_{kind}_{name}"
            if kind == "tpcb":
                pg.psql(f"CREATE DATABASE {db} TEMPLATE bench_soft")
            else:
                pg.psql(f"CREATE DATABASE {db}")
            psql(pg, db, setup)
            psql(pg, db, install_sql(binary))


def tpcb(pg, proxies, rounds, seconds, logdir):
    """TPS per round, per binary and mode, through the proxy and directly."""
    runs = []
    targets = [(name, via) for name in proxies for via in ("proxy", "direct")]
    for r in range(rounds):
        for mode in ("simple", "prepared"):
            order = targets[r % len(targets):] + targets[:r % len(targets)]
            for name, via in order:
                px = proxies[name]
                target = {"name": f"{name}_{via}", "db": f"fk_tpcb_{name}",
                          "port": px.port if via == "proxy" else pg.port,
                          "pid": px.proc.pid if via == "proxy" else None}
                run = tps.pgbench(target, "tpcb", mode, 8, seconds, logdir)
                run.update(round=r, binary=name, via=via)
                print(f"round {r} {mode:8} {name:4} {via:6} tps {run.get('tps')}", flush=True)
                runs.append(run)
    return runs


def cascade(pg, proxies):
    """Seconds for one DELETE of 300 parents and for 300 DELETEs of one, best of three (each
    try on rows not deleted yet)."""
    out = {}
    for name, px in proxies.items():
        best_bulk = best_single = None
        for attempt in range(3):
            with psycopg.connect(px.dsn(f"fk_cascade_{name}"), autocommit=True) as c:
                lo = 1 + attempt * 300
                t0 = time.monotonic()
                c.execute(f"DELETE FROM p WHERE id BETWEEN {lo} AND {lo + 299}")
                bulk = time.monotonic() - t0
                first = 901 + attempt * 33
                t0 = time.monotonic()
                for i in range(first, first + 33):
                    c.execute("DELETE FROM p WHERE id = %s", (i,))
                single = (time.monotonic() - t0) / 33 * 300
            best_bulk = bulk if best_bulk is None else min(best_bulk, bulk)
            best_single = single if best_single is None else min(best_single, single)
        out[name] = {"bulk_300_s": round(best_bulk, 4), "single_x300_s": round(best_single, 4)}
        with psycopg.connect(pg.dsn(f"fk_cascade_{name}")) as c:
            # the same rows marked either way: 999 parents, 9 990 children, 99 900 grandchildren
            out[name]["marked"] = c.execute(
                "SELECT (SELECT count(*) FROM p WHERE deleted_at IS NOT NULL), "
                "(SELECT count(*) FROM c WHERE deleted_at IS NOT NULL), "
                "(SELECT count(*) FROM g WHERE deleted_at IS NOT NULL)").fetchone()
        print(f"cascade {name}: {out[name]}", flush=True)
    return out


def ratios(runs, via, mode):
    by_round = {}
    for r in runs:
        if r["via"] == via and r["mode"] == mode and r.get("ok"):
            by_round.setdefault(r["round"], {})[r["binary"]] = r["tps"]
    values = [v["new"] / v["base"] for v in by_round.values() if "new" in v and "base" in v]
    tps_med = {b: statistics.median([v[b] for v in by_round.values() if b in v])
               for b in ("base", "new")}
    return (statistics.median(values) if values else None), tps_med


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--base", required=True)
    ap.add_argument("--new", default=os.path.join(os.path.dirname(os.path.dirname(
        os.path.abspath(__file__))), "build", "tombstone"))
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--seconds", type=int, default=5)
    ap.add_argument("--out")
    a = ap.parse_args()
    binaries = {"base": os.path.abspath(a.base), "new": os.path.abspath(a.new)}
    pg = start_postgres(max_connections=100)
    proxies = {}
    try:
        make_dbs(pg, binaries)
        for name, binary in binaries.items():
            proxies[name] = start_tombstone(pg, binary=binary)
        runs = tpcb(pg, proxies, a.rounds, a.seconds, tempfile.mkdtemp(prefix="fk-bench-"))
        casc = cascade(pg, proxies)
    finally:
        for px in proxies.values():
            px.stop()
        pg.stop()
    summary = {}
    for via in ("proxy", "direct"):
        for mode in ("simple", "prepared"):
            ratio, med = ratios(runs, via, mode)
            summary[f"{via}_{mode}"] = {"new_over_base": ratio and round(ratio, 3), **med}
            print(f"TPC-B {via:6} {mode:8}: base {med['base']:.0f} tps, new {med['new']:.0f} tps,"
                  f" new/base {ratio:.3f} (median of {a.rounds} rounds)")
    for name, v in casc.items():
        print(f"cascading delete, {name}: 300 parents in one DELETE {v['bulk_300_s']} s; "
              f"300 DELETEs of one parent {v['single_x300_s']} s")
    if a.out:
        with open(a.out, "w") as f:
            json.dump({"runs": runs, "summary": summary, "cascade": casc,
                       "machine_load": os.getloadavg()}, f, indent=1)


if __name__ == "__main__":
    main()
