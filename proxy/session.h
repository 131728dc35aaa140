/* proxy/session.h — one client connection and its server connection (session mode): the
 * startup packet, routing to an upstream, relayed authentication, queries of the proxy's
 * own on the server connection, and every way a session ends. Once the client is logged
 * in, every message goes through the session's track (track/track.h), where SQL is
 * rewritten. The session owns its two connections (proxy/relay.h) and its track; its own
 * owner (proxy/proxy.c) gives it a session_env and is called back through it. */
#ifndef PROXY_SESSION_H
#define PROXY_SESSION_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/time.h>

#include "admin/admin.h"
#include "proxy/catalog.h"
#include "proxy/config.h"
#include "proxy/relay.h"
#include "stats/report.h"
#include "track/track.h"

typedef struct session session;

/* What a session needs from its owner, and how it tells it things. */
typedef struct {
    struct event_base *base;
    rw_cache *rewrites;     /* shared by all sessions */
    catalog_set *catalogs;  /* "upstream/dbname" → catalog (proxy/catalog.h) */
    config *const *current; /* the configuration now: reloads replace it (timeouts and the
                             * catalog's settings apply to every session at once) */
    void *owner;
    /* The session is closed; it is freed when the event callback that closed it returns. */
    void (*closed)(void *owner, session *s);
    /* The server told its cancel key (s->backend_pid, s->backend_key). */
    void (*server_key)(void *owner, session *s);
    /* A CancelRequest arrived (on a connection of its own, which then ends). */
    void (*cancel)(void *owner, uint32_t pid, uint32_t key);
    /* A load of this catalog ended: sessions waiting for it may go on (session_wake). */
    void (*catalog_loaded)(void *owner, catalog *db);
    /* May this client log in to this database (max_db_connections, max_user_connections)?
     * NULL, or why not. Sessions admitted count (session.admitted) until they end. */
    const char *(*admit)(void *owner, const session *s, const conf_db *db, char *why,
                         size_t whylen);
    /* The statistics (stats/stats.h): database name → st_db, counted by every session. */
    rw_map *stats;
    /* PAUSE: while `pauses` is not 0, a session asks `paused` before starting a statement
     * (and holds it if so), and says `settled` when one of its statements ended. */
    int pauses;
    bool (*paused)(void *owner, const session *s);
    void (*settled)(void *owner);
    /* A console command of this session's client (admin/admin.h, adm_ops.run). */
    adm_status (*console)(void *owner, session *s, const adm_command *cmd, adm_table *t,
                          adm_error *err);
} session_env;

typedef enum {
    SESSION_STARTUP,    /* waiting for the client's startup packet */
    SESSION_HANDSHAKE,  /* the client asked for TLS: its handshake is under way */
    SESSION_CONNECTING, /* connecting to the server; the startup packet waits in server.pending */
    SESSION_AUTH,       /* authentication relayed, until the first ReadyForQuery */
    SESSION_READY,      /* authenticated: messages go through the track */
    SESSION_CONSOLE,    /* a console client, authenticated: the proxy answers it (admin/) */
} session_state;

typedef struct internal_query internal_query;

struct session {
    session *prev, *next; /* the owner's list */
    int slot;             /* the owner's: in the table of clients the workers share */
    const session_env *env;
    config *conf; /* the configuration the session started with */
    const net_addr *upstream;
    const conf_db *db; /* its [databases] entry, in conf */
    conn client, server;
    session_state state;
    bool admitted;     /* counted against max_db_connections and max_user_connections */
    bool dead;         /* closed; freed when the event callback that closed it returns */
    bool server_fatal; /* the server sent a FATAL error: its close is expected */
    uint32_t backend_pid, backend_key;
    internal_query *internal; /* queue; the head runs while internal_running */
    bool internal_running;
    proto_buf held;    /* server messages kept from the client until the internal queries end */
    char *search_path; /* the search_path setting, read after authentication */
    char *role;        /* current_user, read with it (what "$user" names) */
    char *bad_mode;    /* a tombstone.* value the login left that the proxy does not know */
    char *user, *database;
    rw_mode start_mode; /* tombstone.* settings at login */
    catalog *catalog;   /* of the upstream database, once authenticated */
    /* Snapshots and DDL (proxy/session.c, "the catalog snapshot"): a statement is rewritten
     * with the catalog PostgreSQL will see when it runs it. */
    rw_snapshot *mine;     /* read inside this transaction after its own DDL, which other
                            * sessions do not see yet; NULL: the database's */
    rw_snapshot *building; /* that read, under way */
    bool mine_stale;       /* DDL ran in this transaction since `mine` was read */
    bool mine_failed;      /* it could not be read: statements are refused until the end */
    bool ddl_sent;         /* DDL went to the server: wait for its answer */
    bool batch_flushed;    /* ... in an extended batch, after a Flush of the proxy's */
    bool reread_at_end;    /* the settings were read in a transaction: read again at its end */
    bool undo_sent;        /* a ROLLBACK TO SAVEPOINT went: DDL may be undone */
    bool tx_ddl;           /* this transaction ran DDL: at its end the database's is stale */
    bool ddl_committing;   /* DDL that may commit is sent: others wait (catalog_ddl_begin) */
    bool waiting;          /* a client statement waits for a snapshot */
    bool wait_expired;     /* ... longer than catalog_wait_timeout */
    struct event kick;     /* session_wake: go on after another session's load, or a timeout */
    /* Logging in and TLS (proxy/session.c, "logging in") */
    proto_buf startup; /* the startup packet for the server, until it is sent */
    conf_sslmode server_sslmode;
    bool ssl_answer_due; /* the server's answer to our SSLRequest is the next byte */
    bool sasl_stripped;  /* SCRAM-SHA-256-PLUS was taken out of the server's offer */
    /* Timeouts (proxy/session.c, "timeouts"): one timer, armed lazily */
    struct event timer;
    uint8_t phase; /* what the client is doing, as timeouts see it */
    bool timed;    /* some timeout applies to a logged-in session */
    bool canceled; /* query_timeout sent a cancel: its error is reworded */
    struct timeval phase_since, timer_at;
    track track; /* the SQL conversation: rewriting happens there */
    /* Statistics and the console */
    bool timing;               /* a request of the client's waits for its ReadyForQuery ... */
    struct timeval request_at; /* ... since then (the loop's cached time) */
    bool pause_held;           /* its next statement waits for RESUME */
    bool console;              /* a client of the virtual database "tombstone" */
    adm_conv adm;              /* ... and its conversation */
    char peer[64];
    struct timeval started;
};

/* Takes over an accepted client socket, with a reference to conf. */
session *session_start(const session_env *env, config *conf, int fd, const struct sockaddr *peer);

/* Ends the session now (shutdown): tells the client why when the stream allows it, and
 * frees it. */
void session_terminate(session *s, const char *sqlstate, const char *message);

/* The server a CancelRequest with this key must go to, if it is this session's. */
const net_addr *session_cancel_target(const session *s, uint32_t pid, uint32_t key);

/* What SHOW CLIENTS and the metrics say of the session (strings borrowed from it). */
void session_describe(const session *s, st_report_client *c);

/* Does a statement of the client's run now (PAUSE waits for none to)? */
bool session_running(const session *s);

/* The answer of a console command that waited (PAUSE): err NULL when it succeeded. */
void session_console_finish(session *s, const adm_error *err);

/* The configuration was reloaded: timeouts apply as *env->current says, counted from now. */
void session_reconfigured(session *s);

/* Lets the session look again, after the current event, at what its client waits with (a
 * catalog load by another session ended). */
void session_wake(session *s);

#endif
