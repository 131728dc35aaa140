"""The tools of issue 12 (SPEC §7): `tombstone rewrite`, `tombstone check` and `tombstone
purge`, run as a user runs them — the binary, a configuration file, a [databases] alias — on
databases of their own, with their output and exit status checked; purge of a chain of keys
under concurrent traffic through the proxy, killed in the middle and run again."""

import os
import random
import signal
import subprocess
import threading

import psycopg
import pytest
from harness import Proxy, tombstone_binary, wait_for

DB = "tools_db"


def tool(px, *args, stdin=None, env=None, db="tools"):
    """Runs `tombstone <args>` against the alias `db` of the proxy's configuration."""
    cmd = [tombstone_binary(), args[0], "-c", px.config_path, "-d", db, "-U", "postgres",
           *args[1:]]
    return subprocess.run(cmd, input=stdin, capture_output=True, text=True, timeout=300,
                          env={**os.environ, **(env or {})})


def fresh_db(pg, name, schema):
    pg.psql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    pg.psql(f"CREATE DATABASE {name}")
    pg.psql(schema, dbname=name)


@pytest.fixture(scope="module")
def px(pg):
    """A proxy whose configuration names the tools' databases (the tools read it too)."""
    dbs = {alias: f"host=127.0.0.1 port={pg.port} dbname={name}"
           for alias, name in (("tools", DB), ("clean", "tools_clean"), ("chain", "tools_chain"))}
    dbs["trash"] = f"host=127.0.0.1 port={pg.port} dbname={DB} visibility=deleted"
    proxy = Proxy.start(pg, databases=dbs, extra="[softdelete]\ncolumns = deleted_at, is_deleted")
    yield proxy
    assert proxy.stop() == 0
    for name in (DB, "tools_clean", "tools_chain"):
        pg.psql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


SHOP = """
CREATE TABLE customers (id int PRIMARY KEY, name text, deleted_at timestamptz);
CREATE TABLE mailing_addresses (id int PRIMARY KEY, deleted_at timestamptz,
    customer_id int NOT NULL REFERENCES customers ON DELETE CASCADE);
CREATE TABLE orders (id int PRIMARY KEY, deleted_at timestamptz,
    customer_id int NOT NULL REFERENCES customers ON DELETE CASCADE,
    mailing_address_id int NOT NULL REFERENCES mailing_addresses ON DELETE CASCADE);
CREATE TABLE invoices (id int PRIMARY KEY, order_id int REFERENCES orders ON DELETE RESTRICT);
CREATE TABLE order_notes (id int PRIMARY KEY, order_id int REFERENCES orders ON DELETE CASCADE);
CREATE TABLE users (id int PRIMARY KEY, email text UNIQUE, deleted_at timestamptz);
CREATE TABLE flags (id int PRIMARY KEY, is_deleted boolean);
CREATE TABLE posts (id int PRIMARY KEY, deleted_at text);
CREATE VIEW active_users AS SELECT * FROM users;
CREATE FUNCTION count_users() RETURNS bigint LANGUAGE sql AS 'SELECT count(*) FROM users';
CREATE FUNCTION on_gone() RETURNS trigger LANGUAGE plpgsql AS 'BEGIN RETURN OLD; END';
CREATE TRIGGER users_gone AFTER DELETE ON users FOR EACH ROW EXECUTE FUNCTION on_gone();
INSERT INTO customers VALUES (1, 'ann', NULL), (2, 'bob', NULL);
INSERT INTO mailing_addresses VALUES (10, NULL, 1), (11, NULL, 2);
INSERT INTO orders VALUES (100, NULL, 1, 10), (101, NULL, 2, 11), (102, now(), 2, 11);
INSERT INTO order_notes VALUES (1, 100), (2, 101);
INSERT INTO users VALUES (1, 'a@x', NULL), (2, 'b@x', now());
"""


@pytest.fixture(scope="module")
def shop(pg, px):
    fresh_db(pg, DB, SHOP)
    out = tool(px, "install")
    assert out.returncode == 0, out.stdout + out.stderr
    return DB


# ---- rewrite -------------------------------------------------------------------------------

