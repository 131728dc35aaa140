"""Issue 15: the tools people point at the proxy besides the application — psql's
meta-commands, EXPLAIN (ANALYZE, BUFFERS), pg_stat_statements, LISTEN/NOTIFY as job queues use
it — each driven with the real client. This module runs its own PostgreSQL, with
pg_stat_statements preloaded."""

import os
import select
import subprocess

import psycopg
import pytest
from harness import PG_BIN, Postgres, Proxy

DB = "tools_db"

SCHEMA = """
CREATE TABLE authors (id int PRIMARY KEY, name text NOT NULL, deleted_at timestamptz);
CREATE UNIQUE INDEX authors_name ON authors (name) WHERE deleted_at IS NULL;
CREATE FUNCTION author_count() RETURNS bigint LANGUAGE sql AS 'SELECT count(*) FROM authors';
CREATE TABLE jobs (id serial PRIMARY KEY, task text NOT NULL, deleted_at timestamptz);
INSERT INTO authors SELECT i, 'a' || i FROM generate_series(1, 5) i;
CREATE EXTENSION pg_stat_statements;
"""


@pytest.fixture(scope="module")
def pgs():
    server = Postgres.start(settings={"shared_preload_libraries": "'pg_stat_statements'"})
    server.psql(f"CREATE DATABASE {DB}")
    server.psql(SCHEMA, dbname=DB)
    yield server
    server.stop()


@pytest.fixture(scope="module")
def px(pgs):
    proxy = Proxy.start(pgs)
    yield proxy
    assert proxy.stop() == 0


def psql(port, host, command):
    out = subprocess.run([f"{PG_BIN}/psql", "-X", "-h", host, "-p", str(port), "-U", "postgres",
                          "-d", DB, "-c", command], capture_output=True, text=True, timeout=120,
                         env=dict(os.environ, PAGER="", COLUMNS="200"))
    assert out.returncode == 0, out.stderr
    return out.stdout


def physical(pgs, table):
    out = pgs.psql(f"SELECT id, deleted_at IS NOT NULL FROM {table} ORDER BY id", dbname=DB)
    return [(int(r.split("|")[0]), r.split("|")[1] == "t") for r in out.split()]


@pytest.mark.parametrize("command", [r"\d authors", r"\dt", r"\df", r"\l", r"\di", r"\dx"])
def test_psql_meta_commands(pgs, px, command):
    """A meta-command answers through the proxy what it answers on PostgreSQL directly."""
    direct = psql(pgs.port, "127.0.0.1", command)
    assert "authors" in direct or "tools_db" in direct or "pg_stat_statements" in direct
    assert psql(px.port, "127.0.0.1", command) == direct


def test_psql_conninfo(px):
    out = psql(px.port, "127.0.0.1", r"\conninfo")
    assert f'database "{DB}" as user "postgres"' in out and f'port "{px.port}"' in out


def test_explain_analyze_delete_marks(pgs, px):
    """EXPLAIN ANALYZE runs the statement: through the proxy it runs the rewritten one, which
    marks the row; the plan shows the UPDATE that marks it."""
    with psycopg.connect(px.dsn(DB), autocommit=True) as c:
        plan = [r[0] for r in c.execute(
            "EXPLAIN (ANALYZE, BUFFERS, COSTS OFF, TIMING OFF) DELETE FROM authors WHERE id = 1")]
        assert plan[0].startswith("Update on authors"), plan
        assert any("Buffers:" in line for line in plan), plan
        c.execute("EXPLAIN DELETE FROM authors WHERE id = 2")  # no ANALYZE: nothing runs
        assert c.execute("SELECT author_count(), count(*) FROM authors").fetchone() == (5, 4)
    assert physical(pgs, "authors") == [(1, True), (2, False), (3, False), (4, False),
                                        (5, False)]


def test_pg_stat_statements(pgs, px):
    """pg_stat_statements reads through the proxy; it records the statements as the proxy
    sent them (a DELETE as the UPDATE that marks)."""
    with psycopg.connect(px.dsn(DB), autocommit=True) as c:
        c.execute("SELECT pg_stat_statements_reset()")
        c.execute("DELETE FROM authors WHERE id = %s", (3,))
        c.execute("SELECT name FROM authors WHERE id = %s", (4,))
        recorded = [r[0] for r in c.execute(
            "SELECT query FROM pg_stat_statements WHERE query ~ 'authors' ORDER BY query")]
    assert len(recorded) == 2, recorded
    assert recorded[0].startswith("SELECT name FROM authors") and "deleted_at" in recorded[0]
    assert recorded[1].startswith("UPDATE") and "deleted_at" in recorded[1], recorded
    assert (3, True) in physical(pgs, "authors")


def wait_notify(conn, timeout=60):
    """The next notification on conn: wait for the socket, never for a fixed time."""
    ready, _, _ = select.select([conn.fileno()], [], [], timeout)
    assert ready, "no notification came"
    return next(conn.notifies())


def test_listen_notify_job_queue(pgs, px):
    """A worker LISTENs through the proxy; a producer queues a job and NOTIFYs in one
    transaction; the worker, woken while idle, claims the job with DELETE ... RETURNING over
    FOR UPDATE SKIP LOCKED (queue_classic, graphile-worker style): the job is marked."""
    with psycopg.connect(px.dsn(DB), autocommit=True) as worker, \
            psycopg.connect(px.dsn(DB)) as producer:
        worker.execute("LISTEN jobs")
        job = producer.execute("INSERT INTO jobs (task) VALUES ('mail') RETURNING id").fetchone()
        producer.execute("SELECT pg_notify('jobs', %s)", (str(job[0]),))
        producer.commit()
        note = wait_notify(worker)
        assert (note.channel, note.payload) == ("jobs", str(job[0]))
        claimed = worker.execute(
            "DELETE FROM jobs WHERE id = (SELECT id FROM jobs ORDER BY id "
            "FOR UPDATE SKIP LOCKED LIMIT 1) RETURNING id, task").fetchall()
        assert claimed == [(job[0], "mail")]
        assert worker.execute("SELECT count(*) FROM jobs").fetchone() == (0,)
        producer.execute("NOTIFY jobs, 'again'")
        producer.commit()
        assert wait_notify(worker).payload == "again"
        worker.execute("UNLISTEN *")
    assert physical(pgs, "jobs") == [(job[0], True)]


def test_settings_read_after_the_change_and_at_the_end(px):
    """pg_stat_statements counts the proxy's own reads of the settings: after a change only
    the server knows, once; in a transaction, again at its end; not after every statement
    in between."""
    with psycopg.connect(px.dsn(DB)) as c:
        c.execute("SELECT pg_stat_statements_reset()")
        c.commit()
        c.execute("SELECT set_config(name, 'public', false) FROM pg_settings "
                  "WHERE name = 'search_path'")
        for i in range(5):
            c.execute("SELECT count(*) FROM authors WHERE id > %s", (i,))
        c.commit()
        c.autocommit = True
        reads = c.execute("SELECT sum(calls) FROM pg_stat_statements "
                          "WHERE query LIKE 'SELECT current_setting(%'").fetchone()
    assert reads == (2,)
