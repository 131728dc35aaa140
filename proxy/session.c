/* proxy/session.c — a client and its server connection: the startup packet, routing to an
 * upstream, relayed authentication, queries of the proxy's own, and the end of the session
 * (see session.h). What the client and server say once it is logged in goes through the
 * track (track/), which rewrites it. */
#include "proxy/session.h"

#include <assert.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event2/event.h>

#include "common/mem.h"
#include "proxy/cancel.h"
#include "proxy/log.h"

/* A query the session runs on its server connection by itself, invisible to the client:
 * while it runs the client's messages wait and the server's answers (RowDescription,
 * DataRow, CommandComplete, ErrorResponse, ReadyForQuery) are consumed by the session. It
 * runs as soon as the server is idle outside a transaction block (or inside the client's,
 * for a query that may): right away if it is, else at the next ReadyForQuery, which is held
 * back from the client until the query is done. A query queued before authentication
 * completes runs before the client's first ReadyForQuery. on_row gets each row as text (NULL for
 * SQL NULL); on_done gets the error, or NULL on success, and is called whatever happens, the
 * session's end included. */
typedef void (*row_fn)(session *s, void *arg, int nfields, const char *const *fields);
typedef void (*done_fn)(session *s, void *arg, const proto_error_fields *error);

struct internal_query {
    internal_query *next;
    bool in_tx;    /* may run inside the client's transaction block */
    bool in_batch; /* runs inside the client's open extended-protocol batch (see below) */
    int closes;    /* in_batch: CloseCompletes seen */
    row_fn on_row;
    done_fn on_done;
    void *arg;
    proto_buf error; /* a copy of the ErrorResponse, if the query failed */
    char sql[];
};

#define SESSION_LOG(level, s, fmt, ...)                                                            \
    log_msg(level, "%s %s/%s: " fmt, (s)->peer, (s)->database ? (s)->database : "-",               \
            (s)->user ? (s)->user : "-", __VA_ARGS__)

/* ---- ending a session ---------------------------------------------------------------- */

static void send_error(session *s, const char *severity, const char *sqlstate, const char *msg)
{
    proto_buf b = {0};
    proto_build_error(&b, severity, sqlstate, msg);
    relay_send(&s->client, b.data, b.len);
    proto_buf_free(&b);
}

static double elapsed(const session *s)
{
    struct timeval now;
    gettimeofday(&now, NULL);
    return (double)(now.tv_sec - s->started.tv_sec) +
           (double)(now.tv_usec - s->started.tv_usec) / 1e6;
}

/* Closes both sockets after a last attempt to deliver what is pending; the memory goes when
 * the current event callback returns (on_event_done), since a walk may still be running
 * over this session's buffers. */
static void session_close(session *s, const char *why)
{
    if (s->dead)
        return;
    if (s->user)
        SESSION_LOG(CONF_LOG_INFO, s, "closed: %s (%.3f s)", why, elapsed(s));
    relay_flush_now(&s->server);
    relay_flush_now(&s->client);
    relay_close(&s->server);
    relay_close(&s->client);
    s->dead = true;
    /* DDL whose end this session will not see may have committed: read the catalog again */
    if (s->catalog && (s->ddl_sent || s->tx_ddl))
        catalog_mark_stale(s->catalog);
    s->env->closed(s->env->owner, s);
}

static void free_internal(internal_query *q)
{
    proto_buf_free(&q->error);
    free(q);
}

static void session_free(session *s)
{
    /* queries of the proxy's own that will never finish say so: a catalog load must not be
     * taken for under way by a session that is gone */
    static const proto_error_fields gone = {.sqlstate = "08006", .message = "session closed"};
    while (s->internal) {
        internal_query *q = s->internal;
        s->internal = q->next;
        q->on_done(s, q->arg, &gone);
        free_internal(q);
    }
    relay_release(&s->client);
    relay_release(&s->server);
    proto_buf_free(&s->held);
    event_del(&s->kick);
    rw_snapshot_unref(s->mine);
    rw_snapshot_unref(s->building);
    track_free(&s->track);
    config_unref(s->conf);
    free(s->search_path);
    free(s->user);
    free(s->database);
    free(s);
}

