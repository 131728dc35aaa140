/* rewrite/snapshot.h — a database's catalog as the rewriter needs it: which tables are
 * soft-delete (and by which marker column), their foreign keys with ON DELETE actions and
 * their unique indexes. A snapshot is immutable once built and shared by every session of
 * that database; a refresh builds a new one. */
#ifndef RW_SNAPSHOT_H
#define RW_SNAPSHOT_H

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

/* A foreign key's ON DELETE action: pg_constraint.confdeltype's letters. */
enum {
    RW_FK_NO_ACTION = 'a',
    RW_FK_RESTRICT = 'r',
    RW_FK_CASCADE = 'c',
    RW_FK_SET_NULL = 'n',
    RW_FK_SET_DEFAULT = 'd',
};

/* The triggers `tombstone install` creates for a foreign key (rewrite/helpers.sql), by the
 * letter of their kind in the trigger's name. */
enum {
    RW_TRIG_DELETE = 1u << 0,    /* a, d, m: a parent row marked runs the ON DELETE action */
    RW_TRIG_INSERT = 1u << 1,    /* c: a child row inserted must find its parent live */
    RW_TRIG_UPDATE = 1u << 2,    /* u: a child row's key updated likewise */
    RW_TRIG_FOLLOW = 1u << 3,    /* k: marked and hidden children follow a parent's key */
    RW_TRIG_REMOVE = 1u << 4,    /* r: hidden children go with a parent really deleted */
    RW_TRIG_UNCHECKED = 1u << 5, /* '!': PostgreSQL's own check trigger of the key on the child
                                  * is disabled (DISABLE TRIGGER ALL): writes go unchecked
                                  * under real deletes too */
};
unsigned rw_fk_trigger_bit(char kind);

/* A foreign key, seen from both ends; on_delete is one of the RW_FK_ actions. */
typedef struct rw_fk {
    char *name;
    rw_table *child, *parent;
    int ncols;
    char **child_cols, **parent_cols;
    char on_delete;
    int nset_cols; /* PG15 "ON DELETE SET NULL (col, ...)"; 0 = all child_cols */
    char **set_cols;
    bool deferrable, deferred;
    unsigned triggers;        /* RW_TRIG_ bits: the enabled triggers of `tombstone install` */
    int nconstraint_triggers; /* its deferrable ones, as "schema"."name", for SET CONSTRAINTS */
    char **constraint_triggers;
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
    /* The triggers of `tombstone install` a DELETE (marking) of this table needs, and those a
     * write of its foreign keys needs, are all there (see rw_table_triggers_ready) */
    bool delete_ready, write_ready;
    int ncols; /* all columns in order; filled for soft-delete tables */
    rw_column *cols;
    int nparents, nchildren; /* foreign keys where this table is the child / the parent */
    rw_fk **parents, **children;
    int nuniques;
    rw_unique *uniques;
};

typedef struct rw_snapshot rw_snapshot;

/* One row of the catalog query (rw_snapshot_query), as text fields (NULL for SQL NULL):
 * every row has RW_CATALOG_FIELDS of them. */
#define RW_CATALOG_FIELDS 11
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
} rw_snapshot_options;

/* The catalog query. Returns a malloc'd string; its rows feed rw_snapshot_add_row. The proxy
 * runs it on a client's own server connection (it has no credentials of its own). */
char *rw_snapshot_query(const rw_snapshot_options *o);

rw_snapshot *rw_snapshot_new(void);
/* Adds one row of the catalog query's result; false (with *err set) on a malformed row. */
bool rw_snapshot_add_row(rw_snapshot *s, const rw_catalog_row *row, const char **err);
/* Links foreign keys to tables and indexes the snapshot; call once after the last row. */
void rw_snapshot_finish(rw_snapshot *s);

void rw_snapshot_unref(rw_snapshot *s);

/* The table named schema.name, or NULL when the snapshot does not know it (then it is no
 * soft-delete table and is not involved in any relevant foreign key). */
const rw_table *rw_snapshot_lookup(const rw_snapshot *s, const char *schema, const char *name);

/* True when some known table is called `name` in some schema: a cheap pre-filter. */
bool rw_snapshot_has_name(const rw_snapshot *s, const char *name);

/* True when a function called `name` in some schema may change the session's search_path
 * (its body names search_path or set_config): the proxy reads the setting again after a
 * statement that calls it. */
bool rw_snapshot_sets_path(const rw_snapshot *s, const char *name);
/* The same for a function named by its oid (the protocol's FunctionCall message). */
bool rw_snapshot_sets_path_oid(const rw_snapshot *s, uint32_t oid);

/* True when `tombstone install` created this version's helper functions in the database. */
bool rw_snapshot_has_helpers(const rw_snapshot *s);

/* Texts the rewriter derives from the snapshot alone and that cost more to build than a
 * statement costs to parse (a table's cascade plan, the check of a foreign key), kept for the
 * snapshot's life. `object` is the table or key they come from, `tag` tells texts of one
 * object apart. get returns NULL for a text not kept yet; put returns the kept copy. Like
 * the reference count, not for use from several threads at once. */
typedef enum {
    RW_MEMO_PLAN = 'c',  /* not used since the foreign-key triggers (rewrite/helpers.sql) */
    RW_MEMO_CHECK = 'r', /* likewise */
} rw_memo_tag;
const char *rw_snapshot_memo_get(const rw_snapshot *s, const void *object, rw_memo_tag tag);
const char *rw_snapshot_memo_put(const rw_snapshot *s, const void *object, rw_memo_tag tag,
                                 const char *text);

/* The foreign keys the snapshot knows, in creation order. */
int rw_snapshot_fk_count(const rw_snapshot *s);
const rw_fk *rw_snapshot_fk(const rw_snapshot *s, int i);

/* Every table the snapshot knows (soft-delete or not), in the order of the catalog rows: for
 * the tools that look at the whole schema (purge, check). */
int rw_snapshot_table_count(const rw_snapshot *s);
const rw_table *rw_snapshot_table(const rw_snapshot *s, int i);

/* The catalog epoch this snapshot was read at (rewrite/watch.h), or NULL when the database
 * has no epoch (`tombstone install` was not run as a superuser). */
const char *rw_snapshot_epoch(const rw_snapshot *s);

/* Number of soft-delete tables. */
int rw_snapshot_soft_count(const rw_snapshot *s);

/* Did both snapshots read the same catalog rows? */
bool rw_snapshot_same(const rw_snapshot *a, const rw_snapshot *b);

/* A counter that differs between snapshots, so cached rewrites can tell which they used. */
uint64_t rw_snapshot_version(const rw_snapshot *s);

/* Parses PostgreSQL's text form of a one-dimensional array ({a,"b c"}) into at most max
 * items; buf must hold strlen(text) + 1 bytes and receives the items' text. */
int rw_text_array_parse(const char *text, char **items, int max, char *buf);

/* True when rows of t disappear under a real delete of some parent row, i.e. t is
 * soft-delete or is reached from one by ON DELETE CASCADE foreign keys. */
bool rw_table_affected(const rw_table *t);

/* Does deleting (marking) a row of t make the key fk do anything (mark, set, check), so
 * that its trigger must be there? */
bool rw_fk_acts_on_delete(const rw_fk *fk);

#endif
