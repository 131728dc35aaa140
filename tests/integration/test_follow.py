"""Issue 15: where a statement changes the search_path in a way only the server can tell (a
set_config() whose arguments are not constants, as pg_dump sends it; a DO block; a procedure;
a function whose body sets it; set_config called with the FunctionCall message; SET ROLE,
which changes what "$user" names), the proxy reads the setting again after it and
rewrites the next statement with it, also inside one extended-protocol batch. fl_arch.fl_events
is a soft-delete table, public.fl_events a plain one of the same name: a DELETE resolved with
the path from before would go out unchanged and delete fl_arch rows for real (or be refused by
the guard)."""

import os
import subprocess

import psycopg
import pytest
from harness import REPO

ITEST_BIN = os.environ.get("ITEST_BIN", os.path.join(REPO, "build", "itests"))

SCHEMA = """
DROP SCHEMA IF EXISTS fl_arch CASCADE; DROP TABLE IF EXISTS fl_events;
DROP SCHEMA IF EXISTS fl_owner CASCADE; DROP TABLE IF EXISTS fl_items;
DROP ROLE IF EXISTS fl_owner;
CREATE SCHEMA fl_arch;
CREATE TABLE fl_arch.fl_events (id int PRIMARY KEY, deleted_at timestamptz);
CREATE TABLE fl_events (id int PRIMARY KEY);
INSERT INTO fl_arch.fl_events SELECT i FROM generate_series(1, 6) i;
INSERT INTO fl_events SELECT i FROM generate_series(1, 6) i;
CREATE ROLE fl_owner;
CREATE SCHEMA fl_owner AUTHORIZATION fl_owner;
CREATE TABLE fl_owner.fl_items (id int PRIMARY KEY, deleted_at timestamptz);
ALTER TABLE fl_owner.fl_items OWNER TO fl_owner;
CREATE TABLE fl_items (id int PRIMARY KEY);
INSERT INTO fl_owner.fl_items SELECT i FROM generate_series(1, 3) i;
INSERT INTO fl_items SELECT i FROM generate_series(1, 3) i;
"""


@pytest.fixture
def tables(pg, proxy):
    # through the proxy: DDL made directly in PostgreSQL reaches a running proxy's snapshot
    # only within epoch_interval or schema_refresh (README, "The catalog snapshot"), and the
    # shared proxy has read this database's catalog before when other tests ran first
    with psycopg.connect(proxy.dsn(), autocommit=True) as c:
        c.execute(SCHEMA)
    yield
    pg.psql("DROP SCHEMA fl_arch CASCADE; DROP TABLE fl_events; DROP SCHEMA fl_owner CASCADE; "
            "DROP TABLE fl_items; DROP ROLE fl_owner")


def rows(pg, table):
    """(id, marked) of every row, read directly; plain tables have no marker."""
    marked = "deleted_at IS NOT NULL" if "." in table else "false"
    out = pg.psql(f"SELECT id, {marked} FROM {table} ORDER BY id").split()
    return [(int(r.split("|")[0]), r.split("|")[1] == "t") for r in out]


def marked_only(ids, n):
    return [(i, i in ids) for i in range(1, n + 1)]


def test_pg_dump_set_config_is_followed(proxy, pg, tables):
    """pg_dump's own statement (the name comes from pg_settings) runs; one like it that sets
    the search_path is followed by the next DELETE."""
    with psycopg.connect(proxy.dsn(), autocommit=True) as c:
        c.execute("SELECT set_config(name, 'view, foreign-table', false) FROM pg_settings "
                  "WHERE name = 'restrict_nonsystem_relation_kind'")
        c.execute("SELECT set_config(name, 'fl_arch, public', false) FROM pg_settings "
                  "WHERE name = 'search_path'")
        assert c.execute("DELETE FROM fl_events WHERE id = 1").rowcount == 1
        assert c.execute("SELECT count(*) FROM fl_events").fetchone() == (5,)
    assert rows(pg, "fl_arch.fl_events") == marked_only({1}, 6)
    assert rows(pg, "fl_events") == marked_only(set(), 6)