/* Refuses a client before it reached a server: a FATAL error, then the end. */
__attribute__((format(printf, 3, 4))) static void reject(session *s, const char *sqlstate,
                                                         const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    SESSION_LOG(CONF_LOG_WARNING, s, "refused: %s", msg);
    send_error(s, "FATAL", sqlstate, msg);
    session_close(s, msg);
}

/* Tells the server the client is gone, the way that frees its backend soonest. */
static void release_server(session *s)
{
    if (s->state < SESSION_AUTH || s->track.terminated)
        return;
    if ((s->track.syncs_pending > 0 || s->internal_running) && s->backend_pid) {
        cancel_send(s->env->base, s->upstream, s->backend_pid, s->backend_key);
    } else if (proto_framer_at_boundary(&s->client.framer)) {
        proto_buf b = {0};
        proto_build_terminate(&b);
        relay_send(&s->server, b.data, b.len);
        proto_buf_free(&b);
    }
}

void session_terminate(session *s, const char *sqlstate, const char *message)
{
    if (s->state == SESSION_READY && proto_framer_at_boundary(&s->server.framer))
        send_error(s, "FATAL", sqlstate, message);
    release_server(s);
    session_close(s, message);
    session_free(s);
}

const net_addr *session_cancel_target(const session *s, uint32_t pid, uint32_t key)
{
    bool ours = !s->dead && s->upstream && s->backend_pid == pid && s->backend_key == key;
    return ours ? s->upstream : NULL;
}

/* ---- what the connections tell the session (relay_ops) ------------------------------ */

static void connection_lost(void *owner, conn *c, const char *why)
{
    session *s = owner;
    if (s->dead)
        return;
    if (c == &s->client) {
        release_server(s);
        session_close(s, s->track.terminated ? "client terminated" : "client disconnected");
        return;
    }
    /* Unless the server already said why (a FATAL error), tell the client, if an error
     * message can go in between two of the messages already sent to it. */
    if (!s->server_fatal && !s->track.terminated && proto_framer_at_boundary(&s->server.framer))
        send_error(s, "FATAL", "08006", "server closed the connection unexpectedly");
    char reason[128];
    snprintf(reason, sizeof reason, "server connection: %s", why);
    session_close(s, s->server_fatal ? "server sent a fatal error" : reason);
}

static void protocol_violation(void *owner, conn *c, const char *why)
{
    session *s = owner;
    if (c == &s->client && proto_framer_at_boundary(&s->server.framer))
        send_error(s, "FATAL", "08P01", why);
    char reason[128];
    snprintf(reason, sizeof reason, "protocol violation from the %s: %s",
             c == &s->client ? "client" : "server", why);
    release_server(s);
    session_close(s, reason);
}

static void server_connected(void *owner, conn *c, int err)
{
    session *s = owner;
    (void)c;
    if (err) {
        reject(s, "08006", "could not connect to server %s: %s", s->upstream->label, strerror(err));
        return;
    }
    s->state = SESSION_AUTH;
    relay_set_readable(&s->server, true);
}

static void client_connected(void *owner, conn *c, int err)
{
    (void)owner;
    (void)c;
    (void)err; /* accepted sockets are attached, never connected */
}

static void kick(session *s);

static void on_event_done(void *owner)
{
    session *s = owner;
    if (s->dead)
        session_free(s);
    else
        kick(s);
}

/* ---- internal queries ------------------------------------------------------------------ */

/* Can a query of the proxy's own run now? `in_tx`: one that may run inside the client's
 * transaction block. */
static bool server_idle(const session *s, bool in_tx)
{
    return s->state == SESSION_READY && !s->internal_running && track_idle(&s->track, in_tx);
}

/* In an extended-protocol batch, after the proxy's Flush: the server has answered every
 * message the client sent so far (and will answer no more before the Sync). */
static bool batch_answered(const session *s)
{
    return s->state == SESSION_READY && !s->internal_running && s->track.unsynced &&
           s->batch_flushed && s->track.expect.count == 0;
}

static bool next_internal_can_run(const session *s)
{
    if (!s->internal)
        return false;
    return s->internal->in_batch ? batch_answered(s) : server_idle(s, s->internal->in_tx);
}

/* A query in an open extended-protocol batch cannot be a Query message (that would end the
 * batch's implicit transaction): it goes as Parse/Bind/Execute of a statement and portal of
 * its own, closed after it, and a Flush; it ends with the second CloseComplete, or an
 * error (after which the server skips the rest of the batch). */
