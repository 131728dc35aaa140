/* rewrite/joins.c — FROM items and where their predicates go.
 *
 * A table reference's predicate can be applied at any point above it where its rows are not
 * null-extended: for a plain FROM list and inner joins that is the select's WHERE. On the
 * nullable side of an outer join it must go into that join's ON, else the outer join turns
 * into an inner one. Where there is no ON to extend (USING, NATURAL) and for FULL joins
 * (whose both sides are nullable), the reference is filtered where it stands:
 *     t            →  (t JOIN (SELECT) AS _tomb$1 ON t.deleted_at IS NULL)
 * which keeps t a base table (FOR UPDATE, primary-key grouping) and adds no columns, so
 * SELECT *, USING and NATURAL see exactly what they saw. */
#include "rewrite/internal.h"

static rw_pending *pending(rw_walk *w, const char *text, int start, int end)
{
    rw_pending *p = rw_arena_alloc(w->arena, sizeof *p);
    p->text = text;
    p->leaf_start = start;
    p->leaf_end = end;
    return p;
}

static rw_pending *concat(rw_pending *a, rw_pending *b)
{
    if (!a)
        return b;
    rw_pending *p = a;
    while (p->next)
        p = p->next;
    p->next = b;
    return a;
}

/* A table reference and the span of text that names it (for wrapping in place). */
static rw_pending *table_ref(rw_walk *w, RangeVar *rv, int end_override)
{
    const char *pred = rw_visible_pred(w, rw_resolve(w, rv), rw_ref_name(w, rv));
    if (!pred)
        return NULL;
    int start, end;
    rw_range_span(w, rv, &start, &end);
    if (start < 0) {
        rw_refuse(w, "a table reference whose text could not be located");
        return NULL;
    }
    return pending(w, pred, start, end_override > end ? end_override : end);
}

void rw_wrap_leaf(rw_walk *w, const rw_pending *p)
{
    rw_edit_insert(w, p->leaf_start, "(");
    rw_edit_insert(
        w, p->leaf_end,
        rw_arena_printf(w->arena, " JOIN (SELECT) AS _tomb$%d ON %s)", ++w->alias_seq, p->text));
}

static void wrap_leaves(rw_walk *w, const rw_pending *p)
{
    for (; p; p = p->next)
        rw_wrap_leaf(w, p);
}

static bool has_on(const JoinExpr *j)
{
    return j->quals && !j->usingClause && !j->isNatural;
}

static void add_to_on(rw_walk *w, JoinExpr *j, const rw_pending *preds)
{
    int on = rw_keyword_before(w, j->quals, "on");
    if (on < 0) {
        rw_refuse(w, "a join condition whose text could not be located");
        return;
    }
    int end = rw_on_expr_end(w, on);
    rw_edit_insert(w, w->toks.tok[on + 1].start, "(");
    rw_edit_insert(w, rw_end_before(w, end),
                   rw_arena_cat(w->arena, ") AND ", rw_join_preds(w, preds)));
}

/* Applies predicates at join j to rows that j may null-extend. */
static void filter_nullable(rw_walk *w, JoinExpr *j, rw_pending *preds)
{
    if (!preds)
        return;
    if (has_on(j))
        add_to_on(w, j, preds);
    else
        wrap_leaves(w, preds);
}

static rw_pending *walk_join(rw_walk *w, JoinExpr *j)
{
    rw_pending *l = rw_walk_from_item(w, j->larg), *r = rw_walk_from_item(w, j->rarg), *up;
    rw_walk_expr(w, j->quals);
    switch (j->jointype) {
    case JOIN_INNER:
        up = concat(l, r);
        break;
    case JOIN_LEFT:
        filter_nullable(w, j, r);
        up = l;
        break;
    case JOIN_RIGHT:
        filter_nullable(w, j, l);
        up = r;
        break;
    case JOIN_FULL:
        wrap_leaves(w, concat(l, r));
        return NULL;
    default:
        rw_refuse(w, "a join of an unsupported kind");
        return NULL;
    }
    /* an aliased join hides the tables inside it from the rest of the query */
    if (j->alias && up) {
        if (j->jointype == JOIN_INNER && has_on(j))
            add_to_on(w, j, up);
        else
            wrap_leaves(w, up);
        return NULL;
    }
    return up;
}

/* The end of "TABLESAMPLE method (args) [REPEATABLE (seed)]" after a table reference. */
static int sample_end(rw_walk *w, RangeTableSample *ts)
{
    int loc = ts->repeatable ? rw_expr_min_location(ts->repeatable) : -1;
    ListCell *lc;
    foreach (lc, ts->args) {
        int l = rw_expr_min_location(lfirst(lc));
        loc = l > loc ? l : loc;
    }
    if (loc < 0)
        return -1;
    /* the closing parenthesis after the last argument ends the clause */
    int i = rw_tok_at(&w->toks, loc), depth = 0;
    for (; i < w->toks.n; i++) {
        rw_tok_kind k = w->toks.tok[i].kind;
        if (k == RW_TOK_LPAREN)
            depth++;
        else if (k == RW_TOK_RPAREN && depth-- == 0)
            return w->toks.tok[i].end;
    }
    return -1;
}

static rw_pending *walk_sample(rw_walk *w, RangeTableSample *ts)
{
    rw_walk_expr(w, (Node *)ts->args);
    rw_walk_expr(w, ts->repeatable);
    if (!IsA(ts->relation, RangeVar)) {
        rw_refuse(w, "TABLESAMPLE on something other than a table");
        return NULL;
    }
    return table_ref(w, (RangeVar *)ts->relation, sample_end(w, ts));
}

static void walk_functions(rw_walk *w, RangeFunction *f)
{
    ListCell *lc;
    foreach (lc, f->functions)
        rw_walk_expr(w, linitial((List *)lfirst(lc))); /* (call, column definitions) */
}

rw_pending *rw_walk_from_item(rw_walk *w, Node *item)
{
    switch (nodeTag(item)) {
    case T_RangeVar:
        return table_ref(w, (RangeVar *)item, -1);
    case T_JoinExpr:
        return walk_join(w, (JoinExpr *)item);
    case T_RangeSubselect:
        rw_walk_dml(w, ((RangeSubselect *)item)->subquery);
        return NULL;
    case T_RangeFunction:
        walk_functions(w, (RangeFunction *)item);
        return NULL;
    case T_RangeTableSample:
        return walk_sample(w, (RangeTableSample *)item);
    case T_RangeTableFunc:
        rw_walk_expr(w, ((RangeTableFunc *)item)->docexpr);
        rw_walk_expr(w, ((RangeTableFunc *)item)->rowexpr);
        return NULL;
    default:
        w->unknown_node = "a FROM item of an unsupported kind";
        return NULL;
    }
}

rw_pending *rw_walk_from_list(rw_walk *w, List *items)
{
    rw_pending *all = NULL;
    ListCell *lc;
    foreach (lc, items)
        all = concat(all, rw_walk_from_item(w, lfirst(lc)));
    return all;
}
