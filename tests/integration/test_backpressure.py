"""A client reading a huge result slowly must not make the proxy buffer it."""

from harness import wait_for
from rawpg import RawConn, query

ROWS, WIDTH = 50000, 8000  # 400 MB of row data


def test_slow_reader_keeps_proxy_memory_bounded(proxy, pg):
    conn = RawConn(proxy.port)
    pid, _ = conn.login()
    base = proxy.rss_kb()
    conn.send(query(f"select repeat('x', {WIDTH}) from generate_series(1, {ROWS})"))
    # The client reads nothing: once every buffer on the way is full, the server blocks on
    # the write. That is the moment an unbounded proxy would be growing.
    wait_for(lambda: pg.psql(f"select wait_event from pg_stat_activity where pid = {pid}")
             .strip() == "ClientWrite", what="the server to block on the client")
    peak = proxy.rss_kb()
    received = 0
    while True:
        kind, body = conn.read_message()
        if kind == b"D":
            received += 1
            if received % 5000 == 0:
                peak = max(peak, proxy.rss_kb())
        if kind == b"Z":
            break
    assert received == ROWS
    # Generous: a proxy that buffered the result would need 400 MB.
    assert peak - base < 64 * 1024, f"proxy RSS grew by {peak - base} kB"
    conn.close()
