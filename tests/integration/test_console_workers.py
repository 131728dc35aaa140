"""The console and the metrics with `workers = 2` (issue 14): whichever worker answers, the
per-database counters are the whole proxy's (every worker publishes its own once a second);
PAUSE, which would hold one worker's clients only, is refused; SHUTDOWN stops every worker."""

import os
import socket

import psycopg
import pytest
from harness import free_port, wait_for
from test_console import CONSOLE, PASSWORD, metric, scrape, show
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


def test_pause_refused_and_shutdown_stops_every_worker(px):
    with psycopg.connect(px.dsn(dbname="tombstone", user="u_scram", password=PASSWORD),
                         autocommit=True) as adm:
        with pytest.raises(psycopg.errors.FeatureNotSupported, match="workers = 1"):
            adm.execute("PAUSE")
        with pytest.raises(psycopg.errors.FeatureNotSupported, match="workers = 1"):
            adm.execute("RESUME")
        assert adm.execute("SHUTDOWN").statusmessage == "SHUTDOWN"
    assert px.wait_exit() == 0
