/* rewrite/sqltext.h — names and values put into the SQL the tools generate from a snapshot
 * (rewrite/purge.c, rewrite/audit.c), built in an arena. Names are data: every one is quoted
 * (rewrite/quote.h), whatever it looks like. */
#ifndef RW_SQLTEXT_H
#define RW_SQLTEXT_H

#include "rewrite/arena.h"
#include "rewrite/snapshot.h"

/* "name", quotes doubled. */
const char *rw_text_ident(rw_arena *a, const char *name);
/* "schema"."name" */
const char *rw_text_table(rw_arena *a, const rw_table *t);
/* A string literal that means s under either standard_conforming_strings. */
const char *rw_text_literal(rw_arena *a, const char *s);
/* "p"."a", "p"."b" (without prefix: "a", "b"). */
const char *rw_text_cols(rw_arena *a, const char *prefix, char *const *cols, int n);
/* l."x" = r."y" AND ...: two keys' columns, pairwise. */
const char *rw_text_key_eq(rw_arena *a, const char *l, char *const *lcols, const char *r,
                           char *const *rcols, int n);
/* The test a row `ref` of soft-delete table t passes when it is marked (gone) or live. */
const char *rw_text_marked(rw_arena *a, const rw_table *t, const char *ref, bool marked);

#endif
