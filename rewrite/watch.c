/* rewrite/watch.c — the SQL `tombstone install` runs as a superuser after the helpers: the
 * catalog epoch and the delete guard (rewrite/watch.sql, embedded as it is; it explains
 * itself). */
#include "rewrite/watch.h"

__asm__(".section .rodata\n"
        ".global rw_watch_sql_text\n"
        "rw_watch_sql_text:\n"
        ".incbin \"rewrite/watch.sql\"\n"
        ".byte 0\n"
        ".previous\n");

extern const char rw_watch_sql_text[];

const char *rw_watch_install_sql(void)
{
    return rw_watch_sql_text;
}
