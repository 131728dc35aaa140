/* proxy/listener.c — accepting clients. Each listening socket has one persistent read event;
 * a wake-up accepts every client waiting, so a burst costs one epoll round. */
#include "proxy/listener.h"

#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <event2/event.h>
#include <event2/event_struct.h>

#include "common/mem.h"
#include "protocol/protocol.h"
#include "proxy/log.h"
#include "proxy/net.h"

/* Clients accepted per wake-up at most, so that one busy socket cannot starve the others. */
enum { ACCEPTS_PER_WAKEUP = 64 };

struct listener {
    listener *next;
    listener_accept_fn on_accept;
    void *owner;
    int fd;
    struct event ev;
    struct event pause; /* out of descriptors: accepting resumes when it fires */
    char *unix_path;    /* removed at close */
};

/* Turns a client away without a session: one error, best effort, then close. */
static void refuse(int fd, const char *sqlstate, const char *message)
{
    proto_buf b = {0};
    proto_build_error(&b, "FATAL", sqlstate, message);
    (void)!send(fd, b.data, b.len, MSG_DONTWAIT | MSG_NOSIGNAL);
    proto_buf_free(&b);
    close(fd);
}

static void on_pause_end(evutil_socket_t fd, short what, void *arg)
{
    listener *l = arg;
    (void)fd;
    (void)what;
    event_add(&l->ev, NULL);
}

/* Without a free descriptor the pending client stays in the queue and the socket stays
 * readable: stop watching it for a second instead of spinning. */
static void pause_accepting(listener *l)
{
    static const struct timeval second = {1, 0};
    log_warning("accept failed: %s; pausing new connections for a second", strerror(errno));
    event_del(&l->ev);
    evtimer_add(&l->pause, &second);
}

static void on_acceptable(evutil_socket_t fd, short what, void *arg)
{
    listener *l = arg;
    (void)what;
    for (int i = 0; i < ACCEPTS_PER_WAKEUP; i++) {
        struct sockaddr_storage peer;
        socklen_t len = sizeof peer;
        int client = accept4(fd, (struct sockaddr *)&peer, &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (client < 0) {
            if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM)
                pause_accepting(l);
            else if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
                log_warning("accept failed: %s", strerror(errno));
            return;
        }
        if (peer.ss_family != AF_UNIX)
            net_nodelay(client);
        if (!l->on_accept(l->owner, client, (struct sockaddr *)&peer))
            refuse(client, "53300", "no more connections allowed (max_client_conn)");
    }
}

static void add_listener(listener **all, struct event_base *base, listener_socket *sock,
                         listener_accept_fn on_accept, void *owner)
{
    listener *l = mem_zalloc(sizeof *l);
    l->unix_path = sock->unix_path;
    l->on_accept = on_accept;
    l->owner = owner;
    l->fd = sock->fd;
    l->next = *all;
    *all = l;
    event_assign(&l->ev, base, l->fd, EV_READ | EV_PERSIST, on_acceptable, l);
    evtimer_assign(&l->pause, base, on_pause_end, l);
    event_add(&l->ev, NULL);
}

/* Binds and listens; returns the socket or -1 with err set. */
static int open_socket(const struct sockaddr *sa, socklen_t len, bool reuseport, const char *label,
                       char *err, size_t errlen)
{
    int fd = socket(sa->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    int on = 1;
    if (fd >= 0 && sa->sa_family != AF_UNIX) {
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
        if (reuseport)
            setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &on, sizeof on);
        if (sa->sa_family == AF_INET6)
            setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof on);
    }
    if (fd < 0 || bind(fd, sa, len) < 0 || listen(fd, SOMAXCONN) < 0) {
        int saved = errno;
        snprintf(err, errlen, "cannot listen on %s: %s", label, strerror(saved));
        if (fd >= 0)
            close(fd);
        errno = saved;
        return -1;
    }
    return fd;
}

static void add_socket(listener_set *set, int fd, int copy, const char *unix_path)
{
    set->sockets = mem_realloc(set->sockets, (size_t)(set->n + 1) * sizeof *set->sockets);
    set->sockets[set->n++] = (listener_socket){fd, copy, mem_strdup(unix_path)};
}

