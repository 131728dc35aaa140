"""A minimal raw PostgreSQL v3 client over a socket, for what libpq will not do on purpose:
read slowly or not at all, vanish in the middle of a message, send a bare SSLRequest or
CancelRequest, look at the exact bytes of an ErrorResponse."""

import socket
import struct
import subprocess

SSL_REQUEST = 80877103
GSSENC_REQUEST = 80877104
CANCEL_REQUEST = 80877102


def startup_packet(user, database, **params):
    body = struct.pack("!I", 0x00030000)
    for k, v in {"user": user, "database": database, **params}.items():
        body += k.encode() + b"\0" + v.encode() + b"\0"
    body += b"\0"
    return struct.pack("!I", len(body) + 4) + body


def message(kind, body=b""):
    return kind + struct.pack("!I", len(body) + 4) + body


def query(sql):
    return message(b"Q", sql.encode() + b"\0")


def messages(data):
    """(type, body) of each typed message in data."""
    out, i = [], 0
    while i + 5 <= len(data):
        (n,) = struct.unpack("!I", data[i + 1:i + 5])
        out.append((data[i:i + 1], data[i + 5:i + 1 + n]))
        i += 1 + n
    return out


def error_fields(body):
    """The fields of an ErrorResponse/NoticeResponse body, keyed by their one-letter code."""
    fields = {}
    for part in body.split(b"\0"):
        if part:
            fields[chr(part[0])] = part[1:].decode()
    return fields


class RawConn:
    def __init__(self, port, host="127.0.0.1", timeout=30):
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.buf = b""

    def send(self, data):
        self.sock.sendall(data)

    def recv_exact(self, n):
        while len(self.buf) < n:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("connection closed")
            self.buf += chunk
        data, self.buf = self.buf[:n], self.buf[n:]
        return data

    def read_message(self):
        kind = self.recv_exact(1)
        (length,) = struct.unpack("!I", self.recv_exact(4))
        return kind, self.recv_exact(length - 4)

    def read_until(self, kind):
        """Reads messages up to and including one of the given type; returns them all."""
        seen = []
        while True:
            m = self.read_message()
            seen.append(m)
            if m[0] == kind:
                return seen

    def login(self, user="postgres", database="postgres", **params):
        """Trust login: returns the BackendKeyData (pid, key)."""
        self.send(startup_packet(user, database, **params))
        key = None
        for kind, body in self.read_until(b"Z"):
            if kind == b"K":
                key = struct.unpack("!II", body)
            if kind == b"E":
                raise ConnectionError(error_fields(body))
        return key

    def unread(self, port):
        """Bytes this client sent that the server on `port` (the proxy) has not read from
        its socket yet: 0 once it took all of them (whatever it then does with them)."""
        mine = self.sock.getsockname()[1]
        out = subprocess.run(["ss", "-tnH", "state", "established",
                              f"( sport = :{port} and dport = :{mine} )"],
                             check=True, capture_output=True, text=True).stdout
        return int(out.split()[0])

    def read_to_close(self):
        """Everything still to come, up to the peer's close, as bytes."""
        data, self.buf = self.buf, b""
        while True:
            try:
                chunk = self.sock.recv(65536)
            except ConnectionResetError:
                return data
            if not chunk:
                return data
            data += chunk

    def close(self):
        self.sock.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
