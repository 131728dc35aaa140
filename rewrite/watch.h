/* rewrite/watch.h — the catalog epoch and the delete guard that `tombstone install` creates
 * (rewrite/watch.sql), and the query that reads the epoch. */
#ifndef RW_WATCH_H
#define RW_WATCH_H

/* The SQL script that creates (or replaces) them; needs a superuser. */
const char *rw_watch_install_sql(void);

/* One row, one field: the catalog epoch, or NULL when the objects are not installed (the
 * query works either way). The catalog query reads it too (rw_snapshot_epoch). */
#define RW_EPOCH_QUERY                                                                             \
    "SELECT CASE WHEN to_regclass('tombstone.catalog_epoch') IS NOT NULL THEN "                    \
    "(xpath('/row/s/text()', query_to_xml('SELECT coalesce(sum(n), 0) AS s FROM "                  \
    "tombstone.catalog_epoch', false, true, '')))[1]::text END"

#endif
