"""Timeouts, PgBouncer's names and meanings (issue 13): each fires, and not before its time;
TCP keepalive settings reach the sockets; listen_addr = * listens on IPv6 too. Small values
(1 s) keep the module short."""

import re
import subprocess
import time

import psycopg
import pytest
from harness import PASSWORD
from rawpg import RawConn, error_fields, messages, query, startup_packet

EARLY = 0.95  # the proxy's clock is the loop's cached time, a few ms before the test's


def closed_with(conn):
    """(seconds until the proxy closed the connection, the SQLSTATEs of its errors)."""
    t0 = time.monotonic()
    data = conn.read_to_close()
    took = time.monotonic() - t0
    return took, [error_fields(body)["C"] for kind, body in messages(data) if kind == b"E"]


def test_client_login_timeout_before_the_startup_packet(own_proxy):
    px = own_proxy(extra="client_login_timeout = 1")
    with RawConn(px.port) as conn:
        took, codes = closed_with(conn)
    assert EARLY <= took < 4 and codes == ["08006"]
    assert px.log_contains("client_login_timeout (1 s) expired")


def test_client_login_timeout_in_the_middle_of_authentication(own_proxy):
    px = own_proxy(extra="client_login_timeout = 1")
    with RawConn(px.port) as conn:
        conn.send(startup_packet("u_password", "postgres"))
        assert conn.read_message()[0] == b"R"  # asked for a password, which never comes
        took, codes = closed_with(conn)
    assert took < 4 and codes == ["08006"]


def test_client_login_timeout_spares_logged_in_sessions(own_proxy):
    px = own_proxy(extra="client_login_timeout = 0.5")
    with psycopg.connect(px.dsn(), autocommit=True) as c:
        time.sleep(1)
        assert c.execute("select 1").fetchone() == (1,)


def test_client_idle_timeout(own_proxy):
    px = own_proxy(extra="client_idle_timeout = 1")
    with RawConn(px.port) as conn:
        conn.login()
        time.sleep(0.6)
        conn.send(query("select 1"))  # activity: the idle time starts again
        conn.read_until(b"Z")
        took, codes = closed_with(conn)
    assert EARLY <= took < 4 and codes == ["57P05"]


def test_idle_transaction_timeout(own_proxy):
    px = own_proxy(extra="idle_transaction_timeout = 1")
    with RawConn(px.port) as conn:
        conn.login()
        conn.send(query("BEGIN"))
        conn.read_until(b"Z")
        took, codes = closed_with(conn)
    assert EARLY <= took < 4 and codes == ["25P03"]
    # idle outside a transaction is not idle in one
    with psycopg.connect(px.dsn(), autocommit=True) as c:
        time.sleep(1.3)
        assert c.execute("select 1").fetchone() == (1,)


def test_query_timeout_cancels_the_statement_and_the_session_goes_on(own_proxy):
    px = own_proxy(extra="query_timeout = 1")
    with psycopg.connect(px.dsn(), autocommit=True) as c:
        assert c.execute("select pg_sleep(0.6)").fetchone() == ("",)  # not early
        t0 = time.monotonic()
        with pytest.raises(psycopg.errors.QueryCanceled, match="query_timeout"):
            c.execute("select pg_sleep(10)")
        assert EARLY <= time.monotonic() - t0 < 4
        assert c.execute("select 2").fetchone() == (2,)
        # inside a transaction too: the transaction fails, the connection stays
        c.execute("begin")
        with pytest.raises(psycopg.errors.QueryCanceled):
            c.execute("select pg_sleep(10)")
        c.execute("rollback")
        assert c.execute("select 3").fetchone() == (3,)


def keepalive_timers(port):
    """The keepalive timers ss shows on the proxy's sockets with this local or remote port."""
    out = subprocess.run(["ss", "-tnoH", "state", "established", f"( sport = :{port} )"],
                         stdout=subprocess.PIPE, text=True).stdout
    return re.findall(r"timer:\(keepalive,([0-9.]+)(m?)s", out)


def test_tcp_keepalive_settings_reach_both_sockets(own_proxy, pg):
    px = own_proxy(extra="tcp_keepidle = 7\ntcp_keepintvl = 3\ntcp_keepcnt = 4")
    with psycopg.connect(px.dsn()):
        timers = keepalive_timers(px.port)
        assert timers and all(float(t) <= 7 for t, ms in timers), timers
        server = subprocess.run(["ss", "-tnoHp", "state", "established",
                                 f"( dport = :{pg.port} )"], stdout=subprocess.PIPE,
                                text=True).stdout
        mine = [ln for ln in server.splitlines() if f"pid={px.proc.pid}," in ln]
        assert mine and all("keepalive" in ln for ln in mine), server


def test_keepalive_off(own_proxy):
    px = own_proxy(extra="tcp_keepalive = 0")
    with psycopg.connect(px.dsn()):
        assert keepalive_timers(px.port) == []


def test_listen_on_every_address_includes_ipv6(own_proxy):
    px = own_proxy(extra="listen_addr = *")
    for host in ("127.0.0.1", "::1"):
        with psycopg.connect(px.dsn(host=host, user="u_md5", password=PASSWORD)) as c:
            assert c.execute("select 1").fetchone() == (1,)
    assert px.log_contains("[::1]:")
