/* proxy/catalog.c — schema snapshots per upstream database, loaded through sessions. */
#include "proxy/catalog.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "proxy/log.h"
#include "proxy/proxy.h"
#include "proxy/session.h"
#include "rewrite/map.h"

/* A load whose session vanished before it finished is given up after this long. */
enum { LOAD_GIVE_UP_SECONDS = 60 };

struct catalog_db {
    char *key;
    rw_schema *snapshot; /* newest complete snapshot, or NULL */
    time_t loaded_at;
    bool stale;
    rw_schema *building; /* the load under way */
    time_t building_since;
    const char *row_error;
};

static time_t now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
    return ts.tv_sec;
}

catalog_db *catalog_of(proxy *px, const char *upstream, const char *dbname)
{
    char *key;
    int n = asprintf(&key, "%s/%s", upstream, dbname);
    if (n < 0)
        abort();
    catalog_db *db = rw_map_get(&px->catalogs, key, (size_t)n);
    if (db) {
        free(key);
        return db;
    }
    db = calloc(1, sizeof *db);
    if (!db)
        abort();
    db->key = key;
    rw_map_put(&px->catalogs, db->key, (size_t)n, db);
    return db;
}

rw_schema *catalog_snapshot(const catalog_db *db)
{
    return db->snapshot;
}

void catalog_mark_stale(catalog_db *db)
{
    db->stale = true;
}

static void on_row(session *s, void *arg, int nfields, const char *const *fields)
{
    catalog_db *db = arg;
    (void)s;
    rw_catalog_row row = {nfields, fields};
    if (db->building && !db->row_error)
        rw_schema_add_row(db->building, &row, &db->row_error);
}

static void on_done(session *s, void *arg, const proto_error_fields *error)
{
    catalog_db *db = arg;
    (void)s;
    rw_schema *built = db->building;
    db->building = NULL;
    const char *why = error ? (error->message ? error->message : "error") : db->row_error;
    if (!built || why) {
        log_msg(CONF_LOG_WARNING, "%s: cannot read the catalog: %s", db->key, why ? why : "lost");
        rw_schema_unref(built);
        return; /* without any snapshot, the session's statements are refused (rewriting.c) */
    }
    db->loaded_at = now();
    /* an unchanged catalog keeps its snapshot: cached rewrites and prepared statements stay
     * valid (they are keyed by the snapshot's version) */
    if (rw_schema_same(built, db->snapshot)) {
        rw_schema_unref(built);
        return;
    }
    rw_schema_finish(built);
    rw_schema_unref(db->snapshot);
    db->snapshot = built;
    log_msg(CONF_LOG_INFO, "%s: catalog read, %d soft-delete tables%s", db->key,
            rw_schema_soft_count(built),
            rw_schema_has_helpers(built) ? "" : ", helper functions not installed");
}

static bool due(const catalog_db *db, const conf_config *cfg)
{
    if (!db->snapshot || db->stale)
        return true;
    return cfg->schema_refresh > 0 && difftime(now(), db->loaded_at) >= cfg->schema_refresh;
}

void catalog_refresh(session *s, catalog_db *db)
{
    const conf_config *cfg = &s->conf->cfg;
    if (!due(db, cfg))
        return;
    if (db->building && difftime(now(), db->building_since) < LOAD_GIVE_UP_SECONDS)
        return; /* another session is at it */
    rw_schema_unref(db->building);
    db->building = rw_schema_new();
    db->building_since = now();
    db->row_error = NULL;
    db->stale = false;
    rw_schema_options o = {
        (const char *const *)cfg->columns.items, cfg->columns.n,
        (const char *const *)cfg->include.items, cfg->include.n,
        (const char *const *)cfg->exclude.items, cfg->exclude.n,
    };
    char *sql = rw_schema_query(&o);
    session_run_internal_query(s, sql, on_row, on_done, db);
    free(sql);
}

void catalog_free_all(proxy *px)
{
    for (size_t i = 0; i < px->catalogs.cap; i++) {
        catalog_db *db = px->catalogs.slots[i].value;
        if (!db)
            continue;
        rw_schema_unref(db->snapshot);
        rw_schema_unref(db->building);
        free(db->key);
        free(db);
    }
    rw_map_free(&px->catalogs);
}
