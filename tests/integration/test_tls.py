"""TLS to clients and to PostgreSQL (issue 13): every client_tls_sslmode against every server
sslmode, each pg_hba method through each, verification of both sides' certificates,
channel binding, certificate reload on SIGHUP with a session open across it, and plaintext
smuggled in after an SSLRequest, by a client or a server.

One PostgreSQL with ssl = on (its own certificate for pg.test and 127.0.0.1, from a CA made
here) serves the whole module; one proxy per client_tls_sslmode, whose [databases] aliases
s_MODE set each server sslmode (the per-database override of server_tls_sslmode)."""

import socket
import ssl
import struct
import threading

import psycopg
import pytest
from certs import Certs
from harness import AUTH_ROLES, PASSWORD, Postgres, Proxy, wait_for
from rawpg import GSSENC_REQUEST, SSL_REQUEST, RawConn, startup_packet

MODES = ("disable", "allow", "prefer", "require", "verify-ca", "verify-full")
TLS_TO_SERVER = {"disable": False, "allow": False, "prefer": True, "require": True,
                 "verify-ca": True, "verify-full": True}  # allow is plain, as in PgBouncer


@pytest.fixture(scope="module")
def certs():
    c = Certs.make()
    c.leaf("pg", cn="pg.test", san="DNS:pg.test,IP:127.0.0.1")  # not "localhost"
    for role in AUTH_ROLES:
        c.leaf(role, cn=role)  # client certificates: CN = the user name
    c.leaf("alien", cn="u_trust", ca="other_ca")
    yield c
    c.remove()


@pytest.fixture(scope="module")
def pg_tls(certs):
    server = Postgres.start(tls=(certs, "pg"))
    yield server
    server.stop()


def tls_settings(certs, client_mode, server_ca="ca.crt", cert="server"):
    lines = [f"client_tls_sslmode = {client_mode}", f"server_tls_ca_file = {certs.path(server_ca)}"]
    if client_mode != "disable":
        lines += [f"client_tls_cert_file = {certs.path(cert + '.crt')}",
                  f"client_tls_key_file = {certs.path(cert + '.key')}",
                  f"client_tls_ca_file = {certs.path('ca.crt')}"]
    return "\n".join(lines)


def databases(pg_tls, pg):
    dbs = {f"s_{m}": f"host=127.0.0.1 port={pg_tls.port} dbname=postgres sslmode={m}"
           for m in MODES}
    dbs["plain_prefer"] = f"host=127.0.0.1 port={pg.port} dbname=postgres sslmode=prefer"
    dbs["plain_require"] = f"host=127.0.0.1 port={pg.port} dbname=postgres sslmode=require"
    dbs["wrong_host"] = f"host=localhost port={pg_tls.port} dbname=postgres sslmode=verify-full"
    return dbs


@pytest.fixture(scope="module")
def proxies(certs, pg_tls, pg):
    started = {m: Proxy.start(pg_tls, databases=databases(pg_tls, pg),
                              extra=tls_settings(certs, m)) for m in MODES}
    yield started
    for px in started.values():
        assert px.stop() == 0, px.log()


def client_params(certs, client_mode, role):
    """What a libpq client of a proxy in this mode sets: TLS when offered, the proxy's
    certificate checked (verify-*) and a certificate of its own where one is asked for."""
    if client_mode == "disable":
        return {"sslmode": "prefer"}  # asks, is told N, goes on in clear
    if client_mode in ("allow", "prefer", "require"):
        return {"sslmode": "require" if client_mode == "require" else "prefer"}
    return {"sslmode": client_mode, "sslrootcert": certs.path("ca.crt"),
            "sslcert": certs.path(f"{role}.crt"), "sslkey": certs.path(f"{role}.key")}


def legs(conn):
    """(client leg TLS, server leg TLS, current_user) of a connection through the proxy."""
    ssl_on, user = conn.execute("SELECT ssl, current_user FROM pg_stat_ssl "
                                "WHERE pid = pg_backend_pid()").fetchone()
    return conn.pgconn.ssl_in_use, ssl_on, user


# ---- the matrix ----------------------------------------------------------------------------

@pytest.mark.parametrize("server_mode", MODES)
@pytest.mark.parametrize("client_mode", MODES)
def test_every_client_mode_with_every_server_mode_and_auth_method(proxies, certs, client_mode,
                                                                   server_mode):
    px = proxies[client_mode]
    client_tls, server_tls = client_mode != "disable", TLS_TO_SERVER[server_mode]
    for role in sorted(AUTH_ROLES):
        params = client_params(certs, client_mode, role)
        if AUTH_ROLES[role] == "scram-sha-256" and client_tls and server_tls:
            params["channel_binding"] = "disable"  # see test_channel_binding_*
        with psycopg.connect(px.dsn(f"s_{server_mode}", user=role, password=PASSWORD,
                                    **params)) as c:
            assert legs(c) == (client_tls, server_tls, role)


