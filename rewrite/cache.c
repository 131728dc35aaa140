/* rewrite/cache.c — LRU cache of rewrite results. */
#include "rewrite/cache.h"

#include "rewrite/map.h"

#include <stdlib.h>
#include <string.h>

typedef struct entry {
    struct entry *prev, *next; /* LRU list, most recent first */
    struct entry *chain;       /* hash bucket */
    uint64_t hash, version, path;
    size_t len, bytes;
    rw_result result;
    char text[]; /* the statement text, NUL-terminated */
} entry;

struct rw_cache {
    entry **buckets;
    size_t nbuckets;
    entry head; /* sentinel of the LRU list */
    rw_cache_stats stats;
    rw_result blank; /* what rw_cache_rewrite returns for texts rw_irrelevant lets through */
    rw_stmt_facts *blank_stmts;
    int nblank;
};

rw_cache *rw_cache_new(size_t max_bytes)
{
    rw_cache *c = calloc(1, sizeof *c);
    if (!c)
        abort();
    c->nbuckets = 1024;
    c->buckets = calloc(c->nbuckets, sizeof *c->buckets);
    if (!c->buckets)
        abort();
    c->head.prev = c->head.next = &c->head;
    c->stats.max_bytes = max_bytes;
    return c;
}

static void unlink_lru(entry *e)
{
    e->prev->next = e->next;
    e->next->prev = e->prev;
}

static void push_front(rw_cache *c, entry *e)
{
    e->next = c->head.next;
    e->prev = &c->head;
    c->head.next->prev = e;
    c->head.next = e;
}

static void drop(rw_cache *c, entry *e)
{
    entry **p = &c->buckets[e->hash & (c->nbuckets - 1)];
    while (*p != e)
        p = &(*p)->chain;
    *p = e->chain;
    unlink_lru(e);
    c->stats.entries--;
    c->stats.bytes -= e->bytes;
    rw_result_free(&e->result);
    free(e);
}

void rw_cache_free(rw_cache *c)
{
    if (!c)
        return;
    while (c->head.next != &c->head)
        drop(c, c->head.next);
    free(c->buckets);
    free(c->blank_stmts);
    free(c);
}

static void grow(rw_cache *c)
{
    size_t n = c->nbuckets * 2;
    entry **b = calloc(n, sizeof *b);
    if (!b)
        abort();
    for (size_t i = 0; i < c->nbuckets; i++)
        for (entry *e = c->buckets[i], *next; e; e = next) {
            next = e->chain;
            e->chain = b[e->hash & (n - 1)];
            b[e->hash & (n - 1)] = e;
        }
    free(c->buckets);
    c->buckets = b;
    c->nbuckets = n;
}

static uint64_t path_key(const rw_context *ctx)
{
    uint64_t h = ctx->standard_strings ^ (ctx->user ? rw_hash(ctx->user, strlen(ctx->user)) : 0);
    for (int i = 0; i < ctx->nsearch_path; i++)
        h = h * 31 + rw_hash(ctx->search_path[i], strlen(ctx->search_path[i]));
    for (int i = 0; i < ctx->nreset_path; i++)
        h = h * 37 + rw_hash(ctx->reset_path[i], strlen(ctx->reset_path[i]));
    for (int i = 0; i < ctx->ntemp_tables; i++)
        h = h * 41 + rw_hash(ctx->temp_tables[i], strlen(ctx->temp_tables[i]));
    return h;
}

static size_t result_bytes(const rw_result *r)
{
    size_t n = (size_t)r->nstmts * sizeof *r->stmts + r->len;
    for (int i = 0; i < r->nstmts; i++)
        n += (r->stmts[i].name ? strlen(r->stmts[i].name) : 0) +
             (r->stmts[i].value ? strlen(r->stmts[i].value) : 0);
    return n;
}

static entry *insert(rw_cache *c, uint64_t h, uint64_t version, uint64_t path, const char *text,
                     size_t len)
{
    entry *e = malloc(sizeof *e + len + 1);
    if (!e)
        abort();
    memcpy(e->text, text, len);
    e->text[len] = '\0';
    e->hash = h;
    e->version = version;
    e->path = path;
    e->len = len;
    if (c->stats.entries >= c->nbuckets)
        grow(c);
    e->chain = c->buckets[h & (c->nbuckets - 1)];
    c->buckets[h & (c->nbuckets - 1)] = e;
    push_front(c, e);
    c->stats.entries++;
    return e;
}

/* The result for a text forwarded as it is: no rewrite, nstmts statements without facts. */
static const rw_result *untouched(rw_cache *c, int nstmts)
{
    if (nstmts > c->nblank) {
        free(c->blank_stmts);
        c->nblank = nstmts * 2;
        c->blank_stmts = calloc((size_t)c->nblank, sizeof *c->blank_stmts);
        if (!c->blank_stmts)
            abort();
    }
    c->blank = (rw_result){.nstmts = nstmts, .stmts = c->blank_stmts};
    c->stats.skipped++;
    return &c->blank;
}

const rw_result *rw_cache_rewrite(rw_cache *c, const rw_context *ctx, const char *text, size_t len)
{
    uint64_t version = ctx->schema ? rw_schema_version(ctx->schema) : 0, path = path_key(ctx);
    uint64_t h = rw_hash(text, len) ^ version * 0x9e3779b97f4a7c15ULL ^ path;
    for (entry *e = c->buckets[h & (c->nbuckets - 1)]; e; e = e->chain) {
        if (e->hash == h && e->len == len && e->version == version && e->path == path &&
            memcmp(e->text, text, len) == 0) {
            unlink_lru(e);
            push_front(c, e);
            c->stats.hits++;
            return &e->result;
        }
    }
    c->stats.misses++;
    /* a text that needs nothing is not worth a cache entry: its literals tend to change */
    int nstmts;
    if (rw_irrelevant(ctx, text, len, &nstmts))
        return untouched(c, nstmts);
    entry *e = insert(c, h, version, path, text, len);
    rw_rewrite(ctx, e->text, len, &e->result);
    e->bytes = sizeof *e + len + 1 + result_bytes(&e->result);
    c->stats.bytes += e->bytes;
    /* evict from the cold end, never the entry just made: the caller is about to use it */
    while (c->stats.bytes > c->stats.max_bytes && c->head.prev != e) {
        drop(c, c->head.prev);
        c->stats.evictions++;
    }
    return &e->result;
}

rw_cache_stats rw_cache_get_stats(const rw_cache *c)
{
    return c->stats;
}
