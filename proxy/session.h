/* proxy/session.h — one client connection and its server connection (session mode): startup,
 * relayed authentication, the message hooks, internal queries, and every way it ends. */
#ifndef PROXY_SESSION_H
#define PROXY_SESSION_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/time.h>

#include "protocol/protocol.h"
#include "proxy/expect.h"
#include "proxy/prepared.h"
#include "proxy/proxy.h"
#include "proxy/relay.h"
#include "proxy/search_path.h"

typedef enum {
    SESSION_STARTUP,    /* waiting for the client's startup packet */
    SESSION_CONNECTING, /* connecting to the server; the startup packet waits in server.pending */
    SESSION_AUTH,       /* authentication relayed, until the first ReadyForQuery */
    SESSION_READY,      /* authenticated: messages go through the hooks */
} session_state;

/* A query the session runs on its server connection by itself (see below). */
typedef void (*session_row_fn)(session *s, void *arg, int nfields, const char *const *fields);
typedef void (*session_done_fn)(session *s, void *arg, const proto_error_fields *error);
typedef struct internal_query internal_query;

struct session {
    proxy *px;
    session *prev, *next;
    proxy_conf *conf; /* the configuration the session started with */
    const net_addr *upstream;
    conn client, server;
    session_state state;
    bool dead;              /* closed; freed when the event callback that closed it returns */
    bool client_terminated; /* the client sent Terminate: the server's close is expected */
    bool server_fatal;      /* the server sent a FATAL error: its close is expected */
    bool client_unsynced;   /* extended-protocol messages sent since the client's last Sync */
    char tx_status;         /* of the last ReadyForQuery: 'I', 'T' or 'E' */
    int syncs_pending;      /* Query/Sync/FunctionCall sent whose ReadyForQuery is still due */
    uint32_t backend_pid, backend_key;
    internal_query *internal; /* queue; the head runs while internal_running */
    bool internal_running;
    proto_buf held;    /* server messages kept from the client until the internal queries end */
    char *search_path; /* the search_path setting, read after authentication */
    char *user, *database;
    /* rewriting (proxy/hooks.c) */
    struct catalog_db *catalog; /* the upstream database's schema snapshots */
    search_path path;
    prepared_names statements, portals; /* names whose CommandComplete needs the tag fix */
    expect_queue expect;                /* answers the server owes, in order */
    expect_answer answer;               /* for the CommandComplete being read */
    bool standard_strings;              /* standard_conforming_strings */
    char client_encoding[32], server_encoding[32];
    rw_chars chars; /* how the server counts the characters of a text, from the encodings */
    char peer[64];
    struct timeval started;
};

/* Takes over an accepted client socket. */
void session_start(proxy *px, int fd, const struct sockaddr *peer);

/* Runs `sql` (simple protocol) on the session's server connection, invisible to the client:
 * while it runs the client is not read and the server's answers (RowDescription, DataRow,
 * CommandComplete, ErrorResponse, ReadyForQuery) are consumed by the session. on_row gets
 * each row as text (NULL for SQL NULL); on_done gets the error, or NULL on success. It runs
 * as soon as the server is idle outside a transaction block: right away if it is, else at
 * the next ReadyForQuery, which is held back from the client until the query is done. A
 * query queued before authentication completes runs before the client's first
 * ReadyForQuery. */
void session_run_internal_query(session *s, const char *sql, session_row_fn on_row,
                                session_done_fn on_done, void *arg);

/* The relay's view: the walk hooks of each direction and the end of a connection. */
extern const proto_hooks session_client_hooks, session_server_hooks;
void session_connection_lost(session *s, conn *c, const char *why);
void session_protocol_error(session *s, conn *c, const char *why);
/* Frees the session if it died during the event callback that is returning. */
void session_after_event(session *s);
/* Ends the session now (shutdown): tells the client why when the stream allows it. */
void session_terminate(session *s, const char *sqlstate, const char *message);

#endif
