/* proxy/rewriting.c — a session's use of the rewriter. */
#include "proxy/rewriting.h"

#include "proxy/catalog.h"
#include "proxy/log.h"
#include "proxy/session.h"
#include "rewrite/cache.h"

#include <string.h>

/* What statements are refused with when the database's catalog could not be read: without
 * it nothing can be rewritten safely, and forwarding would leak or really delete rows. */
static const rw_result *no_catalog(void)
{
    static rw_result refused;
    if (!refused.sql) {
        refused.sql = rw_raise_statement(
            "58000", "tombstone: the catalog of this database could not be read, so statements "
                     "cannot be rewritten safely; see the proxy log");
        refused.len = strlen(refused.sql);
    }
    return &refused;
}

const rw_result *rewriting_rewrite(session *s, const char *text, size_t len)
{
    rw_schema *schema = catalog_snapshot(s->catalog);
    if (!schema)
        return no_catalog();
    const search_path *sp = &s->path;
    rw_context ctx = {schema,
                      (const char *const *)sp->now.effective.v,
                      sp->now.effective.n,
                      s->standard_strings,
                      sp->user,
                      (const char *const *)sp->initial.v,
                      sp->initial.n,
                      (const char *const *)sp->now.temp.v,
                      sp->now.temp.n,
                      s->chars};
    const rw_result *r = rw_cache_rewrite(s->px->rewrites, &ctx, text, len);
    if (r->refusal)
        log_msg(CONF_LOG_INFO, "%s: refused: %s", s->peer, r->refusal);
    else if (r->sql && log_enabled(CONF_LOG_DEBUG))
        log_msg(CONF_LOG_DEBUG, "%s: rewritten: %s", s->peer, r->sql);
    return r;
}

unsigned rewriting_path_version(const session *s)
{
    return s->path.version;
}

uint64_t rewriting_schema_version(const session *s)
{
    rw_schema *schema = catalog_snapshot(s->catalog);
    return schema ? rw_schema_version(schema) : 0;
}

/* An SQL PREPARE whose names depend on the search_path is kept as written, to be prepared
 * again if it is executed under another search_path or catalog. */
static void remember_prepare(session *s, const rw_stmt_facts *f, const char *text)
{
    bool keep = text && (f->flags & RW_PATH_DEPENDENT);
    prepared_entry e = {
        .facts = {.flags = f->prepared_flags & RW_DELETE_TAG},
        .path_version = rewriting_path_version(s),
        .schema_version = rewriting_schema_version(s),
        .source = keep ? (uint8_t *)text + f->start : NULL,
        .source_len = keep ? (size_t)f->len : 0,
        .sql = true,
    };
    prepared_put(&s->statements, f->name, &e);
}

static void apply_names(session *s, const rw_stmt_facts *f)
{
    search_path *sp = &s->path;
    if (f->flags & RW_SEARCH_PATH)
        search_path_set(sp, (f->flags & RW_SEARCH_RESET) ? NULL : f->value,
                        f->flags & RW_SET_LOCAL);
    if (f->flags & RW_ROLLBACK)
        search_path_rollback(sp);
    if (f->flags & RW_SAVEPOINT)
        search_path_savepoint(sp, f->name);
    if (f->flags & RW_RELEASE)
        search_path_release(sp, f->name);
    if (f->flags & RW_ROLLBACK_TO)
        search_path_rollback_to(sp, f->name);
    if (f->flags & RW_TEMP_TABLE)
        search_path_temp_created(sp, f->name);
    if (f->flags & RW_DROP_TABLES)
        search_path_tables_dropped(sp, f->value);
    if (f->flags & (RW_DISCARD_TEMP | RW_DISCARD_ALL))
        search_path_discard_temp(sp);
}

/* Facts take effect when the statement is sent (or executed): statements that then fail
 * are rare enough, and the server rejects what depends on them anyway. */
void rewriting_apply(session *s, const rw_stmt_facts *f, const char *text, facts_moment when)
{
    if (when != FACTS_EXECUTE && (f->flags & RW_PREPARE))
        remember_prepare(s, f, text);
    if (when == FACTS_PARSE)
        return;
    if (f->flags & RW_DDL)
        catalog_mark_stale(s->catalog);
    apply_names(s, f);
    if (f->flags & RW_DEALLOCATE) {
        if (f->name)
            prepared_put(&s->statements, f->name, NULL);
        else
            prepared_clear(&s->statements);
    }
    if (f->flags & RW_DISCARD_ALL) {
        prepared_clear(&s->statements);
        search_path_set(&s->path, NULL, false);
    }
}

bool rewriting_needs_fix(session *s, const rw_stmt_facts *f)
{
    if (f->flags & RW_EXECUTE)
        return prepared_flags(&s->statements, f->name) & RW_DELETE_TAG;
    return f->flags & RW_DELETE_TAG;
}
