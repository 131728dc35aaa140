/* tests/fuzz/fuzz_rewrite.c — the rewriter (rewrite/) on any SQL text, over the schema of
 * tests/unit/rw_fixture.h, as the proxy calls it (through the rewrite cache) and directly.
 * Beyond "no crash":
 *  - whenever libpg_query parses the input, it parses the output;
 *  - the cache (its prefilter, and the template of a statement's shape made from a twin
 *    that differs in its numbers and white space) gives the same tokens as a rewrite of
 *    its own;
 *  - every reference to a soft-delete table in the output carries its predicate, checked
 *    on the output parsed again (tests/fuzz/live_check.h), and no DELETE on one is left. */
#include "live_check.h"
#include "pg_query.h"
#include "rewrite/cache.h"
#include "rewrite/lexer.h"
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

/* Text of the same shape as text (rewrite/shape.h): its numbers changed, and the white
 * space next to punctuation dropped or added, so the cache's template made from one text is
 * applied to the other. Returns a malloc'd string. */
static char *twin_of(const char *text, size_t len, bool drop)
{
    rw_tokens t = {0};
    rw_lex(text, (int)len, true, &t);
    char *out = malloc(len * 3 + 1), *p = out;
    int pos = 0;
    for (int i = 0; i < t.n; i++) {
        const rw_token *k = &t.tok[i];
        bool punct = k->kind >= RW_TOK_LPAREN || (i && t.tok[i - 1].kind >= RW_TOK_LPAREN);
        size_t gap = (size_t)(k->start - pos);
        bool blank = strspn(text + pos, " \t\n\r\f") >= gap;
        if (!(drop && punct && blank)) {
            memcpy(p, text + pos, gap);
            p += gap;
        }
        if (!drop && punct && !gap && i)
            *p++ = ' ';
        bool number = k->kind == RW_TOK_NUMBER;
        size_t n = number ? 2 : (size_t)(k->end - k->start);
        memcpy(p, number ? "42" : text + k->start, n);
        p += n;
        pos = k->end;
    }
    memcpy(p, text + pos, len - (size_t)pos);
    p[len - (size_t)pos] = 0;
    rw_tokens_free(&t);
    return out;
}

/* The same tokens (white space and comments aside: an edit that copies a piece of the
 * twin, a column list say, copies its spacing too). */
static bool same_tokens(const char *a, const char *b)
{
    rw_tokens ta = {0}, tb = {0};
    rw_lex(a, (int)strlen(a), true, &ta);
    rw_lex(b, (int)strlen(b), true, &tb);
    bool same = ta.n == tb.n;
    for (int i = 0; same && i < ta.n; i++) {
        const rw_token *x = &ta.tok[i], *y = &tb.tok[i];
        same = x->end - x->start == y->end - y->start &&
               memcmp(a + x->start, b + y->start, (size_t)(x->end - x->start)) == 0;
    }
    rw_tokens_free(&ta);
    rw_tokens_free(&tb);
    return same;
}

/* The rewrite the proxy makes (the cache: its prefilter, and a template made from a twin)
 * is the rewrite of the text on its own, token for token. */
static void check_cached(const rw_context *ctx, const char *text, size_t len,
                         const rw_result *direct, bool drop)
{
    rw_cache *cache = rw_cache_new(1 << 20);
    char *twin = twin_of(text, len, drop);
    rw_cache_rewrite(cache, ctx, twin, strlen(twin));
    const rw_result *c = rw_cache_rewrite(cache, ctx, text, len);
    const char *want = direct->sql ? direct->sql : text, *got = c->sql ? c->sql : text;
    /* a text that does not parse goes as it is: its count of statements is a guess */
    if (!same_tokens(want, got) || (!direct->parse_error && c->nstmts != direct->nstmts)) {
        fprintf(stderr, "twin: %s\ndirect (%s, %d statements): %s\ncached (%d statements): %s\n",
                twin, direct->parse_error ? "parse error" : "parsed", direct->nstmts, want,
                c->nstmts, got);
        fail("the cache's rewrite differs from a rewrite of its own", text, got);
    }
    free(twin);
    rw_cache_free(cache);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static rw_snapshot *schema;
    if (!schema)
        schema = fixture_schema();
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
    check_cached(&ctx, text, size, &r, false);
    check_cached(&ctx, text, size, &r, true);
    rw_result_free(&r);
    free(text);
    return 0;
}
