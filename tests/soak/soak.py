#!/usr/bin/python3
"""Soak test (issue 16): hundreds of clients through one proxy for minutes, then invariants.

    make soak                                     # 300 clients, 180 s
    make soak SOAK_CLIENTS=500 SOAK_SECONDS=600
    /usr/bin/python3 tests/soak/soak.py --clients 100 --seconds 20     # what CI runs

A throwaway PostgreSQL 15 and the proxy (tests/lib/harness.py; TOMBSTONE_BIN picks the
binary), a schema of a soft-delete parent, a soft-delete child (ON DELETE CASCADE) and a
soft-delete table with a partial unique key, `tombstone install`ed. Each client (a thread
with its own connection, one in ten in tombstone.visibility=all) loops over random work:
reads, child inserts, DELETEs of parents and children (cascades), restores (UPDATE ... SET
deleted_at = NULL, in visibility=all), upserts (INSERT ... ON CONFLICT (k) DO UPDATE) and
DELETEs of keys, some of it inside transactions. Errors that concurrency makes legitimate
(23503 a marked parent, 23505 a restored key taken again, 40P01 deadlock, 40001) are
counted; any other error fails the run. While it runs, a live client must never see a
marked row. At the end, read directly:
  - nothing was physically deleted (an AFTER DELETE trigger on every table logs real
    deletes; the log must be empty, and the parents are all there);
  - no live child of a marked parent;
and the proxy's open fds and RSS are back to what they were before the clients came
(fds exactly; RSS within --rss-slack-mb, default 8, of the baseline taken after a warm-up
that ran every statement once). Exit status 1 on any failure."""

import argparse
import os
import random
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))

import psycopg  # noqa: E402

import harness  # noqa: E402

PARENTS = 200
KEYS = 100
EXPECTED = {"23503", "23505", "40P01", "40001"}

SCHEMA = """
CREATE TABLE parents (id int PRIMARY KEY, name text, deleted_at timestamptz);
CREATE TABLE children (id bigserial PRIMARY KEY, parent_id int NOT NULL
    REFERENCES parents ON DELETE CASCADE, v int NOT NULL DEFAULT 0, deleted_at timestamptz);
CREATE INDEX ON children (parent_id);
CREATE TABLE counters (id bigserial PRIMARY KEY, k int NOT NULL, n int NOT NULL,
    deleted_at timestamptz);
CREATE UNIQUE INDEX counters_k ON counters (k) WHERE deleted_at IS NULL;
CREATE TABLE real_deletes (tbl text, id bigint, at timestamptz DEFAULT now());
CREATE FUNCTION log_real_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN INSERT INTO real_deletes (tbl, id) VALUES (TG_TABLE_NAME, OLD.id); RETURN OLD; END $$;
CREATE TRIGGER parents_real AFTER DELETE ON parents FOR EACH ROW EXECUTE FUNCTION log_real_delete();
CREATE TRIGGER children_real AFTER DELETE ON children FOR EACH ROW EXECUTE FUNCTION log_real_delete();
CREATE TRIGGER counters_real AFTER DELETE ON counters FOR EACH ROW EXECUTE FUNCTION log_real_delete();
INSERT INTO parents SELECT g, 'p' || g FROM generate_series(1, %d) g;
INSERT INTO children (parent_id, v) SELECT 1 + g %% %d, g FROM generate_series(1, %d) g;
""" % (PARENTS, PARENTS, PARENTS * 5)


class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.ops = 0
        self.expected = {}
        self.failures = []

    def add(self, ops, expected, failures):
        with self.lock:
            self.ops += ops
            for code, n in expected.items():
                self.expected[code] = self.expected.get(code, 0) + n
            self.failures += failures


def work(c, rng, restorer):
    """One random unit of work on connection c (autocommit)."""
    p, k = rng.randint(1, PARENTS), rng.randint(1, KEYS)
    r = rng.random()
    if restorer and r < 0.5:
        c.execute("UPDATE parents SET deleted_at = NULL WHERE id = %s AND deleted_at IS NOT NULL",
                  (p,))
    elif restorer:
        c.execute("SELECT count(*) FROM children WHERE parent_id = %s", (p,)).fetchall()
    elif r < 0.30:
        rows = c.execute("SELECT p.id, c.id, c.deleted_at, p.deleted_at FROM parents p "
                         "LEFT JOIN children c ON c.parent_id = p.id WHERE p.id = %s",
                         (p,)).fetchall()
        if any(row[2] is not None or row[3] is not None for row in rows):
            raise AssertionError(f"a live client saw a marked row: {rows}")
    elif r < 0.45:
        c.execute("INSERT INTO children (parent_id, v) VALUES (%s, %s)", (p, k))
    elif r < 0.50:
        c.execute("DELETE FROM parents WHERE id = %s", (p,))
    elif r < 0.60:
        c.execute("DELETE FROM children WHERE id IN (SELECT id FROM children WHERE parent_id = %s "
                  "ORDER BY id LIMIT 1)", (p,))
    elif r < 0.80:
        c.execute("INSERT INTO counters (k, n) VALUES (%s, 1) ON CONFLICT (k) DO UPDATE "
                  "SET n = counters.n + 1", (k,))
    elif r < 0.85:
        c.execute("DELETE FROM counters WHERE k = %s", (k,))
    elif r < 0.90:
        c.execute("SELECT k, n FROM counters WHERE k BETWEEN %s AND %s ORDER BY k",
                  (k, k + 10)).fetchall()
    else:
        with c.transaction():
            c.execute("UPDATE children SET v = v + 1 WHERE parent_id = %s", (p,))
            c.execute("INSERT INTO children (parent_id) VALUES (%s)", (p,))
            c.execute("SELECT count(*) FROM children WHERE parent_id = %s", (p,)).fetchall()


