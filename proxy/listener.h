/* proxy/listener.h — the listening sockets (TCP addresses and an optional Unix socket). */
#ifndef PROXY_LISTENER_H
#define PROXY_LISTENER_H

#include <stdbool.h>
#include <stddef.h>

#include "proxy/proxy.h"

/* Opens every socket the configuration asks for and starts accepting; false with err. */
bool listener_open_all(proxy *px, char *err, size_t errlen);
/* Stops accepting and closes the sockets (removing the Unix socket file). */
void listener_close_all(proxy *px);

#endif
