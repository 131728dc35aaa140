/* rewrite/explain.c — what a rewrite did and why, for `tombstone rewrite` (rewrite.h,
 * rw_explain): facts noted by the walk where it decides them, and the span of each statement
 * in the rewritten text. The proxy passes no collector: of a note it keeps only the
 * statement's flag for the statistics (RW_FILTERED, RW_MARKS, RW_FK_WRITE). */
#include "rewrite/internal.h"

#include "common/mem.h"

#include <stdlib.h>
#include <string.h>

static void push(rw_explain *e, rw_why why)
{
    if (e->n == e->cap) {
        e->cap = e->cap ? 2 * e->cap : 16;
        e->items = mem_realloc(e->items, (size_t)e->cap * sizeof *e->items);
    }
    e->items[e->n++] = why;
}

/* The statistics' flags of a fact: marking a table whose keys act (cascade, set, check) is
 * also a write the triggers back. */
static unsigned stat_flags(rw_why_kind kind, const rw_table *t)
{
    if (kind != RW_WHY_MARKED)
        return RW_FILTERED;
    for (int i = 0; i < t->nchildren; i++)
        if (rw_fk_acts_on_delete(t->children[i]))
            return RW_MARKS | RW_FK_WRITE;
    return RW_MARKS;
}

void rw_explain_note(rw_walk *w, rw_why_kind kind, const rw_table *t)
{
    w->facts->flags |= stat_flags(kind, t);
    rw_explain *e = w->ctx->explain;
    if (!e)
        return;
    for (int i = e->n - 1; i >= 0 && e->items[i].stmt == w->stmt; i--)
        if (e->items[i].kind == kind && e->items[i].table == t)
            return; /* once per statement */
    push(e, (rw_why){w->stmt, kind, t, NULL});
}

void rw_explain_refused(rw_walk *w, int stmt, const char *why)
{
    rw_explain *e = w->ctx->explain;
    if (!e)
        return;
    int kept = 0;
    for (int i = 0; i < e->n; i++) {
        if (e->items[i].stmt == stmt)
            free(e->items[i].text);
        else
            e->items[kept++] = e->items[i];
    }
    e->n = kept;
    push(e, (rw_why){stmt, RW_WHY_REFUSED, NULL, mem_strdup(why)});
}

void rw_explain_free(rw_explain *e)
{
    for (int i = 0; i < e->n; i++)
        free(e->items[i].text);
    free(e->items);
    memset(e, 0, sizeof *e);
}

/* Where original offset x lands in the rewritten text. `after`: past the insertions made at
 * x (the end of a statement keeps what was appended to it), else before them (its start
 * keeps what was put in front of it). */
static int mapped(const rw_result *r, int x, bool after)
{
    int shift = 0;
    for (int i = 0; i < r->nedits; i++) {
        const rw_text_edit *e = &r->edits[i];
        if (e->at > x || (e->at == x && !(after && e->del == 0)))
            break;
        if (e->at + e->del > x) /* x inside a replaced span: its start or end */
            return after ? e->out + e->ins : e->out;
        shift = e->out + e->ins - (e->at + e->del);
    }
    return x + shift;
}

void rw_result_stmt_text(const rw_result *r, const char *text, int i, const char **out, int *len)
{
    const rw_stmt_facts *f = &r->stmts[i];
    if (!r->sql) {
        *out = text + f->start;
        *len = f->len;
        return;
    }
    int start = mapped(r, f->start, false), end = mapped(r, f->start + f->len, true);
    *out = r->sql + start;
    *len = end - start;
}
