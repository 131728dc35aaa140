/* proxy/hooks.c — the per-message hooks of an authenticated session (see hooks.h): SQL is
 * rewritten in Query (on_query) and Parse (on_parse), and the CommandComplete of a DELETE
 * turned into an UPDATE says "DELETE n" again (fix_tag). The rewriting itself is rewrite/,
 * its use by a session proxy/rewriting.c; this file keeps which statement, portal and
 * answer is which. */
#include "proxy/hooks.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proxy/catalog.h"
#include "proxy/reprepare.h"
#include "proxy/rewriting.h"
#include "proxy/session.h"

/* ---- Query ----------------------------------------------------------------------------- */

static proto_verdict on_query(session *s, const proto_msg *m, proto_out *out)
{
    const char *sql = (const char *)m->data + PROTO_HDR_LEN;
    size_t len = m->len - PROTO_HDR_LEN - 1;
    if (m->len <= PROTO_HDR_LEN || sql[len] != '\0' || memchr(sql, '\0', len))
        return PROTO_FORWARD; /* malformed: the server says so */
    const rw_result *r = rewriting_rewrite(s, sql, len);
    int added;
    char *prefixed = reprepare_in_query(s, r, sql, &added);
    if (prefixed)
        r = rewriting_rewrite(s, sql = prefixed, strlen(prefixed));
    uint8_t stack[64], *answers = r->nstmts <= 64 ? stack : malloc((size_t)r->nstmts);
    bool any = added > 0;
    if (!answers)
        abort();
    for (int i = 0; i < r->nstmts; i++) {
        rewriting_apply(s, &r->stmts[i], sql, FACTS_QUERY);
        answers[i] = i < added                              ? EXPECT_DROP
                     : rewriting_needs_fix(s, &r->stmts[i]) ? EXPECT_FIX
                                                            : EXPECT_PASS;
        any |= answers[i] != EXPECT_PASS;
    }
    expect_query(&s->expect, any ? answers : NULL, r->nstmts);
    /* positions in errors: the proxy's own statements come first, the client's text after */
    if (s->chars != RW_CHARS_UNKNOWN && (r->edits || prefixed))
        expect_edited(&s->expect, r->edits, r->nedits,
                      prefixed ? rw_chars_count(prefixed, (int)(strlen(prefixed) - len), s->chars)
                               : 0);
    if (answers != stack)
        free(answers);
    catalog_refresh(s, s->catalog);
    proto_verdict v = PROTO_FORWARD;
    if (r->sql || prefixed) {
        proto_build_query(&out->buf, r->sql ? r->sql : prefixed);
        v = PROTO_CONSUMED;
    }
    free(prefixed);
    return v;
}

/* ---- the extended protocol: which portal runs which statement ---------------------------- */

static proto_verdict on_parse(session *s, const proto_msg *m, proto_out *out)
{
    proto_parse_fields p;
    if (!proto_read_parse(m->data, m->len, &p))
        return PROTO_FORWARD;
    reprepare_before_parse(s, p.query, p.query_len, out);
    const rw_result *r = rewriting_rewrite(s, p.query, p.query_len);
    for (int i = 0; i < r->nstmts; i++)
        rewriting_apply(s, &r->stmts[i], p.query, FACTS_PARSE);
    /* what running it does, and for a named statement what it takes to rewrite it again */
    bool single = r->nstmts == 1;
    bool keep = *p.name && single && (r->stmts[0].flags & RW_PATH_DEPENDENT);
    prepared_entry e = {
        .facts = single ? r->stmts[0] : (rw_stmt_facts){0},
        .path_version = rewriting_path_version(s),
        .schema_version = rewriting_schema_version(s),
        .source = keep ? (uint8_t *)m->data : NULL,
        .source_len = keep ? m->len : 0,
    };
    prepared_put(&s->statements, p.name, &e);
    expect_parse(&s->expect);
    if (!r->sql)
        return PROTO_FORWARD;
    if (r->edits)
        expect_edited(&s->expect, r->edits, r->nedits, 0);
    proto_build_parse_like(&out->buf, m->data, m->len, r->sql, r->len);
    return PROTO_CONSUMED;
}

