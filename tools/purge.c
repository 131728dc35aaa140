/* tools/purge.c — `tombstone purge -c FILE -d ALIAS --older-than 30d [--batch-size N]
 * [--table T]... [--all-marked] [--dry-run] [-U USER]`: really deletes the rows marked before
 * the cutoff, children before parents, in batches of N rows, each its own short transaction
 * ("nullify then purge", seed 002). The plan — order and SQL — is rewrite/purge.c's; this
 * file runs it: connects directly (not through the proxy: PGPASSWORD or ~/.pgpass), never
 * as a proxied session (the delete guard of rewrite/watch.sql refuses DELETEs from those),
 * shows progress, and reports per table what went and what was kept and why.
 *
 * Exit status: 0 when the run finished, 1 on an error or when live rows reference marked
 * rows (the invariant the proxy keeps; purge reports it instead of failing on it), 2 on a
 * usage error. */
#include "tools/tools.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "rewrite/purge.h"

/* Conflicts a batch may meet beside live traffic (serialization, deadlock, lock timeout, a
 * key written meanwhile): the batch is tried again, this many times in a row at most. */
enum { RETRIES = 20 };

typedef struct {
    tools_target target;
    char interval[64]; /* "30 days", or "" without --older-than */
    rw_purge_options o;
    bool dry_run;
    const char **tables;
} args;

typedef struct {
    long long total;   /* rows marked before the cutoff when the table's turn came */
    long long deleted; /* rows this run deleted */
} tally;

typedef struct {
    PGconn *conn;
    const rw_purge_plan *plan;
    const char *cutoff; /* the parameter $1, or NULL */
    tally *tallies;
    bool tty;
    double last_line; /* when the last progress line was printed (not a terminal) */
} run;

static int usage(const char *why)
{
    fprintf(stderr,
            "tombstone purge: %s\n"
            "usage: tombstone purge -c FILE -d ALIAS --older-than AGE [--batch-size N]\n"
            "                       [--table T]... [--all-marked] [--dry-run] [-U USER]\n"
            "  AGE: a number and a unit, s m h d or w (30d: marked more than 30 days ago)\n",
            why);
    return 2;
}

static int parse_args(int argc, char **argv, args *a)
{
    static const struct option options[] = {
        TOOLS_TARGET_OPTIONS,
        {"older-than", required_argument, NULL, 'o'},
        {"batch-size", required_argument, NULL, 'b'},
        {"table", required_argument, NULL, 't'},
        {"all-marked", no_argument, NULL, 'a'},
        {"dry-run", no_argument, NULL, 'n'},
        {NULL, 0, NULL, 0},
    };
    a->o.batch_size = 1000;
    a->tables = mem_array((size_t)argc, sizeof *a->tables);
    int opt;
    while ((opt = getopt_long(argc, argv, "c:d:U:", options, NULL)) != -1) {
        char *end;
        switch (opt) {
        case 'o':
            if (!rw_purge_interval(optarg, a->interval, sizeof a->interval))
                return usage("--older-than takes a number and a unit (s, m, h, d, w), e.g. 30d");
            a->o.cutoff = true;
            break;
        case 'b':
            a->o.batch_size = (int)strtol(optarg, &end, 10);
            if (*end || a->o.batch_size < 1 || a->o.batch_size > 1000000)
                return usage("--batch-size takes a number from 1 to 1000000");
            break;
        case 't':
            a->tables[a->o.ntables++] = optarg;
            break;
        case 'a':
            a->o.all_marked = true;
            break;
        case 'n':
            a->dry_run = true;
            break;
        default:
            if (!tools_target_option(&a->target, opt, optarg))
                return usage("unknown option");
        }
    }
    a->o.tables = a->tables;
    if (optind < argc)
        return usage("unexpected argument");
    if (!a->o.cutoff && !a->o.all_marked)
        return usage("--older-than AGE is needed (or --all-marked: every marked row)");
    if (!a->target.config || !a->target.alias)
        return usage("-c FILE and -d ALIAS are needed");
    return 0;
}

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static const char *table_name(const rw_table *t, char *buf, size_t n)
{
    snprintf(buf, n, "%s.%s", t->schema, t->name);
    return buf;
}

/* The statement's parameters: the cutoff, for statements that compare with it. */
static int params_of(const run *r, const char *sql, const char **params)
{
    params[0] = r->cutoff;
    return r->cutoff && strstr(sql, "$1") ? 1 : 0;
}

/* A count(*) query's value, or -1 after printing the error. */
static long long count(const run *r, const char *sql)
{
    const char *params[1];
    char *v = tools_value(r->conn, "purge", sql, params_of(r, sql, params), params);
    long long n = v ? atoll(v) : -1;
    free(v);
    return n;
}

