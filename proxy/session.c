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
#include "proxy/net.h"

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

static void ddl_committed(session *s);

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
    if (s->catalog)
        ddl_committed(s);
    s->env->closed(s->env->owner, s);
}

/* session_close, with a log line even for a client that never gave a user name. */
static void close_logged(session *s, const char *why)
{
    if (!s->user)
        SESSION_LOG(CONF_LOG_INFO, s, "closed: %s", why);
    session_close(s, why);
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
    if (s->track.stats) { /* live sessions' bytes are summed when a report asks */
        s->track.stats->bytes_in += s->client.bytes_read;
        s->track.stats->bytes_out += s->server.bytes_read;
    }
    if (s->console)
        adm_conv_free(&s->adm);
    relay_release(&s->client);
    relay_release(&s->server);
    proto_buf_free(&s->held);
    proto_buf_free(&s->startup);
    event_del(&s->kick);
    event_del(&s->timer);
    rw_snapshot_unref(s->mine);
    rw_snapshot_unref(s->building);
    track_free(&s->track);
    config_unref(s->conf);
    free(s->search_path);
    free(s->bad_mode);
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
    if (s->state < SESSION_AUTH || s->state == SESSION_CONSOLE || s->track.terminated)
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
    if (c == &s->client && s->sasl_stripped && s->state == SESSION_AUTH)
        SESSION_LOG(CONF_LOG_INFO, s, "%s",
                    "the client left when offered SCRAM without channel binding: a client that "
                    "requires channel binding (channel_binding=require) cannot log in through "
                    "tombstone's TLS");
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
    char reason[128];
    if (proto_framer_at_boundary(&s->server.framer)) {
        snprintf(reason, sizeof reason, "%s%s", c == &s->client ? "" : "server: ", why);
        send_error(s, "FATAL", "08P01", reason);
    }
    snprintf(reason, sizeof reason, "protocol violation from the %s: %s",
             c == &s->client ? "client" : "server", why);
    release_server(s);
    close_logged(s, reason);
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

/* A TLS handshake ended: the client's goes on with its startup packet, through TLS; the
 * server's lets the startup packet waiting in pending go. */
static void secured(void *owner, conn *c, const char *err)
{
    session *s = owner;
    char how[96];
    bool client = c == &s->client;
    if (err && client) {
        SESSION_LOG(CONF_LOG_INFO, s, "TLS handshake with the client failed: %s", err);
        session_close(s, "TLS handshake failed");
        return;
    }
    if (err) {
        reject(s, "08006", "could not set up TLS with server %s: %s", s->upstream->label, err);
        return;
    }
    if (client)
        s->state = SESSION_STARTUP;
    tls_describe(c->tls, how, sizeof how);
    SESSION_LOG(CONF_LOG_DEBUG, s, "%s TLS: %s", client ? "client" : "server", how);
}

static void kick(session *s);

static void note_phase(session *s);

static void drop_console_server(session *s);

static void on_event_done(void *owner)
{
    session *s = owner;
    if (s->dead) {
        session_free(s);
        return;
    }
    if (s->state == SESSION_CONSOLE && !relay_closed(&s->server))
        drop_console_server(s);
    kick(s);
    if (s->timed || s->state != SESSION_READY)
        note_phase(s);
}

/* ---- timeouts -------------------------------------------------------------------------
 *
 * One timer per session, armed lazily: after each event the session notes which phase the
 * client is in (logging in, busy, idle in a transaction, idle) and since when (the loop's
 * cached time, no clock read); the timer is added only when the new phase needs a deadline
 * earlier than the one set. When it fires it checks how long the current phase has lasted
 * and re-arms for the rest. A session running statements back to back thus costs a few
 * comparisons per event and no timer operation; with no timeout set, none at all after
 * login. */

enum { PHASE_NONE, PHASE_LOGIN, PHASE_BUSY, PHASE_IDLE_TX, PHASE_IDLE };

static double phase_timeout(const session *s, int phase)
{
    const conf_config *c = &s->conf->cfg;
    switch (phase) {
    case PHASE_LOGIN:
        return c->client_login_timeout;
    case PHASE_BUSY:
        return c->query_timeout;
    case PHASE_IDLE_TX:
        return c->idle_transaction_timeout;
    case PHASE_IDLE:
        return c->client_idle_timeout;
    default:
        return 0;
    }
}

/* Busy: an answer is due (the client's statement, the proxy's own, a Query in parts), or a
 * client message waits in the proxy; else idle, in a transaction block or not. */
static int current_phase(const session *s)
{
    if (s->state == SESSION_CONSOLE)
        return PHASE_NONE; /* the proxy's own conversation: no timeout of a server's applies */
    if (s->state != SESSION_READY)
        return PHASE_LOGIN;
    if (s->track.syncs_pending > 0 || s->track.unsynced || s->internal_running ||
        track_busy(&s->track) || s->client.held.len)
        return PHASE_BUSY;
    return s->track.tx_status == 'I' ? PHASE_IDLE : PHASE_IDLE_TX;
}

static struct timeval seconds_tv(double t)
{
    return (struct timeval){(time_t)t, (suseconds_t)((t - (double)(time_t)t) * 1e6)};
}

static double seconds_between(const struct timeval *a, const struct timeval *b)
{
    return (double)(b->tv_sec - a->tv_sec) + (double)(b->tv_usec - a->tv_usec) / 1e6;
}

/* Arms the timer to fire `left` seconds from now, unless it fires sooner already. */
static void arm_timer(session *s, const struct timeval *now, double left)
{
    struct timeval in = seconds_tv(left), at;
    timeradd(now, &in, &at);
    if (evtimer_pending(&s->timer, NULL) && !timercmp(&at, &s->timer_at, <))
        return;
    s->timer_at = at;
    evtimer_add(&s->timer, &in);
}

static void note_phase(session *s)
{
    int phase = current_phase(s);
    if (phase == s->phase)
        return;
    s->phase = (uint8_t)phase;
    s->canceled = false; /* a cancel of query_timeout's is for the statement it caught */
    event_base_gettimeofday_cached(s->env->base, &s->phase_since);
    double t = phase_timeout(s, phase);
    if (t > 0)
        arm_timer(s, &s->phase_since, t);
}

/* Ends the session for a timeout: a FATAL error naming the setting, when the stream to the
 * client is between messages, and the server is told (Terminate, or a cancel). */
static void expire(session *s, const char *sqlstate, const char *setting, double t)
{
    char msg[160];
    snprintf(msg, sizeof msg, "closing the connection: %s (%g s) expired", setting, t);
    if (proto_framer_at_boundary(&s->server.framer))
        send_error(s, "FATAL", sqlstate, msg);
    release_server(s);
    close_logged(s, msg);
}

/* query_timeout: the server's statement is canceled (its error then says why); if the
 * server is still busy another query_timeout later, the session ends. */
static void cancel_for_timeout(session *s, double t)
{
    if (s->canceled || !s->backend_pid) {
        expire(s, "57014", "query_timeout, then a cancel unanswered for as long,", t);
        return;
    }
    SESSION_LOG(CONF_LOG_INFO, s, "query_timeout (%g s): canceling the server's statement", t);
    cancel_send(s->env->base, s->upstream, s->backend_pid, s->backend_key);
    s->canceled = true;
    event_base_gettimeofday_cached(s->env->base, &s->phase_since);
    arm_timer(s, &s->phase_since, t);
}

static void on_timer(evutil_socket_t fd, short what, void *arg)
{
    session *s = arg;
    (void)fd;
    (void)what;
    if (current_phase(s) != s->phase) { /* changed without being noted: start it now */
        s->phase = PHASE_NONE;
        note_phase(s);
    }
    struct timeval now;
    event_base_gettimeofday_cached(s->env->base, &now);
    double t = phase_timeout(s, s->phase);
    double left = t - seconds_between(&s->phase_since, &now);
    if (t <= 0) { /* the phase that armed the timer has no timeout */
        on_event_done(s);
        return;
    }
    if (left > 0.001)
        arm_timer(s, &now, left);
    else if (s->phase == PHASE_LOGIN)
        expire(s, "08006", "client_login_timeout", t);
    else if (s->phase == PHASE_BUSY)
        cancel_for_timeout(s, t);
    else if (s->phase == PHASE_IDLE_TX)
        expire(s, "25P03", "idle_transaction_timeout", t);
    else
        expire(s, "57P05", "client_idle_timeout", t);
    on_event_done(s);
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
 * does not know leaves the mode as it was, noted in s->bad_mode: the login fails on it, a
 * later read logs it). */
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
        if (fields[i + 1] && *fields[i + 1] && !rw_mode_parse(names[i], fields[i + 1], mode) &&
            !s->bad_mode)
            s->bad_mode = mem_printf("invalid value for parameter \"tombstone.%s\": \"%s\"",
                                     names[i], fields[i + 1]);
}

