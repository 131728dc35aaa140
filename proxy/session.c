/* proxy/session.c — a client and its server connection: the startup packet, routing to an
 * upstream, relayed authentication, the bookkeeping that must see every message (sync
 * points, BackendKeyData, fatal errors), internal queries, and the end of the session. */
#include "proxy/session.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event2/event.h>

#include "proxy/cancel.h"
#include "proxy/catalog.h"
#include "proxy/hooks.h"
#include "proxy/log.h"

struct internal_query {
    internal_query *next;
    session_row_fn on_row;
    session_done_fn on_done;
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
    if (!b.oom)
        relay_send(s, &s->client, b.data, b.len);
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
 * the current event callback returns (session_after_event), since a walk may still be
 * running over this session's buffers. */
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
    proxy_remove_session(s->px, s);
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
    search_path_free(&s->path);
    prepared_clear(&s->statements);
    prepared_clear(&s->portals);
    expect_free(&s->expect);
    proxy_conf_unref(s->conf);
    free(s->search_path);
    free(s->user);
    free(s->database);
    free(s);
}

void session_after_event(session *s)
{
    if (s->dead)
        session_free(s);
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
    if (s->state < SESSION_AUTH || s->client_terminated)
        return;
    if ((s->syncs_pending > 0 || s->internal_running) && s->backend_pid) {
        cancel_send(s->px, s->upstream, s->backend_pid, s->backend_key);
    } else if (proto_framer_at_boundary(&s->client.framer)) {
        static const uint8_t terminate[] = {'X', 0, 0, 0, 4};
        relay_send(s, &s->server, terminate, sizeof terminate);
    }
}

void session_connection_lost(session *s, conn *c, const char *why)
{
    if (s->dead)
        return;
    if (c == &s->client) {
        release_server(s);
        session_close(s, s->client_terminated ? "client terminated" : "client disconnected");
        return;
    }
    /* Unless the server already said why (a FATAL error), tell the client, if an error
     * message can go in between two of the messages already sent to it. */
    if (!s->server_fatal && !s->client_terminated && proto_framer_at_boundary(&s->server.framer))
        send_error(s, "FATAL", "08006", "server closed the connection unexpectedly");
    char reason[128];
    snprintf(reason, sizeof reason, "server connection: %s", why);
    session_close(s, s->server_fatal ? "server sent a fatal error" : reason);
}

void session_protocol_error(session *s, conn *c, const char *why)
{
    if (c == &s->client && proto_framer_at_boundary(&s->server.framer))
        send_error(s, "FATAL", "08P01", why);
    char reason[128];
    snprintf(reason, sizeof reason, "protocol violation from the %s: %s",
             c == &s->client ? "client" : "server", why);
    release_server(s);
    session_close(s, reason);
}

void session_terminate(session *s, const char *sqlstate, const char *message)
{
    if (s->state == SESSION_READY && proto_framer_at_boundary(&s->server.framer))
        send_error(s, "FATAL", sqlstate, message);
    release_server(s);
    session_close(s, message);
    session_free(s);
}

/* ---- internal queries ------------------------------------------------------------------ */

static bool server_idle(const session *s)
{
    return s->state == SESSION_READY && s->syncs_pending == 0 && !s->client_unsynced &&
           s->tx_status == 'I' && !s->internal_running;
}

static void start_internal(session *s)
{
    proto_buf b = {0};
    proto_build_query(&b, s->internal->sql);
    if (!b.oom)
        relay_send(s, &s->server, b.data, b.len);
    proto_buf_free(&b);
    s->internal_running = true;
}

