/* stats/stats.h — what the proxy counts per database, and how it keeps a duration. Pure
 * code: no clock, no sockets; callers hand in durations they measured.
 *
 * Counting must cost nothing measurable per message, so a database's counters are plain
 * integers that the session and its track increment where they already are (a pointer to
 * the database's st_db, no lookup), and a duration goes into a fixed-bucket histogram (a
 * few comparisons, no allocation). Sums over sessions (bytes, clients) are made only when
 * someone asks (stats/report.h). */
#ifndef ST_STATS_H
#define ST_STATS_H

#include <stdbool.h>
#include <stdint.h>

#include "rewrite/map.h"

/* Upper bounds of the histogram buckets, in microseconds, ascending; a last bucket holds
 * everything longer (+Inf). 1-2.5-5 steps from 5 µs to 60 s: a cold rewrite and a query
 * of a few milliseconds both land in a bucket of their size. */
#define ST_HIST_BUCKETS 22
extern const uint64_t st_hist_bounds_us[ST_HIST_BUCKETS];

typedef struct {
    uint64_t counts[ST_HIST_BUCKETS + 1]; /* per bucket, not cumulative; the last is +Inf */
    uint64_t n;                           /* samples */
    uint64_t sum_us;                      /* their total */
} st_hist;

void st_hist_add(st_hist *h, uint64_t us);
void st_hist_merge(st_hist *into, const st_hist *from);
/* The q-quantile (0 < q <= 1) in µs, interpolated linearly inside its bucket (a sample of
 * +Inf's bucket counts as the last finite bound); 0 for an empty histogram. */
uint64_t st_hist_quantile(const st_hist *h, double q);
/* The mean in µs; 0 for an empty histogram. */
uint64_t st_hist_mean(const st_hist *h);

/* One database's counters (a database is the name clients connect with). */
typedef struct {
    char *name;
    uint64_t queries; /* statements run: each of a Query, each Execute, each FunctionCall */
    /* statements rewritten, by what the rewrite did (one statement may count in several);
     * a prepared statement counts once, when it is rewritten (Parse), however often it runs */
    uint64_t filtered;  /* reads of some table filtered to the rows the session sees */
    uint64_t marked;    /* DELETEs (and MERGE ... DELETE) turned into marks */
    uint64_t fk_writes; /* writes whose foreign-key actions or checks tombstone's triggers run */
    uint64_t upserts;   /* INSERT ... ON CONFLICT on a soft-delete table, adapted */
    uint64_t refused;   /* statements refused (0A000 and the like) */
    uint64_t cache_hits, cache_misses; /* rewrites found in the cache by their text, or not */
    uint64_t bytes_in;  /* read from clients, by the sessions that ended (live ones: report) */
    uint64_t bytes_out; /* read from servers (what clients are sent), likewise */
    st_hist query_time; /* from a client's request to the ReadyForQuery that answers it */
} st_db;

/* The counters of database `name` in `all` (name → st_db), made on first use. */
st_db *st_db_of(rw_map *all, const char *name);
/* Adds from's counters and histogram to into's (not the name). */
void st_db_merge(st_db *into, const st_db *from);
/* Frees every st_db of the map and the map. */
void st_free_all(rw_map *all);

#endif
