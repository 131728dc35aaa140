/* rewrite/clauses.c — where clauses begin and end, read from the tokens.
 *
 * The raw parse tree has no end positions and no positions at all for FROM items other than
 * table names, so the keywords of a statement are found in the token list: a clause keyword
 * counts at the statement's own parenthesis depth only, and not where the same word is a
 * column label (after AS or a dot) or part of IS [NOT] DISTINCT FROM / WITHIN GROUP. */
#include "rewrite/internal.h"

#include <string.h>

static const char *const clause_words[RW_CL_COUNT] = {
    [RW_CL_FROM] = "from",     [RW_CL_INTO] = "into",
    [RW_CL_WHERE] = "where",   [RW_CL_GROUP] = "group",
    [RW_CL_HAVING] = "having", [RW_CL_WINDOW] = "window",
    [RW_CL_ORDER] = "order",   [RW_CL_LIMIT] = "limit",
    [RW_CL_OFFSET] = "offset", [RW_CL_FETCH] = "fetch",
    [RW_CL_FOR] = "for",       [RW_CL_USING] = "using",
    [RW_CL_SET] = "set",       [RW_CL_RETURNING] = "returning",
};

static bool is(rw_walk *w, int i, const char *kw)
{
    return rw_tok_is(&w->toks, w->sql, i, kw);
}

static bool is_kind(rw_walk *w, int i, rw_tok_kind k)
{
    return i >= 0 && i < w->toks.n && w->toks.tok[i].kind == k;
}

/* A keyword that is really a label or part of a larger construct. */
static bool is_label(rw_walk *w, int i)
{
    if (is(w, i - 1, "as"))
        return true;
    if (is_kind(w, i - 1, RW_TOK_OP) && w->toks.tok[i - 1].end - w->toks.tok[i - 1].start == 1 &&
        w->sql[w->toks.tok[i - 1].start] == '.')
        return true;
    if (is(w, i, "from") && is(w, i - 1, "distinct"))
        return true; /* IS [NOT] DISTINCT FROM */
    if (is(w, i, "group") && is(w, i - 1, "within"))
        return true;
    return false;
}

/* Words that end a select wherever they appear at its depth. */
static bool ends_statement(rw_walk *w, int i)
{
    if (is(w, i, "union") || is(w, i, "intersect") || is(w, i, "except"))
        return true;
    if (is(w, i, "on") && is(w, i + 1, "conflict"))
        return true; /* INSERT ... SELECT ... ON CONFLICT */
    if (is(w, i, "with") && (is(w, i + 1, "data") || is(w, i + 1, "no")))
        return true; /* CREATE TABLE AS ... WITH [NO] DATA */
    return false;
}

void rw_clauses_scan(rw_walk *w, int from, unsigned which, rw_clauses *out)
{
    for (int c = 0; c < RW_CL_COUNT; c++)
        out->at[c] = -1;
    int depth = 0, i;
    for (i = from; i < w->toks.n; i++) {
        rw_tok_kind k = w->toks.tok[i].kind;
        if (k == RW_TOK_LPAREN || k == RW_TOK_LBRACKET) {
            depth++;
        } else if (k == RW_TOK_RPAREN || k == RW_TOK_RBRACKET) {
            if (depth-- == 0)
                break;
        } else if (depth == 0 && k == RW_TOK_SEMI) {
            break;
        } else if (depth == 0 && k == RW_TOK_WORD && !is_label(w, i)) {
            if (ends_statement(w, i) ||
                (is(w, i, "returning") && !(which & (1u << RW_CL_RETURNING))))
                break;
            for (int c = 0; c < RW_CL_COUNT; c++)
                if ((which & (1u << c)) && out->at[c] < 0 && is(w, i, clause_words[c]))
                    out->at[c] = i;
        }
    }
    out->end = i;
}

int rw_clause_next(const rw_clauses *c, int kw)
{
    int next = c->end;
    for (int k = 0; k < RW_CL_COUNT; k++)
        if (c->at[k] > kw && c->at[k] < next)
            next = c->at[k];
    return next;
}