void session_run_internal_query(session *s, const char *sql, session_row_fn on_row,
                                session_done_fn on_done, void *arg)
{
    size_t len = strlen(sql) + 1;
    internal_query *q = calloc(1, sizeof *q + len);
    if (!q) {
        proto_error_fields oom = {.sqlstate = "53200", .message = "out of memory"};
        on_done(s, arg, &oom);
        return;
    }
    memcpy(q->sql, sql, len);
    q->on_row = on_row;
    q->on_done = on_done;
    q->arg = arg;
    internal_query **tail = &s->internal;
    while (*tail)
        tail = &(*tail)->next;
    *tail = q;
    if (server_idle(s))
        start_internal(s);
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
    s->internal = q->next;
    s->internal_running = false;
    proto_error_fields error;
    bool failed = q->error.len && proto_read_error(q->error.data, q->error.len, &error);
    q->on_done(s, q->arg, failed ? &error : NULL);
    free_internal(q);
    if (s->internal && server_idle(s)) {
        start_internal(s);
        return;
    }
    /* Done: what was held goes to the client in stream order, and the client is read again. */
    proto_out_copy(out, s->held.data, s->held.len);
    proto_buf_free(&s->held);
}

static proto_verdict internal_message(session *s, const proto_msg *m, proto_out *out)
{
    internal_query *q = s->internal;
    switch (m->type) {
    case 'D':
        if (!q->error.len)
            internal_row(s, q, m);
        break;
    case 'E':
        proto_buf_put(&q->error, m->data, m->len);
        break;
    case 'Z':
        finish_internal(s, out);
        break;
    }
    return PROTO_CONSUMED;
}

/* ---- the search_path, read after authentication ---------------------------------------- */

static void on_search_path_row(session *s, void *arg, int nfields, const char *const *fields)
{
    (void)arg;
    if (nfields == 1 && fields[0]) {
        free(s->search_path);
        s->search_path = strdup(fields[0]);
    }
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
    search_path_init(&s->path, error ? NULL : s->search_path, server_user(s));
    if (error)
        SESSION_LOG(CONF_LOG_WARNING, s, "cannot read the search_path: %s",
                    error->message ? error->message : "error");
    if (error || !log_enabled(CONF_LOG_DEBUG))
        return;
    char list[1024] = "";
    size_t used = 0;
    for (int i = 0; i < s->path.initial.n && used < sizeof list; i++)
        used += (size_t)snprintf(list + used, sizeof list - used, "%s%s", i ? "," : "",
                                 s->path.initial.v[i]);
    SESSION_LOG(CONF_LOG_DEBUG, s, "search_path resolved to {%s}", list);
}

/* ---- the server's messages ----------------------------------------------------------- */

static const char *upstream_dbname(const session *s)
{
    const conf_db *db = conf_find_db(&s->conf->cfg, s->database);
    return db && db->dbname ? db->dbname : s->database;
}

/* A ReadyForQuery: one sync point done. Returns true when it was held back because an
 * internal query runs now. */
