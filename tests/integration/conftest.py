"""Fixtures shared by the integration tests: one PostgreSQL 15 and one proxy for the whole
run (tests that need their own proxy start one with harness.Proxy.start)."""

import os
import sys

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))

from harness import Postgres, Proxy  # noqa: E402


@pytest.fixture(scope="session")
def pg():
    server = Postgres.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def proxy(pg):
    px = Proxy.start(pg, databases={
        "aliasdb": f"host=127.0.0.1 port={pg.port} dbname=postgres",
        "as_trust": f"host=127.0.0.1 port={pg.port} dbname=postgres user=u_trust",
        "*": f"host=127.0.0.1 port={pg.port}",
    })
    yield px
    assert px.stop() == 0


@pytest.fixture
def own_proxy(pg):
    """Starts proxies private to one test and stops them (checking the exit status) after."""
    started = []

    def start(**kw):
        px = Proxy.start(pg, **kw)
        started.append(px)
        return px

    yield start
    for px in started:
        assert px.stop() == 0, px.log()
