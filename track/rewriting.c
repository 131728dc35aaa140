/* track/rewriting.c — the track's use of the rewriter: rewriting a text under the session's
 * search_path and catalog snapshot, and applying what the rewriter learnt about each
 * statement (search_path, temporary tables, prepared statement names, catalog changes). */
#include "track/internal.h"

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

const rw_result *track_rewrite(track *t, const char *text, size_t len)
{
    if (!t->snapshot) {
        t->stats->refused++;
        return no_catalog();
    }
    const track_namespace *ns = &t->names;
    rw_context ctx = {t->snapshot,
                      (const char *const *)ns->now.effective.v,
                      ns->now.effective.n,
                      t->standard_strings,
                      ns->user,
                      (const char *const *)ns->initial.v,
                      ns->initial.n,
                      (const char *const *)ns->now.temp.v,
                      ns->now.temp.n,
                      t->chars,
                      ns->now.effective_mode,
                      ns->initial_mode,
                      NULL};
    const rw_result *r = rw_cache_rewrite(t->cache, &ctx, text, len);
    if (rw_cache_last_hit(t->cache))
        t->stats->cache_hits++;
    else
        t->stats->cache_misses++;
    if (r->refusal)
        t->observer->refused(t->owner, r->refusal);
    else if (r->sql)
        t->observer->rewritten(t->owner, text, r->sql);
    return r;
}

/* A few tests of each statement's flags: the usual statement has none of them. */
void track_count(track *t, const rw_result *r, bool runs)
{
    enum { COUNTED = RW_FILTERED | RW_MARKS | RW_FK_WRITE | RW_UPSERT | RW_REFUSED };
    st_db *s = t->stats;
    if (runs)
        s->queries += (uint64_t)r->nstmts;
    for (int i = 0; i < r->nstmts; i++) {
        unsigned f = r->stmts[i].flags;
        if (!(f & COUNTED))
            continue;
        s->filtered += (f & RW_FILTERED) != 0;
        s->marked += (f & RW_MARKS) != 0;
        s->fk_writes += (f & RW_FK_WRITE) != 0;
        s->upserts += (f & RW_UPSERT) != 0;
        s->refused += (f & RW_REFUSED) != 0;
    }
}

static uint64_t snapshot_version(const track *t)
{
    return t->snapshot ? rw_snapshot_version(t->snapshot) : 0;
}

track_prepared track_prepared_of(const track *t, const rw_stmt_facts *facts, const uint8_t *source,
                                 size_t len, bool sql)
{
    return (track_prepared){
        .facts = *facts,
        .path_version = t->names.version,
        .snapshot_version = snapshot_version(t),
        .source = (uint8_t *)source,
        .source_len = source ? len : 0,
        .sql = sql,
    };
}

bool track_stale(const track *t, const track_prepared *e)
{
    return e->path_version != t->names.version || e->snapshot_version != snapshot_version(t);
}

typedef struct {
    const track *t;
    bool stale;
} stale_scan;

static void note_stale(const char *key, void *value, void *arg)
{
    stale_scan *scan = arg;
    const track_prepared *e = value;
    (void)key;
    scan->stale |= e->source && track_stale(scan->t, e);
}

bool track_names_any_stale(const track *t)
{
    stale_scan scan = {t, false};
    rw_map_each(&t->statements.map, note_stale, &scan);
    return scan.stale;
}

/* An SQL PREPARE is kept as written, to be prepared again if it is executed under another
 * search_path or catalog. */
static void remember_prepare(track *t, const rw_stmt_facts *f, const char *text)
{
    bool keep = text != NULL; /* a PREPAREd query always depends on the catalog */
    rw_stmt_facts run = {.flags = f->prepared_flags & (RW_DELETE_TAG | RW_REREAD)};
    track_prepared e = track_prepared_of(t, &run, keep ? (const uint8_t *)text + f->start : NULL,
                                         (size_t)f->len, true);
    track_names_put(&t->statements, f->name, &e);
}

static void apply_names(track *t, const rw_stmt_facts *f)
{
    track_namespace *ns = &t->names;
    if (f->flags & RW_SEARCH_PATH)
        track_ns_set(ns, (f->flags & RW_SEARCH_RESET) ? NULL : f->value, f->flags & RW_SET_LOCAL);
    if (f->flags & RW_ROLLBACK)
        track_ns_rollback(ns);
    if (f->flags & RW_SAVEPOINT)
        track_ns_savepoint(ns, f->name);
    if (f->flags & RW_RELEASE)
        track_ns_release(ns, f->name);
    if (f->flags & RW_ROLLBACK_TO)
        track_ns_rollback_to(ns, f->name);
    if (f->flags & RW_TEMP_TABLE)
        track_ns_temp_created(ns, f->name);
    if (f->flags & RW_DROP_TABLES)
        track_ns_tables_dropped(ns, f->value);
    if (f->flags & (RW_DISCARD_TEMP | RW_DISCARD_ALL))
        track_ns_discard_temp(ns);
    if (f->flags & RW_MODE)
        track_ns_set_mode(ns, f->name, f->value, f->flags & RW_SET_LOCAL);
    if (f->flags & RW_REREAD)
        t->reread = true;
    if (f->flags & (RW_RESET_ALL | RW_DISCARD_ALL))
        track_ns_reset_modes(ns);
}

/* Facts take effect when the statement is sent (or executed): statements that then fail
 * are rare enough, and the server rejects what depends on them anyway. */
void track_apply(track *t, const rw_stmt_facts *f, const char *text, track_moment when)
{
    if (when != TRACK_AT_EXECUTE && (f->flags & RW_PREPARE))
        remember_prepare(t, f, text);
    if (when == TRACK_AT_PARSE)
        return;
    if (f->flags & RW_DDL)
        t->ddl = true;
    if ((f->flags & RW_DDL) && !(f->flags & RW_INDEX))
        t->alters = true;
    if (f->flags & RW_TRANSACTION)
        t->ends_tx = true;
    if (f->flags & RW_ROLLBACK_TO)
        t->undo = true;
    apply_names(t, f);
    if ((f->flags & RW_EXECUTE) && (track_names_flags(&t->statements, f->name) & RW_REREAD))
        t->reread = true;
    if (f->flags & RW_DEALLOCATE) {
        if (f->name)
            track_names_put(&t->statements, f->name, NULL);
        else
            track_names_clear(&t->statements);
    }
    if (f->flags & RW_DISCARD_ALL) {
        track_names_clear(&t->statements);
        track_ns_reset_user(&t->names);
        track_ns_set(&t->names, NULL, false);
    }
}

track_answer track_answer_of(const track *t, const rw_stmt_facts *f)
{
    if (f->flags & RW_REFUSED)
        return TRACK_REFUSED;
    return track_needs_fix(t, f) ? TRACK_FIX : TRACK_PASS;
}

bool track_needs_fix(const track *t, const rw_stmt_facts *f)
{
    if (f->flags & RW_EXECUTE)
        return track_names_flags(&t->statements, f->name) & RW_DELETE_TAG;
    return f->flags & RW_DELETE_TAG;
}
