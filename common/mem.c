/* common/mem.c — allocations that never return NULL (see mem.h). */
#include "common/mem.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void mem_fail(size_t n)
{
    char msg[96];
    int len = snprintf(msg, sizeof msg, "tombstone: out of memory (allocating %zu bytes)\n", n);
    ssize_t ignored = write(STDERR_FILENO, msg, (size_t)len);
    (void)ignored;
    abort();
}

void *mem_alloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p)
        mem_fail(n);
    return p;
}

void *mem_zalloc(size_t n)
{
    return mem_array(1, n);
}

void *mem_array(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (!p)
        mem_fail(n * size);
    return p;
}

void *mem_realloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q)
        mem_fail(n);
    return q;
}

char *mem_strdup(const char *s)
{
    return s ? mem_dup(s, strlen(s) + 1) : NULL;
}

char *mem_strndup(const char *s, size_t n)
{
    char *d = mem_alloc(n + 1);
    memcpy(d, s, n);
    d[n] = '\0';
    return d;
}

void *mem_dup(const void *p, size_t n)
{
    void *d = mem_alloc(n);
    if (n)
        memcpy(d, p, n);
    return d;
}

char *mem_printf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *s;
    int n = vasprintf(&s, fmt, ap);
    va_end(ap);
    if (n < 0)
        mem_fail(strlen(fmt));
    return s;
}
