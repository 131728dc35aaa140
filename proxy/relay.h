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
 * and is called back through it (PgBouncer's sbuf does the same). */
#ifndef PROXY_RELAY_H
#define PROXY_RELAY_H

#include <stdbool.h>
#include <stddef.h>

#include <event2/event_struct.h>

#include "protocol/protocol.h"

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
} relay_ops;

struct conn {
    void *owner;
    const relay_ops *ops;
    conn *peer; /* where what this side sends goes */
    struct event_base *base;
    int fd;              /* -1: no socket, or closed */
    struct event rd, wr; /* rd added while reading, wr while pending waits */
    bool reading, writing;
    bool connecting;     /* relay_connect under way: what is sent waits in pending */
    bool readable;       /* the owner lets this side be read */
    proto_framer framer; /* walks what this side sends */
    proto_buf pending;   /* bytes waiting to be written to this side, allocated only then */
    size_t sent;         /* of pending, already written */
    proto_buf held;      /* read from this side, not walked yet (see above) */
};

#define RELAY_SCRATCH (128 * 1024)

/* Sets up a connection without a socket yet. */
void relay_init(conn *c, struct event_base *base, const relay_ops *ops, void *owner, conn *peer);
/* Takes over a connected socket and starts sending what waits in pending. */
void relay_attach(conn *c, int fd);
/* Waits for a non-blocking connect on fd to finish (timeout in seconds, 0: none), then
 * calls ops->connected; on success the socket is attached. */
void relay_connect(conn *c, int fd, double timeout);
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
/* Frees the process-wide scratch state at exit. */
void relay_cleanup(void);

#endif
