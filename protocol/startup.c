/* protocol/startup.c — the first packet of a connection: StartupMessage, SSLRequest,
 * GSSENCRequest or CancelRequest, told apart by the code after the length word. */
#include "protocol/protocol.h"

#include <string.h>

/* Reads the name/value pairs of a v3 StartupMessage; the list ends with an empty name. */
static const char *parse_params(const uint8_t *p, const uint8_t *end, proto_startup *out)
{
    for (;;) {
        const uint8_t *name_end = memchr(p, 0, (size_t)(end - p));
        if (!name_end)
            return "startup packet parameters are not terminated";
        if (name_end == p)
            return name_end + 1 == end ? NULL : "data after the startup parameters";
        const uint8_t *value = name_end + 1;
        const uint8_t *value_end = memchr(value, 0, (size_t)(end - value));
        if (!value_end)
            return "startup parameter without a value";
        if (!proto_startup_set(out, (const char *)p, (const char *)value))
            return "too many startup parameters";
        p = value_end + 1;
    }
}

const char *proto_parse_startup(const uint8_t *pkt, size_t len, proto_startup *out)
{
    *out = (proto_startup){0};
    if (len < 8 || proto_get_u32(pkt) != len)
        return "invalid startup packet length";
    uint32_t code = proto_get_u32(pkt + 4);
    switch (code) {
    case PROTO_SSL_REQUEST:
        out->kind = PROTO_STARTUP_SSL;
        return len == 8 ? NULL : "invalid SSLRequest";
    case PROTO_GSSENC_REQUEST:
        out->kind = PROTO_STARTUP_GSSENC;
        return len == 8 ? NULL : "invalid GSSENCRequest";
    case PROTO_CANCEL_REQUEST:
        out->kind = PROTO_STARTUP_CANCEL;
        if (len != 16)
            return "invalid CancelRequest";
        out->cancel_pid = proto_get_u32(pkt + 8);
        out->cancel_key = proto_get_u32(pkt + 12);
        return NULL;
    }
    if (code >> 16 != 3)
        return "unsupported frontend protocol";
    out->kind = PROTO_STARTUP_V3;
    out->version = code;
    return parse_params(pkt + 8, pkt + len, out);
}

const char *proto_startup_get(const proto_startup *s, const char *name)
{
    for (int i = 0; i < s->nparams; i++)
        if (strcmp(s->params[i].name, name) == 0)
            return s->params[i].value;
    return NULL;
}

bool proto_startup_set(proto_startup *s, const char *name, const char *value)
{
    for (int i = 0; i < s->nparams; i++) {
        if (strcmp(s->params[i].name, name) == 0) {
            s->params[i].value = value;
            return true;
        }
    }
    if (s->nparams == PROTO_MAX_PARAMS)
        return false;
    s->params[s->nparams++] = (proto_param){name, value};
    return true;
}
