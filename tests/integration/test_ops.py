"""Issue 14, operations: reload while clients are connected, the logfile reopened for
logrotate, `workers = N` (a CancelRequest reaching a session of another worker, DDL through
one worker seen by the others before their next statement), and two instances on one
database with DDL through one of them (the catalog epoch)."""

import os
import signal
import socket
import struct
import subprocess
import threading
import time

import psycopg
import pytest
from harness import PASSWORD, Proxy, port_open, tombstone_binary, wait_for
from rawpg import CANCEL_REQUEST, RawConn, error_fields, query


def pg_dsn(pg):
    return f"host=127.0.0.1 port={pg.port} dbname=postgres"


# ---- reload -------------------------------------------------------------------------------


def test_reload_adds_a_database_and_changes_a_setting_for_connected_clients(own_proxy, pg):
    px = own_proxy(databases={"first": pg_dsn(pg)})
    c = psycopg.connect(px.dsn("first"), autocommit=True)
    with pytest.raises(psycopg.OperationalError, match="not configured"):
        psycopg.connect(px.dsn("second"))
    px.rewrite_config(Proxy.config_text(pg, px.port, {"first": pg_dsn(pg), "second": pg_dsn(pg)},
                                        extra="query_timeout = 0.5\nworkers = 3"))
    px.send_signal(signal.SIGHUP)
    wait_for(lambda: px.log_contains("configuration reloaded"), what="the reload")
    assert px.log_contains("applies only after a restart: workers")
    # the new database, for new sessions
    with psycopg.connect(px.dsn("second")) as c2:
        assert c2.execute("select 1").fetchone() == (1,)
    # the new timeout, for the session connected before the reload
    with pytest.raises(psycopg.errors.QueryCanceled, match="query_timeout"):
        c.execute("select pg_sleep(60)")
    assert c.execute("select 1").fetchone() == (1,)  # the session goes on
    c.close()


def test_reload_of_softdelete_settings_rereads_the_catalog(own_proxy, pg):
    pg.psql("DROP TABLE IF EXISTS ops_cols; "
            "CREATE TABLE ops_cols (id int PRIMARY KEY, gone_at timestamptz); "
            "INSERT INTO ops_cols VALUES (1), (2)")
    px = own_proxy()
    try:
        with psycopg.connect(px.dsn(), autocommit=True) as c:
            assert c.execute("SELECT count(*) FROM ops_cols").fetchone() == (2,)
            px.rewrite_config(Proxy.config_text(pg, px.port, extra="[softdelete]\n"
                                                "columns = gone_at"))
            px.send_signal(signal.SIGHUP)
            wait_for(lambda: px.log_contains("configuration reloaded"), what="the reload")
            c.execute("DELETE FROM ops_cols WHERE id = 1")  # a mark: gone_at is a marker now
            assert c.execute("SELECT count(*) FROM ops_cols").fetchone() == (1,)
        assert pg.psql("SELECT id, gone_at IS NOT NULL FROM ops_cols ORDER BY id").split() == [
            "1|t", "2|f"]
    finally:
        pg.psql("DROP TABLE IF EXISTS ops_cols")


# ---- logs ---------------------------------------------------------------------------------


def test_logfile_is_reopened_on_sighup_and_holds_no_values(own_proxy, pg, tmp_path):
    logfile = tmp_path / "tombstone.log"
    px = own_proxy(extra=f"logfile = {logfile}\nlog_level = info")
    with psycopg.connect(px.dsn(application_name="before-rotate"), autocommit=True) as c:
        c.execute("select %s::text", ("secret-value-4711",))
    with psycopg.connect(px.dsn(user="u_password", password=PASSWORD)) as c:  # cleartext
        c.execute("select 1")
    wait_for(lambda: logfile.exists() and "closed" in logfile.read_text(), what="a line")
    os.rename(logfile, tmp_path / "tombstone.log.1")  # what logrotate does
    px.send_signal(signal.SIGHUP)
    wait_for(lambda: logfile.exists(), what="the log to be reopened")
    with psycopg.connect(px.dsn(), autocommit=True) as c:
        c.execute("select 1")
    wait_for(lambda: "closed" in logfile.read_text(), what="a line in the new file")
    old = (tmp_path / "tombstone.log.1").read_text()
    assert "127.0.0.1" in old
    for text in (old, logfile.read_text()):
        assert "secret-value-4711" not in text and PASSWORD not in text
        assert "DEBUG" not in text


