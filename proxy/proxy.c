/* proxy/proxy.c — one worker: its event loop, its listening sockets, its sessions (and
 * routing CancelRequests among every worker's), reloads, the console's commands and the
 * metrics page, signals and shutdown. With
 * `workers = 1` it is the whole process; with more, proxy/workers.c forks one per worker
 * and forwards signals to them. It owns everything else in proxy/; they call back up only
 * through the callbacks it gives them. */
#include "proxy/proxy.h"

#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "admin/show.h"
#include "common/mem.h"
#include "proxy/cancel.h"
#include "proxy/catalog.h"
#include "proxy/log.h"
#include "proxy/metrics.h"
#include "proxy/relay.h"
#include "proxy/report.h"
#include "proxy/session.h"
#include "rewrite/cache.h"
#include "stats/prometheus.h"

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
    struct event *tick;     /* catalogs due for a refresh (start_tick) */
    double tick_period;     /* its period, in seconds */
    struct event *wake;     /* another worker changed the shared catalog state */
    struct event *publish;  /* with several workers: this one's statistics, every second */
    catalog_set catalogs;   /* "upstream/dbname" → catalog */
    session_env env;        /* what every session gets */
    rw_map stats;           /* database name → st_db (stats/stats.h) */
    double start_time;      /* Unix time */
    metrics *metrics;       /* the Prometheus endpoint, or NULL */
    bool paused_all;        /* PAUSE without a database */
    rw_map paused;          /* database names under PAUSE (keys owned) */
    uint64_t pause_version; /* of the shared PAUSE state the two above were read from */
    uint64_t acked_version; /* what this worker acknowledged last (acknowledge_pauses) */
    int acked_running;
    uint64_t stats_answered; /* the newest statistics request this worker published for */
};

static void start_tick(proxy *px);
static void read_pauses(proxy *px);
static void acknowledge_pauses(proxy *px);
static void publish(proxy *px);

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
    if (px->env.pauses)
        px->env.settled(px);         /* a statement that ended with its session */
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
    read_pauses(px); /* or another worker's console paused or resumed */
    acknowledge_pauses(px);
    if (shared_stats_requested(px->w->shared) != px->stats_answered)
        publish(px); /* or asked for every worker's statistics */
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

/* ---- the console and the metrics ----------------------------------------------------------- */

/* A report of this worker alone. */
static void gather_here(proxy *px, st_report *r)
{
    report_sources src = {
        .version = TOMBSTONE_VERSION,
        .start_time = px->start_time,
        .sessions = px->sessions,
        .stats = &px->stats,
        .catalogs = &px->catalogs.map,
        .rewrites = px->env.rewrites,
        .paused_all = px->paused_all,
        .paused = &px->paused,
    };
    *r = (st_report){0};
    report_gather(r, &src);
}

/* The report the console and the metrics show: this worker's, with the per-database counters
 * and client counts every other worker published (fresh_rows) added. */
typedef struct {
    st_report r;
    shared_stat *others; /* the rows the report borrows names from */
} report;

static uint64_t monotonic_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Asks every other worker to publish its rows now and waits (yielding the CPU) until they
 * have, for at most STATS_WAIT_MS: a console command or a scrape then sees what was
 * counted up to the moment it came, not up to a second before. A worker waiting here answers
 * the others' requests too, so two consoles asking at once do not wait for each other. */
enum { STATS_WAIT_MS = 100 };

static void fresh_rows(proxy *px)
{
    uint64_t request = shared_stats_request(px->w->shared);
    proxy_wake_workers(px->w, px->w->worker);
    uint64_t deadline = monotonic_ns() + STATS_WAIT_MS * 1000000u;
    while (!shared_stats_answered(px->w->shared, px->w->worker, request) &&
           monotonic_ns() < deadline) {
        if (shared_stats_requested(px->w->shared) != px->stats_answered)
            publish(px);
        sched_yield();
    }
}

static void gather(proxy *px, report *g)
{
    g->others = NULL;
    int workers = px->w->workers;
    if (workers > 1)
        fresh_rows(px);
    gather_here(px, &g->r);
    if (workers < 2)
        return;
    int max = (workers - 1) * SHARED_STAT_DBS;
    g->others = mem_alloc((size_t)max * sizeof *g->others);
    int n = shared_stats_others(px->w->shared, px->w->worker, g->others, max);
    shared_stats_add(&g->r, g->others, n);
}

