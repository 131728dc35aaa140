/* tests/fuzz/stream.h — the stream walker (protocol/framer.c) under libFuzzer, driven as
 * proxy/relay.c drives it, against a reference framer written for this test.
 *
 * The input is 8 bytes of settings (policy seed, cut seed, max_packet_size, how the stream
 * starts) and the stream. The stream is walked whole, a byte at a time, and in chunks of
 * random sizes; each chunk is copied into a scratch buffer that is clobbered after its
 * walk, as the relay's read buffer is. A policy may HOLD a message once: the rest of the
 * read is walked again, as relay_resume does. Every walk must frame the same messages (the
 * policy asked once per message with the same type and length, the handler shown the same
 * bytes), produce the same output and fail with the same error as the reference, which
 * reads the whole stream at once and follows the framer's contract (protocol.h), not its
 * code. The policies and the handler's verdicts (forward, drop, replace) are functions of
 * the message's index, so they are the same in every walk.
 *
 * Two targets use it: the client's stream (a startup packet first; SSLRequest and v3
 * StartupMessage as proxy/session.c takes them) and the server's (optionally the one-byte
 * answer to an SSLRequest first). */
#ifndef FUZZ_STREAM_H
#define FUZZ_STREAM_H

#include "protocol/protocol.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define STREAM_SETTINGS 8
#define STREAM_MAX_EVENTS 4096

typedef struct {
    bool untyped;  /* a startup packet comes first */
    bool one_byte; /* the one-byte answer to an SSLRequest comes first */
} stream_start;

/* One thing the walk did: a policy answered (not HOLD), or the handler was called. */
typedef struct {
    char what; /* 'p' policy, 'h' handler */
    uint8_t type, policy;
    size_t len, msg_len;
    uint32_t sum; /* of the bytes the handler saw */
} stream_event;

typedef struct {
    uint32_t seed;
    proto_framer *f;
    size_t index;     /* messages framed so far */
    bool held;        /* the message at `index` was held once already */
    bool startup_end; /* a v3 StartupMessage ends the untyped phase */
    int nevents;
    stream_event events[STREAM_MAX_EVENTS];
} stream_ctx;

static uint32_t stream_mix(uint32_t seed, size_t index, uint32_t salt)
{
    uint32_t h = seed ^ (uint32_t)index * 0x9e3779b1u ^ salt * 0x85ebca6bu;
    h ^= h >> 15;
    h *= 0x2c1b3c6du;
    return h ^ h >> 13;
}

static void stream_note(stream_ctx *c, stream_event e)
{
    if (c->nevents < STREAM_MAX_EVENTS)
        c->events[c->nevents++] = e;
}

static bool stream_same_event(const stream_event *a, const stream_event *b)
{
    return a->what == b->what && a->type == b->type && a->policy == b->policy && a->len == b->len &&
           a->msg_len == b->msg_len && a->sum == b->sum;
}

/* The policy for message `index`: HOLD once for about one in five, else PASS, PEEK or
 * WHOLE (the walk makes startup packets and one-byte answers WHOLE whatever it is told). */
static proto_policy stream_decide(uint32_t seed, size_t index)
{
    static const proto_policy policies[] = {PROTO_PASS, PROTO_PEEK, PROTO_WHOLE};
    return policies[stream_mix(seed, index, 1) % 3];
}

static bool stream_holds(uint32_t seed, size_t index)
{
    return stream_mix(seed, index, 2) % 5 == 0;
}

static proto_policy stream_policy(void *arg, uint8_t type, size_t msg_len)
{
    stream_ctx *c = arg;
    if (!c->held && stream_holds(c->seed, c->index)) {
        c->held = true;
        return PROTO_HOLD;
    }
    proto_policy p = stream_decide(c->seed, c->index);
    stream_note(c, (stream_event){'p', type, (uint8_t)p, 0, msg_len, 0});
    c->held = false;
    c->index++;
    return p;
}

static uint32_t stream_sum(const uint8_t *p, size_t n)
{
    uint32_t s = 2166136261u;
    for (size_t i = 0; i < n; i++)
        s = (s ^ p[i]) * 16777619u;
    return s;
}

/* A v3 StartupMessage (not an SSLRequest, GSSENCRequest or CancelRequest) ends the startup
 * phase, as in proxy/session.c; the walk never calls the handler for a shorter one. */
static bool stream_is_v3_startup(const uint8_t *p, size_t n)
{
    return n >= 8 && proto_get_u32(p + 4) >> 16 == 3;
}

/* What the handler does with message `index` (already counted by the policy): forward it,
 * drop it, or replace it by a message of its own. */
static proto_verdict stream_verdict(uint32_t seed, size_t index, proto_buf *out)
{
    switch (stream_mix(seed, index, 3) % 4) {
    case 0:
        return PROTO_CONSUMED;
    case 1: {
        char tag[32];
        snprintf(tag, sizeof tag, "REPLACED %zu", index);
        proto_build_command_complete(out, tag);
        return PROTO_CONSUMED;
    }
    default:
        return PROTO_FORWARD;
    }
}

