"""Issue 15: migration frameworks run through the proxy, each with its real Debian package —
Django `migrate` (python3-django), Alembic (python3-alembic), ActiveRecord migrations
(ruby-activerecord) — on the same four steps (tests/integration/frameworks/): create a table
with a unique name, add `deleted_at` to it once it holds rows, turn its unique index into a
partial one, delete rows in a data migration. An application connection open through the
proxy the whole time sees the soft-delete semantics right after each step."""

import os
import subprocess

import psycopg
import pytest

FRAMEWORKS = os.path.join(os.path.dirname(__file__), "frameworks")


def run(args, **env):
    # the migrations are imported from the tree: leave no __pycache__ in it
    out = subprocess.run(args, capture_output=True, text=True, timeout=300,
                         env=dict(os.environ, PYTHONDONTWRITEBYTECODE="1", **env))
    assert out.returncode == 0, out.stdout + out.stderr


def django(port, db, step):
    names = ["0001_create", "0002_deleted_at", "0003_partial_unique", "0004_drop_tmp"]
    run(["/usr/bin/python3", "-m", "django", "migrate", "shelf", names[step - 1]],
        PYTHONPATH=os.path.join(FRAMEWORKS, "django"), DJANGO_SETTINGS_MODULE="settings",
        TOMBSTONE_DB=db, TOMBSTONE_PORT=str(port))


def alembic(port, db, step):
    run(["/usr/bin/python3", "-m", "alembic", "-c",
         os.path.join(FRAMEWORKS, "alembic", "alembic.ini"), "upgrade", f"000{step}"],
        TOMBSTONE_URL=f"postgresql+psycopg2://postgres@127.0.0.1:{port}/{db}")


def activerecord(port, db, step):
    run(["ruby", os.path.join(FRAMEWORKS, "activerecord", "migrate.rb"),
         f"postgres://postgres@127.0.0.1:{port}/{db}", str(step)])


def names(app):
    return [r[0] for r in app.execute("SELECT name FROM authors ORDER BY name, id")]


def physical(pg, db):
    """(name, marked) of every row, read directly from PostgreSQL."""
    out = pg.psql("SELECT name, deleted_at IS NOT NULL FROM authors ORDER BY name, 2",
                  dbname=db)
    return [(r.split("|")[0], r.split("|")[1] == "t") for r in out.split()]


@pytest.fixture
def database(pg):
    made = []

    def make(name):
        pg.psql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        pg.psql(f"CREATE DATABASE {name}")
        made.append(name)
        return name
    yield make
    for name in made:
        pg.psql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.mark.parametrize("migrate", [django, alembic, activerecord],
                         ids=lambda f: f.__name__)
def test_migration_steps(proxy, pg, database, migrate):
    db = database(f"mig_{migrate.__name__}")
    migrate(proxy.port, db, 1)  # authors (id, name UNIQUE)
    with psycopg.connect(proxy.dsn(db), autocommit=True) as app:
        app.execute("INSERT INTO authors (name) VALUES ('ann'), ('bob'), ('tmp1'), ('tmp2')")
        # no marker yet: a DELETE is a real one
        app.execute("INSERT INTO authors (name) VALUES ('gone')")
        assert app.execute("DELETE FROM authors WHERE name = 'gone'").rowcount == 1

        migrate(proxy.port, db, 2)  # ADD COLUMN deleted_at to the table with rows
        assert app.execute("DELETE FROM authors WHERE name = 'ann'").rowcount == 1
        assert names(app) == ["bob", "tmp1", "tmp2"]
        assert physical(pg, db) == [("ann", True), ("bob", False), ("tmp1", False),
                                    ("tmp2", False)]

        migrate(proxy.port, db, 3)  # the unique index becomes partial: WHERE deleted_at IS NULL
        app.execute("INSERT INTO authors (name) VALUES ('ann')")  # the marked one's name is free
        with pytest.raises(psycopg.errors.UniqueViolation):
            app.execute("INSERT INTO authors (name) VALUES ('bob')")
        assert names(app) == ["ann", "bob", "tmp1", "tmp2"]

        migrate(proxy.port, db, 4)  # a data migration deletes the tmp rows: they are marked
        assert names(app) == ["ann", "bob"]
        assert app.execute("SELECT count(*) FROM authors WHERE name LIKE 'tmp%'").fetchone() \
            == (0,)
    assert physical(pg, db) == [("ann", False), ("ann", True), ("bob", False), ("tmp1", True),
                                ("tmp2", True)]
