/* proxy/report.h — gathering a report (stats/report.h) of the process at one moment: its
 * sessions, the counters, the catalogs, the rewrite cache and what /proc says. The console
 * and the metrics page render it (admin/show.h, stats/prometheus.h). */
#ifndef PROXY_REPORT_H
#define PROXY_REPORT_H

#include <stdbool.h>

#include "proxy/session.h"
#include "stats/report.h"

/* What the process hands over to be described. */
typedef struct {
    const char *version;
    double start_time;       /* Unix time */
    const session *sessions; /* the list, through session.next */
    const rw_map *stats;     /* database name → st_db */
    const rw_map *catalogs;  /* catalogs */
    const rw_cache *rewrites;
    bool paused_all;
    const rw_map *paused; /* database names under PAUSE */
} report_sources;

/* Fills r (zeroed before); free it with st_report_free. */
void report_gather(st_report *r, const report_sources *src);

#endif
