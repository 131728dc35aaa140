/* rewrite/lexer.c — token boundaries under PostgreSQL's lexical rules (scan.l). */
#include "rewrite/lexer.h"

#include "common/mem.h"

#include <stdlib.h>
#include <string.h>

static bool is_ident_start(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c >= 0x80;
}

static bool is_ident_cont(unsigned char c)
{
    return is_ident_start(c) || (c >= '0' && c <= '9') || c == '$';
}

static bool is_digit(unsigned char c)
{
    return c >= '0' && c <= '9';
}

/* PostgreSQL 15's white space (scan.l): not \v, which only PostgreSQL 16 takes. A text
 * with \v where a space would be does not parse, so it must never share a shape with one
 * that does (the cache would rewrite it from that one's template). */
static bool is_space(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}

static bool is_op_char(unsigned char c)
{
    return c != 0 && strchr("~!@#^&|`?+-*/%<>=", c) != NULL;
}

/* Skips white space and "--" comments; with c_comments, also (nested) C comments. */
static int skip_space(const char *s, int i, int len, bool c_comments)
{
    for (;;) {
        while (i < len && is_space((unsigned char)s[i]))
            i++;
        if (i + 1 < len && s[i] == '-' && s[i + 1] == '-') {
            while (i < len && s[i] != '\n')
                i++;
        } else if (c_comments && i + 1 < len && s[i] == '/' && s[i + 1] == '*') {
            int depth = 0;
            while (i <= len) {
                if (i == len)
                    return len + 1; /* unterminated: see rw_tokens.open */
                if (i + 1 < len && s[i] == '/' && s[i + 1] == '*') {
                    depth++;
                    i += 2;
                } else if (i + 1 < len && s[i] == '*' && s[i + 1] == '/') {
                    i += 2;
                    if (--depth == 0)
                        break;
                } else {
                    i++;
                }
            }
        } else {
            return i;
        }
    }
}

/* A quoted run from s[i] (the opening quote q) to just past the closing one; a doubled quote
 * is an escaped quote, and with backslashes on, \x escapes any character. Unterminated: one
 * past the end (the token is cut at the end, and rw_tokens.open set). */
static int skip_quoted(const char *s, int i, int len, char q, bool backslashes)
{
    for (i++; i < len; i++) {
        if (backslashes && s[i] == '\\') {
            i++;
        } else if (s[i] == q) {
            if (i + 1 < len && s[i + 1] == q)
                i++;
            else
                return i + 1;
        }
    }
    return len + 1;
}

/* PostgreSQL joins 'a' <newline> 'b' into one literal: after a string, white space that
 * holds a newline (and -- comments after it) followed by a quote continues the string.
 * Returns where the continuation's opening quote is, or -1. */
static int continuation(const char *s, int i, int len)
{
    while (i < len && (s[i] == ' ' || s[i] == '\t' || s[i] == '\f'))
        i++;
    if (i >= len || (s[i] != '\n' && s[i] != '\r'))
        return -1;
    i = skip_space(s, i, len, false); /* PostgreSQL takes no C comment there */
    return (i < len && s[i] == '\'') ? i : -1;
}

static int skip_string(const char *s, int i, int len, bool backslashes)
{
    int end = skip_quoted(s, i, len, '\'', backslashes), next;
    while ((next = continuation(s, end, len)) >= 0)
        end = skip_quoted(s, next, len, '\'', backslashes);
    return end;
}

/* Length of the dollar-quote delimiter $tag$ starting at s[i], or 0 if there is none. */
static int dollar_tag_len(const char *s, int i, int len)
{
    int j = i + 1;
    if (j < len && s[j] == '$')
        return 2;
    if (j >= len || !is_ident_start((unsigned char)s[j]))
        return 0;
    while (j < len && is_ident_cont((unsigned char)s[j]) && s[j] != '$')
        j++;
    return (j < len && s[j] == '$') ? j - i + 1 : 0;
}

static int skip_dollar_quoted(const char *s, int i, int len, int taglen)
{
    for (int j = i + taglen; j + taglen <= len; j++)
        if (s[j] == '$' && memcmp(s + j, s + i, taglen) == 0)
            return j + taglen;
    return len + 1;
}

static int skip_number(const char *s, int i, int len)
{
    while (i < len && is_digit((unsigned char)s[i]))
        i++;
    /* "1..2" is not a number followed by ".": PostgreSQL stops before a double dot */
    if (i < len && s[i] == '.' && !(i + 1 < len && s[i + 1] == '.')) {
        i++;
        while (i < len && is_digit((unsigned char)s[i]))
            i++;
    }
    if (i < len && (s[i] == 'e' || s[i] == 'E')) {
        int j = i + 1;
        if (j < len && (s[j] == '+' || s[j] == '-'))
            j++;
        if (j < len && is_digit((unsigned char)s[j])) {
            while (j < len && is_digit((unsigned char)s[j]))
                j++;
            i = j;
        }
    }
    return i;
}

/* An operator may not contain "--" or "slash-star" (they start comments), and a multi-char
 * operator ending in + or - loses that tail unless it contains one of ~!@#%^&|`? . */