def test_rewrite_explains_each_statement(px, shop):
    out = tool(px, "rewrite", "DELETE FROM customers WHERE id = 1; SELECT o.id FROM orders o "
               "JOIN order_notes n ON n.order_id = o.id; SELECT 1")
    assert out.returncode == 0, out.stderr
    text = out.stdout
    assert "-- statement 1:\n--   DELETE FROM customers WHERE id = 1\n" in text
    assert "DELETE on public.customers marks its rows instead (deleted_at = now())" in text
    # the foreign-key actions that follow, from the snapshot, nested
    assert "public.orders (orders_customer_id_fkey): ON DELETE CASCADE: its live rows" in text
    assert ("public.invoices (invoices_order_id_fkey): ON DELETE RESTRICT: the statement fails "
            "(23503)") in text
    assert "public.order_notes (order_notes_order_id_fkey): ON DELETE CASCADE, no marker" in text
    assert "UPDATE customers SET deleted_at = now()" in text
    # a read: the soft-delete table and the one hidden through a cascade
    assert "public.orders is soft-delete: read as its live rows only (deleted_at IS NULL)" in text
    assert ("public.order_notes has no marker, but ON DELETE CASCADE would have removed its rows "
            "with a parent") in text
    assert "-- statement 3:\n--   SELECT 1\n--    unchanged" in text
    assert text.rstrip().endswith("SELECT 1;")


def test_rewrite_output_is_what_the_proxy_runs(px, shop, pg):
    """The SELECT printed, run directly on PostgreSQL, answers what the original answers
    through the proxy."""
    sql = "SELECT o.id, n.id FROM orders o LEFT JOIN order_notes n ON n.order_id = o.id ORDER BY 1"
    out = tool(px, "rewrite", "-", stdin=sql + ";\n")
    assert out.returncode == 0, out.stderr
    printed = [line for line in out.stdout.splitlines() if not line.startswith("--")]
    with psycopg.connect(pg.dsn(DB), autocommit=True) as direct, \
            psycopg.connect(px.dsn("tools"), autocommit=True) as proxied:
        expected = proxied.execute(sql).fetchall()
        assert direct.execute("\n".join(printed).rstrip(";")).fetchall() == expected
        assert expected == [(100, 1), (101, 2)]


def test_rewrite_with_the_alias_mode(px, shop):
    """An alias with visibility=deleted (the trash): its statements read marked rows only."""
    out = tool(px, "rewrite", "SELECT id FROM orders", db="trash")
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("-- alias trash: tombstone.visibility = deleted, "
                                 "tombstone.deletes = soft\n")
    assert "public.orders is soft-delete: read as its marked rows only, the trash" in out.stdout
    assert "SELECT id FROM orders WHERE orders.deleted_at IS NOT NULL;" in out.stdout


def test_rewrite_refusal_and_usage(px, shop):
    out = tool(px, "rewrite", "SELECT 1; SET tombstone.visibility = 'everything'")
    assert out.returncode == 1
    assert "--    REFUSED: " in out.stdout and "everything" in out.stdout
    assert tool(px, "rewrite").returncode == 2
    assert tool(px, "rewrite", "SELECT 1", "SELECT 2").returncode == 2
    # a parse error goes as it is: PostgreSQL answers it, nothing is refused
    out = tool(px, "rewrite", "SELEC 1")
    assert out.returncode == 0 and "parse error" in out.stdout


# ---- check ---------------------------------------------------------------------------------

def test_check_reports_what_needs_fixing(px, shop):
    out = tool(px, "check")
    assert out.returncode == 1, out.stdout + out.stderr
    text = out.stdout
    assert "5 soft-delete tables: public.customers (deleted_at timestamp with time zone)" in text
    assert "WARNING [markers] public.flags: the boolean marker is_deleted is nullable" in text
    assert "WARNING [markers] public.posts: the column deleted_at is named like a marker" in text
    assert ("WARNING [unique] public.users: unique index users_email_key (email) is not "
            "partial") in text
    assert ('    CREATE UNIQUE INDEX CONCURRENTLY "users_email_key_live" ON "public"."users" '
            '("email") WHERE "deleted_at" IS NULL;\n'
            '    ALTER TABLE "public"."users" DROP CONSTRAINT "users_email_key";') in text
    assert "NOTE [unique] primary keys: the primary keys of public.customers" in text
    assert "WARNING [foreign keys] orders_mailing_address_id_fkey: ON DELETE CASCADE" in text
    assert "(the mailing-address trap)" in text
    assert "orders_customer_id_fkey:" not in text
    assert ("NOTE [foreign keys] invoices_order_id_fkey: deleting a row of public.customers "
            "cascades to public.orders and fails (23503)") in text
    assert "WARNING [stored code] view public.active_users: reads soft-delete table" in text
    assert "WARNING [stored code] function public.count_users() (sql)" in text
    assert "WARNING [triggers] public.users: trigger users_gone (on_gone) fires ON DELETE" in text
    assert "[install]" not in text  # install ran as a superuser