static const char batch_name[] = "tombstone.catalog";

static void start_internal(session *s)
{
    proto_buf b = {0};
    if (s->internal->in_batch) {
        proto_build_parse(&b, batch_name, s->internal->sql);
        proto_build_bind(&b, batch_name, batch_name);
        proto_build_execute(&b, batch_name);
        proto_build_close(&b, 'P', batch_name);
        proto_build_close(&b, 'S', batch_name);
        size_t at = proto_msg_begin(&b, PROTO_FE_FLUSH);
        proto_msg_end(&b, at);
    } else {
        proto_build_query(&b, s->internal->sql);
    }
    relay_send(&s->server, b.data, b.len);
    proto_buf_free(&b);
    s->internal_running = true;
}

/* Queues a query of the proxy's own; start_internal runs the head when it can run. */
static void run_internal_query(session *s, const char *sql, bool in_tx, row_fn on_row,
                               done_fn on_done, void *arg)
{
    size_t len = strlen(sql) + 1;
    internal_query *q = mem_zalloc(sizeof *q + len);
    memcpy(q->sql, sql, len);
    q->in_tx = in_tx;
    q->on_row = on_row;
    q->on_done = on_done;
    q->arg = arg;
    internal_query **tail = &s->internal;
    while (*tail)
        tail = &(*tail)->next;
    *tail = q;
}

static void internal_row(session *s, internal_query *q, const proto_msg *m)
{
    static proto_buf store; /* reused: rows of internal queries arrive one at a time */
    const char *const *values;
    int n;
    if (proto_read_data_row_text(m->data, m->len, &store, &values, &n))
        q->on_row(s, q->arg, n, values);
}

/* The internal query at the head of the queue got its ReadyForQuery. */
static void finish_internal(session *s, proto_out *out)
{
    internal_query *q = s->internal;
    assert(q && s->internal_running);
    s->internal = q->next;
    s->internal_running = false;
    proto_error_fields error;
    bool failed = q->error.len && proto_read_error(q->error.data, q->error.len, &error);
    q->on_done(s, q->arg, failed ? &error : NULL);
    /* an error in the client's batch: the client hears of it, as of its own, and the server
     * skips its messages up to the Sync */
    if (q->in_batch && failed)
        proto_out_copy(out, q->error.data, q->error.len);
    free_internal(q);
    if (next_internal_can_run(s)) {
        start_internal(s);
        return;
    }
    /* Done: what was held goes to the client in stream order, and the client's messages
     * go on (the relay resumes them after this walk). */
    proto_out_copy(out, s->held.data, s->held.len);
    proto_buf_free(&s->held);
}

static proto_verdict internal_message(session *s, const proto_msg *m, proto_out *out)
{
    internal_query *q = s->internal;
    switch (m->type) {
    case PROTO_BE_DATA_ROW:
        if (!q->error.len)
            internal_row(s, q, m);
        break;
    case PROTO_BE_ERROR:
        proto_buf_put(&q->error, m->data, m->len);
        if (q->in_batch)
            finish_internal(s, out);
        break;
    case PROTO_BE_CLOSE_COMPLETE:
        if (q->in_batch && ++q->closes == 2)
            finish_internal(s, out);
        break;
    case PROTO_BE_READY:
        finish_internal(s, out);
        break;
    }
    return PROTO_CONSUMED;
}

/* ---- the search_path, read after authentication ---------------------------------------- */

/* The settings the proxy follows, as the server has them: at login (the alias's and the
 * client's startup options applied), and again after a statement that changed them in a way
 * only the server knows. */
static const char settings_query[] = "SELECT current_setting('search_path'), "
                                     "current_setting('tombstone.visibility', true), "
                                     "current_setting('tombstone.deletes', true)";

/* A row of settings_query into s->search_path and the rw_mode at arg (a value the proxy
 * does not know leaves the default, with a warning). */
static void on_settings_row(session *s, void *arg, int nfields, const char *const *fields)
{
    rw_mode *mode = arg;
    if (nfields != 3)
        return;
    if (fields[0]) {
        free(s->search_path);
        s->search_path = mem_strdup(fields[0]);
    }
    static const char *const names[] = {"visibility", "deletes"};
    for (int i = 0; i < 2; i++)
        if (fields[i + 1] && *fields[i + 1] && !rw_mode_parse(names[i], fields[i + 1], mode))
            SESSION_LOG(CONF_LOG_WARNING, s, "unknown tombstone.%s '%s': the default is kept",
                        names[i], fields[i + 1]);
}

