/* track/namespace.h — what an unqualified table name means in the session: its
 * search_path and its temporary tables (PostgreSQL looks in pg_temp first); and, followed
 * the same way, the session's tombstone.visibility and tombstone.deletes.
 *
 * The search_path starts as the setting read after login (current_setting, so that a
 * "$user" schema created later is found), follows SET, SET LOCAL, set_config(), RESET and
 * DISCARD ALL as they pass through, and goes back when they are undone: ROLLBACK, an error
 * in a transaction, COMMIT of a failed one, ROLLBACK TO SAVEPOINT. Temporary tables are
 * followed the same way (CREATE TEMP TABLE, DROP TABLE, DISCARD TEMP). */
#ifndef TRACK_NAMESPACE_H
#define TRACK_NAMESPACE_H

#include <stdbool.h>

#include "rewrite/rewrite.h"

typedef struct {
    char **v;
    int n;
} track_ns_list;

/* Everything a transaction or savepoint can undo. */
typedef struct {
    track_ns_list session;   /* the search_path a COMMIT keeps */
    track_ns_list effective; /* what names resolve against now (SET LOCAL included) */
    track_ns_list temp;      /* temporary tables */
    rw_mode session_mode;    /* tombstone.* settings, as the search_path */
    rw_mode effective_mode;
} track_ns_state;

typedef struct track_ns_mark track_ns_mark;

typedef struct {
    track_ns_list initial; /* what RESET returns to */
    rw_mode initial_mode;
    track_ns_state now;
    track_ns_state idle; /* at the last ReadyForQuery outside a transaction */
    track_ns_mark *savepoints;
    bool failed;           /* an error in the current transaction */
    bool rolled_back;      /* a ROLLBACK was sent in the current transaction */
    bool changed;          /* something changed since the last idle point */
    char status;           /* of the last ReadyForQuery */
    unsigned version;      /* changes whenever what names mean may have */
    char *user;            /* for "$user": the current role */
    char *login_user;      /* the role at login, which DISCARD ALL returns to */
    char *initial_setting; /* the search_path read at login, "$user" unexpanded */
} track_namespace;

/* setting: current_setting('search_path'), or NULL when it could not be read; mode: the
 * tombstone.* settings the session started with. */
void track_ns_init(track_namespace *sp, const char *setting, const char *user, rw_mode mode);
/* SET [LOCAL] tombstone.<name> = value (NULL: RESET, SET ... TO DEFAULT); RESET ALL. */
void track_ns_set_mode(track_namespace *sp, const char *name, const char *value, bool local);
void track_ns_reset_modes(track_namespace *sp);
/* SET [LOCAL] search_path: value as written; NULL for RESET / SET ... TO DEFAULT. */
void track_ns_set(track_namespace *sp, const char *value, bool local);
/* The role "$user" names from now on (SET ROLE, SET SESSION AUTHORIZATION, read again by the
 * owner); NULL: unchanged. What RESET returns to follows it. */
void track_ns_set_user(track_namespace *sp, const char *user);
/* DISCARD ALL: the role of the login again (SET SESSION AUTHORIZATION DEFAULT). */
void track_ns_reset_user(track_namespace *sp);
void track_ns_temp_created(track_namespace *sp, const char *name);
void track_ns_tables_dropped(track_namespace *sp, const char *names); /* "a,b" */
void track_ns_discard_temp(track_namespace *sp);
void track_ns_savepoint(track_namespace *sp, const char *name);
void track_ns_release(track_namespace *sp, const char *name);
void track_ns_rollback_to(track_namespace *sp, const char *name);
void track_ns_error(track_namespace *sp);
void track_ns_rollback(track_namespace *sp);
void track_ns_ready(track_namespace *sp, char tx_status);
void track_ns_free(track_namespace *sp);

#endif