def client(px, seed, stop, stats, restorer, ready):
    rng = random.Random(seed)
    options = "-c tombstone.visibility=all" if restorer else None
    ops, expected, failures = 0, {}, []
    try:
        with psycopg.connect(px.dsn("soak", options=options) if options else px.dsn("soak"),
                             autocommit=True, connect_timeout=60) as c:
            ready.release()
            while not stop.is_set():
                try:
                    work(c, rng, restorer)
                except psycopg.Error as e:
                    code = e.sqlstate or "?"
                    if code not in EXPECTED:
                        failures.append(f"client {seed}: {code} {e}")
                        break
                    expected[code] = expected.get(code, 0) + 1
                ops += 1
    except Exception as e:  # a connection lost, an assertion: the run fails
        failures.append(f"client {seed}: {type(e).__name__}: {e}")
        ready.release()
    stats.add(ops, expected, failures)


def proxy_fds(px):
    return len(os.listdir(f"/proc/{px.proc.pid}/fd"))


def warm_up(px):
    """Every statement once, so the baseline holds what the first use allocates for good."""
    rng = random.Random(0)
    for restorer in (False, True):
        with psycopg.connect(px.dsn("soak", options="-c tombstone.visibility=all") if restorer
                             else px.dsn("soak"), autocommit=True) as c:
            for _ in range(200):
                try:
                    work(c, rng, restorer)
                except psycopg.Error:
                    pass


def invariants(pg):
    problems = []
    q = lambda sql: pg.psql(sql, dbname="soak").strip()  # noqa: E731
    if q("SELECT count(*) FROM real_deletes") != "0":
        problems.append("rows were physically deleted: " + q("SELECT * FROM real_deletes LIMIT 5"))
    if q("SELECT count(*) FROM parents") != str(PARENTS):
        problems.append("parents are missing")
    orphans = q("SELECT count(*) FROM children c JOIN parents p ON p.id = c.parent_id "
                "WHERE c.deleted_at IS NULL AND p.deleted_at IS NOT NULL")
    if orphans != "0":
        problems.append(f"{orphans} live children of marked parents")
    return problems


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--clients", type=int, default=300)
    ap.add_argument("--seconds", type=float, default=180)
    ap.add_argument("--rss-slack-mb", type=float, default=8)
    args = ap.parse_args()

    pg = harness.Postgres.start(settings={"max_connections": str(args.clients + 50)})
    px = None
    try:
        pg.psql("CREATE DATABASE soak")
        pg.psql(SCHEMA, dbname="soak")
        px = harness.Proxy.start(pg, extra="log_level = info")
        out = subprocess.run([harness.tombstone_binary(), "install", "-c", px.config_path,
                              "-d", "soak", "-U", "postgres"], capture_output=True, text=True)
        if out.returncode:
            raise SystemExit(f"tombstone install: {out.stdout}{out.stderr}")
        warm_up(px)
        harness.wait_for(lambda: proxy_fds(px) <= 16, what="the warm-up's sockets to close")
        fds0, rss0 = proxy_fds(px), px.rss_kb()

        stats, stop, ready = Stats(), threading.Event(), threading.Semaphore(0)
        threads = [threading.Thread(target=client, daemon=True,
                                    args=(px, i, stop, stats, i % 10 == 0, ready))
                   for i in range(args.clients)]
        for t in threads:
            t.start()
        for _ in threads:
            ready.acquire()
        peak_fds = proxy_fds(px)
        started = time.monotonic()
        while time.monotonic() - started < args.seconds and px.proc.poll() is None:
            stop.wait(1)
        peak_rss = px.rss_kb()
        stop.set()
        for t in threads:
            t.join()
        ran = time.monotonic() - started

        problems = list(stats.failures[:20])
        if px.proc.poll() is not None:
            problems.append(f"the proxy exited: {px.proc.returncode}")
        else:
            harness.wait_for(lambda: proxy_fds(px) <= fds0, timeout=60,
                             what=f"the proxy's fds back to {fds0} (now {proxy_fds(px)})")
            rss = px.rss_kb()
            if not harness.sanitized_binary() and rss > rss0 + args.rss_slack_mb * 1024:
                problems.append(f"RSS {rss} kB after the clients left, baseline {rss0} kB")
        problems += invariants(pg)
        print(f"soak: {args.clients} clients for {ran:.0f} s: {stats.ops} statements, "
              f"expected errors {dict(sorted(stats.expected.items()))}; proxy fds {fds0} -> "
              f"{peak_fds} -> {proxy_fds(px)}, RSS {rss0} -> {peak_rss} -> {px.rss_kb()} kB")
        for p in problems:
            print("FAIL:", p)
        if not problems:
            print("soak: invariants hold (nothing physically deleted, no live child of a "
                  "marked parent, fds and RSS back to baseline)")
        return 1 if problems else 0
    finally:
        if px:
            px.stop()
        pg.stop()


if __name__ == "__main__":
    sys.exit(main())
