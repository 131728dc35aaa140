/* rewrite/helpers.h — the helper functions `tombstone install` creates in a database; their
 * SQL and why they exist are in rewrite/helpers.c. */
#ifndef RW_HELPERS_H
#define RW_HELPERS_H

/* The version the rewriter's statements call; the snapshot checks the installed one. */
#define RW_HELPERS_VERSION "1"

/* The SQL script that creates (or replaces) the helpers. */
const char *rw_helpers_install_sql(void);

#endif
