/* tests/unit/test_rw_cache.c — the rewrite cache: hits, keys, byte bound. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "rewrite/cache.h"
#include "rewrite/lexer.h"
#include "rw_fixture.h"

#include <stdio.h>
#include <string.h>

static void test_hit_and_keys(void **state)
{
    (void)state;
    rw_snapshot *s = fixture_schema();
    rw_context ctx = fixture_context(s);
    rw_cache *c = rw_cache_new(1 << 20);
    const char *q = "SELECT * FROM authors";
    const rw_result *r = rw_cache_rewrite(c, &ctx, q, strlen(q));
    assert_string_equal(r->sql, "SELECT * FROM authors WHERE authors.deleted_at IS NULL");
    r = rw_cache_rewrite(c, &ctx, q, strlen(q));
    assert_string_equal(r->sql, "SELECT * FROM authors WHERE authors.deleted_at IS NULL");
    assert_int_equal(rw_cache_get_stats(c).hits, 1);
    assert_int_equal(rw_cache_get_stats(c).misses, 1);

    /* another search_path resolves names differently: not the same entry */
    static const char *const archive_first[] = {"pg_catalog", "archive", "public"};
    rw_context other = fixture_context(s);
    other.search_path = archive_first;
    other.nsearch_path = 3;
    r = rw_cache_rewrite(c, &other, q, strlen(q));
    assert_null(r->sql);
    assert_int_equal(rw_cache_get_stats(c).misses, 2);

    /* a new snapshot of the same database is a new key too */
    rw_snapshot *s2 = fixture_schema();
    rw_context next = fixture_context(s2);
    rw_cache_rewrite(c, &next, q, strlen(q));
    assert_int_equal(rw_cache_get_stats(c).misses, 3);
    rw_cache_free(c);
    rw_snapshot_unref(s);
    rw_snapshot_unref(s2);
}

/* Texts that do not parse go as they are, never rewritten from the template of a twin that
 * does: one with a vertical tab (not white space to PostgreSQL 15), one that ends inside a
 * string, a dollar quote, a quoted identifier or a C comment (the template's edits would go
 * inside it, where a quote in an edit could end the literal). Found by
 * tests/fuzz/fuzz_rewrite: the proxy sent statements the client never wrote. */
static void test_texts_that_cannot_parse_take_no_template(void **state)
{
    (void)state;
    rw_snapshot *s = fixture_schema();
    rw_context ctx = fixture_context(s);
    static const char *const twins[][2] = {
        {"SELECT * FROM books WHERE id = 5 AND title IS NULL",
         "SELECT * FROM books WHERE id = 5 AND title IS \vNULL"},
        {"SELECT * FROM books WHERE title = 'x'", "SELECT * FROM books WHERE title = 'x"},
        {"SELECT * FROM books WHERE title = 'x''y'", "SELECT * FROM books WHERE title = 'x''y"},
        {"SELECT * FROM books WHERE title = $q$x$q$", "SELECT * FROM books WHERE title = $q$x$"},
        {"SELECT * FROM books WHERE title = E'x\\''", "SELECT * FROM books WHERE title = E'x\\'"},
        {"SELECT * FROM books /* c */", "SELECT * FROM books /* c *"},
    };
    for (size_t i = 0; i < sizeof twins / sizeof twins[0]; i++) {
        rw_cache *c = rw_cache_new(1 << 20);
        assert_non_null(rw_cache_rewrite(c, &ctx, twins[i][0], strlen(twins[i][0]))->sql);
        const rw_result *r = rw_cache_rewrite(c, &ctx, twins[i][1], strlen(twins[i][1]));
        if (r->sql)
            fail_msg("rewritten from its twin's template: %s", r->sql);
        rw_cache_free(c);
    }
    rw_snapshot_unref(s);
}

/* A template made from a text without white space where an edit is inserted, applied to
 * one with white space there: the insertion keeps it (it deleted it: the rewrite differed
 * from the text's own; found by tests/fuzz/fuzz_rewrite). */
