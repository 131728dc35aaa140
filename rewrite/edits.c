/* rewrite/edits.c — recording edits against the original text and splicing them in. */
#include "rewrite/internal.h"

#include "common/mem.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static void add(rw_walk *w, int at, int del, const char *text)
{
    if (w->nedits == w->capedits) {
        w->capedits = w->capedits ? 2 * w->capedits : 16;
        rw_edit *bigger = rw_arena_alloc(w->arena, (size_t)w->capedits * sizeof *bigger);
        if (w->nedits)
            memcpy(bigger, w->edits, (size_t)w->nedits * sizeof *bigger);
        w->edits = bigger;
    }
    w->edits[w->nedits] = (rw_edit){at, del, text, w->nedits};
    w->nedits++;
}

void rw_edit_insert(rw_walk *w, int at, const char *text)
{
    add(w, at, 0, text);
}

void rw_edit_replace(rw_walk *w, int at, int end, const char *text)
{
    add(w, at, end - at, text);
}

void rw_refuse(rw_walk *w, const char *why)
{
    if (!w->refusal)
        w->refusal = why;
}

void rw_refuse_with(rw_walk *w, const char *sqlstate, const char *message)
{
    if (!w->refusal) {
        w->refusal = message;
        w->refusal_state = sqlstate;
    }
}

static int by_offset(const void *a, const void *b)
{
    const rw_edit *x = a, *y = b;
    if (x->at != y->at)
        return x->at < y->at ? -1 : 1;
    /* at one offset a deletion goes last, so that insertions before it survive */
    if ((x->del > 0) != (y->del > 0))
        return x->del > 0 ? 1 : -1;
    return x->seq - y->seq;
}

int rw_chars_count(const char *text, int n, rw_chars chars)
{
    if (chars != RW_CHARS_UTF8)
        return n;
    /* characters = bytes - continuation bytes (10xxxxxx), eight bytes at a time: inserted
     * texts run to kilobytes (a cascade's plan, a checked 100-row VALUES), mostly ASCII */
    const uint64_t high = 0x8080808080808080u, ones = 0x0101010101010101u;
    int c = n, i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t w;
        memcpy(&w, text + i, 8);
        if (w & high) /* one bit per continuation byte, summed into the top byte */
            c -= (int)((((w & ~(w << 1) & high) >> 7) * ones) >> 56);
    }
    for (; i < n; i++)
        c -= ((unsigned char)text[i] & 0xC0) == 0x80;
    return c;
}

/* A character of a word (identifier, keyword, number) to PostgreSQL's lexer. */
static bool word_char(char c)
{
    unsigned char u = (unsigned char)c;
    return u >= 0x80 || u == '_' || u == '$' || (u >= '0' && u <= '9') ||
           ((u | 0x20) >= 'a' && (u | 0x20) <= 'z');
}

/* A space at p when the word before it would run into the character c: an inserted
 * predicate ending in NULL before ")ORDER BY" written without a space (found by
 * tests/fuzz/fuzz_rewrite) would make "NULLORDER". */
static char *keep_apart(char *p, const char *start, char c)
{
    if (p > start && word_char(p[-1]) && word_char(c))
        *p++ = ' ';
    return p;
}

bool rw_splice(const char *text, int len, const rw_edit *edits, int n, rw_chars chars,
               rw_result *out)
{
    size_t cap = (size_t)len + 1;
    for (int i = 0; i < n; i++)
        cap += strlen(edits[i].ins) + 2; /* and the spaces keep_apart may add */
    char *sql = mem_alloc(cap), *p = sql;
    bool map = chars != RW_CHARS_UNKNOWN;
    rw_text_edit *where = map ? mem_alloc((size_t)n * sizeof *where) : NULL;
    int pos = 0, in = 0, outc = 0;
    for (int i = 0; i < n; i++) {
        const rw_edit *e = &edits[i];
        if (e->at < pos) { /* overlapping replacements: a bug in the walk, never spliced */
            free(sql);
            free(where);
            return false;
        }
        memcpy(p, text + pos, (size_t)(e->at - pos));
        p += e->at - pos;
        char *from = p;
        size_t k = strlen(e->ins);
        char after = e->at + e->del < len ? text[e->at + e->del] : ' ';
        p = keep_apart(p, sql, k ? e->ins[0] : after);
        memcpy(p, e->ins, k);
        p += k;
        if (k)
            p = keep_apart(p, sql, after);
        if (map) {
            int same = rw_chars_count(text + pos, e->at - pos, chars);
            where[i] = (rw_text_edit){outc + same, rw_chars_count(from, (int)(p - from), chars),
                                      in + same, rw_chars_count(text + e->at, e->del, chars)};
            outc = where[i].out + where[i].ins;
            in = where[i].at + where[i].del;
        }
        pos = e->at + e->del;
    }
    memcpy(p, text + pos, (size_t)(len - pos));
    p += len - pos;
    *p = '\0';
    out->sql = sql;
    out->len = (size_t)(p - sql);
    out->edits = where;
    out->nedits = map ? n : 0;
    return true;
}

bool rw_edits_apply(rw_walk *w, rw_result *out)
{
    qsort(w->edits, (size_t)w->nedits, sizeof *w->edits, by_offset);
    return rw_splice(w->sql, w->len, w->edits, w->nedits, w->ctx->chars, out);
}

int rw_original_position(const rw_text_edit *edits, int n, int position)
{
    int p = position - 1, shift = 0;
    for (int i = 0; i < n && edits[i].out <= p; i++) {
        if (p < edits[i].out + edits[i].ins)
            return edits[i].at + 1;
        shift = edits[i].at + edits[i].del - (edits[i].out + edits[i].ins);
    }
    return p + shift + 1;
}
