/* proxy/net.h — small socket helpers shared by the listener, upstream and cancel code. */
#ifndef PROXY_NET_H
#define PROXY_NET_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

#include "conf/conf.h"

/* A resolved address: a TCP host:port or a Unix socket path. */
typedef struct {
    struct sockaddr_storage addr;
    socklen_t len;
    char label[128]; /* for logs: "host:port" or the socket path */
} net_addr;

/* Turns off Nagle's algorithm on TCP sockets: the protocol's small messages must not wait. */
void net_nodelay(int fd);
/* TCP keepalive as tcp_keepalive, tcp_keepidle, tcp_keepintvl and tcp_keepcnt say (0: the
 * system's value); nothing on a Unix socket. */
void net_keepalive(int fd, const conf_config *cfg);
/* Resolves host (an address, a name, or a Unix socket directory starting with '/') and port
 * the way libpq does. Returns false with err set. */
bool net_resolve(const char *host, int port, net_addr *out, char *err, size_t errlen);
/* Starts a non-blocking connect; returns the socket, or -1 with errno set. */
int net_connect(const net_addr *a);
bool net_same_addr(const net_addr *a, const net_addr *b);
/* "ip:port" or "unix" for a peer address, for logs. */
void net_format_peer(const struct sockaddr *sa, char *buf, size_t len);

#endif
