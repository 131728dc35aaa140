/* tests/unit/test_rw_guard.c — guards for what the rewriter assumes about its inputs.
 *
 * 1. The rewriter reads libpg_query's raw parse tree through PostgreSQL 15's server headers,
 *    which are not the headers the library was built with. For every statement of the SQL
 *    corpora, every node the rewriter's walk can reach must have the kind and location the
 *    library's own protobuf output reports, and every table name must match.
 * 2. The rewriter's lexer must split text into the same tokens as PostgreSQL's scanner
 *    (pg_query_scan), comments aside.
 * A failure here means the header pairing or the lexer is wrong: fix that, not the test. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "rewrite/internal.h"

#include <pg_query.h>
#include "pg_query_internal.h"
#include <pg_query/pg_query.pb-c.h>

#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    char name[64]; /* protobuf message name of the node kind */
    int location;
} seen_node;

typedef struct {
    seen_node *v;
    int n, cap;
} node_set;

static void set_add(node_set *s, const char *name, int location)
{
    if (s->n == s->cap) {
        s->cap = s->cap ? 2 * s->cap : 64;
        s->v = realloc(s->v, (size_t)s->cap * sizeof *s->v);
        assert_non_null(s->v);
    }
    /* protobuf drops the underscore of A_Expr and its kin: compare without underscores */
    char *d = s->v[s->n].name, *end = d + sizeof s->v[s->n].name - 1;
    for (; *name && d < end; name++)
        if (*name != '_')
            *d++ = *name;
    *d = '\0';
    s->v[s->n++].location = location;
}

/* Protobuf side: every message that has a location field, found by reflection. */
static void collect_pb(const ProtobufCMessage *m, node_set *out)
{
    const ProtobufCMessageDescriptor *d = m->descriptor;
    for (unsigned i = 0; i < d->n_fields; i++) {
        const ProtobufCFieldDescriptor *f = &d->fields[i];
        const char *base = (const char *)m + f->offset;
        if (f->type == PROTOBUF_C_TYPE_INT32 && strcmp(f->name, "location") == 0) {
            set_add(out, d->short_name, *(const int32_t *)base);
        } else if (f->type == PROTOBUF_C_TYPE_MESSAGE && f->label == PROTOBUF_C_LABEL_REPEATED) {
            size_t n = *(const size_t *)((const char *)m + f->quantifier_offset);
            ProtobufCMessage *const *items = *(ProtobufCMessage *const *const *)base;
            for (size_t k = 0; k < n; k++)
                collect_pb(items[k], out);
        } else if (f->type == PROTOBUF_C_TYPE_MESSAGE && *(ProtobufCMessage *const *)base) {
            if (f->label == PROTOBUF_C_LABEL_NONE && f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF &&
                *(const uint32_t *)((const char *)m + f->quantifier_offset) != f->id)
                continue;
            collect_pb(*(ProtobufCMessage *const *)base, out);
        }
    }
}

/* The node kinds rw_node_location reads, by their protobuf names. */
static const char *pb_name(Node *n)
{
    switch (nodeTag(n)) {
#define K(tag)                                                                                     \
    case T_##tag:                                                                                  \
        return #tag;
        K(A_Expr)
        K(BoolExpr)
        K(FuncCall)
        K(SubLink)
        K(TypeCast)
        K(TypeName)
        K(CollateClause)
        K(A_ArrayExpr)
        K(ResTarget)
        K(CaseExpr)
        K(CaseWhen)
        K(NullTest)
        K(BooleanTest)
        K(RowExpr)
        K(CoalesceExpr)
        K(MinMaxExpr)
        K(XmlExpr)
        K(XmlSerialize)
        K(NamedArgExpr)
        K(GroupingFunc)
        K(ColumnRef)
        K(ParamRef)
        K(A_Const)
        K(SQLValueFunction)
        K(SetToDefault)
        K(RangeVar)
#undef K
    default:
        return NULL;
    }
}

static void collect_raw(Node *n, void *arg);

static void collect_list(List *l, node_set *out)
{
    ListCell *lc;
    foreach (lc, l)
        collect_raw(lfirst(lc), out);
}

