"""Many clients at once, and pgbench in its three query modes."""

import os
import subprocess
import threading

import psycopg
import pytest
from harness import PG_BIN


def test_many_concurrent_clients(proxy):
    n, errors = 150, []
    barrier = threading.Barrier(n)

    def client(i):
        try:
            with psycopg.connect(proxy.dsn(), autocommit=True) as c:
                barrier.wait(timeout=60)  # all connected at the same time
                for j in range(20):
                    assert c.execute("select %s::int * %s", (i, j)).fetchone() == (i * j,)
        except Exception as e:  # reported below: a thread cannot fail the test itself
            errors.append(repr(e))

    threads = [threading.Thread(target=client, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []


def pgbench(proxy, *args):
    env = dict(os.environ, PGHOST="127.0.0.1", PGPORT=str(proxy.port), PGUSER="postgres",
               PGDATABASE="bench")
    out = subprocess.run([f"{PG_BIN}/pgbench", *args], env=env, stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT, text=True, timeout=300)
    assert out.returncode == 0, out.stdout
    return out.stdout


@pytest.fixture(scope="module")
def bench_db(pg, proxy):
    pg.psql("drop database if exists bench")
    pg.psql("create database bench")
    pgbench(proxy, "-i", "-s", "2", "-q")  # the initial load goes through the proxy: COPY
    return proxy


@pytest.mark.parametrize("mode", ["simple", "extended", "prepared"])
def test_pgbench(bench_db, mode):
    out = pgbench(bench_db, "-M", mode, "-c", "8", "-j", "2", "-T", "3", "-n")
    assert "number of failed transactions: 0" in out, out
    assert "number of transactions actually processed" in out
