/* proxy/catalog.c — schema snapshots per upstream database, loaded through sessions. */
#include "proxy/catalog.h"

#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/mem.h"
#include "proxy/log.h"
#include "rewrite/watch.h"

struct catalog {
    char *key; /* "upstream/dbname" */
    catalog_set *set;
    int slot;              /* in the shared region */
    rw_snapshot *snapshot; /* newest complete snapshot, or NULL */
    double loaded_at;
    uint64_t generation_seen;    /* the shared generation the snapshot was read after ... */
    uint64_t generation_loading; /* ... and the one the load under way started after */
    rw_snapshot *building;       /* the load under way, or NULL */
    const char *row_error;
    double failed_at; /* the last load that failed: the next waits a little */
    bool aged;        /* older than schema_refresh (catalog_tick) */
    char *epoch;      /* the catalog epoch the snapshot was read at (rewrite/watch.h) */
    bool poll_due;    /* epoch_interval has passed: read the epoch (catalog_tick) */
    bool polling;     /* a session reads it now */
    double polled_at;
    uint64_t loads, failures; /* loads finished, and failed (the statistics) */
};

/* Seconds between a failed load and the next try: a catalog that cannot be read must not
 * make every waiting session read it again at once, in a loop. */
enum { RETRY_SECONDS = 1 };

/* A tick may come a few milliseconds before its period has passed on the coarse clock. */
#define TICK_SLACK 0.01

/* Seconds, with the milliseconds an epoch_interval below a second needs. */
static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

catalog *catalog_of(catalog_set *all, const char *upstream, const char *dbname)
{
    char *key = mem_printf("%s/%s", upstream, dbname);
    size_t n = strlen(key);
    catalog *db = rw_map_get(&all->map, key, n);
    if (db) {
        free(key);
        return db;
    }
    db = mem_zalloc(sizeof *db);
    db->key = key;
    db->set = all;
    db->slot = shared_db_slot(all->shared, key);
    rw_map_put(&all->map, db->key, n, db);
    return db;
}

static uint64_t generation(const catalog *db)
{
    return shared_db_generation(db->set->shared, db->slot);
}

rw_snapshot *catalog_snapshot(const catalog *db)
{
    return db->snapshot;
}

void catalog_mark_stale(catalog *db)
{
    shared_db_changed(db->set->shared, db->slot);
    db->set->changed(db->set->owner);
}

/* Waits until every other worker has sent what it rewrote before this DDL began: a worker
 * is in the middle of one event for a few microseconds (or as long as the system does not
 * run it), so the CPU is yielded between looks. */
static void wait_for_other_workers(catalog_set *all)
{
    uint64_t seen[shared_workers(all->shared)];
    shared_quiesce_start(all->shared, all->worker, seen);
    while (!shared_quiesced(all->shared, all->worker, seen))
        sched_yield();
    shared_quiesce_end(all->shared, all->worker);
}

void catalog_ddl_begin(catalog *db)
{
    shared_ddl_begin(db->set->shared, db->set->worker, db->slot);
    if (shared_workers(db->set->shared) > 1)
        wait_for_other_workers(db->set);
}

void catalog_ddl_end(catalog *db)
{
    shared_ddl_end(db->set->shared, db->set->worker, db->slot);
    db->set->changed(db->set->owner);
}

bool catalog_ddl_running(const catalog *db)
{
    return shared_ddl_running(db->set->shared, db->slot);
}

void catalog_enter(catalog *db)
{
    if (shared_workers(db->set->shared) > 1)
        shared_enter(db->set->shared, db->set->worker);
}

void catalog_leave(catalog *db)
{
    shared_leave(db->set->shared, db->set->worker);
}

bool catalog_fresh(const catalog *db)
{
    return db->snapshot && db->generation_seen == generation(db);
}

bool catalog_wants_load(const catalog *db)
{
    return !catalog_fresh(db) || db->aged;
}

bool catalog_tick(catalog_set *all, const conf_config *cfg)
{
    double t = now();
    bool watched = false;
    for (size_t i = 0; i < all->map.cap; i++) {
        catalog *db = all->map.slots[i].value;
        if (!db || !db->snapshot)
            continue;
        if (cfg->schema_refresh > 0)
            db->aged = t - db->loaded_at >= cfg->schema_refresh;
        bool watch = db->epoch && cfg->epoch_interval > 0;
        /* counted from when the last read fell due, not from when a statement came to make
         * it: else, at one tick a period, it would fall due every other tick */
        if (watch && t - db->polled_at + TICK_SLACK >= cfg->epoch_interval) {
            db->poll_due = true;
            db->polled_at = t;
        }
        watched |= watch;
    }
    return watched;
}

