/* proxy/reprepare.c — preparing statements again when names resolve differently. */
#include "proxy/reprepare.h"

#include <stdlib.h>
#include <string.h>

#include "proxy/rewriting.h"
#include "proxy/session.h"

static void reprepare_executed(session *s, const rw_stmt_facts *f, proto_out *out);

static bool stale(const session *s, const prepared_entry *e)
{
    return e->path_version != rewriting_path_version(s) ||
           e->schema_version != rewriting_schema_version(s);
}

void reprepare_before_bind(session *s, const char *stmt, proto_out *out)
{
    const prepared_entry *e = prepared_find(&s->statements, stmt);
    if (e && (e->facts.flags & RW_EXECUTE)) {
        rw_stmt_facts f = e->facts;
        reprepare_executed(s, &f, out);
        e = prepared_find(&s->statements, stmt);
    }
    if (!e || !e->source || e->sql || !stale(s, e))
        return;
    proto_buf parse = {0};
    proto_buf_put(&parse, e->source, e->source_len); /* e is replaced below */
    proto_build_close(&out->buf, 'S', stmt);
    expect_own_reply(&s->expect, '3');
    proto_parse_fields p;
    const rw_result *r = NULL;
    if (proto_read_parse(parse.data, parse.len, &p)) {
        r = rewriting_rewrite(s, p.query, p.query_len);
        prepared_entry fresh = {
            .facts = r->nstmts == 1 ? r->stmts[0] : (rw_stmt_facts){0},
            .path_version = rewriting_path_version(s),
            .schema_version = rewriting_schema_version(s),
            .source = parse.data,
            .source_len = parse.len,
        };
        prepared_put(&s->statements, stmt, &fresh);
    }
    if (r && r->sql)
        proto_build_parse_like(&out->buf, parse.data, parse.len, r->sql, r->len);
    else
        proto_buf_put(&out->buf, parse.data, parse.len);
    expect_own_reply(&s->expect, '1');
    proto_buf_free(&parse);
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

/* The SQL-prepared statement an EXECUTE runs, if it must be prepared again first. */
static const prepared_entry *stale_sql_prepare(session *s, const rw_stmt_facts *f)
{
    const prepared_entry *e =
        (f->flags & RW_EXECUTE) ? prepared_find(&s->statements, f->name) : NULL;
    return e && e->source && e->sql && stale(s, e) ? e : NULL;
}

char *reprepare_in_query(session *s, const rw_result *r, const char *text, int *added)
{
    proto_buf out = {0};
    *added = 0;
    for (int i = 0; i < r->nstmts; i++) {
        const prepared_entry *e = stale_sql_prepare(s, &r->stmts[i]);
        if (!e)
            continue;
        put_deallocate(&out, r->stmts[i].name);
        put_text(&out, "; ");
        proto_buf_put(&out, e->source, e->source_len);
        put_text(&out, "; ");
        *added += 2;
    }
    if (!*added)
        return NULL;
    proto_buf_put(&out, text, strlen(text) + 1);
    if (out.oom)
        abort();
    return (char *)out.data;
}

/* Runs one statement of the proxy's own through the unnamed statement and portal, before
 * the client's next message; the client sees none of its answers. */
static void run_own(session *s, const char *sql, proto_out *out)
{
    proto_build_parse(&out->buf, "", sql);
    proto_build_bind(&out->buf, "", "");
    proto_build_execute(&out->buf, "");
    expect_own_reply(&s->expect, '1');
    expect_own_reply(&s->expect, '2');
    expect_execute(&s->expect, EXPECT_DROP);
}

/* "EXECUTE p" is about to be parsed or bound: p is prepared again first if it must be. */
static void reprepare_executed(session *s, const rw_stmt_facts *f, proto_out *out)
{
    const prepared_entry *e = stale_sql_prepare(s, f);
    if (!e)
        return;
    proto_buf text = {0};
    put_deallocate(&text, f->name);
    proto_buf_put_u8(&text, 0);
    run_own(s, (const char *)text.data, out);
    text.len = 0;
    proto_buf_put(&text, e->source, e->source_len); /* e goes when the PREPARE is applied */
    proto_buf_put_u8(&text, 0);
    const rw_result *r = rewriting_rewrite(s, (const char *)text.data, text.len - 1);
    for (int i = 0; i < r->nstmts; i++)
        rewriting_apply(s, &r->stmts[i], (const char *)text.data, FACTS_QUERY);
    run_own(s, r->sql ? r->sql : (const char *)text.data, out);
    proto_buf_free(&text);
}

void reprepare_before_parse(session *s, const char *query, size_t len, proto_out *out)
{
    const rw_result *r = rewriting_rewrite(s, query, len);
    if (r->nstmts == 1)
        reprepare_executed(s, &r->stmts[0], out);
}
