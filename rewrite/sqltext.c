/* rewrite/sqltext.c — quoted names and small SQL pieces for the tools' generated SQL. */
#include "rewrite/sqltext.h"

#include "rewrite/quote.h"

#include <string.h>

const char *rw_text_ident(rw_arena *a, const char *name)
{
    char *out = rw_arena_alloc(a, RW_IDENT_SIZE(strlen(name)));
    rw_ident_put(out, name);
    return out;
}

const char *rw_text_table(rw_arena *a, const rw_table *t)
{
    return rw_arena_cat(a, rw_text_ident(a, t->schema), ".", rw_text_ident(a, t->name));
}

const char *rw_text_literal(rw_arena *a, const char *s)
{
    char *out = rw_arena_alloc(a, RW_LITERAL_SIZE(strlen(s)));
    rw_literal_put(out, s);
    return out;
}

const char *rw_text_cols(rw_arena *a, const char *prefix, char *const *cols, int n)
{
    const char *list = NULL;
    for (int i = 0; i < n; i++) {
        const char *c = rw_text_ident(a, cols[i]);
        list = rw_arena_append(a, list, ", ", prefix ? rw_arena_cat(a, prefix, ".", c) : c);
    }
    return list ? list : "";
}

const char *rw_text_key_eq(rw_arena *a, const char *l, char *const *lcols, const char *r,
                           char *const *rcols, int n)
{
    const char *cond = NULL;
    for (int i = 0; i < n; i++)
        cond = rw_arena_append(a, cond, " AND ",
                               rw_arena_cat(a, l, ".", rw_text_ident(a, lcols[i]), " = ", r, ".",
                                            rw_text_ident(a, rcols[i])));
    return cond ? cond : "true";
}

const char *rw_text_marked(rw_arena *a, const rw_table *t, const char *ref, bool marked)
{
    const char *col = rw_arena_cat(a, ref, ".", rw_text_ident(a, t->marker_col));
    if (t->marker == RW_MARKER_BOOL)
        return marked ? col : rw_arena_cat(a, "NOT ", col);
    return rw_arena_cat(a, col, marked ? " IS NOT NULL" : " IS NULL");
}
