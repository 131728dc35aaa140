/* proxy/relay.h — moving bytes between a client and its server. Each read lands in one
 * scratch buffer shared by the whole (single-threaded) process and is walked message by
 * message (protocol/framer.c) with the session's hooks; what the walk produced goes to the
 * peer at once, in one writev. Only what the peer's socket does not take is copied, into
 * that connection's pending buffer, and then the side feeding it stops being read until it
 * drains: backpressure both ways, with memory bounded by about one read per connection. */
#ifndef PROXY_RELAY_H
#define PROXY_RELAY_H

#include <stdbool.h>
#include <stddef.h>

#include <event2/event_struct.h>

#include "protocol/protocol.h"

typedef struct session session;

/* One side of a session. */
typedef struct {
    session *owner;
    int fd;
    struct event rd, wr; /* persistent; rd added while reading, wr while pending waits */
    bool reading, writing;
    proto_framer framer; /* walks what this side sends */
    proto_buf pending;   /* bytes waiting to be written to this side, allocated only then */
    size_t sent;         /* of pending, already written */
    proto_buf held;      /* read from this side, not walked yet: a policy said PROTO_HOLD;
                          * this side is not read again until it is walked (relay_resume) */
} conn;

#define RELAY_SCRATCH (128 * 1024)

/* Takes over a connected socket: sets up its events (none may be pending) and starts
 * sending what waits in pending. */
void relay_attach(session *s, conn *c, int fd);
/* Sends bytes the proxy made itself to one side, after anything still pending there. */
void relay_send(session *s, conn *to, const void *p, size_t n);
/* Walks what one side held, as far as its policy now lets it (after the session's state
 * changed): what it produces goes to the peer, in order before anything read later. */
void relay_resume(session *s, conn *c);
/* Starts or stops reading each side according to the session's state and backpressure. */
void relay_update_reads(session *s);
/* Writes what pending bytes the socket takes now, without waiting (used before closing). */
void relay_flush_now(conn *c);
/* Stops the events and closes the socket; buffers stay until relay_release. */
void relay_close(conn *c);
void relay_release(conn *c);
/* Frees the process-wide scratch state at exit. */
void relay_cleanup(void);

#endif
