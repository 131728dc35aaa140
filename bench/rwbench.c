/* bench/rwbench.c — the rewriter alone, statement by statement.
 *
 *   rwbench query                      prints the catalog query (markers deleted_at,
 *                                      is_deleted), whose rows make the schema snapshot
 *   rwbench [options] ROWS FILE...     times every statement file
 *
 * ROWS is the catalog query's result as psql -At prints it with fields separated by 0x1f,
 * records by 0x1e and NULL as \N: the snapshot is built from catalog rows exactly as the
 * proxy builds it (rw_snapshot_add_row, rw_snapshot_finish). For each statement, three costs:
 *
 *   raw     libpg_query's raw parse alone (pg_query_raw_parse inside
 *           pg_query_enter/exit_memory_context, as rewrite/rewrite.c calls it): the floor
 *   cold    rw_rewrite (parse + walk + splice) and rw_result_free: a statement not cached
 *   cached  rw_cache_rewrite of a text the cache already holds
 *   shaped  rw_cache_rewrite of a text it does not hold but that differs from one it holds
 *           only by the numbers in its literals (a template of its shape serves it); -1
 *           when that is not how the cache answers it (no number, or no template)
 *
 * Wall clock: each measurement repeats the call until a batch lasts --batch-ms (default 20),
 * runs --batches such batches (default 7) and reports the fastest batch's mean per call (the
 * least disturbed by other processes) and the median one. Under valgrind --tool=callgrind
 * (--callgrind), each statement and kind instead runs --calls times between a
 * CALLGRIND_ZERO_STATS and a CALLGRIND_DUMP_STATS_AT("name kind calls"): instruction counts,
 * which do not depend on the machine's load.
 *
 * Two more, to say where a cheaper path could start: lex (the rewriter's lexer, rw_lex,
 * alone) and hash (rw_hash of the text, which every cache lookup computes).
 *
 * Output: a header line, then one line per statement, tab-separated: name bytes changed
 * out_bytes, then KIND_min KIND_med for each kind (ns per call); changed is 1 when the
 * rewrite differs from the input, 0 when it is forwarded unchanged, R when the statement is
 * refused, E on a parse error. --print writes the rewritten statements to stderr. */
#include "rewrite/cache.h"
#include "rewrite/lexer.h"
#include "rewrite/map.h"
#include "rewrite/rewrite.h"

#include <pg_query.h>
#include "pg_query_internal.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#if __has_include(<valgrind/callgrind.h>)
#include <valgrind/callgrind.h>
#else
#define RUNNING_ON_VALGRIND 0
#define CALLGRIND_ZERO_STATS
#define CALLGRIND_DUMP_STATS_AT(s) (void)(s)
#endif

typedef struct {
    const char *name;
    char *text;
    size_t len;
    char *variant; /* the same text with other numbers in its numeric literals, or NULL */
} statement;

static const char *const markers[] = {"deleted_at", "is_deleted"};
static const char *const search_path[] = {"pg_catalog", "public"};

static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "rwbench: ");
        perror(path); /* not strerror: PostgreSQL's headers redefine it */
        exit(2);
    }
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap);
    size_t got;
    while (buf && (got = fread(buf + n, 1, cap - n - 1, f)) > 0) {
        n += got;
        if (cap - n < 2)
            buf = realloc(buf, cap *= 2);
    }
    fclose(f);
    if (!buf)
        abort();
    buf[n] = '\0';
    *len = n;
    return buf;
}

/* The snapshot from the rows file. */
static rw_snapshot *load_schema(const char *path)
{
    size_t len;
    char *data = read_file(path, &len);
    rw_snapshot *s = rw_snapshot_new();
    int nrows = 0;
    for (char *rec = data; rec && *rec;) {
        char *next = strchr(rec, '\x1e');
        if (next)
            *next++ = '\0';
        const char *fields[16];
        int n = 0;
        for (char *f = rec; f && n < 16;) {
            char *sep = strchr(f, '\x1f');
            if (sep)
                *sep++ = '\0';
            fields[n++] = strcmp(f, "\\N") == 0 ? NULL : f;
            f = sep;
        }
        rw_catalog_row row = {n, fields};
        const char *err = NULL;
        if (n > 1 && !rw_snapshot_add_row(s, &row, &err)) {
            fprintf(stderr, "rwbench: %s: row %d: %s\n", path, nrows + 1, err ? err : "bad row");
            exit(2);
        }
        nrows++;
        rec = next;
    }
    rw_snapshot_finish(s);
    /* the snapshot keeps its own copies (its arena) */
    free(data);
    if (!rw_snapshot_soft_count(s)) {
        fprintf(stderr, "rwbench: %s: no soft-delete table in %d rows\n", path, nrows);
        exit(2);
    }
    return s;
}

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

