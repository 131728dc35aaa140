"""tests/fuzz/seeds.py OUT — the seed corpora of the fuzz targets, made from the tests:
SQL statements from the rewriter's unit tests, the syntax corpus and the equivalence
oracle's scripts (tests/equiv); wire streams built from those statements; the example
configuration files. One directory per target under OUT, one file per seed."""

import glob
import hashlib
import os
import re
import struct
import sys

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")


def statements():
    out = []
    text = open(os.path.join(ROOT, "tests/unit/test_rewrite.c")).read()
    for m in re.finditer(r'\{\s*"((?:[^"\\]|\\.)*)"', text):  # each case's input
        out.append(bytes(m.group(1), "utf-8").decode("unicode_escape").encode("latin-1"))
    for path in [os.path.join(ROOT, "tests/corpus/syntax.sql")] + sorted(
            glob.glob(os.path.join(ROOT, "tests/equiv/*.sql"))):
        lines = [l for l in open(path, encoding="utf-8").read().splitlines()
                 if not l.startswith("--") and not l.startswith("@")]
        for stmt in re.split(r";\s*\n", "\n".join(lines)):
            if stmt.strip():
                out.append(stmt.strip().encode())
    return out


def msg(kind, body):
    return kind + struct.pack("!I", len(body) + 4) + body


def startup(params):
    body = struct.pack("!I", 196608) + b"".join(k + b"\0" + v + b"\0" for k, v in params) + b"\0"
    return struct.pack("!I", len(body) + 4) + body


def client_stream(sql, i):
    login = startup([(b"user", b"app"), (b"database", b"app")])
    ssl = struct.pack("!II", 8, 80877103) if i % 3 == 0 else b""
    simple = msg(b"Q", sql + b"\0")
    extended = (msg(b"P", b"\0" + sql + b"\0\0\0") + msg(b"B", b"\0\0\0\0\0\0\0\0") +
                msg(b"D", b"P\0") + msg(b"E", b"\0\0\0\0\0") + msg(b"S", b""))
    return ssl + login + (simple if i % 2 else extended) + msg(b"X", b"")


def server_stream(i):
    first = b"SN"[i % 2:i % 2 + 1]
    return (first + msg(b"R", struct.pack("!I", 0)) + msg(b"S", b"TimeZone\0UTC\0") +
            msg(b"K", struct.pack("!II", 42, 7)) + msg(b"Z", b"I") +
            msg(b"T", b"\0\1id\0\0\0\0\0\0\0\0\0\0\x17\0\4\xff\xff\xff\xff\0\0") +
            msg(b"D", b"\0\1\0\0\0\0011") + msg(b"C", b"SELECT 1\0") + msg(b"Z", b"I"))


def settings(i):
    """policy seed, cut seed, max_packet_size byte, start byte (tests/fuzz/stream.h)"""
    return struct.pack("!IHBB", i * 2654435761 % 2**32, i * 40503 % 2**16, (i * 37) % 256, i % 2)


def write(out, target, seeds):
    d = os.path.join(out, target)
    os.makedirs(d, exist_ok=True)
    for s in seeds:
        name = hashlib.sha1(s).hexdigest()[:16]
        with open(os.path.join(d, name), "wb") as f:
            f.write(s)


def main():
    out = sys.argv[1]
    sql = statements()
    write(out, "rewrite", sql)
    write(out, "lexer", sql)
    write(out, "client_stream", [settings(i) + client_stream(s, i) for i, s in enumerate(sql[:200])])
    write(out, "server_stream", [settings(i) + server_stream(i) for i in range(16)])
    cancel = struct.pack("!IIII", 16, 80877102, 42, 7)
    login = startup([(b"user", b"app"), (b"database", b"db"), (b"options", b"-c x=1")])
    write(out, "startup", [login, struct.pack("!II", 8, 80877103) + login,
                           struct.pack("!II", 8, 80877104) + login, cancel, cancel + login])
    write(out, "config", [open(p, "rb").read()
                          for p in glob.glob(os.path.join(ROOT, "conf/examples/*.ini"))])
    print(f"seeds: {len(sql)} statements, in {out}")


if __name__ == "__main__":
    main()
