/* rewrite/cascade.c — the plan of a DELETE's foreign-key actions, for tombstone.cascade().
 *
 * Deleting rows of a soft-delete table P must do what PostgreSQL's ON DELETE actions would:
 * for each foreign key referencing P, one step, run on the keys of the rows deleted:
 *   c  CASCADE to a soft-delete child: mark its live rows, then the steps of the child;
 *   v  CASCADE to a child without marker: its rows vanish with their parent (reads hide
 *      them), but their own children's actions still apply: the steps of the child;
 *   n  SET NULL / SET DEFAULT on the live rows (SET DEFAULT is then checked like NO ACTION:
 *      a default equal to the deleted key still references it);
 *   a  RESTRICT / NO ACTION: fail if a live row still references a deleted key. These run
 *      after every cascade (PostgreSQL checks both at the end of the statement), and rows
 *      this statement deletes do not count.
 * Each step locks before it acts ("lock" runs first) and gets keys as jsonb objects, $1;
 * $2 holds the keys of the rows the statement itself deletes. The plan is JSON:
 *   {"root": [steps on the target's keys], "steps": [{"kind", "lock", "act", "next", ...}]}
 * A self-referencing key or a cycle of keys makes the plan a graph: "next" names steps by
 * index, and tombstone.cascade stops when a step marks nothing new. */
#include "rewrite/internal.h"

#include <string.h>

/* What a step does to the rows of its key's child table; the letter is the plan's "kind"
 * (a visit is a cascade to a table without marker, which helpers.sql runs as one). */
typedef enum {
    STEP_NONE = 0,
    STEP_MARK = 'c',  /* CASCADE to a soft-delete child: mark its live rows */
    STEP_VISIT = 'v', /* CASCADE to a child without marker: reads hide its rows; go on below */
    STEP_SET = 'n',   /* SET NULL / SET DEFAULT on the live rows */
    STEP_CHECK = 'a', /* RESTRICT / NO ACTION: fail if a live row still references the key */
} step_kind;

/* Chains of visits (unmarked tables cascading to unmarked tables) are followed this deep
 * when deciding whether they lead to anything; deeper ones keep their steps. */
enum { VISIT_DEPTH = 16 };

typedef struct {
    step_kind kind;
    const rw_fk *fk;
} step;

typedef struct {
    rw_walk *w;
    const rw_table *root;
    step *steps;
    int nsteps, capsteps;
    const rw_table **tables; /* the tables planned: their steps are those whose fk->parent */
    int ntables, captables;  /* is the table */
} plan;

static void *grow(rw_walk *w, void *items, int n, int *cap, size_t size)
{
    if (n < *cap)
        return items;
    *cap = *cap ? 2 * *cap : 8;
    void *bigger = rw_arena_alloc(w->arena, (size_t)*cap * size);
    if (n)
        memcpy(bigger, items, (size_t)n * size);
    return bigger;
}

static bool planned(const plan *p, const rw_table *t)
{
    for (int i = 0; i < p->ntables; i++)
        if (p->tables[i] == t)
            return true;
    return false;
}

static step_kind kind_of(const rw_fk *fk);

/* Does deleting rows of t make anything happen beyond t (a mark, a SET NULL, a check)? A
 * table without marker whose keys only cascade to more such tables needs nothing: reads
 * hide all of them. `depth` bounds cycles. */
static bool has_actions(const rw_table *t, int depth)
{
    if (depth > VISIT_DEPTH)
        return true; /* a long chain of unmarked cascades: keep the steps, they are safe */
    for (int i = 0; i < t->nchildren; i++) {
        step_kind kind = kind_of(t->children[i]);
        if (kind != STEP_NONE && kind != STEP_VISIT)
            return true;
        if (kind == STEP_VISIT && t->children[i]->child != t &&
            has_actions(t->children[i]->child, depth + 1))
            return true;
    }
    return false;
}

static step_kind kind_of(const rw_fk *fk)
{
    switch (fk->on_delete) {
    case RW_FK_CASCADE:
        if (fk->child->marker != RW_MARKER_NONE)
            return STEP_MARK;
        /* an unmarked child is hidden by reads; only what its deletion triggers matters */
        return fk->child->nchildren > 0 ? STEP_VISIT : STEP_NONE;
    case RW_FK_SET_NULL:
    case RW_FK_SET_DEFAULT:
        return STEP_SET;
    case RW_FK_RESTRICT:
    case RW_FK_NO_ACTION:
        return STEP_CHECK;
    default:
        return STEP_NONE;
    }
}

static void add_step(plan *p, step_kind kind, const rw_fk *fk)
{
    p->steps = grow(p->w, p->steps, p->nsteps, &p->capsteps, sizeof *p->steps);
    p->steps[p->nsteps++] = (step){kind, fk};
}

