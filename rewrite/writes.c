/* rewrite/writes.c — DELETE, UPDATE, INSERT and COPY.
 *
 * DELETE FROM t [AS a] [USING u] [WHERE c] [RETURNING r] on a soft-delete table becomes
 *   UPDATE t [AS a] SET deleted_at = now() [FROM u] WHERE (c) AND a.deleted_at IS NULL
 *   [RETURNING r']
 * where r' shows the marker as a real DELETE would return it: NULL (or false).
 * Under tombstone.deletes = hard a DELETE stays one. The rows UPDATE, DELETE and COPY ... TO
 * reach are those tombstone.visibility shows (rw_visible_pred): live ones by default, all,
 * or the deleted ones (the trash). */
#include "rewrite/internal.h"

#include <string.h>

enum {
    DELETE_CLAUSES = 1u << RW_CL_USING | 1u << RW_CL_WHERE | 1u << RW_CL_RETURNING,
    UPDATE_CLAUSES = 1u << RW_CL_SET | 1u << RW_CL_FROM | 1u << RW_CL_WHERE | 1u << RW_CL_RETURNING,
};

static int token_at(rw_walk *w, int loc)
{
    int i = rw_tok_at(&w->toks, loc);
    return (loc >= 0 && i < w->toks.n && w->toks.tok[i].start == loc) ? i : -1;
}

/* Adds the target's own predicate and the FROM/USING predicates to the WHERE of an UPDATE
 * or DELETE whose target name is at token `anchor`. */
static void filter_target(rw_walk *w, int anchor, unsigned clauses, Node *where, rw_pending *preds)
{
    if (!preds)
        return;
    rw_clauses c;
    rw_clauses_scan(w, anchor, clauses, &c);
    int ret = c.at[RW_CL_RETURNING] >= 0 ? c.at[RW_CL_RETURNING] : c.end;
    int kw = c.at[RW_CL_WHERE];
    rw_add_where(w, where, kw, rw_clause_next(&c, kw), ret, preds);
}

/* Puts the target's predicate first, unless WHERE CURRENT OF already names a live row. */
static rw_pending *with_target(rw_walk *w, const char *own, rw_pending *from, Node *where)
{
    if (where && IsA(where, CurrentOfExpr)) {
        if (from)
            rw_refuse(w, "WHERE CURRENT OF together with FROM or USING");
        return NULL;
    }
    if (!own)
        return from;
    rw_pending *p = rw_arena_alloc(w->arena, sizeof *p);
    p->text = own;
    p->next = from;
    return p;
}

static const char *marker_type(const rw_table *t)
{
    for (int i = 0; i < t->ncols; i++)
        if (t->cols[i].name && strcmp(t->cols[i].name, t->marker_col) == 0)
            return t->cols[i].type;
    return "timestamp with time zone";
}

/* What a real DELETE's RETURNING shows for the marker of the removed (live) row. */
static const char *gone_marker(rw_walk *w, const rw_table *t)
{
    if (t->marker == RW_MARKER_BOOL)
        return "false";
    return rw_arena_cat(w->arena, "CAST(NULL AS ", marker_type(t), ")");
}

static bool has_column(const rw_table *t, const char *name)
{
    for (int i = 0; i < t->ncols; i++)
        if (t->cols[i].name && strcmp(t->cols[i].name, name) == 0)
            return true;
    return false;
}

/* ref.col1, ref.col2, NULL [AS deleted_at], ... in the table's column order: the row as a
 * real DELETE returns it. */
static const char *gone_row(rw_walk *w, const rw_table *t, const char *ref, bool labels)
{
    const char *s = NULL;
    for (int i = 0; i < t->ncols; i++) {
        if (!t->cols[i].name)
            continue; /* dropped column */
        const char *col = rw_quote(w, t->cols[i].name), *item;
        if (strcmp(t->cols[i].name, t->marker_col) != 0)
            item = rw_arena_cat(w->arena, ref, ".", col);
        else if (labels)
            item = rw_arena_cat(w->arena, gone_marker(w, t), " AS ", col);
        else
            item = gone_marker(w, t);
        s = rw_arena_append(w->arena, s, ", ", item);
    }
    return s;
}

/* A whole-row reference (RETURNING t): the row of the table's type, the marker gone. */
static const char *whole_row(rw_walk *w, const rw_table *t, const char *ref, const char *name,
                             bool whole)
{
    const char *row = rw_arena_cat(w->arena, "CAST(ROW(", gone_row(w, t, ref, false), ") AS ",
                                   rw_qualified(w, t), ")");
    return whole ? rw_arena_cat(w->arena, row, " AS ", rw_quote(w, name)) : row;
}

