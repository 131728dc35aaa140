"""Names are data (SPEC §6): a table, column, constraint or index that someone allowed to
create one names with SQL in it must not run that SQL in the session of whoever later
writes to it, or to its parent, through the proxy; and a configured name is a name.

Each test creates a crafted schema directly, drives the proxy with the simple query
protocol (several statements per Query are allowed there, as for psql or a client that
binds parameters itself), and checks both that the statement did what PostgreSQL would
have done and that the SQL hidden in the name never ran (no table "pwned*" appears)."""

import subprocess

import psycopg
import pytest
from harness import tombstone_binary

# Close check_ref's dollar-quoted check after `FROM public."`, pass the remaining arguments,
# close the call and VALUES, run a statement of ours, and comment out the rest of the line.
INJECT_PARENT = "$tombstone$,'','','','',''));CREATE TABLE pwned();--"
# The same attempt on the cascade plan, from a child's name.
INJECT_CHILD = "c$tombstone$::jsonb,NULL))SELECT 1;CREATE TABLE pwned2();--"


def qi(name):
    return '"' + name.replace('"', '""') + '"'


DATABASES = iter(range(1, 1000))


@pytest.fixture
def db(pg):
    """A new database with the helper functions of `tombstone install` (a new name each
    time: the proxy keeps a catalog snapshot per database name)."""
    name = f"quoting{next(DATABASES)}"
    pg.psql(f"DROP DATABASE IF EXISTS {name}")
    pg.psql(f"CREATE DATABASE {name}")
    helpers = subprocess.run([tombstone_binary(), "install", "--print"], check=True,
                             capture_output=True, text=True).stdout
    pg.psql(helpers, dbname=name)
    return name


def direct(pg, db):
    return psycopg.connect(pg.dsn(db), autocommit=True)


def through(px, db, **options):
    """A connection through the proxy that sends statements as simple Query messages."""
    return psycopg.connect(px.dsn(db, **options), autocommit=True,
                           cursor_factory=psycopg.ClientCursor)


def pwned(pg, db):
    with direct(pg, db) as c:
        return [r[0] for r in c.execute(
            "SELECT relname FROM pg_class WHERE relname LIKE 'pwned%' ORDER BY 1").fetchall()]


def test_parent_name_does_not_run_in_a_reference_check(pg, db, proxy):
    assert len(INJECT_PARENT.encode()) <= 63
    with direct(pg, db) as c:
        c.execute(f"CREATE TABLE {qi(INJECT_PARENT)} (id int PRIMARY KEY, deleted_at timestamptz)")
        c.execute(f"CREATE TABLE child (id serial PRIMARY KEY, pid int REFERENCES {qi(INJECT_PARENT)})")
        c.execute(f"INSERT INTO {qi(INJECT_PARENT)} VALUES (1), (2)")
    with through(proxy, db) as c:
        inserted = c.execute("INSERT INTO child (pid) VALUES (NULL), (1)").rowcount
        assert pwned(pg, db) == []
        assert inserted == 2
        assert c.execute(f"DELETE FROM {qi(INJECT_PARENT)} WHERE id = 2").statusmessage == \
            "DELETE 1"
        with pytest.raises(psycopg.errors.ForeignKeyViolation) as e:
            c.execute("INSERT INTO child (pid) VALUES (2)")
        assert e.value.diag.table_name == "child"
        assert e.value.diag.message_detail == \
            f'Key (pid)=(2) is not present in table "{INJECT_PARENT}".'
    assert pwned(pg, db) == []
    with direct(pg, db) as c:
        assert c.execute("SELECT pid FROM child ORDER BY id").fetchall() == [(None,), (1,)]


