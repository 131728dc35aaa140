/* rewrite/rewrite.c — entry point: parse, walk each statement, splice the edits. */
#include "rewrite/internal.h"
#include "common/mem.h"
#include "rewrite/search_path.h"
#include "rewrite/shape.h"

#include <pg_query.h>
#include "pg_query_internal.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

/* One scratch arena and token array for every rewrite: the proxy is single-threaded, and
 * reusing them keeps a rewrite free of malloc calls for the walk's own data. */
static rw_arena scratch;
static rw_tokens scratch_tokens;

static char *dup_out(const char *s)
{
    return mem_strdup(s);
}

/* Does the statement's text name a table the snapshot knows? Used to decide whether a node
 * kind the walk does not understand could be hiding a soft-delete table. */
static bool mentions_known_table(rw_walk *w, int first, int last)
{
    char name[NAMEDATALEN * 2];
    for (int i = first; i < last; i++) {
        const rw_token *t = &w->toks.tok[i];
        int n = t->end - t->start;
        if ((t->kind != RW_TOK_WORD && t->kind != RW_TOK_QIDENT) || n >= (int)sizeof name)
            continue;
        bool quoted = t->kind == RW_TOK_QIDENT;
        int k = 0;
        for (int j = t->start + quoted; j < t->end - quoted; j++)
            name[k++] = quoted ? w->sql[j] : (char)tolower((unsigned char)w->sql[j]);
        name[k] = '\0';
        if (rw_snapshot_has_name(w->ctx->snapshot, name))
            return true;
    }
    return false;
}

static const char *refusal_statement(rw_walk *w, const char *why)
{
    const char *msg =
        w->refusal_state
            ? why
            : rw_arena_cat(w->arena, "tombstone: ", why,
                           " is not supported on soft-delete tables (the statement was not run)");
    char *sql = rw_raise_statement(w->refusal_state ? w->refusal_state : "0A000", msg);
    const char *kept = rw_arena_strdup(w->arena, sql);
    free(sql);
    return kept;
}

/* Token range [first, last) of a statement. stmt_len 0 means "to the end". */
static void stmt_tokens(rw_walk *w, RawStmt *rs, int *first, int *last)
{
    int end = rs->stmt_len ? rs->stmt_location + rs->stmt_len : w->len;
    *first = rw_tok_at(&w->toks, rs->stmt_location);
    *last = rw_tok_at(&w->toks, end);
}

static void walk_raw(rw_walk *w, RawStmt *rs, rw_stmt_facts *f, char **refusal)
{
    int saved = w->nedits, first, last;
    w->refusal = w->unknown_node = w->refusal_state = NULL;
    w->facts = f;
    rw_walk_statement(w, rs->stmt, f);
    stmt_tokens(w, rs, &first, &last);
    if (first < last) {
        f->start = w->toks.tok[first].start;
        f->len = w->toks.tok[last - 1].end - f->start;
    }
    const char *why = w->refusal;
    if (!why && w->unknown_node && mentions_known_table(w, first, last))
        why = w->unknown_node;
    if (!why || first >= last)
        return;
    w->nedits = saved;
    rw_edit_replace(w, w->toks.tok[first].start, w->toks.tok[last - 1].end,
                    refusal_statement(w, why));
    *f = (rw_stmt_facts){.flags = RW_REFUSED, .start = f->start, .len = f->len};
    rw_explain_refused(w, w->stmt, why);
    if (!*refusal)
        *refusal = dup_out(why);
}

/* Two edits overlapped: a bug in the walk. Sending something half-rewritten could leak or
 * destroy marked rows, so every statement of the text is refused instead. */
static void refuse_all(rw_walk *w, List *stmts, rw_stmt_facts *facts, rw_result *out)
{
    w->nedits = 0;
    int i = 0, first, last;
    ListCell *lc;
    foreach (lc, stmts) {
        stmt_tokens(w, lfirst_node(RawStmt, lc), &first, &last);
        if (first < last)
            rw_edit_replace(w, w->toks.tok[first].start, w->toks.tok[last - 1].end,
                            refusal_statement(w, "this combination of clauses"));
        rw_explain_refused(w, i, "this combination of clauses");
        facts[i++] = (rw_stmt_facts){.flags = RW_REFUSED};
    }
    rw_edits_apply(w, out); /* whole statements replaced: they cannot overlap */
    if (!out->refusal)
        out->refusal = dup_out("this combination of clauses");
}

