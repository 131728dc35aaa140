/* track/expect.h — which of the client's messages each answer of the server belongs to, so
 * that the CommandComplete of a DELETE turned into an UPDATE can say "DELETE n" again, the
 * replies to the proxy's own messages can be dropped and an error's position mapped back.
 *
 * The client's Query, Parse, Execute, FunctionCall and Sync messages are queued in order;
 * the server answers them in the same order: a Query with one CommandComplete per statement
 * (or an error that ends it) and a ReadyForQuery; an Execute with one CommandComplete,
 * EmptyQueryResponse or PortalSuspended, unless an earlier error made the server skip to
 * the Sync; a Sync with a ReadyForQuery. */
#ifndef TRACK_EXPECT_H
#define TRACK_EXPECT_H

#include <stdbool.h>
#include <stdint.h>

#include "rewrite/rewrite.h"

/* What the proxy does with the CommandComplete of a statement. */
typedef enum {
    TRACK_PASS,    /* forward it */
    TRACK_FIX,     /* "UPDATE n" must read "DELETE n" */
    TRACK_DROP,    /* the statement is the proxy's own: the client must not see it */
    TRACK_REFUSED, /* replaced by a refusal: its error is the proxy's (no context shown) */
} track_answer;

/* Where the text of a Query or Parse was edited, to give an error's position in the text
 * the client sent: rewrite/rewrite.h's edits, and the characters the proxy put before the
 * client's text (statements of its own). */
typedef struct {
    rw_text_edit *edits;
    int nedits, skip;
} track_text;

typedef enum {
    TRACK_QUERY,     /* a Query or a FunctionCall: answered up to its ReadyForQuery */
    TRACK_PARSE,     /* a client's Parse: answered by ParseComplete or an error */
    TRACK_EXECUTE,   /* answered by CommandComplete, EmptyQueryResponse or PortalSuspended */
    TRACK_SYNC,      /* answered by ReadyForQuery */
    TRACK_OWN_REPLY, /* the reply to a message the proxy sent itself, to be dropped */
} track_expect_kind;

typedef struct {
    track_expect_kind kind;
    uint8_t reply;   /* TRACK_OWN_REPLY: that reply's message type */
    uint8_t answer;  /* TRACK_EXECUTE: a track_answer for its CommandComplete */
    int next, n;     /* TRACK_QUERY: statements answered so far, and in all */
    uint8_t *fixes;  /* TRACK_QUERY: per statement (a track_answer); NULL when all pass */
    track_text text; /* TRACK_QUERY, TRACK_PARSE: of a rewritten text */
} track_expect_item;

typedef struct {
    track_expect_item *items;
    int head, count, cap; /* a ring */
} track_expect;

/* answers[n] (copied) says what to do with each statement's CommandComplete; NULL: pass. */
void track_expect_query(track_expect *q, const uint8_t *answers, int n);
void track_expect_parse(track_expect *q);
/* The Query or Parse queued last was rewritten with these edits (copied). */
void track_expect_edited(track_expect *q, const rw_text_edit *edits, int n, int skip);
void track_expect_execute(track_expect *q, track_answer answer);
void track_expect_sync(track_expect *q);
/* The proxy sent a message of its own whose reply (of this type) the client must not see. */
void track_expect_own_reply(track_expect *q, uint8_t reply);

/* The server's answers. track_expect_command_complete says what to do with a
 * CommandComplete; track_expect_error what the failed statement was (TRACK_FIX: a DELETE
 * turned into an UPDATE; TRACK_REFUSED: a refusal), and in *text (the caller frees
 * text->edits) how the text it failed in was edited. */
track_answer track_expect_command_complete(track_expect *q);
void track_expect_execute_done(track_expect *q); /* EmptyQueryResponse or PortalSuspended */
/* A ParseComplete, CloseComplete...: true when it answers the proxy's own message. The
 * replies have no content, so which of two of a kind is dropped makes no difference. */
bool track_expect_drop_reply(track_expect *q, uint8_t type);
track_answer track_expect_error(track_expect *q, track_text *text);
/* CopyInResponse: drops the Syncs the server will ignore; returns how many. */
int track_expect_copy_in(track_expect *q);
void track_expect_ready(track_expect *q);

void track_expect_free(track_expect *q);

#endif
