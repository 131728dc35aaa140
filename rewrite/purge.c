/* rewrite/purge.c — the plan of `tombstone purge` (rewrite/purge.h): the order of the tables
 * by their foreign keys, and the SQL of each batch. */
#include "rewrite/purge.h"

#include "common/mem.h"
#include "rewrite/map.h"
#include "rewrite/sqltext.h"

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Tables without marker followed through ON DELETE CASCADE below a purged row, as deep as
 * the rewriter's reads follow them (rewrite/predicates.c); deeper, any row holds. */
enum { HIDDEN_DEPTH = 8 };

/* ---- the order: children before parents, cycles as groups ----------------------------- */

typedef struct {
    const rw_table *table;
    int index, low, scc; /* Tarjan's numbers; scc: the component, -1 until it has one */
    bool on_stack;
    bool done; /* its component was placed in the order */
} node;

typedef struct {
    node *nodes;
    int n;
    rw_map by_table; /* the table pointer's bytes -> node + 1 */
    int *stack, nstack, counter, nsccs;
} graph;

static int by_name(const void *a, const void *b)
{
    const node *x = a, *y = b;
    int c = strcmp(x->table->schema, y->table->schema);
    return c ? c : strcmp(x->table->name, y->table->name);
}

static node *node_of(graph *g, const rw_table *t)
{
    return rw_map_get(&g->by_table, (const char *)&t, sizeof t);
}

/* Every table that can hold keys, sorted by name so that the order is the same every run. */
static void graph_init(graph *g, const rw_snapshot *s)
{
    int total = rw_snapshot_table_count(s);
    g->nodes = mem_array((size_t)(total ? total : 1), sizeof *g->nodes);
    for (int i = 0; i < total; i++) {
        const rw_table *t = rw_snapshot_table(s, i);
        if (t->relkind == 'r' || t->relkind == 'p')
            g->nodes[g->n++] = (node){.table = t, .index = -1, .scc = -1};
    }
    qsort(g->nodes, (size_t)g->n, sizeof *g->nodes, by_name);
    for (int i = 0; i < g->n; i++)
        rw_map_put(&g->by_table, (const char *)&g->nodes[i].table, sizeof g->nodes[i].table,
                   &g->nodes[i]);
    g->stack = mem_array((size_t)(g->n ? g->n : 1), sizeof *g->stack);
}

static void graph_free(graph *g)
{
    rw_map_free(&g->by_table);
    free(g->nodes);
    free(g->stack);
}

/* Tarjan's strongly connected components over "child -> parent": the tables of a cycle of
 * keys end up in one component (a self-reference makes none: a batch takes the rows that
 * nothing references, leaves first). */
static void strong_connect(graph *g, node *v)
{
    v->index = v->low = g->counter++;
    g->stack[g->nstack++] = (int)(v - g->nodes);
    v->on_stack = true;
    for (int i = 0; i < v->table->nparents; i++) {
        node *w = node_of(g, v->table->parents[i]->parent);
        if (!w || w == v)
            continue;
        if (w->index < 0) {
            strong_connect(g, w);
            v->low = w->low < v->low ? w->low : v->low;
        } else if (w->on_stack && w->index < v->low) {
            v->low = w->index;
        }
    }
    if (v->low != v->index)
        return;
    node *w;
    do {
        w = &g->nodes[g->stack[--g->nstack]];
        w->on_stack = false;
        w->scc = g->nsccs;
    } while (w != v);
    g->nsccs++;
}

/* Can component c go now: has every table referencing one of its tables (from another
 * component) gone already? */
static bool component_ready(const graph *g, int c)
{
    for (int i = 0; i < g->n; i++) {
        const node *v = &g->nodes[i];
        for (int k = 0; v->scc == c && k < v->table->nchildren; k++) {
            const node *child = node_of((graph *)g, v->table->children[k]->child);
            if (child && child->scc != c && !child->done)
                return false;
        }
    }
    return true;
}

/* The components in purge order: of the ready ones, the one holding the first table by
 * name. Fills order[] with node indexes, a component's tables together, by name. */