def test_check_sql_is_the_migration(px, shop, pg):
    """--sql prints only the migration; psql runs it; afterwards only the warnings without
    DDL are left."""
    out = tool(px, "check", "--sql")
    assert out.returncode == 1
    assert "NOTE" not in out.stdout and "view public.active_users" not in out.stdout
    subprocess.run([f"{os.environ.get('PG_BIN', '/usr/lib/postgresql/15/bin')}/psql", "-X", "-q",
                    "-v", "ON_ERROR_STOP=1", "-h", pg.sockdir, "-p", str(pg.port), "-U",
                    "postgres", "-d", DB], input=out.stdout, text=True, check=True,
                   capture_output=True)
    after = tool(px, "check").stdout
    assert "[unique] public.users" not in after
    assert "[markers] public.flags" not in after
    assert "mailing-address trap" in after  # a suggestion to review, not run
    with psycopg.connect(px.dsn("tools"), autocommit=True) as c:
        # the marked user's email is free again: the unique index is partial now
        c.execute("INSERT INTO users VALUES (3, 'b@x', NULL)")


def test_check_clean_schema_exits_zero(px, pg):
    fresh_db(pg, "tools_clean", """
        CREATE TABLE authors (id int PRIMARY KEY, name text, deleted_at timestamptz);
        CREATE UNIQUE INDEX authors_name_live ON authors (name) WHERE deleted_at IS NULL;
        CREATE TABLE books (id int PRIMARY KEY, deleted_at timestamptz,
                            author_id int REFERENCES authors ON DELETE CASCADE);""")
    out = tool(px, "check", db="clean")
    assert out.returncode == 1  # nothing installed yet
    assert "WARNING [install] schema tombstone: the helper functions are not installed" in out.stdout
    assert tool(px, "install", db="clean").returncode == 0
    out = tool(px, "check", db="clean")
    assert out.returncode == 0, out.stdout
    assert out.stdout.rstrip().endswith("0 warnings, 1 notes")
    assert tool(px, "check", "--sql", db="clean").stdout == ""
    assert tool(px, "check", "extra", db="clean").returncode == 2


# ---- purge ---------------------------------------------------------------------------------

CHAIN = """
CREATE TABLE parent (id int PRIMARY KEY, deleted_at timestamptz);
CREATE TABLE child (id int PRIMARY KEY, deleted_at timestamptz,
    parent_id int NOT NULL REFERENCES parent ON DELETE CASCADE);
CREATE INDEX ON child (parent_id);
CREATE TABLE grandchild (id int PRIMARY KEY, deleted_at timestamptz,
    child_id int NOT NULL REFERENCES child ON DELETE RESTRICT);
CREATE INDEX ON grandchild (child_id);
CREATE TABLE tags (id int PRIMARY KEY, parent_id int REFERENCES parent ON DELETE CASCADE);
CREATE INDEX ON tags (parent_id);
CREATE TABLE flags (id int PRIMARY KEY, is_deleted boolean NOT NULL DEFAULT false);
"""

N = 3000  # parents; each has one child, one grandchild and one tag (no marker) with its id


def chain_data(pg):
    """Thirds of the rows: marked 40 days ago (the whole chain, one timestamp, as a cascade
    marks it), marked 10 days ago, live."""
    fresh_db(pg, "tools_chain", CHAIN + f"""
        INSERT INTO parent SELECT i, CASE i % 3 WHEN 0 THEN now() - interval '40 days'
                                              WHEN 1 THEN now() - interval '10 days' END
            FROM generate_series(1, {N}) i;
        INSERT INTO child SELECT id, deleted_at, id FROM parent;
        INSERT INTO grandchild SELECT id, deleted_at, id FROM parent;
        INSERT INTO tags SELECT id, id FROM parent;
        INSERT INTO flags SELECT i, i % 2 = 0 FROM generate_series(1, 10) i;
        ANALYZE;""")


