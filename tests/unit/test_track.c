/* tests/unit/test_track.c — the track (track/track.h), a session's SQL conversation, driven
 * message by message as proxy/session.c drives it: which answer is whose in pipelines,
 * after errors and through COPY; rewriting at Query and Parse, the DELETE tag at
 * CommandComplete, error positions, and statements prepared again after a search_path
 * change. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "rw_fixture.h"
#include "track/track.h"

/* ---- the expect queue alone ------------------------------------------------------------ */

static void test_expect_pipeline_in_order(void **state)
{
    (void)state;
    track_expect q = {0};
    track_expect_parse(&q);
    track_expect_execute(&q, TRACK_FIX);
    track_expect_execute(&q, TRACK_PASS);
    track_expect_sync(&q);
    track_expect_query(&q, (const uint8_t[]){TRACK_PASS, TRACK_FIX, TRACK_DROP}, 3);
    assert_false(track_expect_drop_reply(&q, PROTO_BE_PARSE_COMPLETE)); /* the client's own */
    assert_int_equal(track_expect_command_complete(&q), TRACK_FIX);
    assert_int_equal(track_expect_command_complete(&q), TRACK_PASS);
    track_expect_ready(&q); /* the Sync */
    assert_int_equal(track_expect_command_complete(&q), TRACK_PASS);
    assert_int_equal(track_expect_command_complete(&q), TRACK_FIX);
    assert_int_equal(track_expect_command_complete(&q), TRACK_DROP);
    track_expect_ready(&q);
    assert_int_equal(q.count, 0);
    track_expect_free(&q);
}

/* An error in an extended batch: the server skips to the Sync, so the Executes after the
 * failed one never answer; the next batch's answers must still match. */
static void test_expect_error_skips_to_sync(void **state)
{
    (void)state;
    track_expect q = {0};
    track_expect_execute(&q, TRACK_PASS);
    track_expect_execute(&q, TRACK_FIX);
    track_expect_execute(&q, TRACK_FIX);
    track_expect_sync(&q);
    track_expect_execute(&q, TRACK_FIX);
    track_expect_sync(&q);
    assert_int_equal(track_expect_command_complete(&q), TRACK_PASS);
    track_text text;
    assert_true(track_expect_error(&q, &text)); /* the failed one was a DELETE */
    assert_null(text.edits);
    track_expect_ready(&q);
    assert_int_equal(track_expect_command_complete(&q), TRACK_FIX);
    track_expect_ready(&q);
    assert_int_equal(q.count, 0);
    track_expect_free(&q);
}

/* An error ends a Query: its remaining statements get nothing; the text it was rewritten
 * with goes to the error. */
static void test_expect_error_in_query(void **state)
{
    (void)state;
    track_expect q = {0};
    track_expect_query(&q, (const uint8_t[]){TRACK_FIX, TRACK_FIX}, 2);
    rw_text_edit edits[] = {{10, 5, 10, 0}};
    track_expect_edited(&q, edits, 1, 0);
    track_expect_sync(&q);
    assert_int_equal(track_expect_command_complete(&q), TRACK_FIX);
    track_text text;
    assert_true(track_expect_error(&q, &text));
    assert_int_equal(text.nedits, 1);
    assert_int_equal(text.edits[0].ins, 5);
    free(text.edits);
    track_expect_ready(&q); /* the Query's */
    track_expect_ready(&q); /* the Sync's */
    assert_int_equal(q.count, 0);
    track_expect_free(&q);
}

/* COPY FROM STDIN run by an Execute: the Syncs sent behind it are ignored by the server. */
static void test_expect_copy_in_drops_syncs(void **state)
{
    (void)state;
    track_expect q = {0};
    track_expect_execute(&q, TRACK_PASS);
    track_expect_sync(&q);
    track_expect_sync(&q);
    track_expect_query(&q, NULL, 1);
    assert_int_equal(track_expect_copy_in(&q), 2);
    assert_int_equal(track_expect_command_complete(&q), TRACK_PASS); /* the COPY */
    assert_int_equal(q.count, 1);
    assert_int_equal(q.items[q.head].kind, TRACK_QUERY);
    track_expect_free(&q);
}

