/* admin/table.h — a row set as the console sends it: a RowDescription, DataRows built value
 * by value in text format, a CommandComplete. Pure code over protocol/'s builders. */
#ifndef ADM_TABLE_H
#define ADM_TABLE_H

#include <stdbool.h>
#include <stdint.h>

#include "protocol/protocol.h"

enum { ADM_TEXT = 25, ADM_INT8 = 20, ADM_FLOAT8 = 701, ADM_BOOL = 16 };

typedef struct {
    proto_buf *out;
    int ncols;
    int col;       /* values put into the current row */
    size_t row_at; /* the current DataRow's offset in out */
    uint64_t rows;
} adm_table;

/* Starts a row set of these columns; with `describe`, its RowDescription first (a simple
 * Query; an Execute's was sent by Describe). */
void adm_table_begin(adm_table *t, proto_buf *out, const proto_column *cols, int n, bool describe);
/* The next value of the row (a row starts with its first value and ends with its last). */
void adm_put_text(adm_table *t, const char *value); /* NULL: SQL NULL */
void adm_put_int(adm_table *t, int64_t value);
void adm_put_uint(adm_table *t, uint64_t value);
void adm_put_real(adm_table *t, double value); /* three decimals */
void adm_put_bool(adm_table *t, bool value);
/* Ends the row set with CommandComplete `tag` (a SHOW's is "SHOW"). */
void adm_table_end(adm_table *t, const char *tag);

#endif