/* Join keywords end an ON condition; LEFT and RIGHT only when they start a join, since
 * left(...) and right(...) are also functions. */
static bool starts_join(rw_walk *w, int i)
{
    if (is(w, i, "join") || is(w, i, "natural") || is(w, i, "on"))
        return true;
    if (is(w, i, "inner") || is(w, i, "cross"))
        return is(w, i + 1, "join");
    if (is(w, i, "left") || is(w, i, "right") || is(w, i, "full"))
        return is(w, i + 1, "join") || is(w, i + 1, "outer");
    return false;
}

int rw_on_expr_end(rw_walk *w, int on)
{
    int depth = 0;
    for (int i = on + 1; i < w->toks.n; i++) {
        rw_tok_kind k = w->toks.tok[i].kind;
        if (k == RW_TOK_LPAREN || k == RW_TOK_LBRACKET) {
            depth++;
        } else if (k == RW_TOK_RPAREN || k == RW_TOK_RBRACKET) {
            if (depth-- == 0)
                return i;
        } else if (depth == 0 && (k == RW_TOK_SEMI || k == RW_TOK_COMMA)) {
            return i;
        } else if (depth == 0 && k == RW_TOK_WORD && !is_label(w, i)) {
            if (starts_join(w, i) || ends_statement(w, i) || is(w, i, "when"))
                return i;
            for (int c = 0; c < RW_CL_COUNT; c++)
                if (c != RW_CL_SET && c != RW_CL_USING && is(w, i, clause_words[c]))
                    return i;
        }
    }
    return w->toks.n;
}

int rw_end_before(rw_walk *w, int i)
{
    return i > 0 ? w->toks.tok[i - 1].end : 0;
}

int rw_keyword_before(rw_walk *w, Node *expr, const char *kw)
{
    int loc = rw_expr_min_location(expr);
    if (loc < 0)
        return -1;
    int i = rw_tok_at(&w->toks, loc);
    if (i >= w->toks.n || w->toks.tok[i].start != loc)
        return -1;
    for (i--; is_kind(w, i, RW_TOK_LPAREN);)
        i--;
    return is(w, i, kw) ? i : -1;
}

static bool is_name_token(rw_walk *w, int i)
{
    return is_kind(w, i, RW_TOK_WORD) || is_kind(w, i, RW_TOK_QIDENT);
}

static bool is_op(rw_walk *w, int i, const char *op)
{
    size_t n = strlen(op);
    return is_kind(w, i, RW_TOK_OP) && (size_t)(w->toks.tok[i].end - w->toks.tok[i].start) == n &&
           memcmp(w->sql + w->toks.tok[i].start, op, n) == 0;
}

void rw_range_span(rw_walk *w, const RangeVar *rv, int *start, int *end)
{
    int first = rw_tok_at(&w->toks, rv->location), i = first;
    if (i >= w->toks.n || w->toks.tok[i].start != rv->location) {
        *start = *end = -1;
        return;
    }
    bool only_parens = !rv->inh && is_kind(w, first - 1, RW_TOK_LPAREN) && is(w, first - 2, "only");
    if (!rv->inh)
        first -= only_parens ? 2 : is(w, first - 1, "only");
    while (is_op(w, i + 1, ".") && is_name_token(w, i + 2))
        i += 2;
    if (only_parens && is_kind(w, i + 1, RW_TOK_RPAREN))
        i++;
    if (rv->inh && is_op(w, i + 1, "*"))
        i++;
    if (rv->alias) {
        i += is(w, i + 1, "as") ? 2 : 1;
        if (rv->alias->colnames && is_kind(w, i + 1, RW_TOK_LPAREN))
            i = rw_tok_match_paren(&w->toks, i + 1);
        if (i >= w->toks.n) {
            *start = *end = -1;
            return;
        }
    }
    *start = w->toks.tok[first].start;
    *end = w->toks.tok[i].end;
}
