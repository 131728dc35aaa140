/* rewrite/arena.h — bump allocation for data that dies together (a schema snapshot, the
 * scratch of one rewrite): no per-object free, one release. */
#ifndef RW_ARENA_H
#define RW_ARENA_H

#include <stddef.h>

typedef struct rw_arena_block rw_arena_block;
typedef struct {
    rw_arena_block *head;
    size_t used; /* bytes handed out, for cache accounting */
} rw_arena;

void *rw_arena_alloc(rw_arena *a, size_t n); /* zeroed, 8-byte aligned; aborts on OOM */
char *rw_arena_strdup(rw_arena *a, const char *s);
char *rw_arena_strndup(rw_arena *a, const char *s, size_t n);
char *rw_arena_printf(rw_arena *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The concatenation of its string arguments (at most RW_ARENA_CAT_MAX): what
 * rw_arena_printf would make of a format of %s only, without parsing a format. The list
 * ends with a sentinel, not NULL, so that a NULL argument fails loudly instead of cutting
 * the text short. */
#define RW_ARENA_CAT_MAX 16
extern const char rw_arena_cat_end[];
#define rw_arena_cat(a, ...) rw_arena_catv(a, (const char *const[]){__VA_ARGS__, rw_arena_cat_end})
char *rw_arena_catv(rw_arena *a, const char *const *parts);
/* list, sep and item joined, or item alone when list is NULL: for building lists. */
const char *rw_arena_append(rw_arena *a, const char *list, const char *sep, const char *item);
/* Frees every block but the first, which is kept (cleared) for reuse unless it is large. */
void rw_arena_reset(rw_arena *a);
void rw_arena_free(rw_arena *a);

#endif
