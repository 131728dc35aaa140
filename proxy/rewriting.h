/* proxy/rewriting.h — a session's use of the rewriter (rewrite/): rewriting a text under
 * the session's search_path and catalog snapshot, and applying what the rewriter learnt
 * about each statement to the session (search_path, temporary tables, prepared statement
 * names, catalog staleness). Used by proxy/hooks.c and proxy/reprepare.c. */
#ifndef PROXY_REWRITING_H
#define PROXY_REWRITING_H

#include <stdbool.h>
#include <stddef.h>

#include "rewrite/rewrite.h"

typedef struct session session;

/* The rewrite of text[0..len) (NUL-terminated) for this session, valid until the next call. */
const rw_result *rewriting_rewrite(session *s, const char *text, size_t len);

/* Where the facts come from: a Query runs its statements now; a Parse only prepares one,
 * whose effects happen at each Execute of it. */
typedef enum { FACTS_QUERY, FACTS_PARSE, FACTS_EXECUTE } facts_moment;

/* The last rewrite's result is no longer needed: what it took beyond the usual is freed. */
void rewriting_done(session *s);

/* Applies a statement's facts. `text` is the text they point into (for SQL PREPARE). */
void rewriting_apply(session *s, const rw_stmt_facts *f, const char *text, facts_moment when);

/* Does the statement's CommandComplete need "DELETE"? (EXECUTE asks its prepared one.) */
bool rewriting_needs_fix(session *s, const rw_stmt_facts *f);

/* The versions a rewrite depends on: the search_path's and the catalog snapshot's. */
unsigned rewriting_path_version(const session *s);
uint64_t rewriting_schema_version(const session *s);

#endif