/* While no statement or portal is remembered there is nothing to look up: Bind and Execute
 * stream through and every Execute is known to need nothing. */
static bool tracking(const session *s)
{
    return prepared_count(&s->statements) > 0 || prepared_count(&s->portals) > 0;
}

static void on_bind(session *s, const proto_msg *m, proto_out *out)
{
    const char *portal, *stmt;
    if (!proto_read_bind_names(m->data, m->len, &portal, &stmt))
        return;
    reprepare_before_bind(s, stmt, out);
    const prepared_entry *e = prepared_find(&s->statements, stmt);
    prepared_put(&s->portals, portal, e ? &(prepared_entry){.facts = e->facts} : NULL);
}

static void on_execute(session *s, const proto_msg *m)
{
    const char *portal;
    uint32_t max_rows;
    const prepared_entry *e = proto_read_execute(m->data, m->len, &portal, &max_rows)
                                  ? prepared_find(&s->portals, portal)
                                  : NULL;
    expect_execute(&s->expect, e && rewriting_needs_fix(s, &e->facts) ? EXPECT_FIX : EXPECT_PASS);
    if (!e)
        return;
    rewriting_apply(s, &e->facts, NULL, FACTS_EXECUTE);
    catalog_refresh(s, s->catalog);
}

static void on_close(session *s, const proto_msg *m)
{
    char kind;
    const char *name;
    if (proto_read_target(m->data, m->len, &kind, &name))
        prepared_put(kind == 'S' ? &s->statements : &s->portals, name, NULL);
}

/* ---- the client's messages ------------------------------------------------------------- */

proto_policy hooks_client_policy(session *s, uint8_t type)
{
    switch (type) {
    case 'Q': /* Query: rewritten */
    case 'P': /* Parse: rewritten */
        return PROTO_WHOLE;
    case 'B': /* Bind: its portal and statement names */
        return tracking(s) ? PROTO_PEEK : PROTO_PASS;
    case 'E': /* Execute: which portal runs, for the tag fix */
    case 'C': /* Close: statements and portals that go away */
        if (tracking(s))
            return PROTO_WHOLE;
        if (type == 'E')
            expect_execute(&s->expect, EXPECT_PASS);
        return PROTO_PASS;
    case 'S': /* Sync: answered by a ReadyForQuery */
        expect_sync(&s->expect);
        return PROTO_PASS;
    case 'F': /* FunctionCall: answered by FunctionCallResponse and ReadyForQuery */
        expect_query(&s->expect, NULL, 0);
        return PROTO_PASS;
    default:
        return PROTO_PASS;
    }
}

proto_verdict hooks_client_message(session *s, const proto_msg *m, proto_out *out)
{
    proto_verdict v;
    switch (m->type) {
    case 'Q':
        v = on_query(s, m, out);
        rewriting_done(s);
        return v;
    case 'P':
        v = on_parse(s, m, out);
        rewriting_done(s);
        return v;
    case 'B':
        on_bind(s, m, out);
        rewriting_done(s);
        break;
    case 'E':
        on_execute(s, m);
        break;
    case 'C':
        on_close(s, m);
        break;
    }
    return PROTO_FORWARD;
}

/* ---- the server's messages ------------------------------------------------------------- */

proto_policy hooks_server_policy(session *s, uint8_t type)
{
    switch (type) {
    case 'C': /* CommandComplete: "UPDATE 3" may have to read "DELETE 3" */
        s->answer = expect_command_complete(&s->expect);
        return s->answer == EXPECT_PASS ? PROTO_PASS : PROTO_WHOLE;
    case 'I': /* EmptyQueryResponse */
    case 's': /* PortalSuspended */
        expect_execute_done(&s->expect);
        return PROTO_PASS;
    case 'G': /* CopyInResponse: Syncs the client sent during copy-in get no answer */
        s->syncs_pending -= expect_copy_in(&s->expect);
        return PROTO_PASS;
    case '1': /* ParseComplete */
    case '2': /* BindComplete */
    case '3': /* CloseComplete: any may answer a message the proxy sent itself */
        return expect_drop_reply(&s->expect, (char)type) ? PROTO_WHOLE : PROTO_PASS;
    default:
        return PROTO_PASS;
    }
}

