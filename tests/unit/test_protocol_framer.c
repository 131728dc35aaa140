/* Walking a stream: pass-through without copying, peeked and whole messages, replacement in
 * the middle of a pipelined buffer, and every way a read can split the input. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "protocol/protocol.h"

/* What the hooks of a test do: which types are gathered, and the replacements. */
typedef struct {
    const char *whole;  /* types handled WHOLE */
    const char *peek;   /* types handled PEEK */
    bool rewrite_parse; /* replace each Parse by one with a longer query */
    bool drop_flush;    /* drop Flush ('H') messages */
    bool startup_first; /* the stream begins with a startup packet */
    char hold;          /* messages of this type are held ... */
    int holds;          /* ... this many times, before they are taken */
    proto_framer *f;    /* the framer walking, so the handler can end the startup phase */
    int handled;        /* handler calls */
    char bind_names[4][2][16];
} hook_ctx;

static proto_policy test_policy(void *arg, uint8_t type, size_t msg_len)
{
    hook_ctx *c = arg;
    (void)msg_len;
    if (type == c->hold && c->holds > 0) {
        c->holds--;
        return PROTO_HOLD;
    }
    if (strchr(c->whole, type))
        return PROTO_WHOLE;
    return strchr(c->peek, type) ? PROTO_PEEK : PROTO_PASS;
}

static void note_bind(hook_ctx *c, const proto_msg *m)
{
    const char *portal, *stmt;
    assert_true(proto_read_bind_names(m->data, m->len, &portal, &stmt));
    int i = c->handled % 4;
    snprintf(c->bind_names[i][0], 16, "%s", portal);
    snprintf(c->bind_names[i][1], 16, "%s", stmt);
}

static proto_verdict test_handle(void *arg, const proto_msg *m, proto_out *out)
{
    hook_ctx *c = arg;
    c->handled++;
    if (m->msg_len == 1) { /* the one-byte answer */
        assert_int_equal(m->type, 'S');
        assert_int_equal(m->len, 1);
        return PROTO_FORWARD;
    }
    if (m->type == 0) {
        assert_int_equal(m->len, m->msg_len);
        c->f->untyped = false;
        return PROTO_FORWARD;
    }
    if (m->type == 'B')
        note_bind(c, m);
    if (m->type == 'P' && c->rewrite_parse) {
        assert_int_equal(m->len, m->msg_len);
        proto_parse_fields p;
        assert_true(proto_read_parse(m->data, m->len, &p));
        char q[256];
        int n = snprintf(q, sizeof q, "/* rewritten */ %s", p.query);
        assert_true(proto_build_parse_like(&out->buf, m->data, m->len, q, (size_t)n));
        return PROTO_CONSUMED;
    }
    if (m->type == 'H' && c->drop_flush)
        return PROTO_CONSUMED;
    return PROTO_FORWARD;
}

static const proto_hooks hooks = {test_policy, test_handle};

static void append_out(proto_buf *dst, proto_out *out)
{
    for (size_t i = 0; i < out->nseg; i++)
        proto_buf_put(dst, proto_out_seg_data(out, &out->seg[i]), out->seg[i].len);
    proto_out_reset(out);
}

/* Walks the input in chunks of the given sizes (0-terminated list; the rest in one chunk),
 * each copied into a scratch buffer that is clobbered afterwards, as the proxy's read buffer
 * is, so any reference kept past its walk shows up as wrong output. */
/* Walks one read; a rest held by the hooks is moved (the read buffer is clobbered) and
 * walked again, as the proxy walks held input once the session can take it. */
static void walk_chunk(hook_ctx *c, proto_framer *f, uint8_t *data, size_t n, proto_out *out,
                       proto_buf *result)
{
    uint8_t held[8192];
    for (;;) {
        size_t used;
        assert_null(proto_walk(f, data, n, &hooks, c, out, &used));
        append_out(result, out);
        assert_true(used <= n);
        memmove(held, data + used, n - used);
        memset(data, 0xAA, n);
        if (used == n)
            return;
        n -= used;
        memcpy(data, held, n);
    }
}

