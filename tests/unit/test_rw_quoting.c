/* tests/unit/test_rw_quoting.c — names from the catalog and the client are data (SPEC §6):
 * nothing in an identifier or a literal may end the quoted text that holds it in the SQL the
 * rewriter generates, whatever standard_conforming_strings the session runs with.
 *
 * A snapshot whose tables, columns, constraints, marker and index predicate have hostile
 * names ($tombstone$ and its successors, quotes, backslashes, newlines, tabs, keywords,
 * 63-byte and multi-byte names) goes through every path that generates SQL: DELETE turned
 * into UPDATE (with RETURNING, WHERE CURRENT OF, USING, MERGE), writes of foreign keys
 * (left as they are: the triggers of `tombstone install` check them, and quote what they
 * generate with format('%I'), tests/equiv/fk_hostile_names.sql), upsert inference, refusals
 * and the catalog query. Each output must parse (libpg_query, with
 * standard_conforming_strings on and off) into as many statements as the input had, and
 * every hostile name must come out whole as one identifier or one literal. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "rewrite/helpers.h"
#include "rewrite/quote.h"
#include "rewrite/rewrite.h"

#include <pg_query.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* libpg_query's own copy of the setting (thread-local, like the server's): the parse that
 * checks an output follows the session's setting, as the server would. */
extern __thread bool standard_conforming_strings;

/* ---- the hostile names -------------------------------------------------------------------- */

#define P_NAME "p$tombstone$); CREATE TABLE pwned(); --"
#define P_KEY "i\"d'\\"
#define P_KEY2 "select"
#define P_MARK "del'\\$tombstone1$\"\n\tat"
#define P_COL "order"
#define C1_NAME "c$tombstone$x"
#define C1_FK "p$tombstone1$id"
#define C1_CON "fk$tombstone$\n'\"\\1"
#define C1_UQ "u\"q'\\"
#define C2_NAME "select"
#define C2_FK "user"
#define C2_CON "order"
#define C3_NAME "tab\there"
#define C3_FK "x$tombstone"
#define C3_CON "d$"
#define C4_NAME "new\nline"
#define C4_FK "$$"
#define C4_CON "r'\"\\\n\t$tombstone$"
/* 63 bytes (NAMEDATALEN - 1), the longest name PostgreSQL keeps */
#define C5_NAME "LLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLL$tombstone$"
/* 63 bytes of UTF-8: 31 two-byte characters and one ASCII, 21 three-byte characters */
#define C5_FK                                                                                      \
    "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"     \
    "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"     \
    "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9z"
#define C5_CON                                                                                     \
    "\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac"         \
    "\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac"         \
    "\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac"
#define C6_NAME "multi\\col"
#define C6_FK1 "a'1"
#define C6_FK2 "b\"2"
#define C6_CON "$tombstone1$"
#define C7_NAME "hid$tombstone$den"
#define C7_FK "p'ref"
#define G_NAME "g'\\"
#define G_FK "c7\"ref"
#define G_CON "user"
/* pg_get_expr's text of the index predicate, read with standard_conforming_strings on */
#define UQ_PRED "((deleted_at IS NULL) AND (\"u\"\"q'\\\" <> 'a\\b''$tombstone$'::text))"
#define UQ_VALUE "a\\b'$tombstone$"
/* the same read with the setting off: pg_get_expr doubles the backslash */
#define G_PRED "((deleted_at IS NULL) AND (\"c7\"\"ref\" <> 'x\\\\y''$tombstone1$'::text))"
#define G_VALUE "x\\y'$tombstone1$"

/* A one-item text[] as PostgreSQL prints it, the item always quoted. */
static const char *array1(char *buf, const char *a)
{
    char *p = buf;
    *p++ = '{';
    *p++ = '"';
    for (; *a; a++) {
        if (*a == '"' || *a == '\\')
            *p++ = '\\';
        *p++ = *a;
    }
    strcpy(p, "\"}");
    return buf;
}

