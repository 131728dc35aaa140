/* proxy/expect.c — the queue of answers the server owes the client. */
#include "proxy/expect.h"

#include <stdlib.h>
#include <string.h>

static expect_item *push(expect_queue *q, char kind)
{
    if (q->count == q->cap) {
        int cap = q->cap ? 2 * q->cap : 16;
        expect_item *items = malloc((size_t)cap * sizeof *items);
        if (!items)
            abort();
        for (int i = 0; i < q->count; i++)
            items[i] = q->items[(q->head + i) % q->cap];
        free(q->items);
        q->items = items;
        q->head = 0;
        q->cap = cap;
    }
    expect_item *it = &q->items[(q->head + q->count++) % q->cap];
    *it = (expect_item){.kind = kind};
    return it;
}

static expect_item *head(expect_queue *q)
{
    return q->count ? &q->items[q->head] : NULL;
}

static void pop(expect_queue *q)
{
    free(q->items[q->head].fixes);
    free(q->items[q->head].text.edits);
    q->head = (q->head + 1) % q->cap;
    q->count--;
}

void expect_query(expect_queue *q, const uint8_t *fixes, int n)
{
    expect_item *it = push(q, 'Q');
    it->n = n;
    if (fixes) {
        it->fixes = malloc((size_t)n);
        if (!it->fixes)
            abort();
        memcpy(it->fixes, fixes, (size_t)n);
    }
}

void expect_parse(expect_queue *q)
{
    push(q, 'P');
}

void expect_edited(expect_queue *q, const rw_text_edit *edits, int n, int skip)
{
    expect_item *it = &q->items[(q->head + q->count - 1) % q->cap];
    it->text.edits = malloc((size_t)(n ? n : 1) * sizeof *edits);
    if (!it->text.edits)
        abort();
    if (n)
        memcpy(it->text.edits, edits, (size_t)n * sizeof *edits);
    it->text.nedits = n;
    it->text.skip = skip;
}

void expect_execute(expect_queue *q, expect_answer answer)
{
    push(q, 'E')->answer = (uint8_t)answer;
}

void expect_sync(expect_queue *q)
{
    push(q, 'S');
}

void expect_own_reply(expect_queue *q, char reply)
{
    push(q, 'X')->reply = reply;
}

bool expect_drop_reply(expect_queue *q, char type)
{
    expect_item *it = head(q);
    if (it && it->kind == 'P' && type == '1') { /* the client's Parse succeeded */
        pop(q);
        return false;
    }
    if (!it || it->kind != 'X' || it->reply != type)
        return false;
    pop(q);
    return true;
}

expect_answer expect_command_complete(expect_queue *q)
{
    expect_item *it = head(q);
    if (!it)
        return EXPECT_PASS;
    if (it->kind == 'E') {
        expect_answer answer = it->answer;
        pop(q);
        return answer;
    }
    if (it->kind == 'Q' && it->next < it->n)
        return it->fixes ? (expect_answer)it->fixes[it->next++] : (it->next++, EXPECT_PASS);
    return EXPECT_PASS;
}

void expect_execute_done(expect_queue *q)
{
    expect_item *it = head(q);
    if (it && it->kind == 'E')
        pop(q);
}

/* COPY FROM STDIN run by an Execute: the server ignores the Syncs it reads in copy-in mode
 * (libpq sends one right after the Execute), so they get no ReadyForQuery. */
int expect_copy_in(expect_queue *q)
{
    if (!q->count || q->items[q->head].kind != 'E')
        return 0;
    int n = 0;
    while (n + 1 < q->count && q->items[(q->head + 1 + n) % q->cap].kind == 'S')
        n++;
    for (int i = 1; i + n < q->count; i++)
        q->items[(q->head + i) % q->cap] = q->items[(q->head + i + n) % q->cap];
    q->count -= n;
    return n;
}

/* In the extended protocol an error makes the server skip every message up to the Sync. */
bool expect_error(expect_queue *q, expect_text *text)
{
    expect_item *it = head(q);
    bool fix =
        it &&
        ((it->kind == 'E' && it->answer == EXPECT_FIX) ||
         (it->kind == 'Q' && it->fixes && it->next < it->n && it->fixes[it->next] == EXPECT_FIX));
    *text = (expect_text){0};
    if (it && (it->kind == 'Q' || it->kind == 'P')) {
        *text = it->text;
        it->text = (expect_text){0};
    }
    for (; it && (it->kind == 'E' || it->kind == 'X' || it->kind == 'P'); it = head(q))
        pop(q);
    return fix;
}

void expect_ready(expect_queue *q)
{
    for (expect_item *it = head(q); it; it = head(q)) {
        char kind = it->kind;
        pop(q);
        if (kind != 'E' && kind != 'X' && kind != 'P')
            break;
    }
}

void expect_free(expect_queue *q)
{
    while (q->count)
        pop(q);
    free(q->items);
    *q = (expect_queue){0};
}
