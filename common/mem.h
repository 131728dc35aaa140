/* common/mem.h — memory allocation, with tombstone's one out-of-memory policy: an allocation
 * that fails ends the process with a message (stderr) and abort(). No caller has a failure
 * path of its own, so none can be forgotten or half-tested.
 *
 * Why not fail per connection, as PgBouncer does: on Linux with overcommit an allocation of
 * a sane size does not fail, the kernel's OOM killer acts instead; what a client controls is
 * bounded before anything is allocated for it (message sizes, startup packets), so a failure
 * here means the host is out of memory, and a proxy that limps on then is worse than one
 * that restarts. */
#ifndef COMMON_MEM_H
#define COMMON_MEM_H

#include <stddef.h>

void *mem_alloc(size_t n);              /* malloc */
void *mem_zalloc(size_t n);             /* calloc(1, n) */
void *mem_array(size_t n, size_t size); /* calloc(n, size), zeroed, overflow checked */
void *mem_realloc(void *p, size_t n);   /* realloc */
char *mem_strdup(const char *s);        /* NULL stays NULL */
char *mem_strndup(const char *s, size_t n);
void *mem_dup(const void *p, size_t n); /* a copy of n bytes */
char *mem_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Ends the process: out of memory while allocating n bytes. */
_Noreturn void mem_fail(size_t n);

#endif
