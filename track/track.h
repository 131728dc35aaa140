/* track/track.h — one session's SQL conversation, as the proxy must follow it to rewrite
 * what the client sends and mend what the server answers. Pure code: messages in, messages
 * out, no sockets; proxy/session.c feeds it every message of an authenticated session.
 *
 * For each message the owner asks the policy of its direction at the header (protocol.h:
 * PASS streams it through, PEEK shows its start, WHOLE hands over the complete message,
 * HOLD keeps it for later), then hands PEEK and WHOLE messages to the message function,
 * which forwards them, or appends a replacement to out (or nothing: dropped).
 *
 *   Client → server   Query and Parse are rewritten (track/rewriting.c); Bind, Execute,
 *                     Close and Sync are followed; statements prepared under another
 *                     search_path or catalog are prepared again first (track/reprepare.c).
 *   Server → client   CommandComplete (a DELETE turned into an UPDATE says "DELETE n"),
 *                     ErrorResponse (positions mapped back into the client's text),
 *                     ParseComplete/BindComplete/CloseComplete answering the proxy's own
 *                     messages (dropped), ReadyForQuery and ParameterStatus (followed).
 *
 * What the owner must act on is left in flags it takes (track_take_ddl), and what is worth
 * a log line goes to its observer: arrows point one way, the track never calls its owner
 * but through these callbacks. */
#ifndef TRACK_TRACK_H
#define TRACK_TRACK_H

#include <stdbool.h>
#include <stdint.h>

#include "protocol/protocol.h"
#include "rewrite/cache.h"
#include "stats/stats.h"
#include "track/expect.h"
#include "track/namespace.h"
#include "track/prepared.h"

/* Callbacks to the owner, for its logs. */
typedef struct {
    /* a statement text (NUL-terminated) and what is sent instead */
    void (*rewritten)(void *owner, const char *before, const char *after);
    void (*refused)(void *owner, const char *why);
} track_observer;

/* A Query sent in parts (track/split.c). */
typedef struct {
    char *rest;    /* the client's text still to send, or NULL */
    int offset;    /* characters of the client's text before the part in flight / the rest */
    bool active;   /* the Query goes in parts: its ReadyForQuery is the last part's */
    bool wrapped;  /* the proxy opened a transaction block for the parts */
    bool failed;   /* the part in flight failed: no more parts */
    bool due;      /* the next part (or the ROLLBACK) waits for track_split_send */
    bool rollback; /* what is due is the ROLLBACK of the proxy's block */
} track_split;

typedef struct {
    /* given by the owner */
    rw_cache *cache;       /* rewrites, shared by the sessions of a process */
    rw_snapshot *snapshot; /* the catalog snapshot to rewrite with; NULL: none yet, every
                            * statement is refused (forwarding could leak or delete rows) */
    const track_observer *observer;
    void *owner;
    st_db *stats; /* the database's counters (stats/stats.h): set before the first client
                   * message; the track counts statements, rewrites and cache lookups */
    /* followed */
    track_namespace names;           /* search_path and temporary tables */
    track_names statements, portals; /* names whose execution needs something */
    track_expect expect;             /* answers the server owes, in order */
    track_answer answer;             /* for the CommandComplete being read */
    bool standard_strings;           /* standard_conforming_strings */
    char client_encoding[32], server_encoding[32];
    rw_chars chars;    /* how the server counts the characters of a text */
    char tx_status;    /* of the last ReadyForQuery: 'I', 'T' or 'E' */
    int syncs_pending; /* Query/Sync/FunctionCall sent whose ReadyForQuery is still due */
    bool unsynced;     /* extended-protocol messages sent since the client's last Sync */
    bool batch_failed; /* an error since: the server skips to the Sync */
    bool terminated;   /* the client sent Terminate */
    bool ddl;          /* a statement that may change the catalog went by (track_take_ddl) */
    track_split split; /* a Query sent in parts */
    /* whether a kept statement may be out of date, as of these versions (messages.c) */
    uint64_t sources_snapshot;
    unsigned sources_path;
    bool sources_stale;
    bool undo;    /* a ROLLBACK TO SAVEPOINT went by (track_take_ddl) */
    bool reread;  /* a statement changed settings only the server knows: the owner reads them
                   * again (track_reread) and clears this */
    bool alters;  /* DDL other than of an index went by (track_take_ddl) */
    bool ends_tx; /* a transaction statement (COMMIT, ROLLBACK...) went by (track_take_ddl) */
} track;

void track_init(track *t, rw_cache *cache, const track_observer *observer, void *owner);
void track_free(track *t);

/* Where names resolve at the start: setting is current_setting('search_path') (NULL if it
 * could not be read), user the role the server logged in ("$user"); mode the session's
 * tombstone.* settings at login. */
void track_start_names(track *t, const char *setting, const char *user, rw_mode mode);

proto_policy track_client_policy(track *t, uint8_t type);
proto_verdict track_client_message(track *t, const proto_msg *m, proto_out *out);
proto_policy track_server_policy(track *t, uint8_t type);
proto_verdict track_server_message(track *t, const proto_msg *m, proto_out *out);

/* The search_path, the current role ("$user") and the tombstone.* settings as the server has
 * them now, read again after a statement that changed them in a way only the server knows
 * (track.reread). */
void track_reread(track *t, const char *search_path, const char *role, rw_mode mode);

/* ParameterStatus: what the rewriter must know of the server's settings. Also during
 * authentication, before the track sees anything else. */
void track_parameter_status(track *t, const proto_msg *m);

/* No answer owed, no extended-protocol batch open: the owner may run a statement of its own
 * (inside the client's transaction block when `in_tx`, else only outside one). */
bool track_idle(const track *t, bool in_tx);

/* A Query of the client's is sent in parts and not all answered yet: its next part (or
 * the ROLLBACK of the proxy's block) goes when track_split_due, after the owner has read
 * the catalog, with track_split_send (to the server). The client's next messages wait. */
static inline bool track_busy(const track *t)
{
    return t->split.active;
}
static inline bool track_split_due(const track *t)
{
    return t->split.due;
}
void track_split_send(track *t, proto_buf *to_server);

/* What the statements sent (or executed) since the last call did to the catalog. */
typedef struct {
    bool ddl;     /* may change the catalog */
    bool alters;  /* ... in what makes a table soft-delete (DDL but of an index) */
    bool undo;    /* ROLLBACK TO SAVEPOINT: may undo DDL of the transaction */
    bool ends_tx; /* a transaction statement: may commit DDL of the transaction */
} track_ddl;
track_ddl track_take_ddl(track *t);

#endif