static bool ready_for_query(session *s, const proto_msg *m)
{
    if (!proto_read_ready(m->data, m->len, &s->tx_status))
        return false;
    if (s->state == SESSION_AUTH) {
        SESSION_LOG(CONF_LOG_DEBUG, s, "authenticated, server pid %u", s->backend_pid);
        /* only now: a database name nobody logged in to never costs the proxy memory. Queued
         * while not yet ready, so that it runs below, before this ReadyForQuery goes on. */
        s->catalog = catalog_of(s->px, s->upstream->label, upstream_dbname(s));
        catalog_refresh(s, s->catalog);
        s->state = SESSION_READY;
    } else if (s->syncs_pending > 0) {
        s->syncs_pending--;
    }
    if (!s->internal || !server_idle(s))
        return false;
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

/* Encodings in which a character is a byte (PostgreSQL's names, as ParameterStatus gives
 * them); UTF8 is counted as UTF-8, the other multi-byte ones are not counted. */
static bool single_byte(const char *encoding)
{
    static const char *const prefixes[] = {"LATIN", "ISO_8859_", "WIN", "KOI8", NULL};
    for (const char *const *p = prefixes; *p; p++)
        if (strncmp(encoding, *p, strlen(*p)) == 0)
            return true;
    return false;
}

/* An error's position counts characters of the text as the server holds it: in the server
 * encoding, after conversion from the client's (which keeps characters), or bytes when the
 * server's is SQL_ASCII; a SQL_ASCII client's bytes are taken as they are. */
static rw_chars chars_of(const char *client, const char *server)
{
    const char *text = strcmp(client, "SQL_ASCII") == 0 ? server : client;
    if (strcmp(server, "SQL_ASCII") == 0)
        return RW_CHARS_BYTES;
    if (strcmp(text, "UTF8") == 0)
        return RW_CHARS_UTF8;
    return single_byte(text) ? RW_CHARS_BYTES : RW_CHARS_UNKNOWN;
}

/* ParameterStatus, at login and after SET: what the rewriter must know of the settings. */
static void parameter_status(session *s, const proto_msg *m)
{
    proto_reader r = proto_reader_init(m->data, m->len);
    const char *name = proto_read_str(&r), *value = proto_read_str(&r);
    if (r.bad)
        return;
    if (strcmp(name, "standard_conforming_strings") == 0)
        s->standard_strings = strcmp(value, "on") == 0;
    else if (strcmp(name, "client_encoding") == 0)
        snprintf(s->client_encoding, sizeof s->client_encoding, "%s", value);
    else if (strcmp(name, "server_encoding") == 0)
        snprintf(s->server_encoding, sizeof s->server_encoding, "%s", value);
    s->chars = chars_of(s->client_encoding, s->server_encoding);
}

static proto_policy server_policy(void *arg, uint8_t type, size_t msg_len)
{
    session *s = arg;
    (void)msg_len;
    if (s->dead)
        return PROTO_HOLD;   /* and never taken: nothing more of a closed session is read */
    if (s->internal_running) /* asynchronous messages still reach the client */
        return type == 'A' || type == 'S' ? PROTO_PASS : PROTO_WHOLE;
    if (type == 'K' || type == 'Z' || type == 'E' || type == 'S')
        return PROTO_WHOLE;
    return s->state == SESSION_READY ? hooks_server_policy(s, type) : PROTO_PASS;
}

static proto_verdict server_message(void *arg, const proto_msg *m, proto_out *out)
{
    session *s = arg;
    if (s->internal_running)
        return internal_message(s, m, out);
    if (m->type == 'K')
        proto_read_backend_key(m->data, m->len, &s->backend_pid, &s->backend_key);
    if (m->type == 'E')
        note_error(s, m);
    if (m->type == 'S')
        parameter_status(s, m);
    /* the hooks see every ReadyForQuery of a ready session, held back or not */
    proto_verdict v = s->state == SESSION_READY ? hooks_server_message(s, m, out) : PROTO_FORWARD;
    if (m->type == 'Z' && ready_for_query(s, m))
        return PROTO_CONSUMED;
    return v;
}

/* ---- the client's messages ----------------------------------------------------------- */

static void connect_server(session *s);

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
    s->user = strdup(user);
    s->database = strdup(db_name);
    const conf_db *db = conf_find_db(&s->conf->cfg, db_name);
    if (!db) {
        reject(s, "3D000", "database \"%s\" is not configured in tombstone's [databases]", db_name);
        return;
    }
    s->upstream = &s->conf->upstream[db - s->conf->cfg.dbs];
    if (!proto_startup_set(st, "database", db->dbname ? db->dbname : db_name) ||
        (db->user && !proto_startup_set(st, "user", db->user))) {
        reject(s, "08P01", "too many startup parameters");
        return;
    }
    proto_build_startup(&s->server.pending, st);
    SESSION_LOG(CONF_LOG_INFO, s, "login via %s", s->upstream->label);
    session_run_internal_query(s, "SELECT current_setting('search_path')", on_search_path_row,
                               on_search_path_done, NULL);
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
        relay_send(s, &s->client, "N", 1); /* no encryption yet; the client goes on in clear */
        return;
    case PROTO_STARTUP_CANCEL:
        cancel_route(s->px, st.cancel_pid, st.cancel_key);
        session_close(s, "cancel request");
        return;
    case PROTO_STARTUP_V3:
        s->client.framer.untyped = false;
        begin_login(s, &st);
        return;
    }
}

