/* rewrite/references.c — INSERT and UPDATE of a foreign key whose parent is soft-delete.
 *
 * Under real deletes a row cannot reference a deleted parent: PostgreSQL's own check finds
 * no parent row. Marked parents still exist, so the value written into such a column goes
 * through tombstone.check_ref(), which looks the parent up among live rows, locks it FOR KEY
 * SHARE (so a concurrent DELETE waits for this transaction, and this one waits for a DELETE
 * under way and then sees its mark), and fails with PostgreSQL's 23503 error otherwise:
 *   INSERT INTO books (author_id, title) VALUES (2, 'x')
 *   → ... VALUES (tombstone.check_ref(CAST((2) AS integer), ..., 'SELECT true FROM
 *        public.authors p WHERE p.id = $1 AND p.deleted_at IS NULL FOR KEY SHARE OF p', ...),
 *        'x')
 * VALUES rows are wrapped in place (their literals keep their types from the target column);
 * a SELECT source is read through a subquery whose columns are then wrapped. */
#include "rewrite/internal.h"

#include "access/htup_details.h"

#include <string.h>

static const char *column_type(const rw_table *t, const char *col)
{
    for (int i = 0; i < t->ncols; i++)
        if (t->cols[i].name && strcmp(t->cols[i].name, col) == 0)
            return t->cols[i].type;
    return NULL;
}

/* The query check_ref runs: is there a live parent row with this key? */
static const char *check_sql(rw_walk *w, const rw_fk *fk)
{
    const char *cond = NULL;
    for (int i = 0; i < fk->ncols; i++) {
        const char *type = column_type(fk->parent, fk->parent_cols[i]);
        const char *value =
            i == 0 ? "$1"
                   : rw_arena_printf(w->arena, "CAST($2[%d] AS %s)", i, type ? type : "text");
        const char *eq =
            rw_arena_cat(w->arena, "p.", rw_quote(w, fk->parent_cols[i]), " = ", value);
        cond = rw_arena_append(w->arena, cond, " AND ", eq);
    }
    const char *live = rw_live_pred(w, fk->parent, "p");
    return rw_arena_cat(w->arena, "SELECT true FROM ", rw_qualified(w, fk->parent), " p WHERE ",
                        cond, live ? " AND " : "", live ? live : "", " FOR KEY SHARE OF p");
}

static const char check_open[] = "tombstone.check_ref(CAST((";

/* What follows the first value in a call of check_ref: its type, the other values (as
 * text), then the check and the names for the error. For a one-column key it is the same
 * for every value checked, and is built once per key and snapshot (a 100-row VALUES list
 * checks one key 100 times). */
static const char *check_close(rw_walk *w, const rw_fk *fk, const char *const *others)
{
    const char *kept =
        fk->ncols == 1 ? rw_snapshot_memo_get(w->ctx->snapshot, fk, RW_MEMO_CHECK) : NULL;
    if (kept)
        return kept;
    const char *cols = NULL, *arr = NULL, *type = column_type(fk->child, fk->child_cols[0]);
    for (int i = 0; i < fk->ncols; i++)
        cols = rw_arena_append(w->arena, cols, ", ", fk->child_cols[i]);
    for (int i = 1; i < fk->ncols; i++) {
        const char *o = rw_arena_cat(w->arena, "CAST((", others[i], ") AS text)");
        arr = rw_arena_append(w->arena, arr, ", ", o);
    }
    int seq = w->alias_seq; /* the check's aliases are its own (rw_cascade_plan) */
    const char *close = rw_arena_printf(
        w->arena, ") AS %s), ARRAY[%s]::text[], %s, %s, %s, %s, %s, %s)", type ? type : "text",
        arr ? arr : "", rw_dollar_quote(w, check_sql(w, fk)), rw_sql_literal(w, fk->name),
        rw_sql_literal(w, fk->child->schema), rw_sql_literal(w, fk->child->name),
        rw_sql_literal(w, fk->parent->name), rw_sql_literal(w, cols));
    w->alias_seq = seq;
    return fk->ncols == 1 ? rw_snapshot_memo_put(w->ctx->snapshot, fk, RW_MEMO_CHECK, close)
                          : close;
}

/* tombstone.check_ref(CAST((value) AS type), ARRAY[others]::text[], ...) */
static const char *wrap(rw_walk *w, const rw_fk *fk, const char *value, const char *const *others)
{
    return rw_arena_cat(w->arena, check_open, value, check_close(w, fk, others));
}

/* The same around the tokens [first, stop) of the text, which stay where they are: two
 * insertions, no copy of the value (nor of the literals in it, rewrite/shape.h). */
