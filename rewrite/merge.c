/* rewrite/merge.c — MERGE on soft-delete tables.
 *
 * MERGE INTO t USING s ON c WHEN ...: the target's marked rows must not match (they are gone
 * under real deletes, so a source row meeting one is NOT MATCHED), so the target's live-row
 * predicate joins ON; the source's rows are filtered where they stand (a source row that
 * fails ON would count as NOT MATCHED, so the predicate cannot go into ON). WHEN MATCHED
 * THEN DELETE marks the row instead (under tombstone.deletes = soft), and the foreign-key
 * triggers run the actions. The command tag stays MERGE n. Under tombstone.visibility = all
 * or deleted the target's visible-row predicate joins ON instead. */
#include "rewrite/internal.h"

static void target_visible_only(rw_walk *w, MergeStmt *m, const char *pred, int *on_end)
{
    int on = rw_keyword_before(w, m->joinCondition, "on");
    if (on < 0) {
        rw_refuse(w, "a MERGE whose ON condition could not be located");
        return;
    }
    *on_end = rw_on_expr_end(w, on);
    if (!pred)
        return;
    rw_edit_insert(w, w->toks.tok[on + 1].start, "(");
    rw_edit_insert(w, rw_end_before(w, *on_end), rw_arena_cat(w->arena, ") AND ", pred));
}

/* Where marked rows match, THEN DELETE would mark them again (losing the time that links
 * them to their cascade) or, in the trash, mark nothing. */
static void refuse_unlive(rw_walk *w)
{
    if (w->ctx->mode.visibility == RW_SEE_DELETED)
        rw_refuse_with(w, "0A000", RW_TRASH_DELETE);
    else
        rw_refuse(w, "MERGE ... DELETE under tombstone.visibility = all (it would mark rows marked "
                     "already)");
}

/* WHEN MATCHED THEN DELETE → WHEN MATCHED THEN UPDATE SET m = now() */
static void deletes_mark(rw_walk *w, const rw_table *t, int from)
{
    const char *value = rw_marker_value(t);
    int depth = 0;
    for (int i = from; i < w->toks.n && !(depth == 0 && w->toks.tok[i].kind == RW_TOK_SEMI); i++) {
        rw_tok_kind k = w->toks.tok[i].kind;
        depth += (k == RW_TOK_LPAREN) - (k == RW_TOK_RPAREN);
        if (depth == 0 && rw_tok_is(&w->toks, w->sql, i, "delete") &&
            rw_tok_is(&w->toks, w->sql, i - 1, "then") && !t->delete_ready)
            rw_refuse(w, RW_NO_TRIGGERS("MERGE ... DELETE with foreign-key actions"));
        else if (depth == 0 && rw_tok_is(&w->toks, w->sql, i, "delete") &&
                 rw_tok_is(&w->toks, w->sql, i - 1, "then") &&
                 w->ctx->mode.visibility != RW_SEE_LIVE)
            refuse_unlive(w);
        else if (depth == 0 && rw_tok_is(&w->toks, w->sql, i, "delete") &&
                 rw_tok_is(&w->toks, w->sql, i - 1, "then")) {
            rw_edit_replace(
                w, w->toks.tok[i].start, w->toks.tok[i].end,
                rw_arena_cat(w->arena, "UPDATE SET ", rw_quote(w, t->marker_col), " = ", value));
            rw_explain_note(w, RW_WHY_MARKED, t);
        }
    }
}

static void walk_actions(rw_walk *w, List *clauses, const rw_table *t)
{
    ListCell *lc;
    foreach (lc, clauses) {
        MergeWhenClause *c = lfirst(lc);
        if (c->commandType == CMD_INSERT)
            rw_require_key_triggers(w, t, NIL);
        else if (c->commandType == CMD_UPDATE)
            rw_require_key_triggers(w, t, c->targetList);
        rw_walk_expr(w, c->condition);
        rw_walk_expr(w, (Node *)c->targetList);
        rw_walk_expr(w, (Node *)c->values);
    }
}

void rw_walk_merge(rw_walk *w, MergeStmt *m)
{
    int saved;
    rw_push_ctes(w, m->withClause, &saved);
    const rw_table *t = rw_resolve(w, m->relation);
    for (rw_pending *p = rw_walk_from_item(w, m->sourceRelation); p; p = p->next)
        rw_wrap_leaf(w, p);
    rw_walk_expr(w, m->joinCondition);
    walk_actions(w, m->mergeWhenClauses, t);
    const char *pred = rw_visible_pred(w, t, rw_ref_name(w, m->relation));
    int on_end = -1;
    target_visible_only(w, m, pred, &on_end);
    if (on_end >= 0 && t && t->marker != RW_MARKER_NONE && !w->ctx->mode.hard_deletes)
        deletes_mark(w, t, on_end);
    rw_pop_ctes(w, saved);
}
