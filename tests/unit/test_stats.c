/* The statistics core: histograms, counters per database, and the Prometheus page. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "stats/prometheus.h"
#include "stats/stats.h"

static void test_hist(void **state)
{
    (void)state;
    st_hist h = {0};
    assert_int_equal(st_hist_quantile(&h, 0.99), 0);
    assert_int_equal(st_hist_mean(&h), 0);
    for (int i = 0; i < 99; i++)
        st_hist_add(&h, 80);   /* the (50, 100] bucket */
    st_hist_add(&h, 90000000); /* +Inf */
    assert_int_equal(h.n, 100);
    assert_int_equal(h.counts[4], 99);
    assert_int_equal(h.counts[ST_HIST_BUCKETS], 1);
    assert_int_equal(st_hist_mean(&h), (99 * 80 + 90000000 + 50) / 100);
    uint64_t p50 = st_hist_quantile(&h, 0.5);
    assert_true(p50 > 50 && p50 <= 100);
    assert_int_equal(st_hist_quantile(&h, 0.99), 100);
    assert_int_equal(st_hist_quantile(&h, 1.0), 60000000); /* +Inf: the last finite bound */
    st_hist other = {0};
    st_hist_add(&other, 3);
    st_hist_merge(&h, &other);
    assert_int_equal(h.n, 101);
    assert_int_equal(h.counts[0], 1);
    assert_int_equal(h.sum_us, 99 * 80 + 90000000 + 3);
}

static void test_counters(void **state)
{
    (void)state;
    rw_map all = {0};
    st_db *shop = st_db_of(&all, "shop");
    assert_ptr_equal(st_db_of(&all, "shop"), shop);
    assert_ptr_not_equal(st_db_of(&all, "blog"), shop);
    shop->queries = 3;
    shop->marked = 1;
    st_hist_add(&shop->query_time, 10);
    st_db sum = {0};
    st_db_merge(&sum, shop);
    st_db_merge(&sum, shop);
    assert_int_equal(sum.queries, 6);
    assert_int_equal(sum.marked, 2);
    assert_int_equal(sum.query_time.n, 2);
    st_free_all(&all);
}

static bool has_line(const proto_buf *page, const char *line)
{
    size_t n = strlen(line);
    for (size_t at = 0; at + n <= page->len;) {
        const uint8_t *nl = memchr(page->data + at, '\n', page->len - at);
        size_t len = nl ? (size_t)(nl - page->data) - at : page->len - at;
        if (len == n && memcmp(page->data + at, line, n) == 0)
            return true;
        at += len + 1;
    }
    return false;
}

static void test_prometheus(void **state)
{
    (void)state;
    st_report r = {.version = "1.0.0"};
    st_report_db *d = st_report_db_of(&r, "we\"ird\\db");
    d->totals.queries = 12;
    d->totals.filtered = 5;
    d->totals.cache_hits = 4;
    st_hist_add(&d->totals.query_time, 7000);
    st_report_add_client(&r)->state = ST_CLIENT_IDLE_TX; /* this worker's list */
    d->clients[ST_CLIENT_IDLE_TX] = 2; /* counted by database: this one's and another's */
    r.unattached[ST_CLIENT_LOGIN] = 1; /* logging in, no database yet */
    r.cache.evictions = 2;
    r.process.rss_bytes = 4096;
    proto_buf page = {0};
    st_prometheus(&r, &page);
    static const char *const lines[] = {
        "# TYPE tombstone_queries_total counter",
        "tombstone_queries_total{database=\"we\\\"ird\\\\db\"} 12",
        "tombstone_rewrites_total{database=\"we\\\"ird\\\\db\",kind=\"read_filtered\"} 5",
        "tombstone_rewrite_cache_lookups_total{database=\"we\\\"ird\\\\db\",result=\"hit\"} 4",
        "# TYPE tombstone_query_duration_seconds histogram",
        "tombstone_query_duration_seconds_bucket{database=\"we\\\"ird\\\\db\",le=\"0.005\"} 0",
        "tombstone_query_duration_seconds_bucket{database=\"we\\\"ird\\\\db\",le=\"0.01\"} 1",
        "tombstone_query_duration_seconds_bucket{database=\"we\\\"ird\\\\db\",le=\"+Inf\"} 1",
        "tombstone_query_duration_seconds_count{database=\"we\\\"ird\\\\db\"} 1",
        "tombstone_clients{state=\"idle_in_transaction\"} 2",
        "tombstone_clients{state=\"login\"} 1",
        "tombstone_clients{state=\"idle\"} 0",
        "tombstone_rewrite_cache_evictions_total 2",
        "tombstone_cold_rewrite_duration_seconds_count 0",
        "process_resident_memory_bytes 4096",
        "tombstone_build_info{version=\"1.0.0\"} 1",
    };
    for (size_t i = 0; i < sizeof lines / sizeof *lines; i++)
        if (!has_line(&page, lines[i]))
            fail_msg("missing: %s\n%.*s", lines[i], (int)page.len, (const char *)page.data);
    proto_buf_free(&page);
    st_report_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hist),
        cmocka_unit_test(test_counters),
        cmocka_unit_test(test_prometheus),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