static void wrap_tokens(rw_walk *w, const rw_fk *fk, int first, int stop, const char *const *others)
{
    rw_edit_insert(w, w->toks.tok[first].start, check_open);
    rw_edit_insert(w, w->toks.tok[stop - 1].end, check_close(w, fk, others));
}

/* Foreign keys of t whose parent loses rows to soft deletes. */
static bool checked(const rw_fk *fk)
{
    return rw_table_affected(fk->parent);
}

static bool any_checked(const rw_table *t)
{
    for (int i = 0; t && i < t->nparents; i++)
        if (checked(t->parents[i]))
            return true;
    return false;
}

/* ---- the columns an INSERT writes, and the text of each value ---------------------------- */

typedef struct {
    int n;
    const char **names;
} column_list;

static column_list insert_columns(rw_walk *w, const InsertStmt *ins, const rw_table *t)
{
    column_list c = {0};
    int n = ins->cols ? list_length(ins->cols) : t->ncols;
    c.names = rw_arena_alloc(w->arena, (size_t)(n ? n : 1) * sizeof *c.names);
    ListCell *lc;
    if (ins->cols)
        foreach (lc, ins->cols)
            c.names[c.n++] = ((ResTarget *)lfirst(lc))->name;
    else
        for (int i = 0; i < t->ncols; i++)
            if (t->cols[i].name)
                c.names[c.n++] = t->cols[i].name;
    return c;
}

static int position_of(const column_list *c, const char *name)
{
    for (int i = 0; i < c->n; i++)
        if (strcmp(c->names[i], name) == 0)
            return i;
    return -1;
}

/* The token ranges of the comma-separated items inside the parenthesis at token open. */
static int items_of(rw_walk *w, int open, int *starts, int *ends, int max)
{
    int depth = 0, n = 0, close = rw_tok_match_paren(&w->toks, open);
    if (close >= w->toks.n)
        return -1;
    starts[0] = open + 1;
    for (int i = open + 1; i < close && n < max; i++) {
        rw_tok_kind k = w->toks.tok[i].kind;
        if (k == RW_TOK_LPAREN || k == RW_TOK_LBRACKET)
            depth++;
        else if (k == RW_TOK_RPAREN || k == RW_TOK_RBRACKET)
            depth--;
        else if (k == RW_TOK_COMMA && depth == 0) {
            ends[n++] = i;
            starts[n] = i + 1;
        }
    }
    ends[n++] = close;
    return n;
}

static const char *token_text(rw_walk *w, int first, int stop)
{
    w->literal_text = true;
    int a = w->toks.tok[first].start, b = w->toks.tok[stop - 1].end;
    return rw_arena_strndup(w->arena, w->sql + a, (size_t)(b - a));
}

enum { MAX_ITEMS = MaxHeapAttributeNumber }; /* a VALUES row holds at most a table's columns */

/* VALUES (a, b), (c, d): every row's value of each checked foreign key, wrapped in place. */
static void wrap_values(rw_walk *w, const rw_table *t, const column_list *cols, int values_kw)
{
    static int starts[MAX_ITEMS], ends[MAX_ITEMS];
    for (int row = values_kw + 1; row < w->toks.n && w->toks.tok[row].kind == RW_TOK_LPAREN;) {
        int n = items_of(w, row, starts, ends, MAX_ITEMS);
        if (n < 0) {
            rw_refuse(w, "a VALUES list whose text could not be located");
            return;
        }
        for (int f = 0; f < t->nparents; f++) {
            const rw_fk *fk = t->parents[f];
            const char *others[INDEX_MAX_KEYS];
            int pos = position_of(cols, fk->child_cols[0]);
            if (!checked(fk) || pos < 0 || pos >= n || fk->ncols > INDEX_MAX_KEYS)
                continue;
            if (rw_tok_is(&w->toks, w->sql, starts[pos], "default") && ends[pos] == starts[pos] + 1)
                continue; /* DEFAULT must stand alone; a default referencing a parent is rare */
            for (int i = 1; i < fk->ncols; i++) {
                int p = position_of(cols, fk->child_cols[i]);
                others[i] = p >= 0 && p < n ? token_text(w, starts[p], ends[p]) : "NULL";
            }
            wrap_tokens(w, fk, starts[pos], ends[pos], others);
        }
        int close = rw_tok_match_paren(&w->toks, row);
        row = (close + 1 < w->toks.n && w->toks.tok[close + 1].kind == RW_TOK_COMMA) ? close + 2
                                                                                     : w->toks.n;
    }
}

