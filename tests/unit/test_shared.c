/* What the workers share, on plain memory: catalog generations and DDL counts, the handshake
 * between a worker's check and its send, the global client count, cancel keys found from any
 * worker, global per-database and per-user limits, and a dead worker's share taken back. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <cmocka.h>

#include "shared/shared.h"

static shared_region *region(int workers, int capacity)
{
    void *mem = calloc(1, shared_size(workers, capacity));
    assert_non_null(mem);
    return shared_init(mem, workers, capacity);
}

static void test_catalog_generations(void **state)
{
    (void)state;
    shared_region *r = region(2, 4);
    int a = shared_db_slot(r, "127.0.0.1:5432/shop"), b = shared_db_slot(r, "127.0.0.1:5432/crm");
    assert_int_not_equal(a, b);
    assert_int_equal(shared_db_slot(r, "127.0.0.1:5432/shop"), a); /* the same from any worker */
    uint64_t g = shared_db_generation(r, a);
    shared_db_changed(r, a);
    assert_true(shared_db_generation(r, a) == g + 1);
    assert_true(shared_db_generation(r, b) == 0);
    shared_ddl_begin(r, 1, a);
    assert_true(shared_ddl_running(r, a));
    assert_false(shared_ddl_running(r, b));
    shared_ddl_end(r, 1, a);
    assert_false(shared_ddl_running(r, a));
    free(r);
}

/* More databases than slots: the rest share slot 0, which is never a named one's. */
static void test_catalog_overflow(void **state)
{
    (void)state;
    shared_region *r = region(1, 1);
    char key[32];
    int zero = 0;
    for (int i = 0; i < SHARED_DBS + 10; i++) {
        snprintf(key, sizeof key, "h/db%d", i);
        zero += shared_db_slot(r, key) == 0;
    }
    assert_int_equal(zero, 11);
    free(r);
}

/* Worker 1 checked the catalog state and has not sent yet: worker 0, beginning DDL, waits
 * until worker 1's event is over (or it began another one, after the DDL began). */
static void test_handshake(void **state)
{
    (void)state;
    shared_region *r = region(3, 4);
    uint64_t seen[3];
    int db = shared_db_slot(r, "x/y");
    shared_enter(r, 1);
    shared_enter(r, 1); /* idempotent within an event */
    shared_ddl_begin(r, 0, db);
    shared_quiesce_start(r, 0, seen);
    assert_false(shared_quiesced(r, 0, seen));
    shared_leave(r, 1);
    assert_true(shared_quiesced(r, 0, seen));
    shared_enter(r, 1); /* a new event: it sees ddl_running, nothing to wait for */
    assert_true(shared_quiesced(r, 0, seen));
    shared_quiesce_end(r, 0);
    shared_leave(r, 1);
    /* nobody active: nothing to wait for */
    shared_quiesce_start(r, 0, seen);
    assert_true(shared_quiesced(r, 0, seen));
    shared_quiesce_end(r, 0);
    free(r);
}

/* Two workers beginning DDL in the same instant, each active: neither waits for the other. */
static void test_handshake_no_deadlock(void **state)
{
    (void)state;
    shared_region *r = region(2, 4);
    uint64_t seen0[2], seen1[2];
    shared_enter(r, 0);
    shared_enter(r, 1);
    shared_quiesce_start(r, 0, seen0);
    shared_quiesce_start(r, 1, seen1);
    assert_true(shared_quiesced(r, 0, seen0));
    assert_true(shared_quiesced(r, 1, seen1));
    free(r);
}

static void test_client_count_is_global(void **state)
{
    (void)state;
    shared_region *r = region(2, 3);
    int a = shared_client_add(r, 0, 2), b = shared_client_add(r, 1, 2);
    assert_true(a >= 0 && b >= 0);
    assert_int_equal(shared_client_add(r, 0, 2), -1);
    assert_int_equal(shared_client_add(r, 1, 2), -1);
    assert_int_equal(shared_clients(r), 2);
    shared_client_remove(r, 0, a);
    assert_int_equal(shared_client_add(r, 1, 2), 1); /* worker 1's second slot */
    /* a limit above the capacity at start: the capacity */
    assert_int_equal(shared_client_add(r, 0, 100), 0); /* the freed slot again */
    assert_int_equal(shared_client_add(r, 0, 100), -1);
    free(r);
}

static struct sockaddr_storage address(uint16_t port)
{
    struct sockaddr_storage ss = {0};
    struct sockaddr_in *in = (struct sockaddr_in *)&ss;
    in->sin_family = AF_INET;
    in->sin_port = htons(port);
    return ss;
}