static bool listen_tcp(listener_set *set, const conf_config *cfg, int copies, const char *host,
                       char *err, size_t errlen)
{
    int port = cfg->listen_port;
    char service[16];
    snprintf(service, sizeof service, "%d", port);
    struct addrinfo hints = {.ai_flags = AI_PASSIVE, .ai_socktype = SOCK_STREAM}, *res;
    int rc = getaddrinfo(strcmp(host, "*") == 0 ? NULL : host, service, &hints, &res);
    if (rc != 0) {
        snprintf(err, errlen, "cannot listen on %s: %s", host, gai_strerror(rc));
        return false;
    }
    bool ok = true, reuseport = copies > 1 || cfg->so_reuseport;
    for (struct addrinfo *ai = res; ai && ok; ai = ai->ai_next) {
        char label[160];
        snprintf(label, sizeof label, "%s:%d", host, port);
        for (int copy = 0; copy < copies && ok; copy++) {
            int fd = open_socket(ai->ai_addr, ai->ai_addrlen, reuseport, label, err, errlen);
            /* `*` on a host without IPv6 (or IPv4): the family it lacks is skipped */
            bool absent = fd < 0 && strcmp(host, "*") == 0 && errno == EAFNOSUPPORT;
            if (absent) {
                log_warning("%s", err);
                break;
            }
            ok = fd >= 0;
            if (ok)
                add_socket(set, fd, copy, NULL);
            if (ok && copy == 0)
                log_info("listening on %s", label);
        }
    }
    freeaddrinfo(res);
    return ok;
}

static bool listen_unix(listener_set *set, const conf_config *cfg, char *err, size_t errlen)
{
    net_addr a;
    if (!net_resolve(cfg->unix_socket_dir, cfg->listen_port, &a, err, errlen))
        return false;
    unlink(a.label); /* a stale socket of an earlier run */
    int fd = open_socket((struct sockaddr *)&a.addr, a.len, false, a.label, err, errlen);
    if (fd < 0)
        return false;
    chmod(a.label, 0777); /* like PostgreSQL's default: access is decided by authentication */
    log_info("listening on %s", a.label);
    add_socket(set, fd, -1, a.label);
    return true;
}

bool listener_bind_all(listener_set *set, const conf_config *cfg, int copies, char *err,
                       size_t errlen)
{
    for (int i = 0; i < cfg->listen_addr.n; i++)
        if (!listen_tcp(set, cfg, copies, cfg->listen_addr.items[i], err, errlen))
            return false;
    return !cfg->unix_socket_dir || listen_unix(set, cfg, err, errlen);
}

void listener_set_close(listener_set *set, int keep, bool unlink_unix)
{
    int kept = 0;
    for (int i = 0; i < set->n; i++) {
        listener_socket *sock = &set->sockets[i];
        if (keep >= 0 && (sock->copy == keep || sock->copy < 0)) {
            set->sockets[kept++] = *sock;
            continue;
        }
        close(sock->fd);
        if (sock->unix_path && unlink_unix)
            unlink(sock->unix_path);
        free(sock->unix_path);
    }
    set->n = kept;
    if (!kept) {
        free(set->sockets);
        set->sockets = NULL;
    }
}

void listener_start(listener **all, struct event_base *base, listener_set *set, int copy,
                    listener_accept_fn on_accept, void *owner)
{
    for (int i = 0; i < set->n; i++)
        if (set->sockets[i].copy == copy || set->sockets[i].copy < 0)
            add_listener(all, base, &set->sockets[i], on_accept, owner);
    free(set->sockets); /* the list owns the sockets now */
    *set = (listener_set){0};
}

void listener_close_all(listener **all)
{
    while (*all) {
        listener *l = *all;
        *all = l->next;
        event_del(&l->ev);
        event_del(&l->pause);
        close(l->fd);
        if (l->unix_path)
            unlink(l->unix_path);
        free(l->unix_path);
        free(l);
    }
}
