/* tests/fuzz/fuzz_rewrite.c — the rewriter (rewrite/) on any SQL text, over the schema of
 * tests/unit/rw_fixture.h, as the proxy calls it (through the rewrite cache) and directly.
 * Beyond "no crash":
 *  - whenever libpg_query parses the input, it parses the output;
 *  - the cache (its prefilter and its templates of a statement's shape) gives the same text
 *    as a rewrite of its own;
 *  - every reference to a soft-delete table in the output carries its predicate, checked
 *    on the output parsed again (tests/fuzz/live_check.h), and no DELETE on one is left. */
#include "live_check.h"
#include "pg_query.h"
#include "rewrite/cache.h"
#include "tests/unit/rw_fixture.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool parses(const char *sql)
{
    PgQueryProtobufParseResult r = pg_query_parse_protobuf(sql);
    bool ok = r.error == NULL;
    pg_query_free_protobuf_parse_result(r);
    return ok;
}

static void fail(const char *what, const char *in, const char *out)
{
    fprintf(stderr, "rewrite: %s\n  in:  %s\n  out: %s\n", what, in, out ? out : "(unchanged)");
    abort();
}

/* Statements after a change of tombstone.* or the search_path, a temporary table or DDL
 * are rewritten for another context than the fixture's (the proxy splits the text at
 * DDL): the predicate check does not know it. */
static bool changes_context(const rw_result *r)
{
    const unsigned changes = RW_MODE | RW_REREAD | RW_SEARCH_PATH | RW_TEMP_TABLE | RW_DDL;
    for (int i = 0; i < r->nstmts; i++)
        if (r->stmts[i].flags & changes)
            return true;
    return false;
}

static void check_cached(rw_cache *cache, const rw_context *ctx, const char *text, size_t len,
                         const rw_result *direct)
{
    const rw_result *c = rw_cache_rewrite(cache, ctx, text, len);
    const char *want = direct->sql ? direct->sql : text, *got = c->sql ? c->sql : text;
    /* a text that does not parse goes as it is: its count of statements is a guess */
    if (strcmp(want, got) != 0 || (!direct->parse_error && c->nstmts != direct->nstmts)) {
        fprintf(stderr, "direct (%s, %d statements): %s\ncached (%d statements): %s\n",
                direct->parse_error ? "parse error" : "parsed", direct->nstmts, want, c->nstmts,
                got);
        fail("the cache's rewrite differs from a rewrite of its own", text, got);
    }
    rw_cache_trim(cache);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static rw_snapshot *schema;
    static rw_cache *cache;
    if (!schema) {
        schema = fixture_schema();
        cache = rw_cache_new(1 << 20);
    }
    if (memchr(data, 0, size))
        return 0; /* a Query's text ends at its first NUL */
    char *text = malloc(size + 1);
    memcpy(text, data, size);
    text[size] = 0;
    rw_context ctx = fixture_context(schema);
    rw_result r;
    bool ok = rw_rewrite(&ctx, text, size, &r);
    if (ok) {
        const char *out = r.sql ? r.sql : text;
        if (parses(text) && !parses(out))
            fail("the input parses, the output does not", text, r.sql);
        const char *why = changes_context(&r) ? NULL : live_check(out);
        if (why)
            fail(why, text, r.sql);
    }
    check_cached(cache, &ctx, text, size, &r);
    rw_result_free(&r);
    free(text);
    return 0;
}