/* Does the plan go on below this key's child table? */
static bool goes_below(const rw_fk *fk)
{
    step_kind kind = kind_of(fk);
    return kind == STEP_MARK || (kind == STEP_VISIT && has_actions(fk->child, 0));
}

/* Plans the steps of every foreign key referencing t, and of the tables they reach. */
static void plan_table(plan *p, const rw_table *t)
{
    if (planned(p, t))
        return;
    p->tables = grow(p->w, p->tables, p->ntables, &p->captables, sizeof *p->tables);
    p->tables[p->ntables++] = t;
    for (int i = 0; i < t->nchildren; i++) {
        const rw_fk *fk = t->children[i];
        step_kind kind = kind_of(fk);
        if (kind == STEP_NONE || (kind == STEP_VISIT && !goes_below(fk)))
            continue;
        add_step(p, kind, fk);
        /* a default that is the deleted key itself still references it: PostgreSQL then
         * fails as for NO ACTION */
        if (fk->on_delete == RW_FK_SET_DEFAULT)
            add_step(p, STEP_CHECK, fk);
    }
    for (int i = 0; i < t->nchildren; i++)
        if (goes_below(t->children[i]))
            plan_table(p, t->children[i]->child);
}

/* ---- SQL of the steps ------------------------------------------------------------------ */

static const char *column_type(const rw_table *t, const char *col)
{
    for (int i = 0; i < t->ncols; i++)
        if (t->cols[i].name && strcmp(t->cols[i].name, col) == 0)
            return t->cols[i].type;
    return NULL;
}

/* "(c.a, c.b) IN (SELECT (k->>'x')::int, (k->>'y')::int FROM jsonb_array_elements($n) k)":
 * rows of the child whose key columns hold one of the parent keys in $n. */
static const char *keys_match(rw_walk *w, const rw_fk *fk, int param)
{
    const char *cols = NULL, *vals = NULL;
    for (int i = 0; i < fk->ncols; i++) {
        /* the key's text cast to the column's type keeps the column's index usable; a type
         * the snapshot does not know is compared as text */
        const char *type = column_type(fk->child, fk->child_cols[i]);
        const char *col =
            rw_arena_cat(w->arena, "c.", rw_quote(w, fk->child_cols[i]), type ? "" : "::text");
        cols = rw_arena_append(w->arena, cols, ", ", col);
        vals =
            rw_arena_append(w->arena, vals, ", ",
                            rw_arena_cat(w->arena, "(k->>", rw_sql_literal(w, fk->parent_cols[i]),
                                         ")::", type ? type : "text"));
    }
    return rw_arena_printf(w->arena, "(%s) IN (SELECT %s FROM jsonb_array_elements($%d) k)", cols,
                           vals, param);
}

static bool listed(const char *const *names, int n, const char *name)
{
    for (int i = 0; i < n; i++)
        if (strcmp(names[i], name) == 0)
            return true;
    return false;
}

/* The columns of t that foreign keys reference: what its deleted rows pass on. Runs for
 * every DELETE on t, so it lists each column once without searching the text built. */
static const char *key_object(rw_walk *w, const rw_table *t, const char *ref)
{
    int n = 0, cap = 0;
    for (int i = 0; i < t->nchildren; i++)
        cap += t->children[i]->ncols;
    if (!cap)
        return NULL;
    const char **names = rw_arena_alloc(w->arena, (size_t)cap * sizeof *names);
    const char **items = rw_arena_alloc(w->arena, (size_t)cap * sizeof *items);
    size_t len = 0;
    for (int i = 0; i < t->nchildren; i++)
        for (int k = 0; k < t->children[i]->ncols; k++) {
            const char *col = t->children[i]->parent_cols[k];
            if (listed(names, n, col))
                continue;
            names[n] = col;
            items[n] = rw_arena_cat(w->arena, n ? ", " : "", rw_sql_literal(w, col), ", ", ref, ".",
                                    rw_quote(w, col));
            len += strlen(items[n++]);
        }
    char *obj = rw_arena_alloc(w->arena, len + sizeof "jsonb_build_object()"), *p = obj;
    p = stpcpy(p, "jsonb_build_object(");
    for (int i = 0; i < n; i++)
        p = stpcpy(p, items[i]);
    strcpy(p, ")");
    return obj;
}

/* The child's rows that reference the deleted keys ($1), and meet `extra` if given. */
static const char *referencing(rw_walk *w, const rw_fk *fk, const char *extra)
{
    const char *match = keys_match(w, fk, 1);
    return extra ? rw_arena_cat(w->arena, match, " AND ", extra) : match;
}