static void test_cancel_found_from_any_worker(void **state)
{
    (void)state;
    shared_region *r = region(2, 4);
    int s = shared_client_add(r, 1, 10);
    struct sockaddr_storage a = address(5432), out;
    socklen_t len = 0;
    assert_false(shared_cancel_find(r, 77, 99, &out, &len));
    shared_client_key(r, 1, s, 77, 99, &a, sizeof(struct sockaddr_in));
    assert_true(shared_cancel_find(r, 77, 99, &out, &len));
    assert_int_equal(len, sizeof(struct sockaddr_in));
    assert_int_equal(ntohs(((struct sockaddr_in *)&out)->sin_port), 5432);
    assert_false(shared_cancel_find(r, 77, 98, &out, &len)); /* the key must match */
    shared_client_remove(r, 1, s);
    assert_false(shared_cancel_find(r, 77, 99, &out, &len));
    free(r);
}

static void test_limits_are_global(void **state)
{
    (void)state;
    shared_region *r = region(2, 8);
    uint64_t shop = shared_hash("shop"), crm = shared_hash("crm");
    uint64_t alice = shared_hash("alice"), bob = shared_hash("bob");
    int a = shared_client_add(r, 0, 10), b = shared_client_add(r, 1, 10);
    int c = shared_client_add(r, 1, 10), d = shared_client_add(r, 0, 10);
    assert_int_equal(shared_admit(r, 0, a, shop, 2, alice, 0), SHARED_ADMITTED);
    assert_int_equal(shared_admit(r, 1, b, shop, 2, bob, 0), SHARED_ADMITTED);
    assert_int_equal(shared_admit(r, 1, c, shop, 2, bob, 0), SHARED_DB_FULL);
    assert_int_equal(shared_admit(r, 1, c, crm, 2, bob, 2), SHARED_ADMITTED);
    assert_int_equal(shared_admit(r, 0, d, crm, 0, bob, 2), SHARED_USER_FULL);
    shared_client_remove(r, 1, b);
    assert_int_equal(shared_admit(r, 0, d, shop, 2, bob, 2), SHARED_ADMITTED);
    free(r);
}

/* A worker died with clients, a cancel key and DDL on its way: all of it is taken back, and
 * the database's generation moves (its DDL may have committed). */
static void test_dead_worker_reset(void **state)
{
    (void)state;
    shared_region *r = region(2, 4);
    int db = shared_db_slot(r, "x/y");
    int s = shared_client_add(r, 1, 10);
    shared_client_add(r, 0, 10);
    struct sockaddr_storage a = address(1), out;
    socklen_t len;
    shared_client_key(r, 1, s, 5, 6, &a, sizeof(struct sockaddr_in));
    shared_admit(r, 1, s, shared_hash("shop"), 1, shared_hash("u"), 0);
    shared_ddl_begin(r, 1, db);
    shared_enter(r, 1);
    uint64_t g = shared_db_generation(r, db);
    shared_worker_reset(r, 1);
    assert_int_equal(shared_clients(r), 1);
    assert_false(shared_ddl_running(r, db));
    assert_true(shared_db_generation(r, db) > g);
    assert_false(shared_cancel_find(r, 5, 6, &out, &len));
    uint64_t seen[2];
    shared_quiesce_start(r, 0, seen);
    assert_true(shared_quiesced(r, 0, seen));
    int again = shared_client_add(r, 1, 10);
    assert_int_equal(again, 0);
    assert_int_equal(shared_admit(r, 1, again, shared_hash("shop"), 1, 0, 0), SHARED_ADMITTED);
    free(r);
}

static shared_stat *row_named(shared_stat *rows, int n, const char *name)
{
    for (int i = 0; i < n; i++)
        if (strcmp(rows[i].name, name) == 0)
            return &rows[i];
    return NULL;
}

/* What a worker publishes, the others read and add to their report: counters, histograms and
 * client counts per database; its own rows are not read back; a dead worker's are dropped. */
