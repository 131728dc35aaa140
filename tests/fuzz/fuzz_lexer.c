/* tests/fuzz/fuzz_lexer.c — the lexer (rewrite/lexer.c) and the prefilter
 * (rewrite/prefilter.c) on any text. The tokens lie inside the text, in order, without
 * overlap; a parenthesis is matched by a closing one after it, or by none. When the prefilter lets
 * a text through as needing nothing (it is then sent without a rewrite), a full rewrite must agree:
 * no change, no fact the proxy needs, and the same number of statements. */
#include "rewrite/lexer.h"
#include "tests/unit/rw_fixture.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_tokens(int len, const rw_tokens *t)
{
    int at = 0;
    for (int i = 0; i < t->n; i++) {
        const rw_token *k = &t->tok[i];
        if (k->start < at || k->end <= k->start || k->end > len)
            abort(); /* out of the text, out of order, overlapping or empty */
        at = k->end;
        if (k->kind == RW_TOK_LPAREN) {
            int close = rw_tok_match_paren(t, i);
            if (close < t->n && (close <= i || t->tok[close].kind != RW_TOK_RPAREN))
                abort();
        }
    }
}

/* The prefilter's "nothing to do" agrees with the rewriter. */
static void check_prefilter(const rw_context *ctx, const char *text, size_t len, const rw_tokens *t)
{
    int nstmts = -1;
    if (!rw_irrelevant(ctx, text, t, &nstmts))
        return;
    rw_result r;
    if (rw_rewrite(ctx, text, len, &r)) {
        unsigned flags = 0;
        for (int i = 0; i < r.nstmts; i++)
            flags |= r.stmts[i].flags & ~(unsigned)RW_NEEDS_CATALOG;
        if (r.sql || flags || r.nstmts != nstmts) {
            fprintf(stderr,
                    "prefilter: nothing to do, rewriter: %s, flags %x, %d vs %d statements\n"
                    "  text: %s\n",
                    r.sql ? r.sql : "unchanged", flags, r.nstmts, nstmts, text);
            abort();
        }
    }
    rw_result_free(&r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static rw_snapshot *schema;
    if (!schema)
        schema = fixture_schema();
    if (size > 1 << 20 || memchr(data, 0, size))
        return 0;
    char *text = malloc(size + 1);
    memcpy(text, data, size);
    text[size] = 0;
    rw_context ctx = fixture_context(schema);
    for (int standard = 0; standard < 2; standard++) {
        ctx.standard_strings = standard;
        rw_tokens t = {0};
        rw_lex(text, (int)size, standard, &t);
        check_tokens((int)size, &t);
        check_prefilter(&ctx, text, size, &t);
        rw_tokens_free(&t);
    }
    free(text);
    return 0;
}