/* Rows of the statement's own target are marked by the statement itself, after the steps:
 * a step reaching its own table (a tree, a cycle) leaves them alone, and they do not hold
 * back a NO ACTION key. They are known by a unique key of theirs that foreign keys
 * reference, as passed in $2. NULL when the step's table is another one. */
static const char *not_deleted_here(plan *p, const rw_fk *fk)
{
    const rw_table *t = p->root;
    if (fk->child != t || !t->nchildren)
        return NULL;
    const rw_fk *key = t->children[0];
    const char *cols = NULL, *vals = NULL;
    for (int i = 0; i < key->ncols; i++) {
        const char *type = column_type(t, key->parent_cols[i]);
        cols = rw_arena_append(p->w->arena, cols, ", ",
                               rw_arena_cat(p->w->arena, "c.", rw_quote(p->w, key->parent_cols[i]),
                                            type ? "" : "::text"));
        vals = rw_arena_append(p->w->arena, vals, ", ",
                               rw_arena_cat(p->w->arena, "(k->>",
                                            rw_sql_literal(p->w, key->parent_cols[i]),
                                            ")::", type ? type : "text"));
    }
    return rw_arena_cat(p->w->arena, "NOT (", cols, ") IN (SELECT ", vals,
                        " FROM jsonb_array_elements($2) k)");
}

static const char *both(rw_walk *w, const char *a, const char *b)
{
    if (!a || !b)
        return a ? a : b;
    return rw_arena_cat(w->arena, a, " AND ", b);
}

static const char *step_sql(plan *p, const step *s, const char **lock)
{
    rw_walk *w = p->w;
    const rw_fk *fk = s->fk;
    const rw_table *c = fk->child;
    const char *table = rw_qualified(w, c);
    const char *live = both(w, rw_live_pred(w, c, "c"), not_deleted_here(p, fk));
    const char *keys = key_object(w, c, "c");
    *lock = NULL;
    switch (s->kind) {
    case STEP_MARK: {
        const char *own = rw_arena_cat(w->arena, "c.", rw_quote(w, c->marker_col), " ",
                                       c->marker == RW_MARKER_BOOL ? "= false" : "IS NULL");
        const char *rows = referencing(w, fk, both(w, own, not_deleted_here(p, fk)));
        *lock =
            rw_arena_cat(w->arena, "SELECT 1 FROM ", table, " c WHERE ", rows, " FOR UPDATE OF c");
        return rw_arena_printf(w->arena,
                               "WITH u AS (UPDATE %s c SET %s = %s WHERE %s RETURNING %s AS k) "
                               "SELECT %s FROM u",
                               table, rw_quote(w, c->marker_col), rw_marker_value(c), rows,
                               keys ? keys : "NULL::jsonb", keys ? "jsonb_agg(k)" : "NULL::jsonb");
    }
    case STEP_VISIT: {
        const char *rows = referencing(w, fk, not_deleted_here(p, fk));
        *lock =
            rw_arena_cat(w->arena, "SELECT 1 FROM ", table, " c WHERE ", rows, " FOR UPDATE OF c");
        return rw_arena_cat(w->arena, "SELECT jsonb_agg(", keys, ") FROM ", table, " c WHERE ",
                            rows);
    }
    case STEP_SET: {
        const char *set = NULL, *value = fk->on_delete == RW_FK_SET_DEFAULT ? "DEFAULT" : "NULL";
        int n = fk->nset_cols ? fk->nset_cols : fk->ncols;
        char **cols = fk->nset_cols ? fk->set_cols : fk->child_cols;
        for (int i = 0; i < n; i++)
            set = rw_arena_append(w->arena, set, ", ",
                                  rw_arena_cat(w->arena, rw_quote(w, cols[i]), " = ", value));
        return rw_arena_cat(w->arena, "WITH u AS (UPDATE ", table, " c SET ", set, " WHERE ",
                            referencing(w, fk, live), " RETURNING 1) SELECT NULL::jsonb");
    }
    default: {
        const char *vals = NULL;
        for (int i = 0; i < fk->ncols; i++)
            vals = rw_arena_append(w->arena, vals, ", ",
                                   rw_arena_cat(w->arena, "c.", rw_quote(w, fk->child_cols[i])));
        return rw_arena_cat(w->arena, "SELECT jsonb_build_array(concat_ws(', ', ", vals, ")) FROM ",
                            table, " c WHERE ", referencing(w, fk, live), " LIMIT 1");
    }
    }
}

/* ---- JSON ------------------------------------------------------------------------------ */