static void graph_order(graph *g, int *order)
{
    for (int i = 0; i < g->n; i++)
        if (g->nodes[i].index < 0)
            strong_connect(g, &g->nodes[i]);
    int placed = 0;
    while (placed < g->n) {
        int c = -1;
        for (int i = 0; i < g->n && c < 0; i++)
            if (!g->nodes[i].done && component_ready(g, g->nodes[i].scc))
                c = g->nodes[i].scc;
        if (c < 0) /* cannot happen: the components of a graph form no cycle */
            abort();
        for (int i = 0; i < g->n; i++) {
            if (g->nodes[i].scc == c) {
                g->nodes[i].done = true;
                order[placed++] = i;
            }
        }
    }
}

/* ---- the SQL --------------------------------------------------------------------------- */

typedef struct {
    rw_arena *a;
    int alias;
} gen;

/* How a statement names t: its own rows, or a partitioned table's whole. */
static const char *rel_ref(rw_arena *a, const rw_table *t)
{
    const char *name = rw_text_table(a, t);
    return t->relkind == 'p' ? name : rw_arena_cat(a, "ONLY ", name);
}

/* r.<child key> = ref.<parent key>, and not the row itself for a self-reference. */
static const char *references_row(gen *g, const rw_fk *fk, const char *alias, const char *ref)
{
    const char *eq = rw_text_key_eq(g->a, alias, fk->child_cols, ref, fk->parent_cols, fk->ncols);
    if (fk->child != fk->parent)
        return eq;
    return rw_arena_printf(g->a, "%s AND (%s.tableoid, %s.ctid) <> (%s.tableoid, %s.ctid)", eq,
                           alias, alias, ref, ref);
}

/* The condition under which row `ref` of t is still referenced by a row that deleting it
 * would reach: any row of a soft-delete table or through a key that is not a cascade; a row
 * of a table without marker through ON DELETE CASCADE is hidden and goes with it, unless it
 * is referenced in turn. NULL when nothing can hold it. */
static const char *referenced(gen *g, const rw_table *t, const char *ref, int depth)
{
    const char *any = NULL;
    for (int i = 0; i < t->nchildren; i++) {
        const rw_fk *fk = t->children[i];
        const char *alias = rw_arena_printf(g->a, "r%d", ++g->alias);
        const char *cond = references_row(g, fk, alias, ref);
        if (fk->child->marker == RW_MARKER_NONE && fk->on_delete == RW_FK_CASCADE &&
            depth + 1 < HIDDEN_DEPTH) {
            const char *deeper = referenced(g, fk->child, alias, depth + 1);
            if (!deeper)
                continue; /* hidden rows nothing references: PostgreSQL's cascade takes them */
            cond = rw_arena_cat(g->a, cond, " AND (", deeper, ")");
        }
        any = rw_arena_append(g->a, any, " OR ",
                              rw_arena_printf(g->a, "EXISTS (SELECT 1 FROM %s %s WHERE %s)",
                                              rel_ref(g->a, fk->child), alias, cond));
    }
    return any;
}

/* The rows of t that are purged once nothing references them. */
static const char *eligible(rw_arena *a, const rw_table *t, const char *ref,
                            const rw_purge_options *o)
{
    const char *col = rw_arena_cat(a, ref, ".", rw_text_ident(a, t->marker_col));
    if (t->marker == RW_MARKER_BOOL)
        return col;
    return o->cutoff ? rw_arena_cat(a, col, " < $1") : rw_arena_cat(a, col, " IS NOT NULL");
}

/* The keys through which a live row can hold a marked row of t (a row of a table without
 * marker through a cascade is hidden, never live), with the count of such rows. */
static void holds(gen *g, rw_purge_step *st, const char *elig, const char *rel)
{
    const rw_table *t = st->table;
    st->holds = rw_arena_alloc(g->a, (size_t)(t->nchildren ? t->nchildren : 1) * sizeof *st->holds);
    for (int i = 0; i < t->nchildren; i++) {
        const rw_fk *fk = t->children[i];
        if (fk->child->marker == RW_MARKER_NONE && fk->on_delete == RW_FK_CASCADE)
            continue;
        const char *cond = references_row(g, fk, "r", "q");
        if (fk->child->marker != RW_MARKER_NONE)
            cond = rw_arena_cat(g->a, cond, " AND ", rw_text_marked(g->a, fk->child, "r", false));
        st->holds[st->nholds++] = (rw_purge_hold){
            fk, rw_arena_printf(g->a,
                                "SELECT count(*) FROM %s q WHERE %s AND EXISTS (SELECT 1 FROM %s r "
                                "WHERE %s)",
                                rel, elig, rel_ref(g->a, fk->child), cond)};
    }
}