/* One line of progress: redrawn in place on a terminal, else printed every few seconds. */
static void progress(run *r, const rw_purge_step *st, const tally *t, bool last)
{
    char name[256];
    table_name(st->table, name, sizeof name);
    if (r->tty) {
        int width = 30,
            done = t->total
                       ? (int)(width * (t->deleted > t->total ? t->total : t->deleted) / t->total)
                       : width;
        fprintf(stderr, "\r  %-32s [%.*s%*s] %lld/%lld", name, done,
                "##############################", width - done, "", t->deleted, t->total);
        if (last)
            fputc('\n', stderr);
        fflush(stderr);
    } else if (last || now_seconds() - r->last_line >= 5) {
        r->last_line = now_seconds();
        fprintf(stderr, "  %s: %lld of %lld rows deleted%s\n", name, t->deleted, t->total,
                last ? "" : " so far");
    }
}

/* One batch: the rows deleted, or -1 after an error that trying again will not cure. */
static long long batch(run *r, const rw_purge_step *st)
{
    const char *params[1];
    int n = params_of(r, st->batch, params);
    for (int tries = 0;; tries++) {
        PGresult *res = PQexecParams(r->conn, st->batch, n, NULL, params, NULL, NULL, 0);
        if (PQresultStatus(res) == PGRES_COMMAND_OK) {
            long long deleted = atoll(PQcmdTuples(res));
            PQclear(res);
            return deleted;
        }
        const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
        bool retry = state && tries < RETRIES &&
                     (strcmp(state, "40001") == 0 || strcmp(state, "40P01") == 0 ||
                      strcmp(state, "55P03") == 0 || strcmp(state, "23503") == 0);
        if (!retry)
            fprintf(stderr, "\ntombstone purge: %s", PQerrorMessage(r->conn));
        PQclear(res);
        if (!retry)
            return -1;
    }
}

/* A table's batches until one finds nothing to delete; the rows deleted, or -1. */
static long long purge_table(run *r, int i)
{
    const rw_purge_step *st = &r->plan->steps[i];
    tally *t = &r->tallies[i];
    long long sum = 0, n;
    if (t->total == 0 && (t->total = count(r, st->count)) < 0)
        return -1;
    progress(r, st, t, false);
    while ((n = batch(r, st)) > 0) {
        t->deleted += n;
        sum += n;
        progress(r, st, t, false);
    }
    progress(r, st, t, true);
    return n < 0 ? -1 : sum;
}

/* The tables of one group (a cycle of keys: in turn, until a pass deletes nothing). */
static bool purge_group(run *r, int first, int end)
{
    for (long long pass = 1; pass > 0;) {
        pass = 0;
        for (int i = first; i < end; i++) {
            if (r->plan->steps[i].skipped)
                continue;
            long long n = purge_table(r, i);
            if (n < 0)
                return false;
            pass += n;
        }
        if (end - first == 1)
            break;
    }
    return true;
}

/* What is left of the rows marked before the cutoff, and why: a live row referencing a
 * marked one (a broken invariant: reported, exit 1), or rows marked later, of tables not
 * purged, or locked now (the next run takes them). False when live rows hold some. */
static bool report_kept(const run *r, int i, long long left)
{
    const rw_purge_step *st = &r->plan->steps[i];
    char name[256], child[256];
    table_name(st->table, name, sizeof name);
    bool clean = true;
    for (int k = 0; k < st->nholds; k++) {
        long long live = count(r, st->holds[k].live_count);
        if (live <= 0)
            continue;
        clean = false;
        printf("  WARNING %s: %lld marked rows are referenced by live rows of %s (key %s): a live "
               "row must never reference a marked one; restore those rows of %s or change or "
               "delete the rows of %s, then run purge again\n",
               name, live, table_name(st->holds[k].fk->child, child, sizeof child),
               st->holds[k].fk->name, name, child);
    }
    printf("  kept %lld rows of %s: still referenced (by rows marked later, rows of tables not "
           "purged, or rows locked during the run)\n",
           left, name);
    return clean;
}

static void print_summary(const run *r, const char *cutoff_text)
{
    long long sum = 0;
    for (int i = 0; i < r->plan->nsteps; i++)
        sum += r->tallies[i].deleted;
    printf("purged %lld rows%s\n", sum, cutoff_text);
    char name[256];
    for (int i = 0; i < r->plan->nsteps; i++) {
        const rw_purge_step *st = &r->plan->steps[i];
        if (st->skipped)
            printf("  %-40s skipped: %s\n", table_name(st->table, name, sizeof name), st->skipped);
        else
            printf("  %-40s %lld\n", table_name(st->table, name, sizeof name),
                   r->tallies[i].deleted);
    }
}

