/* protocol/build.c — the messages the proxy makes itself. */
#include "protocol/protocol.h"

#include <string.h>

size_t proto_msg_begin(proto_buf *b, uint8_t type)
{
    size_t start = b->len;
    if (type)
        proto_buf_put_u8(b, type);
    proto_buf_put_u32(b, 0); /* the length, filled in by proto_msg_end */
    return start;
}

void proto_msg_end(proto_buf *b, size_t start)
{
    uint8_t *len_at = b->data + start;
    /* A typed message's length follows its type byte (never 0); a startup packet's comes
     * first, still zero here. */
    if (len_at[0] != 0)
        len_at++;
    uint32_t n = (uint32_t)(b->data + b->len - len_at);
    uint8_t be[4] = {n >> 24, n >> 16, n >> 8, n};
    memcpy(len_at, be, 4);
}

void proto_build_startup(proto_buf *b, const proto_startup *s)
{
    size_t start = proto_msg_begin(b, 0);
    proto_buf_put_u32(b, s->version);
    for (int i = 0; i < s->nparams; i++) {
        proto_buf_put_str(b, s->params[i].name);
        proto_buf_put_str(b, s->params[i].value);
    }
    proto_buf_put_u8(b, 0);
    proto_msg_end(b, start);
}

void proto_build_cancel(proto_buf *b, uint32_t pid, uint32_t key)
{
    size_t start = proto_msg_begin(b, 0);
    proto_buf_put_u32(b, PROTO_CANCEL_REQUEST);
    proto_buf_put_u32(b, pid);
    proto_buf_put_u32(b, key);
    proto_msg_end(b, start);
}

void proto_build_error(proto_buf *b, const char *severity, const char *sqlstate,
                       const char *message)
{
    size_t start = proto_msg_begin(b, 'E');
    proto_buf_put_u8(b, 'S');
    proto_buf_put_str(b, severity);
    proto_buf_put_u8(b, 'V'); /* the untranslated severity, as servers since 9.6 send it */
    proto_buf_put_str(b, severity);
    proto_buf_put_u8(b, 'C');
    proto_buf_put_str(b, sqlstate);
    proto_buf_put_u8(b, 'M');
    proto_buf_put_str(b, message);
    proto_buf_put_u8(b, 0);
    proto_msg_end(b, start);
}

void proto_build_ready(proto_buf *b, char status)
{
    size_t start = proto_msg_begin(b, 'Z');
    proto_buf_put_u8(b, (uint8_t)status);
    proto_msg_end(b, start);
}

void proto_build_query(proto_buf *b, const char *sql)
{
    size_t start = proto_msg_begin(b, 'Q');
    proto_buf_put_str(b, sql);
    proto_msg_end(b, start);
}

void proto_build_command_complete(proto_buf *b, const char *tag)
{
    size_t start = proto_msg_begin(b, 'C');
    proto_buf_put_str(b, tag);
    proto_msg_end(b, start);
}

void proto_build_close(proto_buf *b, char kind, const char *name)
{
    size_t start = proto_msg_begin(b, 'C');
    proto_buf_put_u8(b, (uint8_t)kind);
    proto_buf_put_str(b, name);
    proto_msg_end(b, start);
}

void proto_build_parse(proto_buf *b, const char *name, const char *query)
{
    size_t start = proto_msg_begin(b, 'P');
    proto_buf_put_str(b, name);
    proto_buf_put_str(b, query);
    proto_buf_put_u16(b, 0);
    proto_msg_end(b, start);
}

void proto_build_bind(proto_buf *b, const char *portal, const char *stmt)
{
    size_t start = proto_msg_begin(b, 'B');
    proto_buf_put_str(b, portal);
    proto_buf_put_str(b, stmt);
    proto_buf_put_u16(b, 0); /* parameter formats */
    proto_buf_put_u16(b, 0); /* parameters */
    proto_buf_put_u16(b, 0); /* result formats */
    proto_msg_end(b, start);
}

void proto_build_execute(proto_buf *b, const char *portal)
{
    size_t start = proto_msg_begin(b, 'E');
    proto_buf_put_str(b, portal);
    proto_buf_put_u32(b, 0);
    proto_msg_end(b, start);
}

void proto_build_terminate(proto_buf *b)
{
    proto_build_empty(b, PROTO_FE_TERMINATE);
}

void proto_build_empty(proto_buf *b, uint8_t type)
{
    size_t start = proto_msg_begin(b, type);
    proto_msg_end(b, start);
}