/* Raw side: the statement and FROM fields the rewriter's walk reads, then expressions
 * through the rewriter's own child enumeration. */
static void collect_stmt(Node *n, node_set *out)
{
    switch (nodeTag(n)) {
    case T_SelectStmt: {
        SelectStmt *s = (SelectStmt *)n;
        if (s->withClause) {
            ListCell *lc;
            foreach (lc, s->withClause->ctes)
                collect_raw(((CommonTableExpr *)lfirst(lc))->ctequery, out);
        }
        collect_list(s->targetList, out);
        collect_list(s->fromClause, out);
        collect_raw(s->whereClause, out);
        collect_list(s->groupClause, out);
        collect_raw(s->havingClause, out);
        collect_list(s->sortClause, out);
        collect_raw((Node *)s->valuesLists, out);
        if (s->larg)
            collect_raw((Node *)s->larg, out);
        if (s->rarg)
            collect_raw((Node *)s->rarg, out);
        return;
    }
    case T_InsertStmt:
        collect_raw((Node *)((InsertStmt *)n)->relation, out);
        collect_raw(((InsertStmt *)n)->selectStmt, out);
        collect_list(((InsertStmt *)n)->returningList, out);
        return;
    case T_UpdateStmt:
        collect_raw((Node *)((UpdateStmt *)n)->relation, out);
        collect_list(((UpdateStmt *)n)->targetList, out);
        collect_list(((UpdateStmt *)n)->fromClause, out);
        collect_raw(((UpdateStmt *)n)->whereClause, out);
        collect_list(((UpdateStmt *)n)->returningList, out);
        return;
    case T_DeleteStmt:
        collect_raw((Node *)((DeleteStmt *)n)->relation, out);
        collect_list(((DeleteStmt *)n)->usingClause, out);
        collect_raw(((DeleteStmt *)n)->whereClause, out);
        collect_list(((DeleteStmt *)n)->returningList, out);
        return;
    case T_JoinExpr:
        collect_raw(((JoinExpr *)n)->larg, out);
        collect_raw(((JoinExpr *)n)->rarg, out);
        collect_raw(((JoinExpr *)n)->quals, out);
        return;
    case T_RangeSubselect:
        collect_raw(((RangeSubselect *)n)->subquery, out);
        return;
    case T_CopyStmt:
        collect_raw((Node *)((CopyStmt *)n)->relation, out);
        collect_raw(((CopyStmt *)n)->query, out);
        return;
    case T_ExplainStmt:
        collect_raw(((ExplainStmt *)n)->query, out);
        return;
    case T_PrepareStmt:
        collect_raw(((PrepareStmt *)n)->query, out);
        return;
    default:
        return;
    }
}

static void collect_raw(Node *n, void *arg)
{
    node_set *out = arg;
    if (!n)
        return;
    const char *name = pb_name(n);
    if (name)
        set_add(out, name, rw_node_location(n));
    if (!IsA(n, SelectStmt) && rw_node_children(n, collect_raw, arg))
        return;
    collect_stmt(n, out);
}

static bool contains(const node_set *s, const seen_node *x)
{
    for (int i = 0; i < s->n; i++)
        if (s->v[i].location == x->location && strcmp(s->v[i].name, x->name) == 0)
            return true;
    return false;
}

static int raw_nodes_seen;

static void check_tree(const char *sql)
{
    node_set raw = {0}, pb = {0};
    PgQueryProtobufParseResult pr = pg_query_parse_protobuf(sql);
    if (pr.error) { /* the corpus may hold statements the parser rejects on purpose */
        pg_query_free_protobuf_parse_result(pr);
        return;
    }
    PgQuery__ParseResult *tree =
        pg_query__parse_result__unpack(NULL, pr.parse_tree.len, (void *)pr.parse_tree.data);
    assert_non_null(tree);
    collect_pb(&tree->base, &pb);

    MemoryContext mc = pg_query_enter_memory_context();
    PgQueryInternalParsetreeAndError r = pg_query_raw_parse(sql);
    free(r.stderr_buffer);
    assert_null(r.error);
    ListCell *lc;
    foreach (lc, r.tree) {
        RawStmt *rs = lfirst_node(RawStmt, lc);
        collect_raw(rs->stmt, &raw);
    }
    pg_query_exit_memory_context(mc);

    for (int i = 0; i < raw.n; i++)
        if (!contains(&pb, &raw.v[i]))
            fail_msg("%s at %d not in the library's tree for: %s", raw.v[i].name, raw.v[i].location,
                     sql);
    raw_nodes_seen += raw.n;
    pg_query__parse_result__free_unpacked(tree, NULL);
    pg_query_free_protobuf_parse_result(pr);
    free(raw.v);
    free(pb.v);
}