@pytest.mark.parametrize("setter", [
    "SELECT set_config('search_path', %s, false)",  # a parameter: not a constant
    "DO $$ BEGIN PERFORM set_config('search_path', 'fl_arch, public', false); END $$",
])
def test_pipeline_change_then_delete(proxy, pg, tables, setter):
    """The change and the DELETE after it in one pipeline (one batch): the proxy asks the
    server for what it has answered and reads the search_path inside the batch."""
    with psycopg.connect(proxy.dsn(), autocommit=True) as c:
        with c.pipeline():
            c.execute(setter, ("fl_arch, public",) if "%s" in setter else None)
            deleted = c.execute("DELETE FROM fl_events WHERE id = %s", (2,))
            count = c.execute("SELECT count(*) FROM fl_events")
        assert deleted.rowcount == 1
        assert count.fetchone() == (5,)
        c.execute("RESET search_path")
        assert c.execute("SELECT count(*) FROM fl_events").fetchone() == (6,)
    assert rows(pg, "fl_arch.fl_events") == marked_only({2}, 6)
    assert rows(pg, "fl_events") == marked_only(set(), 6)


def test_procedure_sets_search_path(proxy, pg, tables):
    with psycopg.connect(proxy.dsn(), autocommit=True) as c:
        c.execute("CREATE PROCEDURE pg_temp.fl_use_arch() LANGUAGE plpgsql AS "
                  "$$ BEGIN PERFORM set_config('search_path', 'fl_arch, public', false); END $$")
        c.execute("CALL pg_temp.fl_use_arch()")
        assert c.execute("DELETE FROM fl_events WHERE id = 3").rowcount == 1
    assert rows(pg, "fl_arch.fl_events") == marked_only({3}, 6)


def test_set_role_changes_user_schema(proxy, pg, tables):
    """The default search_path "$user", public: after SET ROLE, "$user" is the new role."""
    with psycopg.connect(proxy.dsn(), autocommit=True) as c:
        c.execute("SET ROLE fl_owner")
        assert c.execute("DELETE FROM fl_items WHERE id = 1").rowcount == 1
        assert c.execute("SELECT count(*) FROM fl_items").fetchone() == (2,)
        c.execute("RESET ROLE")
        assert c.execute("SELECT count(*) FROM fl_items").fetchone() == (3,)
        c.execute("SET ROLE fl_owner")
        c.execute("RESET search_path")  # "$user", public: still the role's
        assert c.execute("DELETE FROM fl_items WHERE id = 2").rowcount == 1
        c.execute("DISCARD ALL")  # the login's role again
        assert c.execute("SELECT count(*) FROM fl_items").fetchone() == (3,)
    assert rows(pg, "fl_owner.fl_items") == marked_only({1, 2}, 3)
    assert rows(pg, "fl_items") == marked_only(set(), 3)


def test_prepared_set_config_each_execution(proxy, pg, tables):
    """A set_config() prepared once (psycopg prepare=True) and run with other values: each
    execution is followed."""
    with psycopg.connect(proxy.dsn(), autocommit=True) as c:
        for i, path in enumerate(["fl_arch, public", "public", "fl_arch, public"], 1):
            c.execute("SELECT set_config('search_path', %s, false)", (path,), prepare=True)
            assert c.execute("DELETE FROM fl_events WHERE id = %s", (i,),
                             prepare=True).rowcount == 1
    assert rows(pg, "fl_arch.fl_events") == marked_only({1, 3}, 6)
    assert rows(pg, "fl_events") == [(i, False) for i in (1, 3, 4, 5, 6)]


def test_function_created_by_another_session(proxy, pg, tables):
    """A function created directly on PostgreSQL that sets the search_path: once the proxy has
    read the catalog again it knows the function, and follows a SELECT that calls it."""
    pg.psql("CREATE FUNCTION fl_switch(path text) RETURNS void LANGUAGE sql AS "
            "$$ SELECT set_config('search_path', path, false) $$")
    try:
        with psycopg.connect(proxy.dsn(), autocommit=True) as c:
            c.execute("CREATE TABLE fl_ddl ()")  # DDL of its own: the catalog is read again
            c.execute("DROP TABLE fl_ddl")
            c.execute("SELECT fl_switch(%s)", ("fl_arch, public",))
            assert c.execute("DELETE FROM fl_events WHERE id = 4").rowcount == 1
    finally:
        pg.psql("DROP FUNCTION fl_switch")
    assert rows(pg, "fl_arch.fl_events") == marked_only({4}, 6)


def test_function_call_message(proxy, pg, tables):
    """libpq's PQfn calls set_config by its oid (the FunctionCall message): followed too."""
    out = subprocess.run([os.path.join(ITEST_BIN, "pqclient"), "fnpath", proxy.dsn(),
                          "fl_arch, public", "DELETE FROM fl_events WHERE id = 5"],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stdout + out.stderr
    assert out.stdout == "PGRES_COMMAND_OK DELETE 1\n"
    assert rows(pg, "fl_arch.fl_events") == marked_only({5}, 6)
