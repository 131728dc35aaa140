#!/usr/bin/python3
"""RSS while a slow client reads a huge result through tombstone: one client asks for
--bytes of DataRows (SELECT repeat('x', 1000) FROM generate_series(...)) and reads them at
--rate MB/s, far slower than PostgreSQL produces them, while the proxy's resident set size
is sampled every 0.2 s. With backpressure it stays flat: the proxy holds at most what one
read brought in, whatever the result's size.

Usage: stream_rss.py --out FILE.json [--bytes N] [--rate MB_PER_S] [--proxy tombstone|pgbouncer]"""

import argparse
import os
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from benchlib import PgBouncer, rss_kb, run_alone, start_postgres, start_tombstone  # noqa: E402
from rawpg import RawConn, query  # noqa: E402

ROW_BYTES = 1 + 4 + 2 + 4 + 1000  # DataRow: type, length, field count, field length, value
END = b"Z\0\0\0\5I"  # ReadyForQuery, idle


def stream(port, pid, total, rate):
    conn = RawConn(port, timeout=120)
    conn.login()
    rows = total // ROW_BYTES
    samples, got, done = [], [0], threading.Event()
    base = rss_kb(pid)
    t0 = time.monotonic()

    def sampler():
        while not done.is_set():
            samples.append((round(time.monotonic() - t0, 2), got[0], rss_kb(pid)))
            done.wait(0.2)

    th = threading.Thread(target=sampler)
    th.start()
    conn.send(query(f"SELECT repeat('x', 1000) FROM generate_series(1, {rows})"))
    tail = b""
    chunk = 65536
    try:
        while True:
            data = conn.sock.recv(chunk)
            if not data:
                raise ConnectionError("connection closed mid-result")
            got[0] += len(data)
            tail = (tail + data)[-len(END):]
            if tail == END:
                break
            ahead = got[0] / (rate * 1e6) - (time.monotonic() - t0)
            if ahead > 0:
                time.sleep(ahead)
    finally:
        done.set()
        th.join()
    elapsed = time.monotonic() - t0
    conn.close()
    rss = [s[2] for s in samples]
    return {"bytes": got[0], "rows": rows, "seconds": round(elapsed, 1),
            "rate_mb_s": round(got[0] / elapsed / 1e6, 1), "rss_start_kb": base,
            "rss_min_kb": min(rss), "rss_max_kb": max(rss), "rss_end_kb": rss[-1],
            "growth_kb": max(rss) - base, "samples": samples}


def run(pg, nbytes=1e9, rate=40, proxy="tombstone"):
    px = None
    try:
        if proxy == "tombstone":
            px = start_tombstone(pg)
            port, pid = px.port, px.proc.pid
        else:
            px = PgBouncer.start(pg, "session")
            port, pid = px.port, px.pid
        r = stream(port, pid, int(nbytes), rate)
    finally:
        if px:
            px.stop()
    r["proxy"] = proxy
    print(f"{proxy}: {r['bytes'] / 1e6:.0f} MB to a client reading at {r['rate_mb_s']} MB/s in "
          f"{r['seconds']} s: RSS {r['rss_start_kb']} kB at the start, {r['rss_min_kb']}–"
          f"{r['rss_max_kb']} kB during, {r['rss_end_kb']} kB at the end "
          f"({len(r['samples'])} samples)", flush=True)
    return {"stream": r}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", required=True)
    ap.add_argument("--bytes", type=float, default=1e9)
    ap.add_argument("--rate", type=float, default=40, help="MB/s the client reads at")
    ap.add_argument("--proxy", default="tombstone", choices=("tombstone", "pgbouncer"))
    a = ap.parse_args()
    pg = start_postgres()
    run_alone(pg, a.out, lambda pg: run(pg, a.bytes, a.rate, a.proxy))


if __name__ == "__main__":
    main()