static void walk_split(hook_ctx *c, const proto_buf *in, const size_t *cuts, proto_buf *result)
{
    proto_framer f = {0};
    proto_out out = {0};
    uint8_t scratch[8192];
    size_t pos = 0;
    f.untyped = c->startup_first;
    c->f = &f;
    for (int i = 0; pos < in->len; i++) {
        size_t n = cuts && cuts[i] ? cuts[i] : in->len - pos;
        if (n > in->len - pos)
            n = in->len - pos;
        assert_true(n <= sizeof scratch);
        memcpy(scratch, in->data + pos, n);
        walk_chunk(c, &f, scratch, n, &out, result);
        pos += n;
    }
    assert_true(proto_framer_at_boundary(&f));
    assert_null(f.acc.data);
    proto_out_free(&out);
    proto_framer_free(&f);
}

static void put_parse(proto_buf *b, const char *name, const char *query)
{
    size_t s = proto_msg_begin(b, 'P');
    proto_buf_put_str(b, name);
    proto_buf_put_str(b, query);
    proto_buf_put_u16(b, 1);
    proto_buf_put_u32(b, 23);
    proto_msg_end(b, s);
}

static void put_bind(proto_buf *b, const char *portal, const char *stmt, size_t param_len)
{
    size_t s = proto_msg_begin(b, 'B');
    proto_buf_put_str(b, portal);
    proto_buf_put_str(b, stmt);
    proto_buf_put_u16(b, 0);
    proto_buf_put_u16(b, 1);
    proto_buf_put_u32(b, (uint32_t)param_len);
    for (size_t i = 0; i < param_len; i++)
        proto_buf_put_u8(b, (uint8_t)('a' + i % 26));
    proto_buf_put_u16(b, 0);
    proto_msg_end(b, s);
}

static void put_simple(proto_buf *b, uint8_t type, const char *body)
{
    size_t s = proto_msg_begin(b, type);
    if (body)
        proto_buf_put_str(b, body);
    proto_msg_end(b, s);
}

/* A pipelined client batch: Parse/Bind/Execute/Sync twice, a Flush, a Query, a large
 * CopyData and a Bind with a parameter bigger than a peek. */
static void build_pipeline(proto_buf *b, bool rewritten)
{
    const char *prefix = rewritten ? "/* rewritten */ " : "";
    char q[128];
    snprintf(q, sizeof q, "%sselect $1", prefix);
    put_parse(b, "s1", q);
    put_bind(b, "", "s1", 3);
    size_t s = proto_msg_begin(b, 'E');
    proto_buf_put_str(b, "");
    proto_buf_put_u32(b, 0);
    proto_msg_end(b, s);
    put_simple(b, 'S', NULL);
    snprintf(q, sizeof q, "%sdelete from t where id = $1", prefix);
    put_parse(b, "", q);
    if (!rewritten)
        put_simple(b, 'H', NULL);
    put_simple(b, 'Q', "select 1; select 2");
    s = proto_msg_begin(b, 'd');
    for (int i = 0; i < 3000; i++)
        proto_buf_put_u8(b, (uint8_t)i);
    proto_msg_end(b, s);
    put_bind(b, "portal", "stmt", 2 * PROTO_PEEK_MAX);
    put_simple(b, 'S', NULL);
}

static void check_splits(hook_ctx *c, const proto_buf *in, const proto_buf *expect)
{
    for (size_t cut = 1; cut < in->len; cut++) {
        proto_buf got = {0};
        size_t cuts[] = {cut, 0};
        walk_split(c, in, cuts, &got);
        assert_int_equal(got.len, expect->len);
        assert_memory_equal(got.data, expect->data, expect->len);
        proto_buf_free(&got);
    }
}

static void test_pass_through_is_one_reference(void **state)
{
    (void)state;
    proto_buf in = {0};
    build_pipeline(&in, false);
    hook_ctx c = {.whole = "", .peek = ""};
    proto_framer f = {0};
    c.f = &f;
    proto_out out = {0};
    size_t used;
    assert_null(proto_walk(&f, in.data, in.len, &hooks, &c, &out, &used));
    assert_int_equal(used, in.len);
    assert_int_equal(out.nseg, 1);
    assert_ptr_equal(out.seg[0].ptr, in.data);
    assert_int_equal(out.seg[0].len, in.len);
    assert_int_equal(c.handled, 0);
    proto_out_free(&out);
    proto_buf_free(&in);
}

