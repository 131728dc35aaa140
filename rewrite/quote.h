/* rewrite/quote.h — text from the catalog, the configuration or a client, put into SQL the
 * proxy generates. Names are data (SPEC §6): nothing in one may end the quoted text that
 * holds it, whatever standard_conforming_strings the session runs with. One form per kind
 * of text:
 *   identifiers      "..." with quotes doubled (quote_identifier; rw_quote, names.c);
 *   short literals   '...' with quotes doubled; a text holding a backslash is dollar-quoted
 *                    instead (below), as '...' reads backslashes as escapes when the
 *                    setting is off — and a cascade plan built in one session is run
 *                    (EXECUTE) in every other;
 *   long texts       (cascade plans, checks, DO bodies) dollar-quoted with a tag the text
 *                    cannot end: $tombstone$, else $tombstone1$, $tombstone2$, ...
 * No form relies on a backslash escape: in client encodings such as SJIS or BIG5 a 0x5C
 * byte may be the second byte of a character, and the escape that a byte-wise quoting adds
 * after it would be left alone, free to escape the closing quote.
 * Pure code: the callers own the memory (an arena, or malloc); rw_sql_literal and
 * rw_dollar_quote (internal.h) are these for the rewrite's arena. */
#ifndef RW_QUOTE_H
#define RW_QUOTE_H

#include <stdbool.h>
#include <stddef.h>

/* Longest delimiter of a dollar quote written here, with its NUL. */
#define RW_TAG_SIZE 24

/* Bytes rw_dollar_put may write for a text of n bytes, with the terminating NUL. */
#define RW_DOLLAR_SIZE(n) ((n) + 2 * RW_TAG_SIZE)

/* Writes text[0..len) dollar-quoted at out (RW_DOLLAR_SIZE(len) bytes), NUL-terminated,
 * with a tag the text cannot end; returns the quote's length. */
size_t rw_dollar_put(char *out, const char *text, size_t len);

/* Bytes rw_literal_put may write for a text of n bytes, with the terminating NUL. */
#define RW_LITERAL_SIZE(n) (2 * (n) + 2 * RW_TAG_SIZE)

/* Writes s as a string literal at out (RW_LITERAL_SIZE(strlen(s)) bytes), NUL-terminated;
 * returns the literal's length. */
size_t rw_literal_put(char *out, const char *s);

/* Bytes rw_ident_put may write for a name of n bytes, with the terminating NUL. */
#define RW_IDENT_SIZE(n) (2 * (n) + 3)

/* Writes name as a quoted identifier at out (RW_IDENT_SIZE(strlen(name)) bytes): always in
 * double quotes, quotes doubled, so that no name (a keyword, capitals, a quote) changes the
 * SQL around it. For the SQL the tools print; the rewriter keeps PostgreSQL's own
 * quote_identifier, which leaves plain names bare. Returns the identifier's length. */
size_t rw_ident_put(char *out, const char *name);

/* The predicate text of a partial index as pg_get_expr printed it in a session whose
 * standard_conforming_strings was `standard`, with each '...' literal holding a backslash
 * written as rw_literal_put writes it: a text that means the same with the setting on or
 * off. malloc'd; NULL when a literal holds an escape pg_get_expr does not print. */
char *rw_literals_portable(const char *pred, bool standard);

#endif
