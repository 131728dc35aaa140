"""Foreign keys under concurrency (SPEC §4): two sessions, one deleting a parent while the
other writes a child for it, must never leave a live child referencing a marked parent.

The interleavings that matter are forced, not hoped for: each test holds one transaction
open, starts the other session's statement, waits (through pg_stat_activity) until it is
really blocked on a lock, then lets the first commit. A control run shows that the same
interleaving done with plain SQL (marking without the proxy) does break the invariant, so
the test can tell. A randomized run then repeats both orders many times."""

import os
import random
import subprocess
import threading

import psycopg
import pytest
from harness import REPO, wait_for

SCHEMA = """
CREATE TABLE authors (id int PRIMARY KEY, deleted_at timestamptz);
CREATE TABLE books (id serial PRIMARY KEY, author_id int REFERENCES authors ON DELETE CASCADE,
                    deleted_at timestamptz);
CREATE TABLE awards (id serial PRIMARY KEY,
                     author_id int REFERENCES authors ON DELETE RESTRICT);
"""

ORPHANS = """SELECT count(*) FROM books b JOIN authors a ON a.id = b.author_id
             WHERE b.deleted_at IS NULL AND a.deleted_at IS NOT NULL"""


@pytest.fixture(scope="module")
def fkdb(pg):
    pg.psql("DROP DATABASE IF EXISTS fkconc")
    pg.psql("CREATE DATABASE fkconc")
    pg.psql(SCHEMA, dbname="fkconc")
    helpers = subprocess.run([os.path.join(REPO, "tombstone"), "install", "--print"],
                             check=True, capture_output=True, text=True).stdout
    pg.psql(helpers, dbname="fkconc")
    return "fkconc"


def direct(pg, db):
    return psycopg.connect(pg.dsn(db), autocommit=True)


def blocked(pg, pid):
    with direct(pg, "postgres") as c:
        row = c.execute("SELECT wait_event_type FROM pg_stat_activity WHERE pid = %s",
                        (pid,)).fetchone()
    return row is not None and row[0] == "Lock"


def new_author(pg, db):
    with direct(pg, db) as c:
        return c.execute("INSERT INTO authors VALUES ((SELECT coalesce(max(id), 0) + 1 "
                         "FROM authors)) RETURNING id").fetchone()[0]


def orphans(pg, db):
    with direct(pg, db) as c:
        return c.execute(ORPHANS).fetchone()[0]


class Session:
    """A connection with one statement running in a thread, to be waited for."""

    def __init__(self, dsn):
        self.conn = psycopg.connect(dsn, autocommit=True)
        self.pid = self.conn.execute("SELECT pg_backend_pid()").fetchone()[0]
        self.error = None
        self.thread = None

    def start(self, sql, params=()):
        def run():
            try:
                self.conn.execute(sql, params)
            except psycopg.Error as e:
                self.error = e
        self.thread = threading.Thread(target=run)
        self.thread.start()

    def wait(self):
        self.thread.join(timeout=60)
        assert not self.thread.is_alive()

    def close(self):
        self.conn.close()


def delete_then_insert(pg, db, dsn, mark_sql, child_sql, setup=None):
    """The parent's delete holds its transaction open while the child insert starts.
    Returns (whether the insert was blocked on a lock, the insert's error or None)."""
    author = new_author(pg, db)
    a, b = Session(dsn), Session(dsn)
    try:
        for s in (a, b):
            if setup:
                s.conn.execute(setup)
        a.conn.execute("BEGIN")
        a.conn.execute(mark_sql, (author,))
        b.conn.execute("BEGIN")
        b.start(child_sql, (author,))
        wait_for(lambda: blocked(pg, b.pid) or not b.thread.is_alive(),
                 what="the insert to block or finish")
        was_blocked = b.thread.is_alive()
        a.conn.execute("COMMIT")
        b.wait()
        b.conn.execute("ROLLBACK" if b.error else "COMMIT")
        return was_blocked, b.error
    finally:
        a.close()
        b.close()


def insert_then_delete(pg, db, dsn, child_sql):
    """The child insert holds its transaction open; the parent's delete must wait for it and
    then see the child."""
    author = new_author(pg, db)
    a, b = Session(dsn), Session(dsn)
    try:
        b.conn.execute("BEGIN")
        b.conn.execute(child_sql, (author,))
        a.conn.execute("BEGIN")
        a.start("DELETE FROM authors WHERE id = %s", (author,))
        wait_for(lambda: blocked(pg, a.pid), what="the delete to block on the child's lock")
        b.conn.execute("COMMIT")
        a.wait()
        a.conn.execute("ROLLBACK" if a.error else "COMMIT")
        return a.error
    finally:
        a.close()
        b.close()