static void report_free(report *g)
{
    st_report_free(&g->r);
    free(g->others);
}

/* With several workers, each publishes its rows once a second for the others to report. */
static void publish(proxy *px)
{
    px->stats_answered = shared_stats_requested(px->w->shared); /* read before gathering */
    st_report r;
    gather_here(px, &r);
    shared_stats_publish(px->w->shared, px->w->worker, &r, px->stats_answered);
    st_report_free(&r);
}

static void on_publish(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    publish(arg);
}

static void metrics_page(void *owner, proto_buf *out)
{
    report g;
    gather(owner, &g);
    st_prometheus(&g.r, out);
    report_free(&g);
}

static bool on_paused(void *owner, const session *s)
{
    proxy *px = owner;
    return px->paused_all ||
           (s->database && rw_map_get(&px->paused, s->database, strlen(s->database)));
}

static void free_key(const char *key, void *value, void *arg)
{
    (void)value;
    (void)arg;
    free((char *)key);
}

/* PAUSE and RESUME are kept in the shared region (shared/pause.c), for every worker; this
 * worker's copy (paused_all, paused) is read again when their version moved. Sessions held
 * by a PAUSE that is over look again. */
static void read_pauses(proxy *px)
{
    uint64_t version = shared_pause_version(px->w->shared);
    if (version == px->pause_version)
        return;
    px->pause_version = version;
    char names[SHARED_PAUSES][SHARED_STAT_NAME];
    int n = shared_paused(px->w->shared, &px->paused_all, names, SHARED_PAUSES);
    rw_map_each(&px->paused, free_key, NULL);
    rw_map_free(&px->paused);
    for (int i = 0; i < n; i++)
        rw_map_put(&px->paused, mem_strdup(names[i]), strlen(names[i]), px);
    px->env.pauses = px->paused_all + (int)px->paused.n;
    for (session *s = px->sessions; s; s = s->next)
        if (s->pause_held && !on_paused(px, s))
            session_wake(s);
}

/* Says, for the PAUSE under way, how many statements of paused databases still run here;
 * the other workers are told when that changed, and a PAUSE of this worker's console is
 * answered once no worker runs any. */
static void acknowledge_pauses(proxy *px)
{
    int running = 0;
    for (session *s = px->sessions; s; s = s->next)
        running += px->env.pauses && session_running(s) && on_paused(px, s);
    if (px->acked_version != px->pause_version || px->acked_running != running) {
        px->acked_version = px->pause_version;
        px->acked_running = running;
        shared_pause_ack(px->w->shared, px->w->worker, px->pause_version, running);
        proxy_wake_workers(px->w, px->w->worker);
    }
    if (!shared_pause_settled(px->w->shared, px->pause_version))
        return;
    for (session *s = px->sessions; s; s = s->next)
        if (s->console && s->adm.waiting && s->adm.waiting_kind == ADM_PAUSE)
            session_console_finish(s, NULL);
}

/* A statement ended (or its session) while something is paused. */
static void on_settled(void *owner)
{
    acknowledge_pauses(owner);
}

static adm_status pause_db(proxy *px, const char *db, adm_error *err)
{
    if (!shared_pause(px->w->shared, db)) {
        err->sqlstate = "54000";
        snprintf(err->message, sizeof err->message,
                 "more than %d databases paused one by one: PAUSE them all instead", SHARED_PAUSES);
        return ADM_FAILED;
    }
    log_info("PAUSE %s: new statements wait for RESUME", *db ? db : "(all databases)");
    read_pauses(px);
    acknowledge_pauses(px);
    return shared_pause_settled(px->w->shared, px->pause_version) ? ADM_OK : ADM_LATER;
}

static void resume_db(proxy *px, const char *db)
{
    shared_resume(px->w->shared, db);
    log_info("RESUME %s", *db ? db : "(all databases)");
    read_pauses(px);
    acknowledge_pauses(px);
}