static proto_verdict fix_tag(const proto_msg *m, proto_out *out)
{
    const char *tag;
    if (!proto_read_command_complete(m->data, m->len, &tag) || strncmp(tag, "UPDATE ", 7) != 0)
        return PROTO_FORWARD;
    char fixed[64];
    snprintf(fixed, sizeof fixed, "DELETE %s", tag + 7);
    proto_build_command_complete(&out->buf, fixed);
    return PROTO_CONSUMED;
}

/* Errors about a rewritten text look like PostgreSQL's own about the text the client sent:
 * the position (a character index) points into the client's text; the few messages that
 * name the command ("cannot execute UPDATE in a read-only transaction") say DELETE for the
 * client's DELETE; and the context of the helper function or DO block that raised a
 * foreign-key error or a refusal is left out (PostgreSQL's own foreign-key errors have
 * none). */
static proto_verdict fix_error(const proto_msg *m, bool was_delete, const expect_text *text,
                               proto_out *out)
{
    static const char update[] = "cannot execute UPDATE ";
    proto_error_change changes[3];
    int n = 0;
    char position[16], message[512];
    const char *pos = proto_error_field(m->data, m->len, 'P');
    if (pos && text->edits) {
        int p = rw_original_position(text->edits, text->nedits, atoi(pos));
        snprintf(position, sizeof position, "%d", p > text->skip ? p - text->skip : p);
        changes[n++] = (proto_error_change){'P', position};
    }
    const char *msg = proto_error_field(m->data, m->len, 'M');
    const char *context = proto_error_field(m->data, m->len, 'W');
    bool helper = context && strstr(context, "PL/pgSQL function tombstone.");
    bool refusal = context && msg && strncmp(msg, "tombstone:", 10) == 0 &&
                   strstr(context, "inline_code_block");
    if (helper || refusal)
        changes[n++] = (proto_error_change){'W', NULL};
    if (was_delete && msg && strncmp(msg, update, sizeof update - 1) == 0) {
        snprintf(message, sizeof message, "cannot execute DELETE %s", msg + sizeof update - 1);
        changes[n++] = (proto_error_change){'M', message};
    }
    if (!n || !proto_build_error_edit(&out->buf, m->data, m->len, changes, n))
        return PROTO_FORWARD;
    return PROTO_CONSUMED;
}

static proto_verdict on_error(session *s, const proto_msg *m, proto_out *out)
{
    search_path_error(&s->path);
    expect_text text;
    bool was_delete = expect_error(&s->expect, &text);
    proto_verdict v = fix_error(m, was_delete, &text, out);
    free(text.edits);
    return v;
}

static void on_ready(session *s, const proto_msg *m)
{
    char status;
    if (!proto_read_ready(m->data, m->len, &status))
        return;
    expect_ready(&s->expect);
    search_path_ready(&s->path, status);
    /* protocol portals end with their transaction */
    if (status == 'I' && prepared_count(&s->portals))
        prepared_clear(&s->portals);
}

proto_verdict hooks_server_message(session *s, const proto_msg *m, proto_out *out)
{
    switch (m->type) {
    case 'C':
        if (s->answer == EXPECT_DROP)
            return PROTO_CONSUMED; /* the proxy's own statement */
        return s->answer == EXPECT_FIX ? fix_tag(m, out) : PROTO_FORWARD;
    case '1':
    case '2':
    case '3':
        return PROTO_CONSUMED; /* the reply to the proxy's own message: dropped */
    case 'Z':
        on_ready(s, m);
        break;
    case 'E':
        return on_error(s, m, out);
    }
    return PROTO_FORWARD;
}
