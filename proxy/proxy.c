/* proxy/proxy.c — one worker: its event loop, its listening sockets, its sessions (and
 * routing CancelRequests among every worker's), reloads, signals and shutdown. With
 * `workers = 1` it is the whole process; with more, proxy/workers.c forks one per worker
 * and forwards signals to them. It owns everything else in proxy/; they call back up only
 * through the callbacks it gives them. */
#include "proxy/proxy.h"

#include <signal.h>
#include <stdio.h>
#include <unistd.h>

#include <event2/event.h>

#include "proxy/cancel.h"
#include "proxy/catalog.h"
#include "proxy/log.h"
#include "proxy/relay.h"
#include "proxy/session.h"
#include "rewrite/cache.h"

struct proxy {
    struct event_base *base;
    const proxy_worker *w;
    config *conf;
    int capacity; /* max_client_conn at the start: the shared table's size */
    listener *listeners;
    session *sessions; /* doubly linked through session.prev/next */
    int nsessions;
    bool stopping; /* SIGTERM: no new clients; the loop ends when the last session does */
    struct event *signals[3];
    struct event *stop_timer;
    struct event *tick;   /* catalogs due for a refresh (start_tick) */
    double tick_period;   /* its period, in seconds */
    struct event *wake;   /* another worker changed the shared catalog state */
    catalog_set catalogs; /* "upstream/dbname" → catalog */
    session_env env;      /* what every session gets */
};

static void start_tick(proxy *px);

/* ---- configuration ------------------------------------------------------------------------ */

/* Re-reads the file in this worker: new sessions use the new [databases]; timeouts, limits,
 * the log and the catalog settings apply at once; a bad file changes nothing. */
static bool reload_here(proxy *px, char *err, size_t errlen)
{
    bool report = px->w->supervisor == 0; /* else the supervisor reported it */
    config *c = config_reload(px->w->conf_path, px->conf, px->capacity, px->w->verbose, report, err,
                              errlen);
    if (!c)
        return false;
    bool softdelete = conf_softdelete_changed(&px->conf->cfg, &c->cfg);
    config_unref(px->conf);
    px->conf = c;
    if (softdelete)
        catalog_mark_all_stale(&px->catalogs);
    if (event_pending(px->tick, EV_TIMEOUT, NULL) || c->cfg.schema_refresh > 0)
        start_tick(px); /* with the period epoch_interval now asks for */
    for (session *s = px->sessions; s; s = s->next)
        session_reconfigured(s);
    if (!report)
        log_info("worker %d: configuration reloaded", px->w->worker);
    return true;
}

bool proxy_reload(proxy *px, char *err, size_t errlen)
{
    if (px->w->supervisor == 0)
        return reload_here(px, err, errlen);
    config *c = config_load(px->w->conf_path, err, errlen); /* said now, to the caller */
    if (!c)
        return false;
    config_unref(c);
    kill(px->w->supervisor, SIGHUP); /* it re-reads the file and tells every worker */
    return true;
}

/* ---- sessions --------------------------------------------------------------------------- */

static bool on_client(void *owner, int fd, const struct sockaddr *peer)
{
    proxy *px = owner;
    int slot = shared_client_add(px->w->shared, px->w->worker, px->conf->cfg.max_client_conn);
    if (slot < 0) {
        char who[64];
        net_format_peer(peer, who, sizeof who);
        log_info("connection from %s refused: max_client_conn (%d) reached", who,
                 px->conf->cfg.max_client_conn);
        return false;
    }
    session *s = session_start(&px->env, px->conf, fd, peer);
    s->slot = slot;
    s->next = px->sessions;
    if (s->next)
        s->next->prev = s;
    px->sessions = s;
    px->nsessions++;
    return true;
}

static void on_session_closed(void *owner, session *s)
{
    proxy *px = owner;
    if (s->prev)
        s->prev->next = s->next;
    else
        px->sessions = s->next;
    if (s->next)
        s->next->prev = s->prev;
    s->prev = s->next = NULL;
    px->nsessions--;
    shared_client_remove(px->w->shared, px->w->worker, s->slot);
    rw_cache_trim(px->env.rewrites); /* a huge statement's rewrite must not outlive it */
    if (px->stopping && px->nsessions == 0)
        event_base_loopexit(px->base, NULL);
}

/* max_db_connections and max_user_connections, counted over every worker's sessions with
 * the same database name, and with the same user. */
