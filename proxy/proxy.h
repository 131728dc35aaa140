/* proxy/proxy.h — the process: event loop, current configuration, listeners, the list of
 * live sessions, signals and shutdown. Single-threaded: everything runs in one libevent loop. */
#ifndef PROXY_PROXY_H
#define PROXY_PROXY_H

#include <stdbool.h>

#include "conf/conf.h"
#include "proxy/net.h"
#include "rewrite/map.h"

struct event_base;
struct event;
typedef struct session session;
typedef struct listener listener;

/* A loaded configuration with its upstream addresses resolved. Sessions hold a reference,
 * so a reload (SIGHUP) never pulls a configuration from under a live session. */
typedef struct {
    int refs;
    conf_config cfg;
    net_addr *upstream; /* one per cfg.dbs entry */
} proxy_conf;

typedef struct proxy {
    struct event_base *base;
    const char *conf_path;
    proxy_conf *conf;
    listener *listeners;
    session *sessions; /* doubly linked through session.prev/next */
    int nsessions;
    bool stopping; /* SIGTERM: no new clients; the loop ends when the last session does */
    bool verbose;  /* -v: debug logging whatever the configuration says */
    struct event *signals[3];
    struct event *stop_timer;
    rw_map catalogs;           /* "upstream/dbname" → catalog_db (proxy/catalog.c) */
    struct rw_cache *rewrites; /* statement rewrites, shared by all sessions */
} proxy;

proxy_conf *proxy_conf_load(const char *path, char *err, size_t errlen);
proxy_conf *proxy_conf_ref(proxy_conf *c);
void proxy_conf_unref(proxy_conf *c);

/* Runs the proxy in the foreground until SIGTERM/SIGINT; returns the exit status. */
int proxy_run(const char *conf_path, bool verbose);

void proxy_add_session(proxy *px, session *s);
void proxy_remove_session(proxy *px, session *s);

#endif
