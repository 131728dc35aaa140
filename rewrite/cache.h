/* rewrite/cache.h — rewrite results by statement text, bounded by bytes (LRU).
 *
 * Applications send the same statements over and over (every Parse of an ORM, every
 * pgbench transaction), so a rewrite is done once per text, snapshot and search_path. */
#ifndef RW_CACHE_H
#define RW_CACHE_H

#include "rewrite/rewrite.h"
#include "stats/stats.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct rw_cache rw_cache;

typedef struct {
    uint64_t hits, misses, evictions;
    uint64_t skipped; /* misses that needed no rewrite (rw_irrelevant) */
    uint64_t shaped;  /* misses rewritten from a template of their shape (rewrite/shape.h) */
    size_t entries, bytes, max_bytes;
    st_hist cold; /* time of each rewrite from scratch (parse and walk), with a clock given */
} rw_cache_stats;

rw_cache *rw_cache_new(size_t max_bytes);
void rw_cache_free(rw_cache *c);

/* A monotonic clock in nanoseconds: each rewrite from scratch is then timed (stats.cold).
 * The core reads no clock itself; without one nothing is timed. */
void rw_cache_set_clock(rw_cache *c, uint64_t (*now_ns)(void));

/* The rewrite of text[0..len) (NUL-terminated) under ctx, from the cache or made now. The
 * result belongs to the cache and stays valid until the next call. A text that needs no
 * rewrite, or that differs from a kept one only by its literals, is not kept itself. */
const rw_result *rw_cache_rewrite(rw_cache *c, const rw_context *ctx, const char *text, size_t len);

rw_cache_stats rw_cache_get_stats(const rw_cache *c);

/* Was the last rw_cache_rewrite answered from a kept rewrite of the same text (a hit)? */
bool rw_cache_last_hit(const rw_cache *c);

/* Frees what the last rewrite needed beyond the usual (its result, if it was not kept, and
 * oversized scratch space): its result is invalid afterwards. */
void rw_cache_trim(rw_cache *c);

#endif