void catalog_mark_all_stale(catalog_set *all)
{
    for (size_t i = 0; i < all->map.cap; i++)
        if (all->map.slots[i].value)
            shared_db_changed(all->shared, ((catalog *)all->map.slots[i].value)->slot);
    all->changed(all->owner);
}

bool catalog_has_epoch(const catalog *db)
{
    return db->epoch != NULL;
}

bool catalog_poll_wanted(const catalog *db)
{
    return db->poll_due && !db->polling && !db->building;
}

const char *catalog_poll_due(catalog *db)
{
    if (!catalog_poll_wanted(db))
        return NULL;
    db->poll_due = false;
    db->polling = true;
    return RW_EPOCH_QUERY;
}

void catalog_poll_done(catalog *db, const char *epoch, const char *error)
{
    db->polling = false;
    if (error || !epoch || !db->epoch || strcmp(epoch, db->epoch) != 0) {
        log_debug("%s: catalog epoch %s -> %s: reading the catalog again", db->key,
                  db->epoch ? db->epoch : "none", epoch ? epoch : (error ? error : "none"));
        catalog_mark_stale(db);
    }
}

rw_snapshot_options catalog_options(const conf_config *cfg)
{
    return (rw_snapshot_options){
        (const char *const *)cfg->columns.items, cfg->columns.n,
        (const char *const *)cfg->include.items, cfg->include.n,
        (const char *const *)cfg->exclude.items, cfg->exclude.n,
    };
}

char *catalog_query(const conf_config *cfg)
{
    rw_snapshot_options o = catalog_options(cfg);
    return rw_snapshot_query(&o);
}

char *catalog_load_due(catalog *db, const conf_config *cfg)
{
    if (db->building || !catalog_wants_load(db) || now() - db->failed_at < RETRY_SECONDS)
        return NULL; /* another session is at it, nothing to do, or too soon */
    db->building = rw_snapshot_new();
    db->row_error = NULL;
    db->generation_loading = generation(db);
    return catalog_query(cfg);
}

void catalog_load_row(catalog *db, int nfields, const char *const *fields)
{
    rw_catalog_row row = {nfields, fields};
    if (db->building && !db->row_error)
        rw_snapshot_add_row(db->building, &row, &db->row_error);
}

void catalog_load_done(catalog *db, const char *error)
{
    rw_snapshot *built = db->building;
    db->building = NULL;
    const char *why = error ? error : db->row_error;
    if (!built || why) {
        log_warning("%s: cannot read the catalog: %s", db->key, why ? why : "lost");
        rw_snapshot_unref(built);
        db->failed_at = now();
        db->failures++;
        return; /* still stale: the next session that needs it tries again */
    }
    db->loaded_at = db->polled_at = now();
    db->aged = db->poll_due = false;
    db->loads++;
    free(db->epoch);
    db->epoch = mem_strdup(rw_snapshot_epoch(built));
    db->generation_seen = db->generation_loading; /* changes during the load still count */
    /* an unchanged catalog keeps its snapshot: cached rewrites and prepared statements stay
     * valid (they are keyed by the snapshot's version) */
    if (rw_snapshot_same(built, db->snapshot)) {
        log_debug("%s: catalog read, unchanged", db->key);
        rw_snapshot_unref(built);
        return;
    }
    rw_snapshot_finish(built);
    rw_snapshot_unref(db->snapshot);
    db->snapshot = built;
    log_info("%s: catalog read, %d soft-delete tables%s", db->key, rw_snapshot_soft_count(built),
             rw_snapshot_has_helpers(built) ? "" : ", helper functions not installed");
}

void catalog_describe(const catalog *db, st_report_catalog *out)
{
    *out = (st_report_catalog){
        .name = db->key,
        .snapshot = db->snapshot,
        .age = db->snapshot ? difftime(now(), db->loaded_at) : -1,
        .loads = db->loads,
        .failures = db->failures,
        .stale = !catalog_fresh(db),
    };
}

static void free_one(const char *key, void *value, void *arg)
{
    catalog *db = value;
    (void)key;
    (void)arg;
    rw_snapshot_unref(db->snapshot);
    rw_snapshot_unref(db->building);
    free(db->epoch);
    free(db->key);
    free(db);
}

void catalog_free_all(catalog_set *all)
{
    rw_map_each(&all->map, free_one, NULL);
    rw_map_free(&all->map);
}