void proto_build_row_description(proto_buf *b, const proto_column *cols, int n)
{
    size_t start = proto_msg_begin(b, PROTO_BE_ROW_DESCRIPTION);
    proto_buf_put_u16(b, (uint16_t)n);
    for (int i = 0; i < n; i++) {
        proto_buf_put_str(b, cols[i].name);
        proto_buf_put_u32(b, 0); /* no table */
        proto_buf_put_u16(b, 0); /* no column of one */
        proto_buf_put_u32(b, cols[i].type);
        proto_buf_put_u16(b, 0xffff);     /* the type's size: variable, as for any type here */
        proto_buf_put_u32(b, 0xffffffff); /* no type modifier */
        proto_buf_put_u16(b, 0);          /* text format */
    }
    proto_msg_end(b, start);
}

void proto_build_no_parameters(proto_buf *b)
{
    size_t start = proto_msg_begin(b, PROTO_BE_PARAMETER_DESCRIPTION);
    proto_buf_put_u16(b, 0);
    proto_msg_end(b, start);
}

size_t proto_data_row_begin(proto_buf *b, int nvalues)
{
    size_t start = proto_msg_begin(b, PROTO_BE_DATA_ROW);
    proto_buf_put_u16(b, (uint16_t)nvalues);
    return start;
}

void proto_data_row_value(proto_buf *b, const char *value, size_t len)
{
    proto_buf_put_u32(b, value ? (uint32_t)len : 0xffffffff);
    if (value)
        proto_buf_put(b, value, len);
}

bool proto_build_parse_like(proto_buf *b, const uint8_t *orig, size_t orig_len, const char *query,
                            size_t query_len)
{
    return proto_build_parse_typed(b, orig, orig_len, query, query_len, 0);
}

bool proto_build_parse_typed(proto_buf *b, const uint8_t *orig, size_t orig_len, const char *query,
                             size_t query_len, uint32_t unspecified)
{
    proto_parse_fields p;
    if (!proto_read_parse(orig, orig_len, &p) || memchr(query, 0, query_len))
        return false;
    size_t start = proto_msg_begin(b, 'P');
    proto_buf_put_str(b, p.name);
    proto_buf_put(b, query, query_len);
    proto_buf_put_u8(b, 0);
    proto_buf_put_u16(b, p.nparams);
    for (int i = 0; i < p.nparams; i++) {
        const uint8_t *t = p.param_types + 4 * i;
        bool zero = !(t[0] | t[1] | t[2] | t[3]);
        if (zero && unspecified)
            proto_buf_put_u32(b, unspecified);
        else
            proto_buf_put(b, t, 4);
    }
    proto_msg_end(b, start);
    return true;
}

/* The fields of an ErrorResponse end where they should: each NUL-terminated, then a NUL. */
static bool fields_well_formed(const uint8_t *p, const uint8_t *end)
{
    while (p < end && *p) {
        const uint8_t *nul = memchr(p + 1, 0, (size_t)(end - p - 1));
        if (!nul)
            return false;
        p = nul + 1;
    }
    return p < end;
}

static const proto_error_change *change_of(const proto_error_change *changes, int n, uint8_t f)
{
    for (int i = 0; i < n; i++)
        if ((uint8_t)changes[i].field == f)
            return &changes[i];
    return NULL;
}

bool proto_build_error_edit(proto_buf *b, const uint8_t *orig, size_t orig_len,
                            const proto_error_change *changes, int n)
{
    const uint8_t *p = orig + PROTO_HDR_LEN, *end = orig + orig_len;
    if (orig_len < PROTO_HDR_LEN + 1 || !fields_well_formed(p, end))
        return false;
    size_t start = proto_msg_begin(b, orig[0]);
    for (; *p; p += strlen((const char *)p + 1) + 2) {
        const proto_error_change *c = change_of(changes, n, *p);
        if (c && !c->value)
            continue;
        proto_buf_put_u8(b, *p);
        proto_buf_put_str(b, c ? c->value : (const char *)p + 1);
    }
    proto_buf_put_u8(b, 0);
    proto_msg_end(b, start);
    return true;
}

const char *proto_error_field(const uint8_t *msg, size_t len, char field)
{
    const uint8_t *p = msg + PROTO_HDR_LEN, *end = msg + len;
    if (len < PROTO_HDR_LEN + 1 || !fields_well_formed(p, end))
        return NULL;
    for (; *p; p += strlen((const char *)p + 1) + 2)
        if (*p == (uint8_t)field)
            return (const char *)p + 1;
    return NULL;
}
