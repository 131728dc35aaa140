"""COPY both ways, LISTEN/NOTIFY, pipelines, FunctionCall, large results: all byte-exact
through the proxy."""

import hashlib
import os
import subprocess

import psycopg
import pytest
from harness import REPO, wait_for

ITEST_BIN = os.environ.get("ITEST_BIN", os.path.join(REPO, "build", "itests"))


def copy_out(dsn, sql):
    digest, size = hashlib.sha256(), 0
    with psycopg.connect(dsn) as c:
        with c.cursor().copy(sql) as copy:
            for chunk in copy:
                digest.update(chunk)
                size += len(chunk)
    return size, digest.hexdigest()


def test_copy_in_and_out(proxy, pg):
    rows = [(i, f"name {i}", None if i % 7 == 0 else i * 1.5) for i in range(20000)]
    with psycopg.connect(proxy.dsn()) as c:
        c.execute("drop table if exists copy_t")
        c.execute("create table copy_t (id int, name text, v float8)")
        with c.cursor().copy("copy copy_t from stdin") as copy:
            for r in rows:
                copy.write_row(r)
        c.commit()
    assert pg.psql("select count(*), sum(id) from copy_t").strip() == \
        f"{len(rows)}|{sum(r[0] for r in rows)}"
    sql = "copy (select * from copy_t order by id) to stdout"
    assert copy_out(proxy.dsn(), sql) == copy_out(pg.dsn(), sql)


def test_copy_in_error_keeps_session_usable(proxy):
    with psycopg.connect(proxy.dsn()) as c:
        c.execute("create temp table ci (id int)")
        with pytest.raises(psycopg.errors.InvalidTextRepresentation):
            with c.cursor().copy("copy ci from stdin") as copy:
                copy.write(b"1\nnot a number\n")
        c.rollback()
        assert c.execute("select 1").fetchone() == (1,)


def test_fifty_megabytes_byte_for_byte(proxy, pg):
    sql = ("copy (select i, repeat(md5(i::text), 16) from generate_series(1, 100000) i) "
           "to stdout")
    direct = copy_out(pg.dsn(), sql)
    assert direct[0] > 50_000_000
    assert copy_out(proxy.dsn(), sql) == direct
    query = "select i, repeat(md5(i::text), 16) from generate_series(1, 100000) i"
    with psycopg.connect(proxy.dsn()) as a, psycopg.connect(pg.dsn()) as b:
        assert a.execute(query).fetchall() == b.execute(query).fetchall()


def test_listen_notify_across_clients(proxy):
    with psycopg.connect(proxy.dsn(), autocommit=True) as listener, \
            psycopg.connect(proxy.dsn(), autocommit=True) as sender:
        got = []
        listener.add_notify_handler(lambda n: got.append((n.channel, n.payload)))
        listener.execute("listen tomb_channel")
        sender.execute("notify tomb_channel, 'hello'")
        sender.execute("select pg_notify('tomb_channel', 'again')")
        wait_for(lambda: listener.execute("select 1") and len(got) == 2,
                 what="two notifications")
        assert got == [("tomb_channel", "hello"), ("tomb_channel", "again")]


def test_pipeline_of_hundreds_of_statements(proxy):
    with psycopg.connect(proxy.dsn()) as c:
        c.execute("create temp table p (id int primary key, v text)")
        cursors = []
        with c.pipeline() as p:
            for i in range(600):
                cur = c.cursor()
                cur.execute("insert into p values (%s, %s) returning id", (i, str(i)))
                cursors.append(cur)
                if i % 97 == 0:
                    p.sync()
        assert [cur.fetchone()[0] for cur in cursors] == list(range(600))
        assert c.execute("select count(*) from p").fetchone() == (600,)


def run_client(mode, dsn, *args):
    out = subprocess.run([os.path.join(ITEST_BIN, "pqclient"), mode, dsn, *map(str, args)],
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                         timeout=120)
    assert out.returncode == 0, out.stdout
    return out.stdout


def test_libpq_pipeline_with_errors_matches_direct(proxy, pg):
    assert run_client("pipeline", proxy.dsn(), 800) == run_client("pipeline", pg.dsn(), 800)


def test_function_call_protocol_large_objects(proxy, pg):
    # libpq's large-object API speaks the FunctionCall ('F') message.
    assert run_client("largeobject", proxy.dsn()) == run_client("largeobject", pg.dsn())
