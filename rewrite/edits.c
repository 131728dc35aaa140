/* rewrite/edits.c — recording edits against the original text and splicing them in. */
#include "rewrite/internal.h"

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

char *rw_edits_apply(rw_walk *w, size_t *len)
{
    qsort(w->edits, (size_t)w->nedits, sizeof *w->edits, by_offset);
    size_t cap = (size_t)w->len + 1;
    for (int i = 0; i < w->nedits; i++)
        cap += strlen(w->edits[i].ins);
    char *out = malloc(cap), *p = out;
    if (!out)
        abort();
    int pos = 0;
    for (int i = 0; i < w->nedits; i++) {
        const rw_edit *e = &w->edits[i];
        if (e->at < pos) { /* overlapping replacements: a bug in the walk, never spliced */
            free(out);
            return NULL;
        }
        memcpy(p, w->sql + pos, (size_t)(e->at - pos));
        p += e->at - pos;
        size_t n = strlen(e->ins);
        memcpy(p, e->ins, n);
        p += n;
        pos = e->at + e->del;
    }
    memcpy(p, w->sql + pos, (size_t)(w->len - pos));
    p += w->len - pos;
    *p = '\0';
    *len = (size_t)(p - out);
    return out;
}
