/* shared/pause.c — PAUSE and RESUME of the console for every worker (see shared.h). */
#include "shared/internal.h"

#include <stdio.h>
#include <string.h>

static int find(const shared_region *r, const char *db)
{
    for (int i = 0; i < SHARED_PAUSES; i++)
        if (r->paused[i][0] && strncmp(r->paused[i], db, SHARED_STAT_NAME - 1) == 0)
            return i;
    return -1;
}

bool shared_pause(shared_region *r, const char *db)
{
    shared_lock(r);
    bool ok = true;
    if (!*db) {
        r->paused_all = true;
    } else if (find(r, db) < 0) {
        int free_at = -1;
        for (int i = 0; i < SHARED_PAUSES && free_at < 0; i++)
            if (!r->paused[i][0])
                free_at = i;
        ok = free_at >= 0;
        if (ok)
            snprintf(r->paused[free_at], SHARED_STAT_NAME, "%s", db);
    }
    if (ok)
        atomic_fetch_add(&r->pause_version, 1);
    pthread_mutex_unlock(&r->admission);
    return ok;
}

void shared_resume(shared_region *r, const char *db)
{
    shared_lock(r);
    if (!*db) {
        r->paused_all = false;
        memset(r->paused, 0, sizeof r->paused);
    } else {
        int at = find(r, db);
        if (at >= 0)
            r->paused[at][0] = 0;
    }
    atomic_fetch_add(&r->pause_version, 1);
    pthread_mutex_unlock(&r->admission);
}

uint64_t shared_pause_version(const shared_region *r)
{
    return atomic_load(&r->pause_version);
}

int shared_paused(shared_region *r, bool *all, char (*names)[SHARED_STAT_NAME], int max)
{
    shared_lock(r);
    *all = r->paused_all;
    int n = 0;
    for (int i = 0; i < SHARED_PAUSES && n < max; i++)
        if (r->paused[i][0])
            memcpy(names[n++], r->paused[i], SHARED_STAT_NAME);
    pthread_mutex_unlock(&r->admission);
    return n;
}

void shared_pause_ack(shared_region *r, int worker, uint64_t version, int running)
{
    shared_worker *w = &r->worker[worker];
    atomic_store(&w->pause_running, running);
    atomic_store(&w->pause_seen, version); /* after the count: a reader sees both */
}

bool shared_pause_settled(const shared_region *r, uint64_t version)
{
    for (int i = 0; i < r->workers; i++) {
        const shared_worker *w = &r->worker[i];
        uint64_t seen = atomic_load(&w->pause_seen);
        if (seen == UINT64_MAX) /* dead, or not started again yet: nothing of its runs */
            continue;
        if (seen != version || atomic_load(&w->pause_running) > 0)
            return false;
    }
    return true;
}
