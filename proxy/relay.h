/* proxy/relay.h — moving bytes between two connected sockets, a client and its server.
 * Each read lands in one scratch buffer shared by the whole (single-threaded) process and is
 * walked message by message (protocol/framer.c) with the policy and handler its owner gave;
 * what the walk produced goes to the peer at once, in one send. Only what the peer's socket
 * does not take is copied, into the peer's pending buffer, and then the side feeding it
 * stops being read until it drains: backpressure both ways, with memory bounded by about
 * one read per connection. A message the policy holds stops the walk; the rest of the read
 * waits in `held`, and the side is not read again, until relay_resume walks it.
 *
 * The relay knows nothing of sessions: its owner gives each connection a relay_ops table
 * and is called back through it (PgBouncer's sbuf does the same).
 *
 * A connection's transport is plain or TLS (proxy/tls.h): with TLS, reads come from
 * SSL_read into the same scratch buffer and writes go through SSL_write (which encrypts
 * into its own record buffer, so nothing is copied twice); the plain path is unchanged.
 * The switch is asked for by the owner while this side's walk handles the message that
 * negotiated it, and happens when that walk ends: a byte this side sent after that message
 * was sent in clear, so it makes the connection a protocol violation instead of being read
 * as if it had come through TLS (CVE-2021-23214, CVE-2021-23222). */
#ifndef PROXY_RELAY_H
#define PROXY_RELAY_H

#include <stdbool.h>
#include <stddef.h>

#include <event2/event_struct.h>

#include "protocol/protocol.h"
#include "proxy/tls.h"

typedef struct conn conn;

/* What a connection tells its owner. Every call gets the owner given to relay_init. */
typedef struct {
    proto_hooks walk; /* the policy and handler of what this side sends (ctx = owner) */
    /* The peer closed the connection, or a read or write failed. */
    void (*lost)(void *owner, conn *c, const char *why);
    /* What this side sent is not the protocol: the stream is unusable. */
    void (*violation)(void *owner, conn *c, const char *why);
    /* relay_connect finished: err is 0 or an errno value (ETIMEDOUT after the timeout). */
    void (*connected)(void *owner, conn *c, int err);
    /* An event callback of this connection is returning: the owner may free itself now
     * (and only now: a walk may be running over its buffers before). */
    void (*done)(void *owner);
    /* The TLS handshake relay_start_tls began ended: err is NULL, or why it failed (the
     * connection is then unusable; the owner closes it). */
    void (*secured)(void *owner, conn *c, const char *err);
} relay_ops;

/* What a connection can do now. */
enum {
    RELAY_OPEN,       /* reads and writes go through */
    RELAY_CONNECTING, /* relay_connect under way: what is sent waits in pending */
    RELAY_HANDSHAKE,  /* TLS handshake (or its start) under way: the same */
};

struct conn {
    void *owner;
    const relay_ops *ops;
    conn *peer; /* where what this side sends goes */
    struct event_base *base;
    int fd;              /* -1: no socket, or closed */
    struct event rd, wr; /* rd added while reading, wr while pending waits */
    bool reading, writing;
    uint8_t phase;     /* RELAY_OPEN, RELAY_CONNECTING or RELAY_HANDSHAKE */
    bool readable;     /* the owner lets this side be read */
    tls_conn *tls;     /* NULL: plain (TCP or a Unix socket) */
    tls_conn *upgrade; /* relay_start_tls during a walk: installed when the walk ends */
    bool tls_more;     /* TLS bytes are buffered that no socket event will announce */
    bool read_wants_write, write_wants_read; /* TLS: a read waits for writability, and so on */
    proto_framer framer;                     /* walks what this side sends */
    proto_buf pending;   /* bytes waiting to be written to this side, allocated only then */
    size_t sent;         /* of pending, already written */
    proto_buf held;      /* read from this side, not walked yet (see above) */
    uint64_t bytes_read; /* from this side's socket (the statistics' bytes in and out) */
};

#define RELAY_SCRATCH (128 * 1024)

/* Sets up a connection without a socket yet. */
void relay_init(conn *c, struct event_base *base, const relay_ops *ops, void *owner, conn *peer);
/* Takes over a connected socket and starts sending what waits in pending. */
void relay_attach(conn *c, int fd);
/* Waits for a non-blocking connect on fd to finish (timeout in seconds, 0: none), then
 * calls ops->connected; on success the socket is attached. */
void relay_connect(conn *c, int fd, double timeout);
/* Switches this side to TLS with t (the relay owns it from now on), from the walk handler of
 * the message that negotiated it: from now on what is sent waits in pending; the handshake
 * starts when the walk ends, and ops->secured says how it ended. The owner's policy must
 * hold whatever follows that message (c->phase is RELAY_HANDSHAKE): those bytes came in
 * clear, and the relay makes them a protocol violation. */
void relay_start_tls(conn *c, tls_conn *t);
/* Sends bytes the proxy made itself, after anything still pending there. */
void relay_send(conn *to, const void *p, size_t n);
/* Walks what this side held, as far as its policy now lets it (after the owner's state
 * changed): what it produces goes to the peer, before anything read later. */
void relay_resume(conn *c);
/* Lets this side be read (or not), backpressure and held messages permitting. */
void relay_set_readable(conn *c, bool readable);
/* Writes what pending bytes the socket takes now, without waiting (used before closing). */
void relay_flush_now(conn *c);
/* Stops the events and closes the socket; buffers stay until relay_release. */
void relay_close(conn *c);
void relay_release(conn *c);
static inline bool relay_closed(const conn *c)
{
    return c->fd < 0;
}
/* Something read from this side waits for relay_resume: bytes in `held`, or a header the
 * framer kept when it arrived split across reads and was held (a Sync, say, that has
 * nothing after it: no later read would bring it back). */
static inline bool relay_holding(const conn *c)
{
    return c->held.len || proto_framer_holding(&c->framer);
}
/* Frees the process-wide scratch state at exit. */
void relay_cleanup(void);

#endif
