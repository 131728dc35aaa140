/* proxy/tls.h — TLS with OpenSSL: the contexts a configuration loads (certificates, keys,
 * CAs, protocol versions, ciphers; made again on SIGHUP, so new connections use new files
 * while open ones keep theirs) and one connection's TLS, which the relay (proxy/relay.c)
 * reads and writes through on a non-blocking socket. Nothing here knows sessions. */
#ifndef PROXY_TLS_H
#define PROXY_TLS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "conf/conf.h"

typedef struct tls_ctx tls_ctx;   /* one side's settings, shared by its connections */
typedef struct tls_conn tls_conn; /* one connection's TLS */

/* The context that accepts clients (client_tls_*); NULL with err when a file cannot be read
 * or a setting is refused by OpenSSL. */
tls_ctx *tls_ctx_accepting(const conf_tls *t, const char *conf_name, char *err, size_t errlen);
/* The context that connects to servers (server_tls_*). */
tls_ctx *tls_ctx_connecting(const conf_tls *t, const char *conf_name, char *err, size_t errlen);
void tls_ctx_free(tls_ctx *ctx);

/* A TLS connection on socket fd, as the server of a client's handshake. */
tls_conn *tls_accept(tls_ctx *ctx, int fd);
/* A TLS connection on fd to a server called host (for SNI and, with verify-full, the
 * check of its certificate; verify-ca checks the chain only, below that nothing). */
tls_conn *tls_connect(tls_ctx *ctx, int fd, const char *host, conf_sslmode mode);
void tls_free(tls_conn *t);
/* Tells the peer the session ends (a close_notify alert, best effort, never waits). */
void tls_close_notify(tls_conn *t);

typedef enum {
    TLS_DONE,       /* the call did what it could: data moved, or the handshake ended */
    TLS_WANT_READ,  /* call again when the socket is readable */
    TLS_WANT_WRITE, /* call again when the socket is writable */
    TLS_CLOSED,     /* the peer ended the TLS session or closed the socket */
    TLS_FAILED,     /* a protocol or verification error: the connection is unusable */
} tls_status;

/* Runs the handshake as far as the socket lets it; on TLS_FAILED, err says why. */
tls_status tls_handshake(tls_conn *t, char *err, size_t errlen);
/* Reads up to n bytes of plaintext: *got > 0 with TLS_DONE, else the reason nothing came. */
tls_status tls_read(tls_conn *t, void *buf, size_t n, size_t *got);
/* Writes up to n bytes (partial writes on): *put bytes taken. After a WANT, the next call
 * must start with the same bytes (they may have moved: SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER). */
tls_status tls_write(tls_conn *t, const void *buf, size_t n, size_t *put);
/* Bytes read from the socket and not handed out yet: no readable event will announce them. */
bool tls_has_pending(const tls_conn *t);

/* The common name of the peer's verified certificate, or false. */
bool tls_peer_common_name(const tls_conn *t, char *buf, size_t len);
/* Does `client_side` (a connection tls_accept made) show clients the certificate that
 * `server_side` got from its server? Then channel binding (tls-server-end-point) crosses. */
bool tls_same_certificate(const tls_conn *client_side, const tls_conn *server_side);
/* "TLSv1.3 TLS_AES_256_GCM_SHA384", for logs. */
void tls_describe(const tls_conn *t, char *buf, size_t len);

#endif
