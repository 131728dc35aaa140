#!/usr/bin/python3
"""pgbench -S (select-only) TPS: direct, through tombstone, and through PgBouncer in session
mode, at 1 and 8 clients. Usage: bench/tps.py [SECONDS]"""

import os
import re
import shutil
import subprocess
import sys
import tempfile

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(REPO, "tests", "lib"))

from harness import PG_BIN, TEST_USER, Postgres, Proxy, free_port, port_open, wait_for  # noqa


def pgbench(port, clients, seconds):
    env = dict(os.environ, PGHOST="127.0.0.1", PGPORT=str(port), PGUSER="postgres",
               PGDATABASE="bench")
    out = subprocess.run([f"{PG_BIN}/pgbench", "-S", "-n", "-M", "simple", "-c", str(clients),
                          "-j", str(min(clients, 2)), "-T", str(seconds)], env=env,
                         check=True, stdout=subprocess.PIPE, text=True).stdout
    return float(re.search(r"tps = ([0-9.]+)", out).group(1))


def start_pgbouncer(pg):
    """PgBouncer in session mode (it refuses to run as root: run as the test user)."""
    work = tempfile.mkdtemp(prefix="tombstone-bench-")
    port = free_port()
    with open(f"{work}/users.txt", "w") as f:
        f.write('"postgres" ""\n')
    with open(f"{work}/pgbouncer.ini", "w") as f:
        f.write(f"[databases]\n* = host=127.0.0.1 port={pg.port}\n[pgbouncer]\n"
                f"listen_addr = 127.0.0.1\nlisten_port = {port}\nauth_type = trust\n"
                f"auth_file = {work}/users.txt\npool_mode = session\nmax_client_conn = 2000\n"
                f"default_pool_size = 100\nunix_socket_dir =\nlogfile = {work}/pgb.log\n"
                f"log_connections = 0\nlog_disconnections = 0\n")
    os.chmod(work, 0o777)
    cmd = ["pgbouncer", f"{work}/pgbouncer.ini"]
    if os.geteuid() == 0:
        cmd = ["runuser", "-u", TEST_USER, "--"] + cmd
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_for(lambda: port_open(port), what="pgbouncer")
    return proc, port, work


def main():
    seconds = int(sys.argv[1]) if len(sys.argv) > 1 else 10
    pg = Postgres.start({"max_connections": "200"})
    px = bouncer = None
    try:
        pg.psql("create database bench")
        subprocess.run([f"{PG_BIN}/pgbench", "-i", "-s", "10", "-q", "-h", "127.0.0.1",
                        "-p", str(pg.port), "-U", "postgres", "bench"], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        px = Proxy.start(pg, extra="log_level = warning")
        bouncer, bport, work = start_pgbouncer(pg)
        print(f"pgbench -S -M simple, {seconds} s per run, TPS")
        print(f"{'clients':>8} {'direct':>10} {'tombstone':>10} {'pgbouncer':>10} {'ratio':>6}")
        for clients in (1, 8):
            d = pgbench(pg.port, clients, seconds)
            t = pgbench(px.port, clients, seconds)
            b = pgbench(bport, clients, seconds)
            print(f"{clients:>8} {d:>10.0f} {t:>10.0f} {b:>10.0f} {t / b:>6.2f}")
    finally:
        if bouncer:
            bouncer.terminate()
            bouncer.wait()
            shutil.rmtree(work, ignore_errors=True)
        if px:
            px.stop()
        pg.stop()


if __name__ == "__main__":
    main()
