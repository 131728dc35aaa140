"""Drivers in several languages through the proxy, each with its own way of binding
parameters and preparing statements (tests/integration/drivers/scenario.md): psycopg2 (SQL
PREPARE, the simple protocol), asyncpg and Go's pgx (their own protocol implementations:
named statements, binary results, statement caches), Perl's DBD::Pg, PHP's PDO and Ruby's
pg (libpq: unnamed and named server-side statements), and SQLAlchemy's ORM, which checks the
row count of every DELETE it sends. Each logs in as a SCRAM role with its own SCRAM code
(asyncpg, pgx) or libpq's, in clear, and those with TLS code of their own through TLS
(client_tls_sslmode = require). What each prints is compared with what PostgreSQL answers when
rows are really deleted, and the database is checked directly afterwards: nothing of a
soft-delete table was physically deleted."""

import os
import shutil
import subprocess
import sys

import pytest
from certs import Certs
from harness import PASSWORD, Proxy, tombstone_binary

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "drivers")

SCHEMA = """
SET ROLE u_scram;
CREATE TABLE authors (id int PRIMARY KEY, name text NOT NULL, deleted_at timestamptz);
CREATE TABLE books (id int PRIMARY KEY, author_id int REFERENCES authors ON DELETE CASCADE,
                    title text, deleted_at timestamptz);
CREATE TABLE tags (id int PRIMARY KEY, label text);
INSERT INTO authors VALUES (1, 'Ann'), (2, 'Bob'), (3, 'Cy');
INSERT INTO books VALUES (1, 1, 'a1'), (2, 1, 'a2'), (3, 2, 'b1'), (4, 2, 'b2'),
                         (5, 3, 'c1'), (6, 3, 'c2');
INSERT INTO tags VALUES (1, 't1'), (2, 't2'), (3, 't3');
"""

# What every driver of the scenario prints (the answers of real deletes).
SCENARIO = ["S1 1", "S2 4", "S3 b1,b2,c1,c2", "S4 1,1,0", "S5 23503", "S6 1,Bee", "S7 1,0,2",
            "S8 1,1,1"]
# Rows of each table, physically, and which are marked, after the scenario.
SCENARIO_STATE = {"authors": (3, [1]), "books": (6, [1, 2, 3, 4]), "tags": (2, [2])}

ORM = ["O1 ok", "O2 4", "O3 None", "O4 b1,b2", "O5 ok", "O6 2:b2;3:c1,c2"]
ORM_STATE = {"authors": (3, [1]), "books": (6, [1, 2, 3]), "tags": (3, [])}


