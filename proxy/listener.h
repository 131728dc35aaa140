/* proxy/listener.h — the listening sockets (TCP addresses and an optional Unix socket).
 * Each accepted client goes to the owner's callback, with its address. */
#ifndef PROXY_LISTENER_H
#define PROXY_LISTENER_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

#include "conf/conf.h"

struct event_base;
typedef struct listener listener;

/* An accepted client; returns false when the owner turned it away (too many clients: the
 * listener sends it `53300` and closes it). */
typedef bool (*listener_accept_fn)(void *owner, int fd, const struct sockaddr *peer);

/* Opens every socket the configuration asks for and starts accepting onto the list *all;
 * false with err (the sockets opened so far stay on the list, for listener_close_all). */
bool listener_open_all(listener **all, struct event_base *base, const conf_config *cfg,
                       listener_accept_fn on_accept, void *owner, char *err, size_t errlen);
/* Stops accepting and closes the sockets (removing the Unix socket file). */
void listener_close_all(listener **all);

#endif
