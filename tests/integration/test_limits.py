"""Limits (issue 13): max_client_conn, max_db_connections (also per database),
max_user_connections, and max_packet_size with the hostile inputs around it: a startup packet
or message whose length is absurd (negative, over the limit), a startup packet without its
terminator, an unknown protocol version, garbage where a message should be. Each gets an
ErrorResponse where the protocol allows one, and a close; under the ASan build the proxy's
stop() fails on any sanitizer report."""

import struct

import psycopg
import pytest
from harness import PASSWORD, sanitized_binary, wait_for
from rawpg import RawConn, error_fields, message, messages, startup_packet


def errors_then_close(port, data, login=None):
    """Sends data (after a login as `login`, if given); returns the (SQLSTATE, message) of
    each error up to the proxy's close."""
    with RawConn(port) as conn:
        if login:
            conn.login(user=login)
        conn.send(data)
        rest = conn.read_to_close()
    return [(error_fields(b)["C"], error_fields(b)["M"]) for k, b in messages(rest) if k == b"E"]


# ---- connection counts -------------------------------------------------------------------------

def test_max_client_conn(own_proxy):
    px = own_proxy(extra="max_client_conn = 2")
    held = [psycopg.connect(px.dsn()) for _ in range(2)]
    # refused at accept: before any SSLRequest could be answered, hence sslmode=disable
    with pytest.raises(psycopg.OperationalError, match="max_client_conn"):
        psycopg.connect(px.dsn(sslmode="disable"))
    held.pop().close()
    wait_for(lambda: px.log().count(": closed: ") >= 1, what="the close")
    with psycopg.connect(px.dsn()) as c:
        assert c.execute("select 1").fetchone() == (1,)
    for c in held:
        c.close()


def test_max_db_connections_global_and_per_database(own_proxy, pg):
    px = own_proxy(extra="max_db_connections = 2", databases={
        "two": f"host=127.0.0.1 port={pg.port} dbname=postgres",
        "one": f"host=127.0.0.1 port={pg.port} dbname=postgres max_db_connections=1"})
    two = [psycopg.connect(px.dsn("two")) for _ in range(2)]
    with pytest.raises(psycopg.OperationalError,
                       match='too many connections for database "two" .max_db_connections = 2'):
        psycopg.connect(px.dsn("two"))
    one = psycopg.connect(px.dsn("one"))  # another database has its own count
    with pytest.raises(psycopg.OperationalError, match="max_db_connections = 1"):
        psycopg.connect(px.dsn("one"))
    two.pop().close()
    wait_for(lambda: px.log().count(": closed: client") >= 1, what="the close")
    with psycopg.connect(px.dsn("two")) as c:
        assert c.execute("select 1").fetchone() == (1,)
    for c in two + [one]:
        c.close()


def test_max_user_connections(own_proxy):
    px = own_proxy(extra="max_user_connections = 1")
    first = psycopg.connect(px.dsn(user="u_md5", password=PASSWORD))
    with pytest.raises(psycopg.OperationalError,
                       match='too many connections for role "u_md5"'):
        psycopg.connect(px.dsn(user="u_md5", password=PASSWORD))
    with psycopg.connect(px.dsn(user="u_trust")):  # another user has its own count
        pass
    first.close()


# ---- hostile lengths and garbage --------------------------------------------------------------

@pytest.mark.parametrize("packet", [
    struct.pack("!II", 0x7FFFFFFF, 0x00030000),  # absurd
    struct.pack("!II", 0xFFFFFFF0, 0x00030000),  # negative
    struct.pack("!II", 3, 0x00030000),           # shorter than its own header
    b"GET / HTTP/1.1\r\nHost: tombstone\r\n\r\n",  # not PostgreSQL at all
], ids=["absurd", "negative", "short", "http"])
def test_startup_packet_lengths(own_proxy, packet):
    px = own_proxy()
    assert errors_then_close(px.port, packet) == [("08P01", "invalid startup packet length")]


def test_startup_packet_without_terminator_and_unknown_version(own_proxy):
    px = own_proxy()
    body = struct.pack("!I", 0x00030000) + b"user\0postgres\0database\0postgres\0"  # no final \0
    got = errors_then_close(px.port, struct.pack("!I", len(body) + 4) + body)
    assert got == [("08P01", "invalid startup packet: startup packet parameters are not "
                    "terminated")]
    body = struct.pack("!I", 0x00040000) + b"user\0postgres\0\0"
    got = errors_then_close(px.port, struct.pack("!I", len(body) + 4) + body)
    assert got == [("08P01", "invalid startup packet: unsupported frontend protocol")]


@pytest.mark.parametrize("length", [0x7FFFFFFF, 0xFFFFFFF0, 2])
def test_message_lengths_after_login(own_proxy, length):
    px = own_proxy()
    got = errors_then_close(px.port, b"Q" + struct.pack("!I", length), login="postgres")
    assert got == [("08P01", "invalid message length")]


def test_max_packet_size_refuses_at_the_header(own_proxy):
    px = own_proxy(extra="max_packet_size = 65536")
    with psycopg.connect(px.dsn(), autocommit=True) as c:  # at the limit: goes through
        sql = "select '" + "x" * (65536 - 64) + "' <> ''"
        assert c.execute(sql, prepare=False).fetchone() == (True,)
    # announced over the limit: refused before a byte of it is stored
    got = errors_then_close(px.port, b"Q" + struct.pack("!I", 65537) + b"select", login="postgres")
    assert got == [("08P01", "message longer than max_packet_size")]
    # a row from the server over the limit ends the session too
    with pytest.raises(psycopg.OperationalError, match="max_packet_size"):
        with psycopg.connect(px.dsn(), autocommit=True) as c:
            c.execute("select repeat('x', 100000)")
    with psycopg.connect(px.dsn()) as c:
        assert c.execute("select 1").fetchone() == (1,)


def test_garbage_while_logging_in(own_proxy):
    px = own_proxy()
    with RawConn(px.port) as conn:
        conn.send(startup_packet("u_password", "postgres"))
        assert conn.read_message()[0] == b"R"
        conn.send(message(b"\xfe", b"garbage!"))
        rest = conn.read_to_close()
    assert [error_fields(b)["C"] for k, b in messages(rest) if k == b"E"] == ["08P01"]


def test_garbage_after_login_gets_the_server_error(own_proxy):
    px = own_proxy()
    got = errors_then_close(px.port, message(b"\xfe", b"garbage!"), login="postgres")
    assert [code for code, _ in got] == ["08P01"]


@pytest.mark.skipif(sanitized_binary(), reason="RSS under ASan's allocator")
def test_an_announced_gigabyte_is_not_allocated(own_proxy):
    px = own_proxy()
    before = px.rss_kb()
    with RawConn(px.port) as conn:
        conn.login()
        conn.send(b"Q" + struct.pack("!I", 0x3FFFFFF0) + b"select " + b"x" * 100_000)
        wait_for(lambda: px.rss_kb() >= before, what="the bytes to arrive")
        grown = px.rss_kb() - before
    assert grown < 2048, f"RSS grew by {grown} kB for 100 kB sent of an announced 1 GB"