# ---- clients -----------------------------------------------------------------------------------

@pytest.mark.parametrize("client_mode", ["require", "verify-ca", "verify-full"])
def test_a_client_in_clear_is_refused_when_tls_is_required(proxies, client_mode):
    with pytest.raises(psycopg.OperationalError, match="accepts TLS connections only"):
        psycopg.connect(proxies[client_mode].dsn("s_disable", sslmode="disable"))


def test_a_client_that_requires_tls_is_told_no_by_a_proxy_without(proxies):
    with pytest.raises(psycopg.OperationalError, match="server does not support SSL"):
        psycopg.connect(proxies["disable"].dsn("s_disable", sslmode="require"))


def test_verify_ca_wants_a_certificate_from_the_known_ca(proxies, certs):
    px = proxies["verify-ca"]
    with pytest.raises(psycopg.OperationalError):
        psycopg.connect(px.dsn("s_disable", user="u_trust", sslmode="require"))
    with pytest.raises(psycopg.OperationalError):
        psycopg.connect(px.dsn("s_disable", user="u_trust", sslmode="require",
                               sslcert=certs.path("alien.crt"), sslkey=certs.path("alien.key")))
    wait_for(lambda: px.log_contains("TLS handshake with the client failed"),
             what="the handshake failure in the log")


def test_verify_full_wants_the_user_name_in_the_certificate(proxies, certs):
    params = client_params(certs, "verify-full", "u_md5")  # CN u_md5, logging in as u_trust
    with pytest.raises(psycopg.OperationalError, match="certificate authentication failed"):
        psycopg.connect(proxies["verify-full"].dsn("s_disable", user="u_trust", **params))
    params = client_params(certs, "verify-ca", "u_md5")  # verify-ca checks the chain only
    with psycopg.connect(proxies["verify-ca"].dsn("s_disable", user="u_trust", **params)) as c:
        assert legs(c) == (True, False, "u_trust")


def test_clients_verify_the_proxy_certificate(proxies, certs):
    params = {"sslmode": "verify-full", "sslrootcert": certs.path("ca.crt")}
    with psycopg.connect(proxies["require"].dsn("s_disable", **params)) as c:
        assert c.pgconn.ssl_in_use
    with pytest.raises(psycopg.OperationalError, match="certificate verify failed"):
        psycopg.connect(proxies["require"].dsn("s_disable", sslmode="verify-ca",
                                               sslrootcert=certs.path("other_ca.crt")))


def test_gssenc_is_declined_then_tls_accepted(proxies):
    with RawConn(proxies["require"].port) as conn:
        conn.send(struct.pack("!II", 8, GSSENC_REQUEST))
        assert conn.recv_exact(1) == b"N"
        conn.send(struct.pack("!II", 8, SSL_REQUEST))
        assert conn.recv_exact(1) == b"S"


# ---- servers -----------------------------------------------------------------------------------

def test_prefer_falls_back_to_clear_and_require_refuses(proxies):
    px = proxies["disable"]
    with psycopg.connect(px.dsn("plain_prefer", sslmode="disable")) as c:
        assert legs(c) == (False, False, "postgres")
    with pytest.raises(psycopg.OperationalError, match="does not accept TLS connections"):
        psycopg.connect(px.dsn("plain_require", sslmode="disable"))


def test_verify_full_checks_the_server_host_name(proxies):
    # the server's certificate is for pg.test and 127.0.0.1, not for localhost
    with pytest.raises(psycopg.OperationalError, match="could not set up TLS with server.*"
                       "certificate verify failed: hostname mismatch"):
        psycopg.connect(proxies["disable"].dsn("wrong_host", sslmode="disable"))


def test_verify_ca_refuses_a_server_certificate_from_another_ca(own_proxy, certs, pg_tls, pg):
    px = own_proxy(databases=databases(pg_tls, pg),
                   extra=tls_settings(certs, "disable", server_ca="other_ca.crt"))
    for mode in ("verify-ca", "verify-full"):
        with pytest.raises(psycopg.OperationalError, match="certificate verify failed"):
            psycopg.connect(px.dsn(f"s_{mode}", sslmode="disable"))
    with psycopg.connect(px.dsn("s_require", sslmode="disable")) as c:  # require checks nothing
        assert legs(c) == (False, True, "postgres")


# ---- channel binding -------------------------------------------------------------------------

