/* shared/catalogs.c — per database, the generation and the DDL on its way; the handshake
 * between a worker's check and its send (see shared.h). */
#include "shared/internal.h"

int shared_db_slot(shared_region *r, const char *key)
{
    uint64_t h = shared_hash(key);
    /* slot 0 is for the databases that find no free slot: they share it */
    for (uint64_t i = 0; i < SHARED_DBS - 1; i++) {
        int slot = 1 + (int)((h + i) % (SHARED_DBS - 1));
        uint64_t expected = 0;
        if (atomic_load(&r->dbs[slot].hash) == h ||
            atomic_compare_exchange_strong(&r->dbs[slot].hash, &expected, h) || expected == h)
            return slot;
    }
    return 0;
}

uint64_t shared_db_generation(const shared_region *r, int slot)
{
    return atomic_load(&r->dbs[slot].generation);
}

void shared_db_changed(shared_region *r, int slot)
{
    atomic_fetch_add(&r->dbs[slot].generation, 1);
}

void shared_ddl_begin(shared_region *r, int worker, int slot)
{
    r->worker[worker].ddl[slot]++;
    atomic_fetch_add(&r->dbs[slot].ddl_running, 1);
}

void shared_ddl_end(shared_region *r, int worker, int slot)
{
    r->worker[worker].ddl[slot]--;
    atomic_fetch_sub(&r->dbs[slot].ddl_running, 1);
}

bool shared_ddl_running(const shared_region *r, int slot)
{
    return atomic_load(&r->dbs[slot].ddl_running) > 0;
}

void shared_enter(shared_region *r, int worker)
{
    shared_worker *w = &r->worker[worker];
    /* sequentially consistent: the flag is visible before this worker reads ddl_running */
    if (!atomic_load_explicit(&w->active, memory_order_relaxed))
        atomic_store(&w->active, 1);
}

void shared_leave(shared_region *r, int worker)
{
    shared_worker *w = &r->worker[worker];
    if (!atomic_load_explicit(&w->active, memory_order_relaxed))
        return;
    atomic_fetch_add_explicit(&w->seq, 1, memory_order_release);
    atomic_store_explicit(&w->active, 0, memory_order_release);
}

/* `seen` holds, per other worker, the shared_leave count to see move, or UINT64_MAX when
 * there is nothing to wait for. */
void shared_quiesce_start(shared_region *r, int worker, uint64_t *seen)
{
    atomic_store(&r->worker[worker].spinning, 1);
    for (int i = 0; i < r->workers; i++) {
        shared_worker *o = &r->worker[i];
        uint64_t seq = atomic_load(&o->seq);
        seen[i] = i != worker && atomic_load(&o->active) ? seq : UINT64_MAX;
    }
}

bool shared_quiesced(const shared_region *r, int worker, const uint64_t *seen)
{
    (void)worker;
    for (int i = 0; i < r->workers; i++) {
        shared_worker *o = &r->worker[i];
        if (seen[i] == UINT64_MAX)
            continue;
        /* a worker that is itself waiting for the others does not send meanwhile: waiting
         * for it would deadlock */
        bool done = !atomic_load(&o->active) || atomic_load(&o->seq) != seen[i] ||
                    atomic_load(&o->spinning);
        if (!done)
            return false;
    }
    return true;
}

void shared_quiesce_end(shared_region *r, int worker)
{
    atomic_store(&r->worker[worker].spinning, 0);
}
