"""Reusable test infrastructure: a throwaway PostgreSQL 15 and a tombstone proxy in front of it.

Used by the integration tests (tests/integration/) and meant for any other suite that needs
the same pieces (e.g. an equivalence oracle comparing transcripts through the proxy and
direct). Everything waits on readiness checks, never on fixed sleeps.

    pg = Postgres.start()            # initdb into a temp dir, free port, 127.0.0.1 only
    px = Proxy.start(pg)             # ./tombstone with a generated config, on a free port
    psycopg.connect(px.dsn("postgres"))
    px.stop(); pg.stop()

When run as root, PostgreSQL runs as the unprivileged system user `tombstone-test` (created
if missing), since it refuses to run as root.
"""

import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time

PG_BIN = os.environ.get("PG_BIN", "/usr/lib/postgresql/15/bin")
REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TEST_USER = "tombstone-test"
PASSWORD = "secret pw"  # shared by the password, md5 and scram test roles

# Roles the auth tests use, and the pg_hba method each one gets over TCP.
AUTH_ROLES = {
    "u_trust": "trust",
    "u_password": "password",
    "u_md5": "md5",
    "u_scram": "scram-sha-256",
}

SANITIZER_MARKS = ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:")


def free_port():
    """A TCP port that was free a moment ago on 127.0.0.1."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def conninfo(host="127.0.0.1", **params):
    """A libpq connection string, every value quoted."""
    def quote(v):
        return "'" + str(v).replace("\\", "\\\\").replace("'", "\\'") + "'"
    return " ".join(f"{k}={quote(v)}" for k, v in {"host": host, **params}.items())


def wait_for(check, timeout=30.0, what="condition"):
    """Polls check() until it returns a true value (which is returned) or the timeout ends."""
    deadline = time.monotonic() + timeout
    delay = 0.005
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out waiting for {what}")
        time.sleep(delay)
        delay = min(delay * 2, 0.1)


def port_open(port, host="127.0.0.1"):
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def _run_as_user():
    """The user PostgreSQL runs as: ourselves, or tombstone-test when we are root."""
    if os.geteuid() != 0:
        return None
    try:
        pwd.getpwnam(TEST_USER)
    except KeyError:
        subprocess.run(["useradd", "--system", "--no-create-home", "--shell",
                        "/usr/sbin/nologin", TEST_USER], check=True)
    return TEST_USER


class Postgres:
    """A PostgreSQL 15 cluster in a temporary directory, listening on 127.0.0.1 only."""

    def __init__(self, datadir, port, user):
        self.datadir = datadir
        self.port = port
        self.run_user = user
        self.sockdir = os.path.join(os.path.dirname(datadir), "sock")
        self.logfile = os.path.join(os.path.dirname(datadir), "postgres.log")

    def _cmd(self, args, **kw):
        if self.run_user:
            args = ["runuser", "-u", self.run_user, "--"] + args
        return subprocess.run(args, check=True, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, **kw)

    @classmethod
    def start(cls, settings=None, tls=None):
        """tls=(certs, NAME): ssl = on with certs' NAME.crt/NAME.key and its CA (certs.py)."""
        user = _run_as_user()
        top = tempfile.mkdtemp(prefix="tombstone-pg-")
        os.chmod(top, 0o755)
        pg = cls(os.path.join(top, "data"), free_port(), user)
        os.makedirs(pg.sockdir)
        if user:
            uid = pwd.getpwnam(user).pw_uid
            for path in (top, pg.sockdir):
                os.chown(path, uid, -1)
        pg._cmd([f"{PG_BIN}/initdb", "-D", pg.datadir, "-U", "postgres", "--auth=trust",
                 "--no-sync", "-E", "UTF8", "--locale=C"])
        conf = {
            "listen_addresses": "'127.0.0.1'",
            "port": str(pg.port),
            "unix_socket_directories": f"'{pg.sockdir}'",
            "max_connections": "300",
            "shared_buffers": "32MB",
            "fsync": "off",
            "synchronous_commit": "off",
            "full_page_writes": "off",
        }
        if tls:
            certs, name = tls
            uid = pwd.getpwnam(user).pw_uid if user else None
            crt, key, ca = certs.copy_for([f"{name}.crt", f"{name}.key", "ca.crt"], top, uid)
            conf.update(ssl="on", ssl_cert_file=f"'{crt}'", ssl_key_file=f"'{key}'",
                        ssl_ca_file=f"'{ca}'")
        conf.update(settings or {})
        with open(os.path.join(pg.datadir, "postgresql.conf"), "a") as f:
            for k, v in conf.items():
                f.write(f"{k} = {v}\n")
        pg._write_hba()
        pg._start_server()
        pg._create_roles()
        return pg

    def _write_hba(self):
        lines = ["local all all trust"]
        for role, method in AUTH_ROLES.items():
            lines.append(f"host all {role} 127.0.0.1/32 {method}")
        lines.append("host all all 127.0.0.1/32 trust")
        with open(os.path.join(self.datadir, "pg_hba.conf"), "w") as f:
            f.write("\n".join(lines) + "\n")

    def _start_server(self):
        self._cmd([f"{PG_BIN}/pg_ctl", "-D", self.datadir, "-l", self.logfile, "-w", "start"])

    def _create_roles(self):
        stmts = ["SET password_encryption = 'md5'",
                 f"CREATE ROLE u_md5 LOGIN PASSWORD '{PASSWORD}'",
                 "SET password_encryption = 'scram-sha-256'"]
        for role in ("u_trust", "u_password", "u_scram"):
            stmts.append(f"CREATE ROLE {role} LOGIN PASSWORD '{PASSWORD}'")
        self.psql(";".join(stmts))

    def dsn(self, dbname="postgres", user="postgres", **extra):
        return conninfo(port=self.port, dbname=dbname, user=user, **extra)

    def psql(self, sql, dbname="postgres"):
        """Runs SQL as the superuser over the Unix socket; returns stdout."""
        out = subprocess.run([f"{PG_BIN}/psql", "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1",
                              "-h", self.sockdir, "-p", str(self.port), "-U", "postgres",
                              "-d", dbname, "-c", sql],
                             check=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True)
        return out.stdout

    def restart(self):
        self._cmd([f"{PG_BIN}/pg_ctl", "-D", self.datadir, "-m", "fast", "-w", "restart",
                   "-l", self.logfile])

    def stop(self):
        try:
            self._cmd([f"{PG_BIN}/pg_ctl", "-D", self.datadir, "-m", "immediate", "-w", "stop"])
        finally:
            shutil.rmtree(os.path.dirname(self.datadir), ignore_errors=True)