def go_program(tmp_path):
    """Builds pgx_scenario.go with Debian's Go and its packaged pgx (no module download)."""
    exe = str(tmp_path / "pgx_scenario")
    env = dict(os.environ, GOPATH="/usr/share/gocode", GO111MODULE="off", GOFLAGS="",
               GOCACHE=str(tmp_path / "gocache"))
    out = subprocess.run(["go", "build", "-o", exe, os.path.join(HERE, "pgx_scenario.go")],
                         env=env, capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr
    return [exe]


DRIVERS = {
    "psycopg2": (lambda tmp: [sys.executable, os.path.join(HERE, "psycopg2_scenario.py")],
                 SCENARIO, SCENARIO_STATE),
    "asyncpg": (lambda tmp: [sys.executable, os.path.join(HERE, "asyncpg_scenario.py")],
                SCENARIO, SCENARIO_STATE),
    "pgx": (go_program, SCENARIO, SCENARIO_STATE),
    "dbdpg": (lambda tmp: ["perl", os.path.join(HERE, "dbdpg_scenario.pl")],
              SCENARIO, SCENARIO_STATE),
    "pdo": (lambda tmp: ["php", os.path.join(HERE, "pdo_scenario.php")],
            SCENARIO, SCENARIO_STATE),
    "rubypg": (lambda tmp: ["ruby", os.path.join(HERE, "rubypg_scenario.rb")],
               SCENARIO, SCENARIO_STATE),
    "sqlalchemy": (lambda tmp: [sys.executable, os.path.join(HERE, "sqlalchemy_scenario.py")],
                   ORM, ORM_STATE),
}


@pytest.fixture(scope="module")
def proxies(pg):
    """A proxy in clear, and one that requires TLS of its clients."""
    certs = Certs.make()
    tls = (f"client_tls_sslmode = require\nclient_tls_cert_file = {certs.path('server.crt')}\n"
           f"client_tls_key_file = {certs.path('server.key')}")
    started = {"disable": Proxy.start(pg), "require": Proxy.start(pg, extra=tls)}
    yield started
    for proxy in started.values():
        assert proxy.stop() == 0, proxy.log()


def fresh_database(pg, px, name):
    pg.psql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    pg.psql(f"CREATE DATABASE {name} OWNER u_scram")
    pg.psql(SCHEMA, dbname=name)
    out = subprocess.run([tombstone_binary(), "install", "-c", px.config_path, "-d", name,
                          "-U", "postgres"], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stdout + out.stderr


def physical_state(pg, db):
    state = {}
    for table in SCENARIO_STATE:
        has_marker = pg.psql(f"SELECT count(*) FROM information_schema.columns WHERE "
                             f"table_name = '{table}' AND column_name = 'deleted_at'",
                             dbname=db).strip() == "1"
        rows = int(pg.psql(f"SELECT count(*) FROM {table}", dbname=db))
        marked = pg.psql(f"SELECT id FROM {table} WHERE deleted_at IS NOT NULL ORDER BY id",
                         dbname=db).split() if has_marker else []
        state[table] = (rows, [int(i) for i in marked])
    return state


# Through TLS: the drivers with TLS code of their own, and one on libpq's (which DBD::Pg,
# PDO, Ruby's pg and SQLAlchemy's psycopg2 share).
RUNS = [(d, "disable") for d in sorted(DRIVERS)] + [(d, "require")
                                                    for d in ("asyncpg", "pgx", "psycopg2")]


@pytest.mark.parametrize("driver,sslmode", RUNS)
def test_driver_scenario(pg, proxies, tmp_path, driver, sslmode):
    command, expected, expected_state = DRIVERS[driver]
    px = proxies[sslmode]
    db = f"drv_{driver}"
    fresh_database(pg, px, db)
    args = ["127.0.0.1", str(px.port), db, "u_scram", PASSWORD, str(px.port), sslmode]
    out = subprocess.run(command(tmp_path) + args, capture_output=True, text=True, timeout=300)
    assert (out.stdout.split("\n")[:-1], out.returncode) == (expected, 0), out.stderr
    assert physical_state(pg, db) == expected_state
    pg.psql(f"DROP DATABASE {db} WITH (FORCE)")


def test_scenario_answers_as_real_deletes(pg, tmp_path):
    """The expectations above are PostgreSQL's own: the scenario run directly on a database
    without markers, where a DELETE deletes, prints the same (S8's ALTER then adds a marker
    to an empty-of-deletes table, which changes nothing)."""
    db = "drv_direct"
    pg.psql(f"DROP DATABASE IF EXISTS {db} WITH (FORCE)")
    pg.psql(f"CREATE DATABASE {db} OWNER u_scram")
    pg.psql(SCHEMA.replace(", deleted_at timestamptz", ""), dbname=db)
    args = ["127.0.0.1", str(pg.port), db, "u_scram", PASSWORD, str(pg.port), "disable"]
    out = subprocess.run([sys.executable, os.path.join(HERE, "asyncpg_scenario.py"), *args],
                         capture_output=True, text=True, timeout=300)
    assert out.stdout.split("\n")[:-1] == SCENARIO, out.stderr
    pg.psql(f"DROP DATABASE {db} WITH (FORCE)")


def test_every_driver_is_installed():
    """The drivers come from Debian packages that scripts/install-deps installs: a missing
    one is a failure here, never a skip."""
    for tool in ("go", "perl", "php", "ruby"):
        assert shutil.which(tool), tool
