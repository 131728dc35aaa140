/* proxy/proxy.h — the process: event loop, current configuration, listeners, the live
 * sessions, the catalogs of the upstream databases, the rewrite cache, signals and shutdown.
 * Single-threaded: everything runs in one libevent loop. */
#ifndef PROXY_PROXY_H
#define PROXY_PROXY_H

#include <stdbool.h>

#ifndef TOMBSTONE_VERSION
#define TOMBSTONE_VERSION "0.1.0"
#endif

/* Runs the proxy in the foreground until SIGTERM/SIGINT; returns the exit status. */
int proxy_run(const char *conf_path, bool verbose);

#endif
