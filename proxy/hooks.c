/* proxy/hooks.c — the per-message hooks of an authenticated session (see hooks.h): SQL is
 * rewritten in Query and Parse, and the CommandComplete of a DELETE turned into an UPDATE
 * says "DELETE n" again. The rewriting itself is rewrite/; what this file keeps is which
 * statement, portal and answer is which. */
#include "proxy/hooks.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proxy/catalog.h"
#include "proxy/log.h"
#include "proxy/session.h"
#include "rewrite/cache.h"

/* ---- rewriting ------------------------------------------------------------------------- */

/* What statements are refused with when the database's catalog could not be read: without
 * it nothing can be rewritten safely, and forwarding would leak or really delete rows. */
static const char no_catalog[] =
    "DO $tombstone$BEGIN RAISE EXCEPTION USING ERRCODE = '58000', MESSAGE = 'tombstone: the "
    "catalog of this database could not be read, so statements cannot be rewritten safely; "
    "see the proxy log'; END$tombstone$";

static const rw_result *rewrite(session *s, const char *sql, size_t len)
{
    static rw_result refused = {.sql = (char *)no_catalog, .len = sizeof no_catalog - 1};
    rw_schema *schema = catalog_snapshot(s->catalog);
    if (!schema)
        return &refused;
    rw_context ctx = {schema, (const char *const *)s->path.effective.v, s->path.effective.n,
                      s->standard_strings, s->path.user};
    const rw_result *r = rw_cache_rewrite(s->px->rewrites, &ctx, sql, len);
    if (r->refusal)
        log_msg(CONF_LOG_INFO, "%s: refused: %s", s->peer, r->refusal);
    return r;
}

/* Facts that change the session's state take effect when the statement is sent: statements
 * that fail are rare enough, and the server rejects what depends on them anyway. */
static void apply_facts(session *s, const rw_stmt_facts *f)
{
    if (f->flags & RW_DDL)
        catalog_mark_stale(s->catalog);
    if (f->flags & RW_SEARCH_PATH)
        search_path_set(&s->path, (f->flags & RW_SEARCH_RESET) ? NULL : f->value,
                        f->flags & RW_SET_LOCAL);
    if (f->flags & RW_ROLLBACK)
        search_path_rollback(&s->path);
    if (f->flags & RW_PREPARE)
        prepared_put(&s->statements, f->name, f->prepared_flags & RW_DELETE_TAG, 0, NULL, 0);
    if (f->flags & RW_DEALLOCATE) {
        if (f->name)
            prepared_put(&s->statements, f->name, 0, 0, NULL, 0);
        else
            prepared_clear(&s->statements);
    }
    if (f->flags & RW_DISCARD_ALL) {
        prepared_clear(&s->statements);
        search_path_set(&s->path, NULL, false);
    }
}

/* Does the CommandComplete of statement f need the fix? An SQL EXECUTE takes it from the
 * prepared statement it runs. */
static bool needs_fix(session *s, const rw_stmt_facts *f)
{
    if (f->flags & RW_EXECUTE)
        return prepared_flags(&s->statements, f->name) & RW_DELETE_TAG;
    return f->flags & RW_DELETE_TAG;
}

static proto_verdict on_query(session *s, const proto_msg *m, proto_out *out)
{
    const char *sql = (const char *)m->data + PROTO_HDR_LEN;
    size_t len = m->len - PROTO_HDR_LEN - 1;
    if (m->len <= PROTO_HDR_LEN || sql[len] != '\0' || memchr(sql, '\0', len))
        return PROTO_FORWARD; /* malformed: the server says so */
    const rw_result *r = rewrite(s, sql, len);
    uint8_t stack[64], *fixes = r->nstmts <= 64 ? stack : malloc((size_t)r->nstmts);
    bool any = false;
    if (!fixes)
        abort();
    for (int i = 0; i < r->nstmts; i++) {
        apply_facts(s, &r->stmts[i]);
        any |= fixes[i] = needs_fix(s, &r->stmts[i]);
    }
    expect_query(&s->expect, any ? fixes : NULL, r->nstmts);
    if (fixes != stack)
        free(fixes);
    catalog_refresh(s, s->catalog);
    if (!r->sql)
        return PROTO_FORWARD;
    proto_build_query(&out->buf, r->sql);
    return PROTO_CONSUMED;
}

/* Rewrites a Parse message's query, remembers what the statement needs, and appends the
 * Parse to send (NULL result: send the original). */
static const rw_result *parse_statement(session *s, const uint8_t *msg, size_t len)
{
    proto_parse_fields p;
    if (!proto_read_parse(msg, len, &p))
        return NULL;
    const rw_result *r = rewrite(s, p.query, p.query_len);
    for (int i = 0; i < r->nstmts; i++)
        apply_facts(s, &r->stmts[i]);
    unsigned flags = r->nstmts == 1 && needs_fix(s, &r->stmts[0]) ? RW_DELETE_TAG : 0;
    /* a named statement outlives this search_path: keep what it takes to rewrite it again */
    bool keep = *p.name && r->nstmts == 1 && (r->stmts[0].flags & RW_PATH_DEPENDENT);
    prepared_put(&s->statements, p.name, flags, s->path.version, keep ? msg : NULL, len);
    return r;
}

static proto_verdict on_parse(session *s, const proto_msg *m, proto_out *out)
{
    const rw_result *r = parse_statement(s, m->data, m->len);
    catalog_refresh(s, s->catalog);
    if (!r || !r->sql)
        return PROTO_FORWARD;
    proto_build_parse_like(&out->buf, m->data, m->len, r->sql, r->len);
    return PROTO_CONSUMED;
}

