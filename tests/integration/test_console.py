"""The admin console (virtual database `tombstone`) and the Prometheus metrics (issue 14):
every console command through psql or psycopg, who may use it, and counters that move."""

import os
import re
import subprocess
import threading
import urllib.request

import psycopg
import pytest
from harness import PASSWORD, PG_BIN, free_port, tombstone_binary, wait_for

ADMIN = "u_scram"     # in admin_users
STATS = "u_password"  # in stats_users
CONSOLE = f"admin_users = {ADMIN}\nstats_users = {STATS}"


@pytest.fixture
def console_db(pg):
    """A database of its own, so that no catalog epoch or other test's DDL interferes."""
    pg.psql("DROP DATABASE IF EXISTS console_db")
    pg.psql("CREATE DATABASE console_db")
    pg.psql("GRANT ALL ON SCHEMA public TO PUBLIC", dbname="console_db")
    yield "console_db"
    pg.psql("DROP DATABASE IF EXISTS console_db WITH (FORCE)")


@pytest.fixture
def px(own_proxy, pg, console_db):
    return own_proxy(databases={
        "shop": f"host=127.0.0.1 port={pg.port} dbname={console_db}",
        "*": f"host=127.0.0.1 port={pg.port}",
    }, extra=CONSOLE)


def console(px, user=ADMIN, **kw):
    return psycopg.connect(px.dsn(dbname="tombstone", user=user, password=PASSWORD),
                           autocommit=True, **kw)


def show(conn, command):
    """The rows of a console command, as dicts by column name."""
    cur = conn.execute(command)
    names = [d.name for d in cur.description]
    return [dict(zip(names, row)) for row in cur.fetchall()]


def psql(px, command, user=ADMIN):
    env = dict(os.environ, PGPASSWORD=PASSWORD)
    return subprocess.run([f"{PG_BIN}/psql", "-X", "-At", "-F", "|", "-h", "127.0.0.1", "-p",
                           str(px.port), "-U", user, "-d", "tombstone", "-c", command],
                          env=env, capture_output=True, text=True)


def shop(px, user="postgres"):
    return psycopg.connect(px.dsn(dbname="shop", user=user), autocommit=True)