static void test_template_keeps_white_space_at_an_insertion(void **state)
{
    (void)state;
    rw_snapshot *s = fixture_schema();
    rw_context ctx = fixture_context(s);
    rw_cache *c = rw_cache_new(1 << 20);
    const char *a = "SELECT * FROM (SELECT * FROM books WHERE id = 7)s";
    const char *b = "SELECT * FROM (SELECT * FROM books WHERE id = 8 ) s";
    rw_cache_rewrite(c, &ctx, a, strlen(a));
    const rw_result *r = rw_cache_rewrite(c, &ctx, b, strlen(b));
    assert_int_equal(rw_cache_get_stats(c).shaped, 1);
    assert_string_equal(r->sql, "SELECT * FROM (SELECT * FROM books WHERE (id = 8) AND "
                                "books.deleted_at IS NULL ) s");
    rw_cache_free(c);
    rw_snapshot_unref(s);
}

static void test_byte_bound(void **state)
{
    (void)state;
    rw_snapshot *s = fixture_schema();
    rw_context ctx = fixture_context(s);
    rw_cache *c = rw_cache_new(8192);
    char q[128];
    for (int i = 0; i < 1000; i++) {
        snprintf(q, sizeof q, "SELECT c%d FROM books", i); /* each a shape of its own */
        const rw_result *r = rw_cache_rewrite(c, &ctx, q, strlen(q));
        assert_non_null(r->sql);
        assert_true(rw_cache_get_stats(c).bytes <= 8192);
    }
    rw_cache_stats st = rw_cache_get_stats(c);
    assert_true(st.evictions > 900);
    assert_true(st.entries > 10);
    /* the most recent one is still there */
    rw_cache_rewrite(c, &ctx, q, strlen(q));
    assert_int_equal(rw_cache_get_stats(c).hits, 1);
    rw_cache_free(c);
    rw_snapshot_unref(s);
}

/* Texts that differ only by literals are rewritten from the first one's template, exactly as
 * the rewriter itself would, comments and spacing kept; other differences are new shapes. */
static void test_shapes(void **state)
{
    (void)state;
    rw_snapshot *s = fixture_schema();
    rw_context ctx = fixture_context(s);
    rw_cache *c = rw_cache_new(1 << 20);
    static const char *const texts[] = {
        "SELECT * FROM books WHERE id = 1 AND title = 'a' -- c\nORDER BY id",
        "SELECT * FROM books WHERE id = 22 AND title = 'it''s'  -- other\nORDER  BY id",
        "DELETE FROM chapters WHERE id = 5",
        "DELETE FROM chapters WHERE id = 123456",
        "SELECT * FROM books b LEFT JOIN chapters c ON c.book_id = b.id AND c.id > 7",
        "SELECT * FROM books b LEFT JOIN chapters c ON c.book_id = b.id AND c.id > 70000",
        "INSERT INTO books (author_id, title) SELECT id, 'x' FROM authors WHERE id = 2",
        "INSERT INTO books (author_id, title) SELECT id, 'xx' FROM authors WHERE id = 300",
        "UPDATE books SET author_id = 4 WHERE id = 1",
        "UPDATE books SET author_id = 44 WHERE id = 11",
        NULL,
    };
    for (const char *const *t = texts; *t; t++) {
        rw_result direct;
        assert_true(rw_rewrite(&ctx, *t, strlen(*t), &direct));
        const rw_result *r = rw_cache_rewrite(c, &ctx, *t, strlen(*t));
        assert_string_equal(r->sql, direct.sql);
        assert_int_equal(r->nstmts, direct.nstmts);
        assert_int_equal(r->stmts[0].flags, direct.stmts[0].flags);
        /* error positions map back the same way from a template's text */
        for (int pos = 1; pos <= (int)r->len + 1; pos++)
            assert_int_equal(rw_original_position(r->edits, r->nedits, pos),
                             rw_original_position(direct.edits, direct.nedits, pos));
        rw_result_free(&direct);
    }
    assert_int_equal(rw_cache_get_stats(c).shaped, 5);
    assert_int_equal(rw_cache_get_stats(c).entries, 5);
    /* a SET search_path's value is a literal the facts depend on: never from a template */
    rw_cache_rewrite(c, &ctx, "SET search_path = a", 19);
    const rw_result *r = rw_cache_rewrite(c, &ctx, "SET search_path = b", 19);
    assert_string_equal(r->stmts[0].value, "b");
    assert_int_equal(rw_cache_get_stats(c).shaped, 5);
    rw_cache_free(c);
    rw_snapshot_unref(s);
}