static const char *array2(char *buf, const char *a, const char *b)
{
    char one[256], two[256];
    array1(one, a);
    array1(two, b);
    one[strlen(one) - 1] = '\0';
    sprintf(buf, "%s,%s", one, two + 1);
    return buf;
}

static rw_snapshot *hostile_schema(void)
{
    static char arrays[32][512];
    int a = 0;
#define ARR(x) array1(arrays[a++], x)
#define ARR2(x, y) array2(arrays[a++], x, y)
#define COL(table, attnum, name, type)                                                             \
    {                                                                                              \
        "C", table, attnum, name, type, NULL, NULL, NULL, NULL, NULL, NULL                         \
    }
    const char *const rows[][11] = {
        {"T", "101", "public", P_NAME, "r", P_MARK, "t", NULL, NULL},
        {"T", "102", "public", C1_NAME, "r", "deleted_at", "t", NULL, NULL},
        {"T", "103", "public", C2_NAME, "r", NULL, NULL, NULL, NULL},
        {"T", "104", "public", C3_NAME, "r", NULL, NULL, NULL, NULL},
        {"T", "105", "public", C4_NAME, "r", NULL, NULL, NULL, NULL},
        {"T", "106", "public", C5_NAME, "r", NULL, NULL, NULL, NULL},
        {"T", "107", "public", C6_NAME, "r", NULL, NULL, NULL, NULL},
        {"T", "108", "public", C7_NAME, "r", NULL, NULL, NULL, NULL},
        {"T", "109", "public", G_NAME, "r", "deleted_at", "t", NULL, NULL},
        COL("101", "1", P_KEY, "integer"),
        COL("101", "2", P_KEY2, "integer"),
        COL("101", "3", P_MARK, "timestamp with time zone"),
        COL("101", "4", P_COL, "text"),
        COL("102", "1", "id", "integer"),
        COL("102", "2", C1_FK, "integer"),
        COL("102", "3", C1_UQ, "text"),
        COL("102", "4", "deleted_at", "timestamp with time zone"),
        COL("103", "1", "id", "integer"),
        COL("103", "2", C2_FK, "integer"),
        COL("104", "1", "id", "integer"),
        COL("104", "2", C3_FK, "integer"),
        COL("105", "1", "id", "integer"),
        COL("105", "2", C4_FK, "integer"),
        COL("106", "1", "id", "integer"),
        COL("106", "2", C5_FK, "integer"),
        COL("107", "1", "id", "integer"),
        COL("107", "2", C6_FK1, "integer"),
        COL("107", "3", C6_FK2, "integer"),
        COL("108", "1", "id", "integer"),
        COL("108", "2", C7_FK, "integer"),
        COL("109", "1", "id", "integer"),
        COL("109", "2", G_FK, "integer"),
        COL("109", "3", "deleted_at", "timestamp with time zone"),
        {"F", C1_CON, "102", "101", "c", ARR(C1_FK), ARR(P_KEY), NULL, "00", "adcukr", NULL},
        {"F", C2_CON, "103", "101", "n", ARR(C2_FK), ARR(P_KEY), NULL, "00", "adcukr", NULL},
        {"F", C3_CON, "104", "101", "d", ARR(C3_FK), ARR(P_KEY), NULL, "00", "adcukr", NULL},
        {"F", C4_CON, "105", "101", "r", ARR(C4_FK), ARR(P_KEY), NULL, "00", "adcukr", NULL},
        {"F", C5_CON, "106", "101", "a", ARR(C5_FK), ARR(P_KEY), NULL, "11", "adcukr", NULL},
        {"F", C6_CON, "107", "101", "a", ARR2(C6_FK1, C6_FK2), ARR2(P_KEY, P_KEY2), NULL, "00",
         "adcukr", NULL},
        {"F", "c7_fk", "108", "101", "c", ARR(C7_FK), ARR(P_KEY), NULL, "00", "adcukr", NULL},
        {"F", G_CON, "109", "108", "c", ARR(G_FK), ARR("id"), NULL, "00", "adcukr", NULL},
        {"U", "102", "uq$tombstone$", NULL, "f", ARR(C1_UQ), UQ_PRED, "on", NULL},
        {"U", "109", "g_uq", NULL, "f", ARR(G_FK), G_PRED, "off", NULL},
        {"H", "tombstone helpers " RW_HELPERS_VERSION, NULL, NULL, NULL, NULL, NULL, NULL, NULL},
    };
#undef ARR
#undef ARR2
#undef COL
    rw_snapshot *s = rw_snapshot_new();
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        rw_catalog_row row = {11, rows[i]};
        const char *err;
        if (!rw_snapshot_add_row(s, &row, &err))
            fail_msg("catalog row %zu: %s", i, err);
    }
    rw_snapshot_finish(s);
    return s;
}

