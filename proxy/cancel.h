/* proxy/cancel.h — CancelRequest routing. Clients see the server's own BackendKeyData, so a
 * cancel arriving on a new connection is matched by (pid, key) against live sessions; an
 * unknown key goes to every distinct upstream, which lets instances run side by side. */
#ifndef PROXY_CANCEL_H
#define PROXY_CANCEL_H

#include <stdint.h>

#include "proxy/proxy.h"

/* Sends a CancelRequest to one server; fire and forget. */
void cancel_send(proxy *px, const net_addr *to, uint32_t pid, uint32_t key);
void cancel_route(proxy *px, uint32_t pid, uint32_t key);
/* Drops cancels still in flight (at exit). */
void cancel_cleanup(void);

#endif
