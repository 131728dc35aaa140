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

typedef struct {
    char kind;      /* 'Q' query or function call, 'E' execute, 'S' sync */
    bool fix;       /* 'E': its tag must say DELETE */
    int next, n;    /* 'Q': statements answered so far, and in all */
    uint8_t *fixes; /* 'Q': per statement; NULL when none needs a fix */
} expect_item;

typedef struct {
    expect_item *items;
    int head, count, cap; /* a ring */
} expect_queue;

/* fixes[n] (copied) says which statements of a Query need the tag fix; NULL for none. */
void expect_query(expect_queue *q, const uint8_t *fixes, int n);
void expect_execute(expect_queue *q, bool fix);
void expect_sync(expect_queue *q);

/* The server's answers. expect_command_complete says whether this tag needs the fix. */
bool expect_command_complete(expect_queue *q);
void expect_execute_done(expect_queue *q); /* EmptyQueryResponse or PortalSuspended */
void expect_error(expect_queue *q);
void expect_ready(expect_queue *q);

void expect_free(expect_queue *q);

#endif