static int skip_operator(const char *s, int i, int len)
{
    int j = i;
    while (j < len && is_op_char((unsigned char)s[j])) {
        if (j > i && ((s[j - 1] == '-' && s[j] == '-') || (s[j - 1] == '/' && s[j] == '*'))) {
            j--;
            break;
        }
        j++;
    }
    if (j - i > 1 && strcspn(s + i, "~!@#%^&|`?") >= (size_t)(j - i))
        while (j - i > 1 && (s[j - 1] == '+' || s[j - 1] == '-'))
            j--;
    return j;
}

/* A quoted token's end: one past the text when the text ends inside it (rw_tokens.open). */
static int closed(rw_tokens *t, int end, int len)
{
    t->open |= end > len;
    return end > len ? len : end;
}

static void push(rw_tokens *t, int start, int end, rw_tok_kind kind)
{
    if (t->n == t->cap) {
        t->cap = t->cap ? t->cap * 2 : 64;
        t->tok = mem_realloc(t->tok, (size_t)t->cap * sizeof *t->tok);
    }
    t->tok[t->n++] = (rw_token){start, end, kind};
}

/* A string literal with a one- or two-letter prefix (E'', B'', X'', N'', U&''). */
static int prefixed_string(const char *s, int i, int len, bool standard_strings, int *end)
{
    char c = s[i] | 0x20;
    if (i + 1 < len && s[i + 1] == '\'' && strchr("ebxn", c)) {
        *end = skip_string(s, i + 1, len, c == 'e' || (c == 'n' && !standard_strings));
        return 1;
    }
    if (c == 'u' && i + 2 < len && s[i + 1] == '&' && (s[i + 2] == '\'' || s[i + 2] == '"')) {
        *end = s[i + 2] == '"' ? skip_quoted(s, i + 2, len, '"', false)
                               : skip_string(s, i + 2, len, false);
        return s[i + 2] == '"' ? 2 : 1;
    }
    return 0;
}

static int lex_one(const char *s, int i, int len, bool standard_strings, rw_tokens *out)
{
    unsigned char c = (unsigned char)s[i];
    int end, kind;
    if ((kind = prefixed_string(s, i, len, standard_strings, &end)) != 0) {
        push(out, i, end = closed(out, end, len), kind == 2 ? RW_TOK_QIDENT : RW_TOK_STRING);
    } else if (is_ident_start(c)) {
        for (end = i + 1; end < len && is_ident_cont((unsigned char)s[end]);)
            end++;
        push(out, i, end, RW_TOK_WORD);
    } else if (c == '"') {
        push(out, i, end = closed(out, skip_quoted(s, i, len, '"', false), len), RW_TOK_QIDENT);
    } else if (c == '\'') {
        end = closed(out, skip_string(s, i, len, !standard_strings), len);
        push(out, i, end, RW_TOK_STRING);
    } else if (c == '$' && i + 1 < len && is_digit((unsigned char)s[i + 1])) {
        for (end = i + 1; end < len && is_digit((unsigned char)s[end]);)
            end++;
        push(out, i, end, RW_TOK_PARAM);
    } else if (c == '$' && (kind = dollar_tag_len(s, i, len)) != 0) {
        end = closed(out, skip_dollar_quoted(s, i, len, kind), len);
        push(out, i, end, RW_TOK_STRING);
    } else if (is_digit(c) || (c == '.' && i + 1 < len && is_digit((unsigned char)s[i + 1]))) {
        push(out, i, end = skip_number(s, i, len), RW_TOK_NUMBER);
    } else if (c == ':' && i + 1 < len && (s[i + 1] == ':' || s[i + 1] == '=')) {
        push(out, i, end = i + 2, RW_TOK_OP);
    } else if (is_op_char(c)) {
        push(out, i, end = skip_operator(s, i, len), RW_TOK_OP);
    } else {
        static const char punct[] = "()[],;";
        const char *p = strchr(punct, c);
        static const rw_tok_kind kinds[] = {RW_TOK_LPAREN,   RW_TOK_RPAREN, RW_TOK_LBRACKET,
                                            RW_TOK_RBRACKET, RW_TOK_COMMA,  RW_TOK_SEMI};
        push(out, i, end = i + 1, (p && c) ? kinds[p - punct] : RW_TOK_OP);
    }
    return end;
}

void rw_lex(const char *text, int len, bool standard_strings, rw_tokens *out)
{
    out->n = 0;
    out->open = false;
    int i;
    for (i = skip_space(text, 0, len, true); i < len; i = skip_space(text, i, len, true))
        i = lex_one(text, i, len, standard_strings, out);
    out->open |= i > len; /* a C comment runs to the end */
}

void rw_tokens_free(rw_tokens *t)
{
    free(t->tok);
    t->tok = NULL;
    t->n = t->cap = 0;
}

void rw_tokens_trim(rw_tokens *t)
{
    if (t->cap > RW_TOKENS_KEPT)
        rw_tokens_free(t);
}

int rw_tok_at(const rw_tokens *t, int offset)
{
    int lo = 0, hi = t->n;
    while (lo < hi) {
        int mid = (lo + hi) / 2;
        if (t->tok[mid].start < offset)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

int rw_tok_match_paren(const rw_tokens *t, int i)
{
    int depth = 0;
    for (; i < t->n; i++) {
        if (t->tok[i].kind == RW_TOK_LPAREN)
            depth++;
        else if (t->tok[i].kind == RW_TOK_RPAREN && --depth == 0)
            return i;
    }
    return t->n;
}
