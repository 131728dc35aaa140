"""Issue 12 (SPEC §5): the modes — tombstone.visibility (live, all, deleted) and
tombstone.deletes (soft, hard) — set every way a user can set them (a [databases] alias, the
startup options of a connection string, SET, SET LOCAL, RESET, RESET ALL, DISCARD ALL, and
their undoing by a rollback), over the simple and the extended protocol with prepared
statements reused across a change; and restore: UPDATE ... SET deleted_at = NULL where marked
rows are visible brings back what the same cascade marked, and fails as a re-insert would."""

import subprocess

import psycopg
import pytest
from harness import Proxy, tombstone_binary

DB = "modes_db"

SCHEMA = """
CREATE TABLE authors (id int PRIMARY KEY, name text NOT NULL, deleted_at timestamptz);
CREATE UNIQUE INDEX authors_name ON authors (name) WHERE deleted_at IS NULL;
CREATE TABLE books (id int PRIMARY KEY, title text, deleted_at timestamptz,
    author_id int REFERENCES authors ON DELETE CASCADE);
CREATE TABLE chapters (id int PRIMARY KEY, deleted_at timestamptz,
    book_id int REFERENCES books ON DELETE CASCADE);
-- a table without marker between two soft ones: its rows are hidden, not marked
CREATE TABLE notes (id int PRIMARY KEY, book_id int REFERENCES books ON DELETE CASCADE);
CREATE TABLE remarks (id int PRIMARY KEY, deleted_at timestamptz,
    note_id int REFERENCES notes ON DELETE CASCADE);
CREATE TABLE reviews (id int PRIMARY KEY, deleted_at timestamptz,
    book_id int REFERENCES books ON DELETE SET NULL);
CREATE TABLE shelves (id int PRIMARY KEY, is_deleted boolean NOT NULL DEFAULT false);
CREATE TABLE slots (id int PRIMARY KEY, is_deleted boolean NOT NULL DEFAULT false,
    shelf_id int REFERENCES shelves ON DELETE CASCADE);
"""

DATA = """
TRUNCATE authors, books, chapters, notes, remarks, reviews, shelves, slots;
INSERT INTO authors VALUES (1, 'ann', NULL), (2, 'bob', NULL), (3, 'cy', now() - interval '9 days');
INSERT INTO books VALUES (10, 'a', NULL, 1), (11, 'b', NULL, 1), (20, 'c', NULL, 2);
INSERT INTO chapters VALUES (100, NULL, 10), (101, NULL, 10), (110, NULL, 11), (200, NULL, 20);
INSERT INTO notes VALUES (50, 10), (51, 20);
INSERT INTO remarks VALUES (500, NULL, 50), (501, NULL, 50), (510, NULL, 51);
INSERT INTO reviews VALUES (70, NULL, 10), (71, NULL, 20);
INSERT INTO shelves VALUES (1, false), (2, false);
INSERT INTO slots VALUES (1, false, 1), (2, false, 1), (3, false, 2);
"""

ALIASES = {
    "modes": "",
    "modes_all": " visibility=all",
    "modes_trash": " visibility=deleted",
    "modes_forever": " visibility=deleted deletes=hard",
    "modes_hard": " deletes=hard",
}


