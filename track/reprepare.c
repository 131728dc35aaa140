/* track/reprepare.c — preparing statements again when names resolve differently.
 *
 * PostgreSQL resolves the names of a prepared statement again when the search_path or the
 * catalog changes, so a statement the proxy rewrote for `authors` = public.authors would
 * now run its added predicates against another table. Before such a statement runs, the
 * proxy prepares it again, rewritten for how names resolve now, and hides the answers to
 * its own messages from the client (track/expect.c). */
#include "track/internal.h"

#include <stdlib.h>
#include <string.h>

#include "common/mem.h"

static void reprepare_executed(track *t, const char *name, proto_out *out);

/* The statement bound, if its rewrite is out of date: Close it, then Parse it again with
 * the text rewritten now. */
static void parse_again(track *t, const char *stmt, const track_prepared *e, proto_out *out)
{
    proto_buf parse = {0};
    proto_buf_put(&parse, e->source, e->source_len); /* e is replaced below */
    proto_build_close(&out->buf, 'S', stmt);
    track_expect_own_reply(&t->expect, PROTO_BE_CLOSE_COMPLETE);
    proto_parse_fields p;
    const rw_result *r = NULL;
    if (proto_read_parse(parse.data, parse.len, &p)) {
        r = track_rewrite(t, p.query, p.query_len);
        rw_stmt_facts none = {0};
        track_prepared fresh = track_prepared_of(t, r->nstmts == 1 ? &r->stmts[0] : &none,
                                                 parse.data, parse.len, false);
        track_names_put(&t->statements, stmt, &fresh);
    }
    if (r && r->sql)
        proto_build_parse_like(&out->buf, parse.data, parse.len, r->sql, r->len);
    else
        proto_buf_put(&out->buf, parse.data, parse.len);
    track_expect_own_reply(&t->expect, PROTO_BE_PARSE_COMPLETE);
    proto_buf_free(&parse);
}

void track_reprepare_before_bind(track *t, const char *stmt, proto_out *out)
{
    const track_prepared *e = track_names_find(&t->statements, stmt);
    if (e && (e->facts.flags & RW_EXECUTE)) {
        char *name = mem_strdup(e->facts.name); /* e may go */
        reprepare_executed(t, name, out);
        free(name);
        e = track_names_find(&t->statements, stmt);
    }
    /* not in a failed transaction: its Parse would fail (25P02) after the Close went through,
     * and the statement would be gone; what runs there fails anyway */
    if (e && e->source && !e->sql && t->tx_status != 'E' && track_stale(t, e))
        parse_again(t, stmt, e, out);
}

static void put_text(proto_buf *b, const char *s)
{
    proto_buf_put(b, s, strlen(s));
}

/* DEALLOCATE "name" (no NUL). */
static void put_deallocate(proto_buf *b, const char *name)
{
    put_text(b, "DEALLOCATE \"");
    for (const char *c = name; *c; c++)
        put_text(b, *c == '"' ? "\"\"" : (char[]){*c, 0});
    put_text(b, "\"");
}

/* The SQL-prepared statement that "EXECUTE name" runs, if it must be prepared again first. */
static const track_prepared *stale_sql_prepare(const track *t, const char *name)
{
    if (t->tx_status == 'E') /* see track_reprepare_before_bind */
        return NULL;
    const track_prepared *e = track_names_find(&t->statements, name);
    return e && e->source && e->sql && track_stale(t, e) ? e : NULL;
}

char *track_reprepare_in_query(track *t, const rw_result *r, const char *text, int *added)
{
    proto_buf out = {0};
    *added = 0;
    for (int i = 0; i < r->nstmts; i++) {
        const rw_stmt_facts *f = &r->stmts[i];
        const track_prepared *e = (f->flags & RW_EXECUTE) ? stale_sql_prepare(t, f->name) : NULL;
        if (!e)
            continue;
        put_deallocate(&out, f->name);
        put_text(&out, "; ");
        proto_buf_put(&out, e->source, e->source_len);
        put_text(&out, "; ");
        *added += 2;
    }
    if (!*added)
        return NULL;
    proto_buf_put(&out, text, strlen(text) + 1);
    return (char *)out.data;
}

/* Runs one statement of the proxy's own through the unnamed statement and portal, before
 * the client's next message; the client sees none of its answers. */
static void run_own(track *t, const char *sql, proto_out *out)
{
    proto_build_parse(&out->buf, "", sql);
    proto_build_bind(&out->buf, "", "");
    proto_build_execute(&out->buf, "");
    track_expect_own_reply(&t->expect, PROTO_BE_PARSE_COMPLETE);
    track_expect_own_reply(&t->expect, PROTO_BE_BIND_COMPLETE);
    track_expect_execute(&t->expect, TRACK_DROP);
}

/* "EXECUTE name" is about to be parsed or bound: the statement is prepared again first if
 * it must be. */
static void reprepare_executed(track *t, const char *name, proto_out *out)
{
    const track_prepared *e = stale_sql_prepare(t, name);
    if (!e)
        return;
    proto_buf text = {0};
    put_deallocate(&text, name);
    proto_buf_put_u8(&text, 0);
    run_own(t, (const char *)text.data, out);
    text.len = 0;
    proto_buf_put(&text, e->source, e->source_len); /* e goes when the PREPARE is applied */
    proto_buf_put_u8(&text, 0);
    const rw_result *r = track_rewrite(t, (const char *)text.data, text.len - 1);
    for (int i = 0; i < r->nstmts; i++)
        track_apply(t, &r->stmts[i], (const char *)text.data, TRACK_AT_QUERY);
    run_own(t, r->sql ? r->sql : (const char *)text.data, out);
    proto_buf_free(&text);
}

bool track_reprepare_before_parse(track *t, const rw_result *r, proto_out *out)
{
    if (r->nstmts != 1 || !(r->stmts[0].flags & RW_EXECUTE) ||
        !stale_sql_prepare(t, r->stmts[0].name))
        return false;
    char *name = mem_strdup(r->stmts[0].name); /* r goes with the next rewrite */
    reprepare_executed(t, name, out);
    free(name);
    return true;
}
