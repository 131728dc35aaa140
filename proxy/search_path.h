/* proxy/search_path.h — the session's search_path, which decides what an unqualified table
 * name means. It starts as current_schemas(true) read after login, follows SET, SET LOCAL,
 * RESET and DISCARD ALL as they pass through, and goes back to the value of the last idle
 * point when a transaction (explicit, or the implicit one of a Query) is rolled back: by
 * ROLLBACK, by an error, or by COMMIT of a failed transaction. */
#ifndef PROXY_SEARCH_PATH_H
#define PROXY_SEARCH_PATH_H

#include <stdbool.h>

typedef struct {
    char **v;
    int n;
} path_list;

typedef struct {
    path_list initial;   /* what RESET returns to */
    path_list session;   /* what a COMMIT keeps */
    path_list effective; /* what names resolve against now (SET LOCAL included) */
    path_list idle;      /* the session value at the last ReadyForQuery outside a transaction */
    bool failed;         /* an error in the current transaction */
    bool rolled_back;    /* a ROLLBACK was sent in the current transaction */
    bool changed;        /* a SET or RESET since the last idle point */
    char status;         /* of the last ReadyForQuery */
    unsigned version;    /* changes whenever `effective` does */
    char *user;          /* for "$user" */
} search_path;

/* schemas: current_schemas(true) as text ({pg_catalog,public}), or NULL. */
void search_path_init(search_path *sp, const char *schemas, const char *user);
/* SET [LOCAL] search_path: value as written; NULL for RESET / SET ... TO DEFAULT. */
void search_path_set(search_path *sp, const char *value, bool local);
void search_path_error(search_path *sp);
void search_path_rollback(search_path *sp);
void search_path_ready(search_path *sp, char tx_status);
void search_path_free(search_path *sp);

#endif
