/* tests/fuzz/fuzz_startup.c — the first packets of a connection, as proxy/session.c takes
 * them: SSLRequests and GSSENCRequests (answered, then the next packet), a CancelRequest
 * (the connection ends: nothing after it is looked at), a v3 StartupMessage (its parameters
 * read, user and database changed as the proxy changes them, and the packet built again).
 * Any packet either parses or is refused with a message; a StartupMessage that parses
 * builds a packet that parses to the same parameters (the proxy sends that one on). */
#include "protocol/protocol.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void same_params(const proto_startup *a, const proto_startup *b)
{
    if (a->nparams != b->nparams || a->version != b->version)
        abort();
    for (int i = 0; i < a->nparams; i++)
        if (strcmp(a->params[i].name, b->params[i].name) != 0 ||
            strcmp(a->params[i].value, b->params[i].value) != 0)
            abort();
}

/* A v3 StartupMessage: built again with the proxy's changes, and parsed back. */
static void rebuild(proto_startup *st)
{
    const char *user = proto_startup_get(st, "user");
    if (user && !proto_startup_get(st, "database"))
        proto_startup_set(st, "database", user);
    proto_startup_set(st, "application_name", "tombstone fuzz");
    proto_buf b = {0};
    proto_build_startup(&b, st);
    proto_startup back;
    if (proto_parse_startup(b.data, b.len, &back))
        abort();
    same_params(st, &back);
    proto_buf_free(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* the packets are copied one by one, so a read past one is outside its allocation */
    size_t pos = 0;
    while (size - pos >= 4) {
        uint32_t len = proto_get_u32(data + pos);
        if (len < 8 || len > PROTO_MAX_STARTUP || len > size - pos)
            return 0; /* the framer refuses it, or waits for the rest */
        uint8_t *pkt = malloc(len);
        memcpy(pkt, data + pos, len);
        proto_startup st;
        const char *err = proto_parse_startup(pkt, len, &st);
        pos += len;
        if (!err && st.kind == PROTO_STARTUP_V3)
            rebuild(&st);
        free(pkt);
        if (err || (st.kind != PROTO_STARTUP_SSL && st.kind != PROTO_STARTUP_GSSENC))
            return 0; /* refused, a cancel (the connection ends) or a login */
    }
    return 0;
}
