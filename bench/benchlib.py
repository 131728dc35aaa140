"""Shared pieces of the benchmarks: a throwaway PostgreSQL with the pgbench databases,
PgBouncer, tombstone, and per-process CPU and memory readings from /proc.

    pg = start_postgres(max_connections=300)
    make_pgbench_dbs(pg, scale=10)        # bench (plain) and bench_soft (every table soft)
    px = start_tombstone(pg)              # tests/lib/harness.py Proxy
    pgb = PgBouncer.start(pg, "session")
"""

import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time

BENCH = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(BENCH)
sys.path.insert(0, os.path.join(REPO, "tests", "lib"))

from harness import (PG_BIN, TEST_USER, Postgres, Proxy, binary_has, free_port, port_open,  # noqa
                     rss_kb, tombstone_binary, wait_for)

PGBENCH_TABLES = ("pgbench_accounts", "pgbench_branches", "pgbench_tellers", "pgbench_history")
CLK_TCK = os.sysconf("SC_CLK_TCK")


def raise_nofile(n):
    """Raises this process's open-files limit (soft and hard) to at least n when it can
    (root); children inherit it (tombstone raises its soft limit to the hard one at start).
    Returns the soft limit now in force."""
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard < n:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (n, n))
        except (ValueError, OSError):
            pass
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return hard


def start_postgres(tls=None, **settings):
    """tls=(certs, NAME): ssl = on with that certificate (tests/lib/certs.py)."""
    conf = {"shared_buffers": "256MB", "max_connections": "300", "max_wal_size": "4GB",
            "checkpoint_timeout": "30min", "autovacuum": "off"}
    conf.update({k: str(v) for k, v in settings.items()})
    return Postgres.start(conf, tls=tls)


def run_alone(pg, out, part):
    """A part run on its own (its script's main): part(pg) on the PostgreSQL pg, which is
    stopped afterwards, its result written to `out` as JSON; exits non-zero when the result
    reports an error."""
    try:
        result = part(pg)
    finally:
        pg.stop()
    with open(out, "w") as f:
        json.dump(result, f, indent=1)
    if "error" in result:
        sys.exit(result["error"])


def pgbench_env(port, dbname):
    return dict(os.environ, PGHOST="127.0.0.1", PGPORT=str(port), PGUSER="postgres",
                PGDATABASE=dbname)


def make_pgbench_dbs(pg, scale):
    """bench: pgbench's tables as pgbench -i makes them; bench_soft: a copy where every
    pgbench table has a `deleted_at timestamptz` column, so tombstone rewrites every
    statement that touches them."""
    if pg.psql("select count(*) from pg_database where datname = 'bench_soft'").strip() == "1":
        return  # made already (a shared cluster)
    pg.psql("create database bench")
    subprocess.run([f"{PG_BIN}/pgbench", "-i", "-s", str(scale), "-q"],
                   env=pgbench_env(pg.port, "bench"), check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    pg.psql("vacuum analyze", dbname="bench")
    pg.psql("checkpoint")
    pg.psql("create database bench_soft template bench")
    pg.psql(";".join(f"alter table {t} add column deleted_at timestamptz"
                     for t in PGBENCH_TABLES), dbname="bench_soft")
    pg.psql("vacuum analyze", dbname="bench_soft")


def start_tombstone(pg, extra="log_level = warning", **kw):
    return Proxy.start(pg, extra=extra, **kw)


class PgBouncer:
    """Debian's PgBouncer (it refuses to run as root: runs as the test user)."""

    def __init__(self, proc, port, work):
        self.proc, self.port, self.work = proc, port, work
        with open(f"{work}/pgbouncer.pid") as f:
            self.pid = int(f.read())

    @classmethod
    def start(cls, pg, pool_mode="session", max_client_conn=2000, pool_size=400, extra=""):
        work = tempfile.mkdtemp(prefix="tombstone-bench-pgb-")
        port = free_port()
        with open(f"{work}/users.txt", "w") as f:
            f.write('"postgres" ""\n')
        with open(f"{work}/pgbouncer.ini", "w") as f:
            f.write(f"[databases]\n* = host=127.0.0.1 port={pg.port}\n[pgbouncer]\n"
                    f"listen_addr = 127.0.0.1\nlisten_port = {port}\nauth_type = trust\n"
                    f"auth_file = {work}/users.txt\npool_mode = {pool_mode}\n"
                    f"max_client_conn = {max_client_conn}\ndefault_pool_size = {pool_size}\n"
                    f"max_db_connections = 0\nunix_socket_dir =\nlogfile = {work}/pgb.log\n"
                    f"pidfile = {work}/pgbouncer.pid\n"
                    f"log_connections = 0\nlog_disconnections = 0\nlog_pooler_errors = 1\n"
                    f"ignore_startup_parameters = extra_float_digits,options\n{extra}")
        os.chmod(work, 0o777)
        cmd = ["pgbouncer", f"{work}/pgbouncer.ini"]
        if os.geteuid() == 0:
            cmd = ["setpriv", f"--reuid={TEST_USER}", f"--regid={TEST_USER}", "--clear-groups",
                   "--"] + cmd
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        pidfile = f"{work}/pgbouncer.pid"  # created before PgBouncer writes its pid into it
        wait_for(lambda: port_open(port) and os.path.exists(pidfile) and os.path.getsize(pidfile),
                 what="pgbouncer")
        return cls(proc, port, work)

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        shutil.rmtree(self.work, ignore_errors=True)


def cpu_ns(pid):
    """Time the process has run on a CPU, in ns (all threads: /proc/PID/schedstat is per
    task, the main one is enough for these single-threaded proxies)."""
    with open(f"/proc/{pid}/schedstat") as f:
        return int(f.read().split()[0])


def cpu_user_sys(pid):
    """(user, system) CPU seconds from /proc/PID/stat."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]) / CLK_TCK, int(fields[12]) / CLK_TCK


def machine():
    """What the numbers came from: cores, CPU model, memory, load."""
    model = "?"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo") as f:
        mem_kb = int(f.readline().split()[1])
    kernel = os.uname().release
    try:
        pgb = subprocess.run(["pgbouncer", "--version"], stdout=subprocess.PIPE,
                             text=True).stdout.split("\n")[0]
    except OSError:
        pgb = "?"
    pgv = subprocess.run([f"{PG_BIN}/postgres", "--version"], stdout=subprocess.PIPE,
                         text=True).stdout.strip()
    return {"nproc": os.cpu_count(), "cpu": model, "mem_gib": round(mem_kb / 2**20, 1),
            "kernel": kernel, "pgbouncer": pgb, "postgres": pgv,
            "loadavg": os.getloadavg()}


def now():
    return time.monotonic()
