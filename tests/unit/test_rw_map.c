/* tests/unit/test_rw_map.c — the string-keyed hash map: put, get, replace, remove (with the
 * backward shift that keeps probe runs whole), growth. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "rewrite/map.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

static char keys[2000][16];

static void test_put_get_remove(void **state)
{
    (void)state;
    rw_map m = {0};
    for (int i = 0; i < 2000; i++) {
        snprintf(keys[i], sizeof keys[i], "k%d", i);
        rw_map_put(&m, keys[i], strlen(keys[i]), (void *)(intptr_t)(i + 1));
    }
    assert_int_equal(m.n, 2000);
    rw_map_put(&m, keys[7], strlen(keys[7]), (void *)(intptr_t)42); /* replace */
    assert_int_equal(m.n, 2000);
    assert_int_equal((intptr_t)rw_map_get(&m, "k7", 2), 42);
    /* remove every other key; the rest must stay reachable */
    for (int i = 0; i < 2000; i += 2) {
        const char *old = NULL;
        void *v = rw_map_remove(&m, keys[i], strlen(keys[i]), &old);
        assert_non_null(v);
        assert_ptr_equal(old, keys[i]);
    }
    assert_int_equal(m.n, 1000);
    for (int i = 0; i < 2000; i++) {
        void *v = rw_map_get(&m, keys[i], strlen(keys[i]));
        if (i % 2 == 0)
            assert_null(v);
        else
            assert_int_equal((intptr_t)v, i == 7 ? 42 : i + 1);
    }
    assert_null(rw_map_remove(&m, "absent", 6, NULL));
    rw_map_free(&m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_put_get_remove)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
