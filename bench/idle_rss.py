#!/usr/bin/python3
"""Memory of idle clients: opens N logged-in, idle client connections through tombstone and
reports the growth of the proxy's resident set size per client. Usage: bench/idle_rss.py [N]"""

import os
import resource
import sys

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(REPO, "tests", "lib"))

from harness import Postgres, Proxy  # noqa: E402
from rawpg import RawConn  # noqa: E402


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)  # this process holds n sockets too
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    pg = Postgres.start({"max_connections": str(n + 20), "shared_buffers": "64MB"})
    px = None
    conns = []
    try:
        px = Proxy.start(pg, extra="log_level = warning")
        warm = RawConn(px.port)  # the first session allocates the shared buffers
        warm.login()
        before = px.rss_kb()
        for _ in range(n):
            c = RawConn(px.port)
            c.login()
            conns.append(c)
        after = px.rss_kb()
        print(f"{n} idle clients: proxy RSS {before} kB -> {after} kB, "
              f"{(after - before) * 1024 / n:.0f} bytes per idle client")
    finally:
        for c in conns:
            c.close()
        if px:
            px.stop()
        pg.stop()


if __name__ == "__main__":
    main()