static void check_tokens(const char *sql)
{
    /* pg_query_scan splits U&'...' into pieces while its parser (and PostgreSQL) reads one
     * constant; the lexer follows the parser, so such statements are left to check_tree */
    if (strstr(sql, "U&"))
        return;
    PgQueryScanResult sr = pg_query_scan(sql);
    if (sr.error) {
        pg_query_free_scan_result(sr);
        return;
    }
    PgQuery__ScanResult *scan =
        pg_query__scan_result__unpack(NULL, sr.pbuf.len, (void *)sr.pbuf.data);
    rw_tokens mine = {0};
    rw_lex(sql, (int)strlen(sql), true, &mine);
    int k = 0;
    for (size_t i = 0; i < scan->n_tokens; i++) {
        PgQuery__ScanToken *t = scan->tokens[i];
        if (t->token == PG_QUERY__TOKEN__SQL_COMMENT || t->token == PG_QUERY__TOKEN__C_COMMENT)
            continue;
        /* libpg_query's ends for literals and quoted names are those of their last piece
         * (U&'..', X'..'); for those, the starts are compared */
        bool end_known =
            k < mine.n && mine.tok[k].kind != RW_TOK_STRING && mine.tok[k].kind != RW_TOK_QIDENT;
        if (k >= mine.n || mine.tok[k].start != t->start ||
            (end_known && mine.tok[k].end != t->end))
            fail_msg("token %zu [%d,%d) of %s: lexer has [%d,%d)", i, t->start, t->end, sql,
                     k < mine.n ? mine.tok[k].start : -1, k < mine.n ? mine.tok[k].end : -1);
        k++;
    }
    assert_int_equal(k, mine.n);
    rw_tokens_free(&mine);
    pg_query__scan_result__free_unpacked(scan, NULL);
    pg_query_free_scan_result(sr);
}

/* Runs check on every statement of every corpus file. */
static void each_statement(void (*check)(const char *))
{
    glob_t g;
    int files = 0, stmts = 0;
    assert_int_equal(glob("tests/corpus/*.sql", 0, NULL, &g), 0);
    glob("tests/equiv/*.sql", GLOB_APPEND, NULL, &g);
    for (size_t f = 0; f < g.gl_pathc; f++, files++) {
        FILE *fp = fopen(g.gl_pathv[f], "r");
        assert_non_null(fp);
        static char text[1 << 20];
        size_t n = fread(text, 1, sizeof text - 1, fp);
        text[n] = '\0';
        fclose(fp);
        PgQuerySplitResult split = pg_query_split_with_scanner(text);
        if (split.error)
            fail_msg("%s does not split: %s", g.gl_pathv[f], split.error->message);
        for (int i = 0; i < split.n_stmts; i++, stmts++) {
            char *one =
                strndup(text + split.stmts[i]->stmt_location, (size_t)split.stmts[i]->stmt_len);
            check(one);
            free(one);
        }
        pg_query_free_split_result(split);
    }
    globfree(&g);
    assert_true(files > 0 && stmts > 50);
}

static void test_raw_tree_matches_library(void **state)
{
    (void)state;
    each_statement(check_tree);
    assert_true(raw_nodes_seen > 400); /* the walk really saw the corpus */
}

static void test_lexer_matches_scanner(void **state)
{
    (void)state;
    each_statement(check_tokens);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_raw_tree_matches_library),
        cmocka_unit_test(test_lexer_matches_scanner),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
