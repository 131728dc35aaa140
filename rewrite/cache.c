/* rewrite/cache.c — LRU cache of rewrite results, by text and by shape.
 *
 * A lookup tries, in order: the exact text (a hash, no lexing); then, after lexing, whether
 * the text needs nothing at all (rw_irrelevant); then a template of the same shape (another
 * text that differed only in its literals, rewrite/shape.h); and only then parses. */
#include "rewrite/cache.h"

#include "common/mem.h"
#include "rewrite/lexer.h"
#include "rewrite/map.h"
#include "rewrite/shape.h"

#include <stdlib.h>
#include <string.h>

typedef struct entry {
    struct entry *prev, *next; /* LRU list, most recent first */
    struct entry *chain;       /* bucket of the text table */
    struct entry *shape_chain; /* bucket of the shape table, when it has a shape */
    uint64_t hash, version, path, shape_hash;
    size_t len, bytes;
    rw_result result;
    rw_shape shape; /* shape.ntoks == 0: none */
    char text[];    /* the statement text, NUL-terminated */
} entry;

struct rw_cache {
    entry **buckets, **shape_buckets;
    size_t nbuckets;
    rw_cache_stats stats;
    rw_tokens toks;
    rw_result made; /* returned for a text rewritten from a template, not kept */
    rw_stmt_facts *made_stmts;
    int nmade;
    rw_result once;          /* returned for a text too big to keep */
    bool oversized;          /* the last rewrite left something rw_cache_trim must free */
    bool last_hit;           /* the last lookup found its text */
    uint64_t (*clock)(void); /* rw_cache_set_clock */
    entry head;              /* sentinel of the LRU list; last, as its text[] is (clang insists) */
};

/* A text longer than this share of the cache is rewritten but not kept: one 50 MB statement
 * would otherwise stay in memory until something evicts it, whatever the cache's size. */
enum {
    FIRST_BUCKETS = 1024,
    CACHE_TEXT_SHARE = 16,
    MADE_KEPT = 4096, /* statements of a result not kept: more are freed after use */
};

