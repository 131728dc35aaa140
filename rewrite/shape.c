/* rewrite/shape.c — templates of rewrites, by the shape of the text (see shape.h). */
#include "rewrite/internal.h"
#include "common/mem.h"
#include "rewrite/map.h"
#include "rewrite/shape.h"

#include <stdlib.h>
#include <string.h>

/* Edits of a shape applied without a heap allocation, up to this many. */
enum { EDITS_ON_STACK = 16 };

/* Facts that say nothing about the literals of a statement: its template holds for all. */
enum {
    SHAPE_FLAGS = RW_DELETE_TAG | RW_PATH_DEPENDENT | RW_NEEDS_CATALOG | RW_TRANSACTION |
                  RW_FILTERED | RW_MARKS | RW_FK_WRITE | RW_UPSERT
};

static bool literal(rw_tok_kind k)
{
    return k == RW_TOK_STRING || k == RW_TOK_NUMBER;
}

uint64_t rw_shape_hash(const char *text, const rw_tokens *toks)
{
    uint64_t h = (uint64_t)toks->n * 0x9e3779b97f4a7c15ULL;
    for (int i = 0; i < toks->n; i++) {
        const rw_token *t = &toks->tok[i];
        uint64_t part = literal(t->kind) ? (uint64_t)t->kind
                                         : rw_hash(text + t->start, (size_t)(t->end - t->start));
        h = (h ^ part) * 0x100000001b3ULL;
        h ^= h >> 31;
    }
    return h;
}

/* The token boundary at byte offset `at`: preferably the end of the token before (an
 * insertion after a token stays before a comment that follows it), else a token's start. */
static bool anchor_of(const rw_tokens *toks, int at, bool prefer_end, rw_anchor *a)
{
    int i = rw_tok_at(toks, at);
    bool starts = i < toks->n && toks->tok[i].start == at;
    bool ends = i > 0 && toks->tok[i - 1].end == at;
    if (ends && (prefer_end || !starts))
        *a = (rw_anchor){i - 1, true};
    else if (starts)
        *a = (rw_anchor){i, false};
    else
        return false;
    return true;
}

static int offset_of(const rw_tokens *toks, rw_anchor a)
{
    return a.end ? toks->tok[a.tok].end : toks->tok[a.tok].start;
}

bool rw_shape_make(const rw_walk *w, const rw_stmt_facts *facts, int n, rw_shape *out)
{
    *out = (rw_shape){0};
    if (w->literal_text || !w->toks.n)
        return false;
    for (int i = 0; i < n; i++)
        if (facts[i].flags & ~SHAPE_FLAGS)
            return false;
    rw_shape s = {.ntoks = w->toks.n, .nedits = w->nedits, .nstmts = n};
    s.edits = mem_array((size_t)s.nedits, sizeof *s.edits);
    s.flags = mem_array((size_t)n, sizeof *s.flags);
    s.toks = mem_array((size_t)s.ntoks, sizeof *s.toks);
    memcpy(s.toks, w->toks.tok, (size_t)s.ntoks * sizeof *s.toks);
    for (int i = 0; i < n; i++)
        s.flags[i] = facts[i].flags;
    for (int i = 0; i < w->nedits; i++) {
        const rw_edit *e = &w->edits[i];
        rw_shape_edit *se = &s.edits[i];
        /* an insertion ends where it starts: anchored apart (the end of one token, the start
         * of the next), it would delete the white space another text has between them
         * (found by tests/fuzz/fuzz_rewrite) */
        bool ok = anchor_of(&w->toks, e->at, e->del == 0, &se->at);
        if (ok && e->del == 0)
            se->to = se->at;
        else if (ok)
            ok = anchor_of(&w->toks, e->at + e->del, true, &se->to);
        if (!ok)
            return rw_shape_free(&s), false;
        se->text = mem_strdup(e->ins);
    }
    *out = s;
    return true;
}

bool rw_shape_matches(const rw_shape *s, const char *source, const char *text,
                      const rw_tokens *toks)
{
    /* a text that ends inside a literal or comment would take the template's edits there,
     * where a quote in an edit could end the literal (found by tests/fuzz/fuzz_rewrite) */
    if (toks->open || toks->n != s->ntoks)
        return false;
    for (int i = 0; i < s->ntoks; i++) {
        const rw_token *a = &s->toks[i], *b = &toks->tok[i];
        if (a->kind != b->kind)
            return false;
        if (!literal(a->kind) &&
            (a->end - a->start != b->end - b->start ||
             memcmp(source + a->start, text + b->start, (size_t)(a->end - a->start)) != 0))
            return false;
    }
    return true;
}

void rw_shape_apply(const rw_shape *s, const char *text, size_t len, const rw_tokens *toks,
                    rw_chars chars, rw_result *out)
{
    rw_edit stack[EDITS_ON_STACK] = {{0}};
    rw_edit *edits =
        s->nedits <= EDITS_ON_STACK ? stack : mem_alloc((size_t)s->nedits * sizeof *edits);
    for (int i = 0; i < s->nedits; i++) {
        int at = offset_of(toks, s->edits[i].at), to = offset_of(toks, s->edits[i].to);
        edits[i] = (rw_edit){at, to - at, s->edits[i].text, i};
    }
    /* a template's edits sit at token boundaries in the order they apply: they cannot
     * overlap in a text whose tokens match */
    rw_splice(text, (int)len, edits, s->nedits, chars, out);
    if (edits != stack)
        free(edits);
}

void rw_shape_free(rw_shape *s)
{
    for (int i = 0; i < s->nedits; i++)
        free(s->edits[i].text);
    free(s->edits);
    free(s->flags);
    free(s->toks);
    *s = (rw_shape){0};
}
