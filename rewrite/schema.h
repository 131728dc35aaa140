/* rewrite/schema.h — a database's catalog as the rewriter needs it: which tables are
 * soft-delete (and by which marker column), their foreign keys with ON DELETE actions and
 * their unique indexes. A snapshot is immutable once built and shared by every session of
 * that database; a refresh builds a new one (rw_schema_ref/unref keep the old one alive
 * for the sessions still using it). */
#ifndef RW_SCHEMA_H
#define RW_SCHEMA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum {
    RW_MARKER_NONE, /* not a soft-delete table */
    RW_MARKER_TIME, /* timestamp/timestamptz, NULL = live */
    RW_MARKER_BOOL, /* boolean, false = live */
} rw_marker_kind;

typedef struct rw_table rw_table;

typedef struct {
    char *name, *type; /* type as format_type() prints it */
} rw_column;

/* A foreign key, seen from both ends. on_delete is pg_constraint.confdeltype:
 * 'a' no action, 'r' restrict, 'c' cascade, 'n' set null, 'd' set default. */
typedef struct rw_fk {
    char *name;
    rw_table *child, *parent;
    int ncols;
    char **child_cols, **parent_cols;
    char on_delete;
    int nset_cols; /* PG15 "ON DELETE SET NULL (col, ...)"; 0 = all child_cols */
    char **set_cols;
    bool deferrable, deferred;
} rw_fk;

typedef struct {
    char *name;       /* the index */
    char *constraint; /* the constraint owning it, or NULL */
    bool primary;
    int ncols;
    char **cols;     /* column names; an expression key is its text */
    char *predicate; /* partial index predicate text, or NULL */
} rw_unique;

struct rw_table {
    uint32_t oid;
    char *schema, *name;
    char relkind;
    rw_marker_kind marker;
    char *marker_col;
    bool affected; /* see rw_table_affected */
    int ncols;     /* all columns in order; filled for soft-delete tables */
    rw_column *cols;
    int nparents, nchildren; /* foreign keys where this table is the child / the parent */
    rw_fk **parents, **children;
    int nuniques;
    rw_unique *uniques;
};

typedef struct rw_schema rw_schema;

/* One row of the catalog query (rw_schema_query), as text fields (NULL for SQL NULL). */
typedef struct {
    int nfields;
    const char *const *fields;
} rw_catalog_row;

/* What makes a table soft-delete: the [softdelete] settings. */
typedef struct {
    const char *const *markers; /* marker column names, in preference order */
    int nmarkers;
    const char *const *include; /* "schema.table": only these (none: every table) */
    int ninclude;
    const char *const *exclude; /* "schema.table": never these */
    int nexclude;
} rw_schema_options;

/* The catalog query. Returns a malloc'd string; its rows feed rw_schema_add_row. The proxy
 * runs it on a client's own server connection (it has no credentials of its own). */
char *rw_schema_query(const rw_schema_options *o);

rw_schema *rw_schema_new(void);
/* Adds one row of the catalog query's result; false (with *err set) on a malformed row. */
bool rw_schema_add_row(rw_schema *s, const rw_catalog_row *row, const char **err);
/* Links foreign keys to tables and indexes the snapshot; call once after the last row. */
void rw_schema_finish(rw_schema *s);

rw_schema *rw_schema_ref(rw_schema *s);
void rw_schema_unref(rw_schema *s);

/* The table named schema.name, or NULL when the snapshot does not know it (then it is no
 * soft-delete table and is not involved in any relevant foreign key). */
const rw_table *rw_schema_lookup(const rw_schema *s, const char *schema, const char *name);

/* True when some known table is called `name` in some schema: a cheap pre-filter. */
bool rw_schema_has_name(const rw_schema *s, const char *name);

/* True when `tombstone install` created this version's helper functions in the database. */
bool rw_schema_has_helpers(const rw_schema *s);

/* Texts the rewriter derives from the snapshot alone and that cost more to build than a
 * statement costs to parse (a table's cascade plan, the check of a foreign key), kept for the
 * snapshot's life. `object` is the table or key they come from, `tag` tells texts of one
 * object apart. get returns NULL for a text not kept yet; put returns the kept copy. Like
 * the reference count, not for use from several threads at once. */
const char *rw_schema_memo_get(const rw_schema *s, const void *object, char tag);
const char *rw_schema_memo_put(const rw_schema *s, const void *object, char tag, const char *text);

/* Number of soft-delete tables. */
int rw_schema_soft_count(const rw_schema *s);

/* Did both snapshots read the same catalog rows? */
bool rw_schema_same(const rw_schema *a, const rw_schema *b);

/* A counter that differs between snapshots, so cached rewrites can tell which they used. */
uint64_t rw_schema_version(const rw_schema *s);

/* Parses PostgreSQL's text form of a one-dimensional array ({a,"b c"}) into at most max
 * items; buf must hold strlen(text) + 1 bytes and receives the items' text. */
int rw_text_array_parse(const char *text, char **items, int max, char *buf);

/* True when rows of t disappear under a real delete of some parent row, i.e. t is
 * soft-delete or is reached from one by ON DELETE CASCADE foreign keys. */
bool rw_table_affected(const rw_table *t);

#endif
