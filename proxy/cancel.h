/* proxy/cancel.h — sending CancelRequests to servers. Clients see the server's own
 * BackendKeyData, so a cancel arriving on a new connection is matched by (pid, key) against
 * live sessions (proxy/proxy.c) and sent on to that session's server from here. */
#ifndef PROXY_CANCEL_H
#define PROXY_CANCEL_H

#include <stdint.h>

#include "proxy/net.h"

struct event_base;

/* Sends a CancelRequest to one server; fire and forget (5 s to connect). */
void cancel_send(struct event_base *base, const net_addr *to, uint32_t pid, uint32_t key);
/* Drops cancels still in flight (at exit). */
void cancel_cleanup(void);

#endif