/* Token index after the last token of a column reference starting at token i. */
static int columnref_end(rw_walk *w, int i)
{
    while (i + 2 < w->toks.n && w->toks.tok[i + 1].kind == RW_TOK_OP &&
           w->toks.tok[i + 1].end - w->toks.tok[i + 1].start == 1 &&
           w->sql[w->toks.tok[i + 1].start] == '.')
        i += 2;
    return i + 1;
}

typedef struct {
    rw_walk *w;
    const rw_table *t;
    const RangeVar *rv;
    List *using; /* the DELETE's USING items */
} returning_ctx;

static const char *str_field(List *fields, int i)
{
    Node *n = list_nth(fields, i);
    return IsA(n, String) ? strVal(n) : NULL;
}

/* Does a qualifier written before a column name denote the DELETE's target? */
static bool names_target(const RangeVar *rv, List *fields, int nqual)
{
    const char *last = str_field(fields, nqual - 1);
    if (!last)
        return false;
    if (rv->alias)
        return nqual == 1 && strcmp(last, rv->alias->aliasname) == 0;
    if (strcmp(last, rv->relname) != 0)
        return false;
    return nqual == 1 || (nqual == 2 && rv->schemaname && str_field(fields, 0) &&
                          strcmp(str_field(fields, 0), rv->schemaname) == 0);
}

/* "u.*, v.*": what RETURNING * shows of the USING items, after the target's columns (as in
 * PostgreSQL's expansion of * over a FROM list). A join without an alias shows its sides,
 * unless USING or NATURAL merge their columns, which a list of stars cannot say. */
static const char *using_stars(rw_walk *w, List *items)
{
    const char *s = NULL;
    ListCell *lc;
    foreach (lc, items) {
        Node *n = lfirst(lc);
        Alias *alias = NULL;
        const char *item = NULL;
        if (IsA(n, RangeVar))
            item = rw_arena_cat(w->arena, rw_ref_name(w, (RangeVar *)n), ".*");
        else if (IsA(n, RangeSubselect))
            alias = ((RangeSubselect *)n)->alias;
        else if (IsA(n, RangeFunction))
            alias = ((RangeFunction *)n)->alias;
        else if (IsA(n, JoinExpr) && ((JoinExpr *)n)->alias)
            alias = ((JoinExpr *)n)->alias;
        else if (IsA(n, JoinExpr) && !((JoinExpr *)n)->usingClause && !((JoinExpr *)n)->isNatural)
            item = using_stars(w, list_make2(((JoinExpr *)n)->larg, ((JoinExpr *)n)->rarg));
        if (alias)
            item = rw_arena_cat(w->arena, rw_quote(w, alias->aliasname), ".*");
        if (!item) {
            rw_refuse(w, "RETURNING * of a DELETE ... USING with a join of merged columns");
            return "*";
        }
        s = rw_arena_append(w->arena, s, ", ", item);
    }
    return s;
}

/* Rewrites one column reference of a DELETE's RETURNING: the marker reads as gone, a star
 * for the target is spelled out. `whole` is true when the reference is a whole output
 * column without a name of its own. */
static void fix_columnref(returning_ctx *rc, ColumnRef *cr, bool whole)
{
    rw_walk *w = rc->w;
    int n = list_length(cr->fields), tok = token_at(w, cr->location);
    bool star = IsA(llast(cr->fields), A_Star);
    bool target = n == 1 || names_target(rc->rv, cr->fields, n - 1);
    if (tok < 0) {
        rw_refuse(w, "a RETURNING column whose text could not be located");
        return;
    }
    int end = w->toks.tok[columnref_end(w, tok) - 1].end, start = w->toks.tok[tok].start;
    const char *ref = rw_ref_name(w, rc->rv);
    if (star && n == 1 && rc->using)
        rw_edit_replace(
            w, start, end,
            rw_arena_cat(w->arena, gone_row(w, rc->t, ref, true), ", ", using_stars(w, rc->using)));
    else if (star && target)
        rw_edit_replace(w, start, end, gone_row(w, rc->t, ref, true));
    else if (!star && target && strcmp(strVal(llast(cr->fields)), rc->t->marker_col) == 0)
        rw_edit_replace(w, start, end,
                        whole ? rw_arena_cat(w->arena, gone_marker(w, rc->t), " AS ",
                                             rw_quote(w, rc->t->marker_col))
                              : rw_arena_cat(w->arena, "(", gone_marker(w, rc->t), ")"));
    else if (!star && n == 1 && !has_column(rc->t, strVal(linitial(cr->fields))) &&
             names_target(rc->rv, cr->fields, 1))
        rw_edit_replace(w, start, end,
                        whole_row(w, rc->t, ref, strVal(linitial(cr->fields)), whole));
}

