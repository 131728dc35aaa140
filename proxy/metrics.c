/* proxy/metrics.c — the metrics endpoint (see metrics.h). */
#include "proxy/metrics.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/http.h>

#include "common/mem.h"

struct metrics {
    struct evhttp *http;
    metrics_page_fn page;
    void *owner;
};

static void on_request(struct evhttp_request *req, void *arg)
{
    metrics *m = arg;
    const char *path = evhttp_uri_get_path(evhttp_request_get_evhttp_uri(req));
    if (!path || strcmp(path, "/metrics") != 0) {
        evhttp_send_error(req, HTTP_NOTFOUND, "the metrics are at /metrics");
        return;
    }
    if (evhttp_request_get_command(req) != EVHTTP_REQ_GET &&
        evhttp_request_get_command(req) != EVHTTP_REQ_HEAD) {
        evhttp_send_error(req, 405, "GET only");
        return;
    }
    proto_buf page = {0};
    m->page(m->owner, &page);
    struct evbuffer *body = evbuffer_new();
    evbuffer_add(body, page.data, page.len);
    proto_buf_free(&page);
    evhttp_add_header(evhttp_request_get_output_headers(req), "Content-Type",
                      "text/plain; version=0.0.4; charset=utf-8");
    evhttp_send_reply(req, HTTP_OK, "OK", body);
    evbuffer_free(body);
}

metrics *metrics_start(struct event_base *base, const char *addr, int port, metrics_page_fn page,
                       void *owner, char *err, size_t errlen)
{
    metrics *m = mem_zalloc(sizeof *m);
    *m = (metrics){.http = evhttp_new(base), .page = page, .owner = owner};
    if (!m->http || evhttp_bind_socket(m->http, addr, (ev_uint16_t)port) != 0) {
        snprintf(err, errlen, "cannot listen for metrics on %s:%d: %s", addr, port,
                 strerror(errno));
        metrics_stop(m);
        return NULL;
    }
    evhttp_set_allowed_methods(m->http, EVHTTP_REQ_GET | EVHTTP_REQ_HEAD);
    evhttp_set_gencb(m->http, on_request, m);
    return m;
}

void metrics_stop(metrics *m)
{
    if (!m)
        return;
    if (m->http)
        evhttp_free(m->http);
    free(m);
}