static void on_reread_done(session *s, void *arg, const proto_error_fields *error)
{
    rw_mode *mode = arg;
    if (error)
        SESSION_LOG(CONF_LOG_WARNING, s, "cannot read the settings again: %s",
                    error->message ? error->message : "error");
    else
        track_reread(&s->track, s->search_path, *mode);
    free(mode);
}

/* Inside a transaction the settings are read again at its end too: what was set may have
 * been SET LOCAL, or rolled back. */
static void reread_settings(session *s, char status)
{
    s->track.reread = status != 'I';
    rw_mode *mode = mem_dup(&s->track.names.now.effective_mode, sizeof *mode);
    run_internal_query(s, settings_query, true, on_settings_row, on_reread_done, mode);
}

/* The user "$user" in a search_path means: the one the server was logged in as. */
static const char *server_user(const session *s)
{
    const conf_db *db = conf_find_db(&s->conf->cfg, s->database);
    return db && db->user ? db->user : s->user;
}

static void on_search_path_done(session *s, void *arg, const proto_error_fields *error)
{
    (void)arg;
    track_start_names(&s->track, error ? NULL : s->search_path, server_user(s), s->start_mode);
    if (error)
        SESSION_LOG(CONF_LOG_WARNING, s, "cannot read the search_path: %s",
                    error->message ? error->message : "error");
    if (error || !log_enabled(CONF_LOG_DEBUG))
        return;
    char list[1024] = "";
    size_t used = 0;
    const track_ns_list *initial = &s->track.names.initial;
    for (int i = 0; i < initial->n && used < sizeof list; i++)
        used +=
            (size_t)snprintf(list + used, sizeof list - used, "%s%s", i ? "," : "", initial->v[i]);
    SESSION_LOG(CONF_LOG_DEBUG, s, "search_path resolved to {%s}", list);
}

/* ---- the catalog snapshot ----------------------------------------------------------------
 *
 * A statement is rewritten with the catalog PostgreSQL will see when it runs it:
 *  - the database's snapshot (proxy/catalog.c), read on a session's own connection when the
 *    session logs in, when DDL that went through a session ended its transaction, and when
 *    schema_refresh has passed;
 *  - after DDL inside this session's transaction, a snapshot of its own (`mine`), read
 *    inside the transaction, so it sees that uncommitted DDL; dropped at the end of the
 *    transaction, when the database's becomes stale.
 * A client statement (Query, Parse, Bind) waits while the snapshot it needs is being read,
 * or its own DDL's answer is still due; it waits at most catalog_wait_timeout, then goes on
 * with what there is (nothing: refused, but for statements that name no table). */

static void on_catalog_row(session *s, void *arg, int nfields, const char *const *fields)
{
    (void)s;
    catalog_load_row(arg, nfields, fields);
}

static void on_catalog_done(session *s, void *arg, const proto_error_fields *error)
{
    catalog_load_done(arg, error ? (error->message ? error->message : "error") : NULL);
    s->env->catalog_loaded(s->env->owner, arg);
}

/* A load of the database's snapshot on this connection, if one is due and no other
 * session runs it. */
static void load_shared(session *s)
{
    char *sql = catalog_load_due(s->catalog, &s->conf->cfg);
    if (sql)
        run_internal_query(s, sql, false, on_catalog_row, on_catalog_done, s->catalog);
    free(sql);
}

static void on_mine_row(session *s, void *arg, int nfields, const char *const *fields)
{
    rw_catalog_row row = {nfields, fields};
    const char **error = arg;
    if (!*error)
        rw_snapshot_add_row(s->building, &row, error);
}

static void on_mine_done(session *s, void *arg, const proto_error_fields *error)
{
    const char **row_error = arg;
    const char *why = error ? (error->message ? error->message : "error") : *row_error;
    free(row_error);
    rw_snapshot *built = s->building;
    s->building = NULL;
    if (why) {
        SESSION_LOG(CONF_LOG_WARNING, s, "cannot read the catalog in its transaction: %s", why);
        rw_snapshot_unref(built);
        s->mine_failed = true;
        return;
    }
    rw_snapshot_finish(built);
    rw_snapshot_unref(s->mine);
    s->mine = built;
    s->mine_stale = false;
}