static bool irrelevant(const rw_context *ctx, const char *text, int *n)
{
    rw_tokens toks = {0};
    rw_lex(text, (int)strlen(text), true, &toks);
    bool r = rw_irrelevant(ctx, text, &toks, n);
    rw_tokens_free(&toks);
    return r;
}

static void test_irrelevant_texts_skip_the_parser(void **state)
{
    (void)state;
    rw_snapshot *s = fixture_schema();
    rw_context ctx = fixture_context(s);
    int n;
    assert_true(irrelevant(&ctx, "SELECT * FROM orders; SELECT 'authors' ;; ", &n));
    assert_int_equal(n, 2);
    assert_true(irrelevant(&ctx, "", &n));
    assert_int_equal(n, 0);
    assert_true(irrelevant(&ctx, "SELECT lower(name) FROM orders", &n));
    /* UPDATE ... SET and INSERT INTO on other tables are plain DML (pgbench's TPC-B) */
    assert_true(irrelevant(&ctx,
                           "UPDATE orders SET n = n + 1 WHERE id = 3; INSERT INTO log "
                           "VALUES (1)",
                           &n));
    assert_int_equal(n, 2);
    /* those words start a transaction statement only: elsewhere they are CASE's END... */
    assert_true(irrelevant(&ctx, "SELECT CASE WHEN a THEN 1 END AS commit, begin FROM t", &n));
    static const char *const relevant[] = {
        "SELECT * FROM authors",
        "SELECT * FROM \"books\"",
        "SET search_path = archive",
        "CREATE TABLE x (deleted_at timestamptz)",
        "SELECT 1 INTO t",
        "INSERT INTO log VALUES (1); SELECT 1 INTO t",
        "INSERT INTO log VALUES (1); (SELECT 1 INTO t)",
        "UPDATE orders SET n = 1; SET search_path = x",
        "UPDATE orders SET n = 1; ALTER TABLE orders ALTER n SET DEFAULT 0",
        "WITH x AS (SELECT 1) SELECT * INTO t FROM x",
        "EXECUTE p",
        "SELECT set_config('search_path', 'x', false)",
        "ROLLBACK TO s",
        "UPDATE pg_settings SET setting = 'x' WHERE name = 'search_path'",
        "SELECT use_archive()",
        /* transaction control: a COMMIT may commit DDL the other sessions must wait for
         * (found by tests/fuzz/fuzz_lexer; tests/integration/test_catalog_coherence.py) */
        "COMMIT",
        "end",
        "SELECT 1; BEGIN",
        "START TRANSACTION",
        NULL,
    };
    for (const char *const *q = relevant; *q; q++)
        assert_false(irrelevant(&ctx, *q, &n));

    /* the cache forwards them without parsing, counts them, and keeps them: the same text
     * again is a hit that needs no lexing */
    rw_cache *c = rw_cache_new(1 << 20);
    const char *q = "SELECT 1; SELECT 2";
    for (int round = 0; round < 2; round++) {
        const rw_result *r = rw_cache_rewrite(c, &ctx, q, strlen(q));
        assert_null(r->sql);
        assert_int_equal(r->nstmts, 2);
        /* unparsed: taken to depend on the catalog (prepared, it would be prepared again) */
        assert_int_equal(r->stmts[1].flags, RW_NEEDS_CATALOG);
        assert_int_equal(rw_cache_get_stats(c).skipped, 1);
        assert_int_equal(rw_cache_get_stats(c).hits, round);
        assert_int_equal(rw_cache_get_stats(c).entries, 1);
    }
    rw_cache_free(c);
    rw_snapshot_unref(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hit_and_keys),
        cmocka_unit_test(test_byte_bound),
        cmocka_unit_test(test_template_keeps_white_space_at_an_insertion),
        cmocka_unit_test(test_texts_that_cannot_parse_take_no_template),
        cmocka_unit_test(test_irrelevant_texts_skip_the_parser),
        cmocka_unit_test(test_shapes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
