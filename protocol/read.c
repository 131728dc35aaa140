/* protocol/read.c — reading the fields of the messages the proxy inspects. Strings are
 * returned in place: the protocol NUL-terminates them inside the message. */
#include "protocol/protocol.h"

#include <string.h>

proto_reader proto_reader_init(const uint8_t *msg, size_t len)
{
    if (len < PROTO_HDR_LEN)
        return (proto_reader){NULL, NULL, true};
    return (proto_reader){msg + PROTO_HDR_LEN, msg + len, false};
}

const uint8_t *proto_read_bytes(proto_reader *r, size_t n)
{
    if (r->bad || (size_t)(r->end - r->p) < n) {
        r->bad = true;
        return NULL;
    }
    const uint8_t *at = r->p;
    r->p += n;
    return at;
}

const char *proto_read_str(proto_reader *r)
{
    const uint8_t *nul = r->bad ? NULL : memchr(r->p, 0, (size_t)(r->end - r->p));
    if (!nul) {
        r->bad = true;
        return NULL;
    }
    const char *s = (const char *)r->p;
    r->p = nul + 1;
    return s;
}

uint32_t proto_read_u32(proto_reader *r)
{
    const uint8_t *p = proto_read_bytes(r, 4);
    return p ? proto_get_u32(p) : 0;
}

uint16_t proto_read_u16(proto_reader *r)
{
    const uint8_t *p = proto_read_bytes(r, 2);
    return p ? proto_get_u16(p) : 0;
}

/* True when the message has the expected type and was read to its exact end. */
static bool read_all(const proto_reader *r, const uint8_t *msg, uint8_t type)
{
    return !r->bad && msg[0] == type && r->p == r->end;
}

bool proto_read_command_complete(const uint8_t *msg, size_t len, const char **tag)
{
    proto_reader r = proto_reader_init(msg, len);
    *tag = proto_read_str(&r);
    return read_all(&r, msg, 'C');
}

bool proto_read_ready(const uint8_t *msg, size_t len, char *status)
{
    proto_reader r = proto_reader_init(msg, len);
    const uint8_t *s = proto_read_bytes(&r, 1);
    *status = s ? (char)*s : 0;
    return read_all(&r, msg, 'Z');
}

bool proto_read_backend_key(const uint8_t *msg, size_t len, uint32_t *pid, uint32_t *key)
{
    proto_reader r = proto_reader_init(msg, len);
    *pid = proto_read_u32(&r);
    *key = proto_read_u32(&r);
    return read_all(&r, msg, 'K');
}

/* Stores an ErrorResponse/NoticeResponse field where the caller wants it, if it does. */
static void store_error_field(proto_error_fields *out, uint8_t code, const char *value)
{
    switch (code) {
    case 'S':
        out->severity = value;
        break;
    case 'C':
        out->sqlstate = value;
        break;
    case 'M':
        out->message = value;
        break;
    case 'D':
        out->detail = value;
        break;
    case 'H':
        out->hint = value;
        break;
    case 'P':
        out->position = value;
        break;
    }
}

bool proto_read_error(const uint8_t *msg, size_t len, proto_error_fields *out)
{
    *out = (proto_error_fields){0};
    proto_reader r = proto_reader_init(msg, len);
    for (;;) {
        const uint8_t *code = proto_read_bytes(&r, 1);
        if (!code || *code == 0)
            break;
        store_error_field(out, *code, proto_read_str(&r));
    }
    return !r.bad && r.p == r.end && (msg[0] == 'E' || msg[0] == 'N');
}

bool proto_read_parse(const uint8_t *msg, size_t len, proto_parse_fields *out)
{
    proto_reader r = proto_reader_init(msg, len);
    out->name = proto_read_str(&r);
    out->query = proto_read_str(&r);
    out->query_len = out->query ? strlen(out->query) : 0;
    out->nparams = proto_read_u16(&r);
    out->param_types = proto_read_bytes(&r, (size_t)out->nparams * 4);
    return read_all(&r, msg, 'P');
}

bool proto_read_bind_names(const uint8_t *msg, size_t len, const char **portal, const char **stmt)
{
    proto_reader r = proto_reader_init(msg, len);
    *portal = proto_read_str(&r);
    *stmt = proto_read_str(&r);
    return !r.bad && msg[0] == 'B';
}

bool proto_read_execute(const uint8_t *msg, size_t len, const char **portal, uint32_t *max_rows)
{
    proto_reader r = proto_reader_init(msg, len);
    *portal = proto_read_str(&r);
    *max_rows = proto_read_u32(&r);
    return read_all(&r, msg, 'E');
}

bool proto_read_function_oid(const uint8_t *msg, size_t len, uint32_t *oid)
{
    proto_reader r = proto_reader_init(msg, len);
    *oid = proto_read_u32(&r);
    return !r.bad && msg[0] == 'F';
}

bool proto_read_target(const uint8_t *msg, size_t len, char *kind, const char **name)
{
    proto_reader r = proto_reader_init(msg, len);
    const uint8_t *k = proto_read_bytes(&r, 1);
    *kind = k ? (char)*k : 0;
    *name = proto_read_str(&r);
    return read_all(&r, msg, msg[0]) && (msg[0] == 'C' || msg[0] == 'D') &&
           (*kind == 'S' || *kind == 'P');
}

bool proto_read_data_row_text(const uint8_t *msg, size_t len, proto_buf *store,
                              const char *const **values, int *n)
{
    proto_reader r = proto_reader_init(msg, len);
    *n = proto_read_u16(&r);
    size_t index = (size_t)*n * sizeof(char *);
    /* Each value with its NUL fits in its length word and data: len bounds the text. */
    store->len = 0;
    proto_buf_reserve(store, index + len);
    const char **v = (const char **)store->data;
    char *text = (char *)store->data + index;
    for (int i = 0; i < *n; i++) {
        int32_t flen = (int32_t)proto_read_u32(&r);
        const uint8_t *data = flen >= 0 ? proto_read_bytes(&r, (size_t)flen) : NULL;
        r.bad |= flen < -1;
        v[i] = data ? text : NULL;
        if (data) {
            memcpy(text, data, (size_t)flen);
            text[flen] = 0;
            text += flen + 1;
        }
    }
    store->len = (size_t)((uint8_t *)text - store->data);
    *values = v;
    return read_all(&r, msg, 'D');
}

bool proto_read_row_description(const uint8_t *msg, size_t len, const char **names, int max, int *n)
{
    proto_reader r = proto_reader_init(msg, len);
    *n = proto_read_u16(&r);
    for (int i = 0; i < *n && !r.bad; i++) {
        const char *name = proto_read_str(&r);
        proto_read_bytes(&r, 18); /* table OID, column, type OID, size, modifier, format */
        if (i < max)
            names[i] = name;
    }
    return read_all(&r, msg, 'T');
}
