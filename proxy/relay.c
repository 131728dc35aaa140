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

/* The loop is single-threaded, so one read buffer and one walk output serve every
 * connection. */
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

/* A side is read only while its owner lets it, its peer has nothing pending (that is the
 * backpressure) and it holds nothing back itself. */
static void update_reads(conn *c)
{
    if (!relay_closed(c))
        set_event(&c->rd, &c->reading,
                  c->readable && c->held.len == 0 && c->peer->pending.len == 0);
}

static void update_both(conn *c)
{
    update_reads(c);
    update_reads(c->peer);
}

void relay_set_readable(conn *c, bool readable)
{
    c->readable = readable;
    update_reads(c);
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
        proto_buf_put(&c->pending, proto_out_seg_data(out, seg) + skip, seg->len - skip);
        skip = 0;
    }
}

static void send_out(conn *to, const proto_out *out)
{
    if (out->nseg == 0 || relay_closed(to))
        return;
    ssize_t written = 0;
    if (to->pending.len == 0 && !to->connecting)
        written = write_segments(to, out);
    if (written < 0) {
        to->ops->lost(to->owner, to, "write failed");
        return;
    }
    queue_rest(to, out, (size_t)written);
    if (!to->connecting)
        set_event(&to->wr, &to->writing, to->pending.len > 0);
}

void relay_send(conn *to, const void *p, size_t n)
{
    proto_seg seg = {p, 0, n};
    proto_out one = {.seg = &seg, .nseg = 1};
    send_out(to, &one);
}

/* Walks in[0, n) read from one side and sends what it produced to the other. Returns how
 * much was walked: less than n when the rest is held. */
static size_t walk(conn *from, const uint8_t *in, size_t n)
{
    size_t used = 0;
    proto_out_reset(&walk_out);
    const char *err =
        proto_walk(&from->framer, in, n, &from->ops->walk, from->owner, &walk_out, &used);
    if (err)
        from->ops->violation(from->owner, from, err);
    else if (!relay_closed(from))
        send_out(from->peer, &walk_out);
    if (walk_out.buf.cap > WALK_OUT_KEPT || walk_out.segcap > WALK_OUT_KEPT / 64)
        proto_out_free(&walk_out);
    return used;
}

void relay_resume(conn *c)
{
    if (relay_closed(c) || c->held.len == 0)
        return;
    size_t used = walk(c, c->held.data, c->held.len);
    if (relay_closed(c) || used == c->held.len) {
        proto_buf_free(&c->held);
    } else if (used) {
        memmove(c->held.data, c->held.data + used, c->held.len - used);
        c->held.len -= used;
    }
    update_both(c);
}

static void relay_read(conn *from)
{
    ssize_t n = recv(from->fd, scratch, sizeof scratch, 0);
    if (n <= 0) {
        if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR))
            from->ops->lost(from->owner, from, n == 0 ? "connection closed" : "read failed");
        return;
    }
    size_t used = walk(from, scratch, (size_t)n);
    if (!relay_closed(from) && used < (size_t)n)
        proto_buf_put(&from->held, scratch + used, (size_t)n - used);
    /* what this side said may let the other side's held messages go */
    if (from->peer->held.len)
        relay_resume(from->peer);
    update_both(from);
}

static void on_readable(evutil_socket_t fd, short what, void *arg)
{
    conn *c = arg;
    (void)fd;
    (void)what;
    relay_read(c);
    c->ops->done(c->owner);
}

static void on_writable(evutil_socket_t fd, short what, void *arg)
{
    conn *c = arg;
    (void)fd;
    (void)what;
    if (!flush_pending(c))
        c->ops->lost(c->owner, c, "write failed");
    else if (c->pending.len == 0)
        set_event(&c->wr, &c->writing, false);
    if (!relay_closed(c))
        update_both(c);
    c->ops->done(c->owner);
}

void relay_init(conn *c, struct event_base *base, const relay_ops *ops, void *owner, conn *peer)
{
    *c = (conn){.owner = owner, .ops = ops, .peer = peer, .base = base, .fd = -1};
}

void relay_attach(conn *c, int fd)
{
    c->fd = fd;
    c->writing = c->reading = false;
    event_assign(&c->rd, c->base, fd, EV_READ | EV_PERSIST, on_readable, c);
    event_assign(&c->wr, c->base, fd, EV_WRITE | EV_PERSIST, on_writable, c);
    /* a server connection starts with the startup packet waiting in pending */
    if (!flush_pending(c)) {
        c->ops->lost(c->owner, c, "write failed");
        return;
    }
    set_event(&c->wr, &c->writing, c->pending.len > 0);
    update_both(c);
}

static void on_connected(evutil_socket_t fd, short what, void *arg)
{
    conn *c = arg;
    int err = 0;
    socklen_t len = sizeof err;
    c->writing = c->connecting = false; /* the one-shot connect event has fired */
    if (what & EV_TIMEOUT)
        err = ETIMEDOUT;
    else if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
        err = errno;
    if (err) {
        close(fd);
        c->fd = -1;
    } else {
        relay_attach(c, fd);
    }
    c->ops->connected(c->owner, c, err);
    c->ops->done(c->owner);
}

void relay_connect(conn *c, int fd, double timeout)
{
    struct timeval tv = {(time_t)timeout, (suseconds_t)((timeout - (double)(time_t)timeout) * 1e6)};
    c->fd = fd;
    c->connecting = c->writing = true;
    event_assign(&c->wr, c->base, fd, EV_WRITE, on_connected, c);
    event_add(&c->wr, timeout > 0 ? &tv : NULL);
}

void relay_flush_now(conn *c)
{
    if (!relay_closed(c) && !c->connecting && c->pending.len > 0)
        flush_pending(c);
}

void relay_close(conn *c)
{
    if (relay_closed(c))
        return;
    c->connecting = false;
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
