/* shared/clients.c — the clients of every worker: the global count, cancel keys and the
 * per-database and per-user limits (see shared.h). */
#include "shared/internal.h"

#include <errno.h>
#include <string.h>

int shared_client_add(shared_region *r, int worker, int max_clients)
{
    shared_worker *w = &r->worker[worker];
    int n = atomic_load(&r->clients);
    if (max_clients > r->capacity)
        max_clients = r->capacity; /* a worker's slots: one for each client there can be */
    do {
        if (n >= max_clients)
            return -1;
    } while (!atomic_compare_exchange_weak(&r->clients, &n, n + 1));
    atomic_fetch_add(&w->clients, 1);
    if (w->nfree > 0)
        return w->free_slots[--w->nfree];
    int slot = atomic_load(&w->used);
    atomic_store(&w->used, slot + 1);
    return slot;
}

void shared_client_remove(shared_region *r, int worker, int slot)
{
    shared_worker *w = &r->worker[worker];
    shared_client *c = &w->slots[slot];
    atomic_store(&c->cancel, 0);
    atomic_store(&c->db, 0);
    atomic_store(&c->user, 0);
    w->free_slots[w->nfree++] = slot;
    atomic_fetch_sub(&w->clients, 1);
    atomic_fetch_sub(&r->clients, 1);
}

int shared_clients(const shared_region *r)
{
    return atomic_load(&r->clients);
}

static uint64_t cancel_key(uint32_t pid, uint32_t key)
{
    return (uint64_t)pid << 32 | key;
}

void shared_client_key(shared_region *r, int worker, int slot, uint32_t pid, uint32_t key,
                       const struct sockaddr_storage *addr, socklen_t len)
{
    shared_client *c = &r->worker[worker].slots[slot];
    c->addr = *addr;
    c->addr_len = len;
    /* release: a reader that sees the key sees the address */
    atomic_store_explicit(&c->cancel, cancel_key(pid, key), memory_order_release);
}

bool shared_cancel_find(const shared_region *r, uint32_t pid, uint32_t key,
                        struct sockaddr_storage *addr, socklen_t *len)
{
    uint64_t want = cancel_key(pid, key);
    for (int i = 0; i < r->workers; i++) {
        const shared_worker *w = &r->worker[i];
        int used = atomic_load(&w->used);
        for (int j = 0; j < used; j++) {
            const shared_client *c = &w->slots[j];
            if (atomic_load_explicit(&c->cancel, memory_order_acquire) != want)
                continue;
            *addr = c->addr;
            *len = c->addr_len;
            return true;
        }
    }
    return false;
}

void shared_lock(shared_region *r)
{
    if (pthread_mutex_lock(&r->admission) == EOWNERDEAD)
        pthread_mutex_consistent(&r->admission); /* the dead worker's slots were reset */
}

shared_admission shared_admit(shared_region *r, int worker, int slot, uint64_t db, int db_max,
                              uint64_t user, int user_max)
{
    shared_client *me = &r->worker[worker].slots[slot];
    if (db_max <= 0 && user_max <= 0) {
        atomic_store(&me->db, db);
        atomic_store(&me->user, user);
        return SHARED_ADMITTED;
    }
    shared_lock(r);
    int same_db = 0, same_user = 0;
    for (int i = 0; i < r->workers; i++) {
        const shared_worker *w = &r->worker[i];
        int used = atomic_load(&w->used);
        for (int j = 0; j < used; j++) {
            same_db += atomic_load_explicit(&w->slots[j].db, memory_order_relaxed) == db;
            same_user += atomic_load_explicit(&w->slots[j].user, memory_order_relaxed) == user;
        }
    }
    shared_admission a = db_max > 0 && same_db >= db_max         ? SHARED_DB_FULL
                         : user_max > 0 && same_user >= user_max ? SHARED_USER_FULL
                                                                 : SHARED_ADMITTED;
    if (a == SHARED_ADMITTED) {
        atomic_store(&me->db, db);
        atomic_store(&me->user, user);
    }
    pthread_mutex_unlock(&r->admission);
    return a;
}