static void fix_inner_columnref(ColumnRef *cr, void *arg)
{
    fix_columnref(arg, cr, false);
}

static void fix_returning(rw_walk *w, List *returning, const rw_table *t, const RangeVar *rv,
                          List *using)
{
    returning_ctx rc = {w, t, rv, using};
    ListCell *lc;
    foreach (lc, returning) {
        ResTarget *rt = lfirst(lc);
        if (IsA(rt->val, ColumnRef))
            fix_columnref(&rc, (ColumnRef *)rt->val, rt->name == NULL);
        else
            rw_for_each_columnref(rt->val, fix_inner_columnref, &rc);
    }
}

/* The tokens "DELETE FROM" before the target name at token `anchor` (ONLY and an opening
 * parenthesis may stand between): the index of DELETE, or -1. */
static int delete_keyword(rw_walk *w, int anchor)
{
    int k = anchor - 1;
    while (k > 0 &&
           (w->toks.tok[k].kind == RW_TOK_LPAREN || rw_tok_is(&w->toks, w->sql, k, "only")))
        k--;
    bool ok =
        rw_tok_is(&w->toks, w->sql, k, "from") && rw_tok_is(&w->toks, w->sql, k - 1, "delete");
    return ok ? k - 1 : -1;
}

static const char *set_marker(rw_walk *w, const rw_table *t, const char *value)
{
    return rw_arena_cat(w->arena, " SET ", rw_quote(w, t->marker_col), " = ", value);
}

/* DELETE FROM [ONLY] t [AS a] USING u → UPDATE [ONLY] t [AS a] SET m = now() FROM u */
static void delete_to_update(rw_walk *w, DeleteStmt *d, const rw_table *t, int del,
                             const rw_clauses *c, const char *value)
{
    int start, end;
    rw_range_span(w, d->relation, &start, &end);
    rw_edit_replace(w, w->toks.tok[del].start, w->toks.tok[del + 1].end, "UPDATE");
    rw_edit_insert(w, end, set_marker(w, t, value));
    if (c->at[RW_CL_USING] >= 0)
        rw_edit_replace(w, w->toks.tok[c->at[RW_CL_USING]].start,
                        w->toks.tok[c->at[RW_CL_USING]].end, "FROM");
}

/* The rows are marked; what foreign keys do about it runs in the triggers of `tombstone
 * install` at the end of the statement, as PostgreSQL runs its own (rewrite/helpers.sql). */
static void soft_delete(rw_walk *w, DeleteStmt *d, const rw_table *t, int anchor,
                        const rw_clauses *c, rw_pending *preds)
{
    int del = delete_keyword(w, anchor), start, end;
    rw_range_span(w, d->relation, &start, &end);
    if (del < 0 || start < 0) {
        rw_refuse(w, "a DELETE whose text could not be located");
        return;
    }
    if (!t->delete_ready) {
        rw_refuse(w, RW_NO_TRIGGERS("DELETE with foreign-key actions"));
        return;
    }
    delete_to_update(w, d, t, del, c, rw_marker_value(t));
    filter_target(w, anchor, DELETE_CLAUSES, d->whereClause, preds);
    fix_returning(w, d->returningList, t, d->relation, d->usingClause);
}

/* Which rows of the target a DELETE reaches: under soft deletes, of a soft-delete table, the
 * live ones among those the session sees (a marked row is deleted already: marking it again
 * would lose the time that links it to its cascade); otherwise those the session sees. */
static const char *delete_target_pred(rw_walk *w, const rw_table *t, bool marks, const char *ref)
{
    if (!marks)
        return rw_visible_pred(w, t, ref);
    if (w->ctx->mode.visibility == RW_SEE_DELETED)
        rw_refuse_with(w, "0A000", RW_TRASH_DELETE);
    return rw_live_pred(w, t, ref);
}

