/* proxy/metrics.h — the Prometheus metrics over HTTP (libevent's evhttp) on metrics_addr and
 * metrics_port: GET /metrics answers the page its owner writes (stats/prometheus.h). */
#ifndef PROXY_METRICS_H
#define PROXY_METRICS_H

#include <stddef.h>

#include <event2/event.h>

#include "protocol/protocol.h"

typedef struct metrics metrics;

/* Appends the page to out. */
typedef void (*metrics_page_fn)(void *owner, proto_buf *out);

/* Listens on addr:port; NULL with err set when it cannot. */
metrics *metrics_start(struct event_base *base, const char *addr, int port, metrics_page_fn page,
                       void *owner, char *err, size_t errlen);
void metrics_stop(metrics *m);

#endif
