/* rewrite/shape.h — rewriting a statement again without parsing it, when only its literals
 * differ from one already rewritten.
 *
 * Applications that do not use parameters send the same statement with other literals
 * ("... WHERE aid = 81234"), and each text is new to the text cache. Two texts with the same
 * tokens but for the values of their literals get the same edits at the same tokens, so the
 * first rewrite is kept as a template: each edit anchored at a token boundary instead of a
 * byte offset. A template is only made when that holds for sure: every edit sits at a token
 * boundary, no edit copies text the literals are part of, and the statements' facts carry
 * nothing taken from a literal. */
#ifndef RW_SHAPE_H
#define RW_SHAPE_H

#include "rewrite/lexer.h"
#include "rewrite/rewrite.h"

#include <stdint.h>

typedef struct {
    int tok;  /* token index */
    bool end; /* the token's end, else its start */
} rw_anchor;

typedef struct {
    rw_anchor at, to; /* replace [at, to) (at == to: insert) */
    char *text;
} rw_shape_edit;

typedef struct rw_shape {
    int ntoks, nedits;
    rw_token *toks;       /* of the text it was made from, to check a match token by token */
    rw_shape_edit *edits; /* in the order they apply */
    int nstmts;
    unsigned *flags; /* per statement: facts free of anything literal */
} rw_shape;

/* The hash of a text's shape: its tokens, literals counting by kind only. */
uint64_t rw_shape_hash(const char *text, const rw_tokens *toks);

/* Does text (lexed into toks) have the shape of `source`, the text s was made from? Equal
 * hashes make it near certain; this makes it certain. */
bool rw_shape_matches(const rw_shape *s, const char *source, const char *text,
                      const rw_tokens *toks);

/* Rewrites text again through a template of its shape (one rw_shape_matches): fills
 * out->sql, out->len and out->edits (malloc'd). */
void rw_shape_apply(const rw_shape *s, const char *text, size_t len, const rw_tokens *toks,
                    rw_chars chars, rw_result *out);

void rw_shape_free(rw_shape *s);

/* Rewrites like rw_rewrite and, when the result can serve every text of this shape, fills
 * *shape (else shape->ntoks is left 0). toks are text's tokens. */
bool rw_rewrite_shaped(const rw_context *ctx, const char *text, size_t len, rw_result *out,
                       rw_shape *shape);

#endif
