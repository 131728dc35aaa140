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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hit_and_keys),
        cmocka_unit_test(test_byte_bound),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
