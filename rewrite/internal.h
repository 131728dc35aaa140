/* rewrite/internal.h — what the rewriter's files share. Not part of the public interface.
 *
 * The walk: rewrite.c parses the text (raw parse tree, with byte locations) and lexes it
 * (lexer.c); statements.c dispatches each statement; selects.c, joins.c, writes.c and
 * exprs.c walk the tree and record edits (edits.c) — insertions and replacements at byte
 * offsets of the original text — using clauses.c to find clause boundaries in the tokens,
 * names.c to resolve table names, predicates.c to write the predicates. Finally the edits
 * are spliced into the original text, so everything the client wrote stays as it was. */
#ifndef RW_INTERNAL_H
#define RW_INTERNAL_H

#include "postgres.h"
#include "nodes/parsenodes.h"
#include "nodes/pg_list.h"

#include "rewrite/arena.h"
#include "rewrite/lexer.h"
#include "rewrite/rewrite.h"

typedef struct {
    int at, del;     /* replace text[at, at + del) ... */
    const char *ins; /* ... by this (may be empty) */
    int seq;         /* creation order: edits at one offset keep it */
} rw_edit;

/* A predicate still to be placed: it keeps the rows of one table reference that would
 * exist under real deletes. leaf_start/leaf_end span the reference in the text (name and
 * alias), for when it must be wrapped in place instead of added to a WHERE or ON. */
typedef struct rw_pending {
    const char *text;
    int leaf_start, leaf_end;
    struct rw_pending *next;
} rw_pending;

typedef struct {
    const rw_context *ctx;
    const char *sql;
    int len;
    rw_tokens toks;
    rw_arena *arena;
    rw_edit *edits;
    int nedits, capedits;
    const char **ctes; /* CTE names in scope, innermost last */
    int nctes, capctes;
    int alias_seq;             /* for generated aliases */
    const char *refusal;       /* why the current statement must be refused, or NULL */
    const char *refusal_state; /* with its own SQLSTATE and message (rw_refuse_with), or NULL */
    const char *unknown_node;  /* a node kind the walk does not know, or NULL */
    rw_stmt_facts *facts;      /* of the statement being walked */
    int stmt;                  /* its index in the text */
    bool literal_text;         /* an edit copies text that may hold literals (rewrite/shape.h) */
} rw_walk;

/* edits.c */
void rw_edit_insert(rw_walk *w, int at, const char *text);
void rw_edit_replace(rw_walk *w, int at, int end, const char *text);
/* Applies the walk's edits to its whole text, into out->sql, out->len and out->edits; false
 * (and nothing set) when two edits overlap. */
bool rw_edits_apply(rw_walk *w, rw_result *out);
/* The same for edits in the order they apply (by offset, not overlapping), of any text. */
bool rw_splice(const char *text, int len, const rw_edit *edits, int n, rw_chars chars,
               rw_result *out);
void rw_refuse(rw_walk *w, const char *why);

/* explain.c: facts for rw_context.explain, when there is one */
void rw_explain_note(rw_walk *w, rw_why_kind kind, const rw_table *t);
/* Statement `stmt` was refused: its facts go, the refusal stays. */
void rw_explain_refused(rw_walk *w, int stmt, const char *why);

/* clauses.c — token positions (indexes into w->toks) */
enum rw_clause {
    RW_CL_FROM,
    RW_CL_INTO,
    RW_CL_WHERE,
    RW_CL_GROUP,
    RW_CL_HAVING,
    RW_CL_WINDOW,
    RW_CL_ORDER,
    RW_CL_LIMIT,
    RW_CL_OFFSET,
    RW_CL_FETCH,
    RW_CL_FOR,
    RW_CL_USING,
    RW_CL_SET,
    RW_CL_RETURNING,
    RW_CL_COUNT
};
typedef struct {
    int at[RW_CL_COUNT]; /* token index of each clause keyword at depth 0, or -1 */
    int end;             /* token index where the statement part ends */
} rw_clauses;
/* Scans from token `from` (at the statement's depth) to the end of that statement or
 * select, recording the clause keywords in `which` (bit per enum rw_clause). */
void rw_clauses_scan(rw_walk *w, int from, unsigned which, rw_clauses *out);
/* The token that ends the clause starting at keyword token kw: the next recorded clause or
 * the end. */
int rw_clause_next(const rw_clauses *c, int kw);
/* Token index of the expression end (exclusive) for a join ON condition starting after
 * token on. */
int rw_on_expr_end(rw_walk *w, int on);
/* Byte offset of the end of token i - 1, i.e. right after the last token before token i. */
int rw_end_before(rw_walk *w, int i);
/* The smallest location found anywhere in a raw expression tree, or -1. */
int rw_expr_min_location(Node *n);
/* The keyword token that introduces an expression (WHERE, ON, ...): the token before the
 * expression's first token, skipping opening parentheses. -1 if it is not `kw`. */
int rw_keyword_before(rw_walk *w, Node *expr, const char *kw);
/* Byte span [start, end) of a table reference in FROM: name, alias and column aliases. */
void rw_range_span(rw_walk *w, const RangeVar *rv, int *start, int *end);

/* names.c */
const rw_table *rw_resolve(rw_walk *w, const RangeVar *rv);
/* The name that refers to the table reference in expressions (alias, or name as written),
 * quoted for SQL. */
