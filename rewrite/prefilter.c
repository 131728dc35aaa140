/* rewrite/prefilter.c — texts the rewriter has nothing to do with, known without parsing.
 *
 * A text can only need a rewrite if it names a table the snapshot knows (a soft-delete table,
 * one that loses rows with it, or one of the same name), and can only carry a fact the proxy
 * needs (DDL, search_path, savepoints, temporary tables, prepared statement names) if it has
 * one of a few keywords or calls a function that may set the search_path. A text with neither,
 * which is most of an application's traffic outside the soft-delete tables, is forwarded after
 * lexing it, which costs a fraction of a parse; the statement count the proxy needs comes from the
 * top-level semicolons. */
#include "rewrite/rewrite.h"

#include "rewrite/lexer.h"

#include <ctype.h>
#include <string.h>

/* Words that start or make a statement the proxy must know about. "into" is there for
 * SELECT ... INTO, which creates a table; "set" for SET and ALTER ... SET. Neither counts in
 * the statement they are part of: UPDATE ... SET and INSERT INTO (see `owner`).
 * "pg_settings" for UPDATE pg_settings, which is set_config(). */
static const char *const fact_words[] = {
    "create",  "alter",      "drop",    "into",      "set",         "reset",    "prepare",
    "execute", "deallocate", "discard", "savepoint", "release",     "rollback", "abort",
    "import",  "set_config", "do",      "call",      "pg_settings", NULL,
};

/* Words that make a statement the proxy must know about when they start it: transaction
 * control (a COMMIT may commit DDL the other sessions must wait for). Elsewhere "end" ends
 * every CASE, and the others are names or clause words. */
static const char *const first_fact_words[] = {"begin", "start", "commit", "end", NULL};

static bool in_list(const char *const *list, const char *w)
{
    for (const char *const *f = list; *f; f++)
        if (**f == *w && strcmp(*f, w) == 0) /* every word of a statement comes here */
            return true;
    return false;
}

/* A fact word, unless it is the clause keyword of the statement it is in, whose first word
 * is `first` ("" at the first word itself). */
static bool is_fact_word(const char *w, const char *first)
{
    if ((strcmp(w, "set") == 0 && strcmp(first, "update") == 0) ||
        (strcmp(w, "into") == 0 && strcmp(first, "insert") == 0))
        return false;
    if (!first[0] && in_list(first_fact_words, w))
        return true;
    return in_list(fact_words, w);
}

/* The name a word or quoted identifier token stands for, as the catalog spells it. */
static bool token_name(const char *text, const rw_token *t, char *out, size_t cap)
{
    bool quoted = t->kind == RW_TOK_QIDENT;
    size_t k = 0;
    for (int j = t->start + quoted; j < t->end - quoted; j++) {
        if (k + 1 >= cap || (quoted && text[j] == '"')) /* "" escapes: leave to the parser */
            return false;
        out[k++] = quoted ? text[j] : (char)tolower((unsigned char)text[j]);
    }
    out[k] = '\0';
    return true;
}

bool rw_irrelevant(const rw_context *ctx, const char *text, const rw_tokens *toks, int *nstmts)
{
    char name[128], first[8] = "";
    int n = 0, depth = 0;
    bool in_statement = false;
    for (int i = 0; i < toks->n; i++) {
        const rw_token *t = &toks->tok[i];
        if (!in_statement)
            first[0] = '\0';
        if (t->kind == RW_TOK_WORD || t->kind == RW_TOK_QIDENT) {
            if (!token_name(text, t, name, sizeof name))
                return false;
            if ((ctx->snapshot && (rw_snapshot_has_name(ctx->snapshot, name) ||
                                   rw_snapshot_sets_path(ctx->snapshot, name))) ||
                (t->kind == RW_TOK_WORD && is_fact_word(name, first)))
                return false;
            if (!in_statement && t->kind == RW_TOK_WORD && strlen(name) < sizeof first)
                strcpy(first, name);
        }
        depth += (t->kind == RW_TOK_LPAREN) - (t->kind == RW_TOK_RPAREN);
        if (t->kind == RW_TOK_SEMI && depth == 0) {
            n += in_statement;
            in_statement = false;
        } else {
            in_statement = true;
        }
    }
    *nstmts = n + in_statement;
    return true;
}