static void on_reread_done(session *s, void *arg, const proto_error_fields *error)
{
    rw_mode *mode = arg;
    if (s->bad_mode)
        SESSION_LOG(CONF_LOG_WARNING, s, "%s: the mode stays as it was", s->bad_mode);
    free(s->bad_mode);
    s->bad_mode = NULL;
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
    if (s->bad_mode) {
        reject(s, "22023", "%s", s->bad_mode); /* as PostgreSQL refuses its own */
        return;
    }
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
    if (!s->ddl_committing && catalog_ddl_running(s->catalog))
        return false; /* another session's DDL may be committing: see note_ddl */
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
    if (!s->track.ddl && !s->track.undo && !s->track.ends_tx)
        return;
    track_ddl d = track_take_ddl(&s->track);
    s->ddl_sent |= d.ddl;
    s->undo_sent |= d.undo;
    /* DDL that may commit with this statement (outside a transaction block, or a statement
     * that may end the transaction that ran it): until its ReadyForQuery, the other sessions
     * of the database wait with their statements, or one of them could be rewritten with the
     * snapshot from before and run after the commit (a DELETE really deleting) */
    bool commits = (d.alters && s->track.tx_status == 'I') || (d.ends_tx && s->tx_ddl);
    if (commits && !s->ddl_committing) {
        s->ddl_committing = true;
        catalog_ddl_begin(s->catalog);
    }
}