const char *rw_ref_name(rw_walk *w, const RangeVar *rv);
/* Names and texts in generated SQL, quoted so that no content ends them (rewrite/quote.h):
 * an identifier, a string literal that means s with standard_conforming_strings on or off,
 * and a dollar quote $tag$text$tag$ whose tag text does not end. */
const char *rw_quote(rw_walk *w, const char *ident);
const char *rw_qualified(rw_walk *w, const rw_table *t);
const char *rw_sql_literal(rw_walk *w, const char *s);
const char *rw_dollar_quote(rw_walk *w, const char *text);
void rw_push_ctes(rw_walk *w, WithClause *with, int *saved);
void rw_pop_ctes(rw_walk *w, int saved);
void rw_push_cte_name(rw_walk *w, const char *name);

/* predicates.c */
/* Predicate keeping the rows of table t (referenced as ref) that exist under real deletes,
 * or NULL when t needs none. */
const char *rw_live_pred(rw_walk *w, const rw_table *t, const char *ref);
/* The same for what the session's tombstone.visibility sees (rw_live_pred when live). */
const char *rw_visible_pred(rw_walk *w, const rw_table *t, const char *ref);
/* A comma-free " AND "-joined text of the pending predicates. */
const char *rw_join_preds(rw_walk *w, const rw_pending *p);
const char *rw_marker_value(const rw_table *t); /* what a delete sets: now() / true */

/* exprs.c */
/* Calls fn on every direct child of an expression node (sub-selects included); false for a
 * node kind the walk does not know. */
bool rw_node_children(Node *n, void (*fn)(Node *child, void *arg), void *arg);
/* The node's own location field, or -1 for kinds without one. */
int rw_node_location(Node *n);
void rw_walk_expr(rw_walk *w, Node *n);
/* Calls fn on every column reference of an expression, not inside its sub-selects. */
void rw_for_each_columnref(Node *n, void (*fn)(ColumnRef *, void *), void *arg);

/* selects.c */
void rw_walk_select(rw_walk *w, SelectStmt *s);
/* Adds predicates to the WHERE clause that starts at token where_kw (or -1 when there is
 * none, in which case " WHERE ..." is inserted after the token before `insert_before`). */
void rw_add_where(rw_walk *w, Node *where, int where_kw, int where_end, int insert_before,
                  const rw_pending *preds);

/* joins.c */
/* Walks one FROM item, returns the predicates that its parent must still apply. */
rw_pending *rw_walk_from_item(rw_walk *w, Node *item);
rw_pending *rw_walk_from_list(rw_walk *w, List *items);
/* Filters a table reference where it stands: (t JOIN (SELECT) AS _tomb$n ON pred). */
void rw_wrap_leaf(rw_walk *w, const rw_pending *p);

/* merge.c */
void rw_walk_merge(rw_walk *w, MergeStmt *m);

/* writes.c */
unsigned rw_walk_delete(rw_walk *w, DeleteStmt *d);
void rw_walk_update(rw_walk *w, UpdateStmt *u);
void rw_walk_insert(rw_walk *w, InsertStmt *i);
void rw_walk_copy(rw_walk *w, CopyStmt *c);

/* references.c: writes of foreign keys whose parent is soft-delete */
/* Refuses the statement when it writes such a key of t (set_targets: the SET of an UPDATE,
 * NIL for a statement that writes whole rows) and its checking triggers are missing. */
void rw_require_key_triggers(rw_walk *w, const rw_table *t, List *set_targets);
/* The refusal's reason for such a statement, `what` naming it. */
#define RW_NO_TRIGGERS(what)                                                                       \
    what " without the triggers of `tombstone install` for its foreign keys (run it, or run it "   \
         "again after DDL where no event trigger could)"

/* writes.c and merge.c: a DELETE of a soft-delete table in the trash, under soft deletes */
#define RW_TRASH_DELETE                                                                            \
    "tombstone: a DELETE under tombstone.visibility = deleted marks nothing: the rows it "         \
    "reaches are deleted already (SET tombstone.deletes = hard to delete them for good)"

/* upsert.c: ON CONFLICT on a soft-delete table */
void rw_upsert(rw_walk *w, InsertStmt *ins, const rw_table *t);

/* shape.c: a template of this walk's edits for texts of the same shape, if it can be one */
struct rw_shape;
bool rw_shape_make(const rw_walk *w, const rw_stmt_facts *facts, int n, struct rw_shape *out);

/* modes.c: SET tombstone.visibility / tombstone.deletes */
void rw_mode_facts(rw_walk *w, VariableSetStmt *v, rw_stmt_facts *f);
/* Refuses the statement with this SQLSTATE and message (not the 0A000 of rw_refuse). */
void rw_refuse_with(rw_walk *w, const char *sqlstate, const char *message);

/* statements.c */
/* set_config('search_path', ...) in an expression: a search_path change like SET. */
void rw_note_set_config(rw_walk *w, FuncCall *f);
void rw_walk_statement(rw_walk *w, Node *stmt, rw_stmt_facts *facts);
/* Walks a statement that can appear inside another (CTE, EXPLAIN, PREPARE ...); returns
 * RW_DELETE_TAG when it is a DELETE turned into an UPDATE. */
unsigned rw_walk_dml(rw_walk *w, Node *stmt);

#endif