/* Copies the facts out of the parser's memory, which is gone after the rewrite. */
static void export_facts(rw_result *out, rw_stmt_facts *facts, int n)
{
    out->nstmts = n;
    out->stmts = mem_array((size_t)n, sizeof *out->stmts);
    for (int i = 0; i < n; i++) {
        out->stmts[i] = facts[i];
        out->stmts[i].name = dup_out(facts[i].name);
        out->stmts[i].value = dup_out(facts[i].value);
    }
}

/* The mode a statement of the text leaves for the statements after it. */
static void follow_mode(rw_context *local, const rw_stmt_facts *f)
{
    if (f->flags & (RW_RESET_ALL | RW_DISCARD_ALL))
        local->mode = local->reset_mode;
    if (!(f->flags & RW_MODE))
        return;
    if (f->value)
        rw_mode_parse(f->name, f->value, &local->mode);
    else if (strcmp(f->name, "visibility") == 0)
        local->mode.visibility = local->reset_mode.visibility;
    else
        local->mode.hard_deletes = local->reset_mode.hard_deletes;
}

bool rw_rewrite(const rw_context *ctx, const char *text, size_t len, rw_result *out)
{
    return rw_rewrite_shaped(ctx, text, len, out, NULL);
}

bool rw_rewrite_shaped(const rw_context *ctx, const char *text, size_t len, rw_result *out,
                       rw_shape *shape)
{
    memset(out, 0, sizeof *out);
    if (shape)
        *shape = (rw_shape){0};
    MemoryContext mc = pg_query_enter_memory_context();
    PgQueryInternalParsetreeAndError parsed = pg_query_raw_parse(text);
    free(parsed.stderr_buffer);
    if (parsed.error) {
        pg_query_free_error(parsed.error);
        pg_query_exit_memory_context(mc);
        out->parse_error = true;
        return false;
    }
    /* a SET search_path or of a mode applies to the statements after it in the same text */
    rw_context local = *ctx;
    const char *path[64];
    char path_buf[2048];
    rw_walk w = {.ctx = &local, .sql = text, .len = (int)len, .arena = &scratch};
    w.toks = scratch_tokens;
    rw_lex(text, (int)len, ctx->standard_strings, &w.toks);
    int n = list_length(parsed.tree), i = 0;
    rw_stmt_facts *facts = rw_arena_alloc(&scratch, (size_t)(n ? n : 1) * sizeof *facts);
    ListCell *lc;
    foreach (lc, parsed.tree) {
        w.stmt = i;
        rw_stmt_facts *f = &facts[i++];
        walk_raw(&w, lfirst_node(RawStmt, lc), f, &out->refusal);
        if ((f->flags & RW_SEARCH_PATH) && (f->flags & RW_SEARCH_RESET)) {
            local.search_path = ctx->reset_path;
            local.nsearch_path = ctx->nreset_path;
        } else if ((f->flags & RW_SEARCH_PATH) && f->value) {
            local.nsearch_path = rw_search_path_split(f->value, ctx->user ? ctx->user : "", path,
                                                      64, path_buf, sizeof path_buf);
            local.search_path = path;
        }
        follow_mode(&local, f);
    }
    if (w.nedits && !rw_edits_apply(&w, out))
        refuse_all(&w, parsed.tree, facts, out);
    else if (shape && w.nedits) /* rw_edits_apply left the edits in the order they apply */
        rw_shape_make(&w, facts, n, shape);
    export_facts(out, facts, n);
    scratch_tokens = w.toks;
    rw_tokens_trim(&scratch_tokens);
    pg_query_exit_memory_context(mc);
    rw_arena_reset(&scratch);
    return true;
}

void rw_result_free(rw_result *r)
{
    for (int i = 0; i < r->nstmts; i++) {
        free(r->stmts[i].name);
        free(r->stmts[i].value);
    }
    free(r->stmts);
    free(r->sql);
    free(r->edits);
    free(r->refusal);
    memset(r, 0, sizeof *r);
}
