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

/* The listening sockets, bound before the workers start (proxy/workers.c), so that a worker
 * that is started again takes over the same sockets and what waits in their queues: each TCP
 * address is bound once per worker (SO_REUSEPORT: the kernel spreads new connections over
 * them), the Unix socket once for all. */
typedef struct {
    int fd;
    int copy;        /* the worker that accepts on it, or -1: all of them */
    char *unix_path; /* removed when it is closed */
} listener_socket;

typedef struct {
    int n;
    listener_socket *sockets;
} listener_set;

/* Binds every socket the configuration asks for, `copies` times each TCP address
 * (SO_REUSEPORT when copies > 1 or so_reuseport is set); false with err (the sockets bound
 * so far stay in the set, for listener_set_close). */
bool listener_bind_all(listener_set *set, const conf_config *cfg, int copies, char *err,
                       size_t errlen);
/* Closes the sockets of the set but those worker `keep` accepts on (-1: all of them); the
 * Unix socket's file is removed only when unlink_unix. */
void listener_set_close(listener_set *set, int keep, bool unlink_unix);

/* Starts accepting, onto the list *all, on the sockets of the set that worker `copy` accepts
 * on; the list takes them over. */
void listener_start(listener **all, struct event_base *base, listener_set *set, int copy,
                    listener_accept_fn on_accept, void *owner);
/* Stops accepting and closes the sockets (removing the Unix socket file). */
void listener_close_all(listener **all);

#endif