def test_control_plain_marking_lets_children_through(pg, fkdb):
    """Without the triggers of `tombstone install` (here: disabled, with every other trigger,
    by session_replication_role), marking a parent does not stop a concurrent child insert:
    the race these tests are about is real."""
    before = orphans(pg, fkdb)
    was_blocked, error = delete_then_insert(pg, fkdb, pg.dsn(fkdb),
                                            "UPDATE authors SET deleted_at = now() WHERE id = %s",
                                            "INSERT INTO books (author_id) VALUES (%s)",
                                            setup="SET session_replication_role = replica")
    assert not was_blocked and error is None
    assert orphans(pg, fkdb) == before + 1
    with direct(pg, fkdb) as c:  # leave no orphan for the other tests
        c.execute("DELETE FROM books WHERE deleted_at IS NULL AND author_id IN "
                  "(SELECT id FROM authors WHERE deleted_at IS NOT NULL)")


def test_direct_marking_is_covered_too(pg, fkdb):
    """The checks and actions are triggers in the database: marking a parent directly, not
    through the proxy, makes the concurrent child insert wait and fail as well."""
    was_blocked, error = delete_then_insert(pg, fkdb, pg.dsn(fkdb),
                                            "UPDATE authors SET deleted_at = now() WHERE id = %s",
                                            "INSERT INTO books (author_id) VALUES (%s)")
    assert was_blocked
    assert error is not None and error.sqlstate == "23503"
    assert orphans(pg, fkdb) == 0


def test_insert_waits_for_delete_and_fails(pg, fkdb, proxy):
    was_blocked, error = delete_then_insert(pg, fkdb, proxy.dsn(fkdb),
                                            "DELETE FROM authors WHERE id = %s",
                                            "INSERT INTO books (author_id) VALUES (%s)")
    assert was_blocked
    assert error is not None and error.sqlstate == "23503"
    assert error.diag.constraint_name == "books_author_id_fkey"
    assert orphans(pg, fkdb) == 0


def test_delete_waits_for_insert_and_cascades_to_it(pg, fkdb, proxy):
    error = insert_then_delete(pg, fkdb, proxy.dsn(fkdb),
                               "INSERT INTO books (author_id) VALUES (%s)")
    assert error is None
    assert orphans(pg, fkdb) == 0
    with direct(pg, fkdb) as c:
        assert c.execute("SELECT count(*) FROM books WHERE deleted_at IS NOT NULL").fetchone()[0] >= 1


def test_delete_waits_for_insert_and_restricts(pg, fkdb, proxy):
    error = insert_then_delete(pg, fkdb, proxy.dsn(fkdb),
                               "INSERT INTO awards (author_id) VALUES (%s)")
    assert error is not None and error.sqlstate == "23503"
    assert error.diag.constraint_name == "awards_author_id_fkey"


def test_randomized_races_keep_the_invariant(pg, fkdb, proxy):
    """Both sessions start together with random pauses, 200 times."""
    rng = random.Random(20261122)
    unexpected, refused = [], 0
    with direct(pg, fkdb) as c:
        marked_before = c.execute("SELECT count(*) FROM books WHERE deleted_at IS NOT NULL").fetchone()[0]
    for _ in range(200):
        author = new_author(pg, fkdb)
        a, b = Session(proxy.dsn(fkdb)), Session(proxy.dsn(fkdb))
        try:
            pause_a, pause_b = rng.random() / 200, rng.random() / 200
            a.start(f"BEGIN; SELECT pg_sleep({pause_a}); DELETE FROM authors WHERE id = {author}; "
                    "COMMIT")
            b.start(f"BEGIN; SELECT pg_sleep({pause_b}); INSERT INTO books (author_id) VALUES "
                    f"({author}); COMMIT")
            a.wait()
            b.wait()
            for s in (a, b):
                if s.error is not None and s.error.sqlstate != "23503":
                    unexpected.append(str(s.error))
            refused += b.error is not None
        finally:
            a.close()
            b.close()
    assert unexpected == []
    assert orphans(pg, fkdb) == 0
    # both orders happened: inserts refused after a delete, children cascaded by a delete
    with direct(pg, fkdb) as c:
        marked = c.execute("SELECT count(*) FROM books WHERE deleted_at IS NOT NULL").fetchone()[0]
    assert refused > 0 and marked > marked_before


def test_refusal_with_untyped_parameters(pg, fkdb, proxy):
    """A refused statement prepared with parameters whose type the client left to the server
    (psycopg sends a str as unknown) answers 0A000, not 42P18: the refusal does not use them."""
    with psycopg.connect(proxy.dsn(fkdb), autocommit=True) as c:
        with pytest.raises(psycopg.Error) as e:
            c.execute("DELETE FROM books b USING authors a JOIN authors x USING (id) "
                      "WHERE b.id = %s RETURNING *", ("1",))
        assert e.value.sqlstate == "0A000"
        assert c.execute("SELECT %s::text", ("still usable",)).fetchone()[0] == "still usable"