/* The DDL that may have committed is answered (or its session gone): the others go on. */
static void ddl_committed(session *s)
{
    if (!s->ddl_committing)
        return;
    s->ddl_committing = false;
    catalog_ddl_end(s->catalog);
    s->env->catalog_loaded(s->env->owner, s->catalog);
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
    ddl_committed(s); /* after the mark: the others wake to a stale snapshot, and wait */
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

/* ---- logging in: TLS both ways, the startup packet, authentication -------------------- */

static const uint8_t ssl_request[] = {0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f}; /* 80877103 */

/* The server's answer to the proxy's SSLRequest (one byte): 'S' starts TLS, and the startup
 * packet waits in pending for the handshake; 'N' goes on in clear, unless the mode requires
 * TLS. A byte the server sent after its 'S' came in clear: the relay refuses it. */
static proto_verdict on_ssl_answer(session *s, const proto_msg *m)
{
    s->ssl_answer_due = false;
    if (m->type == 'S') {
        relay_start_tls(&s->server, tls_connect(s->conf->connecting, s->server.fd, s->db->host,
                                                s->server_sslmode));
    } else if (m->type != 'N') {
        reject(s, "08P01", "server %s did not answer the SSLRequest with S or N",
               s->upstream->label);
        return PROTO_CONSUMED;
    } else if (s->server_sslmode >= CONF_SSL_REQUIRE) {
        reject(s, "08006", "server %s does not accept TLS connections (sslmode %s)",
               s->upstream->label, conf_sslmode_name(s->server_sslmode));
        return PROTO_CONSUMED;
    }
    if (!s->dead)
        relay_send(&s->server, s->startup.data, s->startup.len);
    proto_buf_free(&s->startup);
    return PROTO_CONSUMED;
}

/* AuthenticationSASL (code 10). Channel binding (SCRAM-SHA-256-PLUS, tls-server-end-point)
 * binds the exchange to the certificate the client sees, which is tombstone's, not the
 * server's: the mechanism is taken out of the server's offer, so clients use SCRAM-SHA-256,
 * unless tombstone shows clients the server's own certificate (then binding holds). Other
 * requests pass as they are. */
static proto_verdict on_auth_request(session *s, const proto_msg *m, proto_out *out)
{
    proto_reader r = proto_reader_init(m->data, m->len);
    if (proto_read_u32(&r) != 10 || r.bad || !s->server.tls ||
        (s->client.tls && tls_same_certificate(s->client.tls, s->server.tls)))
        return PROTO_FORWARD;
    proto_buf offer = {0};
    size_t at = proto_msg_begin(&offer, PROTO_BE_AUTHENTICATION);
    proto_buf_put_u32(&offer, 10);
    const char *mech;
    while ((mech = proto_read_str(&r)) && *mech)
        if (strcmp(mech, "SCRAM-SHA-256-PLUS") != 0)
            proto_buf_put_str(&offer, mech);
    proto_buf_put_u8(&offer, 0);
    proto_msg_end(&offer, at);
    bool ok = !r.bad && r.p == r.end;
    if (ok)
        proto_out_copy(out, offer.data, offer.len);
    proto_buf_free(&offer);
    s->sasl_stripped = ok;
    return ok ? PROTO_CONSUMED : PROTO_FORWARD;
}

/* The client's SASLInitialResponse, when channel binding was taken out of the offer: a
 * client on TLS that supports binding says so ('y': "the server offered none"), and a
 * server on TLS then refuses it as a downgrade attack, without saying what to do. */
static proto_verdict on_sasl_response(session *s, const proto_msg *m)
{
    s->sasl_stripped = false; /* only the first response names the mechanism */
    proto_reader r = proto_reader_init(m->data, m->len);
    const char *mech = proto_read_str(&r);
    proto_read_u32(&r);
    const uint8_t *flag = proto_read_bytes(&r, 1);
    if (r.bad || strcmp(mech, "SCRAM-SHA-256") != 0 || *flag != 'y')
        return PROTO_FORWARD;
    reject(s, "08P01",
           "SCRAM channel binding cannot cross tombstone: TLS ends at the proxy, and a server "
           "on TLS refuses a client that supports channel binding but is not offered it; "
           "connect with channel_binding=disable, or see the README (TLS, channel binding)");
    return PROTO_CONSUMED;
}

/* query_timeout canceled the server's statement: its error says so, instead of "canceling
 * statement due to user request". */
static proto_verdict reword_cancel(session *s, const proto_msg *m, proto_out *out)
{
    s->canceled = false;
    const char *code = proto_error_field(m->data, m->len, 'C');
    if (!code || strcmp(code, "57014") != 0)
        return track_server_message(&s->track, m, out);
    char text[128];
    snprintf(text, sizeof text, "canceling statement due to query_timeout (%g s, tombstone)",
             s->conf->cfg.query_timeout);
    proto_error_change change = {'M', text};
    proto_buf b = {0};
    proto_build_error_edit(&b, m->data, m->len, &change, 1);
    proto_msg edited = {m->type, b.data, b.len, b.len};
    if (track_server_message(&s->track, &edited, out) == PROTO_FORWARD)
        proto_out_copy(out, b.data, b.len);
    proto_buf_free(&b);
    return PROTO_CONSUMED;
}

/* ---- the admin console ------------------------------------------------------------------
 * A client of the virtual database "tombstone" (admin/admin.h) logs in exactly as any
 * client, relayed to admin_auth_db's server; once that server says yes (its first
 * ReadyForQuery), the proxy leaves it and answers the client itself. */

static void note_error(session *s, const proto_msg *m);
static void connect_server(session *s);

static adm_status console_run(void *owner, const adm_command *cmd, adm_table *t, adm_error *err)
{
    session *s = owner;
    return s->env->console(s->env->owner, s, cmd, t, err);
}

static const adm_ops console_ops = {console_run};

/* admin_users may do everything, stats_users only look; anyone else is refused before
 * anything reaches a server. */
static void begin_console(session *s, proto_startup *st)
{
    const conf_config *c = &s->conf->cfg;
    bool admin = conf_list_has(&c->admin_users, s->user);
    if (!admin && !conf_list_has(&c->stats_users, s->user)) {
        reject(s, "28000",
               "user \"%s\" may not use the tombstone console: it is in neither admin_users "
               "nor stats_users",
               s->user);
        return;
    }
    const char *auth = conf_admin_auth_db(c);
    const conf_db *db = conf_find_db(c, auth);
    if (!db || !proto_startup_set(st, "database", db->dbname ? db->dbname : auth)) {
        reject(s, "3D000", "admin_auth_db \"%s\" is not configured", auth);
        return;
    }
    s->console = true;
    s->db = db;
    s->upstream = config_upstream(s->conf, db);
    adm_conv_init(&s->adm, admin ? ADM_ROLE_ADMIN : ADM_ROLE_STATS, &console_ops, s);
    proto_build_startup(&s->startup, st);
    SESSION_LOG(CONF_LOG_INFO, s, "console login (%s) relayed to %s", admin ? "admin" : "stats",
                s->upstream->label);
    connect_server(s);
}

/* The server's messages while it authenticates a console client: they reach the client,
 * but the server's key (the proxy answers this client, not that server) and its first
 * ReadyForQuery, after which the client is the console's. */
static proto_verdict console_login_message(session *s, const proto_msg *m)
{
    if (m->type == PROTO_BE_BACKEND_KEY)
        return PROTO_CONSUMED;
    if (m->type == PROTO_BE_ERROR)
        note_error(s, m);
    if (m->type == PROTO_BE_READY && s->state == SESSION_AUTH) {
        s->state = SESSION_CONSOLE;
        event_del(&s->timer); /* client_login_timeout is over */
    }
    return PROTO_FORWARD;
}

/* After the walk that forwarded the login's end (closing the server inside it would lose
 * what it forwards): the server connection is done with. */
static void drop_console_server(session *s)
{
    proto_buf b = {0};
    proto_build_terminate(&b);
    relay_send(&s->server, b.data, b.len);
    proto_buf_free(&b);
    relay_flush_now(&s->server);
    relay_close(&s->server);
    SESSION_LOG(CONF_LOG_INFO, s, "%s", "console session started");
}

static proto_verdict console_message(session *s, const proto_msg *m)
{
    proto_buf b = {0};
    adm_conv_message(&s->adm, m, &b);
    relay_send(&s->client, b.data, b.len);
    proto_buf_free(&b);
    if (s->adm.terminated)
        session_close(s, "client terminated");
    return PROTO_CONSUMED;
}

void session_console_finish(session *s, const adm_error *err)
{
    if (s->dead || !s->adm.waiting)
        return;
    proto_buf b = {0};
    adm_conv_finish(&s->adm, err, &b);
    relay_send(&s->client, b.data, b.len);
    proto_buf_free(&b);
    session_wake(s); /* the client's next messages waited */
}

/* ---- the server's messages ----------------------------------------------------------- */

/* The time from a client's request to the ReadyForQuery that answers it, from the loop's
 * cached clock (no system call per message). */
static void time_request(session *s)
{
    struct timeval now;
    event_base_gettimeofday_cached(s->env->base, &now);
    int64_t us = (int64_t)(now.tv_sec - s->request_at.tv_sec) * 1000000 +
                 (now.tv_usec - s->request_at.tv_usec);
    st_hist_add(&s->track.stats->query_time, us > 0 ? (uint64_t)us : 0);
    s->timing = false;
}

/* A ReadyForQuery (the track has seen it, and consumed it when it was the proxy's own).
 * Returns true when it is held back because an internal query runs now. */
static bool ready_for_query(session *s, const proto_msg *m, bool consumed)
{
    if (s->state == SESSION_AUTH) {
        SESSION_LOG(CONF_LOG_DEBUG, s, "authenticated, server pid %u", s->backend_pid);
        /* only now: a database name nobody logged in to never costs the proxy memory */
        s->catalog = catalog_of(s->env->catalogs, s->upstream->label, upstream_dbname(s));
        s->track.stats = st_db_of(s->env->stats, s->database); /* likewise */
        s->state = SESSION_READY;
        if (!s->timed)
            event_del(&s->timer); /* client_login_timeout is over, and no other applies */
    }
    if (s->timing && s->track.syncs_pending == 0)
        time_request(s);
    if (s->env->pauses)
        s->env->settled(s->env->owner);
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
    if (s->dead || s->server.phase != RELAY_OPEN || s->state == SESSION_CONSOLE)
        return PROTO_HOLD;   /* closed: never taken; TLS starting: what follows came in clear */
    if (s->internal_running) /* asynchronous messages still reach the client */
        return type == PROTO_BE_NOTIFICATION || type == PROTO_BE_PARAMETER_STATUS ? PROTO_PASS
                                                                                  : PROTO_WHOLE;
    if (type == PROTO_BE_BACKEND_KEY)
        return PROTO_WHOLE;
    /* authentication: the requests (SASL's offer may change), the settings, errors and the
     * first ReadyForQuery are followed */
    return type == PROTO_BE_READY || type == PROTO_BE_ERROR || type == PROTO_BE_PARAMETER_STATUS ||
                   type == PROTO_BE_AUTHENTICATION
               ? PROTO_WHOLE
               : PROTO_PASS;
}

static proto_verdict server_message(void *arg, const proto_msg *m, proto_out *out)
{
    session *s = arg;
    if (s->internal_running)
        return internal_message(s, m, out);
    if (s->ssl_answer_due)
        return on_ssl_answer(s, m);
    if (m->type == PROTO_BE_AUTHENTICATION)
        return on_auth_request(s, m, out);
    if (s->console)
        return console_login_message(s, m);
    if (m->type == PROTO_BE_ERROR && s->canceled)
        return reword_cancel(s, m, out);
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

/* Connects to the server; what goes first is an SSLRequest when the mode asks for TLS
 * (prefer and above: allow is plain, as in PgBouncer), else the startup packet. PostgreSQL
 * has no TLS on Unix sockets: there prefer goes in clear and require is refused. */
static void connect_server(session *s)
{
    s->server_sslmode = conf_db_sslmode(&s->conf->cfg, s->db);
    if (s->upstream->addr.ss_family == AF_UNIX && s->server_sslmode >= CONF_SSL_REQUIRE) {
        reject(s, "08006", "server %s is a Unix socket, where PostgreSQL has no TLS (sslmode %s)",
               s->upstream->label, conf_sslmode_name(s->server_sslmode));
        return;
    }
    int fd = net_connect(s->upstream);
    if (fd < 0) {
        reject(s, "08006", "could not connect to server %s: %s", s->upstream->label,
               strerror(errno));
        return;
    }
    net_keepalive(fd, &s->conf->cfg);
    if (s->server_sslmode >= CONF_SSL_PREFER && s->upstream->addr.ss_family != AF_UNIX) {
        proto_buf_put(&s->server.pending, ssl_request, sizeof ssl_request);
        s->server.framer.untyped = s->server.framer.one_byte = true;
        s->ssl_answer_due = true;
    } else {
        proto_buf_put(&s->server.pending, s->startup.data, s->startup.len);
        proto_buf_free(&s->startup);
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
    if (strcmp(db_name, ADM_DATABASE) == 0) {
        begin_console(s, st);
        return;
    }
    const conf_db *db = conf_find_db(&s->conf->cfg, db_name);
    if (!db) {
        reject(s, "3D000", "database \"%s\" is not configured in tombstone's [databases]", db_name);
        return;
    }
    char why[256];
    if (s->env->admit(s->env->owner, s, db, why, sizeof why)) {
        reject(s, "53300", "%s", why);
        return;
    }
    s->admitted = true;
    s->db = db;
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
        proto_build_startup(&s->startup, st);
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

/* An SSLRequest: 'S' and the handshake when TLS to clients is on (the relay refuses what
 * the client sent after the request in clear), else 'N' and the client goes on in clear or
 * gives up. */
static void accept_ssl_request(session *s)
{
    if (s->client.tls) {
        reject(s, "08P01", "SSLRequest inside TLS");
        return;
    }
    if (!s->conf->accepting) {
        relay_send(&s->client, "N", 1);
        return;
    }
    relay_send(&s->client, "S", 1);
    s->state = SESSION_HANDSHAKE;
    relay_start_tls(&s->client, tls_accept(s->conf->accepting, s->client.fd));
}

/* client_tls_sslmode: require and above refuse clients in clear; verify-full also wants the
 * certificate's common name to be the user name (PostgreSQL's clientcert=verify-full). */
static bool client_may_log_in(session *s, const proto_startup *st)
{
    conf_sslmode mode = s->conf->cfg.client_tls.sslmode;
    if (mode >= CONF_SSL_REQUIRE && !s->client.tls) {
        reject(s, "28000",
               "tombstone accepts TLS connections only (client_tls_sslmode = %s): connect "
               "with sslmode=require or stronger",
               conf_sslmode_name(mode));
        return false;
    }
    const char *user = proto_startup_get(st, "user");
    char cn[256];
    if (mode == CONF_SSL_VERIFY_FULL && user &&
        (!tls_peer_common_name(s->client.tls, cn, sizeof cn) || strcmp(cn, user) != 0)) {
        reject(s, "28000",
               "certificate authentication failed for user \"%s\": the client certificate's "
               "common name is not the user name (client_tls_sslmode = verify-full)",
               user);
        return false;
    }
    return true;
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
        accept_ssl_request(s);
        return;
    case PROTO_STARTUP_GSSENC:
        relay_send(&s->client, "N", 1); /* no GSSAPI encryption: the client goes on */
        return;
    case PROTO_STARTUP_CANCEL:
        s->env->cancel(s->env->owner, st.cancel_pid, st.cancel_key);
        session_close(s, "cancel request");
        return;
    case PROTO_STARTUP_V3:
        s->client.framer.untyped = false;
        if (client_may_log_in(s, &st))
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
    default: /* connecting, or the TLS handshake: nothing is taken */
        return false;
    }
}

/* A message type a client may send (the startup packet apart). */
static bool frontend_type(uint8_t type)
{
    return type && strchr("BCdcfDEHFPpQSX", type);
}

/* Messages that are rewritten (Query, Parse), or may prepare a statement again (Bind). */
static bool needs_snapshot(uint8_t type)
{
    return type == PROTO_FE_QUERY || type == PROTO_FE_PARSE || type == PROTO_FE_BIND;
}

/* The client's messages before it is logged in: garbage is refused at once (client_message)
 * instead of being held; a SASLInitialResponse may have to be looked at. */
static proto_policy login_policy(session *s, uint8_t type, size_t msg_len)
{
    if ((s->state == SESSION_CONNECTING || s->state == SESSION_AUTH) && !s->dead &&
        !frontend_type(type))
        return PROTO_PEEK;
    if (!takes_client_message(s, type))
        return PROTO_HOLD;
    return s->sasl_stripped && msg_len <= PROTO_PEEK_MAX ? PROTO_WHOLE : PROTO_PASS;
}

static proto_policy client_policy(void *arg, uint8_t type, size_t msg_len)
{
    session *s = arg;
    if (s->state == SESSION_CONSOLE)
        return s->dead || s->adm.waiting ? PROTO_HOLD : PROTO_WHOLE;
    if (s->state != SESSION_READY)
        return login_policy(s, type, msg_len);
    if (!takes_client_message(s, type))
        return PROTO_HOLD;
    /* PAUSE: a statement that would start now waits; one under way goes on */
    s->pause_held = s->env->pauses && !s->track.syncs_pending && !s->track.unsynced &&
                    s->env->paused(s->env->owner, s);
    if (s->pause_held)
        return PROTO_HOLD;
    if (!s->timing) {
        s->timing = true;
        event_base_gettimeofday_cached(s->env->base, &s->request_at);
    }
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
    if (s->state == SESSION_CONSOLE)
        return console_message(s, m);
    if (s->state != SESSION_READY && m->type != PROTO_FE_PASSWORD) {
        reject(s, "08P01", "invalid frontend message type %d", m->type);
        return PROTO_CONSUMED;
    }
    if (s->state != SESSION_READY)
        return on_sasl_response(s, m);
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
    secured,
};
static const relay_ops server_ops = {
    {server_policy, server_message},
    connection_lost,
    protocol_violation,
    server_connected,
    on_event_done,
    secured,
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
    proto_framer_limit(&s->client.framer, (uint32_t)conf->cfg.max_packet_size);
    proto_framer_limit(&s->server.framer, (uint32_t)conf->cfg.max_packet_size);
    event_assign(&s->kick, env->base, -1, 0, on_kick, s);
    evtimer_assign(&s->timer, env->base, on_timer, s);
    const conf_config *c = &conf->cfg;
    s->timed =
        c->client_idle_timeout > 0 || c->idle_transaction_timeout > 0 || c->query_timeout > 0;
    net_keepalive(fd, c);
    relay_attach(&s->client, fd);
    note_phase(s); /* client_login_timeout starts */
    return s;
}

/* ---- statistics ------------------------------------------------------------------------- */

bool session_running(const session *s)
{
    return s->state == SESSION_READY && !s->dead &&
           (s->track.syncs_pending > 0 || s->track.unsynced || s->internal_running);
}

static st_client_state client_state(const session *s)
{
    if (s->state < SESSION_READY)
        return ST_CLIENT_LOGIN;
    if (s->waiting || s->pause_held)
        return ST_CLIENT_WAITING;
    if (s->state == SESSION_READY && session_running(s))
        return ST_CLIENT_ACTIVE;
    return s->track.tx_status == 'T' || s->track.tx_status == 'E' ? ST_CLIENT_IDLE_TX
                                                                  : ST_CLIENT_IDLE;
}

void session_describe(const session *s, st_report_client *c)
{
    bool server = s->upstream && !relay_closed(&s->server);
    *c = (st_report_client){
        .peer = s->peer,
        .database = s->database,
        .user = s->user,
        .state = client_state(s),
        .wait = s->pause_held ? "pause" : "catalog",
        .console = s->console,
        .tls = s->client.tls != NULL,
        .connected = elapsed(s),
        .server = server ? s->upstream->label : NULL,
        .server_tls = server && s->server.tls,
        .server_pid = server ? s->backend_pid : 0,
        .bytes_in = s->client.bytes_read,
        .bytes_out = s->server.bytes_read,
    };
}