def test_json_log_lines(own_proxy, pg, tmp_path):
    import json
    logfile = tmp_path / "tombstone.json"
    px = own_proxy(extra=f"logfile = {logfile}\nlog_format = json\nlog_level = info")
    with psycopg.connect(px.dsn(), autocommit=True) as c:
        c.execute("select 1")
    wait_for(lambda: logfile.exists() and "closed" in logfile.read_text(), what="a line")
    lines = [json.loads(line) for line in logfile.read_text().splitlines()]
    closed = [e for e in lines if e["message"].startswith("closed")]
    assert closed and closed[0]["database"] == "postgres" and closed[0]["user"] == "postgres"


# ---- workers --------------------------------------------------------------------------------


def worker_pids(px):
    with open(f"/proc/{px.proc.pid}/task/{px.proc.pid}/children") as f:
        return [int(p) for p in f.read().split()]


def socket_inodes(pid):
    inodes = set()
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            target = os.readlink(f"/proc/{pid}/fd/{fd}")
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(int(target[8:-1]))
    return inodes


def worker_of(px, client_port):
    """The worker process holding the proxy's end of the client connection from client_port
    (None until it has accepted it)."""
    inode = None
    with open("/proc/net/tcp") as f:
        for line in f.readlines()[1:]:
            fields = line.split()
            local, remote = fields[1], fields[2]
            if (int(local.split(":")[1], 16) == px.port
                    and int(remote.split(":")[1], 16) == client_port):
                inode = int(fields[9])
    if not inode:
        return None
    for pid in worker_pids(px):
        if inode in socket_inodes(pid):
            return pid
    return None


def connect_on_workers(px, how_many_workers, make):
    """Opens connections (make() → (conn, its local port)) until they sit on that many
    distinct workers; returns {worker pid: conn} and closes the others."""
    found, extra = {}, []
    for _ in range(200):
        conn, port = make()
        wait_for(lambda: worker_of(px, port) is not None, what="the accept")
        pid = worker_of(px, port)
        (extra if pid in found else []).append(conn)
        found.setdefault(pid, conn)
        if len(found) == how_many_workers:
            break
    for conn in extra:
        conn.close()
    assert len(found) == how_many_workers, "the kernel never spread the connections"
    return found


def psycopg_conn(px, dbname="postgres"):
    def make():
        c = psycopg.connect(px.dsn(dbname), autocommit=True)
        with socket.socket(fileno=os.dup(c.pgconn.socket)) as s:
            return c, s.getsockname()[1]
    return make


def raw_conn(px):
    def make():
        c = RawConn(px.port)
        return c, c.sock.getsockname()[1]
    return make


def start_workers(own_proxy, extra=""):
    px = own_proxy(extra="workers = 2\n" + extra)
    wait_for(lambda: len(worker_pids(px)) == 2, what="two workers")
    return px


def test_workers_are_processes_on_one_port(own_proxy):
    px = start_workers(own_proxy)
    for c in connect_on_workers(px, 2, psycopg_conn(px)).values():
        assert c.execute("select 1").fetchone() == (1,)
        c.close()


def test_cancel_reaches_a_session_of_another_worker(own_proxy, pg):
    px = start_workers(own_proxy)
    (w1, session), (w2, _) = connect_on_workers(px, 2, raw_conn(px)).items()
    # the CancelRequest arrives at the worker the session is not on
    cancel = connect_on_workers(px, 2, raw_conn(px))[w2]
    pid, key = session.login()
    session.send(query("select pg_sleep(60)"))
    wait_for(lambda: pg.psql(f"select state, query from pg_stat_activity where pid = {pid}")
             .strip() == "active|select pg_sleep(60)", what="pg_sleep to run")
    cancel.send(struct.pack("!IIII", 16, CANCEL_REQUEST, pid, key))
    errors = [error_fields(body) for kind, body in session.read_until(b"Z") if kind == b"E"]
    assert [e["C"] for e in errors] == ["57014"]  # query_canceled
    assert px.log_contains(f"cancel request for server pid {pid} sent to 127.0.0.1:{pg.port}")


