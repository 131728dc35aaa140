/* track/split.c — a Query whose DDL must have run before the statements after it can be
 * rewritten:
 *
 *     CREATE TABLE t (id int PRIMARY KEY, deleted_at timestamptz); INSERT ...; DELETE FROM t
 *
 * The proxy sends it in parts, each ending with such a DDL statement; between two parts the
 * owner reads the catalog on the same connection (the part's ReadyForQuery is the proxy's,
 * and the session's own snapshot then sees the DDL), and the next part is rewritten with it.
 * The client sees the answers of the whole, as PostgreSQL gives them: one ReadyForQuery at
 * the end, nothing after an error. PostgreSQL runs the statements of one Query in one
 * implicit transaction; so does the proxy, by opening a block of its own (BEGIN before the
 * first part, COMMIT after the last, ROLLBACK after an error; their answers dropped), unless
 * the client's text controls transactions itself or a transaction is already open. */
#include "track/internal.h"

#include <stdlib.h>
#include <string.h>

#include "common/mem.h"

static const char own_begin[] = "BEGIN;";
static const char own_commit[] = "\n;COMMIT"; /* after a trailing -- comment, too */

/* The statement after which the text is cut: the first DDL statement, or one that changes
 * settings only the server knows (RW_REREAD: the owner reads them between the parts),
 * followed by one whose rewrite depends on the catalog; -1 when there is none. */
int track_split_point(const rw_result *r)
{
    for (int i = 0; i < r->nstmts; i++) {
        if (!(r->stmts[i].flags & (RW_DDL | RW_REREAD)))
            continue;
        for (int j = i + 1; j < r->nstmts; j++)
            if (r->stmts[j].flags & RW_NEEDS_CATALOG)
                return i;
        return -1;
    }
    return -1;
}

static bool controls_transactions(const rw_result *r)
{
    for (int i = 0; i < r->nstmts; i++)
        if (r->stmts[i].flags & RW_TRANSACTION)
            return true;
    return false;
}

/* Where statement i of r ends in its text. */
static size_t end_of(const rw_result *r, int i)
{
    return (size_t)(r->stmts[i].start + r->stmts[i].len);
}

/* Rewrites part[0, len) (a copy, NUL-terminated) and appends it as a Query to `to`, with the
 * proxy's BEGIN before it (first) and COMMIT after it (last) when the parts are wrapped. */
static void send_part(track *t, const char *text, size_t len, bool first, bool last, proto_buf *to)
{
    char *part = mem_strndup(text, len);
    const rw_result *r = track_rewrite(t, part, len);
    bool begin = first && t->split.wrapped, commit = last && t->split.wrapped;
    int n = r->nstmts + begin + commit;
    uint8_t *answers = mem_alloc((size_t)n);
    int k = 0;
    if (begin)
        answers[k++] = TRACK_DROP;
    for (int i = 0; i < r->nstmts; i++) {
        track_apply(t, &r->stmts[i], part, TRACK_AT_QUERY);
        answers[k++] = track_answer_of(t, &r->stmts[i]);
    }
    if (commit)
        answers[k++] = TRACK_DROP;
    track_expect_query(&t->expect, answers, n);
    int prefix = begin ? (int)strlen(own_begin) : 0;
    if (t->chars != RW_CHARS_UNKNOWN) /* positions: into the client's whole text */
        track_expect_edited(&t->expect, r->edits, r->nedits, prefix - t->split.offset);
    size_t at = proto_msg_begin(to, PROTO_FE_QUERY);
    if (begin)
        proto_buf_put(to, own_begin, strlen(own_begin));
    proto_buf_put(to, r->sql ? r->sql : part, r->sql ? r->len : len);
    if (commit)
        proto_buf_put(to, own_commit, strlen(own_commit));
    proto_buf_put_u8(to, 0);
    proto_msg_end(to, at);
    free(answers);
    free(part);
}

/* Sends text[0, cut) (the part up to statement `cut` of r, a rewrite of text) and keeps
 * the rest for later; or all of it when cut < 0. */
static void send_up_to(track *t, const char *text, size_t len, const rw_result *r, int cut,
                       bool first, proto_buf *to)
{
    size_t end = cut >= 0 ? end_of(r, cut) : len;
    char *rest = cut >= 0 ? mem_strdup(text + end) : NULL;
    int offset = t->split.offset;
    send_part(t, text, end, first, cut < 0, to);
    free(t->split.rest);
    t->split.rest = rest;
    t->split.offset = offset + rw_chars_count(text, (int)end, t->chars);
}

proto_verdict track_split_start(track *t, const char *sql, size_t len, const rw_result *r, int cut,
                                proto_out *out)
{
    t->split = (track_split){
        .active = true,
        .wrapped = t->tx_status == 'I' && !controls_transactions(r),
    };
    send_up_to(t, sql, len, r, cut, true, &out->buf);
    return PROTO_CONSUMED;
}

void track_split_send(track *t, proto_buf *to)
{
    t->split.due = false;
    if (t->split.rollback) { /* the proxy's block failed: the client sees one error */
        uint8_t drop = TRACK_DROP;
        track_expect_query(&t->expect, &drop, 1);
        proto_build_query(to, "ROLLBACK");
        t->split.rollback = t->split.wrapped = false;
        return;
    }
    char *text = t->split.rest;
    t->split.rest = NULL;
    size_t len = strlen(text);
    const rw_result *r = track_rewrite(t, text, len);
    int cut = track_split_point(r);
    send_up_to(t, text, len, r, cut, false, to);
    free(text);
}

bool track_split_ready(track *t, char status)
{
    track_split *sp = &t->split;
    if (sp->rest && !sp->failed) {
        sp->due = true; /* the next part, once the catalog is read */
        return true;
    }
    free(sp->rest);
    sp->rest = NULL;
    if (sp->wrapped && status == 'E') {
        sp->due = sp->rollback = true;
        return true;
    }
    *sp = (track_split){0}; /* over: this ReadyForQuery is the client's */
    return false;
}

void track_split_free(track *t)
{
    free(t->split.rest);
    t->split = (track_split){0};
}