static bool run_plan(run *r, const char *cutoff_text)
{
    for (int i = 0; i < r->plan->nsteps;) {
        int end = i + 1;
        while (end < r->plan->nsteps && r->plan->steps[end].group == r->plan->steps[i].group)
            end++;
        if (!purge_group(r, i, end))
            return false;
        i = end;
    }
    print_summary(r, cutoff_text);
    bool clean = true;
    for (int i = 0; i < r->plan->nsteps; i++) {
        if (r->plan->steps[i].skipped)
            continue;
        long long left = count(r, r->plan->steps[i].count);
        if (left < 0)
            return false;
        if (left > 0)
            clean = report_kept(r, i, left) && clean;
    }
    return clean;
}

/* --dry-run: what each table holds now, and the statements a run would send. */
static bool dry_run(const run *r)
{
    char name[256];
    for (int i = 0; i < r->plan->nsteps; i++) {
        const rw_purge_step *st = &r->plan->steps[i];
        table_name(st->table, name, sizeof name);
        if (st->skipped) {
            printf("-- %s: skipped: %s\n", name, st->skipped);
            continue;
        }
        long long marked = count(r, st->count), ready = count(r, st->ready);
        if (marked < 0 || ready < 0)
            return false;
        printf("-- %s: %lld rows marked%s, %lld of them referenced by nothing now\n", name, marked,
               r->cutoff && st->table->marker == RW_MARKER_TIME ? " before the cutoff" : "", ready);
        for (int k = 0; k < st->nholds; k++) {
            long long live = count(r, st->holds[k].live_count);
            if (live > 0)
                printf("-- WARNING: %lld of them are referenced by live rows (key %s)\n", live,
                       st->holds[k].fk->name);
        }
        printf("%s;\n", st->batch);
    }
    return true;
}

/* The session purge runs in: never a proxied one (the guard would refuse its DELETEs, as
 * PGOPTIONS could ask for), and never waiting long for a lock held by live traffic. */
static bool prepare_session(PGconn *conn)
{
    return tools_rows(conn, "purge",
                      "SELECT set_config('tombstone.proxied', 'off', false), "
                      "set_config('lock_timeout', '5s', false)",
                      0, NULL, NULL, NULL);
}

static int purge(const args *a)
{
    conf_config cfg;
    PGconn *conn = tools_connect(&a->target, "purge", &cfg);
    if (!conn)
        return 1;
    rw_snapshot *s = prepare_session(conn) ? tools_snapshot(conn, "purge", &cfg) : NULL;
    conf_free(&cfg);
    rw_purge_plan *plan = s ? rw_purge_plan_make(s, &a->o) : NULL;
    int status = plan ? 0 : 1;
    if (plan && plan->error) {
        fprintf(stderr, "tombstone purge: %s\n", plan->error);
        status = 2;
    }
    char *cutoff = NULL;
    if (status == 0 && a->o.cutoff) {
        const char *params[] = {a->interval};
        cutoff = tools_value(conn, "purge", "SELECT (now() - $1::interval)::timestamptz::text", 1,
                             params);
        status = cutoff ? 0 : 1;
    }
    char cutoff_text[160] = "";
    if (cutoff)
        snprintf(cutoff_text, sizeof cutoff_text, " marked before %s (%s ago)", cutoff,
                 a->interval);
    if (status == 0) {
        printf("%s: %d soft-delete tables, rows%s, batches of %d\n", PQdb(conn), plan->nsteps,
               cutoff ? cutoff_text : " marked at any time", a->o.batch_size);
        if (cutoff && a->dry_run)
            printf("-- $1 = '%s'\n", cutoff);
        run r = {conn,
                 plan,
                 cutoff,
                 mem_array((size_t)plan->nsteps + 1, sizeof(tally)),
                 isatty(STDERR_FILENO) != 0,
                 now_seconds()};
        bool ok = a->dry_run ? dry_run(&r) : run_plan(&r, cutoff_text);
        status = ok ? 0 : 1;
        free(r.tallies);
    }
    free(cutoff);
    rw_purge_plan_free(plan);
    rw_snapshot_unref(s);
    PQfinish(conn);
    return status;
}

int cmd_purge(int argc, char **argv)
{
    args a = {0};
    int status = parse_args(argc, argv, &a);
    if (status == 0)
        status = purge(&a);
    free(a.tables);
    return status;
}