/* ---- what came out: statements, and every identifier and literal in them ------------------ */

typedef struct {
    char *items[16384];
    int n;
} strings;

static void strings_free(strings *s)
{
    for (int i = 0; i < s->n; i++)
        free(s->items[i]);
    s->n = 0;
}

/* The JSON string starting at the quote *p, decoded; *p moves past its closing quote. */
static char *json_decode(const char **p)
{
    const char *s = *p + 1;
    char *out = malloc(strlen(s) + 1), *o = out;
    while (*s && *s != '"') {
        if (*s != '\\') {
            *o++ = *s++;
            continue;
        }
        s++;
        switch (*s) {
        case 'n':
            *o++ = '\n';
            break;
        case 't':
            *o++ = '\t';
            break;
        case 'r':
            *o++ = '\r';
            break;
        case 'b':
            *o++ = '\b';
            break;
        case 'f':
            *o++ = '\f';
            break;
        case 'u': {
            unsigned v = 0;
            sscanf(s + 1, "%4x", &v);
            assert_true(v > 0 && v < 0x80); /* what escape_json writes this way */
            *o++ = (char)v;
            s += 4;
            break;
        }
        default:
            *o++ = *s; /* \" \\ \/ */
        }
        s++;
    }
    *o = '\0';
    *p = *s ? s + 1 : s;
    return out;
}

static int collect_sql(const char *sql, strings *out, int depth);

/* Every string of a JSON text (parse tree or cascade plan), and, recursively, those of the
 * texts in it that are themselves a plan or SQL the helper functions run. */
static void collect_json(const char *json, strings *out, int depth)
{
    for (const char *p = strchr(json, '"'); p; p = strchr(p, '"')) {
        char *s = json_decode(&p);
        if (depth < 4 && s[0] == '{')
            collect_json(s, out, depth + 1);
        else if (depth < 4 && (strncmp(s, "SELECT ", 7) == 0 || strncmp(s, "WITH ", 5) == 0) &&
                 collect_sql(s, out, depth + 1) != 1)
            fail_msg("generated SQL is not one statement:\n%s", s);
        assert_true(out->n < (int)(sizeof out->items / sizeof out->items[0]));
        out->items[out->n++] = s;
    }
}

/* Parses sql with the current standard_conforming_strings; returns its statement count
 * (-1 on a parse error) after collecting its strings. */
static int collect_sql(const char *sql, strings *out, int depth)
{
    PgQueryParseResult r = pg_query_parse(sql);
    int n = -1;
    if (!r.error) {
        n = 0;
        for (const char *p = strstr(r.parse_tree, "{\"stmt\":"); p; p = strstr(p + 1, "{\"stmt\":"))
            n++;
        collect_json(r.parse_tree, out, depth);
    }
    pg_query_free_parse_result(r);
    return n;
}

static bool has(const strings *s, const char *name)
{
    for (int i = 0; i < s->n; i++)
        if (strcmp(s->items[i], name) == 0)
            return true;
    return false;
}

/* sql, parsed as a session with this standard_conforming_strings would: nstmts statements,
 * and each name (NULL-terminated list) whole as one identifier or literal. */
