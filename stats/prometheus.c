/* stats/prometheus.c — the metrics page (see prometheus.h). Names follow Prometheus
 * conventions: counters end in _total, durations are histograms in seconds, the process_*
 * metrics are those client libraries export. */
#include "stats/prometheus.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

__attribute__((format(printf, 2, 3))) static void put(proto_buf *out, const char *fmt, ...)
{
    char line[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    if (n > 0)
        proto_buf_put(out, line, (size_t)n < sizeof line ? (size_t)n : sizeof line - 1);
}

static void header(proto_buf *out, const char *name, const char *type, const char *help)
{
    put(out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* A label value with \, " and newlines escaped, as the format asks. */
static const char *label(const char *value, char *buf, size_t len)
{
    size_t n = 0;
    for (const char *p = value ? value : ""; *p && n + 3 < len; p++) {
        if (*p == '\\' || *p == '"' || *p == '\n')
            buf[n++] = '\\';
        buf[n++] = *p == '\n' ? 'n' : *p;
    }
    buf[n] = 0;
    return buf;
}

/* One counter per database: offset is the field's place in st_db. */
static void per_db(proto_buf *out, const st_report *r, const char *name, const char *extra,
                   size_t offset)
{
    char db[256];
    for (int i = 0; i < r->ndbs; i++) {
        uint64_t v = *(const uint64_t *)((const char *)&r->dbs[i].totals + offset);
        put(out, "%s{database=\"%s\"%s} %llu\n", name, label(r->dbs[i].name, db, sizeof db), extra,
            (unsigned long long)v);
    }
}

static void counter(proto_buf *out, const st_report *r, const char *name, const char *help,
                    size_t offset)
{
    header(out, name, "counter", help);
    per_db(out, r, name, "", offset);
}

static void hist(proto_buf *out, const char *name, const char *labels, const st_hist *h)
{
    uint64_t cumulative = 0;
    const char *comma = *labels ? "," : "";
    char braced[320] = "";
    if (*labels)
        snprintf(braced, sizeof braced, "{%s}", labels);
    for (int i = 0; i < ST_HIST_BUCKETS; i++) {
        cumulative += h->counts[i];
        put(out, "%s_bucket{%s%sle=\"%g\"} %llu\n", name, labels, comma,
            (double)st_hist_bounds_us[i] / 1e6, (unsigned long long)cumulative);
    }
    put(out, "%s_bucket{%s%sle=\"+Inf\"} %llu\n", name, labels, comma, (unsigned long long)h->n);
    put(out, "%s_sum%s %g\n%s_count%s %llu\n", name, braced, (double)h->sum_us / 1e6, name, braced,
        (unsigned long long)h->n);
}

#define AT(field) offsetof(st_db, field)

static void databases(const st_report *r, proto_buf *out)
{
    counter(out, r, "tombstone_queries_total", "Statements run by clients.", AT(queries));
    header(out, "tombstone_rewrites_total", "counter",
           "Statements rewritten, by what the rewrite did (one statement may count in several).");
    per_db(out, r, "tombstone_rewrites_total", ",kind=\"read_filtered\"", AT(filtered));
    per_db(out, r, "tombstone_rewrites_total", ",kind=\"delete_marked\"", AT(marked));
    per_db(out, r, "tombstone_rewrites_total", ",kind=\"fk_write\"", AT(fk_writes));
    per_db(out, r, "tombstone_rewrites_total", ",kind=\"upsert\"", AT(upserts));
    counter(out, r, "tombstone_refused_total", "Statements refused by the proxy.", AT(refused));
    header(out, "tombstone_rewrite_cache_lookups_total", "counter",
           "Rewrites looked up in the cache by their text, found or not.");
    per_db(out, r, "tombstone_rewrite_cache_lookups_total", ",result=\"hit\"", AT(cache_hits));
    per_db(out, r, "tombstone_rewrite_cache_lookups_total", ",result=\"miss\"", AT(cache_misses));
    counter(out, r, "tombstone_client_received_bytes_total", "Bytes read from clients.",
            AT(bytes_in));
    counter(out, r, "tombstone_server_received_bytes_total",
            "Bytes read from servers (what clients are sent).", AT(bytes_out));
    header(out, "tombstone_query_duration_seconds", "histogram",
           "From a client's request to the ReadyForQuery that answers it.");
    for (int i = 0; i < r->ndbs; i++) {
        char db[256], labels[300];
        snprintf(labels, sizeof labels, "database=\"%s\"", label(r->dbs[i].name, db, sizeof db));
        hist(out, "tombstone_query_duration_seconds", labels, &r->dbs[i].totals.query_time);
    }
}

static void clients(const st_report *r, proto_buf *out)
{
    int n[ST_CLIENT_STATES];
    for (int s = 0; s < ST_CLIENT_STATES; s++) {
        n[s] = r->unattached[s];
        for (int i = 0; i < r->ndbs; i++)
            n[s] += r->dbs[i].clients[s];
    }
    header(out, "tombstone_clients", "gauge", "Client connections by state.");
    for (int s = 0; s < ST_CLIENT_STATES; s++)
        put(out, "tombstone_clients{state=\"%s\"} %d\n", st_client_state_label(s), n[s]);
}

static void catalogs(const st_report *r, proto_buf *out)
{
    char name[256];
    header(out, "tombstone_catalog_snapshot_age_seconds", "gauge",
           "Seconds since the catalog snapshot of each upstream database was read.");
    for (int i = 0; i < r->ncatalogs; i++)
        if (r->catalogs[i].age >= 0)
            put(out, "tombstone_catalog_snapshot_age_seconds{catalog=\"%s\"} %g\n",
                label(r->catalogs[i].name, name, sizeof name), r->catalogs[i].age);
    header(out, "tombstone_catalog_loads_total", "counter", "Catalog snapshot reads, by result.");
    for (int i = 0; i < r->ncatalogs; i++) {
        label(r->catalogs[i].name, name, sizeof name);
        put(out, "tombstone_catalog_loads_total{catalog=\"%s\",result=\"ok\"} %llu\n", name,
            (unsigned long long)r->catalogs[i].loads);
        put(out, "tombstone_catalog_loads_total{catalog=\"%s\",result=\"failed\"} %llu\n", name,
            (unsigned long long)r->catalogs[i].failures);
    }
}

/* A metric without labels. */
static void single(proto_buf *out, const char *name, const char *type, const char *help,
                   double value)
{
    header(out, name, type, help);
    put(out, "%s %.15g\n", name, value);
}

static void cache(const st_report *r, proto_buf *out)
{
    const rw_cache_stats *c = &r->cache;
    single(out, "tombstone_rewrite_cache_entries", "gauge", "Rewrites kept in the cache.",
           (double)c->entries);
    single(out, "tombstone_rewrite_cache_bytes", "gauge", "Memory the kept rewrites use.",
           (double)c->bytes);
    single(out, "tombstone_rewrite_cache_max_bytes", "gauge", "rewrite_cache_mb, in bytes.",
           (double)c->max_bytes);
    single(out, "tombstone_rewrite_cache_evictions_total", "counter",
           "Rewrites dropped from the cache to make room.", (double)c->evictions);
    header(out, "tombstone_cold_rewrite_duration_seconds", "histogram",
           "Time of each rewrite made from scratch (parse and walk), not found in the cache.");
    hist(out, "tombstone_cold_rewrite_duration_seconds", "", &c->cold);
}

static void process(const st_report *r, proto_buf *out)
{
    const st_report_process *p = &r->process;
    single(out, "process_cpu_seconds_total", "counter", "User and system CPU time spent.",
           p->cpu_user + p->cpu_system);
    single(out, "process_resident_memory_bytes", "gauge", "Resident memory size.",
           (double)p->rss_bytes);
    single(out, "process_open_fds", "gauge", "Open file descriptors.", p->open_fds);
    single(out, "process_max_fds", "gauge", "The open file descriptors limit.", (double)p->max_fds);
    single(out, "process_start_time_seconds", "gauge", "Start time, in seconds since the epoch.",
           p->start_time);
    header(out, "tombstone_build_info", "gauge", "The version; always 1.");
    put(out, "tombstone_build_info{version=\"%s\"} 1\n", r->version);
}

void st_prometheus(const st_report *r, proto_buf *out)
{
    databases(r, out);
    clients(r, out);
    catalogs(r, out);
    cache(r, out);
    process(r, out);
}
