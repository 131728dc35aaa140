"""SIGTERM drains, SIGINT closes at once, SIGHUP reloads (a bad file is ignored)."""

import signal

import psycopg
import pytest
from harness import Proxy, port_open, wait_for


def test_sigterm_stops_listening_and_waits_for_sessions(own_proxy):
    px = own_proxy()
    c = psycopg.connect(px.dsn(), autocommit=True)
    px.send_signal(signal.SIGTERM)
    wait_for(lambda: not port_open(px.port), what="the listener to close")
    assert c.execute("select 1").fetchone() == (1,)  # the session goes on
    assert px.proc.poll() is None
    c.close()
    assert px.wait_exit() == 0


def test_sigterm_closes_sessions_after_shutdown_timeout(own_proxy):
    px = own_proxy(extra="shutdown_timeout = 0.2")
    c = psycopg.connect(px.dsn(), autocommit=True)
    px.send_signal(signal.SIGTERM)
    assert px.wait_exit() == 0
    assert px.log_contains("shutdown_timeout reached")
    with pytest.raises(psycopg.OperationalError):
        c.execute("select 1")
    c.close()


def test_sigint_closes_everything_now(own_proxy):
    px = own_proxy()
    c = psycopg.connect(px.dsn(), autocommit=True)
    px.send_signal(signal.SIGINT)
    assert px.wait_exit() == 0
    with pytest.raises(psycopg.OperationalError, match="administrator command|closed"):
        c.execute("select 1")
    c.close()


def test_sighup_reloads_databases_and_keeps_old_on_error(own_proxy, pg):
    px = own_proxy(databases={"first": f"host=127.0.0.1 port={pg.port} dbname=postgres"})
    with psycopg.connect(px.dsn("first")):
        pass
    px.rewrite_config(Proxy.config_text(pg, px.port, {
        "second": f"host=127.0.0.1 port={pg.port} dbname=postgres"}))
    px.send_signal(signal.SIGHUP)
    wait_for(lambda: px.log_contains("configuration reloaded"), what="the reload")
    with psycopg.connect(px.dsn("second")) as c:
        assert c.execute("select 1").fetchone() == (1,)
    with pytest.raises(psycopg.OperationalError, match="not configured"):
        psycopg.connect(px.dsn("first"))
    px.rewrite_config("[databases]\nbroken = port=notanumber\n")
    px.send_signal(signal.SIGHUP)
    wait_for(lambda: px.log_contains("reload failed"), what="the failed reload")
    assert px.log_contains("tombstone.ini:2: invalid port 'notanumber'")
    with psycopg.connect(px.dsn("second")) as c:
        assert c.execute("select 1").fetchone() == (1,)
