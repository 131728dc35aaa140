/* shared/stats.c — the statistics every worker publishes (about once a second), so that the
 * console and the metrics of any worker report the whole proxy. A sequence lock: the writer
 * makes `version` odd, writes, makes it even again; a reader copies and keeps the copy only
 * if the version was even and did not move meanwhile. Writers never wait; readers are rare. */
#include "shared/internal.h"

#include <stdio.h>
#include <string.h>

void shared_stats_publish(shared_region *r, int worker, const st_report *rep, uint64_t request)
{
    shared_stats *s = r->worker[worker].stats;
    int n = rep->ndbs < SHARED_STAT_DBS ? rep->ndbs : SHARED_STAT_DBS;
    atomic_fetch_add_explicit(&s->version, 1, memory_order_relaxed);
    atomic_thread_fence(memory_order_release);
    for (int i = 0; i < n; i++) {
        shared_stat *row = &s->rows[i];
        snprintf(row->name, sizeof row->name, "%s", rep->dbs[i].name);
        row->totals = rep->dbs[i].totals;
        row->totals.name = NULL;
        memcpy(row->clients, rep->dbs[i].clients, sizeof row->clients);
    }
    atomic_store_explicit(&s->n, n, memory_order_relaxed);
    atomic_fetch_add_explicit(&s->version, 1, memory_order_release);
    atomic_store(&s->answered, request);
}

uint64_t shared_stats_request(shared_region *r)
{
    return atomic_fetch_add(&r->stats_request, 1) + 1;
}

uint64_t shared_stats_requested(const shared_region *r)
{
    return atomic_load(&r->stats_request);
}

bool shared_stats_answered(const shared_region *r, int worker, uint64_t request)
{
    for (int w = 0; w < r->workers; w++) {
        uint64_t answered = atomic_load(&r->worker[w].stats->answered);
        if (w != worker && answered != UINT64_MAX && answered < request)
            return false;
    }
    return true;
}

/* One worker's rows into out; the number copied, or -1 when they changed meanwhile. */
static int copy_rows(const shared_stats *s, shared_stat *out, int max)
{
    uint64_t before = atomic_load_explicit(&s->version, memory_order_acquire);
    if (before & 1)
        return -1;
    int n = atomic_load_explicit(&s->n, memory_order_relaxed);
    n = n < max ? n : max;
    memcpy(out, s->rows, (size_t)n * sizeof *out);
    atomic_thread_fence(memory_order_acquire);
    return atomic_load_explicit(&s->version, memory_order_relaxed) == before ? n : -1;
}

int shared_stats_others(const shared_region *r, int worker, shared_stat *out, int max)
{
    int total = 0;
    for (int w = 0; w < r->workers; w++) {
        if (w == worker)
            continue;
        int n = -1;
        for (int tries = 0; n < 0 && tries < 100; tries++)
            n = copy_rows(r->worker[w].stats, out + total, max - total);
        total += n > 0 ? n : 0; /* a worker rewriting for so long is skipped this time */
    }
    return total;
}

void shared_stats_add(st_report *rep, const shared_stat *rows, int n)
{
    for (int i = 0; i < n; i++) {
        st_report_db *db = st_report_db_of(rep, rows[i].name);
        st_db_merge(&db->totals, &rows[i].totals);
        for (int k = 0; k < ST_CLIENT_STATES; k++)
            db->clients[k] += rows[i].clients[k];
    }
}
