/* proxy/net.c — socket helpers: resolving upstream addresses, non-blocking connects. */
#include "proxy/net.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <string.h>
#include <sys/un.h>
#include <unistd.h>

void net_nodelay(int fd)
{
    int on = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
}

void net_keepalive(int fd, const conf_config *cfg)
{
    struct sockaddr_storage sa;
    socklen_t len = sizeof sa;
    if (getsockname(fd, (struct sockaddr *)&sa, &len) < 0 || sa.ss_family == AF_UNIX)
        return;
    int on = cfg->tcp_keepalive;
    setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &on, sizeof on);
    if (!on)
        return;
    if (cfg->tcp_keepidle)
        setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &cfg->tcp_keepidle, sizeof cfg->tcp_keepidle);
    if (cfg->tcp_keepintvl)
        setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &cfg->tcp_keepintvl, sizeof cfg->tcp_keepintvl);
    if (cfg->tcp_keepcnt)
        setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &cfg->tcp_keepcnt, sizeof cfg->tcp_keepcnt);
}

static bool resolve_unix(const char *dir, int port, net_addr *out, char *err, size_t errlen)
{
    struct sockaddr_un *un = (struct sockaddr_un *)&out->addr;
    un->sun_family = AF_UNIX;
    int n = snprintf(un->sun_path, sizeof un->sun_path, "%s/.s.PGSQL.%d", dir, port);
    if (n < 0 || (size_t)n >= sizeof un->sun_path) {
        snprintf(err, errlen, "Unix socket path too long: %s", dir);
        return false;
    }
    out->len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + (size_t)n + 1);
    snprintf(out->label, sizeof out->label, "%s", un->sun_path);
    return true;
}

bool net_resolve(const char *host, int port, net_addr *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    if (host[0] == '/')
        return resolve_unix(host, port, out, err, errlen);
    char service[16];
    snprintf(service, sizeof service, "%d", port);
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM}, *res;
    int rc = getaddrinfo(host, service, &hints, &res);
    if (rc != 0) {
        snprintf(err, errlen, "cannot resolve \"%s\": %s", host, gai_strerror(rc));
        return false;
    }
    memcpy(&out->addr, res->ai_addr, res->ai_addrlen);
    out->len = res->ai_addrlen;
    freeaddrinfo(res);
    snprintf(out->label, sizeof out->label, "%s:%d", host, port);
    return true;
}

int net_connect(const net_addr *a)
{
    int fd = socket(a->addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    if (a->addr.ss_family != AF_UNIX)
        net_nodelay(fd);
    if (connect(fd, (const struct sockaddr *)&a->addr, a->len) == 0 || errno == EINPROGRESS)
        return fd;
    int saved = errno;
    close(fd);
    errno = saved;
    return -1;
}

bool net_same_addr(const net_addr *a, const net_addr *b)
{
    return a->len == b->len && memcmp(&a->addr, &b->addr, a->len) == 0;
}

void net_format_peer(const struct sockaddr *sa, char *buf, size_t len)
{
    char ip[INET6_ADDRSTRLEN] = "?";
    if (sa->sa_family == AF_INET) {
        const struct sockaddr_in *in = (const struct sockaddr_in *)sa;
        inet_ntop(AF_INET, &in->sin_addr, ip, sizeof ip);
        snprintf(buf, len, "%s:%d", ip, ntohs(in->sin_port));
    } else if (sa->sa_family == AF_INET6) {
        const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;
        inet_ntop(AF_INET6, &in6->sin6_addr, ip, sizeof ip);
        snprintf(buf, len, "[%s]:%d", ip, ntohs(in6->sin6_port));
    } else {
        snprintf(buf, len, "unix");
    }
}