def test_channel_binding_cannot_cross_the_proxy(proxies, certs):
    px = proxies["require"]
    dsn = px.dsn("s_require", user="u_scram", password=PASSWORD, sslmode="require")
    # libpq's default (prefer) supports binding: the server would take it for a downgrade
    with pytest.raises(psycopg.OperationalError, match="channel binding cannot cross tombstone"):
        psycopg.connect(dsn)
    with pytest.raises(psycopg.OperationalError, match="channel binding is required"):
        psycopg.connect(dsn + " channel_binding=require")
    with psycopg.connect(dsn + " channel_binding=disable") as c:
        assert legs(c) == (True, True, "u_scram")
    # with the server leg in clear, the server offers no binding and accepts the client's 'y'
    with psycopg.connect(px.dsn("s_disable", user="u_scram", password=PASSWORD,
                                sslmode="require")) as c:
        assert legs(c) == (True, False, "u_scram")


def test_channel_binding_crosses_when_the_proxy_shows_the_server_certificate(own_proxy, certs,
                                                                            pg_tls, pg):
    px = own_proxy(databases=databases(pg_tls, pg), extra=tls_settings(certs, "require", cert="pg"))
    dsn = px.dsn("s_verify-full", user="u_scram", password=PASSWORD, sslmode="require",
                 channel_binding="require")
    with psycopg.connect(dsn) as c:
        assert legs(c) == (True, True, "u_scram")


# ---- reload ------------------------------------------------------------------------------------

def peer_certificate(port):
    """The DER certificate the proxy shows a client (SSLRequest, then a TLS handshake)."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    with socket.create_connection(("127.0.0.1", port), timeout=10) as raw:
        raw.sendall(struct.pack("!II", 8, SSL_REQUEST))
        assert raw.recv(1) == b"S"
        with ctx.wrap_socket(raw) as tls:
            return tls.getpeercert(binary_form=True)


def test_sighup_reloads_certificates_and_open_sessions_go_on(own_proxy, certs, pg_tls, pg):
    import signal
    certs.leaf("renewed", cn="localhost", san="DNS:localhost,IP:127.0.0.1")
    px = own_proxy(databases=databases(pg_tls, pg), extra=tls_settings(certs, "require"))
    assert peer_certificate(px.port) == certs.der("server.crt")
    old = psycopg.connect(px.dsn("s_require", sslmode="require"), autocommit=True)
    px.rewrite_config(Proxy.config_text(pg_tls, px.port, databases(pg_tls, pg),
                                        tls_settings(certs, "require", cert="renewed")))
    px.send_signal(signal.SIGHUP)
    wait_for(lambda: px.log_contains("configuration reloaded"), what="the reload")
    assert peer_certificate(px.port) == certs.der("renewed.crt")
    with psycopg.connect(px.dsn("s_require", sslmode="require")) as c:
        assert legs(c) == (True, True, "postgres")
    assert legs(old) == (True, True, "postgres")  # the session opened before goes on
    old.close()
    px.rewrite_config(Proxy.config_text(pg_tls, px.port, databases(pg_tls, pg),
                                        tls_settings(certs, "require", cert="missing")))
    px.send_signal(signal.SIGHUP)
    wait_for(lambda: px.log_contains("reload failed"), what="the failed reload")
    assert px.log_contains("cannot load certificate")
    assert peer_certificate(px.port) == certs.der("renewed.crt")


# ---- plaintext smuggled after the negotiation -------------------------------------------------

@pytest.mark.parametrize("extra", [startup_packet("postgres", "s_disable"), b"\x00\x00"],
                         ids=["startup packet", "two bytes"])
def test_bytes_after_an_sslrequest_close_the_connection(proxies, extra):
    px = proxies["require"]
    with RawConn(px.port) as conn:
        conn.send(struct.pack("!II", 8, SSL_REQUEST) + extra)
        rest = conn.read_to_close()
    assert rest.startswith(b"S") and b"R" not in rest[1:]  # no login, nothing in clear
    wait_for(lambda: px.log_contains("unencrypted data after the TLS negotiation"),
             what="the refusal in the log")


def fake_server(answer):
    """A server that answers the proxy's SSLRequest with `answer` in one send, then waits."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)

    def serve():
        conn, _ = listener.accept()
        with conn:
            conn.recv(8)
            conn.sendall(answer)
            conn.recv(1)  # until the proxy closes
        listener.close()
    threading.Thread(target=serve, daemon=True).start()
    return listener.getsockname()[1]


def test_bytes_after_the_server_accepts_tls_close_the_session(own_proxy, pg):
    port = fake_server(b"S" + b"R\x00\x00\x00\x08\x00\x00\x00\x00")  # AuthenticationOk, in clear
    px = own_proxy(databases={"fake": f"host=127.0.0.1 port={port} sslmode=require"})
    with pytest.raises(psycopg.OperationalError, match="unencrypted data after the TLS"):
        psycopg.connect(px.dsn("fake", sslmode="disable"))