static void check_output(const char *sql, bool standard, int nstmts, const char *const *names)
{
    strings found = {0};
    bool saved = standard_conforming_strings;
    standard_conforming_strings = standard;
    int n = collect_sql(sql, &found, 0);
    standard_conforming_strings = saved;
    if (n != nstmts)
        fail_msg("standard_conforming_strings %s: %d statements (want %d) in\n%s",
                 standard ? "on" : "off", n, nstmts, sql);
    for (; *names; names++)
        if (!has(&found, *names))
            fail_msg("standard_conforming_strings %s: [%s] is not one identifier or literal "
                     "in\n%s",
                     standard ? "on" : "off", *names, sql);
    strings_free(&found);
}

/* ---- the statements ------------------------------------------------------------------------ */

static rw_snapshot *schema;
static const char *const search_path[] = {"pg_catalog", "public"};

static rw_context context(bool standard)
{
    return (rw_context){.snapshot = schema,
                        .search_path = search_path,
                        .nsearch_path = 2,
                        .standard_strings = standard,
                        .user = "tester"};
}

static int setup(void **state)
{
    (void)state;
    schema = hostile_schema();
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    rw_snapshot_unref(schema);
    return 0;
}

/* name as a client writes it: always quoted, quotes doubled */
static const char *qi(char *buf, const char *name)
{
    char *p = buf;
    *p++ = '"';
    for (; *name; name++) {
        if (*name == '"')
            *p++ = '"';
        *p++ = *name;
    }
    strcpy(p, "\"");
    return buf;
}

/* Rewrites the statement (a format whose %s are the quoted names given) with the session's
 * standard_conforming_strings both ways; the output must keep `names` whole. */
static void check_statement(const char *what, const char *sql, const char *const *names,
                            unsigned want_flags)
{
    for (int standard = 1; standard >= 0; standard--) {
        rw_context ctx = context(standard);
        rw_result r;
        if (!rw_rewrite(&ctx, sql, strlen(sql), &r))
            fail_msg("%s: the input does not parse:\n%s", what, sql);
        if (!r.sql)
            fail_msg("%s: not rewritten:\n%s", what, sql);
        if ((r.stmts[0].flags & want_flags) != want_flags)
            fail_msg("%s: flags %#x, want %#x:\n%s", what, r.stmts[0].flags, want_flags, r.sql);
        check_output(r.sql, standard, r.nstmts, names);
        rw_result_free(&r);
    }
}

static char qp[256], qc1[128], qc1fk[128], qm[128], qk[128], qc6[128], qa1[128], qb2[128], quq[128],
    qc7[128], qcol[128];

static void quote_names(void)
{
    qi(qp, P_NAME);
    qi(qc1, C1_NAME);
    qi(qc1fk, C1_FK);
    qi(qm, P_MARK);
    qi(qk, P_KEY);
    qi(qc6, C6_NAME);
    qi(qa1, C6_FK1);
    qi(qb2, C6_FK2);
    qi(quq, C1_UQ);
    qi(qc7, C7_NAME);
    qi(qcol, P_COL);
}

/* What a DELETE on P becomes names P, its key and its marker (the foreign keys' actions
 * run in triggers: nothing of the children is in the statement). */
static const char *const delete_names[] = {P_NAME, P_KEY, P_MARK, NULL};

static void test_delete_cascades(void **state)
{
    (void)state;
    quote_names();
    char sql[1024];
    snprintf(sql, sizeof sql, "DELETE FROM %s WHERE %s = 1", qp, qk);
    check_statement("DELETE with actions", sql, delete_names, RW_DELETE_TAG);
    const char *const returning[] = {P_NAME, P_KEY, P_MARK, P_COL, NULL};
    snprintf(sql, sizeof sql, "DELETE FROM public.%s AS t WHERE t.%s = 1 RETURNING t.%s", qp, qk,
             qcol);
    check_statement("DELETE with actions, RETURNING", sql, returning, RW_DELETE_TAG);
}

