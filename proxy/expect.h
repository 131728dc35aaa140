/* proxy/expect.h — which statement each of the server's CommandCompletes answers, so that the
 * one of a DELETE turned into an UPDATE can say "DELETE n" again.
 *
 * The client's Query, Execute, FunctionCall and Sync messages are queued in order; the
 * server answers them in the same order: a Query with one CommandComplete per statement
 * (or an error that ends it) and a ReadyForQuery; an Execute with one CommandComplete,
 * EmptyQueryResponse or PortalSuspended, unless an earlier error made the server skip to
 * the Sync; a Sync with a ReadyForQuery. Pure bookkeeping, no I/O. */
#ifndef PROXY_EXPECT_H
#define PROXY_EXPECT_H

#include <stdbool.h>
#include <stdint.h>

#include "rewrite/rewrite.h"

/* What the proxy does with the CommandComplete of a statement. */
typedef enum {
    EXPECT_PASS, /* forward it */
    EXPECT_FIX,  /* "UPDATE n" must read "DELETE n" */
    EXPECT_DROP, /* the statement is the proxy's own: the client must not see it */
} expect_answer;

/* Where the text of a Query or Parse was edited, to give an error's position in the text
 * the client sent: rewrite/rewrite.h's edits, and the characters the proxy put before the
 * client's text (statements of its own). */
typedef struct {
    rw_text_edit *edits;
    int nedits, skip;
} expect_text;

typedef struct {
    char kind;        /* 'Q' query or function call, 'P' parse, 'E' execute, 'S' sync, 'X' the
                       * reply to a message the proxy sent itself, to be dropped */
    char reply;       /* 'X': that reply's message type */
    uint8_t answer;   /* 'E': an expect_answer for its CommandComplete */
    int next, n;      /* 'Q': statements answered so far, and in all */
    uint8_t *fixes;   /* 'Q': per statement (an expect_answer); NULL when all pass */
    expect_text text; /* 'Q', 'P': of a rewritten text */
} expect_item;

typedef struct {
    expect_item *items;
    int head, count, cap; /* a ring */
} expect_queue;

/* answers[n] (copied) says what to do with each statement's CommandComplete; NULL: pass. */
void expect_query(expect_queue *q, const uint8_t *answers, int n);
void expect_parse(expect_queue *q);
/* The Query or Parse queued last was rewritten with these edits (copied). */
void expect_edited(expect_queue *q, const rw_text_edit *edits, int n, int skip);
void expect_execute(expect_queue *q, expect_answer answer);
void expect_sync(expect_queue *q);
/* The proxy sent a message of its own whose reply (of this type) the client must not see. */
void expect_own_reply(expect_queue *q, char reply);

/* The server's answers. expect_command_complete says what to do with a CommandComplete;
 * expect_error whether the failed statement is a DELETE turned into an UPDATE, and in *text
 * (the caller frees text->edits) how the text it failed in was edited. */
expect_answer expect_command_complete(expect_queue *q);
void expect_execute_done(expect_queue *q); /* EmptyQueryResponse or PortalSuspended */
/* A ParseComplete, CloseComplete...: true when it answers the proxy's own message. The
 * replies have no content, so which of two of a kind is dropped makes no difference. */
bool expect_drop_reply(expect_queue *q, char type);
bool expect_error(expect_queue *q, expect_text *text);
/* CopyInResponse: drops the Syncs the server will ignore; returns how many. */
int expect_copy_in(expect_queue *q);
void expect_ready(expect_queue *q);

void expect_free(expect_queue *q);

#endif