def rows(pg, table, where="true"):
    return {int(x) for x in pg.psql(f"SELECT id FROM {table} WHERE {where}",
                                    dbname="tools_chain").split()}


def test_purge_dry_run_changes_nothing(px, pg):
    chain_data(pg)
    out = tool(px, "purge", "--older-than", "30d", "--dry-run", db="chain")
    assert out.returncode == 0, out.stderr
    text = out.stdout
    assert "-- public.flags: skipped: its marker is a boolean" in text
    assert ("-- public.grandchild: 1000 rows marked before the cutoff, 1000 of them referenced "
            "by nothing now") in text
    assert "-- public.child: 1000 rows marked before the cutoff, 0 of them" in text
    # children first
    assert text.index("public.grandchild:") < text.index("public.child:") < \
        text.index("public.parent:")
    assert 'DELETE FROM ONLY "public"."parent" d USING (SELECT q.tableoid, q.ctid FROM ONLY ' \
           '"public"."parent" q WHERE q."deleted_at" < $1 AND NOT (EXISTS (SELECT 1 FROM ONLY ' \
           '"public"."child" r1 WHERE r1."parent_id" = q."id")) LIMIT 1000 FOR UPDATE OF q ' \
           'SKIP LOCKED)' in text
    assert len(rows(pg, "parent")) == N


def test_purge_usage_errors(px):
    assert tool(px, "purge", db="chain").returncode == 2  # no --older-than
    assert tool(px, "purge", "--older-than", "30", db="chain").returncode == 2
    assert tool(px, "purge", "--older-than", "1d", "--batch-size", "0", db="chain").returncode == 2
    out = tool(px, "purge", "--older-than", "1d", "--table", "tags", db="chain")
    assert out.returncode == 2 and '"tags" is no soft-delete table' in out.stderr


def traffic(px, stop, errors, counter):
    """Live traffic through the proxy while purge runs: deletes of live chains (grandchild,
    child, parent: the RESTRICT key wants them in that order) and reads."""
    def deleter(seed):
        rnd = random.Random(seed)
        with psycopg.connect(px.dsn("chain"), autocommit=True) as c:
            while not stop.is_set():
                i = rnd.randrange(1, N + 1)
                try:
                    with c.transaction():
                        c.execute("DELETE FROM grandchild WHERE id = %s", (i,))
                        c.execute("DELETE FROM child WHERE id = %s", (i,))
                        marked = c.execute("DELETE FROM parent WHERE id = %s", (i,)).rowcount
                    if marked:  # a live chain, marked now: after the cutoff
                        counter.append(i)
                except psycopg.Error as e:
                    errors.append(repr(e))

    def reader():
        with psycopg.connect(px.dsn("chain"), autocommit=True) as c:
            while not stop.is_set():
                try:
                    c.execute("SELECT count(*) FROM parent p JOIN child c ON c.parent_id = p.id "
                              "JOIN grandchild g ON g.child_id = c.id").fetchone()
                    c.execute("SELECT count(*) FROM tags").fetchone()
                except psycopg.Error as e:
                    errors.append(repr(e))

    threads = [threading.Thread(target=deleter, args=(s,)) for s in (1, 2)]
    threads += [threading.Thread(target=reader) for _ in range(2)]
    for t in threads:
        t.start()
    return threads


def purge_waits_for_a_lock(pg):
    """Is purge's session waiting for a row lock (held by the test)?"""
    return pg.psql("SELECT count(*) FROM pg_stat_activity WHERE application_name = 'tombstone' "
                   "AND wait_event_type = 'Lock'").strip() != "0"


