/* proxy/search_path.h — what an unqualified table name means in the session: its
 * search_path and its temporary tables (PostgreSQL looks in pg_temp first).
 *
 * The search_path starts as the setting read after login (current_setting, so that a
 * "$user" schema created later is found), follows SET, SET LOCAL, set_config(), RESET and
 * DISCARD ALL as they pass through, and goes back when they are undone: ROLLBACK, an error
 * in a transaction, COMMIT of a failed one, ROLLBACK TO SAVEPOINT. Temporary tables are
 * followed the same way (CREATE TEMP TABLE, DROP TABLE, DISCARD TEMP). */
#ifndef PROXY_SEARCH_PATH_H
#define PROXY_SEARCH_PATH_H

#include <stdbool.h>

typedef struct {
    char **v;
    int n;
} path_list;

/* Everything a transaction or savepoint can undo. */
typedef struct {
    path_list session;   /* the search_path a COMMIT keeps */
    path_list effective; /* what names resolve against now (SET LOCAL included) */
    path_list temp;      /* temporary tables */
} names_state;

typedef struct savepoint savepoint;

typedef struct {
    path_list initial; /* what RESET returns to */
    names_state now;
    names_state idle; /* at the last ReadyForQuery outside a transaction */
    savepoint *savepoints;
    bool failed;      /* an error in the current transaction */
    bool rolled_back; /* a ROLLBACK was sent in the current transaction */
    bool changed;     /* something changed since the last idle point */
    char status;      /* of the last ReadyForQuery */
    unsigned version; /* changes whenever what names mean may have */
    char *user;       /* for "$user" */
} search_path;

/* setting: current_setting('search_path'), or NULL when it could not be read. */
void search_path_init(search_path *sp, const char *setting, const char *user);
/* SET [LOCAL] search_path: value as written; NULL for RESET / SET ... TO DEFAULT. */
void search_path_set(search_path *sp, const char *value, bool local);
void search_path_temp_created(search_path *sp, const char *name);
void search_path_tables_dropped(search_path *sp, const char *names); /* "a,b" */
void search_path_discard_temp(search_path *sp);
void search_path_savepoint(search_path *sp, const char *name);
void search_path_release(search_path *sp, const char *name);
void search_path_rollback_to(search_path *sp, const char *name);
void search_path_error(search_path *sp);
void search_path_rollback(search_path *sp);
void search_path_ready(search_path *sp, char tx_status);
void search_path_free(search_path *sp);

#endif
