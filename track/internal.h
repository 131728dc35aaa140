/* track/internal.h — what the track's files share; not part of its interface. */
#ifndef TRACK_INTERNAL_H
#define TRACK_INTERNAL_H

#include "track/track.h"

/* ---- rewriting.c: the track's use of the rewriter ---- */

/* The rewrite of text[0..len) (NUL-terminated) under the session's search_path and catalog
 * snapshot, valid until the next call. */
const rw_result *track_rewrite(track *t, const char *text, size_t len);

/* Where facts come from: a Query runs its statements now; a Parse only prepares one, whose
 * effects happen at each Execute of it. */
typedef enum { TRACK_AT_QUERY, TRACK_AT_PARSE, TRACK_AT_EXECUTE } track_moment;

/* Counts a rewrite in the database's statistics: its statements by what was done to them,
 * and, when `runs` (a Query, not a Parse), as statements run. */
void track_count(track *t, const rw_result *r, bool runs);

/* Applies a statement's facts. `text` is the text they point into (for SQL PREPARE). */
void track_apply(track *t, const rw_stmt_facts *f, const char *text, track_moment when);

/* Does the statement's CommandComplete need "DELETE"? (EXECUTE asks its prepared one.) */
bool track_needs_fix(const track *t, const rw_stmt_facts *f);
/* What to do with the statement's answer: TRACK_FIX, TRACK_REFUSED or TRACK_PASS. */
track_answer track_answer_of(const track *t, const rw_stmt_facts *f);

/* What a prepared statement must remember: its facts, the versions its rewrite depends on,
 * and (when the rewrite depends on how names resolve) its source to rewrite it again. */
track_prepared track_prepared_of(const track *t, const rw_stmt_facts *facts, const uint8_t *source,
                                 size_t len, bool sql);

/* Is the prepared statement's rewrite out of date (another search_path or snapshot)? */
bool track_stale(const track *t, const track_prepared *e);
/* Is any kept statement's? */
bool track_names_any_stale(const track *t);

/* ---- split.c: a Query whose DDL must run before the rest is rewritten ---- */

/* The statement of r after which the text must be cut, or -1. */
int track_split_point(const rw_result *r);
/* Sends the first part of sql (r is its rewrite, cut its split point). */
proto_verdict track_split_start(track *t, const char *sql, size_t len, const rw_result *r, int cut,
                                proto_out *out);
/* A part's ReadyForQuery: true when it is the proxy's (more is due), false when it is the
 * client's (the Query is over). */
bool track_split_ready(track *t, char status);
void track_split_free(track *t);

/* ---- reprepare.c: statements rewritten under another search_path or catalog ---- */

/* Bind of a protocol-level statement: Close and Parse it again first, if it must be. */
void track_reprepare_before_bind(track *t, const char *stmt, proto_out *out);
/* A Query with SQL EXECUTE p: "DEALLOCATE p; PREPARE p AS ...;" goes in front. Returns the
 * new text (malloc'd) or NULL, and in *added how many statements it put in front. */
char *track_reprepare_in_query(track *t, const rw_result *r, const char *text, int *added);
/* A Parse of "EXECUTE p": when p must be prepared again, the DEALLOCATE and PREPARE run
 * first as statements of the proxy's own. Returns true when it did (the rewriter's last
 * result is then another text's). */
bool track_reprepare_before_parse(track *t, const rw_result *r, proto_out *out);

#endif
