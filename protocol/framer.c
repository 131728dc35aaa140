/* protocol/framer.c — walks a byte stream message by message, the way PgBouncer's sbuf does:
 * a message the policy lets PASS is referenced in the input and streamed on as its bytes
 * arrive, even when only part of it has been received; only a PEEK/WHOLE message that is
 * split across reads is copied, and only until it is complete. */
#include "protocol/protocol.h"

#include <string.h>

static size_t min_size(size_t a, size_t b)
{
    return a < b ? a : b;
}

static size_t header_size(const proto_framer *f)
{
    return f->untyped ? 4 : PROTO_HDR_LEN;
}

/* proto_get_u32, inlined: it runs for every message header. */
static inline uint32_t header_u32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* The full size of the message a header announces, or 0 (with *err) when it is impossible. */
static size_t message_size(const proto_framer *f, const uint8_t *hdr, const char **err)
{
    if (f->untyped) {
        uint32_t n = header_u32(hdr);
        if (n >= 8 && n <= PROTO_MAX_STARTUP)
            return n;
        *err = "invalid startup packet length";
        return 0;
    }
    uint32_t n = header_u32(hdr + 1);
    if (n >= 4 && n <= PROTO_MIN_LIMIT) /* most messages: one comparison, as without a limit */
        return (size_t)n + 1;
    if (n >= 4 && n <= PROTO_MAX_MESSAGE - f->cut)
        return (size_t)n + 1;
    *err = n >= 4 && n <= PROTO_MAX_MESSAGE ? "message longer than max_packet_size"
                                            : "invalid message length";
    return 0;
}

/* Hands the gathered message (or prefix) to the handler, forwards it unless the handler
 * consumed it, and streams the rest of a peeked message. */
static void deliver(proto_framer *f, const uint8_t *data, bool in_input, const proto_hooks *h,
                    void *ctx, proto_out *out)
{
    proto_msg m = {f->type, data, f->want, f->msg_len};
    proto_verdict v = h->handle(ctx, &m, out);
    if (v == PROTO_FORWARD || f->policy == PROTO_PEEK) {
        if (in_input)
            proto_out_ref(out, data, m.len);
        else
            proto_out_copy(out, data, m.len);
    }
    f->pass_left = f->msg_len - m.len;
    f->want = 0;
    if (f->acc.cap) /* only a message split across reads was gathered */
        proto_buf_free(&f->acc);
}

static void gather(proto_framer *f, const uint8_t *p, size_t n, const proto_hooks *h, void *ctx,
                   proto_out *out)
{
    proto_buf_put(&f->acc, p, n);
    if (f->acc.len == f->want)
        deliver(f, f->acc.data, false, h, ctx, out);
}

/* Collects a header that may be split across reads. Returns it (in the input when it is there
 * whole, else in f->hdr), or NULL while it is incomplete; *p advances past what was used. */
static const uint8_t *take_header(proto_framer *f, const uint8_t **p, const uint8_t *end)
{
    size_t hlen = header_size(f);
    if (f->hdr_len == 0 && (size_t)(end - *p) >= hlen) {
        *p += hlen;
        return *p - hlen;
    }
    size_t n = min_size(hlen - f->hdr_len, (size_t)(end - *p));
    if (n) /* none when a held header is asked about again */
        memcpy(f->hdr + f->hdr_len, *p, n);
    f->hdr_len += n;
    *p += n;
    if (f->hdr_len < hlen)
        return NULL;
    f->hdr_len = 0;
    return f->hdr;
}

/* Reads a header and asks the policy. Returns the message's full size, or 0 when it is
 * impossible (*err set) or held (f->policy is PROTO_HOLD). */
static inline size_t read_header(proto_framer *f, const uint8_t *hdr, const proto_hooks *h,
                                 void *ctx, const char **err)
{
    f->msg_len = message_size(f, hdr, err);
    if (!f->msg_len)
        return 0;
    f->type = f->untyped ? 0 : hdr[0];
    f->policy = h->policy(ctx, f->type, f->msg_len);
    if (f->policy == PROTO_HOLD)
        return 0;
    if (f->untyped)
        f->policy = PROTO_WHOLE;
    return f->msg_len;
}

/* A message its handler must see (WHOLE or PEEK), whose header is at hdr (in the input when
 * in_input) and the walk at p, past the header. Returns where the walk goes on. */
static inline const uint8_t *take_message(proto_framer *f, const uint8_t *hdr, bool in_input,
                                          const uint8_t *p, const uint8_t *end,
                                          const proto_hooks *h, void *ctx, proto_out *out)
{
    f->want = f->policy == PROTO_WHOLE ? f->msg_len : min_size(f->msg_len, PROTO_PEEK_MAX);
    /* The common case: the message is all there, so the handler reads it in place. */
    if (in_input && (size_t)(end - hdr) >= f->want) {
        const uint8_t *next = hdr + f->want;
        deliver(f, hdr, true, h, ctx, out);
        return next;
    }
    gather(f, hdr, header_size(f), h, ctx, out);
    return p;
}

