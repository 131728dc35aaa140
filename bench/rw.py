#!/usr/bin/python3
"""The rewriter alone over bench/corpus/*.sql: wall-clock time per statement (bench/rwbench)
and instruction counts under callgrind, cold (rw_rewrite), cached (rw_cache_rewrite, same
text), shaped (rw_cache_rewrite, same text but for its numbers) and libpg_query's raw parse
(the floor).

The schema snapshot comes from catalog rows, as in the proxy: bench/corpus/schema.sql is
loaded into a throwaway PostgreSQL with `tombstone install`'s helpers, the catalog query
(`rwbench query`) runs there, and its rows are handed to rwbench. Every rewritten statement
is also PREPAREd on that database, so the corpus is known to be valid SQL and the rewrites
to be accepted by PostgreSQL.

Usage: rw.py --rwbench PATH --out FILE.json [--quick] [--no-callgrind]"""

import argparse
import glob
import os
import re
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from benchlib import BENCH, PG_BIN, run_alone, start_postgres, tombstone_binary  # noqa: E402

CORPUS = os.path.join(BENCH, "corpus")
KINDS = ("raw", "cold", "cached", "shaped", "lex", "hash")


def psql(pg, db, args, stdin=None):
    return subprocess.run([f"{PG_BIN}/psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", pg.sockdir,
                           "-p", str(pg.port), "-U", "postgres", "-d", db, *args], input=stdin,
                          check=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          text=True).stdout


def parse_table(text):
    lines = [ln.split("\t") for ln in text.strip().split("\n")]
    head = lines[0]
    return [dict(zip(head, ln)) for ln in lines[1:]]


def callgrind_counts(rwbench, rows, files, calls, work):
    """{(statement, kind): instructions per call} from one callgrind run with a dump per
    statement and kind."""
    out = os.path.join(work, "cg.out")
    subprocess.run(["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}",
                    rwbench, "--callgrind", "--calls", str(calls), rows, *files], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    counts = {}
    for path in glob.glob(out + ".*"):
        with open(path) as f:
            head = f.read(4096)
        d = re.search(r"^desc: Trigger: Client Request: (\S+) (\S+) (\d+)$", head, re.M)
        t = re.search(r"^(?:summary|totals): (\d+)", head, re.M)
        if not t:  # totals may come at the end of the file
            with open(path) as f:
                t = re.search(r"^(?:summary|totals): (\d+)", f.read(), re.M)
        if d and t:
            counts[(d.group(1), d.group(2))] = int(t.group(1)) / int(d.group(3))
    return counts


def run(pg, rwbench, tombstone, quick=False, callgrind=True):
    files = sorted(glob.glob(os.path.join(CORPUS, "[0-9]*.sql")))
    work = tempfile.mkdtemp(prefix="tombstone-bench-rw-")
    try:
        pg.psql("DROP DATABASE IF EXISTS corpus")
        pg.psql("CREATE DATABASE corpus")
        psql(pg, "corpus", ["-f", os.path.join(CORPUS, "schema.sql")])
        helpers = subprocess.run([tombstone, "install", "--print"], check=True,
                                 stdout=subprocess.PIPE, text=True).stdout
        psql(pg, "corpus", [], stdin=helpers)
        query = subprocess.run([rwbench, "query"], check=True, stdout=subprocess.PIPE,
                               text=True).stdout
        rows = os.path.join(work, "rows")
        with open(rows, "w") as f:
            f.write(psql(pg, "corpus", ["-At", "-F", "\x1f", "-R", "\x1e", "-P", "null=\\N",
                                        "-c", query]).rstrip("\n"))
        # the rewrites, PREPAREd on the database: valid SQL, accepted by PostgreSQL
        printed = subprocess.run([rwbench, "--print", "--batch-ms", "0.01", "--batches", "1",
                                  rows, *files], check=True, stdout=subprocess.DEVNULL,
                                 stderr=subprocess.PIPE, text=True).stderr
        rewritten = {}
        for block in printed.split("\n-- "):
            block = block[3:] if block.startswith("-- ") else block
            head, _, sql = block.partition("\n")
            rewritten[head.split(" ")[0]] = sql.strip()
        prepared = {}
        for name, sql in rewritten.items():
            try:
                psql(pg, "corpus", ["-c", f"PREPARE s AS {sql}"])
                prepared[name] = "ok"
            except subprocess.CalledProcessError as e:
                prepared[name] = e.stderr.strip().split("\n")[0]
        timing = ["--batch-ms", "1", "--batches", "3"] if quick else \
            ["--batch-ms", "10", "--batches", "9"]
        wall = parse_table(subprocess.run([rwbench, *timing, rows, *files], check=True,
                                          stdout=subprocess.PIPE, text=True).stdout)
        counts = {}
        if callgrind and shutil.which("valgrind"):
            counts = callgrind_counts(rwbench, rows, files, 3 if quick else 20, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    stmts = []
    for w in wall:
        s = {"name": w["name"], "bytes": int(w["bytes"]), "changed": w["changed"],
             "out_bytes": int(w["out_bytes"]), "prepare": prepared.get(w["name"], "?")}
        for k in KINDS:
            if float(w[f"{k}_min"]) < 0:  # not applicable (shaped: no template)
                continue
            s[f"{k}_ns"] = float(w[f"{k}_min"])
            s[f"{k}_ns_median"] = float(w[f"{k}_med"])
            if (w["name"], k) in counts:
                s[f"{k}_ir"] = counts[(w["name"], k)]
        stmts.append(s)
        ir = (f"  Ir cold/raw {s['cold_ir'] / s['raw_ir']:5.2f}, cached {s['cached_ir']:7.0f}"
              if "cold_ir" in s else "")
        print(f"{s['name']:34} {s['bytes']:6} B  raw {s['raw_ns'] / 1000:8.2f} µs  cold "
              f"{s['cold_ns'] / 1000:8.2f} µs  cached {s['cached_ns'] / 1000:6.3f} µs  "
              f"cold/raw {s['cold_ns'] / s['raw_ns']:5.2f}{ir}  prepare: {s['prepare']}",
              flush=True)
    result = {"rewriter": stmts}
    bad = [s["name"] for s in stmts if s["prepare"] != "ok" or s["changed"] in ("E", "R")]
    if bad:
        result["error"] = f"corpus statements that failed: {', '.join(bad)}"
    return result


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rwbench", required=True)
    ap.add_argument("--tombstone", default=tombstone_binary())
    ap.add_argument("--out", required=True)
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--no-callgrind", action="store_true")
    a = ap.parse_args()
    pg = start_postgres()
    run_alone(pg, a.out, lambda pg: run(pg, a.rwbench, a.tombstone, a.quick, not a.no_callgrind))


if __name__ == "__main__":
    main()