static void on_poll_row(session *s, void *arg, int nfields, const char *const *fields)
{
    char **epoch = arg;
    (void)s;
    if (nfields == 1 && fields[0] && !*epoch)
        *epoch = mem_strdup(fields[0]);
}

static void on_poll_done(session *s, void *arg, const proto_error_fields *error)
{
    char **epoch = arg;
    catalog_poll_done(s->catalog, *epoch,
                      error ? (error->message ? error->message : "error") : NULL);
    free(*epoch);
    free(epoch);
}

/* The catalog epoch, read every second where the database has one. */
static void poll_epoch(session *s)
{
    const char *sql = catalog_poll_due(s->catalog);
    if (sql)
        run_internal_query(s, sql, false, on_poll_row, on_poll_done, mem_zalloc(sizeof(char *)));
}

/* The catalog read inside this session's transaction, after its own DDL (in_batch: in the
 * extended-protocol batch that ran it). */
static void load_mine(session *s, bool in_batch)
{
    s->building = rw_snapshot_new();
    char *sql = catalog_query(&s->conf->cfg);
    const char **row_error = mem_zalloc(sizeof *row_error);
    run_internal_query(s, sql, true, on_mine_row, on_mine_done, row_error);
    s->internal->in_batch = in_batch; /* the query just queued is the only one */
    free(sql);
}

/* DDL ran in the open batch and a client message waits for its snapshot: the server is
 * asked to answer what it has (Flush); once it has answered everything, the catalog is read
 * in the batch, unless the batch failed (its messages are then skipped anyway). */
static void batch_ddl_load(session *s)
{
    if (!s->batch_flushed) {
        static const uint8_t flush[] = {PROTO_FE_FLUSH, 0, 0, 0, 4};
        relay_send(&s->server, flush, sizeof flush);
        s->batch_flushed = true;
    }
    if (!batch_answered(s) || s->internal)
        return;
    if (s->track.batch_failed) {
        s->ddl_sent = false;
        return;
    }
    s->ddl_sent = false;
    s->tx_ddl = s->mine_stale = true;
    load_mine(s, true);
}

/* The snapshot a statement sent now is rewritten with (NULL: none to be had). */
static rw_snapshot *snapshot_now(const session *s)
{
    if (s->mine_failed)
        return NULL;
    return s->mine ? s->mine : catalog_snapshot(s->catalog);
}

/* Is the snapshot right for a statement sent now? If not, the statement waits: for its own
 * DDL's answer, or for a load (this session's, or another's). In an extended-protocol batch
 * the server answers nothing before the Sync, so a statement there cannot wait for a load
 * on this connection: it goes with the newest snapshot there is. */
static bool snapshot_ready(const session *s)
{
    if (s->wait_expired)
        return true;
    if (s->ddl_sent)
        return false;      /* its answer says which snapshot is stale */
    if (s->track.unsynced) /* the batch's first statement has waited, if it had to */
        return !s->mine_stale || s->mine_failed;
    if (s->mine_stale)
        return s->mine_failed;
    if (s->mine)
        return true;
    /* the epoch is due to be read, and this session can read it now: the statement waits
     * for that (once a second per database), so DDL made elsewhere is seen within a second */
    if (catalog_poll_wanted(s->catalog) && track_idle(&s->track, false))
        return false;
    return catalog_fresh(s->catalog);
}

static void wait_for_snapshot(session *s)
{
    if (s->waiting)
        return;
    s->waiting = true;
    double t = s->conf->cfg.catalog_wait_timeout;
    struct timeval tv = {(time_t)t, (suseconds_t)((t - (double)(time_t)t) * 1e6)};
    event_add(&s->kick, &tv);
}

static void done_waiting(session *s)
{
    event_del(&s->kick);
    s->waiting = s->wait_expired = false;
}

/* Queues the load this session should run now, if any: its own snapshot when its
 * transaction's DDL made it stale, else the database's when it is due and no other session
 * reads it. Only when the connection can run it at once: a load claimed and left waiting
 * would hold every session's statements. */
static void queue_due_load(session *s)
{
    if (s->state != SESSION_READY || s->internal)
        return;
    if (s->ddl_sent && s->track.unsynced) {
        batch_ddl_load(s);
    } else if (s->mine_stale && !s->mine_failed) {
        if (server_idle(s, true))
            load_mine(s, false);
    } else if (server_idle(s, false)) {
        load_shared(s);
        if (!s->internal)
            poll_epoch(s);
    }
}

