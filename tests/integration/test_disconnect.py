"""Every way a connection can end: the proxy tells the peer properly, frees the server
backend, and keeps serving everyone else."""

import psycopg
import pytest
from harness import wait_for
from rawpg import RawConn, error_fields, query


def backend_state(pg, pid):
    return pg.psql(f"select state || ':' || coalesce(wait_event, '') from pg_stat_activity "
                   f"where pid = {pid}").strip()


def test_client_vanishing_mid_query_frees_backend(proxy, pg):
    conn = RawConn(proxy.port)
    pid, _ = conn.login()
    conn.send(query("select pg_sleep(60)"))
    wait_for(lambda: backend_state(pg, pid).startswith("active"), what="the query to run")
    conn.close()
    wait_for(lambda: backend_state(pg, pid) == "", what="the backend to go away")
    with psycopg.connect(proxy.dsn()) as c:
        assert c.execute("select 1").fetchone() == (1,)


@pytest.mark.parametrize("cut", [1, 3, 6, 12])
def test_client_vanishing_mid_message(proxy, pg, cut):
    conn = RawConn(proxy.port)
    pid, _ = conn.login()
    conn.send(query("select 'a long enough statement'")[:cut])
    conn.close()
    wait_for(lambda: backend_state(pg, pid) == "", what="the backend to go away")
    with psycopg.connect(proxy.dsn()) as c:
        assert c.execute("select 2").fetchone() == (2,)


def test_client_vanishing_during_startup(proxy):
    conn = RawConn(proxy.port)
    conn.send(b"\0\0\0\x20\0\3\0\0user\0")
    conn.close()
    with psycopg.connect(proxy.dsn()) as c:
        assert c.execute("select 3").fetchone() == (3,)


def test_garbage_from_client_is_a_protocol_error(proxy):
    conn = RawConn(proxy.port)
    conn.login()
    conn.send(b"Q\0\0\0\1")  # a length below 4
    kind, body = conn.read_message()
    assert kind == b"E" and error_fields(body)["C"] == "08P01"


def test_backend_terminated_error_reaches_client(proxy, pg):
    with psycopg.connect(proxy.dsn()) as c:
        pid = c.execute("select pg_backend_pid()").fetchone()[0]
        c.commit()
        pg.psql(f"select pg_terminate_backend({pid})")
        with pytest.raises(psycopg.OperationalError, match="terminating connection"):
            c.execute("select 1")


def test_server_restart_mid_session(proxy, pg):
    c = psycopg.connect(proxy.dsn(), autocommit=True)
    assert c.execute("select 1").fetchone() == (1,)
    pg.restart()
    with pytest.raises(psycopg.OperationalError):
        c.execute("select 1")
    c.close()
    with psycopg.connect(proxy.dsn()) as c2:
        assert c2.execute("select 4").fetchone() == (4,)


def test_server_unreachable_gives_error(own_proxy, pg):
    from harness import free_port
    px = own_proxy(databases={"*": f"host=127.0.0.1 port={free_port()}"})
    with pytest.raises(psycopg.OperationalError, match="could not connect to server"):
        psycopg.connect(px.dsn())