/* The one-byte answer to an SSLRequest (untyped and one_byte are set): rare, so kept out of
 * the walk's loop, whose code it would make bigger. Returns where the walk goes on (p itself:
 * held). */
static __attribute__((noinline)) const uint8_t *
take_byte(proto_framer *f, const uint8_t *p, const proto_hooks *h, void *ctx, proto_out *out)
{
    f->policy = h->policy(ctx, p[0], 1);
    if (f->policy == PROTO_HOLD)
        return p;
    f->untyped = f->one_byte = false;
    proto_msg m = {p[0], p, 1, 1};
    if (h->handle(ctx, &m, out) == PROTO_FORWARD)
        proto_out_ref(out, p, 1);
    return p + 1;
}

/* Starts the message whose header begins at p, possibly split across reads; returns where
 * the walk goes on. */
static const uint8_t *start_message(proto_framer *f, const uint8_t *p, const uint8_t *end,
                                    const proto_hooks *h, void *ctx, proto_out *out,
                                    const char **err)
{
    if (f->one_byte)
        return take_byte(f, p, h, ctx, out);
    const uint8_t *hdr = take_header(f, &p, end);
    if (!hdr)
        return p;
    size_t hlen = header_size(f);
    bool in_input = hdr != f->hdr;
    if (!read_header(f, hdr, h, ctx, err)) {
        /* held: a header in the input is walked again; one gathered across reads is kept */
        if (f->policy == PROTO_HOLD && !in_input)
            f->hdr_len = (uint8_t)hlen;
        return f->policy == PROTO_HOLD && in_input ? hdr : p;
    }
    if (f->policy == PROTO_PASS) {
        if (in_input)
            proto_out_ref(out, hdr, hlen);
        else
            proto_out_copy(out, hdr, hlen);
        f->pass_left = f->msg_len - hlen;
        return p;
    }
    return take_message(f, hdr, in_input, p, end, h, ctx, out);
}

const char *proto_walk(proto_framer *f, const uint8_t *in, size_t len, const proto_hooks *hooks,
                       void *ctx, proto_out *out, size_t *used)
{
    const uint8_t *p = in, *end = in + len;
    const char *err = NULL;
    if (f->policy == PROTO_HOLD) /* asked again below, at the held message's header */
        f->policy = PROTO_PASS;

    /* Pass-through bytes are referenced in runs: consecutive PASS messages of one read (a
     * result's DataRows, Bind/Execute/Sync) become one reference, taken when something else
     * must be appended after them or at the end of the input. */
    const uint8_t *run = NULL;
#define FLUSH_RUN()                                                                                \
    do {                                                                                           \
        if (run) {                                                                                 \
            proto_out_ref(out, run, (size_t)(p - run));                                            \
            run = NULL;                                                                            \
        }                                                                                          \
    } while (0)
    /* a header held whole in f->hdr is asked about again even when nothing new came */
    while ((p < end || proto_framer_holding(f)) && !err) {
        size_t avail = (size_t)(end - p);
        if (f->pass_left) {
            size_t n = min_size(avail, f->pass_left);
            if (!run)
                run = p;
            f->pass_left -= n;
            p += n;
            continue;
        }
        if (!f->want && !f->untyped && f->hdr_len == 0 && avail >= PROTO_HDR_LEN) {
            /* the common case, a typed header all in the input: a PASS message joins the run */
            size_t msg_len = read_header(f, p, hooks, ctx, &err);
            if (!msg_len)
                break; /* an error, or held: the walk ends at this header */
            if (f->policy == PROTO_PASS) {
                size_t n = min_size(avail, msg_len);
                if (!run)
                    run = p;
                f->pass_left = msg_len - n;
                p += n;
                continue;
            }
            FLUSH_RUN();
            p = take_message(f, p, true, p + PROTO_HDR_LEN, end, hooks, ctx, out);
        } else if (f->want) {
            FLUSH_RUN();
            size_t n = min_size(avail, f->want - f->acc.len);
            gather(f, p, n, hooks, ctx, out);
            p += n;
        } else {
            FLUSH_RUN();
            p = start_message(f, p, end, hooks, ctx, out, &err);
            if (f->policy == PROTO_HOLD)
                break;
        }
    }
    FLUSH_RUN();
#undef FLUSH_RUN
    *used = (size_t)(p - in);
    proto_out_seal(out);
    return err;
}

void proto_framer_limit(proto_framer *f, uint32_t max)
{
    max = max < PROTO_MIN_LIMIT ? PROTO_MIN_LIMIT : max;
    f->cut = max < PROTO_MAX_MESSAGE ? PROTO_MAX_MESSAGE - max : 0;
}

bool proto_framer_holding(const proto_framer *f)
{
    return f->hdr_len && f->hdr_len == header_size(f);
}

bool proto_framer_at_boundary(const proto_framer *f)
{
    return !f->pass_left && !f->want && !f->hdr_len;
}

void proto_framer_free(proto_framer *f)
{
    proto_buf_free(&f->acc);
}
