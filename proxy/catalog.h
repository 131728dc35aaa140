/* proxy/catalog.h — each upstream database's schema snapshot (rewrite/schema.h): read on a
 * client's own server connection (the proxy has no credentials of its own) before that
 * client's first ReadyForQuery, shared by every session of the database, and read again
 * after DDL passes through the proxy and when it is older than schema_refresh. */
#ifndef PROXY_CATALOG_H
#define PROXY_CATALOG_H

#include <stdbool.h>

#include "rewrite/schema.h"

typedef struct session session;
typedef struct proxy proxy;
typedef struct catalog_db catalog_db;

/* The snapshot state of the database a session is connected to (created on first use). */
catalog_db *catalog_of(proxy *px, const char *upstream, const char *dbname);

/* The newest snapshot, or NULL before the first load finished. */
rw_schema *catalog_snapshot(const catalog_db *db);

/* Queues a load on this session's server connection if the database has no snapshot, if
 * DDL made it stale, or if it is older than the refresh interval, and no other session is
 * loading it already. It runs when the server is idle outside a transaction block. */
void catalog_refresh(session *s, catalog_db *db);

/* DDL passed through: the snapshot may be wrong from now on. */
void catalog_mark_stale(catalog_db *db);

/* Frees every snapshot (at exit). */
void catalog_free_all(proxy *px);

#endif