/* Notes sync points: each Query, Sync or FunctionCall gets one ReadyForQuery back. */
static void note_client_message(session *s, uint8_t type)
{
    switch (type) {
    case 'Q':
    case 'S':
    case 'F':
        s->syncs_pending++;
        s->client_unsynced = false;
        break;
    case 'P':
    case 'B':
    case 'E':
    case 'D':
    case 'C':
    case 'H':
        s->client_unsynced = true;
        break;
    case 'X':
        s->client_terminated = true;
        break;
    }
}

/* Can the session take this message of the client's now? Nothing reaches the server before
 * the proxy can rewrite it: until the login is done only the startup packet and the answers
 * to the server's authentication requests go through, and while the session runs a query
 * of its own the client waits. A closed session takes nothing more. */
static bool takes_client_message(const session *s, uint8_t type)
{
    if (s->dead)
        return false;
    switch (s->state) {
    case SESSION_STARTUP:
        return type == 0;
    case SESSION_AUTH:
        return type == 'p'; /* password, SASL or GSS response */
    case SESSION_READY:
        return !s->internal_running;
    default:
        return false;
    }
}

static proto_policy client_policy(void *arg, uint8_t type, size_t msg_len)
{
    session *s = arg;
    (void)msg_len;
    if (!takes_client_message(s, type))
        return PROTO_HOLD;
    note_client_message(s, type);
    return s->state == SESSION_READY ? hooks_client_policy(s, type) : PROTO_PASS;
}

static proto_verdict client_message(void *arg, const proto_msg *m, proto_out *out)
{
    session *s = arg;
    if (m->type == 0) {
        on_startup_packet(s, m);
        return PROTO_CONSUMED;
    }
    return hooks_client_message(s, m, out);
}

const proto_hooks session_client_hooks = {client_policy, client_message};
const proto_hooks session_server_hooks = {server_policy, server_message};

/* ---- connecting to the server ---------------------------------------------------------- */

static void on_server_connected(evutil_socket_t fd, short what, void *arg)
{
    session *s = arg;
    int err = 0;
    socklen_t len = sizeof err;
    s->server.writing = false; /* the one-shot connect event has fired */
    if (what & EV_TIMEOUT)
        err = ETIMEDOUT;
    else if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
        err = errno;
    if (err) {
        reject(s, "08006", "could not connect to server %s: %s", s->upstream->label, strerror(err));
    } else {
        s->state = SESSION_AUTH;
        relay_attach(s, &s->server, fd);
    }
    session_after_event(s);
}

static void connect_server(session *s)
{
    int fd = net_connect(s->upstream);
    if (fd < 0) {
        reject(s, "08006", "could not connect to server %s: %s", s->upstream->label,
               strerror(errno));
        return;
    }
    s->state = SESSION_CONNECTING;
    s->server.fd = fd;
    event_assign(&s->server.wr, s->px->base, fd, EV_WRITE, on_server_connected, s);
    double t = s->conf->cfg.server_connect_timeout;
    struct timeval timeout = {(time_t)t, (suseconds_t)((t - (double)(time_t)t) * 1e6)};
    event_add(&s->server.wr, t > 0 ? &timeout : NULL);
    s->server.writing = true;
}

/* ---- a new client ------------------------------------------------------------------------ */

void session_start(proxy *px, int fd, const struct sockaddr *peer)
{
    session *s = calloc(1, sizeof *s);
    if (!s) {
        close(fd);
        return;
    }
    s->px = px;
    s->conf = proxy_conf_ref(px->conf);
    s->server.fd = -1;
    s->client.framer.untyped = true;
    s->standard_strings = true;
    strcpy(s->client_encoding, "UTF8"); /* until the server says */
    strcpy(s->server_encoding, "UTF8");
    gettimeofday(&s->started, NULL);
    net_format_peer(peer, s->peer, sizeof s->peer);
    proxy_add_session(px, s);
    relay_attach(s, &s->client, fd);
}