typedef enum { K_RAW, K_COLD, K_CACHED, K_SHAPED, K_LEX, K_HASH, K_COUNT } kind;
static const char *const kind_names[] = {"raw", "cold", "cached", "shaped", "lex", "hash"};

static rw_context ctx;
static rw_cache *cache;

static __attribute__((noinline)) void raw_parse(const statement *st)
{
    MemoryContext mc = pg_query_enter_memory_context();
    PgQueryInternalParsetreeAndError parsed = pg_query_raw_parse(st->text);
    free(parsed.stderr_buffer);
    if (parsed.error)
        pg_query_free_error(parsed.error);
    pg_query_exit_memory_context(mc);
}

static __attribute__((noinline)) void cold_rewrite(const statement *st)
{
    rw_result r;
    rw_rewrite(&ctx, st->text, st->len, &r);
    rw_result_free(&r);
}

static __attribute__((noinline)) void cached_rewrite(const statement *st)
{
    const rw_result *r = rw_cache_rewrite(cache, &ctx, st->text, st->len);
    __asm__ volatile("" : : "r"(r) : "memory");
}

/* A text the cache does not hold, differing from one it holds only by its numbers: what an
 * application that sends literals instead of parameters costs (each such text is new). */
static __attribute__((noinline)) void shaped_rewrite(const statement *st)
{
    const rw_result *r = rw_cache_rewrite(cache, &ctx, st->variant, st->len);
    __asm__ volatile("" : : "r"(r) : "memory");
}

/* The variant of a text for K_SHAPED: every digit of every numeric literal token changed. */
static char *make_variant(const char *text, size_t len)
{
    static rw_tokens toks;
    rw_lex(text, (int)len, true, &toks);
    char *v = malloc(len + 1);
    if (!v)
        abort();
    memcpy(v, text, len + 1);
    bool changed = false;
    for (int i = 0; i < toks.n; i++) {
        if (toks.tok[i].kind != RW_TOK_NUMBER)
            continue;
        for (int j = toks.tok[i].start; j < toks.tok[i].end; j++)
            if (v[j] >= '0' && v[j] <= '9') {
                v[j] = (char)('0' + (v[j] - '0' + 7) % 10);
                changed = true;
            }
    }
    if (!changed) {
        free(v);
        return NULL;
    }
    return v;
}

/* The rewriter's own lexer alone: what a pre-filter or a cache keyed on the statement's
 * shape (literals masked) would have to pay at least. */
static __attribute__((noinline)) void lex_only(const statement *st)
{
    static rw_tokens toks;
    rw_lex(st->text, (int)st->len, true, &toks);
}

/* The cache's key hash alone (rw_cache_rewrite hashes the whole text on every call). */
static __attribute__((noinline)) void hash_only(const statement *st)
{
    uint64_t h = rw_hash(st->text, st->len);
    __asm__ volatile("" : : "r"(h));
}

