/* rewrite/quote.c — literals and dollar quotes for the SQL the proxy generates (quote.h). */
#include "rewrite/quote.h"

#include "common/mem.h"
#include "rewrite/lexer.h"
#include "rewrite/rewrite.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Would "$tag$" (k bytes) end a dollar quote early inside text? PostgreSQL ends the quote at
 * the first "$tag$" after the opening one: one inside the text, or one formed by the text's
 * end and the closing delimiter — a text ending in "$tag" (the only overlap, as the tag
 * holds no '$'). A byte-wise search is right in every client encoding: the server converts
 * the text to its own encoding before it reads it, and that keeps ASCII characters as they
 * were and makes no new ones. */
static bool ends_early(const char *text, size_t len, const char *tag, size_t k)
{
    if (memmem(text, len, tag, k))
        return true;
    return len >= k - 1 && memcmp(text + len - (k - 1), tag, k - 1) == 0;
}

static int dollar_tag(const char *text, size_t len, char *tag)
{
    /* "$tombstone$" nearly always; the search costs a scan of the text per tag tried, and
     * the long texts it quotes (plans, checks) are built once per snapshot */
    int k = snprintf(tag, RW_TAG_SIZE, "$tombstone$");
    for (unsigned n = 1; ends_early(text, len, tag, (size_t)k); n++)
        k = snprintf(tag, RW_TAG_SIZE, "$tombstone%u$", n);
    return k;
}

size_t rw_dollar_put(char *out, const char *s, size_t len)
{
    char tag[RW_TAG_SIZE];
    size_t k = (size_t)dollar_tag(s, len, tag);
    memcpy(out, tag, k);
    memcpy(out + k, s, len);
    memcpy(out + k + len, tag, k + 1);
    return 2 * k + len;
}

size_t rw_literal_put(char *out, const char *s)
{
    if (strchr(s, '\\'))
        return rw_dollar_put(out, s, strlen(s));
    char *p = out;
    *p++ = '\'';
    for (; *s; s++) {
        if (*s == '\'')
            *p++ = '\'';
        *p++ = *s;
    }
    *p++ = '\'';
    *p = '\0';
    return (size_t)(p - out);
}

size_t rw_ident_put(char *out, const char *name)
{
    char *p = out;
    *p++ = '"';
    for (; *name; name++) {
        if (*name == '"')
            *p++ = '"';
        *p++ = *name;
    }
    *p++ = '"';
    *p = '\0';
    return (size_t)(p - out);
}

/* The text of the literal lit[0..n) (quotes included) into out: '' is a quote, and with the
 * setting off a backslash escapes the next character. false for an escape pg_get_expr does
 * not print (it only doubles quotes and backslashes). */
static bool literal_text(const char *lit, int n, bool standard, char *out)
{
    for (int i = 1; i < n - 1; i++) {
        if (lit[i] == '\'' || (!standard && lit[i] == '\\')) {
            if (lit[i] == '\\' && !strchr("\\'", lit[i + 1]))
                return false;
            i++;
        }
        *out++ = lit[i];
    }
    *out = '\0';
    return true;
}

static bool ident_byte(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '$' || (unsigned char)c >= 0x80;
}

char *rw_literals_portable(const char *pred, bool standard)
{
    int len = (int)strlen(pred), at = 0;
    rw_tokens toks = {0};
    rw_lex(pred, len, standard, &toks);
    /* each literal rewritten grows by two tags and a space at most */
    char *out = mem_alloc((size_t)len + (size_t)toks.n * (2 * RW_TAG_SIZE + 1) + 1), *p = out;
    char *text = mem_alloc((size_t)len + 1);
    for (int i = 0; p && i < toks.n; i++) {
        const rw_token *t = &toks.tok[i];
        int n = t->end - t->start;
        if (t->kind != RW_TOK_STRING || pred[t->start] != '\'' ||
            !memchr(pred + t->start, '\\', (size_t)n))
            continue;
        memcpy(p, pred + at, (size_t)(t->start - at));
        p += t->start - at;
        if (!literal_text(pred + t->start, n, standard, text)) {
            p = NULL;
            break;
        }
        if (p > out && ident_byte(p[-1]))
            *p++ = ' '; /* the quote must start a token of its own */
        p += rw_literal_put(p, text);
        at = t->end;
    }
    if (p)
        strcpy(p, pred + at);
    free(text);
    rw_tokens_free(&toks);
    if (!p) {
        free(out);
        return NULL;
    }
    return out;
}

char *rw_raise_statement(const char *sqlstate, const char *message)
{
    static const char head[] = "BEGIN RAISE EXCEPTION USING ERRCODE = '%s', MESSAGE = %s; END";
    char *literal = mem_alloc(RW_LITERAL_SIZE(strlen(message)));
    size_t n = sizeof head + strlen(sqlstate) + rw_literal_put(literal, message);
    char *body = mem_alloc(n);
    snprintf(body, n, head, sqlstate, literal);
    free(literal);
    size_t len = strlen(body);
    char *out = mem_alloc(sizeof "DO " + RW_DOLLAR_SIZE(len));
    rw_dollar_put(stpcpy(out, "DO "), body, len);
    free(body);
    return out;
}
