/* proxy/hooks.c — the per-message hooks of an authenticated session (see hooks.h). Today
 * every hook forwards the message unchanged; the rewriter replaces the bodies of the cases
 * below. */
#include "proxy/hooks.h"

proto_policy hooks_client_policy(session *s, uint8_t type)
{
    (void)s;
    switch (type) {
    case 'Q': /* Query: rewritten whole */
    case 'P': /* Parse: rewritten whole */
    case 'E': /* Execute: which portal runs (for the command-tag fix) */
    case 'C': /* Close: statements and portals that go away */
    case 'S': /* Sync */
        return PROTO_WHOLE;
    case 'B': /* Bind: only its portal and statement names matter, not the parameters */
        return PROTO_PEEK;
    default:
        return PROTO_PASS;
    }
}

proto_verdict hooks_client_message(session *s, const proto_msg *m, proto_out *out)
{
    (void)s;
    (void)m;
    (void)out;
    return PROTO_FORWARD;
}

proto_policy hooks_server_policy(session *s, uint8_t type)
{
    (void)s;
    switch (type) {
    case 'C': /* CommandComplete: "UPDATE 3" may have to read "DELETE 3" */
    case 'Z': /* ReadyForQuery */
    case 'E': /* ErrorResponse */
        return PROTO_WHOLE;
    default:
        return PROTO_PASS;
    }
}

proto_verdict hooks_server_message(session *s, const proto_msg *m, proto_out *out)
{
    (void)s;
    (void)m;
    (void)out;
    return PROTO_FORWARD;
}
