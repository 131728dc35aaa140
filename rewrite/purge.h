/* rewrite/purge.h — the plan of `tombstone purge`, pure: which soft-delete tables, in which
 * order, and the SQL of each batch, derived from a catalog snapshot (tools/purge.c runs it).
 *
 * Rows are really deleted children first: a table comes after every table whose keys
 * reference it (tables of one foreign-key cycle form a group, run in turn until none deletes
 * anything). A row is deleted only when nothing references it any more, so PostgreSQL's own
 * ON DELETE actions never touch a row purge did not choose — except the rows of a table
 * without marker that reference it through ON DELETE CASCADE: those are hidden rows (gone
 * under real deletes since their parent is), and go with it, unless something references
 * them in turn. A batch re-selects what is there now (FOR UPDATE SKIP LOCKED, LIMIT n), so
 * a run can stop anywhere and the next one goes on: nothing is remembered between batches. */
#ifndef RW_PURGE_H
#define RW_PURGE_H

#include "rewrite/arena.h"
#include "rewrite/snapshot.h"

#include <stdbool.h>
#include <stddef.h>

typedef struct {
    bool cutoff;     /* timestamp markers: only rows marked before $1 (a timestamptz) */
    bool all_marked; /* boolean markers too, every marked row (they carry no time); without
                      * cutoff, every marked row of timestamp markers as well */
    int batch_size;
    const char *const *tables; /* "schema.name" or "name": only these; none = every table */
    int ntables;
} rw_purge_options;

/* A key whose rows keep marked rows of the table from being purged, and the count of the
 * rows it holds that way although the referencing row is live: a live row referencing a
 * marked one, which must never happen (SPEC §4). */
typedef struct {
    const rw_fk *fk;
    const char *live_count; /* SELECT count(*) ... ($1 = the cutoff when there is one) */
} rw_purge_hold;

typedef struct {
    const rw_table *table;
    int group;           /* steps of one foreign-key cycle share it; groups come in order */
    const char *skipped; /* why the table is not purged (then no SQL), or NULL */
    const char *batch;   /* DELETE of at most batch_size rows that can go now */
    const char *count;   /* SELECT count(*) of the rows marked (before the cutoff) */
    const char *ready;   /* SELECT count(*) of those that nothing references now */
    int nholds;
    rw_purge_hold *holds;
} rw_purge_step;

typedef struct {
    rw_arena arena;
    int nsteps, ngroups;
    rw_purge_step *steps;
    const char *error; /* a table of options.tables that is no soft-delete table, or NULL */
} rw_purge_plan;

/* The plan for every soft-delete table of the snapshot (or those the options name), in the
 * order they must be purged. Free with rw_purge_plan_free. */
rw_purge_plan *rw_purge_plan_make(const rw_snapshot *s, const rw_purge_options *o);
void rw_purge_plan_free(rw_purge_plan *p);

/* "30d", "12h", "90m", "45s", "2w" as PostgreSQL interval text ("30 days"); false for
 * anything else. */
bool rw_purge_interval(const char *arg, char *out, size_t n);

#endif