/* DDL the track sent: its ReadyForQuery will tell which snapshot it made stale. */
static void note_ddl(session *s)
{
    if (s->track.ddl || s->track.undo) {
        bool undo;
        s->ddl_sent |= track_take_ddl(&s->track, &undo);
        s->undo_sent |= undo;
    }
}

/* The next part of a Query sent in parts, once the snapshot it needs is there. */
static void send_next_part(session *s)
{
    if (!snapshot_ready(s)) {
        wait_for_snapshot(s);
        return;
    }
    if (s->waiting)
        done_waiting(s);
    s->track.snapshot = snapshot_now(s);
    proto_buf b = {0};
    track_split_send(&s->track, &b);
    note_ddl(s);
    relay_send(&s->server, b.data, b.len);
    proto_buf_free(&b);
}

/* After each event: the load a waiting statement needs is started, when the connection can
 * run it, and the next part of a Query sent in parts goes when it can. A few flags in the
 * common case: this runs for every read and write. */
static void kick(session *s)
{
    if (s->waiting)
        queue_due_load(s);
    if (s->internal && next_internal_can_run(s))
        start_internal(s);
    else if (track_split_due(&s->track) && !s->internal && !s->dead)
        send_next_part(s);
    /* what changed may let held client messages go (the relay resumes them after a server
     * read; a change made here would otherwise wait for the next one) */
    if (s->client.held.len && !s->internal_running && !s->dead)
        relay_resume(&s->client);
}

/* What the end of a statement of the client's tells of the snapshots: DDL that ran is seen
 * by this transaction now, by everyone once it ends. */
static void after_ready(session *s, char status)
{
    s->batch_flushed = false;
    if (s->track.reread && status != 'E')
        reread_settings(s, status);
    if (s->ddl_sent || (s->undo_sent && s->tx_ddl)) {
        s->tx_ddl = true;
        s->mine_stale = status != 'I';
    }
    s->ddl_sent = s->undo_sent = false;
    if (status == 'I' && s->tx_ddl) {
        s->tx_ddl = s->mine_stale = s->mine_failed = false;
        rw_snapshot_unref(s->mine);
        s->mine = NULL;
        catalog_mark_stale(s->catalog);
    }
    if (s->mine_stale || catalog_wants_load(s->catalog) || catalog_poll_wanted(s->catalog))
        queue_due_load(s); /* now, before this ReadyForQuery reaches the client */
}

static void on_kick(evutil_socket_t fd, short what, void *arg)
{
    session *s = arg;
    (void)fd;
    if (what & EV_TIMEOUT && s->waiting) {
        SESSION_LOG(CONF_LOG_WARNING, s, "no catalog snapshot after %g s (catalog_wait_timeout)",
                    s->conf->cfg.catalog_wait_timeout);
        s->wait_expired = true;
    }
    relay_resume(&s->client);
    on_event_done(s);
}

void session_wake(session *s)
{
    if (!s->dead)
        event_active(&s->kick, 0, 0);
}

static const char *upstream_dbname(const session *s)
{
    const conf_db *db = conf_find_db(&s->conf->cfg, s->database);
    return db && db->dbname ? db->dbname : s->database;
}

/* ---- the server's messages ----------------------------------------------------------- */

/* A ReadyForQuery (the track has seen it, and consumed it when it was the proxy's own).
 * Returns true when it is held back because an internal query runs now. */
static bool ready_for_query(session *s, const proto_msg *m, bool consumed)
{
    if (s->state == SESSION_AUTH) {
        SESSION_LOG(CONF_LOG_DEBUG, s, "authenticated, server pid %u", s->backend_pid);
        /* only now: a database name nobody logged in to never costs the proxy memory */
        s->catalog = catalog_of(s->env->catalogs, s->upstream->label, upstream_dbname(s));
        s->state = SESSION_READY;
    }
    after_ready(s, s->track.tx_status);
    if (!next_internal_can_run(s))
        return false;
    if (!consumed)
        proto_buf_put(&s->held, m->data, m->len);
    start_internal(s);
    return true;
}

