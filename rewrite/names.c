/* rewrite/names.c — which table a name in FROM means, as PostgreSQL resolves it: a schema
 * written out, else a CTE of that name in scope (it shadows tables), else the first schema
 * of the session's search_path that has a relation of that name. */
#include "rewrite/internal.h"
#include "rewrite/quote.h"

#include "utils/builtins.h"

#include <string.h>

const rw_table *rw_resolve(rw_walk *w, const RangeVar *rv)
{
    const rw_snapshot *s = w->ctx->snapshot;
    if (!s || !rw_snapshot_has_name(s, rv->relname))
        return NULL;
    if (rv->schemaname)
        return rw_snapshot_lookup(s, rv->schemaname, rv->relname);
    for (int i = w->nctes - 1; i >= 0; i--)
        if (strcmp(w->ctes[i], rv->relname) == 0)
            return NULL;
    w->facts->flags |= RW_PATH_DEPENDENT;
    for (int i = 0; i < w->ctx->ntemp_tables; i++)
        if (strcmp(w->ctx->temp_tables[i], rv->relname) == 0)
            return NULL;
    for (int i = 0; i < w->ctx->nsearch_path; i++) {
        const rw_table *t = rw_snapshot_lookup(s, w->ctx->search_path[i], rv->relname);
        if (t)
            return t;
    }
    return NULL;
}

const char *rw_quote(rw_walk *w, const char *ident)
{
    (void)w;
    return quote_identifier(ident); /* palloc'd: lives until the rewrite ends */
}

const char *rw_ref_name(rw_walk *w, const RangeVar *rv)
{
    if (rv->alias)
        return rw_quote(w, rv->alias->aliasname);
    const char *rel = rw_quote(w, rv->relname);
    if (!rv->schemaname)
        return rel;
    const char *schema = rw_quote(w, rv->schemaname);
    if (!rv->catalogname)
        return rw_arena_cat(w->arena, schema, ".", rel);
    return rw_arena_cat(w->arena, rw_quote(w, rv->catalogname), ".", schema, ".", rel);
}

const char *rw_qualified(rw_walk *w, const rw_table *t)
{
    return rw_arena_cat(w->arena, rw_quote(w, t->schema), ".", rw_quote(w, t->name));
}

void rw_push_cte_name(rw_walk *w, const char *name)
{
    if (w->nctes == w->capctes) {
        w->capctes = w->capctes ? 2 * w->capctes : 8;
        const char **bigger = rw_arena_alloc(w->arena, (size_t)w->capctes * sizeof *bigger);
        if (w->nctes)
            memcpy(bigger, w->ctes, (size_t)w->nctes * sizeof *bigger);
        w->ctes = bigger;
    }
    w->ctes[w->nctes++] = name;
}

/* A recursive WITH makes every name visible to every member; otherwise a CTE sees only
 * those before it. Each CTE body is walked in the scope it really has. */
void rw_push_ctes(rw_walk *w, WithClause *with, int *saved)
{
    *saved = w->nctes;
    if (!with)
        return;
    ListCell *lc;
    if (with->recursive)
        foreach (lc, with->ctes)
            rw_push_cte_name(w, ((CommonTableExpr *)lfirst(lc))->ctename);
    foreach (lc, with->ctes) {
        CommonTableExpr *cte = lfirst(lc);
        rw_walk_dml(w, cte->ctequery);
        if (!with->recursive)
            rw_push_cte_name(w, cte->ctename);
    }
}

void rw_pop_ctes(rw_walk *w, int saved)
{
    w->nctes = saved;
}

const char *rw_sql_literal(rw_walk *w, const char *s)
{
    char *out = rw_arena_alloc(w->arena, RW_LITERAL_SIZE(strlen(s)));
    rw_literal_put(out, s);
    return out;
}

const char *rw_dollar_quote(rw_walk *w, const char *text)
{
    size_t len = strlen(text);
    char *out = rw_arena_alloc(w->arena, RW_DOLLAR_SIZE(len));
    rw_dollar_put(out, text, len);
    return out;
}
