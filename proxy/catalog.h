/* proxy/catalog.h — each upstream database's catalog as the proxy knows it: the newest
 * snapshot (rewrite/snapshot.h), shared by every session of the database, and the load that
 * reads it again. The proxy has no credentials of its own, so a load runs on a client's own
 * server connection: the catalog says when one is due and what to run, and the session
 * that runs it (proxy/session.c) hands back the rows and the end. */
#ifndef PROXY_CATALOG_H
#define PROXY_CATALOG_H

#include <stdbool.h>

#include "conf/conf.h"
#include "rewrite/map.h"
#include "rewrite/snapshot.h"
#include "shared/shared.h"
#include "stats/report.h"

typedef struct catalog catalog;

/* The catalogs of one worker. Whether a snapshot is stale, and whether DDL may be committing,
 * is kept in the region the workers share (shared/shared.h), so that DDL seen by any worker
 * counts for all of them before their next statement; `changed` tells the other workers to
 * look again (their waiting sessions go on). */
typedef struct {
    rw_map map; /* "upstream/dbname" → catalog */
    shared_region *shared;
    int worker;
    void (*changed)(void *owner);
    void *owner;
} catalog_set;

/* The catalog of one upstream database, made on first use. */
catalog *catalog_of(catalog_set *all, const char *upstream, const char *dbname);

/* The newest snapshot, or NULL before the first load finished. */
rw_snapshot *catalog_snapshot(const catalog *db);

/* DDL passed through: the snapshot may be wrong from now on. */
void catalog_mark_stale(catalog *db);

/* A session sent DDL that may commit with the statement (catalog_ddl_begin) until its answer
 * (catalog_ddl_end): meanwhile the other sessions' statements wait, on every worker. Before
 * it returns, catalog_ddl_begin waits until the other workers have sent what they rewrote
 * before it began (shared.h, the handshake): call it before the DDL is sent. */
void catalog_ddl_begin(catalog *db);
void catalog_ddl_end(catalog *db);
bool catalog_ddl_running(const catalog *db);

/* Around the use of a snapshot for a statement to send: catalog_enter before the state is
 * read (catalog_fresh, catalog_ddl_running), catalog_leave once the event that sends it is
 * over (the handshake of shared.h; nothing with a single worker). */
void catalog_enter(catalog *db);
void catalog_leave(catalog *db);

/* Is the snapshot right for a statement sent now? False before the first load and after
 * catalog_mark_stale until a load started after it finished: statements then wait for one
 * (a load due only because of its age is run meanwhile, not waited for). */
bool catalog_fresh(const catalog *db);

/* Should a session read the snapshot again (it is not fresh, or older than schema_refresh)? */
bool catalog_wants_load(const catalog *db);

/* Marks the catalogs older than schema_refresh, and those whose epoch is due to be read;
 * the owner calls it every second. Returns true when some database has an epoch (the
 * owner then keeps calling it even without schema_refresh). */
bool catalog_tick(catalog_set *all, const conf_config *cfg);

/* The [softdelete] settings changed (a reload): every snapshot is read again. */
void catalog_mark_all_stale(catalog_set *all);

/* The catalog epoch (rewrite/watch.sql): where a database has one, a session reads it every
 * second (the SQL from catalog_poll_due, which claims the poll; NULL when none is due), and
 * catalog_poll_done marks the snapshot stale when it moved: DDL made anywhere is seen within
 * about a second. */
bool catalog_has_epoch(const catalog *db);
bool catalog_poll_wanted(const catalog *db);
const char *catalog_poll_due(catalog *db);
void catalog_poll_done(catalog *db, const char *epoch, const char *error);

/* What makes a table soft-delete: the [softdelete] settings of cfg (which it must outlive). */
rw_snapshot_options catalog_options(const conf_config *cfg);

/* The catalog query (malloc'd), for loads of the database's snapshot and for a session's
 * own (inside its transaction, after its own DDL). */
char *catalog_query(const conf_config *cfg);

/* The SQL of a load to run now (malloc'd), or NULL when none is due: the database has a
 * snapshot that DDL did not make stale and that is younger than the refresh interval, or
 * another session is loading it, or the last load failed less than a second ago. The caller feeds
 * the rows to catalog_load_row and ends with catalog_load_done, whatever happens (error NULL on
 * success). */
char *catalog_load_due(catalog *db, const conf_config *cfg);
void catalog_load_row(catalog *db, int nfields, const char *const *fields);
void catalog_load_done(catalog *db, const char *error);

/* What SHOW TABLES and the metrics say of it (borrowing its name and snapshot). */
void catalog_describe(const catalog *db, st_report_catalog *out);

/* Frees every catalog (at exit). */
void catalog_free_all(catalog_set *all);

#endif
