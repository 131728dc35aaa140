/* proxy/cancel.c — sending CancelRequests to servers (see cancel.h). */
#include "proxy/cancel.h"

#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event2/event.h>
#include <event2/event_struct.h>

#include "common/mem.h"
#include "protocol/protocol.h"
#include "proxy/log.h"

/* A cancel on its way: connect, send 16 bytes, close. */
typedef struct pending_cancel {
    struct pending_cancel *next;
    int fd;
    struct event ev;
    uint8_t packet[16];
} pending_cancel;

static pending_cancel *in_flight;

static void finish(pending_cancel *c)
{
    pending_cancel **p = &in_flight;
    while (*p != c)
        p = &(*p)->next;
    *p = c->next;
    event_del(&c->ev);
    close(c->fd);
    free(c);
}

static void on_connected(evutil_socket_t fd, short what, void *arg)
{
    pending_cancel *c = arg;
    /* The packet is tiny and the socket fresh: one send either takes it all or fails. */
    if (what & EV_WRITE)
        (void)!send(fd, c->packet, sizeof c->packet, MSG_NOSIGNAL);
    else
        log_warning("cancel request to server timed out");
    finish(c);
}

void cancel_send(struct event_base *base, const net_addr *to, uint32_t pid, uint32_t key)
{
    int fd = net_connect(to);
    if (fd < 0) {
        log_warning("cannot send cancel request to %s", to->label);
        return;
    }
    pending_cancel *c = mem_zalloc(sizeof *c);
    proto_buf b = {0};
    proto_build_cancel(&b, pid, key);
    memcpy(c->packet, b.data, sizeof c->packet);
    proto_buf_free(&b);
    c->fd = fd;
    c->next = in_flight;
    in_flight = c;
    event_assign(&c->ev, base, fd, EV_WRITE, on_connected, c);
    struct timeval timeout = {5, 0};
    event_add(&c->ev, &timeout);
}

void cancel_cleanup(void)
{
    while (in_flight)
        finish(in_flight);
}