static proto_verdict stream_handle(void *arg, const proto_msg *m, proto_out *out)
{
    stream_ctx *c = arg;
    stream_note(c,
                (stream_event){'h', m->type, 0, m->len, m->msg_len, stream_sum(m->data, m->len)});
    if (m->type == 0 && m->msg_len > 1 && c->startup_end && stream_is_v3_startup(m->data, m->len))
        c->f->untyped = false;
    return stream_verdict(c->seed, c->index - 1, &out->buf);
}

static const proto_hooks stream_hooks = {stream_policy, stream_handle};

/* ---- the reference: the whole stream at once ------------------------------------------ */

typedef struct {
    proto_buf out;
    const char *err;
    bool boundary; /* the stream ends between messages */
    stream_ctx ctx;
} stream_result;

/* A message the handler sees (prefix `want` of it, `avail` bytes there): returns false
 * when the message is not complete enough yet. */
static bool ref_deliver(stream_result *r, const uint8_t *p, size_t avail, uint8_t type, size_t size,
                        proto_policy policy)
{
    size_t want = policy == PROTO_WHOLE ? size : (size < PROTO_PEEK_MAX ? size : PROTO_PEEK_MAX);
    if (avail < want)
        return false;
    proto_msg m = {type, p, want, size};
    proto_out o = {0};
    proto_verdict v = stream_handle(&r->ctx, &m, &o);
    /* what the handler appended goes first: a peeked Bind may be preceded by a Parse */
    proto_buf_put(&r->out, o.buf.data, o.buf.len);
    proto_out_free(&o);
    if (v == PROTO_FORWARD || policy == PROTO_PEEK)
        proto_buf_put(&r->out, p, want);
    if (policy == PROTO_PEEK) /* the rest streams through as it arrives */
        proto_buf_put(&r->out, p + want, (avail < size ? avail : size) - want);
    return true;
}

/* The size a header announces, or 0 with r->err (protocol.h's limits). */
static size_t ref_size(stream_result *r, const uint8_t *hdr, bool untyped, uint32_t limit)
{
    uint32_t n = proto_get_u32(hdr + !untyped);
    if (untyped && n >= 8 && n <= PROTO_MAX_STARTUP)
        return n;
    if (!untyped && n >= 4 && n <= limit)
        return (size_t)n + 1;
    r->err = untyped                            ? "invalid startup packet length"
             : n >= 4 && n <= PROTO_MAX_MESSAGE ? "message longer than max_packet_size"
                                                : "invalid message length";
    return 0;
}

static void stream_reference(const uint8_t *in, size_t len, stream_start start, uint32_t seed,
                             uint32_t limit, stream_result *r)
{
    proto_framer f = {.untyped = start.untyped || start.one_byte, .one_byte = start.one_byte};
    r->ctx = (stream_ctx){.seed = seed, .f = &f, .startup_end = start.untyped};
    size_t pos = 0;
    r->boundary = true;
    while (pos < len) {
        r->ctx.held = true; /* nothing is held here: the outcome does not depend on it */
        if (f.one_byte) {
            uint8_t type = in[pos];
            stream_policy(&r->ctx, type, 1);
            f.untyped = f.one_byte = false;
            ref_deliver(r, in + pos, 1, type, 1, PROTO_WHOLE);
            pos++;
            continue;
        }
        bool untyped = f.untyped;
        size_t hlen = untyped ? 4 : PROTO_HDR_LEN, size;
        if (len - pos < hlen || !(size = ref_size(r, in + pos, untyped, limit))) {
            r->boundary = false;
            break;
        }
        uint8_t type = untyped ? 0 : in[pos];
        proto_policy p = stream_policy(&r->ctx, type, size);
        if (untyped)
            p = PROTO_WHOLE;
        size_t avail = len - pos;
        if (p == PROTO_PASS)
            proto_buf_put(&r->out, in + pos, avail < size ? avail : size);
        else
            ref_deliver(r, in + pos, avail, type, size, p);
        r->boundary = avail >= size;
        pos += size;
    }
}

/* ---- the walk, split as reads split it ------------------------------------------------ */

typedef struct {
    proto_framer f;
    proto_out out;
    uint8_t *scratch;
} stream_walk;

static void stream_collect(stream_walk *w, stream_result *r)
{
    for (size_t i = 0; i < w->out.nseg; i++)
        proto_buf_put(&r->out, proto_out_seg_data(&w->out, &w->out.seg[i]), w->out.seg[i].len);
    proto_out_reset(&w->out);
}

/* One read: walked, and the rest a HOLD left walked again (relay_resume), each time from a
 * buffer clobbered after its walk. False after a protocol violation. */
static bool stream_read(stream_walk *w, stream_result *r, const uint8_t *data, size_t n)
{
    for (;;) {
        memcpy(w->scratch, data, n);
        size_t used = 0;
        r->err = proto_walk(&w->f, w->scratch, n, &stream_hooks, &r->ctx, &w->out, &used);
        stream_collect(w, r);
        memset(w->scratch, 0xA5, n);
        if (r->err)
            return false;
        if (used > n)
            abort();
        if (used == n && !proto_framer_holding(&w->f))
            return true;
        data += used;
        n -= used;
    }
}

