/* rewrite/writes.c — DELETE, UPDATE, INSERT and COPY.
 *
 * DELETE FROM t [AS a] [USING u] [WHERE c] [RETURNING r] on a soft-delete table becomes
 *   UPDATE t [AS a] SET deleted_at = now() [FROM u] WHERE (c) AND a.deleted_at IS NULL
 *   [RETURNING r']
 * where r' shows the marker as a real DELETE would return it: NULL (or false). */
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
    bool using;
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
        rw_refuse(w, "RETURNING * of a DELETE ... USING on a soft-delete table");
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
                          bool using)
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

/* With foreign-key actions the rows are chosen and locked first, the actions run on them
 * (tombstone.cascade, which needs the locks held), and then they are marked:
 *   WITH _tomb_rows AS (SELECT a.tableoid, a.ctid, <keys> FROM t a, u WHERE ... FOR UPDATE
 *   OF a), _tomb_fk AS (SELECT tombstone.cascade(<plan>, <keys of _tomb_rows>))
 *   UPDATE t a SET m = now() FROM _tomb_rows, _tomb_fk WHERE a is one of _tomb_rows
 * RETURNING can then name the target's columns only. */
static void delete_with_actions(rw_walk *w, DeleteStmt *d, const rw_table *t, int del,
                                const rw_clauses *c, const char *plan, int anchor,
                                rw_pending *preds)
{
    const char *ref = rw_ref_name(w, d->relation);
    const char *lock = d->relation->alias ? rw_quote(w, d->relation->alias->aliasname)
                                          : rw_quote(w, d->relation->relname);
    int start, end;
    rw_range_span(w, d->relation, &start, &end);
    rw_edit_replace(w, w->toks.tok[del].start, w->toks.tok[del + 1].end,
                    rw_arena_cat(w->arena, d->withClause ? ", " : "WITH ", "_tomb_rows AS (SELECT ",
                                 ref, ".tableoid AS _tomb_tableoid, ", ref, ".ctid AS _tomb_ctid, ",
                                 rw_key_object(w, t, ref), " AS _tomb_key FROM"));
    if (c->at[RW_CL_USING] >= 0)
        rw_edit_replace(w, w->toks.tok[c->at[RW_CL_USING]].start,
                        w->toks.tok[c->at[RW_CL_USING]].end, ",");
    /* the WHERE's predicates first: the tail below is inserted at the same place, after them */
    filter_target(w, anchor, DELETE_CLAUSES, d->whereClause, preds);
    int ret = c->at[RW_CL_RETURNING] >= 0 ? c->at[RW_CL_RETURNING] : c->end;
    int at = rw_end_before(w, ret);
    /* three insertions at one place, spliced in order: the plan (kilobytes, kept per table and
     * snapshot) is not copied into a printed string first */
    rw_edit_insert(w, at,
                   rw_arena_cat(w->arena, " FOR UPDATE OF ", lock,
                                "), _tomb_fk AS (SELECT tombstone.cascade("));
    rw_edit_insert(w, at, plan);
    rw_edit_insert(w, at,
                   rw_arena_printf(w->arena,
                                   "::jsonb, (SELECT jsonb_agg(_tomb_key) "
                                   "FROM _tomb_rows)) AS _tomb_done) UPDATE %.*s%s FROM "
                                   "_tomb_rows, _tomb_fk WHERE %s.tableoid = "
                                   "_tomb_rows._tomb_tableoid AND %s.ctid = _tomb_rows._tomb_ctid",
                                   end - start, w->sql + start,
                                   set_marker(w, t, rw_marker_value(t)), ref, ref));
}

/* Does every column reference of RETURNING name the DELETE's target? */
typedef struct {
    const rw_table *t;
    const RangeVar *rv;
    bool ok;
} target_only_ctx;

static void check_target_column(ColumnRef *cr, void *arg)
{
    target_only_ctx *c = arg;
    int n = list_length(cr->fields);
    if (n == 1 && IsA(linitial(cr->fields), String))
        c->ok &=
            has_column(c->t, strVal(linitial(cr->fields))) || names_target(c->rv, cr->fields, 1);
    else if (n > 1)
        c->ok &= names_target(c->rv, cr->fields, n - 1);
}

static bool returning_names_target_only(const rw_table *t, const RangeVar *rv, List *returning)
{
    target_only_ctx c = {t, rv, true};
    ListCell *lc;
    foreach (lc, returning)
        rw_for_each_columnref(((ResTarget *)lfirst(lc))->val, check_target_column, &c);
    return c.ok;
}

static void soft_delete(rw_walk *w, DeleteStmt *d, const rw_table *t, int anchor,
                        const rw_clauses *c, rw_pending *preds)
{
    int del = delete_keyword(w, anchor), start, end;
    rw_range_span(w, d->relation, &start, &end);
    if (del < 0 || start < 0) {
        rw_refuse(w, "a DELETE whose text could not be located");
        return;
    }
    const char *plan = rw_cascade_plan(w, t);
    if (plan && !rw_snapshot_has_helpers(w->ctx->snapshot)) {
        rw_refuse(w, "DELETE with foreign-key actions (ON DELETE CASCADE, SET NULL, RESTRICT...) "
                     "without the helper functions: run `tombstone install` on the database");
        return;
    }
    /* WHERE CURRENT OF, or RETURNING that names the USING tables, keep the statement's shape:
     * the actions then run row by row, as each row is marked */
    bool row_by_row = plan && ((d->whereClause && IsA(d->whereClause, CurrentOfExpr)) ||
                               !returning_names_target_only(t, d->relation, d->returningList));
    if (plan && !row_by_row) {
        delete_with_actions(w, d, t, del, c, plan, anchor, preds);
    } else {
        const char *value = row_by_row
                                ? rw_cascade_row_value(w, t, rw_ref_name(w, d->relation), plan)
                                : rw_marker_value(t);
        delete_to_update(w, d, t, del, c, value);
        filter_target(w, anchor, DELETE_CLAUSES, d->whereClause, preds);
    }
    fix_returning(w, d->returningList, t, d->relation, d->usingClause != NIL);
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
    bool soft = t && t->marker != RW_MARKER_NONE;
    preds = with_target(w, rw_live_pred(w, t, rw_ref_name(w, d->relation)), preds, d->whereClause);
    if ((soft || preds) && anchor < 0) {
        rw_refuse(w, "a DELETE whose text could not be located");
    } else if (soft) {
        rw_clauses c;
        rw_clauses_scan(w, anchor, DELETE_CLAUSES, &c);
        soft_delete(w, d, t, anchor, &c, preds);
        rw_explain_note(w, RW_WHY_MARKED, t);
    } else {
        filter_target(w, anchor, DELETE_CLAUSES, d->whereClause, preds);
    }
    rw_pop_ctes(w, saved);
    return soft ? RW_DELETE_TAG : 0;
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
    rw_check_set_refs(w, u->targetList, t);
    preds = with_target(w, rw_live_pred(w, t, rw_ref_name(w, u->relation)), preds, u->whereClause);
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
    rw_check_insert_refs(w, ins, t);
    if (ins->onConflictClause) {
        rw_walk_expr(w, (Node *)ins->onConflictClause->targetList);
        rw_walk_expr(w, ins->onConflictClause->whereClause);
        rw_check_set_refs(w, ins->onConflictClause->targetList, t);
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
        rw_check_copy_refs(w, c, t);
        return;
    }
    if (t && t->relkind == 'p')
        return; /* COPY of a partitioned table fails in PostgreSQL either way */
    const char *pred = rw_live_pred(w, t, rw_ref_name(w, c->relation));
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
