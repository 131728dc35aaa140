/* rewrite/rewrite.h — the rewriter: SQL text and a schema snapshot in, rewritten SQL and the
 * facts the proxy needs out. Pure code: no sockets, no I/O.
 *
 * What it does (SPEC §3, §4, §6):
 *  - every reference to a soft-delete table sees live rows only (a predicate in the right
 *    WHERE or ON), and so does every table whose rows an ON DELETE CASCADE would have removed;
 *  - DELETE on a soft-delete table becomes an UPDATE that sets the marker;
 *  - UPDATE never touches marked rows;
 *  - a statement touching none of that is left byte for byte; a rewritten one differs only
 *    by the inserted or replaced pieces;
 *  - a construct it cannot handle safely on a soft-delete table is replaced by a statement
 *    that fails with SQLSTATE 0A000 naming the construct, so the server reports the error in
 *    order and with PostgreSQL's transaction semantics. */
#ifndef RW_REWRITE_H
#define RW_REWRITE_H

#include "rewrite/snapshot.h"

#include <stdbool.h>
#include <stddef.h>

/* How the server counts the characters of a text (an error's position is a character
 * index): as UTF-8, as bytes (a single-byte encoding, or SQL_ASCII on the server), or in a
 * multi-byte encoding the rewriter does not count (positions are then left as they are). */
typedef enum { RW_CHARS_UTF8, RW_CHARS_BYTES, RW_CHARS_UNKNOWN } rw_chars;

/* Which rows statements see and reach (SPEC §5): `tombstone.visibility`. */
typedef enum {
    RW_SEE_LIVE,    /* live rows only (the default) */
    RW_SEE_ALL,     /* live and marked rows */
    RW_SEE_DELETED, /* marked rows only: the trash */
} rw_visibility;

/* The session's tombstone.* settings: what statements see, and what a DELETE does. */
typedef struct {
    rw_visibility visibility;
    bool hard_deletes; /* tombstone.deletes = hard: a DELETE really deletes */
} rw_mode;

/* Parses a value of tombstone.visibility ("live", "all", "deleted") or tombstone.deletes
 * ("soft", "hard") into *mode; false when it is not one. */
bool rw_mode_parse(const char *setting, const char *value, rw_mode *mode);

struct rw_explain;

typedef struct {
    const rw_snapshot *snapshot;
    /* The session's effective search path for relations, in order (what current_schemas(true)
     * reports: pg_catalog and the temporary schema included when they apply). */
    const char *const *search_path;
    int nsearch_path;
    bool standard_strings; /* standard_conforming_strings */
    const char *user;      /* for "$user" in a SET search_path inside the text */
    /* What RESET search_path inside the text goes back to. */
    const char *const *reset_path;
    int nreset_path;
    /* Temporary tables of the session: PostgreSQL looks in pg_temp first, so an unqualified
     * name of one of these is that temporary table, never a soft-delete table. */
    const char *const *temp_tables;
    int ntemp_tables;
    rw_chars chars;     /* for rw_result.edits */
    rw_mode mode;       /* tombstone.visibility and tombstone.deletes */
    rw_mode reset_mode; /* what RESET of them inside the text goes back to (the login's) */
    /* Optional: collects what the rewrite did and why (`tombstone rewrite`); NULL in the
     * proxy, which then pays one test per fact. */
    struct rw_explain *explain;
} rw_context;

/* What the proxy must know about one statement of the text. */
enum {
    RW_DELETE_TAG = 1 << 0,      /* its CommandComplete "UPDATE n" must read "DELETE n" */
    RW_DDL = 1 << 1,             /* may change the catalog: refresh the snapshot afterwards */
    RW_SEARCH_PATH = 1 << 2,     /* SET/RESET search_path: `value` holds the new setting */
    RW_PREPARE = 1 << 3,         /* SQL PREPARE `name`; prepared_flags apply to its EXECUTE */
    RW_EXECUTE = 1 << 4,         /* SQL EXECUTE `name`: take the tag fix from the prepared one */
    RW_DEALLOCATE = 1 << 5,      /* DEALLOCATE `name` (NULL name: ALL) */
    RW_DISCARD_ALL = 1 << 6,     /* DISCARD ALL: prepared statements and settings reset */
    RW_REFUSED = 1 << 7,         /* replaced by a statement raising 0A000 */
    RW_ROLLBACK = 1 << 8,        /* ROLLBACK (or ABORT): the transaction's settings are undone */
    RW_SET_LOCAL = 1 << 9,       /* with RW_SEARCH_PATH: SET LOCAL */
    RW_SEARCH_RESET = 1 << 10,   /* with RW_SEARCH_PATH: RESET/SET TO DEFAULT */
    RW_PATH_DEPENDENT = 1 << 11, /* an unqualified name of a known table: the rewrite holds
                                  * for this search_path only (a prepared statement that
                                  * runs under another must be rewritten again) */
    RW_SAVEPOINT = 1 << 12,      /* SAVEPOINT `name` */
    RW_RELEASE = 1 << 13,        /* RELEASE [SAVEPOINT] `name` */
    RW_ROLLBACK_TO = 1 << 14,    /* ROLLBACK TO [SAVEPOINT] `name` */
    RW_TEMP_TABLE = 1 << 15,     /* creates the temporary table `name` */
    RW_DROP_TABLES = 1 << 16,    /* DROP TABLE: `value` lists the unqualified names, ',' apart */
    RW_DISCARD_TEMP = 1 << 17,   /* DISCARD TEMP (DISCARD ALL sets RW_DISCARD_ALL) */
    RW_TRANSACTION = 1 << 18,    /* BEGIN, COMMIT, ROLLBACK, SAVEPOINT...: transaction control */
    RW_NEEDS_CATALOG = 1 << 19,  /* its rewrite depends on the catalog: DML, queries, COPY,
                                  * EXPLAIN, PREPARE, EXECUTE, CALL... (a DDL statement before
                                  * it in the same text must have run before it is rewritten) */
    RW_MODE = 1 << 20,           /* SET/RESET tombstone.visibility or tombstone.deletes: `name`
                                  * is "visibility" or "deletes", `value` the new value (NULL:
                                  * back to the session's default); with RW_SET_LOCAL */
    RW_RESET_ALL = 1 << 21,      /* RESET ALL (DISCARD ALL sets RW_DISCARD_ALL) */
    RW_INDEX = 1 << 23,          /* with RW_DDL: CREATE/DROP INDEX, which cannot make a table
                                  * soft-delete or not */
    RW_REREAD = 1 << 22,         /* may change the search_path or a tombstone.* setting in a
                                  * way only the server knows (set_config() with arguments
                                  * that are not constants): read them again after it */
    /* What the rewrite did, for the statistics (stats/stats.h); a refused statement has none */
    RW_FILTERED = 1 << 24, /* reads of some table see only the rows the session sees */
    RW_MARKS = 1 << 25,    /* a DELETE (or MERGE ... DELETE) marks rows instead */
    RW_FK_WRITE = 1 << 26, /* a write whose foreign-key actions or checks run in the triggers
                            * of `tombstone install`: marking a parent whose keys act, writing
                            * a key whose parent is soft-delete */
    RW_UPSERT = 1 << 27,   /* INSERT ... ON CONFLICT changed for a soft-delete table */
};