/* Walks in[0, len) in reads of the sizes `cut` gives (0: the rest at once). */
static void stream_split(const uint8_t *in, size_t len, stream_start start, uint32_t seed,
                         uint32_t limit, size_t (*cut)(uint32_t *state, size_t left),
                         uint32_t cut_seed, stream_result *r)
{
    stream_walk w = {.f = {.untyped = start.untyped || start.one_byte, .one_byte = start.one_byte},
                     .scratch = malloc(len ? len : 1)};
    proto_framer_limit(&w.f, limit);
    r->ctx = (stream_ctx){.seed = seed, .f = &w.f, .startup_end = start.untyped};
    size_t pos = 0;
    uint32_t state = cut_seed;
    while (pos < len) {
        size_t n = cut ? cut(&state, len - pos) : len - pos;
        if (!stream_read(&w, r, in + pos, n))
            break;
        pos += n;
    }
    r->boundary = !r->err && proto_framer_at_boundary(&w.f);
    if (r->boundary && w.f.acc.data)
        abort(); /* a gathered message is freed once handled */
    proto_framer_free(&w.f);
    proto_out_free(&w.out);
    free(w.scratch);
}

static size_t stream_cut_bytes(uint32_t *state, size_t left)
{
    (void)state;
    (void)left;
    return 1;
}

static size_t stream_cut_random(uint32_t *state, size_t left)
{
    *state = *state * 1103515245u + 12345u;
    uint32_t r = *state >> 8;
    size_t n = r % 4 == 0 ? r % 2000 + 1 : r % 9 + 1; /* mostly short reads: split headers */
    return n < left ? n : left;
}

static void stream_fail(const char *what, const stream_result *want, const stream_result *got)
{
    fprintf(stderr, "stream walk differs from the reference: %s\n", what);
    fprintf(stderr, "  reference: %zu bytes out, %d events, error %s\n", want->out.len,
            want->ctx.nevents, want->err ? want->err : "none");
    fprintf(stderr, "  walk:      %zu bytes out, %d events, error %s\n", got->out.len,
            got->ctx.nevents, got->err ? got->err : "none");
    abort();
}

static void stream_compare(const stream_result *want, const stream_result *got)
{
    if ((want->err == NULL) != (got->err == NULL) ||
        (want->err && strcmp(want->err, got->err) != 0))
        stream_fail("error", want, got);
    if (want->ctx.nevents != got->ctx.nevents)
        stream_fail("messages framed", want, got);
    for (int i = 0; i < want->ctx.nevents; i++) {
        const stream_event *a = &want->ctx.events[i], *b = &got->ctx.events[i];
        if (stream_same_event(a, b))
            continue;
        fprintf(stderr,
                "event %d: reference %c type %d policy %d len %zu of %zu, walk %c type %d "
                "policy %d len %zu of %zu\n",
                i, a->what, a->type, a->policy, a->len, a->msg_len, b->what, b->type, b->policy,
                b->len, b->msg_len);
        stream_fail("messages framed", want, got);
    }
    if (want->out.len != got->out.len ||
        (want->out.len && memcmp(want->out.data, got->out.data, want->out.len)))
        stream_fail("output", want, got);
    if (!want->err && want->boundary != got->boundary)
        stream_fail("ends between messages", want, got);
}

/* The whole check, for a target's LLVMFuzzerTestOneInput. */
static int stream_fuzz(const uint8_t *data, size_t size, stream_start start)
{
    if (size < STREAM_SETTINGS)
        return 0;
    uint32_t seed = proto_get_u32(data), cut_seed = proto_get_u16(data + 4);
    /* max_packet_size: from the smallest to the default */
    uint32_t limit = data[6] < 128 ? PROTO_MIN_LIMIT + data[6] * 16u : PROTO_MAX_MESSAGE;
    if (data[7] & 1) /* the other way of starting, for the same target */
        start = (stream_start){0};
    const uint8_t *in = data + STREAM_SETTINGS;
    size_t len = size - STREAM_SETTINGS;
    stream_result *want = calloc(1, sizeof *want), *got = calloc(1, sizeof *got);
    stream_reference(in, len, start, seed, limit, want);
    size_t (*cuts[])(uint32_t *, size_t) = {NULL, stream_cut_bytes, stream_cut_random};
    for (size_t i = 0; i < sizeof cuts / sizeof cuts[0]; i++) {
        if (cuts[i] == stream_cut_bytes && len > 4096)
            continue;
        stream_split(in, len, start, seed, limit, cuts[i], cut_seed, got);
        stream_compare(want, got);
        proto_buf_free(&got->out);
        memset(got, 0, sizeof *got);
    }
    proto_buf_free(&want->out);
    free(want);
    free(got);
    return 0;
}

#endif
