/* rewrite/selects.c — SELECT at every level: its FROM items' predicates go to its WHERE. */
#include "rewrite/internal.h"

enum {
    SELECT_CLAUSES = 1u << RW_CL_FROM | 1u << RW_CL_INTO | 1u << RW_CL_WHERE | 1u << RW_CL_GROUP |
                     1u << RW_CL_HAVING | 1u << RW_CL_WINDOW | 1u << RW_CL_ORDER |
                     1u << RW_CL_LIMIT | 1u << RW_CL_OFFSET | 1u << RW_CL_FETCH | 1u << RW_CL_FOR
};

void rw_add_where(rw_walk *w, Node *where, int where_kw, int where_end, int insert_before,
                  const rw_pending *preds)
{
    const char *text = rw_join_preds(w, preds);
    if (!where) {
        rw_edit_insert(w, rw_end_before(w, insert_before), rw_arena_cat(w->arena, " WHERE ", text));
        return;
    }
    /* the keyword found by scanning must be the one the tree's expression follows */
    if (where_kw < 0 || rw_keyword_before(w, where, "where") != where_kw) {
        rw_refuse(w, "a WHERE clause whose text could not be located");
        return;
    }
    rw_edit_insert(w, w->toks.tok[where_kw + 1].start, "(");
    rw_edit_insert(w, rw_end_before(w, where_end), rw_arena_cat(w->arena, ") AND ", text));
}

/* A token at the select's own depth to scan its clauses from: its first output column, or
 * for TABLE t (no written columns) the table name. */
static int select_anchor(rw_walk *w, SelectStmt *s)
{
    int loc = -1;
    if (s->targetList)
        loc = ((ResTarget *)linitial(s->targetList))->location;
    if (loc < 0 && s->fromClause && IsA(linitial(s->fromClause), RangeVar))
        loc = ((RangeVar *)linitial(s->fromClause))->location;
    int i = loc < 0 ? -1 : rw_tok_at(&w->toks, loc);
    return (i >= 0 && i < w->toks.n && w->toks.tok[i].start == loc) ? i : -1;
}

static void walk_leaf(rw_walk *w, SelectStmt *s)
{
    rw_pending *preds = rw_walk_from_list(w, s->fromClause);
    rw_walk_expr(w, (Node *)s->targetList);
    rw_walk_expr(w, s->whereClause);
    rw_walk_expr(w, (Node *)s->groupClause);
    rw_walk_expr(w, s->havingClause);
    rw_walk_expr(w, (Node *)s->windowClause);
    rw_walk_expr(w, (Node *)s->distinctClause);
    if (!preds)
        return;
    int anchor = select_anchor(w, s);
    if (anchor < 0) {
        rw_refuse(w, "a SELECT without output columns over a join or subquery");
        return;
    }
    /* TABLE t takes no WHERE: it becomes the SELECT * FROM t it stands for */
    if (rw_tok_is(&w->toks, w->sql, anchor - 1, "table") &&
        ((ResTarget *)linitial(s->targetList))->location < 0)
        rw_edit_replace(w, w->toks.tok[anchor - 1].start, w->toks.tok[anchor - 1].end,
                        "SELECT * FROM");
    rw_clauses c;
    rw_clauses_scan(w, anchor, SELECT_CLAUSES, &c);
    int from = c.at[RW_CL_FROM] >= 0 ? c.at[RW_CL_FROM] : anchor;
    int where = c.at[RW_CL_WHERE];
    rw_add_where(w, s->whereClause, where, rw_clause_next(&c, where), rw_clause_next(&c, from),
                 preds);
}

void rw_walk_select(rw_walk *w, SelectStmt *s)
{
    int saved;
    rw_push_ctes(w, s->withClause, &saved);
    if (s->op != SETOP_NONE) {
        rw_walk_select(w, s->larg);
        rw_walk_select(w, s->rarg);
    } else if (s->valuesLists) {
        rw_walk_expr(w, (Node *)s->valuesLists);
    } else {
        walk_leaf(w, s);
    }
    rw_walk_expr(w, (Node *)s->sortClause);
    rw_walk_expr(w, s->limitOffset);
    rw_walk_expr(w, s->limitCount);
    rw_pop_ctes(w, saved);
}