static const char *on_admit(void *owner, const session *s, const conf_db *db, char *why,
                            size_t whylen)
{
    proxy *px = owner;
    int db_max = conf_db_max_connections(&px->conf->cfg, db);
    int user_max = px->conf->cfg.max_user_connections;
    shared_admission a =
        shared_admit(px->w->shared, px->w->worker, s->slot, shared_hash(s->database), db_max,
                     shared_hash(s->user), user_max);
    if (a == SHARED_DB_FULL)
        snprintf(why, whylen, "too many connections for database \"%s\" (max_db_connections = %d)",
                 s->database, db_max);
    else if (a == SHARED_USER_FULL)
        snprintf(why, whylen, "too many connections for role \"%s\" (max_user_connections = %d)",
                 s->user, user_max);
    else
        return NULL;
    return why;
}

/* The server's cancel key goes in the shared table: a CancelRequest may reach any worker. */
static void on_server_key(void *owner, session *s)
{
    proxy *px = owner;
    shared_client_key(px->w->shared, px->w->worker, s->slot, s->backend_pid, s->backend_key,
                      &s->upstream->addr, s->upstream->len);
}

/* A CancelRequest goes to the server of the session, on whichever worker, that has this
 * key; if none has it (another instance's client), to every distinct upstream once. */
static void on_cancel(void *owner, uint32_t pid, uint32_t key)
{
    proxy *px = owner;
    net_addr to = {0};
    if (shared_cancel_find(px->w->shared, pid, key, &to.addr, &to.len)) {
        net_format_peer((struct sockaddr *)&to.addr, to.label, sizeof to.label);
        log_info("cancel request for server pid %u sent to %s", pid, to.label);
        cancel_send(px->base, &to, pid, key);
        return;
    }
    const config *c = px->conf;
    for (int i = 0; i < c->cfg.ndbs; i++) {
        bool seen = false;
        for (int j = 0; j < i && !seen; j++)
            seen = net_same_addr(&c->upstream[i], &c->upstream[j]);
        if (!seen)
            cancel_send(px->base, &c->upstream[i], pid, key);
    }
    log_info("cancel request for unknown server pid %u sent to every upstream", pid);
}

static void on_tick(evutil_socket_t fd, short what, void *arg)
{
    proxy *px = arg;
    (void)fd;
    (void)what;
    bool watched = catalog_tick(&px->catalogs, &px->conf->cfg);
    if (!watched && px->conf->cfg.schema_refresh <= 0)
        event_del(px->tick); /* nothing to follow: no timer costs the loop a clock read */
}

/* The tick runs while a catalog must be followed (schema_refresh, or an epoch): four times
 * an epoch_interval (at most a second), so that an epoch read falls due at most a quarter
 * of it late, whenever the last read was. Added again, it restarts with the period the
 * configuration now says. */
static void start_tick(proxy *px)
{
    double t = px->conf->cfg.epoch_interval;
    t = (t <= 0 || t > 1 ? 1 : t) / 4;
    struct timeval period = {(time_t)t, (suseconds_t)((t - (double)(time_t)t) * 1e6)};
    if (!event_pending(px->tick, EV_TIMEOUT, NULL) || px->tick_period != t)
        event_add(px->tick, &period);
    px->tick_period = t;
}

/* A catalog load ended: the sessions whose statements wait for it look again. */
static void on_catalog_loaded(void *owner, catalog *db)
{
    proxy *px = owner;
    if (catalog_has_epoch(db))
        start_tick(px);
    for (session *s = px->sessions; s; s = s->next)
        if (s->catalog == db && (s->waiting || track_split_due(&s->track)))
            session_wake(s);
}

/* Another worker sent DDL, or its DDL was answered: the sessions of this worker waiting
 * with a statement look again at the shared state. */
static void on_wake(evutil_socket_t fd, short what, void *arg)
{
    proxy *px = arg;
    (void)what;
    uint64_t n;
    (void)!read(fd, &n, sizeof n);
    for (session *s = px->sessions; s; s = s->next)
        if (s->catalog && (s->waiting || track_split_due(&s->track)))
            session_wake(s);
}

void proxy_wake_workers(const proxy_worker *w, int except)
{
    const uint64_t one = 1;
    for (int i = 0; i < w->workers; i++)
        if (i != except)
            (void)!write(w->wake_fds[i], &one, sizeof one);
}

/* The shared catalog state changed here: the other workers look again. */
static void on_catalogs_changed(void *owner)
{
    proxy *px = owner;
    proxy_wake_workers(px->w, px->w->worker);
}

static void close_all_sessions(proxy *px)
{
    while (px->sessions)
        session_terminate(px->sessions, "57P01",
                          "terminating connection due to administrator command");
}

/* ---- signals and shutdown ------------------------------------------------------------------ */

static void on_stop_timeout(evutil_socket_t fd, short what, void *arg)
{
    proxy *px = arg;
    (void)fd;
    (void)what;
    log_info("shutdown_timeout reached: closing %d remaining sessions", px->nsessions);
    close_all_sessions(px);
}

