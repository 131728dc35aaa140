"""Issue 15: pg_dump and pg_restore through the proxy. Through an alias with visibility=all a
dump and its restore reproduce the database exactly, marked rows, hidden rows and markers
included, and the restored copy works through the proxy at once (the triggers of `tombstone
install` come with the dump, under names that survive it); through a live alias pg_dump
exports what the application sees; restores through a live alias (plain with psql -f, custom
with pg_restore, and --data-only --disable-triggers into an existing schema) do not trip the
foreign-key checks on the marked rows the dump holds."""

import os
import subprocess

import psycopg
import pytest
from harness import PG_BIN, Proxy, tombstone_binary

SRC, DST = "dump_src", "dump_dst"

SCHEMA = """
CREATE TABLE authors (id int PRIMARY KEY, name text NOT NULL, deleted_at timestamptz);
CREATE UNIQUE INDEX authors_name ON authors (name) WHERE deleted_at IS NULL;
CREATE TABLE books (id serial PRIMARY KEY, title text, deleted_at timestamptz,
    author_id int REFERENCES authors ON DELETE CASCADE);
-- a table without marker: its rows are hidden with their book, not marked
CREATE TABLE notes (id int PRIMARY KEY, book_id int REFERENCES books ON DELETE CASCADE);
CREATE TABLE reviews (id int PRIMARY KEY, deleted_at timestamptz,
    book_id int REFERENCES books ON DELETE SET NULL);
CREATE TABLE shelves (id int PRIMARY KEY, is_deleted boolean NOT NULL DEFAULT false);
CREATE TABLE slots (id int PRIMARY KEY, is_deleted boolean NOT NULL DEFAULT false,
    shelf_id int REFERENCES shelves ON DELETE CASCADE);
INSERT INTO authors VALUES (1, 'ann', NULL), (2, 'bob', NULL), (3, 'cy', NULL);
INSERT INTO books (id, title, author_id) VALUES (10, 'a', 1), (11, 'b', 1), (20, 'c', 2),
    (30, 'd', 3);
SELECT setval('books_id_seq', 30);
INSERT INTO notes VALUES (50, 10), (51, 20);
INSERT INTO reviews VALUES (70, NULL, 10), (71, NULL, 20);
INSERT INTO shelves VALUES (1, false), (2, false);
INSERT INTO slots VALUES (1, false, 1), (2, false, 1), (3, false, 2);
"""

TABLES = ["authors", "books", "notes", "reviews", "shelves", "slots"]


def fresh(pg, name):
    pg.psql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    pg.psql(f"CREATE DATABASE {name}")