unsigned rw_walk_delete(rw_walk *w, DeleteStmt *d)
{
    int saved;
    rw_push_ctes(w, d->withClause, &saved);
    const rw_table *t = rw_resolve(w, d->relation);
    rw_pending *preds = rw_walk_from_list(w, d->usingClause);
    rw_walk_expr(w, d->whereClause);
    rw_walk_expr(w, (Node *)d->returningList);
    int anchor = token_at(w, d->relation->location);
    bool marks = t && t->marker != RW_MARKER_NONE && !w->ctx->mode.hard_deletes;
    const char *own = delete_target_pred(w, t, marks, rw_ref_name(w, d->relation));
    preds = with_target(w, own, preds, d->whereClause);
    if ((marks || preds) && anchor < 0) {
        rw_refuse(w, "a DELETE whose text could not be located");
    } else if (marks) {
        rw_clauses c;
        rw_clauses_scan(w, anchor, DELETE_CLAUSES, &c);
        soft_delete(w, d, t, anchor, &c, preds);
        rw_explain_note(w, RW_WHY_MARKED, t);
    } else {
        filter_target(w, anchor, DELETE_CLAUSES, d->whereClause, preds);
    }
    rw_pop_ctes(w, saved);
    return marks ? RW_DELETE_TAG : 0;
}

void rw_walk_update(rw_walk *w, UpdateStmt *u)
{
    int saved;
    rw_push_ctes(w, u->withClause, &saved);
    const rw_table *t = rw_resolve(w, u->relation);
    rw_pending *preds = rw_walk_from_list(w, u->fromClause);
    rw_walk_expr(w, (Node *)u->targetList);
    rw_walk_expr(w, u->whereClause);
    rw_walk_expr(w, (Node *)u->returningList);
    rw_require_key_triggers(w, t, u->targetList);
    preds =
        with_target(w, rw_visible_pred(w, t, rw_ref_name(w, u->relation)), preds, u->whereClause);
    int anchor = token_at(w, u->relation->location);
    if (preds && anchor < 0)
        rw_refuse(w, "an UPDATE whose text could not be located");
    else
        filter_target(w, anchor, UPDATE_CLAUSES, u->whereClause, preds);
    rw_pop_ctes(w, saved);
}

void rw_walk_insert(rw_walk *w, InsertStmt *ins)
{
    int saved;
    rw_push_ctes(w, ins->withClause, &saved);
    const rw_table *t = rw_resolve(w, ins->relation);
    rw_walk_dml(w, ins->selectStmt);
    rw_require_key_triggers(w, t, NIL);
    if (ins->onConflictClause) {
        rw_walk_expr(w, (Node *)ins->onConflictClause->targetList);
        rw_walk_expr(w, ins->onConflictClause->whereClause);
        rw_upsert(w, ins, t);
    }
    rw_walk_expr(w, (Node *)ins->returningList);
    rw_pop_ctes(w, saved);
}

/* COPY t [(cols)] TO ... → COPY (SELECT cols FROM ONLY t WHERE live) TO ...: COPY of a
 * table reads that table only, not its inheritance children. */
void rw_walk_copy(rw_walk *w, CopyStmt *c)
{
    if (c->query) {
        rw_walk_dml(w, c->query);
        return;
    }
    if (!c->relation)
        return;
    const rw_table *t = rw_resolve(w, c->relation);
    if (c->is_from) {
        rw_require_key_triggers(w, t, NIL);
        return;
    }
    if (t && t->relkind == 'p')
        return; /* COPY of a partitioned table fails in PostgreSQL either way */
    const char *pred = rw_visible_pred(w, t, rw_ref_name(w, c->relation));
    if (!pred)
        return;
    int start, end, i;
    rw_range_span(w, c->relation, &start, &end);
    if (start < 0) {
        rw_refuse(w, "a COPY whose text could not be located");
        return;
    }
    const char *cols = "*";
    int stop = end;
    i = rw_tok_at(&w->toks, end);
    if (c->attlist && i < w->toks.n && w->toks.tok[i].kind == RW_TOK_LPAREN) {
        int close = rw_tok_match_paren(&w->toks, i);
        if (close >= w->toks.n) {
            rw_refuse(w, "a COPY whose text could not be located");
            return;
        }
        cols = rw_arena_strndup(w->arena, w->sql + w->toks.tok[i + 1].start,
                                (size_t)(w->toks.tok[close].start - w->toks.tok[i + 1].start));
        stop = w->toks.tok[close].end;
    }
    rw_edit_replace(w, start, stop,
                    rw_arena_printf(w->arena, "(SELECT %s FROM ONLY %.*s WHERE %s)", cols,
                                    end - start, w->sql + start, pred));
}