/* Replies to the proxy's own messages are dropped by type, whatever comes between. */
static void test_expect_own_replies(void **state)
{
    (void)state;
    track_expect q = {0};
    track_expect_own_reply(&q, PROTO_BE_CLOSE_COMPLETE);
    track_expect_own_reply(&q, PROTO_BE_PARSE_COMPLETE);
    track_expect_parse(&q);
    assert_false(track_expect_drop_reply(&q, PROTO_BE_BIND_COMPLETE));
    assert_true(track_expect_drop_reply(&q, PROTO_BE_CLOSE_COMPLETE));
    assert_true(track_expect_drop_reply(&q, PROTO_BE_PARSE_COMPLETE));
    assert_false(track_expect_drop_reply(&q, PROTO_BE_PARSE_COMPLETE)); /* the client's */
    assert_int_equal(q.count, 0);
    track_expect_free(&q);
}

/* The ring grows and wraps without losing the order. */
static void test_expect_ring_wraps_and_grows(void **state)
{
    (void)state;
    track_expect q = {0};
    for (int round = 0; round < 5; round++) {
        for (int i = 0; i < 40; i++)
            track_expect_execute(&q, i % 3 == 0 ? TRACK_FIX : TRACK_PASS);
        for (int i = 0; i < 37; i++)
            assert_int_equal(track_expect_command_complete(&q),
                             i % 3 == 0 ? TRACK_FIX : TRACK_PASS);
        while (q.count)
            track_expect_execute_done(&q);
    }
    track_expect_free(&q);
}

/* ---- the track, message by message ------------------------------------------------------ */

typedef struct {
    track t;
    rw_cache *cache;
    rw_snapshot *snapshot;
    proto_buf wire;   /* messages as one side sends them */
    proto_buf result; /* what the track lets through, in order */
    int refused;
    st_db stats; /* the database's counters the track keeps */
} session_fixture;

static void noted(void *owner, const char *before, const char *after)
{
    (void)owner;
    (void)before;
    (void)after;
}

static void refused(void *owner, const char *why)
{
    (void)why;
    ((session_fixture *)owner)->refused++;
}

static const track_observer observer = {noted, refused};

static int setup(void **state)
{
    session_fixture *f = calloc(1, sizeof *f);
    f->cache = rw_cache_new(1 << 20);
    f->snapshot = fixture_schema();
    track_init(&f->t, f->cache, &observer, f);
    f->t.stats = &f->stats;
    static const char path[] = "pg_catalog, public";
    track_start_names(&f->t, path, "tester", (rw_mode){0});
    f->t.snapshot = f->snapshot;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    session_fixture *f = *state;
    track_free(&f->t);
    rw_cache_free(f->cache);
    rw_snapshot_unref(f->snapshot);
    proto_buf_free(&f->wire);
    proto_buf_free(&f->result);
    free(f);
    return 0;
}

static proto_policy client_policy(void *ctx, uint8_t type, size_t len)
{
    (void)len;
    return track_client_policy(&((session_fixture *)ctx)->t, type);
}

static proto_verdict client_handle(void *ctx, const proto_msg *m, proto_out *out)
{
    return track_client_message(&((session_fixture *)ctx)->t, m, out);
}

static proto_policy server_policy(void *ctx, uint8_t type, size_t len)
{
    (void)len;
    return track_server_policy(&((session_fixture *)ctx)->t, type);
}

static proto_verdict server_handle(void *ctx, const proto_msg *m, proto_out *out)
{
    return track_server_message(&((session_fixture *)ctx)->t, m, out);
}

static const proto_hooks from_client = {client_policy, client_handle};
static const proto_hooks from_server = {server_policy, server_handle};

/* Walks what f->wire holds through the track, as the relay would, into f->result. */
static void walk(session_fixture *f, const proto_hooks *hooks)
{
    proto_framer fr = {0};
    proto_out out = {0};
    size_t used;
    proto_buf_free(&f->result);
    assert_null(proto_walk(&fr, f->wire.data, f->wire.len, hooks, f, &out, &used));
    assert_int_equal(used, f->wire.len);
    for (size_t i = 0; i < out.nseg; i++)
        proto_buf_put(&f->result, proto_out_seg_data(&out, &out.seg[i]), out.seg[i].len);
    proto_out_free(&out);
    proto_framer_free(&fr);
    f->wire.len = 0;
}

static void put_query(proto_buf *b, const char *sql)
{
    proto_build_query(b, sql);
}

static void put_complete(proto_buf *b, const char *tag)
{
    proto_build_command_complete(b, tag);
}

static void put_empty(proto_buf *b, uint8_t type)
{
    size_t at = proto_msg_begin(b, type);
    proto_msg_end(b, at);
}

