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

/* TLS: small segments of one walk (a rewritten message between references to the input)
 * are gathered into one record's worth before SSL_write, so that they go as one record in
 * one send instead of one each. */
enum { TLS_RECORD = 16384 };
static uint8_t tls_gather[TLS_RECORD];

static void on_readable(evutil_socket_t fd, short what, void *arg);
static void on_writable(evutil_socket_t fd, short what, void *arg);

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

/* TLS: a write that waits for readability needs the read event whatever the backpressure
 * says, and bytes OpenSSL has already taken from the socket are read without waiting for
 * an event that will not come. */
static bool tls_reads(conn *c, bool want)
{
    if (want && c->tls_more)
        event_active(&c->rd, EV_READ, 1);
    return want || c->write_wants_read;
}

/* A side is read only while its owner lets it, its peer has nothing pending (that is the
 * backpressure) and it holds nothing back itself. */
static void update_reads(conn *c)
{
    if (relay_closed(c) || c->phase != RELAY_OPEN)
        return;
    bool want = c->readable && !relay_holding(c) && c->peer->pending.len == 0;
    if (c->tls)
        want = tls_reads(c, want);
    set_event(&c->rd, &c->reading, want);
}

/* The write event is on while bytes wait, or a TLS read waits for writability. */
static void update_writes(conn *c)
{
    set_event(&c->wr, &c->writing, c->pending.len > 0 || c->read_wants_write);
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

/* Writes through TLS until n bytes are taken or the socket is full; returns how many were
 * taken, or -1 on an error. Whatever was not taken must be offered again from its first
 * byte (it goes to pending, whose bytes lead every later write). */
static ssize_t write_tls(conn *c, const uint8_t *p, size_t n)
{
    size_t done = 0;
    while (done < n) {
        size_t put = 0;
        tls_status st = tls_write(c->tls, p + done, n - done, &put);
        done += put;
        if (st == TLS_DONE)
            continue;
        if (st == TLS_WANT_READ) {
            c->write_wants_read = true;
            update_reads(c);
        }
        return st == TLS_WANT_READ || st == TLS_WANT_WRITE ? (ssize_t)done : -1;
    }
    return (ssize_t)done;
}

static bool flush_pending_tls(conn *c)
{
    ssize_t w = write_tls(c, c->pending.data + c->sent, c->pending.len - c->sent);
    if (w < 0)
        return false;
    c->sent += (size_t)w;
    if (c->sent == c->pending.len) {
        proto_buf_free(&c->pending);
        c->sent = 0;
    }
    return true;
}

/* Writes pending bytes until the socket is full. Returns false on a write error. */
static bool flush_pending(conn *c)
{
    if (c->tls)
        return flush_pending_tls(c);
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

/* Segments through TLS: big ones as they are, runs of small ones gathered into one record
 * (see tls_gather). Returns how many bytes were taken, or -1. */
static ssize_t write_segments_tls(conn *c, const proto_out *out)
{
    size_t done = 0, fill = 0;
    for (size_t i = 0; i <= out->nseg; i++) {
        const proto_seg *seg = i < out->nseg ? &out->seg[i] : NULL;
        const uint8_t *data = seg ? proto_out_seg_data(out, seg) : NULL;
        if (seg && seg->len < TLS_RECORD && fill + seg->len <= TLS_RECORD) {
            memcpy(tls_gather + fill, data, seg->len);
            fill += seg->len;
            continue;
        }
        if (fill) { /* what was gathered goes before this segment */
            ssize_t w = write_tls(c, tls_gather, fill);
            if (w < 0 || (size_t)w < fill)
                return w < 0 ? -1 : (ssize_t)(done + (size_t)w);
            done += fill;
            fill = 0;
        }
        if (!seg)
            break;
        if (seg->len < TLS_RECORD) { /* it did not fit after the others: it starts a record */
            memcpy(tls_gather, data, seg->len);
            fill = seg->len;
            continue;
        }
        ssize_t w = write_tls(c, data, seg->len);
        if (w < 0 || (size_t)w < seg->len)
            return w < 0 ? -1 : (ssize_t)(done + (size_t)w);
        done += seg->len;
    }
    return (ssize_t)done;
}

/* Writes segments straight from where they are; returns how many bytes the socket took,
 * or -1 on a write error. */
static ssize_t write_segments(conn *c, const proto_out *out)
{
    if (c->tls)
        return write_segments_tls(c, out);
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
    if (to->pending.len == 0 && to->phase == RELAY_OPEN)
        written = write_segments(to, out);
    if (written < 0) {
        to->ops->lost(to->owner, to, "write failed");
        return;
    }
    queue_rest(to, out, (size_t)written);
    if (to->phase == RELAY_OPEN)
        update_writes(to);
}

void relay_send(conn *to, const void *p, size_t n)
{
    proto_seg seg = {p, 0, n};
    proto_out one = {.seg = &seg, .nseg = 1};
    send_out(to, &one);
}

static void on_handshake_io(evutil_socket_t fd, short what, void *arg);

/* Runs the TLS handshake as far as the socket lets it; when it is done the connection opens
 * (what waited in pending goes, encrypted) and the owner is told. */
static void step_handshake(conn *c)
{
    char err[256] = "";
    tls_status st = tls_handshake(c->tls, err, sizeof err);
    set_event(&c->rd, &c->reading, st == TLS_WANT_READ);
    set_event(&c->wr, &c->writing, st == TLS_WANT_WRITE);
    if (st == TLS_WANT_READ || st == TLS_WANT_WRITE)
        return;
    if (st != TLS_DONE) {
        c->ops->secured(c->owner, c, err);
        return;
    }
    event_assign(&c->rd, c->base, c->fd, EV_READ | EV_PERSIST, on_readable, c);
    event_assign(&c->wr, c->base, c->fd, EV_WRITE | EV_PERSIST, on_writable, c);
    c->phase = RELAY_OPEN;
    c->tls_more = tls_has_pending(c->tls); /* bytes that came with the handshake's end */
    if (!flush_pending(c)) {
        c->ops->lost(c->owner, c, "write failed");
        return;
    }
    update_writes(c);
    update_both(c);
    c->ops->secured(c->owner, c, NULL);
}

static void on_handshake_io(evutil_socket_t fd, short what, void *arg)
{
    conn *c = arg;
    (void)fd;
    (void)what;
    step_handshake(c);
    c->ops->done(c->owner);
}

/* The switch to TLS asked for during a walk, now that the walk has ended: only if nothing
 * this side sent after the negotiating message is waiting, walked in part or unread in this
 * read (`trailing`), since those bytes came in clear. */
static void begin_tls(conn *c, bool trailing)
{
    tls_conn *t = c->upgrade;
    c->upgrade = NULL;
    if (trailing || c->held.len || !proto_framer_at_boundary(&c->framer)) {
        tls_free(t);
        c->ops->violation(c->owner, c, "unencrypted data after the TLS negotiation");
        return;
    }
    c->tls = t;
    set_event(&c->rd, &c->reading, false);
    set_event(&c->wr, &c->writing, false);
    event_assign(&c->rd, c->base, c->fd, EV_READ | EV_PERSIST, on_handshake_io, c);
    event_assign(&c->wr, c->base, c->fd, EV_WRITE | EV_PERSIST, on_handshake_io, c);
    step_handshake(c);
}

void relay_start_tls(conn *c, tls_conn *t)
{
    relay_flush_now(c); /* the one byte 'S' that accepted an SSLRequest goes in clear */
    c->upgrade = t;
    c->phase = RELAY_HANDSHAKE;
    if (c->pending.len)
        c->ops->lost(c->owner, c, "cannot send the answer to the SSLRequest");
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
    if (from->upgrade && !relay_closed(from))
        begin_tls(from, used < n);
    return used;
}

void relay_resume(conn *c)
{
    static const uint8_t nothing[1];
    if (relay_closed(c) || !relay_holding(c))
        return;
    size_t used = walk(c, c->held.len ? c->held.data : nothing, c->held.len);
    if (relay_closed(c) || used == c->held.len) {
        proto_buf_free(&c->held);
    } else if (used) {
        memmove(c->held.data, c->held.data + used, c->held.len - used);
        c->held.len -= used;
    }
    update_both(c);
}

/* Reads TLS records into the scratch buffer, as recv(2) would: bytes, 0 at the end, or -1
 * with errno (EAGAIN: nothing now). Records are read while OpenSSL has bytes buffered (one
 * read(2) brought several) and the buffer has room; what is left then is remembered, since
 * no socket event will announce it. */
static ssize_t read_tls(conn *c)
{
    size_t got = 0;
    c->tls_more = false;
    for (;;) {
        size_t n = 0;
        tls_status st = tls_read(c->tls, scratch + got, sizeof scratch - got, &n);
        got += n;
        if (st == TLS_DONE) {
            bool more = tls_has_pending(c->tls);
            if (more && got < sizeof scratch)
                continue;
            c->tls_more = more;
            break;
        }
        if (st == TLS_WANT_WRITE) {
            c->read_wants_write = true;
            update_writes(c);
        }
        if (st == TLS_WANT_READ || st == TLS_WANT_WRITE)
            break;
        if (got) { /* the end or the error comes at the next read */
            c->tls_more = true;
            break;
        }
        errno = EPROTO;
        return st == TLS_CLOSED ? 0 : -1;
    }
    if (got == 0)
        errno = EAGAIN;
    return got ? (ssize_t)got : -1;
}

/* Inlined into on_readable, the hot path (on_writable calls it too, for TLS). */
static inline __attribute__((always_inline)) void relay_read(conn *from)
{
    ssize_t n = from->tls ? read_tls(from) : recv(from->fd, scratch, sizeof scratch, 0);
    if (n <= 0) {
        if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR))
            from->ops->lost(from->owner, from, n == 0 ? "connection closed" : "read failed");
        return;
    }
    from->bytes_read += (uint64_t)n;
    size_t used = walk(from, scratch, (size_t)n);
    if (!relay_closed(from) && used < (size_t)n)
        proto_buf_put(&from->held, scratch + used, (size_t)n - used);
    /* what this side said may let the other side's held messages go */
    if (relay_holding(from->peer))
        relay_resume(from->peer);
    update_both(from);
}

