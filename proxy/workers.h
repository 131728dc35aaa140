/* proxy/workers.h — the proxy process: `workers` event loops on the listening port (one in
 * this process, or that many forked and supervised), with what they share. */
#ifndef PROXY_WORKERS_H
#define PROXY_WORKERS_H

#include <stdbool.h>

/* Runs the proxy in the foreground until SIGTERM/SIGINT; returns the exit status. */
int workers_run(const char *conf_path, bool verbose);

#endif