static void put_bind(proto_buf *b, const char *portal, const char *stmt)
{
    proto_build_bind(b, portal, stmt);
}

static void put_execute(proto_buf *b, const char *portal)
{
    proto_build_execute(b, portal);
}

/* The i-th message of buf (type and start), or type 0 past the end. */
static uint8_t message_at(const proto_buf *buf, int i, const uint8_t **start, size_t *len)
{
    size_t at = 0;
    *start = NULL;
    *len = 0;
    for (; at + PROTO_HDR_LEN <= buf->len; i--) {
        size_t n = 1 + proto_get_u32(buf->data + at + 1);
        if (i == 0) {
            *start = buf->data + at;
            *len = n;
            return buf->data[at];
        }
        at += n;
    }
    return 0;
}

static const char *query_text(const proto_buf *buf, int i)
{
    const uint8_t *m;
    size_t n;
    assert_int_equal(message_at(buf, i, &m, &n), PROTO_FE_QUERY);
    return (const char *)m + PROTO_HDR_LEN;
}

static const char *tag_of(const proto_buf *buf, int i)
{
    const uint8_t *m;
    size_t n;
    const char *tag;
    assert_int_equal(message_at(buf, i, &m, &n), PROTO_BE_COMMAND_COMPLETE);
    assert_true(proto_read_command_complete(m, n, &tag));
    return tag;
}

static void test_query_rewritten_and_tag_fixed(void **state)
{
    session_fixture *f = *state;
    put_query(&f->wire, "SELECT 1; DELETE FROM flags WHERE id = 1; UPDATE tags SET name = 'x'");
    walk(f, &from_client);
    assert_string_equal(query_text(&f->result, 0),
                        "SELECT 1; UPDATE flags SET is_deleted = true WHERE (id = 1) AND NOT "
                        "flags.is_deleted; UPDATE tags SET name = 'x'");
    assert_int_equal(f->t.syncs_pending, 1);
    put_complete(&f->wire, "SELECT 1");
    put_complete(&f->wire, "UPDATE 1");
    put_complete(&f->wire, "UPDATE 7");
    proto_build_ready(&f->wire, 'I');
    walk(f, &from_server);
    assert_string_equal(tag_of(&f->result, 0), "SELECT 1");
    assert_string_equal(tag_of(&f->result, 1), "DELETE 1");
    assert_string_equal(tag_of(&f->result, 2), "UPDATE 7");
    assert_true(track_idle(&f->t, false));
}

/* Parse/Bind/Execute of a named DELETE, executed twice in a pipeline with a SELECT between;
 * the tag is fixed for the DELETE's portals only. */
static void test_extended_pipeline(void **state)
{
    session_fixture *f = *state;
    proto_build_parse(&f->wire, "del", "DELETE FROM books WHERE id = $1");
    put_bind(&f->wire, "p1", "del");
    put_execute(&f->wire, "p1");
    proto_build_parse(&f->wire, "", "SELECT 1");
    put_bind(&f->wire, "", "");
    put_execute(&f->wire, "");
    put_bind(&f->wire, "p2", "del");
    put_execute(&f->wire, "p2");
    put_empty(&f->wire, PROTO_FE_SYNC);
    walk(f, &from_client);
    assert_false(track_idle(&f->t, true));
    const uint8_t *m;
    size_t n;
    assert_int_equal(message_at(&f->result, 0, &m, &n), PROTO_FE_PARSE);
    proto_parse_fields p;
    assert_true(proto_read_parse(m, n, &p));
    assert_string_equal(p.name, "del");
    assert_non_null(strstr(p.query, "UPDATE books SET deleted_at"));

    put_empty(&f->wire, PROTO_BE_PARSE_COMPLETE);
    put_empty(&f->wire, PROTO_BE_BIND_COMPLETE);
    put_complete(&f->wire, "UPDATE 1");
    put_empty(&f->wire, PROTO_BE_PARSE_COMPLETE);
    put_empty(&f->wire, PROTO_BE_BIND_COMPLETE);
    put_complete(&f->wire, "SELECT 1");
    put_empty(&f->wire, PROTO_BE_BIND_COMPLETE);
    put_complete(&f->wire, "UPDATE 0");
    proto_build_ready(&f->wire, 'I');
    walk(f, &from_server);
    assert_string_equal(tag_of(&f->result, 2), "DELETE 1");
    assert_string_equal(tag_of(&f->result, 5), "SELECT 1");
    assert_string_equal(tag_of(&f->result, 7), "DELETE 0");
    assert_true(track_idle(&f->t, false));
}