static void run(kind k, const statement *st, long calls)
{
    for (long i = 0; i < calls; i++) {
        switch (k) {
        case K_RAW:
            raw_parse(st);
            break;
        case K_COLD:
            cold_rewrite(st);
            break;
        case K_CACHED:
            cached_rewrite(st);
            break;
        case K_SHAPED:
            shaped_rewrite(st);
            break;
        case K_LEX:
            lex_only(st);
            break;
        case K_HASH:
            hash_only(st);
            break;
        default:
            abort();
        }
    }
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* ns per call: the fastest batch and the median batch. */
static void measure(kind k, const statement *st, double batch_ms, int batches, double *min,
                    double *med)
{
    run(k, st, 3); /* warm: caches, the rewriter's scratch arena, the rewrite cache entry */
    long calls = 1;
    for (;;) {
        uint64_t t0 = now_ns();
        run(k, st, calls);
        double ms = (double)(now_ns() - t0) / 1e6;
        if (ms >= batch_ms || calls >= (1L << 30))
            break;
        calls = ms > 0.05 ? (long)((double)calls * batch_ms / ms) + 1 : calls * 10;
    }
    double per[64];
    if (batches > 64)
        batches = 64;
    for (int b = 0; b < batches; b++) {
        uint64_t t0 = now_ns();
        run(k, st, calls);
        per[b] = (double)(now_ns() - t0) / (double)calls;
    }
    qsort(per, (size_t)batches, sizeof per[0], cmp_double);
    *min = per[0];
    *med = per[batches / 2];
}

static const char *base_name(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

static int usage(void)
{
    fprintf(stderr, "usage: rwbench query\n"
                    "       rwbench [--batch-ms MS] [--batches N] [--callgrind] [--calls N] "
                    "[--print] ROWS FILE...\n");
    return 2;
}

int main(int argc, char **argv)
{
    if (argc == 2 && strcmp(argv[1], "query") == 0) {
        rw_snapshot_options o = {markers, 2, NULL, 0, NULL, 0};
        char *q = rw_snapshot_query(&o);
        puts(q);
        free(q);
        return 0;
    }
    double batch_ms = 20;
    int batches = 7, i = 1;
    long calls = 10;
    int callgrind = 0, print = 0;
    for (; i < argc && strncmp(argv[i], "--", 2) == 0; i++) {
        if (strcmp(argv[i], "--batch-ms") == 0 && i + 1 < argc)
            batch_ms = atof(argv[++i]);
        else if (strcmp(argv[i], "--batches") == 0 && i + 1 < argc)
            batches = atoi(argv[++i]);
        else if (strcmp(argv[i], "--calls") == 0 && i + 1 < argc)
            calls = atol(argv[++i]);
        else if (strcmp(argv[i], "--callgrind") == 0)
            callgrind = 1;
        else if (strcmp(argv[i], "--print") == 0)
            print = 1;
        else
            return usage();
    }
    if (argc - i < 2 || batches < 1 || calls < 1)
        return usage();
    if (callgrind && !RUNNING_ON_VALGRIND) {
        fprintf(stderr, "rwbench: --callgrind needs valgrind --tool=callgrind\n");
        return 2;
    }
    rw_snapshot *schema = load_schema(argv[i++]);
    ctx = (rw_context){.snapshot = schema,
                       .search_path = search_path,
                       .nsearch_path = 2,
                       .standard_strings = true,
                       .user = "app",
                       .reset_path = search_path,
                       .nreset_path = 2};
    cache = rw_cache_new((size_t)64 << 20);

    int nst = argc - i;
    statement *st = calloc((size_t)nst, sizeof *st);
    if (!st)
        abort();
    for (int j = 0; j < nst; j++) {
        st[j].name = base_name(argv[i + j]);
        st[j].text = read_file(argv[i + j], &st[j].len);
        st[j].variant = make_variant(st[j].text, st[j].len);
    }
    printf("name\tbytes\tchanged\tout_bytes");
    for (kind k = 0; k < K_COUNT; k++)
        printf("\t%s_min\t%s_med", kind_names[k], kind_names[k]);
    printf("\n");
    for (int j = 0; j < nst; j++) {
        rw_result r;
        const char *changed = "0";
        size_t out = st[j].len;
        if (!rw_rewrite(&ctx, st[j].text, st[j].len, &r))
            changed = "E";
        else if (r.refusal)
            changed = "R";
        else if (r.sql)
            changed = "1";
        if (r.sql)
            out = r.len;
        if (print)
            fprintf(stderr, "-- %s (%s%s)\n%s\n\n", st[j].name,
                    *changed == '1'   ? "rewritten"
                    : *changed == '0' ? "unchanged"
                    : *changed == 'R' ? "refused: "
                                      : "parse error",
                    r.refusal ? r.refusal : "", r.sql ? r.sql : st[j].text);
        rw_result_free(&r);
        double min[K_COUNT], med[K_COUNT];
        /* K_SHAPED only when the variant really takes another path than an exact hit: a text
         * the cache keeps (it could not be templated) is an exact hit from its second call */
        bool shaped = false;
        if (st[j].variant) {
            cached_rewrite(&st[j]);
            shaped_rewrite(&st[j]);
            rw_cache_stats before = rw_cache_get_stats(cache);
            shaped_rewrite(&st[j]);
            shaped = rw_cache_get_stats(cache).misses > before.misses;
        }
        for (kind k = 0; k < K_COUNT; k++) {
            if (k == K_SHAPED && !shaped) {
                min[k] = med[k] = -1;
                continue;
            }
            if (callgrind) {
                char label[256];
                run(k, &st[j], 3);
                snprintf(label, sizeof label, "%s %s %ld", st[j].name, kind_names[k], calls);
                CALLGRIND_ZERO_STATS;
                run(k, &st[j], calls);
                CALLGRIND_DUMP_STATS_AT(label);
                min[k] = med[k] = 0;
            } else {
                measure(k, &st[j], batch_ms, batches, &min[k], &med[k]);
            }
        }
        printf("%s\t%zu\t%s\t%zu", st[j].name, st[j].len, changed, out);
        for (kind k = 0; k < K_COUNT; k++)
            printf("\t%.1f\t%.1f", min[k], med[k]);
        printf("\n");
        fflush(stdout);
    }
    for (int j = 0; j < nst; j++) {
        free(st[j].text);
        free(st[j].variant);
    }
    free(st);
    rw_cache_free(cache);
    rw_snapshot_unref(schema);
    return 0;
}
