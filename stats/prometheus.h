/* stats/prometheus.h — a report (stats/report.h) as a Prometheus text exposition (format
 * 0.0.4): the SHOW STATS counters labelled by database, clients by state, the catalogs, the
 * rewrite cache and the process. Pure: the edge serves it (proxy/metrics.c). */
#ifndef ST_PROMETHEUS_H
#define ST_PROMETHEUS_H

#include "protocol/protocol.h"
#include "stats/report.h"

/* Appends the page to out. */
void st_prometheus(const st_report *r, proto_buf *out);

#endif