def tombstone_binary():
    """The proxy under test: $TOMBSTONE_BIN, else the repository's ./tombstone."""
    return os.environ.get("TOMBSTONE_BIN", os.path.join(REPO, "tombstone"))


def binary_has(path, text):
    """Does the file at path contain these bytes (a setting's name, a library's symbol)?"""
    with open(path, "rb") as f:
        return text in f.read()


def sanitized_binary(path=None):
    """True when the proxy under test is built with AddressSanitizer, whose allocator keeps
    freed memory in quarantine: RSS then says nothing about what the proxy frees."""
    return binary_has(path or tombstone_binary(), b"__asan_init")


def rss_kb(pid):
    """The resident set size of process pid, in kB."""
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError("no VmRSS")


class Proxy:
    """A running ./tombstone (or $TOMBSTONE_BIN) with a generated configuration."""

    def __init__(self, config_path, port, log_path, proc):
        self.config_path = config_path
        self.port = port
        self.log_path = log_path
        self.proc = proc

    @staticmethod
    def config_text(pg, port, databases=None, extra="", binary=None):
        dbs = databases or {"*": f"host=127.0.0.1 port={pg.port}"}
        # one worker unless a test asks for more (the tests that measure the process, RSS or
        # descriptors, look at the one that serves); TOMBSTONE_TEST_WORKERS=N runs the
        # others with N workers. A binary from before workers existed (bench/ab.py's base)
        # gets no such line.
        n = os.environ.get("TOMBSTONE_TEST_WORKERS", "1")
        knows = binary_has(binary or tombstone_binary(), b"workers")
        workers = [] if "workers" in extra or not knows else [f"workers = {n}"]
        lines = ["[tombstone]", "listen_addr = 127.0.0.1", f"listen_port = {port}",
                 "log_level = debug", *workers, extra, "[databases]"]
        lines += [f"{alias} = {target}" for alias, target in dbs.items()]
        return "\n".join(lines) + "\n"

    @classmethod
    def start(cls, pg, databases=None, extra="", args=(), port=None, binary=None):
        binary = binary or tombstone_binary()
        workdir = tempfile.mkdtemp(prefix="tombstone-px-")
        port = port or free_port()
        config = os.path.join(workdir, "tombstone.ini")
        with open(config, "w") as f:
            f.write(cls.config_text(pg, port, databases, extra, binary))
        log_path = os.path.join(workdir, "tombstone.log")
        log = open(log_path, "wb")
        proc = subprocess.Popen([binary, "-c", config, *args], stdout=log,
                                stderr=subprocess.STDOUT)
        log.close()
        px = cls(config, port, log_path, proc)
        wait_for(lambda: px.proc.poll() is not None or port_open(port),
                 what="the proxy to start")
        if px.proc.poll() is not None:
            raise RuntimeError(f"tombstone exited at start:\n{px.log()}")
        return px

    def dsn(self, dbname="postgres", user="postgres", **extra):
        return conninfo(port=self.port, dbname=dbname, user=user, **extra)

    def log(self):
        with open(self.log_path, errors="replace") as f:
            return f.read()

    def log_contains(self, text):
        return text in self.log()

    def rss_kb(self):
        return rss_kb(self.proc.pid)

    def send_signal(self, sig):
        self.proc.send_signal(sig)

    def rewrite_config(self, text):
        with open(self.config_path, "w") as f:
            f.write(text)

    def wait_exit(self, timeout=60):
        return self.proc.wait(timeout=timeout)

    def sanitizer_reports(self):
        return [line for line in self.log().splitlines()
                if any(mark in line for mark in SANITIZER_MARKS)]

    def stop(self, sig=signal.SIGINT):
        """Stops the proxy; returns its exit status. Raises if a sanitizer spoke. Calling it
        again just returns the status."""
        if not os.path.exists(self.log_path):
            return self.proc.returncode
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        status = self.proc.wait(timeout=60)
        reports = self.sanitizer_reports()
        if reports:
            raise AssertionError("sanitizer report in the proxy log:\n" + self.log())
        shutil.rmtree(os.path.dirname(self.config_path), ignore_errors=True)
        return status