/* REFRESH SCHEMA [db]: the catalogs (of db's upstream database) are read again before the
 * next statement that uses them, in every worker (their staleness is shared). */
static void refresh_schema(proxy *px, const conf_db *db, const char *name)
{
    log_info("REFRESH SCHEMA %s", db ? name : "(all databases)");
    if (!db)
        catalog_mark_all_stale(&px->catalogs);
    else
        catalog_mark_stale(catalog_of(&px->catalogs, config_upstream(px->conf, db)->label,
                                      db->dbname ? db->dbname : name));
}

static void stop_gracefully(proxy *px);

/* A console command (admin/admin.h) the session's client may run. */
static adm_status on_console(void *owner, session *s, const adm_command *cmd, adm_table *t,
                             adm_error *err)
{
    proxy *px = owner;
    const conf_db *db = cmd->arg[0] ? conf_find_db(&px->conf->cfg, cmd->arg) : NULL;
    if (cmd->arg[0] && !db) {
        err->sqlstate = "3D000";
        snprintf(err->message, sizeof err->message, "database \"%.100s\" is not in [databases]",
                 cmd->arg);
        return ADM_FAILED;
    }
    if (!adm_is_show(cmd->kind))
        log_info("%s %s: console: %s %s", s->peer, s->user, adm_tag(cmd->kind), cmd->arg);
    switch (cmd->kind) {
    case ADM_RELOAD:
        err->sqlstate = "F0000";
        return proxy_reload(px, err->message, sizeof err->message) ? ADM_OK : ADM_FAILED;
    case ADM_REFRESH_SCHEMA:
        refresh_schema(px, db, cmd->arg);
        return ADM_OK;
    case ADM_PAUSE:
        return pause_db(px, cmd->arg, err);
    case ADM_RESUME:
        resume_db(px, cmd->arg);
        return ADM_OK;
    case ADM_SHUTDOWN:
        if (px->w->supervisor) /* it stops every worker as SIGTERM does */
            kill(px->w->supervisor, SIGTERM);
        else
            stop_gracefully(px);
        return ADM_OK;
    default: {
        report g;
        gather(px, &g);
        bool ok = adm_show(cmd, &g.r, &px->conf->cfg, t, err);
        report_free(&g);
        return ok ? ADM_OK : ADM_FAILED;
    }
    }
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

/* The metrics endpoint: one per process group (worker 0's), which reports every worker. */
static bool start_metrics(proxy *px)
{
    const conf_config *c = &px->conf->cfg;
    char err[CONF_ERR_MAX];
    if (!c->metrics_port || px->w->worker != 0)
        return true;
    px->metrics = metrics_start(px->base, c->metrics_addr, c->metrics_port, metrics_page, px, err,
                                sizeof err);
    if (!px->metrics) {
        log_error("%s", err);
        return false;
    }
    log_info("metrics on http://%s:%d/metrics", c->metrics_addr, c->metrics_port);
    return true;
}

static bool setup(proxy *px)
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
        static const struct timeval second = {1, 0};
        px->publish = event_new(px->base, -1, EV_PERSIST, on_publish, px);
        event_add(px->publish, &second);
    }
    listener_start(&px->listeners, px->base, px->w->sockets, px->w->worker, on_client, px);
    px->pause_version = px->acked_version = UINT64_MAX; /* read and acknowledged now */
    read_pauses(px);
    acknowledge_pauses(px);
    return start_metrics(px);
}

static void teardown(proxy *px)
{
    listener_close_all(&px->listeners);
    close_all_sessions(px);
    metrics_stop(px->metrics);
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
    if (px->publish)
        event_free(px->publish);
    catalog_free_all(&px->catalogs);
    st_free_all(&px->stats);
    rw_map_each(&px->paused, free_key, NULL);
    rw_map_free(&px->paused);
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
        .stats = &px.stats,
        .paused = on_paused,
        .settled = on_settled,
        .console = on_console,
    };
    rw_cache_set_clock(px.env.rewrites, monotonic_ns);
    px.start_time = (double)time(NULL);
    bool ok = setup(&px);
    if (ok)
        run_loop(&px);
    teardown(&px);
    return ok ? 0 : 1;
}