/* The statement about to be bound was rewritten under another search_path: PostgreSQL will
 * resolve its names again, so it is closed and parsed again, rewritten for the current one,
 * before the client's Bind. The client does not see the replies to these two messages. */
static void reprepare(session *s, const char *name, proto_out *out)
{
    const prepared_entry *e = prepared_find(&s->statements, name);
    if (!e || !e->parse || e->path_version == s->path.version)
        return;
    proto_buf parse = {0};
    proto_buf_put(&parse, e->parse, e->parse_len); /* e is replaced by parse_statement */
    proto_build_close(&out->buf, 'S', name);
    expect_own_reply(&s->expect, '3');
    const rw_result *r = parse_statement(s, parse.data, parse.len);
    if (r && r->sql)
        proto_build_parse_like(&out->buf, parse.data, parse.len, r->sql, r->len);
    else
        proto_buf_put(&out->buf, parse.data, parse.len);
    expect_own_reply(&s->expect, '1');
    proto_buf_free(&parse);
}

/* ---- which portal runs which statement ------------------------------------------------- */

/* While no statement or portal carries a flag there is nothing to look up: Bind and Execute
 * stream through and every Execute is known to need no fix. */
static bool tracking(const session *s)
{
    return prepared_count(&s->statements) > 0 || prepared_count(&s->portals) > 0;
}

static void on_bind(session *s, const proto_msg *m, proto_out *out)
{
    const char *portal, *stmt;
    if (!proto_read_bind_names(m->data, m->len, &portal, &stmt))
        return;
    reprepare(s, stmt, out);
    prepared_put(&s->portals, portal, prepared_flags(&s->statements, stmt), 0, NULL, 0);
}

static void on_execute(session *s, const proto_msg *m)
{
    const char *portal;
    uint32_t max_rows;
    bool fix = proto_read_execute(m->data, m->len, &portal, &max_rows) &&
               (prepared_flags(&s->portals, portal) & RW_DELETE_TAG);
    expect_execute(&s->expect, fix);
}

static void on_close(session *s, const proto_msg *m)
{
    char kind;
    const char *name;
    if (proto_read_target(m->data, m->len, &kind, &name))
        prepared_put(kind == 'S' ? &s->statements : &s->portals, name, 0, 0, NULL, 0);
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
            expect_execute(&s->expect, false);
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
    switch (m->type) {
    case 'Q':
        return on_query(s, m, out);
    case 'P':
        return on_parse(s, m, out);
    case 'B':
        on_bind(s, m, out);
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
        s->fix_tag = expect_command_complete(&s->expect);
        return s->fix_tag ? PROTO_WHOLE : PROTO_PASS;
    case 'I': /* EmptyQueryResponse */
    case 's': /* PortalSuspended */
        expect_execute_done(&s->expect);
        return PROTO_PASS;
    case '1': /* ParseComplete */
    case '3': /* CloseComplete: either may answer the proxy's own re-preparation */
        return expect_drop_reply(&s->expect, (char)type) ? PROTO_WHOLE : PROTO_PASS;
    case 'S': /* ParameterStatus: standard_conforming_strings changes how text is lexed */
        return PROTO_WHOLE;
    default:
        return PROTO_PASS;
    }
}

static proto_verdict fix_tag(session *s, const proto_msg *m, proto_out *out)
{
    const char *tag;
    s->fix_tag = false;
    if (!proto_read_command_complete(m->data, m->len, &tag) || strncmp(tag, "UPDATE ", 7) != 0)
        return PROTO_FORWARD;
    char fixed[64];
    snprintf(fixed, sizeof fixed, "DELETE %s", tag + 7);
    proto_build_command_complete(&out->buf, fixed);
    return PROTO_CONSUMED;
}

/* The few errors that name the command: "cannot execute UPDATE in a read-only transaction"
 * is what PostgreSQL says for an UPDATE; for the client's DELETE it says DELETE. */
static proto_verdict fix_error(const proto_msg *m, proto_out *out)
{
    proto_error_fields e;
    static const char prefix[] = "cannot execute UPDATE ";
    if (!proto_read_error(m->data, m->len, &e) || !e.message ||
        strncmp(e.message, prefix, sizeof prefix - 1) != 0)
        return PROTO_FORWARD;
    char message[512];
    snprintf(message, sizeof message, "cannot execute DELETE %s", e.message + sizeof prefix - 1);
    return proto_build_error_with_message(&out->buf, m->data, m->len, message) ? PROTO_CONSUMED
                                                                               : PROTO_FORWARD;
}

static void on_parameter_status(session *s, const proto_msg *m)
{
    proto_reader r = proto_reader_init(m->data, m->len);
    const char *name = proto_read_str(&r), *value = proto_read_str(&r);
    if (!r.bad && strcmp(name, "standard_conforming_strings") == 0)
        s->standard_strings = strcmp(value, "on") == 0;
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
        return s->fix_tag ? fix_tag(s, m, out) : PROTO_FORWARD;
    case '1':
    case '3':
        return PROTO_CONSUMED; /* the reply to the proxy's own message: dropped */
    case 'Z':
        on_ready(s, m);
        break;
    case 'E':
        search_path_error(&s->path);
        if (expect_error(&s->expect))
            return fix_error(m, out);
        break;
    case 'S':
        on_parameter_status(s, m);
        break;
    }
    return PROTO_FORWARD;
}
