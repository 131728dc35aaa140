/* proxy/report.c — a report of the process (see report.h). */
#include "proxy/report.h"

#include <dirent.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <unistd.h>

static void add_counters(const char *key, void *value, void *arg)
{
    st_report *r = arg;
    const st_db *d = value;
    (void)key;
    st_db_merge(&st_report_db_of(r, d->name)->totals, d);
}

static void add_catalog(const char *key, void *value, void *arg)
{
    (void)key;
    catalog_describe(value, st_report_add_catalog(arg));
}

static void add_session(st_report *r, const session *s)
{
    st_report_client *c = st_report_add_client(r);
    session_describe(s, c);
    if (!s->track.stats) { /* not logged in to a database (yet), or a console client */
        r->unattached[c->state]++;
        return;
    }
    st_report_db *d = st_report_db_of(r, s->track.stats->name);
    d->clients[c->state]++;
    d->totals.bytes_in += c->bytes_in; /* the ended sessions' are in the counters */
    d->totals.bytes_out += c->bytes_out;
}

static int count_fds(void)
{
    DIR *d = opendir("/proc/self/fd");
    int n = 0;
    if (!d)
        return -1;
    while (readdir(d))
        n++;
    closedir(d);
    return n - 3; /* ".", ".." and the directory's own descriptor */
}

static double seconds(struct timeval tv)
{
    return (double)tv.tv_sec + (double)tv.tv_usec / 1e6;
}

static void describe_process(st_report_process *p)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    p->cpu_user = seconds(ru.ru_utime);
    p->cpu_system = seconds(ru.ru_stime);
    long pages = 0;
    FILE *f = fopen("/proc/self/statm", "r");
    if (f) {
        if (fscanf(f, "%*s %ld", &pages) != 1)
            pages = 0;
        fclose(f);
    }
    p->rss_bytes = (uint64_t)pages * (uint64_t)sysconf(_SC_PAGESIZE);
    p->open_fds = count_fds();
    struct rlimit rl;
    p->max_fds = getrlimit(RLIMIT_NOFILE, &rl) == 0 ? (long)rl.rlim_cur : -1;
}

void report_gather(st_report *r, const report_sources *src)
{
    struct timeval now;
    gettimeofday(&now, NULL);
    r->version = src->version;
    r->process.start_time = src->start_time;
    r->uptime = seconds(now) - src->start_time;
    describe_process(&r->process);
    r->cache = rw_cache_get_stats(src->rewrites);
    r->paused_all = src->paused_all;
    rw_map_each(src->stats, add_counters, r);
    rw_map_each(src->catalogs, add_catalog, r);
    for (const session *s = src->sessions; s; s = s->next)
        if (!s->dead)
            add_session(r, s);
    for (int i = 0; i < r->ndbs; i++)
        r->dbs[i].paused = rw_map_get(src->paused, r->dbs[i].name, strlen(r->dbs[i].name));
}