/* s as a JSON string that holds it exactly: a name with a newline or a tab reaches
 * tombstone.cascade as it is in the catalog. Quotes and backslashes are \u escapes rather
 * than \" and \\: in a client encoding where 0x5C may end a character (SJIS, BIG5), such a
 * character would take the escape's backslash and leave the quote (or the second backslash)
 * free to end the string; with \u only "u0022" would be left, as text. */
static const char *json_string(rw_walk *w, const char *s)
{
    static const char hex[] = "0123456789abcdef";
    char *out = rw_arena_alloc(w->arena, 6 * strlen(s) + 3), *p = out;
    *p++ = '"';
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '\n' || c == '\t') {
            *p++ = '\\';
            *p++ = c == '\n' ? 'n' : 't';
        } else if (c < 0x20 || c == '"' || c == '\\') {
            p = stpcpy(p, "\\u00");
            *p++ = hex[c >> 4];
            *p++ = hex[c & 15];
        } else {
            *p++ = (char)c;
        }
    }
    *p++ = '"';
    return out;
}

/* Steps whose foreign key's parent is t, as a JSON array of indexes. */
static const char *steps_of(plan *p, const rw_table *t)
{
    const char *list = NULL;
    for (int i = 0; i < p->nsteps; i++)
        if (p->steps[i].fk->parent == t)
            list = rw_arena_append(p->w->arena, list, ",", rw_arena_printf(p->w->arena, "%d", i));
    return rw_arena_cat(p->w->arena, "[", list ? list : "", "]");
}

static const char *step_json(plan *p, const step *s)
{
    rw_walk *w = p->w;
    const char *lock, *act = step_sql(p, s, &lock);
    const char *json =
        rw_arena_printf(w->arena, "{\"kind\":\"%c\",\"act\":%s",
                        s->kind == STEP_VISIT ? STEP_MARK : s->kind, json_string(w, act));
    if (lock)
        json = rw_arena_cat(w->arena, json, ",\"lock\":", json_string(w, lock));
    if (s->kind == STEP_MARK || s->kind == STEP_VISIT)
        json = rw_arena_cat(w->arena, json, ",\"next\":", steps_of(p, s->fk->child));
    if (s->kind == STEP_CHECK) {
        json =
            rw_arena_cat(w->arena, json, ",\"deferred\":",
                         s->fk->deferred && s->fk->on_delete == RW_FK_NO_ACTION ? "true" : "false");
        const char *cols = NULL;
        for (int i = 0; i < s->fk->ncols; i++)
            cols = rw_arena_append(w->arena, cols, ", ", s->fk->parent_cols[i]);
        json = rw_arena_printf(
            w->arena, "%s,\"con\":%s,\"parent\":%s,\"child\":%s,\"schema\":%s,\"cols\":%s", json,
            json_string(w, s->fk->name), json_string(w, s->fk->parent->name),
            json_string(w, s->fk->child->name), json_string(w, s->fk->child->schema),
            json_string(w, cols));
    }
    return rw_arena_cat(w->arena, json, "}");
}

static const char *build_plan(rw_walk *w, const rw_table *t)
{
    plan p = {.w = w, .root = t};
    plan_table(&p, t);
    if (!p.nsteps)
        return "";
    const char *steps = NULL;
    for (int i = 0; i < p.nsteps; i++)
        steps = rw_arena_append(w->arena, steps, ",", step_json(&p, &p.steps[i]));
    return rw_arena_cat(w->arena, "{\"root\":", steps_of(&p, t), ",\"steps\":[", steps, "]}");
}

/* A plan depends on the snapshot alone and, over a large graph of keys, costs far more than
 * the statement's parse: it is built once per table and snapshot, and kept as the literal
 * statements pass it in (so the search for a dollar-quote tag is done once too). */
const char *rw_cascade_plan(rw_walk *w, const rw_table *t)
{
    const char *kept = rw_snapshot_memo_get(w->ctx->snapshot, t, RW_MEMO_PLAN);
    if (!kept) {
        int seq = w->alias_seq; /* the plan's aliases are its own: the statement's stay as
                                 * they would be with a kept plan */
        const char *plan = build_plan(w, t);
        kept = rw_snapshot_memo_put(w->ctx->snapshot, t, RW_MEMO_PLAN,
                                    *plan ? rw_dollar_quote(w, plan) : "");
        w->alias_seq = seq;
    }
    return *kept ? kept : NULL;
}

const char *rw_key_object(rw_walk *w, const rw_table *t, const char *ref)
{
    return key_object(w, t, ref);
}

const char *rw_cascade_row_value(rw_walk *w, const rw_table *t, const char *ref, const char *plan)
{
    return rw_arena_cat(w->arena, "tombstone.cascade_row(", plan, "::jsonb, ",
                        key_object(w, t, ref), ", ", rw_marker_value(t), ")");
}
