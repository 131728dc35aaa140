/* tests/fuzz/live_check.c — see live_check.h. The parse tree is walked generically through
 * protobuf-c's descriptors, so every node kind is reached without a case for each. */
#include "live_check.h"

#include "pg_query.h"
#include "pg_query.pb-c.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

/* The fixture's tables with a marker (tests/unit/rw_fixture.h), written out again here so
 * the check does not read the schema through the rewriter's snapshot code. */
static const struct {
    const char *schema, *name, *marker;
} soft_tables[] = {
    {"public", "authors", "deleted_at"},    {"public", "books", "deleted_at"},
    {"public", "chapters", "deleted_at"},   {"public", "places", "is_deleted"},
    {"public", "activities", "is_deleted"}, {"archive", "logs", "deleted_at"},
    {"public", "flags", "is_deleted"},
};

#define LIVE_MAX 256
#define LIVE_KEY 200

typedef struct {
    int nrefs, npreds, nctes;
    char refs[LIVE_MAX][LIVE_KEY];  /* "qualifier.marker" of each reference */
    char preds[LIVE_MAX][LIVE_KEY]; /* "qualifier.marker" of each predicate */
    char ctes[LIVE_MAX][64];
    char unqualified[LIVE_MAX][64]; /* the relname of refs[i] when it had no schema */
    const char *err;
} live_walk;

static const char *marker_of(const PgQuery__RangeVar *rv)
{
    const char *schema = rv->schemaname[0] ? rv->schemaname : "public"; /* the fixture path */
    for (size_t i = 0; i < sizeof soft_tables / sizeof soft_tables[0]; i++)
        if (!strcmp(soft_tables[i].schema, schema) && !strcmp(soft_tables[i].name, rv->relname))
            return soft_tables[i].marker;
    return NULL;
}

static void add(live_walk *w, char (*list)[LIVE_KEY], int *n, const char *key)
{
    if (*n == LIVE_MAX) {
        w->err = "live_check: too many references to check";
        return;
    }
    snprintf(list[(*n)++], LIVE_KEY, "%s", key);
}

/* Where a table reference must see live rows only: FROM, JOIN, USING, UPDATE's target. */
static bool filtered_place(const ProtobufCMessage *parent, const char *field)
{
    if (!strcmp(field, "from_clause") || !strcmp(field, "using_clause") || !strcmp(field, "larg") ||
        !strcmp(field, "rarg") || !strcmp(field, "source_relation"))
        return true;
    if (strcmp(field, "relation") != 0 || parent->descriptor != &pg_query__update_stmt__descriptor)
        return false;
    /* WHERE CURRENT OF: the row the cursor is on, which a rewritten query found live */
    const PgQuery__Node *where = ((const PgQuery__UpdateStmt *)parent)->where_clause;
    return !where || where->node_case != PG_QUERY__NODE__NODE_CURRENT_OF_EXPR;
}

static void on_range_var(live_walk *w, const PgQuery__RangeVar *rv, const ProtobufCMessage *parent,
                         const char *field)
{
    const char *marker = marker_of(rv);
    if (!marker)
        return;
    if (!strcmp(field, "relation") && parent->descriptor == &pg_query__delete_stmt__descriptor) {
        w->err = "a DELETE on a soft-delete table is left";
        return;
    }
    if (!filtered_place(parent, field))
        return;
    const char *alias = rv->alias ? rv->alias->aliasname : NULL;
    if (alias && !strncmp(alias, "_tomb$", 6))
        return; /* the rewriter's look-up of marked parents */
    char key[LIVE_KEY];
    if (alias)
        snprintf(key, sizeof key, "%s.%s", alias, marker);
    else if (rv->schemaname[0])
        snprintf(key, sizeof key, "%s.%s.%s", rv->schemaname, rv->relname, marker);
    else
        snprintf(key, sizeof key, "%s.%s", rv->relname, marker);
    if (w->nrefs < LIVE_MAX)
        snprintf(w->unqualified[w->nrefs], sizeof w->unqualified[0], "%s",
                 rv->schemaname[0] ? "" : rv->relname);
    add(w, w->refs, &w->nrefs, key);
}

/* True when parent tests its argument for "live": IS NULL, NOT, IS NOT TRUE, IS FALSE. */
static bool is_live_test(const ProtobufCMessage *parent)
{
    const ProtobufCMessageDescriptor *d = parent->descriptor;
    if (d == &pg_query__null_test__descriptor)
        return ((const PgQuery__NullTest *)parent)->nulltesttype ==
               PG_QUERY__NULL_TEST_TYPE__IS_NULL;
    if (d == &pg_query__bool_expr__descriptor)
        return ((const PgQuery__BoolExpr *)parent)->boolop == PG_QUERY__BOOL_EXPR_TYPE__NOT_EXPR;
    if (d != &pg_query__boolean_test__descriptor)
        return false;
    PgQuery__BoolTestType t = ((const PgQuery__BooleanTest *)parent)->booltesttype;
    return t == PG_QUERY__BOOL_TEST_TYPE__IS_NOT_TRUE || t == PG_QUERY__BOOL_TEST_TYPE__IS_FALSE;
}