typedef struct {
    unsigned flags;
    unsigned prepared_flags; /* RW_PREPARE: flags the prepared statement will carry */
    char *name;              /* RW_PREPARE / RW_EXECUTE / RW_DEALLOCATE */
    char *value;             /* RW_SEARCH_PATH: the list as written (comma separated);
                              * RW_DROP_TABLES: the names */
    int start, len;          /* the statement's bytes in the text (as sent, before rewriting) */
} rw_stmt_facts;

/* Where one edit went, in characters: the text it put at `out` in the rewritten text, `ins`
 * characters long, replaced `del` characters at `at` in the original one. */
typedef struct {
    int out, ins, at, del;
} rw_text_edit;

typedef struct {
    char *sql; /* rewritten text (NUL-terminated), or NULL when forwarded unchanged */
    size_t len;
    int nstmts; /* statements in the text, as the server will count CommandCompletes */
    rw_stmt_facts *stmts;
    rw_text_edit *edits; /* with sql: its edits in order, for rw_original_position; NULL */
    int nedits;          /* when the context's characters are RW_CHARS_UNKNOWN */
    bool parse_error;    /* libpg_query rejected the text: forwarded unchanged */
    char *refusal;       /* first refusal message, for logs; NULL if none */
} rw_result;

/* Rewrites text[0..len) (NUL-terminated at len). Returns false only on a parse error, in
 * which case out->parse_error is set and the text must go to the server unchanged. */
bool rw_rewrite(const rw_context *ctx, const char *text, size_t len, rw_result *out);
void rw_result_free(rw_result *r);

/* A statement that fails with this SQLSTATE and message when the server runs it (a DO
 * block raising it), so the error comes in order and with the transaction behaviour of any
 * error: what a refused statement is replaced by. Returns a malloc'd string. */
char *rw_raise_statement(const char *sqlstate, const char *message);

/* The position (1-based, in characters) in the original text of `position` in the rewritten
 * one: what an ErrorResponse about the rewritten text must say to the client. A position
 * inside inserted text is the place of the insertion. */
int rw_original_position(const rw_text_edit *edits, int n, int position);

/* What a rewrite did to each statement and why, collected when rw_context.explain points at
 * one (zeroed before the first use; rw_explain_free after the last). A fact is listed once
 * per statement, in the order the walk met it. */
typedef enum {
    RW_WHY_FILTERED, /* reads of `table` see live rows only (a soft-delete table, or one whose
                      * rows a marked parent hides through ON DELETE CASCADE); with visibility
                      * = deleted, the rows a real delete would have taken only */
    RW_WHY_MARKED,   /* a DELETE (or MERGE ... DELETE) on `table` marks its rows instead */
    RW_WHY_REFUSED,  /* the statement was refused: `text` says why (its other facts dropped) */
} rw_why_kind;

typedef struct {
    int stmt; /* index into rw_result.stmts */
    rw_why_kind kind;
    const rw_table *table; /* of the snapshot the rewrite used; NULL for RW_WHY_REFUSED */
    char *text;
} rw_why;

typedef struct rw_explain {
    int n, cap;
    rw_why *items;
} rw_explain;

void rw_explain_free(rw_explain *e);

/* Statement i of a rewrite of `text` as it goes to the server: *out and *len span it in
 * r->sql (or in text when nothing was rewritten). Needs the edits in bytes: a rewrite whose
 * context had chars = RW_CHARS_BYTES. */
void rw_result_stmt_text(const rw_result *r, const char *text, int i, const char **out, int *len);

/* The characters of text[0..n) as the server counts them (RW_CHARS_UNKNOWN: bytes). */
int rw_chars_count(const char *text, int n, rw_chars chars);

/* True when text (lexed into toks, rewrite/lexer.h) names no table the snapshot knows and
 * has no keyword of a statement the proxy must know about: it goes to the server as it is,
 * and *nstmts says how many statements it holds. Much cheaper than rw_rewrite. */
struct rw_tokens;
bool rw_irrelevant(const rw_context *ctx, const char *text, const struct rw_tokens *toks,
                   int *nstmts);

#endif
