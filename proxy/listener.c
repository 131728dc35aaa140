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

/* What every socket of one listener_open_all call shares. */
typedef struct {
    listener **all;
    struct event_base *base;
    const conf_config *cfg;
    listener_accept_fn on_accept;
    void *owner;
} opening;

static void add_listener(const opening *o, int fd, const char *unix_path)
{
    listener *l = mem_zalloc(sizeof *l);
    l->unix_path = mem_strdup(unix_path);
    l->on_accept = o->on_accept;
    l->owner = o->owner;
    l->fd = fd;
    l->next = *o->all;
    *o->all = l;
    event_assign(&l->ev, o->base, fd, EV_READ | EV_PERSIST, on_acceptable, l);
    evtimer_assign(&l->pause, o->base, on_pause_end, l);
    event_add(&l->ev, NULL);
}

/* Binds and listens; returns the socket or -1 with err set. */
static int open_socket(const conf_config *cfg, const struct sockaddr *sa, socklen_t len,
                       const char *label, char *err, size_t errlen)
{
    int fd = socket(sa->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    int on = 1;
    if (fd >= 0 && sa->sa_family != AF_UNIX) {
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
        if (cfg->so_reuseport)
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
    log_info("listening on %s", label);
    return fd;
}

static bool listen_tcp(const opening *o, const char *host, char *err, size_t errlen)
{
    int port = o->cfg->listen_port;
    char service[16];
    snprintf(service, sizeof service, "%d", port);
    struct addrinfo hints = {.ai_flags = AI_PASSIVE, .ai_socktype = SOCK_STREAM}, *res;
    int rc = getaddrinfo(strcmp(host, "*") == 0 ? NULL : host, service, &hints, &res);
    if (rc != 0) {
        snprintf(err, errlen, "cannot listen on %s: %s", host, gai_strerror(rc));
        return false;
    }
    bool ok = true;
    for (struct addrinfo *ai = res; ai && ok; ai = ai->ai_next) {
        char label[160];
        snprintf(label, sizeof label, "%s:%d", host, port);
        int fd = open_socket(o->cfg, ai->ai_addr, ai->ai_addrlen, label, err, errlen);
        /* `*` on a host without IPv6 (or IPv4): the family it lacks is skipped */
        bool absent = fd < 0 && strcmp(host, "*") == 0 && errno == EAFNOSUPPORT;
        if (absent)
            log_warning("%s", err);
        ok = fd >= 0 || absent;
        if (fd >= 0)
            add_listener(o, fd, NULL);
    }
    freeaddrinfo(res);
    return ok;
}

static bool listen_unix(const opening *o, char *err, size_t errlen)
{
    net_addr a;
    if (!net_resolve(o->cfg->unix_socket_dir, o->cfg->listen_port, &a, err, errlen))
        return false;
    unlink(a.label); /* a stale socket of an earlier run */
    int fd = open_socket(o->cfg, (struct sockaddr *)&a.addr, a.len, a.label, err, errlen);
    if (fd < 0)
        return false;
    chmod(a.label, 0777); /* like PostgreSQL's default: access is decided by authentication */
    add_listener(o, fd, a.label);
    return true;
}

bool listener_open_all(listener **all, struct event_base *base, const conf_config *cfg,
                       listener_accept_fn on_accept, void *owner, char *err, size_t errlen)
{
    opening o = {all, base, cfg, on_accept, owner};
    for (int i = 0; i < cfg->listen_addr.n; i++)
        if (!listen_tcp(&o, cfg->listen_addr.items[i], err, errlen))
            return false;
    return !cfg->unix_socket_dir || listen_unix(&o, err, errlen);
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