/* SIGTERM: accept no one new, let the sessions end by themselves, within shutdown_timeout. */
static void stop_gracefully(proxy *px)
{
    if (px->stopping)
        return;
    px->stopping = true;
    listener_close_all(&px->listeners);
    log_info("SIGTERM: waiting for %d sessions to end (shutdown_timeout %g s)", px->nsessions,
             px->conf->cfg.shutdown_timeout);
    if (px->nsessions == 0) {
        event_base_loopexit(px->base, NULL);
        return;
    }
    double t = px->conf->cfg.shutdown_timeout;
    struct timeval timeout = {(time_t)t, (suseconds_t)((t - (double)(time_t)t) * 1e6)};
    px->stop_timer = evtimer_new(px->base, on_stop_timeout, px);
    evtimer_add(px->stop_timer, &timeout);
}

static void on_signal(evutil_socket_t sig, short what, void *arg)
{
    proxy *px = arg;
    (void)what;
    char err[CONF_ERR_MAX];
    if (sig == SIGHUP) {
        reload_here(px, err, sizeof err);
    } else if (sig == SIGTERM) {
        stop_gracefully(px);
    } else {
        log_info("SIGINT: closing %d sessions now", px->nsessions);
        px->stopping = true;
        listener_close_all(&px->listeners);
        close_all_sessions(px);
        event_base_loopexit(px->base, NULL);
    }
}

/* ---- the worker ------------------------------------------------------------------------- */

static void setup(proxy *px)
{
    static const int sigs[] = {SIGTERM, SIGINT, SIGHUP};
    px->tick = event_new(px->base, -1, EV_PERSIST, on_tick, px);
    if (px->conf->cfg.schema_refresh > 0)
        start_tick(px);
    sigset_t set;
    sigemptyset(&set);
    for (int i = 0; i < 3; i++) {
        px->signals[i] = evsignal_new(px->base, sigs[i], on_signal, px);
        event_add(px->signals[i], NULL);
        sigaddset(&set, sigs[i]);
    }
    /* a forked worker starts with them blocked (proxy/workers.c): one sent before now waited */
    sigprocmask(SIG_UNBLOCK, &set, NULL);
    if (px->w->workers > 1) {
        px->wake =
            event_new(px->base, px->w->wake_fds[px->w->worker], EV_READ | EV_PERSIST, on_wake, px);
        event_add(px->wake, NULL);
    }
    listener_start(&px->listeners, px->base, px->w->sockets, px->w->worker, on_client, px);
}

static void teardown(proxy *px)
{
    listener_close_all(&px->listeners);
    close_all_sessions(px);
    cancel_cleanup();
    relay_cleanup();
    for (int i = 0; i < 3; i++)
        if (px->signals[i])
            event_free(px->signals[i]);
    if (px->stop_timer)
        event_free(px->stop_timer);
    if (px->tick)
        event_free(px->tick);
    if (px->wake)
        event_free(px->wake);
    catalog_free_all(&px->catalogs);
    rw_cache_free(px->env.rewrites);
    config_unref(px->conf);
    event_base_free(px->base);
}

/* The loop. With several workers, after each round of events this worker is marked idle in
 * the handshake of shared.h (whatever path a session took, none leaves it "active" while it
 * sleeps: another worker's DDL would wait for it for ever). */
static void run_loop(proxy *px)
{
    if (px->w->workers == 1) {
        event_base_dispatch(px->base);
        return;
    }
    while (event_base_loop(px->base, EVLOOP_ONCE) == 0 && !event_base_got_exit(px->base))
        shared_leave(px->w->shared, px->w->worker);
}

int proxy_run(const proxy_worker *w)
{
    proxy px = {.w = w, .conf = config_ref(w->conf), .capacity = w->conf->cfg.max_client_conn};
    px.base = event_base_new();
    if (!px.base) {
        log_error("cannot create the event loop");
        config_unref(px.conf);
        return 1;
    }
    px.catalogs = (catalog_set){
        .shared = w->shared,
        .worker = w->worker,
        .changed = on_catalogs_changed,
        .owner = &px,
    };
    px.env = (session_env){
        .base = px.base,
        .rewrites = rw_cache_new((size_t)px.conf->cfg.rewrite_cache_mb << 20),
        .catalogs = &px.catalogs,
        .current = &px.conf,
        .owner = &px,
        .closed = on_session_closed,
        .server_key = on_server_key,
        .cancel = on_cancel,
        .catalog_loaded = on_catalog_loaded,
        .admit = on_admit,
    };
    setup(&px);
    run_loop(&px);
    teardown(&px);
    return 0;
}
