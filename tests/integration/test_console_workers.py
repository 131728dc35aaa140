"""The console and the metrics with `workers = 2` (issue 14): whichever worker answers, the
per-database counters are the whole proxy's (every worker publishes its own once a second);
PAUSE and RESUME hold and release every worker's statements; SHUTDOWN stops every worker."""

import os
import socket

import psycopg
import pytest
from harness import free_port, wait_for
from test_console import CONSOLE, PASSWORD, in_thread, metric, scrape, show
from test_ops import connect_on_workers, psycopg_conn, worker_pids


@pytest.fixture
def px(own_proxy, pg):
    pg.psql("DROP DATABASE IF EXISTS console_workers")
    pg.psql("CREATE DATABASE console_workers")
    port = free_port()
    proxy = own_proxy(databases={"shop": f"host=127.0.0.1 port={pg.port} dbname=console_workers"},
                      extra=f"{CONSOLE}\nworkers = 2\nmetrics_addr = 127.0.0.1\n"
                            f"metrics_port = {port}")
    proxy.metrics_port = port
    wait_for(lambda: len(worker_pids(proxy)) == 2, what="two workers")
    yield proxy
    pg.psql("DROP DATABASE IF EXISTS console_workers WITH (FORCE)")


def console_conn(px):
    def make():
        c = psycopg.connect(px.dsn(dbname="tombstone", user="u_scram", password=PASSWORD),
                            autocommit=True)
        with socket.socket(fileno=os.dup(c.pgconn.socket)) as s:
            return c, s.getsockname()[1]
    return make


def test_counters_of_every_worker(px):
    clients = connect_on_workers(px, 2, psycopg_conn(px, "shop"))
    total = 0
    for n, c in enumerate(clients.values(), start=1):
        for _ in range(3 * n):
            c.execute("SELECT 1")
        total += 3 * n
    consoles = connect_on_workers(px, 2, console_conn(px))  # one console on each worker

    def queries(adm):
        rows = {r["database"]: r for r in show(adm, "SHOW STATS")}
        return rows["shop"]["queries"] if "shop" in rows else 0

    for adm in consoles.values():
        wait_for(lambda: queries(adm) == total, what=f"{total} queries in SHOW STATS")
        wait_for(lambda: {r["name"]: r for r in show(adm, "SHOW DATABASES")}["shop"]
                 ["clients"] == 2, what="both workers' clients in SHOW DATABASES")
    for adm in consoles.values():
        adm.close()
    page = wait_for(lambda: (lambda p: p if metric(p, "tombstone_queries_total", '{database="shop"}')
                             == total else None)(scrape(px.metrics_port)),
                    what="the metrics' total")
    assert metric(page, "tombstone_clients", '{state="idle"}') == 2  # one on each worker
    for c in clients.values():
        c.close()


def test_pause_and_resume_hold_every_worker(px, pg):
    """A PAUSE on one worker's console waits for a statement running on the other worker,
    then holds new statements on both, until a RESUME on the other console."""
    holder = psycopg.connect(pg.dsn(dbname="console_workers"), autocommit=True)  # direct
    holder.execute("SELECT pg_advisory_lock(7)")
    runners = connect_on_workers(px, 2, psycopg_conn(px, "shop"))
    newcomers = connect_on_workers(px, 2, psycopg_conn(px, "shop"))
    consoles = connect_on_workers(px, 2, console_conn(px))
    (a, runner), (b, _) = runners.items()
    done = {}

    t_running = in_thread(done, "running", runner, "SELECT pg_advisory_lock(7)")
    wait_for(lambda: any(r["state"] == "active" for r in show(consoles[a], "SHOW CLIENTS")
                         if r["database"] == "shop"), what="the statement to run")
    t_pause = in_thread(done, "pause", consoles[b], "PAUSE shop")
    wait_for(lambda: {r["name"]: r for r in show(consoles[a], "SHOW DATABASES")}["shop"]
             ["paused"], what="the PAUSE to reach the other worker")
    assert t_pause.is_alive()  # answered only when the other worker's statement ended
    holder.execute("SELECT pg_advisory_unlock(7)")
    t_running.join()
    t_pause.join()
    assert done["pause"] == "PAUSE"
    waiting = [in_thread(done, f"new{w}", c, "SELECT 42") for w, c in newcomers.items()]
    for w in (a, b):
        wait_for(lambda: any(r["wait"] == "pause" for r in show(consoles[w], "SHOW CLIENTS")),
                 what=f"a statement held on worker {w}")
    assert not any(k.startswith("new") for k in done)
    consoles[a].execute("RESUME shop")
    for t in waiting:
        t.join()
    assert [done[f"new{w}"] for w in newcomers] == [(42,), (42,)]
    for c in [holder, *runners.values(), *newcomers.values(), *consoles.values()]:
        c.close()


def test_shutdown_stops_every_worker(px):
    with psycopg.connect(px.dsn(dbname="tombstone", user="u_scram", password=PASSWORD),
                         autocommit=True) as adm:
        assert adm.execute("SHUTDOWN").statusmessage == "SHUTDOWN"
    assert px.wait_exit() == 0