/* An error in the middle of a pipeline: the server skips to the Sync; the next batch's
 * DELETE still gets its tag. */
static void test_error_then_next_batch(void **state)
{
    session_fixture *f = *state;
    proto_build_parse(&f->wire, "del", "DELETE FROM books WHERE id = $1");
    put_bind(&f->wire, "p", "del");
    put_execute(&f->wire, "p");
    put_bind(&f->wire, "p", "del");
    put_execute(&f->wire, "p");
    put_empty(&f->wire, PROTO_FE_SYNC);
    put_bind(&f->wire, "p", "del");
    put_execute(&f->wire, "p");
    put_empty(&f->wire, PROTO_FE_SYNC);
    walk(f, &from_client);
    put_empty(&f->wire, PROTO_BE_PARSE_COMPLETE);
    put_empty(&f->wire, PROTO_BE_BIND_COMPLETE);
    proto_build_error(&f->wire, "ERROR", "57014", "canceling statement due to user request");
    proto_build_ready(&f->wire, 'I');
    put_empty(&f->wire, PROTO_BE_BIND_COMPLETE);
    put_complete(&f->wire, "UPDATE 3");
    proto_build_ready(&f->wire, 'I');
    walk(f, &from_server);
    assert_string_equal(tag_of(&f->result, 5), "DELETE 3");
    assert_true(track_idle(&f->t, false));
}

/* An error's position in a rewritten Query points into the text the client sent. */
static void test_error_position_mapped(void **state)
{
    session_fixture *f = *state;
    const char *sql = "SELECT * FROM authors WHERE nope = 1";
    put_query(&f->wire, sql);
    walk(f, &from_client);
    const char *sent = query_text(&f->result, 0);
    const char *at = strstr(sent, "nope");
    char pos[16];
    snprintf(pos, sizeof pos, "%d", (int)(at - sent) + 1);
    size_t s = proto_msg_begin(&f->wire, PROTO_BE_ERROR);
    proto_buf_put_str(&f->wire, "SERROR");
    proto_buf_put_str(&f->wire, "C42703");
    proto_buf_put_str(&f->wire, "Mcolumn \"nope\" does not exist");
    proto_buf_put_u8(&f->wire, 'P');
    proto_buf_put_str(&f->wire, pos);
    proto_buf_put_u8(&f->wire, 0);
    proto_msg_end(&f->wire, s);
    proto_build_ready(&f->wire, 'I');
    walk(f, &from_server);
    const uint8_t *m;
    size_t n;
    assert_int_equal(message_at(&f->result, 0, &m, &n), PROTO_BE_ERROR);
    char want[16];
    snprintf(want, sizeof want, "%d", (int)(strstr(sql, "nope") - sql) + 1);
    assert_string_equal(proto_error_field(m, n, 'P'), want);
}

/* A statement prepared under one search_path is prepared again, rewritten, before it runs
 * under another; the client never sees the replies to the proxy's Close and Parse. */
static void test_reprepare_after_search_path_change(void **state)
{
    session_fixture *f = *state;
    proto_build_parse(&f->wire, "q", "SELECT * FROM authors");
    put_empty(&f->wire, PROTO_FE_SYNC);
    walk(f, &from_client);
    put_empty(&f->wire, PROTO_BE_PARSE_COMPLETE);
    proto_build_ready(&f->wire, 'I');
    walk(f, &from_server);

    put_query(&f->wire, "SET search_path = archive, public");
    walk(f, &from_client);
    put_complete(&f->wire, "SET");
    proto_build_ready(&f->wire, 'I');
    walk(f, &from_server);

    put_bind(&f->wire, "", "q");
    put_execute(&f->wire, "");
    put_empty(&f->wire, PROTO_FE_SYNC);
    walk(f, &from_client);
    const uint8_t *m;
    size_t n;
    assert_int_equal(message_at(&f->result, 0, &m, &n), PROTO_FE_CLOSE);
    assert_int_equal(message_at(&f->result, 1, &m, &n), PROTO_FE_PARSE);
    proto_parse_fields p;
    assert_true(proto_read_parse(m, n, &p));
    assert_string_equal(p.query, "SELECT * FROM authors"); /* archive.authors: plain */
    assert_int_equal(message_at(&f->result, 2, &m, &n), PROTO_FE_BIND);

    put_empty(&f->wire, PROTO_BE_CLOSE_COMPLETE);
    put_empty(&f->wire, PROTO_BE_PARSE_COMPLETE);
    put_empty(&f->wire, PROTO_BE_BIND_COMPLETE);
    put_complete(&f->wire, "SELECT 0");
    proto_build_ready(&f->wire, 'I');
    walk(f, &from_server);
    assert_int_equal(message_at(&f->result, 0, &m, &n), PROTO_BE_BIND_COMPLETE);
    assert_string_equal(tag_of(&f->result, 1), "SELECT 0");
    assert_int_equal(message_at(&f->result, 2, &m, &n), PROTO_BE_READY);
    assert_int_equal(message_at(&f->result, 3, &m, &n), 0);
}