@pytest.fixture(scope="module")
def px(pg):
    pg.psql(f"DROP DATABASE IF EXISTS {DB} WITH (FORCE)")
    pg.psql(f"CREATE DATABASE {DB}")
    pg.psql(SCHEMA, dbname=DB)
    dbs = {alias: f"host=127.0.0.1 port={pg.port} dbname={DB}{opts}"
           for alias, opts in ALIASES.items()}
    proxy = Proxy.start(pg, databases=dbs, extra="[softdelete]\ncolumns = deleted_at, is_deleted")
    out = subprocess.run([tombstone_binary(), "install", "-c", proxy.config_path, "-d", "modes",
                          "-U", "postgres"], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stdout + out.stderr
    yield proxy
    assert proxy.stop() == 0
    pg.psql(f"DROP DATABASE IF EXISTS {DB} WITH (FORCE)")


@pytest.fixture
def data(pg, px):
    pg.psql(DATA, dbname=DB)


def connect(px, alias="modes", simple=False, **options):
    return psycopg.connect(px.dsn(alias, **options), autocommit=True,
                           cursor_factory=psycopg.ClientCursor if simple else psycopg.Cursor)


def ids(conn, sql, prepare=None):
    return [r[0] for r in conn.execute(sql, prepare=prepare).fetchall()]


def physical(pg, table, marker="deleted_at IS NOT NULL"):
    """{id: marked} of every row of the table, read directly from PostgreSQL."""
    out = pg.psql(f"SELECT id, {marker} FROM {table} ORDER BY id", dbname=DB).split()
    return {int(line.split("|")[0]): line.split("|")[1] == "t" for line in out}


LIVE, ALL, TRASH = [1, 2], [1, 2, 3], [3]


@pytest.mark.parametrize("alias,seen", [("modes", LIVE), ("modes_all", ALL),
                                        ("modes_trash", TRASH)])
@pytest.mark.parametrize("simple", [True, False])
def test_alias_chooses_the_rows(px, data, alias, seen, simple):
    with connect(px, alias, simple) as c:
        assert ids(c, "SELECT id FROM authors ORDER BY id") == seen
        assert c.execute("SHOW tombstone.visibility").fetchone()[0] == \
            {"modes": "live", "modes_all": "all", "modes_trash": "deleted"}[alias]


def test_startup_option_overrides_the_alias(px, data):
    with connect(px, options="-c tombstone.visibility=all") as c:
        assert ids(c, "SELECT id FROM authors ORDER BY id") == ALL
    with connect(px, "modes_all", options="-c tombstone.visibility=live") as c:
        assert ids(c, "SELECT id FROM authors ORDER BY id") == LIVE
    with pytest.raises(psycopg.OperationalError, match="tombstone.visibility"):
        connect(px, options="-c tombstone.visibility=everything")


@pytest.mark.parametrize("simple", [True, False])
def test_set_reset_discard_with_a_prepared_statement(px, data, simple):
    """One prepared statement (extended protocol) or one text (simple) run after each change:
    the answer follows the mode, never a text rewritten for another."""
    q = "SELECT id FROM authors ORDER BY id"
    with connect(px, simple=simple) as c:
        assert ids(c, q, prepare=True) == LIVE
        c.execute("SET tombstone.visibility = 'all'")
        assert ids(c, q, prepare=True) == ALL
        c.execute("SET tombstone.visibility TO deleted")
        assert ids(c, q, prepare=True) == TRASH
        c.execute("RESET tombstone.visibility")
        assert ids(c, q, prepare=True) == LIVE
        c.execute("SET tombstone.visibility = 'all'")
        c.execute("RESET ALL")
        assert ids(c, q, prepare=True) == LIVE
        c.execute("SET tombstone.visibility = 'all'")
        c.execute("DISCARD ALL")  # drops the prepared statements too (psycopg does not know)
        assert ids(c, q, prepare=False) == LIVE
        assert c.execute("SHOW tombstone.visibility").fetchone() == ("live",)


@pytest.mark.parametrize("simple", [True, False])
def test_transactions_undo_and_end_settings(px, data, simple):
    q = "SELECT id FROM authors ORDER BY id"
    with connect(px, simple=simple) as c:
        with c.transaction():
            c.execute("SET LOCAL tombstone.visibility = 'all'")
            assert ids(c, q, prepare=True) == ALL
        assert ids(c, q, prepare=True) == LIVE  # SET LOCAL ended with the transaction
        c.execute("BEGIN")
        c.execute("SET tombstone.visibility = 'deleted'")
        assert ids(c, q, prepare=True) == TRASH
        c.execute("ROLLBACK")
        assert ids(c, q, prepare=True) == LIVE  # a SET rolled back is undone
        c.execute("BEGIN")
        c.execute("SET tombstone.visibility = 'all'")
        c.execute("SAVEPOINT s")
        c.execute("SET tombstone.visibility = 'deleted'")
        assert ids(c, q, prepare=True) == TRASH
        c.execute("ROLLBACK TO SAVEPOINT s")
        assert ids(c, q, prepare=True) == ALL  # back to the value before the savepoint
        c.execute("COMMIT")
        assert ids(c, q, prepare=True) == ALL  # a SET committed stays
        c.execute("BEGIN")
        c.execute("SET tombstone.visibility = 'live'")
        with pytest.raises(psycopg.errors.DivisionByZero):
            c.execute("SELECT 1 / 0")
        c.execute("ROLLBACK")  # a failed transaction's SET is undone too
        assert ids(c, q, prepare=True) == ALL
        # a SET inside a multi-statement Query, then a read in the same text
        if simple:
            cur = c.execute("SET tombstone.visibility = 'deleted'; "
                            "SELECT id FROM authors ORDER BY id")
            assert cur.nextset()
            assert [r[0] for r in cur.fetchall()] == TRASH


def test_bad_values_and_names(px, data):
    with connect(px) as c:
        with pytest.raises(psycopg.errors.InvalidParameterValue, match="available values"):
            c.execute("SET tombstone.visibility = 'everything'")
        with pytest.raises(psycopg.errors.InvalidParameterValue):
            c.execute("SET tombstone.deletes = 'sometimes'")
        with pytest.raises(psycopg.errors.CantChangeRuntimeParam):
            c.execute("SET tombstone.proxied = off")
        assert ids(c, "SELECT id FROM authors ORDER BY id") == LIVE


@pytest.mark.parametrize("simple", [True, False])
def test_hard_deletes_delete_and_the_keys_act_natively(pg, px, data, simple):
    with connect(px, simple=simple) as c:
        c.execute("SET tombstone.deletes = hard")
        cur = c.execute("DELETE FROM authors WHERE id = %s RETURNING name", (1,))
        assert cur.fetchall() == [("ann",)]
        # the marked author is not reached (visibility = live)
        assert c.execute("DELETE FROM authors WHERE id = %s", (3,)).rowcount == 0
    assert physical(pg, "authors") == {2: False, 3: True}
    assert sorted(physical(pg, "books")) == [20]        # ON DELETE CASCADE, natively
    assert sorted(physical(pg, "chapters")) == [200]
    assert sorted(physical(pg, "notes", "false")) == [51]
    assert sorted(physical(pg, "remarks")) == [510]
    assert pg.psql("SELECT book_id IS NULL FROM reviews WHERE id = 70", dbname=DB).strip() == "t"


def test_hard_deletes_by_alias_and_forever_from_the_trash(pg, px, data):
    with connect(px, "modes_hard") as c:
        assert c.execute("DELETE FROM chapters WHERE id = 200").rowcount == 1
    with connect(px) as c:
        assert c.execute("DELETE FROM books WHERE id = 11").rowcount == 1  # marks 11, 110
    with connect(px, "modes_forever") as c:
        assert ids(c, "SELECT id FROM chapters ORDER BY id") == [110]
        # only marked rows are reached: chapter 100 is live and stays
        assert c.execute("DELETE FROM chapters WHERE id IN (100, 110)").rowcount == 1
        assert c.execute("DELETE FROM books").rowcount == 1
    assert physical(pg, "chapters") == {100: False, 101: False}
    assert physical(pg, "books") == {10: False, 20: False}


def test_a_soft_delete_in_the_trash_is_refused(pg, px, data):
    with connect(px, "modes_trash") as c:
        with pytest.raises(psycopg.errors.FeatureNotSupported, match="marks nothing"):
            c.execute("DELETE FROM authors WHERE id = 3")
    with connect(px, "modes_all") as c:
        # under visibility = all a DELETE marks the live rows it reaches, never a marked one
        # again (its time links it to its cascade)
        before = pg.psql("SELECT deleted_at FROM authors WHERE id = 3", dbname=DB)
        assert c.execute("DELETE FROM authors WHERE id IN (2, 3)").rowcount == 1
        assert pg.psql("SELECT deleted_at FROM authors WHERE id = 3", dbname=DB) == before
    assert physical(pg, "authors") == {1: False, 2: True, 3: True}


def cascade_then_restore(pg, px, restore_conn_alias, simple):
    with connect(px) as c:
        c.execute("DELETE FROM chapters WHERE id = 101")  # on its own, first
        c.execute("DELETE FROM authors WHERE id = 1")     # books 10, 11 and what they hold
    assert physical(pg, "chapters") == {100: True, 101: True, 110: True, 200: False}
    assert physical(pg, "remarks") == {500: True, 501: True, 510: False}
    assert pg.psql("SELECT book_id IS NULL FROM reviews WHERE id = 70", dbname=DB).strip() == "t"
    with connect(px, restore_conn_alias, simple) as c:
        cur = c.execute("UPDATE authors SET deleted_at = NULL WHERE id = %s", (1,))
        assert cur.rowcount == 1
    with connect(px) as c:
        assert ids(c, "SELECT id FROM books ORDER BY id") == [10, 11, 20]
        assert ids(c, "SELECT id FROM chapters ORDER BY id") == [100, 110, 200]
        assert ids(c, "SELECT id FROM notes ORDER BY id") == [50, 51]
        assert ids(c, "SELECT id FROM remarks ORDER BY id") == [500, 501, 510]
        # SET NULL happened at delete time and stays, as after a real delete
        assert c.execute("SELECT book_id FROM reviews WHERE id = 70").fetchone() == (None,)
    assert physical(pg, "chapters")[101] is True  # deleted earlier, on its own


@pytest.mark.parametrize("simple", [True, False])
def test_restore_brings_back_the_cascade_only(pg, px, data, simple):
    cascade_then_restore(pg, px, "modes_trash", simple)


def test_restore_through_set_visibility_all(pg, px, data):
    cascade_then_restore(pg, px, "modes_all", False)


def test_restore_under_live_reaches_nothing(pg, px, data):
    with connect(px) as c:
        c.execute("DELETE FROM authors WHERE id = 1")
        assert c.execute("UPDATE authors SET deleted_at = NULL WHERE id = 1").rowcount == 0
    assert physical(pg, "authors")[1] is True


def test_restore_fails_while_the_parent_is_marked(pg, px, data):
    with connect(px) as c:
        c.execute("DELETE FROM books WHERE id = 10")
    before = {t: physical(pg, t) for t in ("books", "chapters", "remarks")}
    with connect(px, "modes_trash") as c:
        with pytest.raises(psycopg.errors.ForeignKeyViolation, match="chapters"):
            c.execute("UPDATE chapters SET deleted_at = NULL WHERE id = 100")
        with pytest.raises(psycopg.errors.ForeignKeyViolation):
            c.execute("UPDATE remarks SET deleted_at = NULL")  # its note is hidden
    assert {t: physical(pg, t) for t in before} == before


def test_restore_fails_on_a_unique_key_taken_meanwhile(pg, px, data):
    with connect(px) as c:
        c.execute("DELETE FROM authors WHERE id = 1")
        c.execute("INSERT INTO authors VALUES (4, 'ann', NULL)")
    before = {t: physical(pg, t) for t in ("authors", "books", "chapters")}
    with connect(px, "modes_trash") as c:
        with pytest.raises(psycopg.errors.UniqueViolation, match="authors_name"):
            c.execute("UPDATE authors SET deleted_at = NULL WHERE id = 1")
    assert {t: physical(pg, t) for t in before} == before  # nothing half restored


def test_restore_with_boolean_markers(pg, px, data):
    """A boolean marker has no time: the cascade's rows are those the same transaction
    marked (README: restore)."""
    marked = "is_deleted"
    with connect(px) as c:
        c.execute("DELETE FROM slots WHERE id = 2")
        c.execute("DELETE FROM shelves WHERE id = 1")
    assert physical(pg, "slots", marked) == {1: True, 2: True, 3: False}
    with connect(px, "modes_trash") as c:
        assert ids(c, "SELECT id FROM slots ORDER BY id") == [1, 2]
        c.execute("UPDATE shelves SET is_deleted = false WHERE id = 1")
    assert physical(pg, "shelves", marked) == {1: False, 2: False}
    assert physical(pg, "slots", marked) == {1: False, 2: True, 3: False}


def test_delete_restore_delete_again(pg, px, data):
    """A second delete of restored rows marks them again, with the new time; a restore of
    the second delete brings back what the second cascade marked."""
    with connect(px) as c:
        c.execute("DELETE FROM books WHERE id = 10")
    with connect(px, "modes_trash") as c:
        c.execute("UPDATE books SET deleted_at = NULL WHERE id = 10")
    with connect(px) as c:
        c.execute("DELETE FROM chapters WHERE id = 100")
        c.execute("DELETE FROM books WHERE id = 10")
    with connect(px, "modes_trash") as c:
        c.execute("UPDATE books SET deleted_at = NULL WHERE id = 10")
    assert physical(pg, "chapters") == {100: True, 101: False, 110: False, 200: False}