def test_reload_and_sigterm_reach_every_worker(own_proxy, pg):
    px = start_workers(own_proxy)
    px.rewrite_config(Proxy.config_text(pg, px.port, {"*": pg_dsn(pg), "second": pg_dsn(pg)},
                                        extra="workers = 2"))
    px.send_signal(signal.SIGHUP)
    wait_for(lambda: px.log_contains("worker 0: configuration reloaded")
             and px.log_contains("worker 1: configuration reloaded"), what="both reloads")
    assert px.log().count("configuration reloaded from") == 1  # said once, by the supervisor
    conns = connect_on_workers(px, 2, lambda: psycopg_conn(px, "second")())
    for c in conns.values():
        c.close()
    kept = psycopg.connect(px.dsn(), autocommit=True)
    px.send_signal(signal.SIGTERM)
    wait_for(lambda: not port_open(px.port), what="the port to close")
    assert kept.execute("select 1").fetchone() == (1,)  # its worker drains, it goes on
    kept.close()
    assert px.wait_exit() == 0


def try_connect(px):
    try:
        return psycopg.connect(px.dsn(), autocommit=True)
    except psycopg.OperationalError:
        return None


def test_a_dead_worker_starts_again_and_its_clients_are_taken_back(own_proxy):
    px = start_workers(own_proxy, "max_client_conn = 4")
    (victim, _), (survivor, alive) = connect_on_workers(px, 2, psycopg_conn(px)).items()
    os.kill(victim, signal.SIGKILL)
    wait_for(lambda: len(worker_pids(px)) == 2 and victim not in worker_pids(px),
             what="the worker to start again")
    assert px.log_contains("killed by signal 9: starting it again")
    assert alive.execute("select 1").fetchone() == (1,)  # the other worker's client goes on
    # the dead worker's client no longer counts against max_client_conn: 1 + 3 = 4
    more = []
    for _ in range(3):
        c = None
        wait_for(lambda: (c := try_connect(px)) is not None and more.append(c) is None,
                 what="a connection within max_client_conn")
    assert len(more) == 3
    for c in more + [alive]:
        c.close()


def test_ddl_through_one_worker_is_seen_by_the_other_before_its_next_statement(own_proxy, pg):
    pg.psql("DROP TABLE IF EXISTS ops_ddl; CREATE TABLE ops_ddl (id int PRIMARY KEY); "
            "INSERT INTO ops_ddl SELECT generate_series(1, 6)")
    px = start_workers(own_proxy, "[softdelete]\nschema_refresh = 0\nepoch_interval = 0")
    try:
        sessions = connect_on_workers(px, 2, psycopg_conn(px))
        a, b = sessions.values()
        for c in (a, b):  # both workers have read the catalog: no marker yet
            assert c.execute("SELECT count(*) FROM ops_ddl").fetchone() == (6,)
        a.execute("ALTER TABLE ops_ddl ADD COLUMN deleted_at timestamptz")
        assert b.execute("DELETE FROM ops_ddl WHERE id = 1").rowcount == 1
        assert b.execute("SELECT count(*) FROM ops_ddl").fetchone() == (5,)
        assert pg.psql("SELECT count(*) FROM ops_ddl WHERE deleted_at IS NOT NULL").strip() == "1"
        assert pg.psql("SELECT count(*) FROM ops_ddl").strip() == "6"  # a mark, not a delete
        for c in (a, b):
            c.close()
    finally:
        pg.psql("DROP TABLE IF EXISTS ops_ddl")