/* A column reference tested as a marker: under IS [NOT] NULL, NOT, or IS [NOT] TRUE. */
static void on_column_ref(live_walk *w, const PgQuery__ColumnRef *c, const ProtobufCMessage *parent)
{
    if (!is_live_test(parent))
        return;
    char key[LIVE_KEY] = "";
    for (size_t i = 0; i < c->n_fields; i++) {
        if (c->fields[i]->node_case != PG_QUERY__NODE__NODE_STRING)
            return;
        if (i)
            strncat(key, ".", sizeof key - strlen(key) - 1);
        strncat(key, c->fields[i]->string->sval, sizeof key - strlen(key) - 1);
    }
    add(w, w->preds, &w->npreds, key);
}

static void walk(live_walk *w, const ProtobufCMessage *m, const ProtobufCMessage *parent,
                 const char *field);

/* The message-valued fields of m, each walked with m as its parent; a Node (a oneof of
 * every node kind) or a List is looked through, keeping the field it hangs from. */
static void walk_fields(live_walk *w, const ProtobufCMessage *m, const ProtobufCMessage *parent,
                        const char *field)
{
    const ProtobufCMessageDescriptor *d = m->descriptor;
    bool through = d == &pg_query__node__descriptor || d == &pg_query__list__descriptor;
    for (unsigned i = 0; i < d->n_fields; i++) {
        const ProtobufCFieldDescriptor *f = &d->fields[i];
        if (f->type != PROTOBUF_C_TYPE_MESSAGE)
            continue;
        const char *base = (const char *)m;
        if (f->label == PROTOBUF_C_LABEL_REPEATED) {
            size_t n = *(const size_t *)(base + f->quantifier_offset);
            ProtobufCMessage *const *items = *(ProtobufCMessage *const *const *)(base + f->offset);
            for (size_t k = 0; k < n; k++)
                walk(w, items[k], through ? parent : m, through ? field : f->name);
            continue;
        }
        if ((f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) &&
            *(const uint32_t *)(base + f->quantifier_offset) != f->id)
            continue;
        const ProtobufCMessage *sub = *(ProtobufCMessage *const *)(base + f->offset);
        if (sub)
            walk(w, sub, through ? parent : m, through ? field : f->name);
    }
}

static void walk(live_walk *w, const ProtobufCMessage *m, const ProtobufCMessage *parent,
                 const char *field)
{
    const ProtobufCMessageDescriptor *d = m->descriptor;
    if (d == &pg_query__range_var__descriptor && parent)
        on_range_var(w, (const PgQuery__RangeVar *)m, parent, field);
    else if (d == &pg_query__column_ref__descriptor && parent)
        on_column_ref(w, (const PgQuery__ColumnRef *)m, parent);
    else if (d == &pg_query__common_table_expr__descriptor && w->nctes < LIVE_MAX)
        snprintf(w->ctes[w->nctes++], sizeof w->ctes[0], "%s",
                 ((const PgQuery__CommonTableExpr *)m)->ctename);
    walk_fields(w, m, parent, field);
}

static bool is_cte(const live_walk *w, const char *name)
{
    for (int i = 0; i < w->nctes; i++)
        if (!strcmp(w->ctes[i], name))
            return true;
    return false;
}

/* Each reference takes one predicate of its name. */
static const char *balance(live_walk *w)
{
    for (int i = 0; i < w->nrefs; i++) {
        if (w->unqualified[i][0] && is_cte(w, w->unqualified[i]))
            continue;
        int j = 0;
        while (j < w->npreds && strcmp(w->preds[j], w->refs[i]) != 0)
            j++;
        if (j == w->npreds)
            return "a reference to a soft-delete table without its predicate";
        w->preds[j][0] = 0;
    }
    return NULL;
}

/* The statements SPEC §3 and §4 say are rewritten. */
static bool checked_statement(const PgQuery__Node *n)
{
    switch (n->node_case) {
    case PG_QUERY__NODE__NODE_SELECT_STMT:
    case PG_QUERY__NODE__NODE_INSERT_STMT:
    case PG_QUERY__NODE__NODE_UPDATE_STMT:
    case PG_QUERY__NODE__NODE_DELETE_STMT:
    case PG_QUERY__NODE__NODE_MERGE_STMT:
    case PG_QUERY__NODE__NODE_EXPLAIN_STMT:
    case PG_QUERY__NODE__NODE_PREPARE_STMT:
    case PG_QUERY__NODE__NODE_DECLARE_CURSOR_STMT:
    case PG_QUERY__NODE__NODE_COPY_STMT:
    case PG_QUERY__NODE__NODE_CREATE_TABLE_AS_STMT:
        return true;
    default:
        return false;
    }
}

const char *live_check(const char *sql)
{
    PgQueryProtobufParseResult parsed = pg_query_parse_protobuf(sql);
    PgQuery__ParseResult *tree =
        parsed.error ? NULL
                     : pg_query__parse_result__unpack(NULL, parsed.parse_tree.len,
                                                      (const uint8_t *)parsed.parse_tree.data);
    const char *err = NULL;
    static live_walk w; /* large: not on the stack */
    for (size_t i = 0; tree && !err && i < tree->n_stmts; i++) {
        const PgQuery__Node *stmt = tree->stmts[i]->stmt;
        if (!stmt || !checked_statement(stmt))
            continue;
        memset(&w, 0, sizeof w);
        walk(&w, &stmt->base, NULL, "");
        err = w.err ? w.err : balance(&w);
    }
    if (tree)
        pg_query__parse_result__free_unpacked(tree, NULL);
    pg_query_free_protobuf_parse_result(parsed);
    return err;
}
