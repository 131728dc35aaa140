/* proxy/hooks.h — THE place where messages between a client and its server can be looked at
 * and changed: the SQL rewriter plugs in here.
 *
 * For each message of an authenticated session, the relay asks the policy of its direction
 * (at the message header, before the body has arrived):
 *   PROTO_PASS   the bytes stream through untouched, without being copied;
 *   PROTO_PEEK   the handler sees the first PROTO_PEEK_MAX bytes, the message passes through;
 *   PROTO_WHOLE  the complete message is handed to the handler, which returns PROTO_FORWARD
 *                (sent on as it is) or PROTO_CONSUMED after appending its replacement to
 *                out->buf with the protocol/ builders (or appending nothing: dropped).
 * Whatever a handler appends to out->buf goes to the same peer, in stream order, so
 * replacing a message in the middle of a pipelined batch keeps every other byte in place.
 *
 * Client to server:  'Q' Query and 'P' Parse are rewritten (proto_build_query,
 *                    proto_build_parse_like); 'B' Bind is peeked for its portal and
 *                    statement names; 'E' Execute, 'C' Close and 'S' Sync are tracked.
 * Server to client:  'C' CommandComplete (a tag can become "DELETE 3"), 'Z' ReadyForQuery and
 *                    'E' ErrorResponse.
 * The session's own bookkeeping (startup, authentication, BackendKeyData, internal queries)
 * runs before these hooks, in proxy/session.c. */
#ifndef PROXY_HOOKS_H
#define PROXY_HOOKS_H

#include <stdint.h>

#include "protocol/protocol.h"

typedef struct session session;

proto_policy hooks_client_policy(session *s, uint8_t type);
proto_verdict hooks_client_message(session *s, const proto_msg *m, proto_out *out);

proto_policy hooks_server_policy(session *s, uint8_t type);
proto_verdict hooks_server_message(session *s, const proto_msg *m, proto_out *out);

#endif