rw_cache *rw_cache_new(size_t max_bytes)
{
    rw_cache *c = mem_zalloc(sizeof *c);
    c->nbuckets = FIRST_BUCKETS;
    c->buckets = mem_array(c->nbuckets, sizeof *c->buckets);
    c->shape_buckets = mem_array(c->nbuckets, sizeof *c->shape_buckets);
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

static void unlink_chain(entry **bucket, entry *e, size_t next_offset)
{
    entry **p = bucket;
    while (*p != e)
        p = (entry **)((char *)*p + next_offset);
    *p = *(entry **)((char *)e + next_offset);
}

static void drop(rw_cache *c, entry *e)
{
    size_t mask = c->nbuckets - 1;
    unlink_chain(&c->buckets[e->hash & mask], e, offsetof(entry, chain));
    if (e->shape.ntoks)
        unlink_chain(&c->shape_buckets[e->shape_hash & mask], e, offsetof(entry, shape_chain));
    unlink_lru(e);
    c->stats.entries--;
    c->stats.bytes -= e->bytes;
    rw_result_free(&e->result);
    rw_shape_free(&e->shape);
    free(e);
}

void rw_cache_free(rw_cache *c)
{
    if (!c)
        return;
    while (c->head.next != &c->head)
        drop(c, c->head.next);
    free(c->buckets);
    free(c->shape_buckets);
    free(c->made.sql);
    free(c->made.edits);
    free(c->made_stmts);
    rw_result_free(&c->once);
    rw_tokens_free(&c->toks);
    free(c);
}

static void grow(rw_cache *c)
{
    size_t n = c->nbuckets * 2;
    entry **b = mem_array(n, sizeof *b), **sb = mem_array(n, sizeof *sb);
    for (entry *e = c->head.next; e != &c->head; e = e->next) {
        e->chain = b[e->hash & (n - 1)];
        b[e->hash & (n - 1)] = e;
        if (e->shape.ntoks) {
            e->shape_chain = sb[e->shape_hash & (n - 1)];
            sb[e->shape_hash & (n - 1)] = e;
        }
    }
    free(c->buckets);
    free(c->shape_buckets);
    c->buckets = b;
    c->shape_buckets = sb;
    c->nbuckets = n;
}

static uint64_t path_key(const rw_context *ctx)
{
    uint64_t h = ctx->standard_strings ^ (uint64_t)ctx->chars << 1 ^
                 (uint64_t)ctx->mode.visibility << 3 ^ (uint64_t)ctx->mode.hard_deletes << 5 ^
                 (uint64_t)ctx->reset_mode.visibility << 6 ^
                 (uint64_t)ctx->reset_mode.hard_deletes << 8 ^
                 (ctx->user ? rw_hash(ctx->user, strlen(ctx->user)) : 0);
    for (int i = 0; i < ctx->nsearch_path; i++)
        h = h * 31 + rw_hash(ctx->search_path[i], strlen(ctx->search_path[i]));
    for (int i = 0; i < ctx->nreset_path; i++)
        h = h * 37 + rw_hash(ctx->reset_path[i], strlen(ctx->reset_path[i]));
    for (int i = 0; i < ctx->ntemp_tables; i++)
        h = h * 41 + rw_hash(ctx->temp_tables[i], strlen(ctx->temp_tables[i]));
    return h;
}

static size_t result_bytes(const rw_result *r, const rw_shape *s)
{
    size_t n = (size_t)r->nstmts * sizeof *r->stmts + r->len + (size_t)r->nedits * sizeof *r->edits;
    for (int i = 0; i < r->nstmts; i++)
        n += (r->stmts[i].name ? strlen(r->stmts[i].name) : 0) +
             (r->stmts[i].value ? strlen(r->stmts[i].value) : 0);
    for (int i = 0; i < s->nedits; i++)
        n += sizeof *s->edits + strlen(s->edits[i].text);
    return n + (size_t)s->ntoks * sizeof *s->toks;
}

static entry *insert(rw_cache *c, uint64_t h, uint64_t version, uint64_t path, const char *text,
                     size_t len)
{
    entry *e = mem_zalloc(sizeof *e + len + 1);
    memcpy(e->text, text, len);
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

/* The facts of a statement the prefilter let through without parsing: it has no keyword of a
 * statement the proxy follows, so it is DML or a query on tables the snapshot does not know
 * (yet): its rewrite depends on the catalog (a statement prepared now must be prepared again
 * if its table becomes soft-delete). */
enum { UNPARSED_FLAGS = RW_NEEDS_CATALOG };

/* The result returned for a text kept in no entry: nstmts statements with these flags
 * (UNPARSED_FLAGS when flags is NULL). */
static rw_result *made(rw_cache *c, int nstmts, const unsigned *flags)
{
    if (nstmts > c->nmade) {
        free(c->made_stmts);
        c->nmade = nstmts * 2;
        c->made_stmts = mem_alloc((size_t)c->nmade * sizeof *c->made_stmts);
    }
    for (int i = 0; i < nstmts; i++)
        c->made_stmts[i] = (rw_stmt_facts){.flags = flags ? flags[i] : UNPARSED_FLAGS};
    free(c->made.sql);
    free(c->made.edits);
    c->made = (rw_result){.nstmts = nstmts, .stmts = c->made_stmts};
    return &c->made;
}

static entry *find_text(rw_cache *c, uint64_t h, uint64_t version, uint64_t path, const char *text,
                        size_t len)
{
    for (entry *e = c->buckets[h & (c->nbuckets - 1)]; e; e = e->chain)
        if (e->hash == h && e->len == len && e->version == version && e->path == path &&
            memcmp(e->text, text, len) == 0)
            return e;
    return NULL;
}

static entry *find_shape(rw_cache *c, uint64_t sh, uint64_t version, uint64_t path,
                         const char *text)
{
    for (entry *e = c->shape_buckets[sh & (c->nbuckets - 1)]; e; e = e->shape_chain)
        if (e->shape_hash == sh && e->version == version && e->path == path &&
            rw_shape_matches(&e->shape, e->text, text, &c->toks))
            return e;
    return NULL;
}

static void touch(rw_cache *c, entry *e)
{
    unlink_lru(e);
    push_front(c, e);
}

/* Counts a new entry's bytes and evicts from the cold end, never the entry just made: the
 * caller is about to use it. */
static const rw_result *keep(rw_cache *c, entry *e)
{
    e->bytes = sizeof *e + e->len + 1 + result_bytes(&e->result, &e->shape);
    c->stats.bytes += e->bytes;
    while (c->stats.bytes > c->stats.max_bytes && c->head.prev != e) {
        drop(c, c->head.prev);
        c->stats.evictions++;
    }
    return &e->result;
}

/* A rewrite from scratch, timed when the owner gave a clock: the only clock reads of the
 * cache, on the path that parses anyway. */
static void rewrite_timed(rw_cache *c, const rw_context *ctx, const char *text, size_t len,
                          rw_result *out, rw_shape *shape)
{
    uint64_t start = c->clock ? c->clock() : 0;
    rw_rewrite_shaped(ctx, text, len, out, shape);
    if (c->clock)
        st_hist_add(&c->stats.cold, (c->clock() - start) / 1000);
}

/* Rewrites a new text and keeps it, with its shape if it has one. */
static const rw_result *rewrite_and_keep(rw_cache *c, const rw_context *ctx, uint64_t h,
                                         uint64_t version, uint64_t path, uint64_t sh,
                                         const char *text, size_t len)
{
    entry *e = insert(c, h, version, path, text, len);
    rewrite_timed(c, ctx, e->text, len, &e->result, &e->shape);
    if (e->shape.ntoks) {
        e->shape_hash = sh;
        e->shape_chain = c->shape_buckets[sh & (c->nbuckets - 1)];
        c->shape_buckets[sh & (c->nbuckets - 1)] = e;
    }
    return keep(c, e);
}

/* Keeps a text that needs nothing, so that its next use costs a hash instead of a lexing. */
static const rw_result *keep_irrelevant(rw_cache *c, uint64_t h, uint64_t version, uint64_t path,
                                        const char *text, size_t len, int nstmts)
{
    entry *e = insert(c, h, version, path, text, len);
    e->result.nstmts = nstmts;
    e->result.stmts = mem_array((size_t)nstmts, sizeof *e->result.stmts);
    for (int i = 0; i < nstmts; i++)
        e->result.stmts[i].flags = UNPARSED_FLAGS;
    return keep(c, e);
}

/* A text too big to keep: rewritten (or found to need nothing) every time it comes. */
static const rw_result *rewrite_once(rw_cache *c, const rw_context *ctx, const char *text,
                                     size_t len)
{
    int nstmts;
    rw_lex(text, (int)len, ctx->standard_strings, &c->toks);
    if (rw_irrelevant(ctx, text, &c->toks, &nstmts))
        return made(c, nstmts, NULL);
    rewrite_timed(c, ctx, text, len, &c->once, NULL);
    return &c->once;
}

static const rw_result *lookup(rw_cache *c, const rw_context *ctx, const char *text, size_t len)
{
    if (len > c->stats.max_bytes / CACHE_TEXT_SHARE) {
        c->stats.misses++;
        return rewrite_once(c, ctx, text, len);
    }
    uint64_t version = ctx->snapshot ? rw_snapshot_version(ctx->snapshot) : 0, path = path_key(ctx);
    uint64_t h = rw_hash(text, len) ^ version * 0x9e3779b97f4a7c15ULL ^ path;
    entry *e = find_text(c, h, version, path, text, len);
    if (e) {
        touch(c, e);
        c->stats.hits++;
        c->last_hit = true;
        return &e->result;
    }
    c->stats.misses++;
    rw_lex(text, (int)len, ctx->standard_strings, &c->toks);
    int nstmts;
    if (rw_irrelevant(ctx, text, &c->toks, &nstmts)) {
        c->stats.skipped++;
        return keep_irrelevant(c, h, version, path, text, len, nstmts);
    }
    uint64_t sh = rw_shape_hash(text, &c->toks) ^ version * 0x9e3779b97f4a7c15ULL ^ path;
    e = find_shape(c, sh, version, path, text);
    if (!e)
        return rewrite_and_keep(c, ctx, h, version, path, sh, text, len);
    touch(c, e);
    c->stats.shaped++;
    rw_result *r = made(c, e->shape.nstmts, e->shape.flags);
    rw_shape_apply(&e->shape, text, len, &c->toks, ctx->chars, r);
    return r;
}

void rw_cache_trim(rw_cache *c)
{
    if (!c->oversized)
        return;
    c->oversized = false;
    rw_result_free(&c->once);
    if (c->nmade > MADE_KEPT) {
        free(c->made_stmts);
        free(c->made.sql);
        free(c->made.edits);
        c->made = (rw_result){0};
        c->made_stmts = NULL;
        c->nmade = 0;
    }
    rw_tokens_trim(&c->toks);
}

const rw_result *rw_cache_rewrite(rw_cache *c, const rw_context *ctx, const char *text, size_t len)
{
    rw_cache_trim(c); /* the last result is no longer in use */
    c->last_hit = false;
    const rw_result *r = lookup(c, ctx, text, len);
    c->oversized =
        c->once.nstmts || c->once.sql || c->nmade > MADE_KEPT || c->toks.cap > RW_TOKENS_KEPT;
    return r;
}

rw_cache_stats rw_cache_get_stats(const rw_cache *c)
{
    return c->stats;
}

bool rw_cache_last_hit(const rw_cache *c)
{
    return c->last_hit;
}

void rw_cache_set_clock(rw_cache *c, uint64_t (*now_ns)(void))
{
    c->clock = now_ns;
}
