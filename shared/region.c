/* shared/region.c — laying out a shared region, and taking back what a dead worker held. */
#include "shared/internal.h"

#include <string.h>

/* Offsets of the parts, each aligned for what it holds. */
typedef struct {
    size_t workers, free_slots, slots, ddl, stats, total;
} layout;

static size_t align(size_t n)
{
    return (n + 63) & ~(size_t)63;
}

static layout layout_of(int workers, int capacity)
{
    size_t w = (size_t)workers, c = (size_t)capacity;
    layout l;
    l.workers = align(sizeof(shared_region));
    l.free_slots = align(l.workers + w * sizeof(shared_worker));
    l.slots = align(l.free_slots + w * c * sizeof(int));
    l.ddl = align(l.slots + w * c * sizeof(shared_client));
    l.stats = align(l.ddl + w * SHARED_DBS * sizeof(int));
    l.total = align(l.stats + w * sizeof(shared_stats));
    return l;
}

size_t shared_size(int workers, int capacity)
{
    return layout_of(workers, capacity).total;
}

shared_region *shared_init(void *mem, int workers, int capacity)
{
    layout l = layout_of(workers, capacity);
    char *base = mem;
    shared_region *r = mem;
    r->workers = workers;
    r->capacity = capacity;
    r->worker = (shared_worker *)(base + l.workers);
    for (int i = 0; i < workers; i++) {
        shared_worker *w = &r->worker[i];
        w->free_slots = (int *)(base + l.free_slots) + (size_t)i * (size_t)capacity;
        w->slots = (shared_client *)(base + l.slots) + (size_t)i * (size_t)capacity;
        w->ddl = (int *)(base + l.ddl) + (size_t)i * SHARED_DBS;
        w->stats = (shared_stats *)(base + l.stats) + i;
    }
    /* a worker that dies holding the lock must not block the others' logins */
    pthread_mutexattr_t attr;
    pthread_mutexattr_init(&attr);
    pthread_mutexattr_setpshared(&attr, PTHREAD_PROCESS_SHARED);
    pthread_mutexattr_setrobust(&attr, PTHREAD_MUTEX_ROBUST);
    pthread_mutex_init(&r->admission, &attr);
    pthread_mutexattr_destroy(&attr);
    return r;
}

int shared_workers(const shared_region *r)
{
    return r->workers;
}

int shared_capacity(const shared_region *r)
{
    return r->capacity;
}

uint64_t shared_hash(const char *s)
{
    uint64_t h = 0xcbf29ce484222325u; /* FNV-1a */
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 0x100000001b3u;
    return h ? h : 1;
}

void shared_worker_reset(shared_region *r, int worker)
{
    shared_worker *w = &r->worker[worker];
    for (int i = 0; i < SHARED_DBS; i++) {
        if (!w->ddl[i])
            continue;
        atomic_fetch_sub(&r->dbs[i].ddl_running, w->ddl[i]);
        atomic_fetch_add(&r->dbs[i].generation, 1);
        w->ddl[i] = 0;
    }
    int used = atomic_load(&w->used);
    for (int i = 0; i < used; i++) {
        atomic_store(&w->slots[i].cancel, 0);
        atomic_store(&w->slots[i].db, 0);
        atomic_store(&w->slots[i].user, 0);
    }
    atomic_fetch_sub(&r->clients, atomic_exchange(&w->clients, 0));
    atomic_store(&w->stats->n, 0);                 /* its counts went with it */
    atomic_store(&w->stats->answered, UINT64_MAX); /* until its new process publishes */
    atomic_store(&w->pause_running, 0);
    atomic_store(&w->pause_seen, UINT64_MAX); /* its new process acknowledges at its start */
    atomic_store(&w->used, 0);
    w->nfree = 0;
    atomic_store(&w->spinning, 0);
    atomic_store(&w->active, 0);
    atomic_fetch_add(&w->seq, 1);
}