def test_purge_chain_under_traffic_killed_and_resumed(px, pg):
    chain_data(pg)
    assert tool(px, "install", db="chain").returncode == 0  # the guard is there
    old = rows(pg, "parent", "deleted_at < now() - interval '30 days'")
    before = {t: rows(pg, t) for t in ("parent", "child", "grandchild", "tags")}
    stop, errors, counter = threading.Event(), [], []
    threads = traffic(px, stop, errors, counter)
    cmd = [tombstone_binary(), "purge", "-c", px.config_path, "-d", "chain", "-U", "postgres",
           "--older-than", "30d", "--batch-size", "10"]
    # a proxied session's setting in the environment must not make purge one
    env = {**os.environ, "PGOPTIONS": "-c tombstone.proxied=on"}
    # the tag of an old parent, locked: purge's delete of that parent (its cascade takes the
    # tag) waits there, so the kill comes in the middle of the parents, every time
    blocker = psycopg.connect(pg.dsn("tools_chain"))
    blocker.execute("SELECT 1 FROM tags WHERE id = 1500 FOR UPDATE")
    try:
        wait_for(lambda: len(counter) >= 5, what="live deletes through the proxy")
        first = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                 text=True)
        wait_for(lambda: purge_waits_for_a_lock(pg) or first.poll() is not None,
                 what="purge to reach the locked parent")
        assert first.poll() is None, first.communicate()
        first.send_signal(signal.SIGKILL)
        first.wait()
        # children first: the old grandchildren and children were gone before any parent
        assert not rows(pg, "grandchild") & old and not rows(pg, "child") & old
        assert 1500 in rows(pg, "parent") and len(rows(pg, "parent") & old) < len(old)
        blocker.rollback()  # (the killed run's last batch may still end: it is one batch)
        second = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300)
        assert second.returncode == 0, second.stdout + second.stderr
    finally:
        blocker.close()
        stop.set()
        for t in threads:
            t.join(60)
    assert errors == [] or all("23503" in e or "violates foreign key" in e for e in errors), errors
    assert len(counter) > 5
    assert "purged" in second.stdout and "public.parent" in second.stdout
    # exactly the rows marked before the cutoff are gone; their hidden tags with them
    after = {t: rows(pg, t) for t in before}
    for t in ("parent", "child", "grandchild", "tags"):
        assert after[t] == before[t] - old, t
    # nothing live was deleted: every row marked during the run is still there
    assert set(counter) <= after["parent"]
    # no live row references a purged (or any marked) row
    assert pg.psql("SELECT count(*) FROM child c LEFT JOIN parent p ON p.id = c.parent_id "
                   "WHERE c.deleted_at IS NULL AND (p.id IS NULL OR p.deleted_at IS NOT NULL)",
                   dbname="tools_chain").strip() == "0"
    assert pg.psql("SELECT count(*) FROM grandchild g LEFT JOIN child c ON c.id = g.child_id "
                   "WHERE g.deleted_at IS NULL AND (c.id IS NULL OR c.deleted_at IS NOT NULL)",
                   dbname="tools_chain").strip() == "0"
    # a run now finds nothing more to do
    again = tool(px, "purge", "--older-than", "30d", db="chain")
    assert again.returncode == 0 and "purged 0 rows" in again.stdout


def test_purge_reports_live_rows_referencing_marked_ones(px, pg):
    """A live child of a parent marked long ago (made directly, as the proxy never would):
    the parent is kept, purge says why and exits 1; the rest is purged."""
    chain_data(pg)
    pg.psql("UPDATE child SET deleted_at = NULL WHERE id = 3; "
            "UPDATE grandchild SET deleted_at = NULL WHERE id = 3", dbname="tools_chain")
    out = tool(px, "purge", "--older-than", "30d", db="chain")
    assert out.returncode == 1, out.stdout + out.stderr
    assert ("WARNING public.parent: 1 marked rows are referenced by live rows of public.child "
            "(key child_parent_id_fkey)") in out.stdout
    assert 3 in rows(pg, "parent") and 3 in rows(pg, "child")
    assert len(rows(pg, "parent", "deleted_at < now() - interval '30 days'")) == 1


def test_purge_boolean_markers(px, pg):
    chain_data(pg)
    out = tool(px, "purge", "--older-than", "30d", "--table", "flags", db="chain")
    assert out.returncode == 0 and "skipped: its marker is a boolean" in out.stdout
    assert len(rows(pg, "flags")) == 10
    out = tool(px, "purge", "--all-marked", "--table", "flags", db="chain")
    assert out.returncode == 0, out.stderr
    assert rows(pg, "flags") == {1, 3, 5, 7, 9}
    assert len(rows(pg, "parent")) == N  # --table: the others are left alone