def test_child_names_do_not_break_a_cascade(pg, db, proxy):
    """Children named with the plan's dollar-quote tag, quotes, a backslash, a newline and
    a keyword: the DELETE of their parent cascades, sets NULL and fails on RESTRICT as
    PostgreSQL would, naming them exactly."""
    set_null, restrict = "n$tombstone1$'\"\\\nx", "select"
    with direct(pg, db) as c:
        c.execute("CREATE TABLE parent (id int PRIMARY KEY, deleted_at timestamptz)")
        c.execute(f"CREATE TABLE {qi(INJECT_CHILD)} (id int PRIMARY KEY, deleted_at timestamptz,"
                  " pid int REFERENCES parent ON DELETE CASCADE)")
        c.execute(f"CREATE TABLE {qi(set_null)} (id int PRIMARY KEY,"
                  " pid int REFERENCES parent ON DELETE SET NULL)")
        c.execute(f"CREATE TABLE {qi(restrict)} (id int PRIMARY KEY,"
                  f" {qi(set_null)} int CONSTRAINT {qi(INJECT_CHILD)} REFERENCES parent"
                  " ON DELETE RESTRICT)")
        c.execute("INSERT INTO parent VALUES (1), (2)")
        c.execute(f"INSERT INTO {qi(INJECT_CHILD)} (id, pid) VALUES (10, 1), (11, 2)")
        c.execute(f"INSERT INTO {qi(set_null)} VALUES (20, 1)")
        c.execute(f"INSERT INTO {qi(restrict)} VALUES (30, 2)")
    with through(proxy, db) as c:
        assert c.execute("DELETE FROM parent WHERE id = 1").statusmessage == "DELETE 1"
        with pytest.raises(psycopg.errors.ForeignKeyViolation) as e:
            c.execute("DELETE FROM parent WHERE id = 2")
        assert e.value.diag.constraint_name == INJECT_CHILD
        assert e.value.diag.table_name == restrict
        assert e.value.diag.message_detail == \
            'Key (id)=(2) is still referenced from table "select".'
    assert pwned(pg, db) == []
    with direct(pg, db) as c:
        assert c.execute("SELECT id, deleted_at IS NOT NULL FROM parent ORDER BY id"
                         ).fetchall() == [(1, True), (2, False)]
        assert c.execute(f"SELECT id, deleted_at IS NOT NULL FROM {qi(INJECT_CHILD)} ORDER BY id"
                         ).fetchall() == [(10, True), (11, False)]
        assert c.execute(f"SELECT pid FROM {qi(set_null)}").fetchall() == [(None,)]


def test_index_predicate_does_not_run_with_escape_strings(pg, db, proxy):
    """A partial unique index whose predicate, printed for a session with
    standard_conforming_strings on, would end its literal early in one with it off."""
    with direct(pg, db) as c:
        c.execute("CREATE TABLE t (id serial PRIMARY KEY, tag text, deleted_at timestamptz)")
        c.execute("CREATE UNIQUE INDEX t_tag ON t (tag)")
        c.execute("CREATE UNIQUE INDEX t_tag_live ON t (tag) WHERE deleted_at IS NULL"
                  " AND tag <> '\\' AND tag <> ' DO NOTHING;CREATE TABLE pwned3();--'")
        c.execute("INSERT INTO t (tag) VALUES ('a')")
    with through(proxy, db) as c:
        c.execute("SELECT 1")  # the catalog is read at login, with the setting on
        c.execute("SET standard_conforming_strings = off")
        status = c.execute("INSERT INTO t (tag) VALUES ('a'), ('b') ON CONFLICT (tag) DO NOTHING"
                           ).statusmessage
        assert pwned(pg, db) == []
        assert status == "INSERT 0 1"
    with direct(pg, db) as c:
        assert c.execute("SELECT tag FROM t ORDER BY id").fetchall() == [("a",), ("b",)]


def test_configured_names_are_names(pg, db, own_proxy):
    """Marker columns and excluded tables from the configuration, with a quote, a
    backslash and the dollar-quote tag, read by a session with standard_conforming_strings
    off: the table with that marker is soft-delete, the excluded one is not."""
    marker, excluded = "del'\\$tombstone$\"at", "o'\\x"
    px = own_proxy(extra=f"[softdelete]\ncolumns = deleted_at, {marker}\n"
                         f"exclude = public.{excluded}")
    # install again with these settings, as the README asks when [softdelete] changes: the
    # database's triggers and guard read them from tombstone.settings
    pg.psql(subprocess.run([tombstone_binary(), "install", "--print", "-c", px.config_path],
                           check=True, capture_output=True, text=True).stdout, dbname=db)
    with direct(pg, db) as c:
        c.execute(f"CREATE TABLE m (id int PRIMARY KEY, {qi(marker)} timestamptz)")
        c.execute(f"CREATE TABLE {qi(excluded)} (id int PRIMARY KEY, deleted_at timestamptz)")
        c.execute("INSERT INTO m VALUES (1), (2)")
        c.execute(f"INSERT INTO {qi(excluded)} VALUES (1), (2)")
    with through(px, db, options="-c standard_conforming_strings=off") as c:
        assert c.execute("DELETE FROM m WHERE id = 1").statusmessage == "DELETE 1"
        assert c.execute("SELECT id FROM m ORDER BY id").fetchall() == [(2,)]
        assert c.execute(f"DELETE FROM {qi(excluded)} WHERE id = 1").statusmessage == \
            "DELETE 1"
    with direct(pg, db) as c:
        assert c.execute(f"SELECT id, {qi(marker)} IS NOT NULL FROM m ORDER BY id"
                         ).fetchall() == [(1, True), (2, False)]
        assert c.execute(f"SELECT id FROM {qi(excluded)} ORDER BY id").fetchall() == [(2,)]