static void make_step(gen *g, rw_purge_step *st, const rw_purge_options *o)
{
    const rw_table *t = st->table;
    if (t->marker == RW_MARKER_BOOL && !o->all_marked) {
        st->skipped = "its marker is a boolean, which carries no time: --all-marked purges "
                      "every marked row of it";
        return;
    }
    const char *rel = rel_ref(g->a, t), *elig = eligible(g->a, t, "q", o);
    g->alias = 0;
    const char *refd = referenced(g, t, "q", 0);
    const char *free_rows = refd ? rw_arena_cat(g->a, elig, " AND NOT (", refd, ")") : elig;
    st->count = rw_arena_cat(g->a, "SELECT count(*) FROM ", rel, " q WHERE ", elig);
    st->ready = rw_arena_cat(g->a, "SELECT count(*) FROM ", rel, " q WHERE ", free_rows);
    st->batch = rw_arena_printf(g->a,
                                "DELETE FROM %s d USING (SELECT q.tableoid, q.ctid FROM %s q "
                                "WHERE %s LIMIT %d FOR UPDATE OF q SKIP LOCKED) v "
                                "WHERE d.tableoid = v.tableoid AND d.ctid = v.ctid",
                                rel, rel, free_rows, o->batch_size);
    holds(g, st, elig, rel);
}

/* ---- the plan -------------------------------------------------------------------------- */

static bool named(const rw_table *t, const char *name)
{
    size_t sl = strlen(t->schema);
    return strcmp(name, t->name) == 0 || (strncmp(name, t->schema, sl) == 0 && name[sl] == '.' &&
                                          strcmp(name + sl + 1, t->name) == 0);
}

static bool selected(const rw_table *t, const rw_purge_options *o)
{
    if (t->marker == RW_MARKER_NONE)
        return false;
    for (int i = 0; i < o->ntables; i++)
        if (named(t, o->tables[i]))
            return true;
    return o->ntables == 0;
}

/* Every name of options.tables must be a soft-delete table: a typo must not purge nothing
 * silently. */
static const char *unknown_table(rw_purge_plan *p, const graph *g, const rw_purge_options *o)
{
    for (int i = 0; i < o->ntables; i++) {
        bool found = false;
        for (int k = 0; k < g->n && !found; k++)
            found = g->nodes[k].table->marker != RW_MARKER_NONE &&
                    named(g->nodes[k].table, o->tables[i]);
        if (!found)
            return rw_arena_cat(&p->arena, "\"", o->tables[i], "\" is no soft-delete table");
    }
    return NULL;
}

rw_purge_plan *rw_purge_plan_make(const rw_snapshot *s, const rw_purge_options *o)
{
    rw_purge_plan *p = mem_zalloc(sizeof *p);
    graph g = {0};
    graph_init(&g, s);
    int *order = mem_array((size_t)(g.n ? g.n : 1), sizeof *order);
    graph_order(&g, order);
    p->error = unknown_table(p, &g, o);
    p->steps = rw_arena_alloc(&p->arena, (size_t)(g.n ? g.n : 1) * sizeof *p->steps);
    gen gn = {&p->arena, 0};
    int last_scc = -1;
    for (int i = 0; i < g.n && !p->error; i++) {
        const node *v = &g.nodes[order[i]];
        if (!selected(v->table, o))
            continue;
        if (v->scc != last_scc)
            p->ngroups++;
        last_scc = v->scc;
        rw_purge_step *st = &p->steps[p->nsteps++];
        st->table = v->table;
        st->group = p->ngroups - 1;
        make_step(&gn, st, o);
    }
    free(order);
    graph_free(&g);
    return p;
}

void rw_purge_plan_free(rw_purge_plan *p)
{
    if (!p)
        return;
    rw_arena_free(&p->arena);
    free(p);
}

bool rw_purge_interval(const char *arg, char *out, size_t n)
{
    static const struct {
        char unit;
        const char *word;
    } units[] = {{'s', "seconds"}, {'m', "minutes"}, {'h', "hours"}, {'d', "days"}, {'w', "weeks"}};
    size_t digits = strspn(arg, "0123456789");
    if (digits == 0 || digits > 9 || strlen(arg) != digits + 1)
        return false;
    for (size_t i = 0; i < sizeof units / sizeof *units; i++)
        if (tolower((unsigned char)arg[digits]) == units[i].unit)
            return snprintf(out, n, "%.*s %s", (int)digits, arg, units[i].word) < (int)n;
    return false;
}
