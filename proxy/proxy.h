/* proxy/proxy.h — one worker: an event loop accepting on its own listening sockets, its
 * sessions, the catalogs of the upstream databases (their state shared with the other
 * workers, shared/shared.h), a rewrite cache, reloads, signals and shutdown. Single-threaded:
 * everything of a worker runs in its libevent loop. proxy/workers.c starts the workers. */
#ifndef PROXY_PROXY_H
#define PROXY_PROXY_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#ifndef TOMBSTONE_VERSION
#define TOMBSTONE_VERSION "0.1.0"
#endif

#include "proxy/config.h"
#include "proxy/listener.h"
#include "shared/shared.h"

typedef struct proxy proxy;

/* What a worker is started with (by proxy/workers.c). */
typedef struct {
    const char *conf_path;
    bool verbose;          /* -v: debug logging whatever the configuration says */
    config *conf;          /* the configuration now (the worker takes a reference) */
    listener_set *sockets; /* bound for every worker: this one accepts on its own */
    shared_region *shared; /* clients, cancel keys, catalog state of every worker */
    int worker, workers;   /* this one's number, and how many there are */
    const int *wake_fds;   /* per worker, an eventfd: "the shared catalog state changed" */
    pid_t supervisor;      /* the process that started the workers, 0 when none */
} proxy_worker;

/* Runs one worker in this process until SIGTERM/SIGINT; returns the exit status. */
int proxy_run(const proxy_worker *w);

/* Tells every worker but `except` that the shared catalog state changed (their waiting
 * sessions look again). */
void proxy_wake_workers(const proxy_worker *w, int except);

/* The reload (SIGHUP, the console's RELOAD): re-reads the configuration file for every
 * worker. New sessions use its [databases]; log settings (the logfile is reopened), limits,
 * timeouts and the catalog's settings apply at once (a changed [softdelete] re-reads every
 * catalog); settings that apply only at a restart are logged. False with err (file:line)
 * when the file is bad: then nothing changes. With several workers the supervisor is asked
 * to do it (it tells every worker), so true means the file was good. */
bool proxy_reload(proxy *px, char *err, size_t errlen);

#endif