static void note_error(session *s, const proto_msg *m)
{
    proto_error_fields e;
    if (proto_read_error(m->data, m->len, &e) && e.severity &&
        (strcmp(e.severity, "FATAL") == 0 || strcmp(e.severity, "PANIC") == 0))
        s->server_fatal = true;
}

static proto_policy server_policy(void *arg, uint8_t type, size_t msg_len)
{
    session *s = arg;
    (void)msg_len;
    if (s->state == SESSION_READY && !s->internal_running && !s->dead) /* the common case */
        return track_server_policy(&s->track, type);
    if (s->dead)
        return PROTO_HOLD;   /* and never taken: nothing more of a closed session is read */
    if (s->internal_running) /* asynchronous messages still reach the client */
        return type == PROTO_BE_NOTIFICATION || type == PROTO_BE_PARAMETER_STATUS ? PROTO_PASS
                                                                                  : PROTO_WHOLE;
    if (type == PROTO_BE_BACKEND_KEY)
        return PROTO_WHOLE;
    /* authentication: the settings, errors and the first ReadyForQuery are followed */
    return type == PROTO_BE_READY || type == PROTO_BE_ERROR || type == PROTO_BE_PARAMETER_STATUS
               ? PROTO_WHOLE
               : PROTO_PASS;
}

static proto_verdict server_message(void *arg, const proto_msg *m, proto_out *out)
{
    session *s = arg;
    if (s->internal_running)
        return internal_message(s, m, out);
    if (m->type == PROTO_BE_BACKEND_KEY) {
        proto_read_backend_key(m->data, m->len, &s->backend_pid, &s->backend_key);
        return PROTO_FORWARD;
    }
    if (m->type == PROTO_BE_ERROR)
        note_error(s, m);
    /* the track sees every ReadyForQuery, held back or not */
    proto_verdict v = track_server_message(&s->track, m, out);
    if (m->type == PROTO_BE_READY && ready_for_query(s, m, v == PROTO_CONSUMED))
        return PROTO_CONSUMED;
    return v;
}

/* ---- the client's messages ----------------------------------------------------------- */

static void connect_server(session *s)
{
    int fd = net_connect(s->upstream);
    if (fd < 0) {
        reject(s, "08006", "could not connect to server %s: %s", s->upstream->label,
               strerror(errno));
        return;
    }
    s->state = SESSION_CONNECTING;
    relay_connect(&s->server, fd, s->conf->cfg.server_connect_timeout);
}

/* Routes a StartupMessage: the database alias picks the upstream, whose startup packet
 * carries the client's parameters with the upstream's database (and user, if set). */
static void begin_login(session *s, proto_startup *st)
{
    const char *user = proto_startup_get(st, "user");
    const char *db_name = proto_startup_get(st, "database");
    if (!user || !*user) {
        reject(s, "28000", "no PostgreSQL user name specified in startup packet");
        return;
    }
    if (!db_name || !*db_name)
        db_name = user;
    s->user = mem_strdup(user);
    s->database = mem_strdup(db_name);
    const conf_db *db = conf_find_db(&s->conf->cfg, db_name);
    if (!db) {
        reject(s, "3D000", "database \"%s\" is not configured in tombstone's [databases]", db_name);
        return;
    }
    s->upstream = config_upstream(s->conf, db);
    /* the delete guard (rewrite/watch.sql) knows the proxy's sessions by this setting; the
     * modes are set to the alias's (or the defaults, so that SHOW and RESET give them), and
     * come first so that the client's own options win */
    const char *options = proto_startup_get(st, "options");
    char *ours =
        mem_printf("-c tombstone.proxied=on -c tombstone.visibility=%s "
                   "-c tombstone.deletes=%s%s%s",
                   db->visibility ? db->visibility : "live", db->deletes ? db->deletes : "soft",
                   options && *options ? " " : "", options ? options : "");
    bool set = proto_startup_set(st, "database", db->dbname ? db->dbname : db_name) &&
               (!db->user || proto_startup_set(st, "user", db->user)) &&
               proto_startup_set(st, "options", ours);
    if (set)
        proto_build_startup(&s->server.pending, st);
    free(ours);
    if (!set) {
        reject(s, "08P01", "too many startup parameters");
        return;
    }
    SESSION_LOG(CONF_LOG_INFO, s, "login via %s", s->upstream->label);
    run_internal_query(s, settings_query, false, on_settings_row, on_search_path_done,
                       &s->start_mode);
    connect_server(s);
}

