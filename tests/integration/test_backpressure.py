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
    print(f"proxy RSS {base} kB, peak {peak} kB")
    assert peak - base < 64 * 1024, f"proxy RSS grew by {peak - base} kB"
    conn.close()


def test_fast_writer_to_a_blocked_server_keeps_proxy_memory_bounded(proxy, pg):
    import psycopg
    from rawpg import message
    pg.psql("drop table if exists bp_copy; create table bp_copy (id int, v text)")
    with psycopg.connect(pg.dsn()) as locker:
        # COPY waits for this lock before it reads any data: the server stops reading.
        locker.execute("lock table bp_copy in access exclusive mode")
        conn = RawConn(proxy.port)
        conn.login()
        base = proxy.rss_kb()
        conn.send(query("copy bp_copy from stdin"))
        row = message(b"d", b"1\t" + b"y" * 8000 + b"\n")
        conn.sock.setblocking(False)
        sent, limit = 0, 400 * 1024 * 1024
        try:
            while sent < limit:  # until every buffer on the way is full
                sent += conn.sock.send(row[sent % len(row):])
        except BlockingIOError:
            pass
        assert sent < limit, "the proxy kept reading: no backpressure"
        peak = proxy.rss_kb()
        print(f"client blocked after {sent} bytes; proxy RSS {base} -> {peak} kB")
        assert peak - base < 64 * 1024
        locker.commit()
    conn.sock.setblocking(True)
    rest = -sent % len(row)  # the unsent end of the last row begun
    conn.send(row[len(row) - rest:] + row * 10 + message(b"c"))
    replies = conn.read_until(b"Z")
    rows = (sent + rest) // len(row) + 10
    assert (b"C", f"COPY {rows}\0".encode()) in replies
    conn.close()
