/* tests/unit/test_rw_cache.c — the rewrite cache: hits, keys, byte bound. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "rewrite/cache.h"
#include "rw_fixture.h"

#include <stdio.h>
#include <string.h>

static void test_hit_and_keys(void **state)
{
    (void)state;
    rw_schema *s = fixture_schema();
    rw_context ctx = {.schema = s,
                      .search_path = fixture_path,
                      .nsearch_path = 2,
                      .standard_strings = true,
                      .user = "tester"};
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
    rw_context other = {.schema = s,
                        .search_path = archive_first,
                        .nsearch_path = 3,
                        .standard_strings = true,
                        .user = "tester"};
    r = rw_cache_rewrite(c, &other, q, strlen(q));
    assert_null(r->sql);
    assert_int_equal(rw_cache_get_stats(c).misses, 2);

    /* a new snapshot of the same database is a new key too */
    rw_schema *s2 = fixture_schema();
    rw_context next = {.schema = s2,
                       .search_path = fixture_path,
                       .nsearch_path = 2,
                       .standard_strings = true,
                       .user = "tester"};
    rw_cache_rewrite(c, &next, q, strlen(q));
    assert_int_equal(rw_cache_get_stats(c).misses, 3);
    rw_cache_free(c);
    rw_schema_unref(s);
    rw_schema_unref(s2);
}

static void test_byte_bound(void **state)
{
    (void)state;
    rw_schema *s = fixture_schema();
    rw_context ctx = {.schema = s,
                      .search_path = fixture_path,
                      .nsearch_path = 2,
                      .standard_strings = true,
                      .user = "tester"};
    rw_cache *c = rw_cache_new(8192);
    char q[128];
    for (int i = 0; i < 1000; i++) {
        snprintf(q, sizeof q, "SELECT %d FROM books", i);
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
    rw_schema_unref(s);
}

static void test_irrelevant_texts_skip_the_parser(void **state)
{
    (void)state;
    rw_schema *s = fixture_schema();
    rw_context ctx = {.schema = s,
                      .search_path = fixture_path,
                      .nsearch_path = 2,
                      .standard_strings = true,
                      .user = "tester"};
    int n;
    assert_true(rw_irrelevant(&ctx, "SELECT * FROM orders; SELECT 'authors' ;; ", 42, &n));
    assert_int_equal(n, 2);
    assert_true(rw_irrelevant(&ctx, "", 0, &n));
    assert_int_equal(n, 0);
    static const char *const relevant[] = {
        "SELECT * FROM authors",
        "SELECT * FROM \"books\"",
        "SET search_path = archive",
        "CREATE TABLE x (deleted_at timestamptz)",
        "SELECT 1 INTO t",
        "EXECUTE p",
        "SELECT set_config('search_path', 'x', false)",
        "ROLLBACK TO s",
        NULL,
    };
    for (const char *const *q = relevant; *q; q++)
        assert_false(rw_irrelevant(&ctx, *q, strlen(*q), &n));

    /* the cache forwards them without an entry, and counts them */
    rw_cache *c = rw_cache_new(1 << 20);
    const char *q = "SELECT 1; SELECT 2";
    const rw_result *r = rw_cache_rewrite(c, &ctx, q, strlen(q));
    assert_null(r->sql);
    assert_int_equal(r->nstmts, 2);
    assert_int_equal(r->stmts[1].flags, 0);
    assert_int_equal(rw_cache_get_stats(c).skipped, 1);
    assert_int_equal(rw_cache_get_stats(c).entries, 0);
    rw_cache_free(c);
    rw_schema_unref(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hit_and_keys),
        cmocka_unit_test(test_byte_bound),
        cmocka_unit_test(test_irrelevant_texts_skip_the_parser),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
