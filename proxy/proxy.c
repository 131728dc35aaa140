/* proxy/proxy.c — the process around the sessions: configuration (and its reload), the event
 * loop, listening, the list of sessions (and routing CancelRequests among them), signals,
 * the pidfile, and shutdown. It owns everything else in proxy/; they call back up only
 * through the callbacks it gives them. */
#include "proxy/proxy.h"

#include <errno.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "proxy/cancel.h"
#include "proxy/catalog.h"
#include "proxy/config.h"
#include "proxy/listener.h"
#include "admin/show.h"
#include "common/mem.h"
#include "proxy/log.h"
#include "proxy/metrics.h"
#include "proxy/relay.h"
#include "proxy/report.h"
#include "proxy/session.h"
#include "rewrite/cache.h"
#include "stats/prometheus.h"

enum { MMAP_THRESHOLD = 256 * 1024 };

typedef struct {
    struct event_base *base;
    const char *conf_path;
    config *conf;
    listener *listeners;
    session *sessions; /* doubly linked through session.prev/next */
    int nsessions;
    bool stopping; /* SIGTERM: no new clients; the loop ends when the last session does */
    bool verbose;  /* -v: debug logging whatever the configuration says */
    struct event *signals[3];
    struct event *stop_timer;
    struct event *tick; /* every second: catalogs due for a refresh */
    rw_map catalogs;    /* "upstream/dbname" → catalog */
    session_env env;    /* what every session gets */
    rw_map stats;       /* database name → st_db (stats/stats.h) */
    double start_time;  /* Unix time */
    metrics *metrics;   /* the Prometheus endpoint, or NULL */
    bool paused_all;    /* PAUSE without a database */
    rw_map paused;      /* database names under PAUSE (keys owned) */
} proxy;

/* ---- configuration ------------------------------------------------------------------------ */

static void apply_log_level(proxy *px)
{
    log_set_level(px->verbose ? CONF_LOG_DEBUG : px->conf->cfg.log_level);
}

/* SIGHUP and the console's RELOAD: new sessions use the new configuration; a bad one is
 * reported (in err) and ignored. */
static bool reload(proxy *px, char *err, size_t errlen)
{
    config *c = config_load(px->conf_path, err, errlen);
    if (!c) {
        log_error("reload failed, keeping the current configuration: %s", err);
        return false;
    }
    config_unref(px->conf);
    px->conf = c;
    apply_log_level(px);
    log_info("configuration reloaded from %s (listen settings apply at restart)", px->conf_path);
    return true;
}

/* ---- sessions --------------------------------------------------------------------------- */

static bool on_client(void *owner, int fd, const struct sockaddr *peer)
{
    proxy *px = owner;
    if (px->nsessions >= px->conf->cfg.max_client_conn)
        return false;
    session *s = session_start(&px->env, px->conf, fd, peer);
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
    if (px->env.pauses)
        px->env.settled(px);         /* a statement that ended with its session */
    rw_cache_trim(px->env.rewrites); /* a huge statement's rewrite must not outlive it */
    if (px->stopping && px->nsessions == 0)
        event_base_loopexit(px->base, NULL);
}

/* max_db_connections and max_user_connections: the sessions admitted to log in with the
 * same database name, and with the same user, are counted (only when a limit is set). */
static const char *on_admit(void *owner, const session *s, const conf_db *db, char *why,
                            size_t whylen)
{
    proxy *px = owner;
    int db_max = conf_db_max_connections(&px->conf->cfg, db);
    int user_max = px->conf->cfg.max_user_connections;
    if (db_max <= 0 && user_max <= 0)
        return NULL;
    int same_db = 0, same_user = 0;
    for (const session *o = px->sessions; o; o = o->next) {
        if (!o->admitted || o->dead || o == s)
            continue;
        same_db += strcmp(o->database, s->database) == 0;
        same_user += strcmp(o->user, s->user) == 0;
    }
    if (db_max > 0 && same_db >= db_max)
        snprintf(why, whylen, "too many connections for database \"%s\" (max_db_connections = %d)",
                 s->database, db_max);
    else if (user_max > 0 && same_user >= user_max)
        snprintf(why, whylen, "too many connections for role \"%s\" (max_user_connections = %d)",
                 s->user, user_max);
    else
        return NULL;
    return why;
}

/* A CancelRequest goes to the server of the session that has this key; if none here has it
 * (another instance's client), to every distinct upstream once. */
