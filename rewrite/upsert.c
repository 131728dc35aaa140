/* rewrite/upsert.c — INSERT ... ON CONFLICT on a soft-delete table.
 *
 * Unique indexes of soft-delete tables should be partial (WHERE deleted_at IS NULL) so that
 * a marked row frees its key. PostgreSQL then only infers such an index for ON CONFLICT
 * (email) if the statement repeats its predicate; the application wrote the statement for
 * the full index it had before, so the predicate is added:
 *     ON CONFLICT (email) DO ...  →  ON CONFLICT (email) WHERE (deleted_at IS NULL) DO ...
 * And an upsert never lands on a marked row (with a full index or a primary key, a marked
 * row still holds its key; a hidden row of a table without marker always does): DO UPDATE
 * gets the target's live-row predicate in its WHERE (its visible-row predicate under
 * tombstone.visibility = all or deleted). */
#include "rewrite/internal.h"

#include <string.h>

/* Does the inference list name exactly the columns of the index? */
static bool same_columns(const InferClause *infer, const rw_unique *u)
{
    if (list_length(infer->indexElems) != u->ncols)
        return false;
    ListCell *lc;
    foreach (lc, infer->indexElems) {
        IndexElem *e = lfirst(lc);
        bool found = false;
        for (int i = 0; e->name && i < u->ncols; i++)
            found |= strcmp(e->name, u->cols[i]) == 0;
        if (!found)
            return false;
    }
    return true;
}

static const rw_unique *partial_index_for(const InferClause *infer, const rw_table *t)
{
    for (int i = 0; i < t->nuniques; i++)
        if (t->uniques[i].predicate && same_columns(infer, &t->uniques[i]))
            return &t->uniques[i];
    return NULL;
}

/* Adds the index predicate after the inference list's closing parenthesis, or to the
 * inference's own WHERE (which a full index satisfies whatever it says, a partial one only
 * if it implies the index's predicate). */
static void infer_partial(rw_walk *w, const InferClause *infer, const rw_table *t)
{
    const rw_unique *u = partial_index_for(infer, t);
    if (!u)
        return;
    int first = rw_tok_at(&w->toks, infer->location);
    for (; first < w->toks.n && w->toks.tok[first].kind != RW_TOK_LPAREN; first++)
        ;
    int close = rw_tok_match_paren(&w->toks, first), end = close + 1;
    if (infer->whereClause) {
        for (; end < w->toks.n && !rw_tok_is(&w->toks, w->sql, end, "do"); end++)
            if (w->toks.tok[end].kind == RW_TOK_LPAREN)
                end = rw_tok_match_paren(&w->toks, end);
    }
    if (close >= w->toks.n || end >= w->toks.n ||
        (infer->whereClause && !rw_tok_is(&w->toks, w->sql, close + 1, "where"))) {
        rw_refuse(w, "an ON CONFLICT clause whose text could not be located");
        return;
    }
    if (!infer->whereClause) {
        rw_edit_insert(w, w->toks.tok[close].end, rw_arena_cat(w->arena, " WHERE ", u->predicate));
        return;
    }
    rw_edit_insert(w, w->toks.tok[close + 2].start, "(");
    rw_edit_insert(w, rw_end_before(w, end), rw_arena_cat(w->arena, ") AND ", u->predicate));
}

/* DO UPDATE SET ... [WHERE c]: the conflicting row must be one the session sees (live,
 * unless tombstone.visibility says otherwise). */
static void update_visible_only(rw_walk *w, const OnConflictClause *oc, const rw_table *t,
                                const RangeVar *target)
{
    const char *ref =
        target->alias ? rw_quote(w, target->alias->aliasname) : rw_quote(w, target->relname);
    rw_pending own = {.text = rw_visible_pred(w, t, ref)};
    if (!own.text)
        return;
    int set = rw_tok_at(&w->toks, oc->location);
    while (set < w->toks.n && !rw_tok_is(&w->toks, w->sql, set, "set"))
        set++;
    if (set >= w->toks.n) {
        rw_refuse(w, "an ON CONFLICT DO UPDATE whose text could not be located");
        return;
    }
    rw_clauses c;
    rw_clauses_scan(w, set + 1, 1u << RW_CL_WHERE | 1u << RW_CL_RETURNING, &c);
    int where = c.at[RW_CL_WHERE];
    int ret = c.at[RW_CL_RETURNING] >= 0 ? c.at[RW_CL_RETURNING] : c.end;
    rw_add_where(w, oc->whereClause, where, rw_clause_next(&c, where), ret, &own);
}

void rw_upsert(rw_walk *w, InsertStmt *ins, const rw_table *t)
{
    OnConflictClause *oc = ins->onConflictClause;
    if (!oc || !t || !rw_table_affected(t))
        return;
    int edits = w->nedits;
    if (oc->infer && oc->infer->indexElems && t->marker != RW_MARKER_NONE)
        infer_partial(w, oc->infer, t);
    if (oc->action == ONCONFLICT_UPDATE)
        update_visible_only(w, oc, t, ins->relation);
    if (w->nedits > edits)
        w->facts->flags |= RW_UPSERT;
}