/* INSERT ... SELECT: (SELECT c1, check_ref(c2) FROM (<select>) AS _tomb_src(c1, c2)). */
static void wrap_select(rw_walk *w, const rw_table *t, const column_list *cols, int first, int stop)
{
    const char *list = NULL, *names = NULL;
    for (int i = 0; i < cols->n; i++) {
        const char *col = rw_arena_cat(w->arena, "_tomb_src.", rw_quote(w, cols->names[i]));
        for (int f = 0; f < t->nparents; f++) {
            const rw_fk *fk = t->parents[f];
            if (!checked(fk) || strcmp(fk->child_cols[0], cols->names[i]) != 0)
                continue;
            const char *others[INDEX_MAX_KEYS];
            if (fk->ncols > INDEX_MAX_KEYS) {
                rw_refuse(w, "a foreign key of more columns than an index can have");
                return;
            }
            for (int k = 1; k < fk->ncols; k++)
                others[k] =
                    position_of(cols, fk->child_cols[k]) >= 0
                        ? rw_arena_cat(w->arena, "_tomb_src.", rw_quote(w, fk->child_cols[k]))
                        : "NULL";
            col = wrap(w, fk, col, others);
        }
        list = rw_arena_append(w->arena, list, ", ", col);
        const char *q = rw_quote(w, cols->names[i]);
        names = rw_arena_append(w->arena, names, ", ", q);
    }
    rw_edit_insert(w, w->toks.tok[first].start, rw_arena_cat(w->arena, "SELECT ", list, " FROM ("));
    rw_edit_insert(w, w->toks.tok[stop - 1].end,
                   rw_arena_cat(w->arena, ") AS _tomb_src(", names, ")"));
}

/* Where the source of an INSERT starts: after the target, its column list and OVERRIDING. */
static int source_start(rw_walk *w, const InsertStmt *ins)
{
    int start, end;
    rw_range_span(w, ins->relation, &start, &end);
    if (start < 0)
        return -1;
    int i = rw_tok_at(&w->toks, end);
    if (ins->cols && i < w->toks.n && w->toks.tok[i].kind == RW_TOK_LPAREN)
        i = rw_tok_match_paren(&w->toks, i) + 1;
    if (rw_tok_is(&w->toks, w->sql, i, "overriding"))
        i += 3;
    return i < w->toks.n ? i : -1;
}

void rw_check_insert_refs(rw_walk *w, InsertStmt *ins, const rw_table *t)
{
    if (!any_checked(t) || !ins->selectStmt)
        return;
    if (!rw_snapshot_has_helpers(w->ctx->snapshot)) {
        rw_refuse(w, "INSERT into a table that references a soft-delete table, without "
                     "the helper functions: run `tombstone install` on the database");
        return;
    }
    column_list cols = insert_columns(w, ins, t);
    bool writes_key = false;
    for (int f = 0; f < t->nparents; f++)
        writes_key |=
            checked(t->parents[f]) && position_of(&cols, t->parents[f]->child_cols[0]) >= 0;
    if (!writes_key)
        return;
    SelectStmt *src = (SelectStmt *)ins->selectStmt;
    int first = source_start(w, ins);
    if (first < 0) {
        rw_refuse(w, "an INSERT whose text could not be located");
        return;
    }
    if (src->valuesLists && rw_tok_is(&w->toks, w->sql, first, "values")) {
        wrap_values(w, t, &cols, first);
        return;
    }
    rw_clauses c;
    rw_clauses_scan(w, first, 1u << RW_CL_RETURNING, &c);
    int stop = c.at[RW_CL_RETURNING] >= 0 ? c.at[RW_CL_RETURNING] : c.end;
    wrap_select(w, t, &cols, first, stop);
}

/* ---- SET col = value (UPDATE, ON CONFLICT DO UPDATE) ------------------------------------ */

/* The tokens of the value of `SET col = value`: from after '=' to the next ',' or clause at
 * the same depth. */
