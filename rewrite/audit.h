/* rewrite/audit.h — the rules of `tombstone check`, pure: the catalog snapshot (what the
 * proxy knows) plus rows of a second catalog query (rw_audit_query: indexes, sizes, views,
 * functions, rules, triggers, what `tombstone install` left) in, findings out, each with the
 * DDL that fixes it when there is one. tools/check.c runs the query and prints them. */
#ifndef RW_AUDIT_H
#define RW_AUDIT_H

#include "rewrite/snapshot.h"

#include <stdbool.h>

/* A table is large — worth an index for the marker, or for a key that purge and cascades
 * look children up by — from this many rows (pg_class.reltuples, summed over partitions) or
 * this many bytes on disk (a table never analyzed has no row estimate). */
#define RW_AUDIT_LARGE_ROWS 10000
#define RW_AUDIT_LARGE_BYTES (8 * 1024 * 1024)

/* Every row of rw_audit_query has this many fields. */
#define RW_AUDIT_FIELDS 8

typedef enum {
    RW_AUDIT_INFO,    /* what was found (the soft-delete tables) */
    RW_AUDIT_NOTE,    /* worth knowing; nothing to fix */
    RW_AUDIT_WARNING, /* needs fixing: check exits 1 */
} rw_audit_level;

typedef struct {
    rw_audit_level level;
    const char *topic;   /* "install", "markers", "unique", "foreign keys", "indexes",
                          * "stored code", "triggers" */
    const char *subject; /* the table, key or object it is about */
    const char *message;
    const char *ddl; /* the migration (statements, one a line, each ending in ';'; lines
                      * starting with "--" are suggestions to review), or NULL */
} rw_finding;

typedef struct rw_audit rw_audit;

/* The second catalog query, for the soft-delete tables of s; `o` gives the marker names (and
 * names like them are looked for too). malloc'd. */
char *rw_audit_query(const rw_snapshot *s, const rw_snapshot_options *o);

rw_audit *rw_audit_new(const rw_snapshot *s, const rw_snapshot_options *o);
/* One row of rw_audit_query's result; false (with *err) on a malformed one. */
bool rw_audit_add_row(rw_audit *a, const rw_catalog_row *row, const char **err);
/* Applies the rules, after the last row. */
void rw_audit_finish(rw_audit *a);
int rw_audit_count(const rw_audit *a);
const rw_finding *rw_audit_finding(const rw_audit *a, int i);
void rw_audit_free(rw_audit *a);

#endif
