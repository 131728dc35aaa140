/* proxy/relay.c — reading, walking and writing (see relay.h). */
#include "proxy/relay.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <event2/event.h>

#include "proxy/session.h"

/* The loop is single-threaded, so one read buffer and one walk output serve every session. */
static uint8_t scratch[RELAY_SCRATCH];
static proto_out walk_out;

/* The walk output's buffer holds the messages the proxy built for one read: a rewritten
 * 50 MB Query makes it that big once, and it must not stay that big. */
enum { WALK_OUT_KEPT = 4 * RELAY_SCRATCH };

static void set_event(struct event *ev, bool *on, bool want)
{
    if (*on == want)
        return;
    *on = want;
    if (want)
        event_add(ev, NULL);
    else
        event_del(ev);
}

void relay_update_reads(session *s)
{
    if (s->dead)
        return;
    /* A side is read only while its peer has nothing pending (that is the backpressure) and
     * it holds nothing back itself. */
    set_event(&s->client.rd, &s->client.reading,
              s->client.held.len == 0 && s->server.pending.len == 0);
    set_event(&s->server.rd, &s->server.reading,
              s->state >= SESSION_AUTH && s->server.held.len == 0 && s->client.pending.len == 0);
}

static void queue(conn *c, const uint8_t *p, size_t n)
{
    proto_buf_put(&c->pending, p, n);
}

/* Writes pending bytes until the socket is full. Returns false on a write error. */
static bool flush_pending(conn *c)
{
    while (c->sent < c->pending.len) {
        ssize_t n = send(c->fd, c->pending.data + c->sent, c->pending.len - c->sent, MSG_NOSIGNAL);
        if (n < 0)
            return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR;
        c->sent += (size_t)n;
    }
    proto_buf_free(&c->pending);
    c->sent = 0;
    return true;
}

/* Writes segments straight from where they are; returns how many bytes the socket took,
 * or -1 on a write error. */
static ssize_t write_segments(conn *c, const proto_out *out)
{
    if (out->nseg == 1) { /* the usual case: one send(2), no iovec to build and check */
        const proto_seg *seg = &out->seg[0];
        ssize_t w = send(c->fd, proto_out_seg_data(out, seg), seg->len, MSG_NOSIGNAL);
        if (w < 0)
            return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR ? 0 : -1;
        return w;
    }
    struct iovec iov[IOV_MAX];
    size_t done = 0, i = 0;
    while (i < out->nseg) {
        int n = 0;
        size_t batch = 0;
        for (; i < out->nseg && n < IOV_MAX; i++, n++) {
            iov[n].iov_base = (void *)proto_out_seg_data(out, &out->seg[i]);
            iov[n].iov_len = out->seg[i].len;
            batch += out->seg[i].len;
        }
        ssize_t w = writev(c->fd, iov, n);
        if (w < 0)
            return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR ? (ssize_t)done : -1;
        done += (size_t)w;
        if ((size_t)w < batch)
            break;
    }
    return (ssize_t)done;
}

/* Queues what was not written: the first `skip` bytes of out went out already. */
static void queue_rest(conn *c, const proto_out *out, size_t skip)
{
    for (size_t i = 0; i < out->nseg; i++) {
        const proto_seg *seg = &out->seg[i];
        if (skip >= seg->len) {
            skip -= seg->len;
            continue;
        }
        queue(c, proto_out_seg_data(out, seg) + skip, seg->len - skip);
        skip = 0;
    }
}

/* After queueing: wait for the socket to take the rest. */
static void arm_writer(session *s, conn *c)
{
    if (c->pending.oom) {
        session_connection_lost(s, c, "out of memory");
        return;
    }
    set_event(&c->wr, &c->writing, c->pending.len > 0);
}

static void send_out(session *s, conn *to, const proto_out *out)
{
    if (out->nseg == 0 || to->fd < 0)
        return;
    ssize_t written = 0;
    if (to->pending.len == 0)
        written = write_segments(to, out);
    if (written < 0) {
        session_connection_lost(s, to, "write failed");
        return;
    }
    queue_rest(to, out, (size_t)written);
    arm_writer(s, to);
}