static void on_startup_packet(session *s, const proto_msg *m)
{
    proto_startup st;
    const char *err = proto_parse_startup(m->data, m->len, &st);
    if (err) {
        reject(s, "08P01", "invalid startup packet: %s", err);
        return;
    }
    switch (st.kind) {
    case PROTO_STARTUP_SSL:
    case PROTO_STARTUP_GSSENC:
        relay_send(&s->client, "N", 1); /* no encryption yet; the client goes on in clear */
        return;
    case PROTO_STARTUP_CANCEL:
        s->env->cancel(s->env->owner, st.cancel_pid, st.cancel_key);
        session_close(s, "cancel request");
        return;
    case PROTO_STARTUP_V3:
        s->client.framer.untyped = false;
        begin_login(s, &st);
        return;
    }
}

/* Can the session take this message of the client's now? Nothing reaches the server before
 * the proxy can rewrite it: until the login is done only the startup packet and the answers
 * to the server's authentication requests go through, and while the session runs a query
 * of its own the client waits. A closed session takes nothing more. */
static bool takes_client_message(const session *s, uint8_t type)
{
    if (s->state == SESSION_READY) /* the common case first */
        return !s->internal_running && !s->dead && !track_busy(&s->track);
    if (s->dead)
        return false;
    switch (s->state) {
    case SESSION_STARTUP:
        return type == PROTO_FE_STARTUP;
    case SESSION_AUTH:
        return type == PROTO_FE_PASSWORD;
    default:
        return false;
    }
}

/* Messages that are rewritten (Query, Parse), or may prepare a statement again (Bind). */
static bool needs_snapshot(uint8_t type)
{
    return type == PROTO_FE_QUERY || type == PROTO_FE_PARSE || type == PROTO_FE_BIND;
}

static proto_policy client_policy(void *arg, uint8_t type, size_t msg_len)
{
    session *s = arg;
    (void)msg_len;
    if (!takes_client_message(s, type))
        return PROTO_HOLD;
    if (s->state != SESSION_READY)
        return PROTO_PASS;
    if (needs_snapshot(type)) {
        if (!snapshot_ready(s)) {
            wait_for_snapshot(s);
            return PROTO_HOLD;
        }
        if (s->waiting)
            done_waiting(s);
        s->track.snapshot = snapshot_now(s);
    }
    return track_client_policy(&s->track, type);
}

static proto_verdict client_message(void *arg, const proto_msg *m, proto_out *out)
{
    session *s = arg;
    if (m->type == PROTO_FE_STARTUP) {
        on_startup_packet(s, m);
        return PROTO_CONSUMED;
    }
    proto_verdict v = track_client_message(&s->track, m, out);
    note_ddl(s);
    return v;
}

/* ---- a new client ------------------------------------------------------------------------ */

static void log_rewritten(void *owner, const char *sql)
{
    const session *s = owner;
    if (log_enabled(CONF_LOG_DEBUG))
        log_msg(CONF_LOG_DEBUG, "%s: rewritten: %s", s->peer, sql);
}

static void log_refused(void *owner, const char *why)
{
    const session *s = owner;
    log_msg(CONF_LOG_INFO, "%s: refused: %s", s->peer, why);
}

static const track_observer observer = {log_rewritten, log_refused};

static const relay_ops client_ops = {
    {client_policy, client_message},
    connection_lost,
    protocol_violation,
    client_connected,
    on_event_done,
};
static const relay_ops server_ops = {
    {server_policy, server_message},
    connection_lost,
    protocol_violation,
    server_connected,
    on_event_done,
};

session *session_start(const session_env *env, config *conf, int fd, const struct sockaddr *peer)
{
    session *s = mem_zalloc(sizeof *s);
    s->env = env;
    s->conf = config_ref(conf);
    track_init(&s->track, env->rewrites, &observer, s);
    gettimeofday(&s->started, NULL);
    net_format_peer(peer, s->peer, sizeof s->peer);
    relay_init(&s->client, env->base, &client_ops, s, &s->server);
    relay_init(&s->server, env->base, &server_ops, s, &s->client);
    s->client.framer.untyped = true;
    s->client.readable = true;
    event_assign(&s->kick, env->base, -1, 0, on_kick, s);
    relay_attach(&s->client, fd);
    return s;
}