static void test_forwarded_whole_messages_stay_in_place(void **state)
{
    (void)state;
    proto_buf in = {0};
    build_pipeline(&in, false);
    hook_ctx c = {.whole = "PQESC", .peek = "B"};
    proto_framer f = {0};
    c.f = &f;
    proto_out out = {0};
    size_t used;
    assert_null(proto_walk(&f, in.data, in.len, &hooks, &c, &out, &used));
    assert_int_equal(used, in.len);
    /* Handled but unchanged messages need no copy: still one send. */
    assert_int_equal(out.nseg, 1);
    assert_int_equal(out.buf.len, 0);
    assert_int_equal(c.handled, 8);
    proto_out_free(&out);
    proto_buf_free(&in);
}

static void test_every_split_passes_unchanged(void **state)
{
    (void)state;
    proto_buf in = {0};
    build_pipeline(&in, false);
    hook_ctx pass = {.whole = "", .peek = ""};
    check_splits(&pass, &in, &in);
    hook_ctx gather = {.whole = "PQESCd", .peek = "B"};
    check_splits(&gather, &in, &in);
    proto_buf_free(&in);
}

static void test_every_split_replaces_in_the_middle(void **state)
{
    (void)state;
    proto_buf in = {0}, expect = {0};
    build_pipeline(&in, false);
    build_pipeline(&expect, true);
    hook_ctx c = {.whole = "PHSQ", .peek = "B", .rewrite_parse = true, .drop_flush = true};
    check_splits(&c, &in, &expect);
    proto_buf got = {0};
    size_t bytes[in.len + 1];
    for (size_t i = 0; i < in.len; i++)
        bytes[i] = 1;
    bytes[in.len] = 0;
    walk_split(&c, &in, bytes, &got);
    assert_int_equal(got.len, expect.len);
    assert_memory_equal(got.data, expect.data, expect.len);
    proto_buf_free(&got);
    proto_buf_free(&expect);
    proto_buf_free(&in);
}

static void test_peek_shows_bind_names(void **state)
{
    (void)state;
    proto_buf in = {0};
    put_bind(&in, "p1", "st1", 5000);
    put_bind(&in, "p2", "st2", 1);
    hook_ctx c = {.whole = "", .peek = "B"};
    size_t cuts[] = {7, 100, 3000, 0};
    proto_buf got = {0};
    walk_split(&c, &in, cuts, &got);
    assert_int_equal(c.handled, 2);
    assert_string_equal(c.bind_names[1][0], "p1");
    assert_string_equal(c.bind_names[1][1], "st1");
    assert_string_equal(c.bind_names[2][0], "p2");
    assert_memory_equal(got.data, in.data, in.len);
    proto_buf_free(&got);
    proto_buf_free(&in);
}

static void test_startup_packet_then_typed(void **state)
{
    (void)state;
    proto_buf in = {0};
    proto_startup s = {.version = PROTO_VERSION_3};
    proto_startup_set(&s, "user", "alice");
    proto_build_startup(&in, &s);
    put_simple(&in, 'Q', "select 1");
    hook_ctx c = {.whole = "Q", .peek = "", .startup_first = true};
    for (size_t cut = 1; cut < in.len; cut++) {
        c.startup_first = true;
        c.handled = 0;
        size_t cuts[] = {cut, 0};
        proto_buf got = {0};
        walk_split(&c, &in, cuts, &got);
        assert_int_equal(c.handled, 2);
        assert_memory_equal(got.data, in.data, in.len);
        proto_buf_free(&got);
    }
    proto_buf_free(&in);
}

static void test_bad_lengths_are_errors(void **state)
{
    (void)state;
    hook_ctx c = {.whole = "", .peek = ""};
    proto_out out = {0};
    proto_framer f = {0};
    size_t used;
    const uint8_t short_len[] = {'Q', 0, 0, 0, 3};
    assert_non_null(proto_walk(&f, short_len, sizeof short_len, &hooks, &c, &out, &used));
    proto_framer g = {.untyped = true};
    const uint8_t huge_startup[] = {0, 1, 0, 0, 0, 3, 0, 0};
    assert_non_null(proto_walk(&g, huge_startup, sizeof huge_startup, &hooks, &c, &out, &used));
    proto_framer h = {0};
    const uint8_t huge[] = {'d', 0x7f, 0, 0, 0};
    assert_non_null(proto_walk(&h, huge, sizeof huge, &hooks, &c, &out, &used));
    proto_framer neg = {0};
    const uint8_t negative[] = {'Q', 0xff, 0xff, 0xff, 0xf0};
    assert_string_equal(proto_walk(&neg, negative, sizeof negative, &hooks, &c, &out, &used),
                        "invalid message length");
    proto_out_free(&out);
}

