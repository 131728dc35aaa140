/* rewrite/helpers.c — the SQL of the helper objects `tombstone install` creates: the file
 * rewrite/helpers.sql, embedded as it is (it explains itself). */
#include "rewrite/helpers.h"

__asm__(".section .rodata\n"
        ".global rw_helpers_sql_text\n"
        "rw_helpers_sql_text:\n"
        ".incbin \"rewrite/helpers.sql\"\n"
        ".byte 0\n"
        ".previous\n");

extern const char rw_helpers_sql_text[];

const char *rw_helpers_install_sql(void)
{
    return rw_helpers_sql_text;
}