static bool set_value_span(rw_walk *w, const ResTarget *rt, int *first, int *stop)
{
    int i = rw_tok_at(&w->toks, rt->location);
    while (i < w->toks.n &&
           !(w->toks.tok[i].kind == RW_TOK_OP && w->toks.tok[i].end - w->toks.tok[i].start == 1 &&
             w->sql[w->toks.tok[i].start] == '='))
        i++;
    if (i + 1 >= w->toks.n)
        return false;
    *first = i + 1;
    int depth = 0;
    for (i = i + 1; i < w->toks.n; i++) {
        rw_tok_kind k = w->toks.tok[i].kind;
        if (k == RW_TOK_LPAREN || k == RW_TOK_LBRACKET)
            depth++;
        else if ((k == RW_TOK_RPAREN || k == RW_TOK_RBRACKET) && depth-- == 0)
            break;
        else if (depth == 0 && (k == RW_TOK_COMMA || k == RW_TOK_SEMI))
            break;
        else if (depth == 0 && (rw_tok_is(&w->toks, w->sql, i, "where") ||
                                rw_tok_is(&w->toks, w->sql, i, "from") ||
                                rw_tok_is(&w->toks, w->sql, i, "returning")))
            break;
    }
    *stop = i;
    return *stop > *first;
}

void rw_check_set_refs(rw_walk *w, List *targets, const rw_table *t)
{
    if (!any_checked(t))
        return;
    ListCell *lc;
    foreach (lc, targets) {
        ResTarget *rt = lfirst(lc);
        for (int f = 0; f < t->nparents; f++) {
            const rw_fk *fk = t->parents[f];
            if (!checked(fk) || strcmp(fk->child_cols[0], rt->name) != 0)
                continue;
            int first, stop;
            if (!rw_snapshot_has_helpers(w->ctx->snapshot)) {
                rw_refuse(w, "UPDATE of a column that references a soft-delete table, "
                             "without the helper functions: run `tombstone install`");
                return;
            }
            if (IsA(rt->val, MultiAssignRef) || fk->ncols > 1 || rt->indirection ||
                !set_value_span(w, rt, &first, &stop)) {
                rw_refuse(w, "this form of SET on a column that references a "
                             "soft-delete table");
                return;
            }
            if (rw_tok_is(&w->toks, w->sql, first, "default") && stop == first + 1)
                continue;
            wrap_tokens(w, fk, first, stop, NULL);
        }
    }
}

/* ---- COPY FROM ---------------------------------------------------------------------------- */

/* COPY t FROM ...: rows are checked in COPY's own WHERE, which sees each row's columns:
 *   COPY t FROM STDIN WHERE tombstone.check_ref(...author_id...) IS NOT DISTINCT FROM author_id
 * (the condition is always true; check_ref fails the COPY for a row whose parent is gone). */
void rw_check_copy_refs(rw_walk *w, CopyStmt *c, const rw_table *t)
{
    if (!any_checked(t))
        return;
    column_list cols = {0};
    if (c->attlist) {
        cols.names = rw_arena_alloc(w->arena, (size_t)list_length(c->attlist) * sizeof *cols.names);
        ListCell *lc;
        foreach (lc, c->attlist)
            cols.names[cols.n++] = strVal(lfirst(lc));
    } else {
        InsertStmt all = {0};
        cols = insert_columns(w, &all, t);
    }
    const char *cond = NULL;
    for (int f = 0; f < t->nparents; f++) {
        const rw_fk *fk = t->parents[f];
        const char *others[INDEX_MAX_KEYS];
        if (!checked(fk) || position_of(&cols, fk->child_cols[0]) < 0 || fk->ncols > INDEX_MAX_KEYS)
            continue;
        for (int i = 1; i < fk->ncols; i++)
            others[i] = position_of(&cols, fk->child_cols[i]) >= 0 ? rw_quote(w, fk->child_cols[i])
                                                                   : "NULL";
        const char *col = rw_quote(w, fk->child_cols[0]);
        const char *test =
            rw_arena_cat(w->arena, wrap(w, fk, col, others), " IS NOT DISTINCT FROM ", col);
        cond = rw_arena_append(w->arena, cond, " AND ", test);
    }
    if (!cond)
        return;
    if (!rw_snapshot_has_helpers(w->ctx->snapshot)) {
        rw_refuse(w, "COPY into a table that references a soft-delete table, without the helper "
                     "functions: run `tombstone install` on the database");
        return;
    }
    int start, end;
    rw_range_span(w, c->relation, &start, &end);
    rw_clauses scan;
    rw_clauses_scan(w, rw_tok_at(&w->toks, start), 0, &scan);
    int kw = c->whereClause ? rw_keyword_before(w, c->whereClause, "where") : -1;
    if (c->whereClause && kw < 0) {
        rw_refuse(w, "a COPY ... WHERE whose text could not be located");
        return;
    }
    if (kw >= 0)
        rw_edit_insert(w, w->toks.tok[kw + 1].start, "(");
    rw_edit_insert(w, rw_end_before(w, scan.end),
                   rw_arena_printf(w->arena, kw >= 0 ? ") AND %s" : " WHERE %s", cond));
}