/* max_packet_size: a length over the limit fails at the header, before anything is stored
 * (the handler never runs, nothing is gathered); one at the limit goes through. */
static void test_limit_refuses_at_the_header(void **state)
{
    (void)state;
    hook_ctx c = {.whole = "Q", .peek = ""};
    proto_out out = {0};
    proto_framer f = {0};
    proto_framer_limit(&f, 1024);
    size_t used;
    const uint8_t over[] = {'Q', 0, 0, 4, 1, 's', 'e', 'l'};
    assert_string_equal(proto_walk(&f, over, sizeof over, &hooks, &c, &out, &used),
                        "message longer than max_packet_size");
    assert_int_equal(c.handled, 0);
    assert_int_equal(f.acc.cap, 0);
    proto_framer g = {0};
    proto_framer_limit(&g, 1024);
    proto_buf in = {0};
    char sql[1024 - 4] = "";
    memset(sql, 'x', sizeof sql - 1);
    put_simple(&in, 'Q', sql);
    assert_null(proto_walk(&g, in.data, in.len, &hooks, &c, &out, &used));
    assert_int_equal(c.handled, 1);
    proto_buf_free(&in);
    proto_out_free(&out);
}

/* The answer to an SSLRequest is one byte; whatever follows it is walked as what comes
 * next (the owner decides what that may be). */
static void test_one_byte_answer(void **state)
{
    (void)state;
    hook_ctx c = {.whole = "", .peek = ""};
    proto_framer f = {.untyped = true, .one_byte = true};
    c.f = &f;
    proto_out out = {0};
    size_t used;
    const uint8_t answer[] = {'S', 'x', 0, 0, 0, 4};
    c.holds = 1;
    c.hold = 'x';
    assert_null(proto_walk(&f, answer, sizeof answer, &hooks, &c, &out, &used));
    assert_int_equal(used, 1); /* the typed message after it was held */
    assert_int_equal(c.handled, 1);
    assert_false(f.one_byte || f.untyped);
    assert_true(proto_framer_at_boundary(&f));
    proto_out_free(&out);
}

static void test_boundary_tracking(void **state)
{
    (void)state;
    proto_buf in = {0};
    put_simple(&in, 'Q', "select 1");
    hook_ctx c = {.whole = "", .peek = ""};
    proto_framer f = {0};
    proto_out out = {0};
    size_t used;
    for (size_t i = 0; i < in.len; i++) {
        assert_true(proto_framer_at_boundary(&f) == (i == 0));
        assert_null(proto_walk(&f, in.data + i, 1, &hooks, &c, &out, &used));
    }
    assert_true(proto_framer_at_boundary(&f));
    proto_out_free(&out);
    proto_buf_free(&in);
}

/* A held message and everything after it come out later, unchanged and in order, wherever
 * the reads split the stream, even when it is held again at each try. */
static void test_held_messages_resume_in_order(void **state)
{
    (void)state;
    proto_buf in = {0}, expect = {0};
    build_pipeline(&in, false);
    build_pipeline(&expect, true);
    for (int holds = 1; holds <= 3; holds += 2) {
        hook_ctx c = {.whole = "PHSQ", .peek = "B", .rewrite_parse = true, .drop_flush = true};
        for (size_t cut = 1; cut < in.len; cut++) {
            c.hold = 'Q';
            c.holds = holds;
            proto_buf got = {0};
            size_t cuts[] = {cut, 0};
            walk_split(&c, &in, cuts, &got);
            assert_int_equal(c.holds, 0);
            assert_int_equal(got.len, expect.len);
            assert_memory_equal(got.data, expect.data, expect.len);
            proto_buf_free(&got);
        }
    }
    proto_buf_free(&expect);
    proto_buf_free(&in);
}

