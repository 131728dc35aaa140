/* rewrite/predicates.c — the text of the predicates the rewriter adds.
 *
 * A soft-delete table's rows are live when the marker says so; the predicate is the one a
 * partial index on live rows can use ("deleted_at IS NULL", "NOT is_deleted").
 * A table without a marker loses rows under a real delete only through ON DELETE CASCADE:
 * its row is gone when a row it references through a cascading key is gone. That is a
 * NOT EXISTS on the parent's primary-key index, recursively through unmarked parents. */
#include "rewrite/internal.h"

enum { MAX_CHAIN = 8 }; /* unmarked tables in one cascade chain that are followed */

const char *rw_marker_value(const rw_table *t)
{
    return t->marker == RW_MARKER_BOOL ? "true" : "now()";
}

static const char *marker_test(rw_walk *w, const rw_table *t, const char *ref, bool gone)
{
    const char *col = rw_quote(w, t->marker_col);
    if (t->marker == RW_MARKER_BOOL)
        return rw_arena_cat(w->arena, gone ? "" : "NOT ", ref, ".", col);
    return rw_arena_cat(w->arena, ref, ".", col, " IS ", gone ? "NOT " : "", "NULL");
}

static bool on_path(const rw_table *const *path, int depth, const rw_table *t)
{
    for (int i = 0; i < depth; i++)
        if (path[i] == t)
            return true;
    return false;
}

static const char *gone_pred(rw_walk *w, const rw_table *t, const char *ref, const rw_table **path,
                             int depth);

/* "EXISTS (SELECT 1 FROM parent a WHERE a.k = ref.fk AND <parent row gone>)" */
static const char *parent_gone(rw_walk *w, const rw_fk *fk, const char *ref, const rw_table **path,
                               int depth)
{
    const char *alias = rw_arena_printf(w->arena, "_tomb$%d", ++w->alias_seq);
    const char *cond = gone_pred(w, fk->parent, alias, path, depth);
    if (!cond)
        return NULL;
    for (int i = fk->ncols - 1; i >= 0; i--)
        cond = rw_arena_printf(w->arena, "%s.%s = %s.%s AND %s", alias,
                               rw_quote(w, fk->parent_cols[i]), ref, rw_quote(w, fk->child_cols[i]),
                               cond);
    return rw_arena_cat(w->arena, "EXISTS (SELECT 1 FROM ", rw_qualified(w, fk->parent), " ", alias,
                        " WHERE ", cond, ")");
}

static bool cascades_from_affected(const rw_fk *fk, const rw_table **path, int depth)
{
    return fk->on_delete == RW_FK_CASCADE && rw_table_affected(fk->parent) &&
           !on_path(path, depth, fk->parent);
}

/* The condition under which the row `ref` of t would not exist under real deletes; NULL
 * when it always exists. */
static const char *gone_pred(rw_walk *w, const rw_table *t, const char *ref, const rw_table **path,
                             int depth)
{
    if (t->marker != RW_MARKER_NONE)
        return marker_test(w, t, ref, true);
    if (depth == MAX_CHAIN)
        return NULL;
    path[depth++] = t;
    const char *any = NULL;
    int terms = 0;
    for (int i = 0; i < t->nparents; i++) {
        if (!cascades_from_affected(t->parents[i], path, depth))
            continue;
        const char *e = parent_gone(w, t->parents[i], ref, path, depth);
        if (e && terms++)
            any = rw_arena_cat(w->arena, any, " OR ", e);
        else if (e)
            any = e;
    }
    return terms > 1 ? rw_arena_cat(w->arena, "(", any, ")") : any;
}

const char *rw_live_pred(rw_walk *w, const rw_table *t, const char *ref)
{
    if (!t || !rw_table_affected(t))
        return NULL;
    if (t->marker != RW_MARKER_NONE) {
        rw_explain_note(w, RW_WHY_FILTERED, t);
        return marker_test(w, t, ref, false);
    }
    const rw_table *path[MAX_CHAIN];
    const char *gone = gone_pred(w, t, ref, path, 0);
    if (!gone)
        return NULL;
    rw_explain_note(w, RW_WHY_FILTERED, t);
    return rw_arena_cat(w->arena, "NOT ", gone);
}

/* In the trash (visibility = deleted) a table shows what a real delete would have taken:
 * the marked rows of a soft-delete table, the hidden rows of a table without marker that a
 * cascade reaches. A table that loses no rows to deletes shows all of them there too: it is
 * what the deleted rows still refer to. */
const char *rw_visible_pred(rw_walk *w, const rw_table *t, const char *ref)
{
    switch (w->ctx->mode.visibility) {
    case RW_SEE_ALL:
        return NULL;
    case RW_SEE_DELETED: {
        if (!t || !rw_table_affected(t))
            return NULL;
        rw_explain_note(w, RW_WHY_FILTERED, t);
        if (t->marker != RW_MARKER_NONE)
            return marker_test(w, t, ref, true);
        const rw_table *path[MAX_CHAIN];
        const char *gone = gone_pred(w, t, ref, path, 0);
        return gone ? gone : "false";
    }
    default:
        return rw_live_pred(w, t, ref);
    }
}

const char *rw_join_preds(rw_walk *w, const rw_pending *p)
{
    const char *s = p->text;
    for (p = p->next; p; p = p->next)
        s = rw_arena_cat(w->arena, s, " AND ", p->text);
    return s;
}