/* A statement whose rewrite does not depend on the catalog (SAVEPOINT) is never prepared
 * again; one that does is not prepared again inside a failed transaction (its Parse would
 * fail there after the Close went through, and the statement would be lost). */
static void test_no_reprepare_without_need(void **state)
{
    session_fixture *f = *state;
    proto_build_parse(&f->wire, "sp", "SAVEPOINT s1");
    proto_build_parse(&f->wire, "q", "SELECT * FROM authors");
    put_empty(&f->wire, PROTO_FE_SYNC);
    walk(f, &from_client);
    put_empty(&f->wire, PROTO_BE_PARSE_COMPLETE);
    put_empty(&f->wire, PROTO_BE_PARSE_COMPLETE);
    proto_build_ready(&f->wire, 'E');
    walk(f, &from_server);
    put_query(&f->wire, "SET search_path = archive, public");
    walk(f, &from_client);
    proto_build_error(&f->wire, "ERROR", "25P02", "current transaction is aborted");
    proto_build_ready(&f->wire, 'E');
    walk(f, &from_server);
    put_bind(&f->wire, "", "sp");
    put_bind(&f->wire, "", "q");
    walk(f, &from_client);
    const uint8_t *m;
    size_t n;
    assert_int_equal(message_at(&f->result, 0, &m, &n), PROTO_FE_BIND);
    assert_int_equal(message_at(&f->result, 1, &m, &n), PROTO_FE_BIND);
    assert_int_equal(message_at(&f->result, 2, &m, &n), 0);
}

/* Is a DELETE FROM authors sent now rewritten (public.authors, soft) or sent as it is
 * (archive.authors, plain)? */
static bool delete_rewritten(session_fixture *f)
{
    put_query(&f->wire, "DELETE FROM authors WHERE id = 1");
    walk(f, &from_client);
    return strncmp(query_text(&f->result, 0), "UPDATE", 6) == 0;
}

/* "$user" names the current role: SET ROLE has the owner read the settings again
 * (track_reread), RESET then returns to the login setting expanded for the new role, and
 * DISCARD ALL to the role of the login. */
static void test_role_followed(void **state)
{
    session_fixture *f = *state;
    track_free(&f->t);
    track_init(&f->t, f->cache, &observer, f);
    track_start_names(&f->t, "\"$user\", public", "tester", (rw_mode){0});
    f->t.snapshot = f->snapshot;
    f->t.stats = &f->stats;
    assert_true(delete_rewritten(f));
    put_query(&f->wire, "SET ROLE archive");
    walk(f, &from_client);
    assert_true(f->t.reread);
    f->t.reread = false; /* the owner's, once it has sent its query */
    track_reread(&f->t, "\"$user\", public", "archive", (rw_mode){0});
    assert_false(delete_rewritten(f));
    put_query(&f->wire, "SET search_path = public");
    walk(f, &from_client);
    assert_true(delete_rewritten(f));
    put_query(&f->wire, "RESET search_path");
    walk(f, &from_client);
    assert_false(delete_rewritten(f));
    put_query(&f->wire, "DISCARD ALL");
    walk(f, &from_client);
    assert_true(delete_rewritten(f));
}

/* A FunctionCall of set_config (by oid), or of a function the snapshot says may set the
 * search_path, has the owner read the settings again; one of another function does not. */
static void test_function_call_followed(void **state)
{
    session_fixture *f = *state;
    static const uint32_t oids[] = {764 /* lo_open */, 2078 /* set_config */, 16400};
    for (int i = 0; i < 3; i++) {
        f->t.reread = false;
        size_t at = proto_msg_begin(&f->wire, PROTO_FE_FUNCTION_CALL);
        proto_buf_put_u32(&f->wire, oids[i]);
        proto_buf_put_u16(&f->wire, 0); /* argument formats */
        proto_buf_put_u16(&f->wire, 0); /* arguments */
        proto_buf_put_u16(&f->wire, 0); /* result format */
        proto_msg_end(&f->wire, at);
        walk(f, &from_client);
        assert_int_equal(f->t.reread, i > 0);
    }
}