static void test_delete_row_by_row(void **state)
{
    (void)state;
    quote_names();
    char sql[1024];
    const char *const current[] = {P_NAME, P_MARK, NULL};
    snprintf(sql, sizeof sql, "DELETE FROM %s WHERE CURRENT OF cur", qp);
    check_statement("WHERE CURRENT OF", sql, current, RW_DELETE_TAG);
    const char *const returning[] = {P_NAME, P_KEY, P_KEY2, P_MARK, P_COL, NULL};
    snprintf(sql, sizeof sql,
             "DELETE FROM %s p USING other o WHERE o.id = p.%s RETURNING o.id, p.%s, p.%s", qp, qk,
             qm, qcol);
    check_statement("RETURNING naming USING", sql, delete_names, RW_DELETE_TAG);
    snprintf(sql, sizeof sql, "DELETE FROM %s p USING other o WHERE o.id = p.%s RETURNING *", qp,
             qk);
    check_statement("RETURNING * with USING", sql, returning, RW_DELETE_TAG);
    snprintf(sql, sizeof sql,
             "MERGE INTO %s p USING other o ON o.id = p.%s WHEN MATCHED THEN DELETE", qp, qk);
    check_statement("MERGE ... THEN DELETE", sql, delete_names, 0);
}

/* A write of a key into a child of P is left as it is (its triggers check it); an UPDATE of
 * a soft child gets the child's own predicate only. */
static void test_key_writes(void **state)
{
    (void)state;
    quote_names();
    char sql[1024];
    const char *unchanged[] = {"INSERT INTO %s (id, %s) VALUES (1, 2), (3, $1)",
                               "INSERT INTO %s (id, %s) SELECT id, id FROM other",
                               "COPY %s (id, %s) FROM STDIN"};
    for (size_t i = 0; i < sizeof unchanged / sizeof unchanged[0]; i++) {
        snprintf(sql, sizeof sql, unchanged[i], qc1, qc1fk);
        rw_context ctx = context(true);
        rw_result r;
        assert_true(rw_rewrite(&ctx, sql, strlen(sql), &r));
        assert_null(r.sql);
        rw_result_free(&r);
    }
    const char *const names[] = {C1_NAME, C1_FK, NULL};
    snprintf(sql, sizeof sql, "UPDATE %s SET %s = 5 WHERE id = 1", qc1, qc1fk);
    check_statement("UPDATE SET", sql, names, 0);
}

/* The predicate of the partial index, as pg_get_expr printed it with the setting on, must
 * mean the same text in a session that has it off. */
static void test_upsert_inference(void **state)
{
    (void)state;
    quote_names();
    const char *const names[] = {C1_UQ, UQ_VALUE, NULL};
    char sql[1024];
    snprintf(sql, sizeof sql, "INSERT INTO %s (id, %s) VALUES (1, 'x') ON CONFLICT (%s) DO NOTHING",
             qc1, quq, quq);
    check_statement("ON CONFLICT inference", sql, names, 0);
    char qg[64], qgfk[64];
    const char *const off[] = {G_NAME, G_FK, G_VALUE, NULL};
    snprintf(sql, sizeof sql, "INSERT INTO %s (%s) VALUES (1) ON CONFLICT (%s) DO NOTHING",
             qi(qg, G_NAME), qi(qgfk, G_FK), qgfk);
    check_statement("ON CONFLICT inference, predicate read with the setting off", sql, off, 0);
}

static void test_reads(void **state)
{
    (void)state;
    quote_names();
    const char *const names[] = {P_NAME, P_KEY, P_MARK, C7_NAME, C7_FK, NULL};
    char sql[1024];
    char qfk[128];
    snprintf(sql, sizeof sql, "SELECT * FROM %s h JOIN %s p ON p.%s = h.%s", qc7, qp, qk,
             qi(qfk, C7_FK));
    check_statement("reads", sql, names, 0);
}

/* A refused statement becomes a DO block raising 0A000: one statement, whose body parses. */
static void test_refusal(void **state)
{
    (void)state;
    quote_names();
    char sql[1024];
    snprintf(sql, sizeof sql, "DELETE FROM %s p USING %s q WHERE CURRENT OF cur", qp, qp);
    for (int standard = 1; standard >= 0; standard--) {
        rw_context ctx = context(standard);
        rw_result r;
        assert_true(rw_rewrite(&ctx, sql, strlen(sql), &r));
        assert_int_equal(r.stmts[0].flags, RW_REFUSED);
        const char *const none[] = {NULL};
        check_output(r.sql, standard, 1, none);
        assert_non_null(strstr(r.sql, "ERRCODE = '0A000'"));
        rw_result_free(&r);
    }
}