static void on_readable(evutil_socket_t fd, short what, void *arg)
{
    conn *c = arg;
    (void)fd;
    (void)what;
    if (c->write_wants_read) { /* a TLS write waited for this; data waits for the next event */
        c->write_wants_read = false;
        if (!flush_pending(c))
            c->ops->lost(c->owner, c, "write failed");
        else
            update_writes(c);
        if (!relay_closed(c))
            update_both(c);
    } else {
        relay_read(c);
    }
    c->ops->done(c->owner);
}

static void on_writable(evutil_socket_t fd, short what, void *arg)
{
    conn *c = arg;
    (void)fd;
    (void)what;
    if (c->read_wants_write) { /* a TLS read waited for this */
        c->read_wants_write = false;
        relay_read(c);
    }
    if (!relay_closed(c) && !flush_pending(c))
        c->ops->lost(c->owner, c, "write failed");
    else if (!relay_closed(c))
        update_writes(c);
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
    c->writing = false; /* the one-shot connect event has fired */
    c->phase = RELAY_OPEN;
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
    c->phase = RELAY_CONNECTING;
    c->writing = true;
    event_assign(&c->wr, c->base, fd, EV_WRITE, on_connected, c);
    event_add(&c->wr, timeout > 0 ? &tv : NULL);
}

void relay_flush_now(conn *c)
{
    if (!relay_closed(c) && c->phase == RELAY_OPEN && c->pending.len > 0)
        flush_pending(c);
}

void relay_close(conn *c)
{
    if (relay_closed(c))
        return;
    set_event(&c->rd, &c->reading, false);
    set_event(&c->wr, &c->writing, false);
    if (c->tls && c->phase == RELAY_OPEN)
        tls_close_notify(c->tls);
    c->phase = RELAY_OPEN;
    close(c->fd);
    c->fd = -1;
}

void relay_release(conn *c)
{
    if (c->tls)
        tls_free(c->tls);
    if (c->upgrade)
        tls_free(c->upgrade);
    c->tls = c->upgrade = NULL;
    proto_buf_free(&c->pending);
    proto_buf_free(&c->held);
    proto_framer_free(&c->framer);
}

void relay_cleanup(void)
{
    proto_out_free(&walk_out);
}
