"""Routing, startup and the simple and extended query protocols through the proxy."""

import psycopg
import pytest
from harness import wait_for
from rawpg import GSSENC_REQUEST, SSL_REQUEST, RawConn, error_fields, startup_packet
import struct


def test_simple_and_extended_queries(proxy):
    with psycopg.connect(proxy.dsn()) as c:
        assert c.execute("select 1, 'two'").fetchone() == (1, "two")
        assert c.execute("select %s::int + %s", (40, 2)).fetchone() == (42,)
        c.execute("select 1; select 2", prepare=False)
        with c.cursor() as cur:
            cur.execute("select %s::text", ("prepared",), prepare=True)
            cur.execute("select %s::text", ("again",), prepare=True)
            assert cur.fetchone() == ("again",)


def test_alias_routes_to_upstream_database_and_user(proxy):
    with psycopg.connect(proxy.dsn("aliasdb")) as c:
        assert c.execute("select current_database()").fetchone() == ("postgres",)
    with psycopg.connect(proxy.dsn("as_trust", user="someone")) as c:
        assert c.execute("select current_user").fetchone() == ("u_trust",)


def test_startup_parameters_reach_the_server(proxy):
    with psycopg.connect(proxy.dsn(application_name="tomb-app",
                                   options="-c work_mem=1234kB")) as c:
        assert c.execute("show work_mem").fetchone() == ("1234kB",)
        assert c.execute("select application_name from pg_stat_activity "
                         "where pid = pg_backend_pid()").fetchone() == ("tomb-app",)
        assert c.info.parameter_status("application_name") == "tomb-app"


def test_parameter_status_and_notices_pass(proxy):
    with psycopg.connect(proxy.dsn(), autocommit=True) as c:
        c.execute("set application_name = 'changed'")
        assert c.info.parameter_status("application_name") == "changed"
        notices = []
        c.add_notice_handler(lambda d: notices.append(d.message_primary))
        c.execute("do $$ begin raise notice 'hello %', 42; end $$")
        assert notices == ["hello 42"]


def test_unknown_database_is_3D000(own_proxy, pg):
    px = own_proxy(databases={"known": f"host=127.0.0.1 port={pg.port} dbname=postgres"})
    conn = RawConn(px.port)
    conn.send(startup_packet("postgres", "nope"))
    kind, body = conn.read_message()
    assert kind == b"E"
    fields = error_fields(body)
    assert fields["C"] == "3D000" and fields["S"] == "FATAL"
    assert "nope" in fields["M"]
    with pytest.raises(psycopg.OperationalError, match="not configured"):
        psycopg.connect(px.dsn("nope"))
    with psycopg.connect(px.dsn("known")) as c:
        assert c.execute("select current_database()").fetchone() == ("postgres",)


@pytest.mark.parametrize("code", [SSL_REQUEST, GSSENC_REQUEST])
def test_encryption_requests_are_declined(proxy, code):
    conn = RawConn(proxy.port)
    conn.send(struct.pack("!II", 8, code))
    assert conn.recv_exact(1) == b"N"
    assert conn.login() is not None
    conn.close()


def test_sslmode_prefer_falls_back_and_require_fails(proxy):
    with psycopg.connect(proxy.dsn(sslmode="prefer")) as c:
        assert c.execute("select 1").fetchone() == (1,)
    with pytest.raises(psycopg.OperationalError, match="SSL"):
        psycopg.connect(proxy.dsn(sslmode="require"))


def test_internal_query_reads_search_path_before_first_ready(proxy, pg):
    pg.psql("create schema if not exists tomb_s")
    marker = "{pg_catalog,tomb_s,public}"
    with psycopg.connect(proxy.dsn(options="-c search_path=tomb_s,public")) as c:
        # The internal query's rows never reach the client, and the held ReadyForQuery did.
        assert c.execute("select 7").fetchone() == (7,)
        assert c.info.transaction_status == psycopg.pq.TransactionStatus.INTRANS
    wait_for(lambda: proxy.log_contains(f"search_path resolved to {marker}"),
             what="the search_path debug line")


def test_syntax_errors_keep_sqlstate_and_position(proxy, pg):
    def error(dsn, sql):
        with psycopg.connect(dsn) as c:
            with pytest.raises(psycopg.errors.SyntaxError) as e:
                c.execute(sql)
            return e.value.sqlstate, e.value.diag.statement_position, e.value.diag.message_primary

    for sql in ("selec 1", "select 1 frum t", "select (1"):
        assert error(proxy.dsn(), sql) == error(pg.dsn(), sql)


def test_errors_and_transactions(proxy):
    with psycopg.connect(proxy.dsn()) as c:
        with pytest.raises(psycopg.errors.DivisionByZero):
            c.execute("select 1/0")
        c.rollback()
        c.execute("create temp table t (id int primary key)")
        c.execute("insert into t values (1)")
        with pytest.raises(psycopg.errors.UniqueViolation) as e:
            c.execute("insert into t values (1)")
        assert e.value.diag.constraint_name == "t_pkey"
        c.rollback()
        assert c.execute("select count(*) from pg_class").fetchone()[0] > 0


def test_unix_socket_and_pidfile(own_proxy, tmp_path):
    pidfile = tmp_path / "tombstone.pid"
    px = own_proxy(extra=f"unix_socket_dir = {tmp_path}\npidfile = {pidfile}")
    # Written right after the sockets are opened, so it may lag behind the port by a moment.
    wait_for(lambda: pidfile.exists() and pidfile.read_text().strip() == str(px.proc.pid),
             what="the pidfile")
    with psycopg.connect(host=str(tmp_path), port=px.port, dbname="postgres",
                         user="postgres") as c:
        assert c.execute("select 5").fetchone() == (5,)
    px.stop()
    assert not pidfile.exists()
    assert not (tmp_path / f".s.PGSQL.{px.port}").exists()
