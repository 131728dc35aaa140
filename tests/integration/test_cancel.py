"""CancelRequest: the client gets the server's own key, and a cancel sent to the proxy reaches
the right server."""

import struct
import threading

import psycopg
import pytest
from harness import wait_for
from rawpg import CANCEL_REQUEST, RawConn


def test_cancel_stops_pg_sleep(proxy, pg):
    with psycopg.connect(proxy.dsn()) as c:
        pid = c.execute("select pg_backend_pid()").fetchone()[0]
        assert c.info.backend_pid == pid  # BackendKeyData passed through unchanged
        result = []

        def run():
            try:
                c.execute("select pg_sleep(60)")
                result.append("finished")
            except psycopg.errors.QueryCanceled:
                result.append("canceled")

        t = threading.Thread(target=run)
        t.start()
        wait_for(lambda: pg.psql(f"select state from pg_stat_activity where pid = {pid}")
                 .strip() == "active", what="pg_sleep to run")
        c.cancel()
        t.join(timeout=30)
        assert result == ["canceled"]


def test_unknown_cancel_key_is_harmless(proxy):
    conn = RawConn(proxy.port)
    conn.send(struct.pack("!IIII", 16, CANCEL_REQUEST, 4242, 1234))
    with pytest.raises((ConnectionError, OSError)):
        conn.recv_exact(1)  # the proxy closes, as PostgreSQL does
    wait_for(lambda: proxy.log_contains("cancel request for unknown server pid 4242"),
             what="the cancel log line")
    with psycopg.connect(proxy.dsn()) as c:
        assert c.execute("select 1").fetchone() == (1,)
