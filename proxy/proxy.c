/* proxy/proxy.c — the process around the sessions: configuration (and its reload), the event
 * loop, signals, the pidfile, and shutdown. */
#include "proxy/proxy.h"

#include <errno.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include <event2/event.h>

#include "proxy/cancel.h"
#include "proxy/catalog.h"
#include "proxy/listener.h"
#include "proxy/log.h"
#include "proxy/relay.h"
#include "proxy/session.h"
#include "rewrite/cache.h"

enum { MMAP_THRESHOLD = 256 * 1024 };

/* ---- configuration ------------------------------------------------------------------------ */

proxy_conf *proxy_conf_load(const char *path, char *err, size_t errlen)
{
    proxy_conf *c = calloc(1, sizeof *c);
    if (!c) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    c->refs = 1;
    if (!conf_load(path, &c->cfg, err, errlen)) {
        free(c);
        return NULL;
    }
    c->upstream = calloc((size_t)c->cfg.ndbs, sizeof *c->upstream);
    bool ok = c->upstream != NULL;
    for (int i = 0; ok && i < c->cfg.ndbs; i++) {
        const conf_db *db = &c->cfg.dbs[i];
        char why[256];
        ok = net_resolve(db->host, db->port, &c->upstream[i], why, sizeof why);
        if (!ok)
            snprintf(err, errlen, "%s: database '%s': %s", path, db->alias, why);
    }
    if (!ok) {
        proxy_conf_unref(c);
        return NULL;
    }
    return c;
}

proxy_conf *proxy_conf_ref(proxy_conf *c)
{
    c->refs++;
    return c;
}

void proxy_conf_unref(proxy_conf *c)
{
    if (--c->refs > 0)
        return;
    conf_free(&c->cfg);
    free(c->upstream);
    free(c);
}

static void apply_log_level(proxy *px)
{
    log_set_level(px->verbose ? CONF_LOG_DEBUG : px->conf->cfg.log_level);
}

/* SIGHUP: new sessions use the new configuration; a bad one is reported and ignored. */
static void reload(proxy *px)
{
    char err[CONF_ERR_MAX];
    proxy_conf *c = proxy_conf_load(px->conf_path, err, sizeof err);
    if (!c) {
        log_error("reload failed, keeping the current configuration: %s", err);
        return;
    }
    proxy_conf_unref(px->conf);
    px->conf = c;
    apply_log_level(px);
    log_info("configuration reloaded from %s (listen settings apply at restart)", px->conf_path);
}

/* ---- sessions and shutdown ------------------------------------------------------------------ */

void proxy_add_session(proxy *px, session *s)
{
    s->next = px->sessions;
    if (s->next)
        s->next->prev = s;
    px->sessions = s;
    px->nsessions++;
}

void proxy_remove_session(proxy *px, session *s)
{
    if (s->prev)
        s->prev->next = s->next;
    else
        px->sessions = s->next;
    if (s->next)
        s->next->prev = s->prev;
    px->nsessions--;
    if (px->stopping && px->nsessions == 0)
        event_base_loopexit(px->base, NULL);
}

static void close_all_sessions(proxy *px)
{
    while (px->sessions)
        session_terminate(px->sessions, "57P01",
                          "terminating connection due to administrator command");
}

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
    listener_close_all(px);
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
        reload(px);
    } else if (sig == SIGTERM) {
        stop_gracefully(px);
    } else {
        log_info("SIGINT: closing %d sessions now", px->nsessions);
        px->stopping = true;
        listener_close_all(px);
        close_all_sessions(px);
        event_base_loopexit(px->base, NULL);
    }
}

/* ---- the process ------------------------------------------------------------------------------
 */

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
    for (int i = 0; i < 3; i++) {
        px->signals[i] = evsignal_new(px->base, sigs[i], on_signal, px);
        event_add(px->signals[i], NULL);
    }
    if (!listener_open_all(px, err, sizeof err)) {
        log_error("%s", err);
        return false;
    }
    return !px->conf->cfg.pidfile || write_pidfile(px->conf->cfg.pidfile);
}

static void teardown(proxy *px)
{
    listener_close_all(px);
    close_all_sessions(px);
    cancel_cleanup();
    relay_cleanup();
    for (int i = 0; i < 3; i++)
        if (px->signals[i])
            event_free(px->signals[i]);
    if (px->stop_timer)
        event_free(px->stop_timer);
    if (px->conf->cfg.pidfile)
        unlink(px->conf->cfg.pidfile);
    catalog_free_all(px);
    rw_cache_free(px->rewrites);
    proxy_conf_unref(px->conf);
    event_base_free(px->base);
}

int proxy_run(const char *conf_path, bool verbose)
{
    char err[CONF_ERR_MAX];
    proxy px = {.conf_path = conf_path, .verbose = verbose};
    px.conf = proxy_conf_load(conf_path, err, sizeof err);
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
        proxy_conf_unref(px.conf);
        return 1;
    }
    px.rewrites = rw_cache_new((size_t)px.conf->cfg.rewrite_cache_mb << 20);
    bool ok = setup(&px);
    if (ok) {
        log_info("tombstone started (pid %d)", (int)getpid());
        event_base_dispatch(px.base);
        log_info("tombstone stopped");
    }
    teardown(&px);
    return ok ? 0 : 1;
}
