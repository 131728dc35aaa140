/* tests/fuzz/live_check.h — an independent check of the rewriter's main promise (SPEC §3,
 * §4) on its output: the text is parsed again with libpg_query and walked, without any of
 * the rewriter's code.
 *
 * Over the soft-delete tables of tests/unit/rw_fixture.h (those with a marker column), in
 * each statement that SPEC §3 says is rewritten (SELECT, INSERT, UPDATE, DELETE, MERGE,
 * EXPLAIN, PREPARE, DECLARE CURSOR, COPY, CREATE TABLE AS):
 *  - every reference to such a table in FROM, JOIN, USING, MERGE's USING and the target
 *    of an UPDATE (but WHERE CURRENT OF: a cursor of a rewritten query) is matched by a predicate
 * on its marker under the name the reference goes by (`q.deleted_at IS NULL`, `NOT q.is_deleted`,
 * `q.is_deleted IS NOT TRUE`); references are counted against predicates per name and statement, so
 * a predicate in the wrong subquery of a statement that uses one alias twice goes unnoticed;
 *  - no DELETE on such a table is left (it would delete for real).
 * A name that a CTE of the statement defines is not the table (SPEC §2); the rewriter's own
 * look-ups of marked parents (aliases `_tomb$n`) want marked rows and are not counted.
 * Tables hidden through a cascade (no marker of their own) are not checked. */
#ifndef FUZZ_LIVE_CHECK_H
#define FUZZ_LIVE_CHECK_H

/* NULL when every reference carries its predicate, else what is wrong (static text). Text
 * that does not parse passes. */
const char *live_check(const char *sql);

#endif