/* A hold stops the walk before the message: nothing of it, nor of what follows, is out. */
static void test_hold_stops_before_the_message(void **state)
{
    (void)state;
    proto_buf in = {0};
    put_simple(&in, 'S', NULL);
    size_t first = in.len;
    put_simple(&in, 'Q', "delete from t");
    put_simple(&in, 'X', NULL);
    hook_ctx c = {.whole = "", .peek = "", .hold = 'Q', .holds = 1};
    proto_framer f = {0};
    c.f = &f;
    proto_out out = {0};
    size_t used;
    assert_null(proto_walk(&f, in.data, in.len, &hooks, &c, &out, &used));
    assert_int_equal(used, first);
    proto_buf sent = {0};
    append_out(&sent, &out);
    assert_int_equal(sent.len, first);
    assert_true(proto_framer_at_boundary(&f));
    proto_buf_free(&sent);
    proto_out_free(&out);
    proto_buf_free(&in);
}

/* A Sync whose header arrives in two reads and is held when it is complete: all of the
 * input was walked, yet the framer holds the message, and a walk of no new bytes takes it
 * (the relay resumes on proto_framer_holding: no later read would bring it back, and a
 * client waiting for its ReadyForQuery would wait for ever; found by
 * tests/fuzz/fuzz_client_stream). */
static void test_held_split_header_is_taken_without_new_bytes(void **state)
{
    (void)state;
    proto_buf in = {0};
    put_simple(&in, 'S', NULL);
    hook_ctx c = {.whole = "S", .peek = "", .hold = 'S', .holds = 1};
    proto_framer f = {0};
    c.f = &f;
    proto_out out = {0};
    size_t used;
    assert_null(proto_walk(&f, in.data, 3, &hooks, &c, &out, &used));
    assert_int_equal(used, 3);
    assert_false(proto_framer_holding(&f)); /* incomplete: more bytes will come */
    assert_null(proto_walk(&f, in.data + 3, 2, &hooks, &c, &out, &used));
    assert_int_equal(used, 2);
    assert_int_equal(c.holds, 0);
    assert_true(proto_framer_holding(&f));
    assert_int_equal(out.nseg, 0);
    assert_null(proto_walk(&f, in.data + 5, 0, &hooks, &c, &out, &used));
    assert_int_equal(used, 0);
    assert_false(proto_framer_holding(&f));
    assert_true(proto_framer_at_boundary(&f));
    assert_int_equal(c.handled, 1);
    proto_buf sent = {0};
    append_out(&sent, &out);
    assert_int_equal(sent.len, in.len);
    assert_memory_equal(sent.data, in.data, in.len);
    proto_buf_free(&sent);
    proto_out_free(&out);
    proto_framer_free(&f);
    proto_buf_free(&in);
}

/* A startup packet can be held too (the proxy holds everything of a closed session). */
static void test_startup_packet_can_be_held(void **state)
{
    (void)state;
    proto_buf in = {0};
    proto_startup s = {.version = PROTO_VERSION_3};
    proto_startup_set(&s, "user", "alice");
    proto_build_startup(&in, &s);
    hook_ctx c = {.whole = "", .peek = "", .hold = 0, .holds = 1, .startup_first = true};
    proto_framer f = {.untyped = true};
    c.f = &f;
    proto_out out = {0};
    size_t used;
    assert_null(proto_walk(&f, in.data, in.len, &hooks, &c, &out, &used));
    assert_int_equal(used, 0);
    assert_int_equal(c.handled, 0);
    proto_out_free(&out);
    proto_buf_free(&in);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pass_through_is_one_reference),
        cmocka_unit_test(test_forwarded_whole_messages_stay_in_place),
        cmocka_unit_test(test_every_split_passes_unchanged),
        cmocka_unit_test(test_every_split_replaces_in_the_middle),
        cmocka_unit_test(test_peek_shows_bind_names),
        cmocka_unit_test(test_startup_packet_then_typed),
        cmocka_unit_test(test_bad_lengths_are_errors),
        cmocka_unit_test(test_boundary_tracking),
        cmocka_unit_test(test_held_messages_resume_in_order),
        cmocka_unit_test(test_hold_stops_before_the_message),
        cmocka_unit_test(test_held_split_header_is_taken_without_new_bytes),
        cmocka_unit_test(test_startup_packet_can_be_held),
        cmocka_unit_test(test_limit_refuses_at_the_header),
        cmocka_unit_test(test_one_byte_answer),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