@pytest.fixture(scope="module")
def px(pg):
    fresh(pg, SRC)
    pg.psql(SCHEMA, dbname=SRC)
    dbs = {}
    for db in (SRC, DST):
        dbs[db] = f"host=127.0.0.1 port={pg.port} dbname={db}"
        dbs[db + "_all"] = f"host=127.0.0.1 port={pg.port} dbname={db} visibility=all"
    proxy = Proxy.start(pg, databases=dbs, extra="[softdelete]\ncolumns = deleted_at, is_deleted")
    out = subprocess.run([tombstone_binary(), "install", "-c", proxy.config_path, "-d", SRC,
                          "-U", "postgres"], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stdout + out.stderr
    with psycopg.connect(proxy.dsn(SRC), autocommit=True) as c:
        c.execute("DELETE FROM authors WHERE id = 1")  # books 10, 11 marked, note 50 hidden
        c.execute("DELETE FROM books WHERE id = 30")  # on its own
        c.execute("DELETE FROM shelves WHERE id = 1")  # slots 1, 2 marked
    yield proxy
    assert proxy.stop() == 0
    for db in (SRC, DST):
        pg.psql(f"DROP DATABASE IF EXISTS {db} WITH (FORCE)")


def run(args, **kw):
    out = subprocess.run(args, capture_output=True, text=True, timeout=120, **kw)
    return out


def direct_dump(pg, db, *opts):
    """pg_dump straight from PostgreSQL, without the lines that differ on every run."""
    out = run([f"{PG_BIN}/pg_dump", "-h", pg.sockdir, "-p", str(pg.port), "-U", "postgres",
               *opts, db])
    assert out.returncode == 0, out.stderr
    return [line for line in out.stdout.splitlines()
            if not line.startswith(("\\restrict", "\\unrestrict"))]


def without_epoch(lines):
    """The rows of tombstone.catalog_epoch count DDL per backend: a restore's own DDL adds some."""
    out, skip = [], False
    for line in lines:
        if line.startswith("COPY tombstone.catalog_epoch"):
            skip = True
        elif skip and line == "\\.":
            skip = False
        elif not skip:
            out.append(line)
    return out


def proxy_args(px, alias):
    return ["-h", "127.0.0.1", "-p", str(px.port), "-U", "postgres", "-d", alias]


def dump_through(px, tmp_path, alias, fmt, *opts):
    path = os.path.join(tmp_path, f"{alias}.{fmt}")
    out = run([f"{PG_BIN}/pg_dump", f"-F{fmt[0]}", "-f", path, *opts, *proxy_args(px, alias)])
    assert out.returncode == 0, out.stderr
    return path


def restore_through(px, path, alias, fmt, *opts, stop=True):
    if fmt == "plain":
        args = [f"{PG_BIN}/psql", "-X", "-q", "-v", f"ON_ERROR_STOP={int(stop)}", "-f", path,
                *proxy_args(px, alias)]
    else:
        stop_opt = ["--exit-on-error"] if stop else []
        args = [f"{PG_BIN}/pg_restore", *stop_opt, *opts, *proxy_args(px, alias), path]
    return run(args)


def rows(conn, table):
    return conn.execute(f"SELECT * FROM {table} ORDER BY 1").fetchall()


@pytest.mark.parametrize("fmt", ["plain", "custom"])
@pytest.mark.parametrize("target", [DST, DST + "_all"])
def test_round_trip_through_all_alias_is_exact(pg, px, tmp_path, fmt, target):
    path = dump_through(px, tmp_path, SRC + "_all", fmt)
    fresh(pg, DST)
    out = restore_through(px, path, target, fmt)
    assert out.returncode == 0, out.stderr
    # the same database, byte for byte as pg_dump prints it: marked rows and their markers,
    # hidden rows, sequences, and the triggers of `tombstone install` under the same names
    # (the keys' oids differ: the copy was created after the original in the same cluster)
    assert direct_dump(pg, DST) == direct_dump(pg, SRC)
    oids = [pg.psql("SELECT min(oid) FROM pg_constraint WHERE contype = 'f' AND "
                    "conrelid = 'books'::regclass", dbname=db) for db in (SRC, DST)]
    assert oids[0] != oids[1]
    # the copy works through the proxy at once: the triggers are the ones it looks for
    with psycopg.connect(px.dsn(DST), autocommit=True) as c:
        with pytest.raises(psycopg.errors.ForeignKeyViolation):
            c.execute("INSERT INTO books (title, author_id) VALUES ('new', 1)")  # 1 is marked
        assert c.execute("DELETE FROM authors WHERE id = 2").rowcount == 1
        assert rows(c, "books") == []
        assert rows(c, "notes") == []
    with psycopg.connect(pg.dsn(DST)) as c:
        assert c.execute("SELECT count(*) FROM books WHERE deleted_at IS NOT NULL").fetchone() == (4,)


def test_live_alias_dump_is_what_the_application_sees(pg, px, tmp_path):
    path = dump_through(px, tmp_path, SRC, "plain")
    fresh(pg, DST)
    out = run([f"{PG_BIN}/psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-f", path,
               "-h", pg.sockdir, "-p", str(pg.port), "-U", "postgres", "-d", DST])
    assert out.returncode == 0, out.stderr
    with psycopg.connect(px.dsn(SRC)) as app, psycopg.connect(pg.dsn(DST)) as copy:
        for table in TABLES:
            assert rows(copy, table) == rows(app, table), table
        # nothing marked made it into the copy; the original still has it all
        assert rows(copy, "authors") == [(2, "bob", None), (3, "cy", None)]
        assert [r[0] for r in rows(copy, "notes")] == [51]
    with psycopg.connect(pg.dsn(SRC)) as c:
        assert c.execute("SELECT count(*) FROM books").fetchone() == (4,)


@pytest.mark.parametrize("fmt", ["plain", "custom"])
def test_data_only_restore_through_live_alias(pg, px, tmp_path, fmt):
    """pg_dump's advice for --data-only: --disable-triggers, as a superuser. The proxy sees
    the triggers disabled with PostgreSQL's own and lets the COPYs through."""
    full = dump_through(px, tmp_path, SRC + "_all", "custom")
    fresh(pg, DST)
    out = run([f"{PG_BIN}/pg_restore", "--schema-only", "--exit-on-error", "-h", pg.sockdir,
               "-p", str(pg.port), "-U", "postgres", "-d", DST, full])
    assert out.returncode == 0, out.stderr
    if fmt == "plain":
        path = dump_through(px, tmp_path, SRC + "_all", "plain", "--data-only",
                            "--disable-triggers")
        out = restore_through(px, path, DST, fmt)
    else:
        out = restore_through(px, full, DST, fmt, "--data-only", "--disable-triggers")
    assert out.returncode == 0, out.stderr
    assert without_epoch(direct_dump(pg, DST)) == without_epoch(direct_dump(pg, SRC))
    with psycopg.connect(pg.dsn(DST)) as c:  # every trigger is enabled again
        assert c.execute("SELECT count(*) FROM pg_trigger WHERE tgenabled = 'D'").fetchone() == (0,)


def test_data_only_restore_without_disable_triggers(pg, px, tmp_path):
    """Without --disable-triggers the checks run on every row: marked rows pass (a marked
    row needs no live parent), a row of a table without marker that a marked parent hides is
    refused, as it is directly on PostgreSQL (README: Tools and frameworks)."""
    full = dump_through(px, tmp_path, SRC + "_all", "custom")
    fresh(pg, DST)
    out = run([f"{PG_BIN}/pg_restore", "--schema-only", "-h", pg.sockdir, "-p", str(pg.port),
               "-U", "postgres", "-d", DST, full])
    assert out.returncode == 0, out.stderr
    out = restore_through(px, full, DST, "custom", "--data-only", stop=False)
    errors = [line for line in out.stderr.splitlines() if "ERROR" in line]
    assert len(errors) == 1 and 'table "notes"' in errors[0], out.stderr
    with psycopg.connect(pg.dsn(DST)) as c:
        assert c.execute("SELECT count(*) FROM books WHERE deleted_at IS NOT NULL").fetchone() == (3,)
        assert c.execute("SELECT count(*) FROM slots WHERE is_deleted").fetchone() == (2,)
