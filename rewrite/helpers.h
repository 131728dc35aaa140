/* rewrite/helpers.h — the helper objects `tombstone install` creates in a database; their
 * SQL, and why they exist, are in rewrite/helpers.sql. */
#ifndef RW_HELPERS_H
#define RW_HELPERS_H

/* The version the rewriter's statements call; the snapshot checks the installed one. */
#define RW_HELPERS_VERSION "4" /* as in the COMMENT ON SCHEMA of rewrite/helpers.sql */

/* The SQL script that creates (or replaces) the helpers. */
const char *rw_helpers_install_sql(void);

#endif