def test_delete_on_one_worker_racing_a_committing_alter_on_the_other(own_proxy, pg):
    """The ALTER giving the table its marker runs on one worker (its transaction kept open a
    second); a DELETE sent meanwhile through the other worker, which PostgreSQL runs after the
    commit, must wait for the ALTER's answer and be rewritten with the marker."""
    pg.psql("DROP TABLE IF EXISTS ops_race; CREATE TABLE ops_race (id int PRIMARY KEY); "
            "INSERT INTO ops_race SELECT generate_series(1, 6)")
    px = start_workers(own_proxy, "[softdelete]\nschema_refresh = 0\nepoch_interval = 0")
    try:
        ddl, other = connect_on_workers(px, 2, psycopg_conn(px)).values()
        assert other.execute("SELECT count(*) FROM ops_race").fetchone() == (6,)
        alter = threading.Thread(target=ddl.execute, args=(
            "DO $$BEGIN ALTER TABLE ops_race ADD COLUMN deleted_at timestamptz; "
            "PERFORM pg_sleep(1); END$$",))
        alter.start()
        wait_for(lambda: "ALTER" in pg.psql(
            "SELECT coalesce(string_agg(query, ' '), '') FROM pg_stat_activity "
            "WHERE state = 'active' AND query LIKE 'DO %'"), what="the ALTER to run")
        assert other.execute("DELETE FROM ops_race WHERE id = 1").rowcount == 1
        alter.join()
        assert pg.psql("SELECT id, deleted_at IS NOT NULL FROM ops_race WHERE id = 1"
                       ).strip() == "1|t"
        for c in (ddl, other):
            c.close()
    finally:
        pg.psql("DROP TABLE IF EXISTS ops_race")


# ---- several instances ----------------------------------------------------------------------


def install(px):
    """tombstone install as the superuser: the catalog epoch and its event trigger."""
    out = subprocess.run([tombstone_binary(), "install", "-c", px.config_path, "-d", "postgres",
                          "-U", "postgres"], capture_output=True, text=True, check=True)
    assert "catalog epoch and delete guard installed" in out.stdout, out.stdout + out.stderr


def test_two_instances_ddl_through_one_is_seen_by_the_other(own_proxy, pg):
    pg.psql("DROP TABLE IF EXISTS ops_inst; CREATE TABLE ops_inst (id int PRIMARY KEY); "
            "INSERT INTO ops_inst SELECT generate_series(1, 6)")
    settings = "[softdelete]\nschema_refresh = 0"  # only the epoch can tell B
    a, b = own_proxy(extra=settings), own_proxy(extra=settings)
    install(a)
    try:
        with psycopg.connect(a.dsn(), autocommit=True) as ca, \
                psycopg.connect(b.dsn(), autocommit=True) as cb:
            assert cb.execute("SELECT count(*) FROM ops_inst").fetchone() == (6,)
            ca.execute("ALTER TABLE ops_inst ADD COLUMN deleted_at timestamptz")
            ca.execute("DELETE FROM ops_inst WHERE id = 1")  # a mark, through A
            started = time.monotonic()
            # B hides the marked row once it has read the moved epoch and the catalog
            wait_for(lambda: cb.execute("SELECT count(*) FROM ops_inst").fetchone() == (5,),
                     what="B to see the marker")
            print(f"window: {time.monotonic() - started:.3f} s")
            assert cb.execute("DELETE FROM ops_inst WHERE id = 2").rowcount == 1
            assert cb.execute("SELECT count(*) FROM ops_inst").fetchone() == (4,)
        assert pg.psql("SELECT id FROM ops_inst WHERE deleted_at IS NOT NULL ORDER BY id"
                       ).split() == ["1", "2"]
        assert pg.psql("SELECT count(*) FROM ops_inst").strip() == "6"
    finally:
        pg.psql("DROP EVENT TRIGGER IF EXISTS tombstone_ddl; DROP EVENT TRIGGER IF EXISTS "
                "tombstone_drop; DROP SCHEMA IF EXISTS tombstone CASCADE; "
                "DROP TABLE IF EXISTS ops_inst")
