/* shared/internal.h — the layout of a shared region (see shared.h): a header, the catalogs'
 * table, then per worker its state and its clients' arrays. Every field another process
 * reads is atomic; a worker's free list is touched by that worker only (and by the parent
 * after it died). */
#ifndef SHARED_INTERNAL_H
#define SHARED_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>

#include "shared/shared.h"

typedef struct {
    _Atomic uint64_t hash; /* 0: free */
    _Atomic uint64_t generation;
    _Atomic int ddl_running;
} shared_db;

/* One client: its server's cancel key (pid << 32 | key, 0: none yet) and address, and the
 * hashes of its database and user once admitted (0: not counted). */
typedef struct {
    _Atomic uint64_t cancel;
    _Atomic uint64_t db, user;
    struct sockaddr_storage addr;
    socklen_t addr_len;
} shared_client;

/* A worker's published statistics (shared/stats.c): `version` is odd while it writes them. */
typedef struct {
    _Atomic uint64_t version;
    _Atomic uint64_t answered; /* the newest request published for (UINT64_MAX: dead) */
    _Atomic int n;
    shared_stat rows[SHARED_STAT_DBS];
} shared_stats;

typedef struct {
    _Atomic int active;   /* between shared_enter and shared_leave */
    _Atomic uint64_t seq; /* shared_leave calls */
    _Atomic int spinning; /* between shared_quiesce_start and _end */
    _Atomic int clients;  /* its clients (for the reset) */
    _Atomic int used;     /* slots ever used: scans stop there */
    int nfree;            /* free slots below `used`, listed in free_slots */
    int *free_slots;
    shared_client *slots;
    int *ddl; /* per database slot, the DDL this worker counts in its ddl_running */
    shared_stats *stats;
    _Atomic uint64_t pause_seen; /* the PAUSE version it acknowledged (UINT64_MAX: none to) */
    _Atomic int pause_running;   /* its statements running in paused databases then */
} shared_worker;

struct shared_region {
    int workers, capacity;
    pthread_mutex_t admission; /* max_db_connections, max_user_connections */
    _Atomic int clients;
    _Atomic uint64_t stats_request; /* shared_stats_request */
    /* PAUSE (shared/pause.c), changed under the mutex */
    _Atomic uint64_t pause_version;
    bool paused_all;
    char paused[SHARED_PAUSES][SHARED_STAT_NAME]; /* "" where free */
    shared_db dbs[SHARED_DBS];
    shared_worker *worker; /* [workers] */
};

/* The region's mutex (robust: a worker that died holding it leaves it usable). */
void shared_lock(shared_region *r);

#endif