/* Without a snapshot nothing is forwarded as it is: every statement is refused. */
static void test_no_snapshot_refuses(void **state)
{
    session_fixture *f = *state;
    f->t.snapshot = NULL;
    put_query(&f->wire, "DELETE FROM authors");
    walk(f, &from_client);
    assert_non_null(strstr(query_text(&f->result, 0), "58000"));
}

/* DDL is reported once, for the owner to read the catalog again. */
static void test_ddl_reported(void **state)
{
    session_fixture *f = *state;
    put_query(&f->wire, "SELECT 1");
    walk(f, &from_client);
    assert_false(track_take_ddl(&f->t).ddl);
    put_query(&f->wire, "ALTER TABLE tags ADD COLUMN deleted_at timestamptz");
    walk(f, &from_client);
    track_ddl d = track_take_ddl(&f->t);
    assert_true(d.ddl && d.alters && !d.undo && !d.ends_tx);
    assert_false(track_take_ddl(&f->t).ddl);
    put_query(&f->wire, "CREATE INDEX ON tags (name)");
    walk(f, &from_client);
    d = track_take_ddl(&f->t);
    assert_true(d.ddl && !d.alters);
    put_query(&f->wire, "ROLLBACK TO SAVEPOINT a");
    walk(f, &from_client);
    d = track_take_ddl(&f->t);
    assert_true(!d.ddl && d.undo && d.ends_tx);
}

/* The database's counters: statements run (each of a Query, each Execute), rewrites by
 * kind (a prepared statement once, at its Parse), cache lookups. */
static void test_counted(void **state)
{
    session_fixture *f = *state;
    put_query(&f->wire, "SELECT 1; DELETE FROM flags WHERE id = 1; SELECT * FROM authors");
    walk(f, &from_client);
    assert_int_equal(f->stats.queries, 3);
    assert_int_equal(f->stats.marked, 1);
    assert_int_equal(f->stats.filtered, 2); /* the DELETE reaches live rows only, too */
    assert_int_equal(f->stats.cache_misses, 1);
    put_query(&f->wire, "SELECT 1; DELETE FROM flags WHERE id = 1; SELECT * FROM authors");
    walk(f, &from_client);
    assert_int_equal(f->stats.cache_hits, 1);
    assert_int_equal(f->stats.marked, 2);
    proto_build_parse(&f->wire, "del", "DELETE FROM books WHERE id = $1");
    put_bind(&f->wire, "p1", "del");
    put_execute(&f->wire, "p1");
    put_bind(&f->wire, "p2", "del");
    put_execute(&f->wire, "p2");
    put_empty(&f->wire, PROTO_FE_SYNC);
    walk(f, &from_client);
    assert_int_equal(f->stats.queries, 8);
    assert_int_equal(f->stats.marked, 3);
    assert_int_equal(f->stats.refused, 0);
    f->t.snapshot = NULL; /* no catalog: refused */
    put_query(&f->wire, "DELETE FROM authors");
    walk(f, &from_client);
    assert_int_equal(f->stats.refused, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_expect_pipeline_in_order),
        cmocka_unit_test(test_expect_error_skips_to_sync),
        cmocka_unit_test(test_expect_error_in_query),
        cmocka_unit_test(test_expect_copy_in_drops_syncs),
        cmocka_unit_test(test_expect_own_replies),
        cmocka_unit_test(test_expect_ring_wraps_and_grows),
        cmocka_unit_test_setup_teardown(test_query_rewritten_and_tag_fixed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_extended_pipeline, setup, teardown),
        cmocka_unit_test_setup_teardown(test_error_then_next_batch, setup, teardown),
        cmocka_unit_test_setup_teardown(test_error_position_mapped, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reprepare_after_search_path_change, setup, teardown),
        cmocka_unit_test_setup_teardown(test_role_followed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_function_call_followed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_no_snapshot_refuses, setup, teardown),
        cmocka_unit_test_setup_teardown(test_no_reprepare_without_need, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ddl_reported, setup, teardown),
        cmocka_unit_test_setup_teardown(test_counted, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