/* The DO block of a refusal: one statement, its body's message one literal, either way. */
static void test_raise_statement(void **state)
{
    (void)state;
    static const char head[] = "BEGIN RAISE EXCEPTION USING ERRCODE = '0A000', MESSAGE = ";
    const char *msg = "it's \\ $tombstone$ \"x\" $tombstone1$\n\tend$tombstone";
    char *sql = rw_raise_statement("0A000", msg);
    for (int standard = 1; standard >= 0; standard--) {
        strings found = {0}, inner = {0};
        standard_conforming_strings = standard;
        assert_int_equal(collect_sql(sql, &found, 0), 1);
        const char *body = NULL;
        for (int i = 0; i < found.n; i++)
            if (strncmp(found.items[i], head, sizeof head - 1) == 0)
                body = found.items[i];
        assert_non_null(body);
        char select[512];
        snprintf(select, sizeof select, "SELECT %.*s", (int)(strlen(body) - strlen(head) - 5),
                 body + strlen(head));
        assert_string_equal(body + strlen(body) - 5, "; END");
        assert_int_equal(collect_sql(select, &inner, 0), 1);
        assert_true(has(&inner, msg));
        standard_conforming_strings = true;
        strings_free(&found);
        strings_free(&inner);
    }
    free(sql);
}

/* Literals of an index predicate, as printed with the setting on or off, rewritten to mean
 * the same either way; an escape pg_get_expr never prints makes the predicate unusable. */
static void test_literals_portable(void **state)
{
    (void)state;
    static const struct {
        const char *in;
        bool standard;
        const char *out;
    } cases[] = {
        {"(a <> 'x')", true, "(a <> 'x')"},
        {"(a <> 'x\\y')", true, "(a <> $tombstone$x\\y$tombstone$)"},
        {"(a <> 'x\\\\y''z')", false, "(a <> $tombstone$x\\y'z$tombstone$)"},
        {"(a <> 'it''s')", false, "(a <> 'it''s')"},
        {"(\"b'\\\" = ANY (ARRAY['$tombstone$\\'::text]))", true,
         "(\"b'\\\" = ANY (ARRAY[$tombstone1$$tombstone$\\$tombstone1$::text]))"},
        {"(a <> 'x\\ny')", false, NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *out = rw_literals_portable(cases[i].in, cases[i].standard);
        if (!cases[i].out)
            assert_null(out);
        else if (!out || strcmp(out, cases[i].out) != 0)
            fail_msg("case %zu: %s\n  want %s\n  got  %s", i, cases[i].in, cases[i].out,
                     out ? out : "NULL");
        free(out);
    }
}

/* The catalog query carries the configuration's marker names and tables as literals. */
static void test_catalog_query(void **state)
{
    (void)state;
    const char *markers[] = {"deleted_at", "del'\\$tombstone$\"x", "$tombstone1$", "a\\"};
    const char *include[] = {"public.p'\\x", "public.$tombstone$"};
    const char *exclude[] = {"s\\.t'", "x.y$tombstone"};
    rw_snapshot_options o = {markers, 4, include, 2, exclude, 2};
    char *q = rw_snapshot_query(&o);
    const char *const names[] = {markers[0], markers[1], markers[2], markers[3], include[0],
                                 include[1], exclude[0], exclude[1], NULL};
    check_output(q, true, 1, names);
    check_output(q, false, 1, names);
    free(q);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_delete_cascades), cmocka_unit_test(test_delete_row_by_row),
        cmocka_unit_test(test_key_writes),      cmocka_unit_test(test_upsert_inference),
        cmocka_unit_test(test_reads),           cmocka_unit_test(test_refusal),
        cmocka_unit_test(test_raise_statement), cmocka_unit_test(test_literals_portable),
        cmocka_unit_test(test_catalog_query),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