static void on_cancel(void *owner, uint32_t pid, uint32_t key)
{
    proxy *px = owner;
    for (session *s = px->sessions; s; s = s->next) {
        const net_addr *to = session_cancel_target(s, pid, key);
        if (to) {
            log_info("cancel request for %s/%s (server pid %u) sent to %s", s->database, s->user,
                     pid, to->label);
            cancel_send(px->base, to, pid, key);
            return;
        }
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

/* The one-second tick runs while a catalog must be followed: schema_refresh, or an epoch. */
static void start_tick(proxy *px)
{
    static const struct timeval second = {1, 0};
    if (!event_pending(px->tick, EV_TIMEOUT, NULL))
        event_add(px->tick, &second);
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

static void close_all_sessions(proxy *px)
{
    while (px->sessions)
        session_terminate(px->sessions, "57P01",
                          "terminating connection due to administrator command");
}

/* ---- the console and the metrics ----------------------------------------------------------- */

static void gather(proxy *px, st_report *r)
{
    report_sources src = {
        .version = TOMBSTONE_VERSION,
        .start_time = px->start_time,
        .sessions = px->sessions,
        .stats = &px->stats,
        .catalogs = &px->catalogs,
        .rewrites = px->env.rewrites,
        .paused_all = px->paused_all,
        .paused = &px->paused,
    };
    *r = (st_report){0};
    report_gather(r, &src);
}

static void metrics_page(void *owner, proto_buf *out)
{
    st_report r;
    gather(owner, &r);
    st_prometheus(&r, out);
    st_report_free(&r);
}

static bool on_paused(void *owner, const session *s)
{
    proxy *px = owner;
    return px->paused_all ||
           (s->database && rw_map_get(&px->paused, s->database, strlen(s->database)));
}

/* While a PAUSE waits: once no statement of a paused database runs, it is answered. */
static void on_settled(void *owner)
{
    proxy *px = owner;
    for (session *s = px->sessions; s; s = s->next)
        if (session_running(s) && on_paused(px, s))
            return;
    for (session *s = px->sessions; s; s = s->next)
        if (s->console && s->adm.waiting && s->adm.waiting_kind == ADM_PAUSE)
            session_console_finish(s, NULL);
}

static void count_pauses(proxy *px)
{
    px->env.pauses = px->paused_all + (int)px->paused.n;
}

static adm_status pause_db(proxy *px, const char *db)
{
    if (!*db)
        px->paused_all = true;
    else if (!rw_map_get(&px->paused, db, strlen(db)))
        rw_map_put(&px->paused, mem_strdup(db), strlen(db), px);
    count_pauses(px);
    log_info("PAUSE %s: new statements wait for RESUME", *db ? db : "(all databases)");
    for (session *s = px->sessions; s; s = s->next)
        if (session_running(s) && on_paused(px, s))
            return ADM_LATER; /* on_settled answers */
    return ADM_OK;
}

static void free_key(const char *key, void *value, void *arg)
{
    (void)value;
    (void)arg;
    free((char *)key);
}

static void resume_db(proxy *px, const char *db)
{
    const char *key = NULL;
    if (*db) {
        rw_map_remove(&px->paused, db, strlen(db), &key);
        free((char *)key);
    } else {
        px->paused_all = false;
        rw_map_each(&px->paused, free_key, NULL);
        rw_map_free(&px->paused);
    }
    count_pauses(px);
    log_info("RESUME %s", *db ? db : "(all databases)");
    for (session *s = px->sessions; s; s = s->next)
        if (s->pause_held)
            session_wake(s);
    on_settled(px); /* a PAUSE still waiting for what no longer pauses is answered */
}

/* REFRESH SCHEMA [db]: the catalogs (of db's upstream database) are read again before the
 * next statement that uses them. */
static void mark_stale(const char *key, void *value, void *arg)
{
    (void)key;
    (void)arg;
    catalog_mark_stale(value);
}

static void refresh_schema(proxy *px, const conf_db *db, const char *name)
{
    log_info("REFRESH SCHEMA %s", db ? name : "(all databases)");
    if (!db) {
        rw_map_each(&px->catalogs, mark_stale, NULL);
        return;
    }
    char key[512];
    int n = snprintf(key, sizeof key, "%s/%s", config_upstream(px->conf, db)->label,
                     db->dbname ? db->dbname : name);
    catalog *one = rw_map_get(&px->catalogs, key, (size_t)n);
    if (one) /* else nobody logged in to it yet: its first session reads it */
        catalog_mark_stale(one);
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
        return reload(px, err->message, sizeof err->message) ? ADM_OK : ADM_FAILED;
    case ADM_REFRESH_SCHEMA:
        refresh_schema(px, db, cmd->arg);
        return ADM_OK;
    case ADM_PAUSE:
        return pause_db(px, cmd->arg);
    case ADM_RESUME:
        resume_db(px, cmd->arg);
        return ADM_OK;
    case ADM_SHUTDOWN:
        stop_gracefully(px);
        return ADM_OK;
    default: {
        st_report r;
        gather(px, &r);
        bool ok = adm_show(cmd, &r, &px->conf->cfg, t, err);
        st_report_free(&r);
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
    if (sig == SIGHUP) {
        char err[CONF_ERR_MAX];
        reload(px, err, sizeof err);
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

/* ---- the process ------------------------------------------------------------------------ */

/* Each client costs two descriptors: allow as many as the system lets this process have. */
static void raise_fd_limit(void)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
            log_warning("cannot raise the open files limit: %s", strerror(errno));
    }
}

static bool write_pidfile(const char *path)
{
    FILE *f = fopen(path, "w");
    if (!f || fprintf(f, "%d\n", (int)getpid()) < 0) {
        log_error("cannot write pidfile %s: %s", path, strerror(errno));
        if (f)
            fclose(f);
        return false;
    }
    return fclose(f) == 0;
}

static bool setup(proxy *px)
{
    static const int sigs[] = {SIGTERM, SIGINT, SIGHUP};
    char err[CONF_ERR_MAX];
    px->tick = event_new(px->base, -1, EV_PERSIST, on_tick, px);
    if (px->conf->cfg.schema_refresh > 0)
        start_tick(px);
    for (int i = 0; i < 3; i++) {
        px->signals[i] = evsignal_new(px->base, sigs[i], on_signal, px);
        event_add(px->signals[i], NULL);
    }
    if (!listener_open_all(&px->listeners, px->base, &px->conf->cfg, on_client, px, err,
                           sizeof err)) {
        log_error("%s", err);
        return false;
    }
    const conf_config *c = &px->conf->cfg;
    if (c->metrics_port) {
        px->metrics = metrics_start(px->base, c->metrics_addr, c->metrics_port, metrics_page, px,
                                    err, sizeof err);
        if (!px->metrics) {
            log_error("%s", err);
            return false;
        }
        log_info("metrics on http://%s:%d/metrics", c->metrics_addr, c->metrics_port);
    }
    return !px->conf->cfg.pidfile || write_pidfile(px->conf->cfg.pidfile);
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
    if (px->conf->cfg.pidfile)
        unlink(px->conf->cfg.pidfile);
    catalog_free_all(&px->catalogs);
    st_free_all(&px->stats);
    rw_map_each(&px->paused, free_key, NULL);
    rw_map_free(&px->paused);
    rw_cache_free(px->env.rewrites);
    config_unref(px->conf);
    event_base_free(px->base);
}

static uint64_t monotonic_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

int proxy_run(const char *conf_path, bool verbose)
{
    char err[CONF_ERR_MAX];
    proxy px = {.conf_path = conf_path, .verbose = verbose};
    px.conf = config_load(conf_path, err, sizeof err);
    if (!px.conf) {
        log_error("%s", err);
        return 1;
    }
    apply_log_level(&px);
    /* large buffers (a 50 MB statement, its rewrite) are mapped and unmapped whole, so that
     * freeing them gives the memory back to the system: glibc would otherwise raise this
     * threshold after the first such free and keep later ones in its heap */
    mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD);
    signal(SIGPIPE, SIG_IGN);
    raise_fd_limit();
    px.base = event_base_new();
    if (!px.base) {
        log_error("cannot create the event loop");
        config_unref(px.conf);
        return 1;
    }
    px.env = (session_env){
        .base = px.base,
        .rewrites = rw_cache_new((size_t)px.conf->cfg.rewrite_cache_mb << 20),
        .catalogs = &px.catalogs,
        .owner = &px,
        .closed = on_session_closed,
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
    if (ok) {
        log_info("tombstone started (pid %d)", (int)getpid());
        event_base_dispatch(px.base);
        log_info("tombstone stopped");
    }
    teardown(&px);
    return ok ? 0 : 1;
}