static void test_stats_published(void **state)
{
    (void)state;
    shared_region *r = region(3, 4);
    st_report mine = {0};
    st_report_db *shop = st_report_db_of(&mine, "shop");
    shop->totals.queries = 7;
    shop->totals.marked = 2;
    st_hist_add(&shop->totals.query_time, 100);
    shop->clients[ST_CLIENT_IDLE] = 3;
    uint64_t request = shared_stats_request(r);
    assert_false(shared_stats_answered(r, 0, request));
    shared_stats_publish(r, 1, &mine, shared_stats_requested(r));
    st_report theirs = {0};
    st_report_db_of(&theirs, "other")->totals.queries = 1;
    assert_false(shared_stats_answered(r, 0, request)); /* worker 2 has not */
    shared_stats_publish(r, 2, &theirs, request);
    assert_true(shared_stats_answered(r, 0, request));
    assert_false(shared_stats_answered(r, 0, shared_stats_request(r)));

    shared_stat rows[3 * SHARED_STAT_DBS];
    assert_int_equal(shared_stats_others(r, 1, rows, 3 * SHARED_STAT_DBS), 1);
    assert_string_equal(rows[0].name, "other");
    int n = shared_stats_others(r, 0, rows, 3 * SHARED_STAT_DBS);
    assert_int_equal(n, 2);
    assert_int_equal(row_named(rows, n, "shop")->totals.marked, 2);

    st_report report = {0};
    st_report_db_of(&report, "shop")->totals.queries = 1;
    shared_stats_add(&report, rows, n);
    const st_report_db *sum = st_report_db_of(&report, "shop");
    assert_int_equal(sum->totals.queries, 8);
    assert_int_equal(sum->totals.query_time.n, 1);
    assert_int_equal(sum->clients[ST_CLIENT_IDLE], 3);
    assert_int_equal(st_report_db_of(&report, "other")->totals.queries, 1);

    shared_worker_reset(r, 1);
    assert_int_equal(shared_stats_others(r, 0, rows, 3 * SHARED_STAT_DBS), 1);
    shared_stats_publish(r, 2, &theirs, shared_stats_requested(r));
    assert_true(shared_stats_answered(r, 0, shared_stats_requested(r))); /* 1 is dead */
    assert_int_equal(shared_stats_others(r, 0, rows, 0), 0); /* no room: nothing copied */
    st_report_free(&mine);
    st_report_free(&theirs);
    st_report_free(&report);
    free(r);
}

/* PAUSE: the names paused, settled only once every live worker acknowledged the newest
 * version with nothing running; a dead worker does not hold it; RESUME clears. */
static void test_pause(void **state)
{
    (void)state;
    shared_region *r = region(2, 4);
    assert_true(shared_pause_settled(r, shared_pause_version(r)));
    assert_true(shared_pause(r, "shop"));
    assert_true(shared_pause(r, "shop")); /* again: one entry */
    uint64_t v = shared_pause_version(r);
    bool all;
    char names[SHARED_PAUSES][SHARED_STAT_NAME];
    assert_int_equal(shared_paused(r, &all, names, SHARED_PAUSES), 1);
    assert_false(all);
    assert_string_equal(names[0], "shop");
    shared_pause_ack(r, 0, v, 0);
    assert_false(shared_pause_settled(r, v)); /* worker 1 has not seen it */
    shared_pause_ack(r, 1, v, 2);
    assert_false(shared_pause_settled(r, v)); /* it runs two statements */
    shared_pause_ack(r, 1, v, 0);
    assert_true(shared_pause_settled(r, v));
    assert_true(shared_pause(r, ""));
    assert_false(shared_pause_settled(r, shared_pause_version(r)));
    shared_worker_reset(r, 1); /* dead: it holds nothing */
    shared_pause_ack(r, 0, shared_pause_version(r), 0);
    assert_true(shared_pause_settled(r, shared_pause_version(r)));
    shared_paused(r, &all, names, SHARED_PAUSES);
    assert_true(all);
    shared_resume(r, "");
    assert_int_equal(shared_paused(r, &all, names, SHARED_PAUSES), 0);
    assert_false(all);
    for (int i = 0; i < SHARED_PAUSES; i++) {
        char db[16];
        snprintf(db, sizeof db, "db%d", i);
        assert_true(shared_pause(r, db));
    }
    assert_false(shared_pause(r, "one_more"));
    shared_resume(r, "db3");
    assert_true(shared_pause(r, "one_more"));
    free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_catalog_generations),
        cmocka_unit_test(test_catalog_overflow),
        cmocka_unit_test(test_handshake),
        cmocka_unit_test(test_handshake_no_deadlock),
        cmocka_unit_test(test_client_count_is_global),
        cmocka_unit_test(test_cancel_found_from_any_worker),
        cmocka_unit_test(test_limits_are_global),
        cmocka_unit_test(test_dead_worker_reset),
        cmocka_unit_test(test_stats_published),
        cmocka_unit_test(test_pause),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
