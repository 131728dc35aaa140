/* rewrite/arena.c — bump allocator. */
#include "rewrite/arena.h"

#include "common/mem.h"

#include <assert.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct rw_arena_block {
    rw_arena_block *next;
    size_t size, off;
    char data[];
};

enum {
    BLOCK_MIN = 4096,
    BLOCK_KEPT = 65536, /* a larger first block, made for one huge text, is not kept */
};

static rw_arena_block *new_block(size_t need, rw_arena_block *next)
{
    size_t size = need > BLOCK_MIN ? need : BLOCK_MIN;
    rw_arena_block *b = mem_alloc(sizeof *b + size);
    b->next = next;
    b->size = size;
    b->off = 0;
    return b;
}

void *rw_arena_alloc(rw_arena *a, size_t n)
{
    n = (n + 7) & ~(size_t)7;
    rw_arena_block *b = a->head;
    if (!b || b->size - b->off < n) {
        /* a big request gets its own block behind the current one, so the space left in
         * the current block is not wasted */
        if (b && n > BLOCK_MIN / 4) {
            b->next = new_block(n, b->next);
            b = b->next;
        } else {
            b = a->head = new_block(n * 2 > BLOCK_MIN ? n * 2 : BLOCK_MIN, b);
        }
    }
    void *p = b->data + b->off;
    b->off += n;
    a->used += n;
    memset(p, 0, n);
    return p;
}

char *rw_arena_strndup(rw_arena *a, const char *s, size_t n)
{
    char *p = rw_arena_alloc(a, n + 1);
    memcpy(p, s, n);
    return p;
}

char *rw_arena_strdup(rw_arena *a, const char *s)
{
    return rw_arena_strndup(a, s, strlen(s));
}

/* Prints straight into the free space of the current block, and measures and prints again
 * only when the text does not fit there: one pass of vsnprintf instead of two, most of the
 * time (offsets and block sizes are multiples of 8, so the rounded length still fits). */
char *rw_arena_printf(rw_arena *a, const char *fmt, ...)
{
    rw_arena_block *b = a->head;
    size_t room = b ? b->size - b->off : 0;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(room ? b->data + b->off : NULL, room, fmt, ap);
    va_end(ap);
    if ((size_t)n < room) {
        char *p = b->data + b->off;
        size_t used = ((size_t)n + 8) & ~(size_t)7;
        b->off += used;
        a->used += used;
        return p;
    }
    char *p = rw_arena_alloc(a, (size_t)n + 1);
    va_start(ap, fmt);
    vsnprintf(p, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return p;
}

const char rw_arena_cat_end[] = "";

char *rw_arena_catv(rw_arena *a, const char *const *parts)
{
    size_t len[RW_ARENA_CAT_MAX], n = 0;
    int k = 0;
    for (; parts[k] != rw_arena_cat_end; k++) {
        assert(k < RW_ARENA_CAT_MAX); /* a call site with too many parts: a bug */
        n += len[k] = strlen(parts[k]);
    }
    char *p = rw_arena_alloc(a, n + 1), *q = p;
    for (int i = 0; i < k; i++) {
        memcpy(q, parts[i], len[i]);
        q += len[i];
    }
    return p; /* the arena's memory is zeroed: q already ends the string */
}

const char *rw_arena_append(rw_arena *a, const char *list, const char *sep, const char *item)
{
    return list ? rw_arena_cat(a, list, sep, item) : item;
}

void rw_arena_reset(rw_arena *a)
{
    rw_arena_block *b = a->head;
    if (!b)
        return;
    /* keep the oldest block, when it is the one sized for the common case */
    while (b->next) {
        rw_arena_block *next = b->next;
        free(b);
        b = next;
    }
    if (b->size > BLOCK_KEPT) {
        free(b);
        b = NULL;
    } else {
        b->off = 0;
    }
    a->head = b;
    a->used = 0;
}

void rw_arena_free(rw_arena *a)
{
    for (rw_arena_block *b = a->head, *next; b; b = next) {
        next = b->next;
        free(b);
    }
    a->head = NULL;
    a->used = 0;
}
