/* rewrite/lexer.h — PostgreSQL's lexical rules, reduced to what splicing edits needs.
 *
 * The raw parse tree gives the start of many nodes but never where a clause ends, and an
 * insertion placed after a trailing "-- comment" would be commented out. The token list
 * answers both: where does the expression that starts here end, and where does the last
 * token before it finish. libpg_query's own scanner is not usable here (its extra state
 * struct differs from the server headers'), so this is a small, independent lexer that a
 * unit test cross-checks against pg_query_scan on the whole test corpus. */
#ifndef RW_LEXER_H
#define RW_LEXER_H

#include <stdbool.h>
#include <stddef.h>
#include <string.h>
#include <strings.h>

typedef enum {
    RW_TOK_WORD,   /* identifier or keyword, unquoted */
    RW_TOK_QIDENT, /* "quoted identifier", U&"..." */
    RW_TOK_STRING, /* '...', E'...', B'...', X'...', N'...', U&'...', $tag$...$tag$ */
    RW_TOK_NUMBER,
    RW_TOK_PARAM, /* $1 */
    RW_TOK_OP,    /* operator, incl. :: and . and : */
    RW_TOK_LPAREN,
    RW_TOK_RPAREN,
    RW_TOK_LBRACKET,
    RW_TOK_RBRACKET,
    RW_TOK_COMMA,
    RW_TOK_SEMI,
} rw_tok_kind;

typedef struct {
    int start, end; /* byte offsets into the text, end exclusive */
    rw_tok_kind kind;
} rw_token;

typedef struct rw_tokens {
    rw_token *tok;
    int n, cap;
    bool open; /* the text ends inside a quoted token or a C comment: it cannot parse */
} rw_tokens;

/* Splits text[0..len) into tokens, skipping white space and comments. Lexing never fails:
 * an unterminated string or comment simply runs to the end (the parser reports those). */
void rw_lex(const char *text, int len, bool standard_strings, rw_tokens *out);
void rw_tokens_free(rw_tokens *t);
/* Frees the token array when it grew past what an ordinary statement needs (192 kB: a
 * statement of thousands of values): one huge text must not keep its tokens' memory for the
 * life of the process. */
#define RW_TOKENS_KEPT 16384
void rw_tokens_trim(rw_tokens *t);

/* Index of the first token starting at or after offset (t->n if none). */
int rw_tok_at(const rw_tokens *t, int offset);

/* True when token i is the unquoted word kw (kw in lower case ASCII). Inline: the clause
 * scans ask it for every word against every clause keyword, and the first letter rules out
 * almost all of them before any length or case-blind comparison. */
static inline bool rw_tok_is(const rw_tokens *t, const char *text, int i, const char *kw)
{
    if (i < 0 || i >= t->n || t->tok[i].kind != RW_TOK_WORD)
        return false;
    const char *word = text + t->tok[i].start;
    if ((*word | 0x20) != kw[0])
        return false;
    size_t n = (size_t)(t->tok[i].end - t->tok[i].start);
    return strlen(kw) == n && strncasecmp(word, kw, n) == 0;
}

/* Index of the parenthesis closing the one at token i, or t->n when it is not closed. */
int rw_tok_match_paren(const rw_tokens *t, int i);

#endif
