/* admin/table.c — building a row set (see table.h). */
#include "admin/table.h"

#include <assert.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

void adm_table_begin(adm_table *t, proto_buf *out, const proto_column *cols, int n, bool describe)
{
    *t = (adm_table){.out = out, .ncols = n};
    if (describe)
        proto_build_row_description(out, cols, n);
}

static void put(adm_table *t, const char *value, size_t len)
{
    assert(t->ncols > 0);
    if (t->col == 0)
        t->row_at = proto_data_row_begin(t->out, t->ncols);
    proto_data_row_value(t->out, value, len);
    if (++t->col == t->ncols) {
        proto_msg_end(t->out, t->row_at);
        t->col = 0;
        t->rows++;
    }
}

void adm_put_text(adm_table *t, const char *value)
{
    put(t, value, value ? strlen(value) : 0);
}

void adm_put_int(adm_table *t, int64_t value)
{
    char s[24];
    put(t, s, (size_t)snprintf(s, sizeof s, "%" PRId64, value));
}

void adm_put_uint(adm_table *t, uint64_t value)
{
    char s[24];
    put(t, s, (size_t)snprintf(s, sizeof s, "%" PRIu64, value));
}

void adm_put_real(adm_table *t, double value)
{
    char s[64];
    put(t, s, (size_t)snprintf(s, sizeof s, "%.3f", value));
}

void adm_put_bool(adm_table *t, bool value)
{
    put(t, value ? "t" : "f", 1);
}

void adm_table_end(adm_table *t, const char *tag)
{
    assert(t->col == 0); /* no row left half-built */
    proto_build_command_complete(t->out, tag);
}