void relay_send(session *s, conn *to, const void *p, size_t n)
{
    proto_out one = {0};
    proto_seg seg = {p, 0, n};
    one.seg = &seg;
    one.nseg = 1;
    send_out(s, to, &one);
}

static conn *peer_of(conn *c)
{
    session *s = c->owner;
    return c == &s->client ? &s->server : &s->client;
}

static const proto_hooks *hooks_of(conn *c)
{
    session *s = c->owner;
    return c == &s->client ? &session_client_hooks : &session_server_hooks;
}

/* Walks in[0, n) read from one side and sends what it produced to the other. Returns how
 * much was walked (less than n when the rest is held), or 0 with the session closed. */
static size_t walk(session *s, conn *from, const uint8_t *in, size_t n)
{
    size_t used = 0;
    proto_out_reset(&walk_out);
    const char *err = proto_walk(&from->framer, in, n, hooks_of(from), s, &walk_out, &used);
    if (err) {
        session_protocol_error(s, from, err);
        return 0;
    }
    if (!s->dead)
        send_out(s, peer_of(from), &walk_out);
    if (walk_out.buf.cap > WALK_OUT_KEPT || walk_out.segcap > WALK_OUT_KEPT / 64)
        proto_out_free(&walk_out);
    return used;
}

void relay_resume(session *s, conn *c)
{
    if (s->dead || c->held.len == 0)
        return;
    size_t used = walk(s, c, c->held.data, c->held.len);
    if (s->dead || used == c->held.len) {
        proto_buf_free(&c->held);
    } else if (used) {
        memmove(c->held.data, c->held.data + used, c->held.len - used);
        c->held.len -= used;
    }
    relay_update_reads(s);
}

static void relay_read(session *s, conn *from)
{
    ssize_t n = recv(from->fd, scratch, sizeof scratch, 0);
    if (n <= 0) {
        if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR))
            session_connection_lost(s, from, n == 0 ? "connection closed" : "read failed");
        return;
    }
    size_t used = walk(s, from, scratch, (size_t)n);
    if (!s->dead && used < (size_t)n) {
        proto_buf_put(&from->held, scratch + used, (size_t)n - used);
        if (from->held.oom)
            session_connection_lost(s, from, "out of memory");
    }
    /* what this side said may let the other side's held messages go */
    relay_resume(s, peer_of(from));
    relay_update_reads(s);
}

static void on_readable(evutil_socket_t fd, short what, void *arg)
{
    conn *c = arg;
    session *s = c->owner;
    (void)fd;
    (void)what;
    relay_read(s, c);
    session_after_event(s);
}

static void on_writable(evutil_socket_t fd, short what, void *arg)
{
    conn *c = arg;
    session *s = c->owner;
    (void)fd;
    (void)what;
    if (!flush_pending(c))
        session_connection_lost(s, c, "write failed");
    else if (c->pending.len == 0)
        set_event(&c->wr, &c->writing, false);
    relay_update_reads(s);
    session_after_event(s);
}

void relay_attach(session *s, conn *c, int fd)
{
    c->owner = s;
    c->fd = fd;
    c->writing = false;
    event_assign(&c->rd, s->px->base, fd, EV_READ | EV_PERSIST, on_readable, c);
    event_assign(&c->wr, s->px->base, fd, EV_WRITE | EV_PERSIST, on_writable, c);
    /* A server connection starts with the startup packet waiting in pending. */
    if (!flush_pending(c))
        session_connection_lost(s, c, "write failed");
    else
        arm_writer(s, c);
    relay_update_reads(s);
}

void relay_flush_now(conn *c)
{
    if (c->fd >= 0 && c->pending.len > 0)
        flush_pending(c);
}

void relay_close(conn *c)
{
    if (c->fd < 0)
        return;
    set_event(&c->rd, &c->reading, false);
    set_event(&c->wr, &c->writing, false);
    close(c->fd);
    c->fd = -1;
}

void relay_release(conn *c)
{
    proto_buf_free(&c->pending);
    proto_buf_free(&c->held);
    proto_framer_free(&c->framer);
}

void relay_cleanup(void)
{
    proto_out_free(&walk_out);
}