def make_tables(px):
    # the triggers that run the foreign keys' actions when a customer is marked (event
    # triggers make them for the tables created after)
    out = subprocess.run([tombstone_binary(), "install", "-c", px.config_path, "-d", "shop",
                          "-U", "postgres"], capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr
    with shop(px) as c:
        c.execute("CREATE TABLE customers (id int PRIMARY KEY, deleted_at timestamptz)")
        c.execute("CREATE TABLE orders (id int PRIMARY KEY, customer int REFERENCES customers "
                  "ON DELETE CASCADE, deleted_at timestamptz)")
        c.execute("CREATE UNIQUE INDEX customers_live ON customers (id) "
                  "WHERE deleted_at IS NULL")
        c.execute("INSERT INTO customers VALUES (1), (2)")


def test_every_show_through_psql(px):
    make_tables(px)
    for command in ("SHOW HELP", "SHOW STATS", "SHOW CLIENTS", "SHOW SERVERS", "SHOW DATABASES",
                    "SHOW TABLES", "SHOW TABLES shop", "SHOW CACHE", "SHOW CONFIG",
                    "SHOW VERSION", "show stats;"):
        out = psql(px, command)
        assert out.returncode == 0, (command, out.stderr)
    help_text = psql(px, "SHOW HELP").stdout
    for command in ("SHOW STATS", "RELOAD", "REFRESH SCHEMA [db]", "PAUSE [db]", "SHUTDOWN"):
        assert command in help_text
    assert re.fullmatch(r"\d+\.\d+\.\d+\n", psql(px, "SHOW VERSION").stdout)
    tables = psql(px, "SHOW TABLES shop").stdout
    assert "|public|customers|deleted_at|orders_customer_fkey -> public.orders on delete " \
           "cascade|" in tables
    assert "customers_live where deleted_at IS NULL" in tables
    config = psql(px, "SHOW CONFIG").stdout
    assert f"tombstone|admin_users|{ADMIN}\n" in config
    assert "softdelete|columns|deleted_at\n" in config
    bad = psql(px, "SHOW NONSENSE")
    assert bad.returncode != 0 and "unrecognized console command" in bad.stderr


def test_stats_move(px):
    make_tables(px)
    before = {r["database"]: r for r in show(console(px), "SHOW STATS")}.get("shop")
    with shop(px) as c:
        assert c.execute("SELECT count(*) FROM customers").fetchone() == (2,)
        c.execute("DELETE FROM customers WHERE id = 1")
        assert c.execute("SELECT count(*) FROM customers").fetchone() == (1,)
        c.execute("SET tombstone.visibility = deleted")
        with pytest.raises(psycopg.errors.FeatureNotSupported):
            c.execute("DELETE FROM customers")  # refused by the proxy: it marks nothing
        c.execute("RESET tombstone.visibility")
    with console(px) as adm:
        stats = {r["database"]: r for r in show(adm, "SHOW STATS")}["shop"]
        assert stats["deletes_marked"] == (before["deletes_marked"] if before else 0) + 1
        assert stats["reads_filtered"] >= 2
        assert stats["refused"] >= 1
        assert stats["queries"] >= 4
        assert stats["cache_misses"] >= 1 and stats["bytes_in"] > 0 and stats["bytes_out"] > 0
        assert stats["avg_query_ms"] > 0 and stats["p99_query_ms"] >= stats["avg_query_ms"]
        cache = show(adm, "SHOW CACHE")[0]
        assert cache["misses"] >= 1 and cache["cold_rewrites"] >= 1


def test_clients_servers_databases(px):
    with shop(px) as c:
        c.execute("BEGIN")
        c.execute("SELECT 1")
        with console(px) as adm:
            clients = show(adm, "SHOW CLIENTS")
            mine = [r for r in clients if r["database"] == "shop"]
            assert len(mine) == 1 and mine[0]["state"] == "idle in transaction"
            assert mine[0]["server_pid"] == c.info.backend_pid
            assert [r["console"] for r in clients if r["database"] == "tombstone"] == [True]
            servers = show(adm, "SHOW SERVERS")
            assert [r["server_pid"] for r in servers] == [c.info.backend_pid]
            dbs = {r["name"]: r for r in show(adm, "SHOW DATABASES")}
            assert dbs["shop"]["clients"] == 1 and dbs["shop"]["dbname"] == "console_db"
            assert dbs["shop"]["paused"] is False


def test_extended_protocol(px):
    with console(px) as adm:
        cur = adm.execute("SHOW VERSION", prepare=True)
        assert cur.description[0].name == "version" and len(cur.fetchall()) == 1
        cur = adm.execute("SHOW VERSION", prepare=True)  # the prepared statement again
        assert len(cur.fetchall()) == 1
        with pytest.raises(psycopg.errors.SyntaxError):
            adm.execute("SHOW NOTHING", prepare=True)
        assert adm.execute("RESUME", prepare=True).statusmessage == "RESUME"


def test_who_gets_in(px):
    with pytest.raises(psycopg.OperationalError, match="neither admin_users nor stats_users"):
        console(px, user="u_md5")
    with pytest.raises(psycopg.OperationalError, match="password authentication failed"):
        psycopg.connect(px.dsn(dbname="tombstone", user=ADMIN, password="wrong"))
    out = psql(px, "SHOW STATS", user="u_trust")
    assert out.returncode != 0 and "neither admin_users nor stats_users" in out.stderr


def test_stats_user_only_looks(px):
    with console(px, user=STATS) as c:
        assert show(c, "SHOW VERSION")
        for command in ("RELOAD", "PAUSE", "RESUME", "REFRESH SCHEMA", "SHUTDOWN"):
            with pytest.raises(psycopg.errors.InsufficientPrivilege, match="admin_users"):
                c.execute(command)
    assert px.proc.poll() is None  # SHUTDOWN did nothing


def test_reload(px, pg):
    with pytest.raises(psycopg.OperationalError):
        psycopg.connect(px.dsn(dbname="added", user="postgres")).close()
    with open(px.config_path) as f:
        text = f.read()
    px.rewrite_config(text.replace("[databases]\n", "[databases]\nadded = host=127.0.0.1 "
                                   f"port={pg.port} dbname=postgres\n").replace(
                                       "* = host", "#* = host"))
    with console(px) as adm:
        assert adm.execute("RELOAD").statusmessage == "RELOAD"
        assert "added" in [r["name"] for r in show(adm, "SHOW DATABASES")]
        with psycopg.connect(px.dsn(dbname="added", user="postgres")) as c:
            assert c.execute("SELECT current_database()").fetchone() == ("postgres",)
        px.rewrite_config(text + "no_such_setting = 1\n")
        with pytest.raises(psycopg.Error, match=r"tombstone\.ini:\d+"):  # file:line
            adm.execute("RELOAD")
        assert "added" in [r["name"] for r in show(adm, "SHOW DATABASES")]  # nothing changed


def test_refresh_schema(px, pg, console_db):
    with shop(px) as c:
        c.execute("SELECT 1")  # the catalog is read: no soft-delete table
        pg.psql("CREATE TABLE late (id int, deleted_at timestamptz); "
                "INSERT INTO late VALUES (1, NULL), (2, now())", dbname=console_db)
        # DDL the proxy did not see: the old snapshot knows no soft-delete table "late"
        assert c.execute("SELECT count(*) FROM late").fetchone() == (2,)
        with console(px) as adm:
            assert adm.execute("REFRESH SCHEMA shop").statusmessage == "REFRESH"
        assert c.execute("SELECT count(*) FROM late").fetchone() == (1,)


def in_thread(done, name, conn, sql):
    """Runs sql on conn in a thread of its own (started, returned); its answer (the first row,
    or the command tag) goes to done[name]."""
    def run():
        cur = conn.execute(sql)
        done[name] = cur.fetchone() if cur.description else cur.statusmessage
    t = threading.Thread(target=run)
    t.start()
    return t


def test_pause_waits_for_running_and_holds_new(px, pg, console_db):
    with shop(px) as c:
        c.execute("SELECT 1")
    holder = psycopg.connect(pg.dsn(dbname=console_db), autocommit=True)  # not through the proxy
    holder.execute("SELECT pg_advisory_lock(7)")
    running = shop(px)
    done = {}

    t_running = in_thread(done, "running", running, "SELECT pg_advisory_lock(7)")
    adm = console(px)
    wait_for(lambda: any(r["state"] == "active" for r in show(adm, "SHOW CLIENTS")
                         if r["database"] == "shop"), what="the statement to run")
    pauser = console(px)
    t_pause = in_thread(done, "pause", pauser, "PAUSE shop")
    wait_for(lambda: show(adm, "SHOW DATABASES")[0]["paused"], what="PAUSE to take effect")
    assert t_pause.is_alive()  # it answers only when the running statement ended
    holder.execute("SELECT pg_advisory_unlock(7)")
    t_running.join()
    t_pause.join()
    assert done["pause"] == "PAUSE"
    # a new statement waits until RESUME
    newcomer = shop(px)
    t_new = in_thread(done, "new", newcomer, "SELECT 42")
    wait_for(lambda: any(r["wait"] == "pause" for r in show(adm, "SHOW CLIENTS")),
             what="the new statement to wait")
    assert "new" not in done
    adm.execute("RESUME shop")
    t_new.join()
    assert done["new"] == (42,)
    for conn in (holder, running, adm, pauser, newcomer):
        conn.close()


def test_resume_answers_a_waiting_pause(px, pg, console_db):
    holder = psycopg.connect(pg.dsn(dbname=console_db), autocommit=True)
    holder.execute("SELECT pg_advisory_lock(8)")
    running, adm, pauser = shop(px), console(px), console(px)
    done = {}
    t_running = in_thread(done, "running", running, "SELECT pg_advisory_lock(8)")
    wait_for(lambda: any(r["state"] == "active" for r in show(adm, "SHOW CLIENTS")
                         if r["database"] == "shop"), what="the statement to run")
    t_pause = in_thread(done, "pause", pauser, "PAUSE")
    wait_for(lambda: show(adm, "SHOW DATABASES")[0]["paused"], what="PAUSE to take effect")
    assert "pause" not in done
    adm.execute("RESUME")  # the statement still runs: the PAUSE it waited for is over
    wait_for(lambda: "pause" in done, what="the waiting PAUSE to be answered")
    assert done["pause"] == "PAUSE" and "running" not in done
    holder.execute("SELECT pg_advisory_unlock(8)")
    t_running.join()
    t_pause.join()
    for conn in (holder, running, adm, pauser):
        conn.close()


def test_shutdown(px):
    with console(px) as adm:
        assert adm.execute("SHUTDOWN").statusmessage == "SHUTDOWN"
    assert px.wait_exit() == 0


def scrape(port):
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics") as r:
        assert r.headers["Content-Type"].startswith("text/plain; version=0.0.4")
        return r.read().decode()


def metric(page, name, labels):
    m = re.search(r"^" + re.escape(name + labels) + r" (\S+)$", page, re.M)
    return float(m.group(1)) if m else None


def test_metrics_scraped_with_curl(own_proxy, pg, console_db):
    port = free_port()
    px = own_proxy(databases={"shop": f"host=127.0.0.1 port={pg.port} dbname={console_db}"},
                   extra=f"metrics_addr = 127.0.0.1\nmetrics_port = {port}")
    make_tables(px)
    page = subprocess.run(["curl", "-sf", f"http://127.0.0.1:{port}/metrics"],
                          capture_output=True, text=True, check=True).stdout
    assert "# TYPE tombstone_queries_total counter" in page
    assert "# TYPE tombstone_query_duration_seconds histogram" in page
    assert 'tombstone_query_duration_seconds_bucket{database="shop",le="+Inf"}' in page
    assert metric(page, "process_resident_memory_bytes", "") > 0
    queries = metric(page, "tombstone_queries_total", '{database="shop"}')
    marked = metric(page, "tombstone_rewrites_total", '{database="shop",kind="delete_marked"}')
    with shop(px) as c:
        c.execute("DELETE FROM customers WHERE id = 2")
        c.execute("SELECT * FROM customers")
        page = scrape(port)
        assert metric(page, "tombstone_clients", '{state="idle"}') == 1
    assert metric(page, "tombstone_queries_total", '{database="shop"}') == queries + 2
    assert metric(page, "tombstone_rewrites_total",
                  '{database="shop",kind="delete_marked"}') == marked + 1
    assert metric(page, "tombstone_catalog_loads_total",
                  f'{{catalog="127.0.0.1:{pg.port}/{console_db}",result="ok"}}') >= 1
    assert metric(page, "tombstone_cold_rewrite_duration_seconds_count", "") >= 1
    missing = subprocess.run(["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}",
                              f"http://127.0.0.1:{port}/other"], capture_output=True, text=True)
    assert missing.stdout == "404"
