/* stats/counters.c — the counters of each database (see stats.h). */
#include "stats/stats.h"

#include <stdlib.h>
#include <string.h>

#include "common/mem.h"

st_db *st_db_of(rw_map *all, const char *name)
{
    size_t n = strlen(name);
    st_db *db = rw_map_get(all, name, n);
    if (db)
        return db;
    db = mem_zalloc(sizeof *db);
    db->name = mem_strdup(name);
    rw_map_put(all, db->name, n, db);
    return db;
}

void st_db_merge(st_db *into, const st_db *from)
{
    into->queries += from->queries;
    into->filtered += from->filtered;
    into->marked += from->marked;
    into->fk_writes += from->fk_writes;
    into->upserts += from->upserts;
    into->refused += from->refused;
    into->cache_hits += from->cache_hits;
    into->cache_misses += from->cache_misses;
    into->bytes_in += from->bytes_in;
    into->bytes_out += from->bytes_out;
    st_hist_merge(&into->query_time, &from->query_time);
}

static void free_one(const char *key, void *value, void *arg)
{
    st_db *db = value;
    (void)key;
    (void)arg;
    free(db->name);
    free(db);
}

void st_free_all(rw_map *all)
{
    rw_map_each(all, free_one, NULL);
    rw_map_free(all);
}
