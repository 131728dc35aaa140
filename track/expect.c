/* track/expect.c — the queue of answers the server owes the client (a ring). */
#include "track/expect.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "common/mem.h"

enum { FIRST_CAP = 16 };

/* The ring's capacity is a power of two: an index wraps with a mask. */
static track_expect_item *at(const track_expect *q, int i)
{
    assert(i >= 0 && i < q->count);
    return &q->items[(q->head + i) & (q->cap - 1)];
}

static track_expect_item *push(track_expect *q, track_expect_kind kind)
{
    if (q->count == q->cap) {
        int cap = q->cap ? 2 * q->cap : FIRST_CAP;
        track_expect_item *items = mem_array((size_t)cap, sizeof *items);
        for (int i = 0; i < q->count; i++)
            items[i] = *at(q, i);
        free(q->items);
        q->items = items;
        q->head = 0;
        q->cap = cap;
    }
    q->count++;
    track_expect_item *it = at(q, q->count - 1);
    *it = (track_expect_item){.kind = kind};
    return it;
}

static track_expect_item *head(track_expect *q)
{
    return q->count ? &q->items[q->head] : NULL;
}

static void pop(track_expect *q)
{
    assert(q->count > 0);
    track_expect_item *it = &q->items[q->head];
    if (it->fixes || it->text.edits) {
        free(it->fixes);
        free(it->text.edits);
    }
    q->head = (q->head + 1) & (q->cap - 1);
    q->count--;
}

void track_expect_query(track_expect *q, const uint8_t *fixes, int n)
{
    track_expect_item *it = push(q, TRACK_QUERY);
    it->n = n;
    if (fixes)
        it->fixes = mem_dup(fixes, (size_t)n);
}

void track_expect_parse(track_expect *q)
{
    push(q, TRACK_PARSE);
}

void track_expect_edited(track_expect *q, const rw_text_edit *edits, int n, int skip)
{
    track_expect_item *it = at(q, q->count - 1);
    assert(it->kind == TRACK_QUERY || it->kind == TRACK_PARSE);
    it->text.edits = mem_dup(edits, (size_t)n * sizeof *edits);
    it->text.nedits = n;
    it->text.skip = skip;
}

void track_expect_execute(track_expect *q, track_answer answer)
{
    push(q, TRACK_EXECUTE)->answer = (uint8_t)answer;
}

void track_expect_sync(track_expect *q)
{
    push(q, TRACK_SYNC);
}

void track_expect_own_reply(track_expect *q, uint8_t reply)
{
    push(q, TRACK_OWN_REPLY)->reply = reply;
}

bool track_expect_drop_reply(track_expect *q, uint8_t type)
{
    track_expect_item *it = head(q);
    if (it && it->kind == TRACK_PARSE && type == '1') { /* the client's Parse succeeded */
        pop(q);
        return false;
    }
    if (!it || it->kind != TRACK_OWN_REPLY || it->reply != type)
        return false;
    pop(q);
    return true;
}

track_answer track_expect_command_complete(track_expect *q)
{
    track_expect_item *it = head(q);
    if (!it)
        return TRACK_PASS;
    if (it->kind == TRACK_EXECUTE) {
        track_answer answer = it->answer;
        pop(q);
        return answer;
    }
    if (it->kind != TRACK_QUERY || it->next >= it->n)
        return TRACK_PASS;
    return it->fixes ? (track_answer)it->fixes[it->next++] : (it->next++, TRACK_PASS);
}

void track_expect_execute_done(track_expect *q)
{
    track_expect_item *it = head(q);
    if (it && it->kind == TRACK_EXECUTE)
        pop(q);
}

/* COPY FROM STDIN run by an Execute: the server ignores the Syncs it reads in copy-in mode
 * (libpq sends one right after the Execute), so they get no ReadyForQuery. */
int track_expect_copy_in(track_expect *q)
{
    if (!q->count || head(q)->kind != TRACK_EXECUTE)
        return 0;
    int n = 0;
    while (n + 1 < q->count && at(q, 1 + n)->kind == TRACK_SYNC)
        n++;
    for (int i = 1; i + n < q->count; i++)
        *at(q, i) = *at(q, i + n);
    q->count -= n;
    return n;
}

/* Items an error or a ReadyForQuery clears on the way to what they end. */
static bool skipped(const track_expect_item *it)
{
    return it->kind == TRACK_EXECUTE || it->kind == TRACK_OWN_REPLY || it->kind == TRACK_PARSE;
}

/* What the statement an error answers was: the head Execute's, or the Query's next one. */
static track_answer failed_answer(const track_expect_item *it)
{
    if (!it)
        return TRACK_PASS;
    if (it->kind == TRACK_EXECUTE)
        return (track_answer)it->answer;
    if (it->kind == TRACK_QUERY && it->fixes && it->next < it->n)
        return (track_answer)it->fixes[it->next];
    return TRACK_PASS;
}

/* In the extended protocol an error makes the server skip every message up to the Sync. */
track_answer track_expect_error(track_expect *q, track_text *text)
{
    track_expect_item *it = head(q);
    track_answer answer = failed_answer(it);
    *text = (track_text){0};
    if (it && (it->kind == TRACK_QUERY || it->kind == TRACK_PARSE)) {
        *text = it->text;
        it->text = (track_text){0};
    }
    for (; it && skipped(it); it = head(q))
        pop(q);
    return answer;
}

void track_expect_ready(track_expect *q)
{
    for (track_expect_item *it = head(q); it; it = head(q)) {
        bool end = !skipped(it);
        pop(q);
        if (end)
            break;
    }
}

void track_expect_free(track_expect *q)
{
    while (q->count)
        pop(q);
    free(q->items);
    *q = (track_expect){0};
}
