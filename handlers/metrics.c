/* GET /metrics: Prometheus text format 0.0.4. */
#include <event2/buffer.h>

#include "gateway/util/prometheus.h"
#include "handlers/handlers.h"

static void
on_metrics(struct gw_request *req, void *arg)
{
    struct gw_metrics_handler *h = arg;
    struct evbuffer *out = evbuffer_new();

    if (out == NULL) {
        gw_reply_error(req, 500, "out of memory");
        return;
    }
    gw_metrics_render(h->registry, out);
    gw_metrics_render_process(out, h->start_time);
    gw_reply_buffer(req, 200, "text/plain; version=0.0.4; charset=utf-8", out);
    evbuffer_free(out);
}

void
gw_metrics_register(struct gw_http *http, struct gw_metrics_handler *h)
{
    gw_http_route(http, "/metrics", 0, GW_GET, on_metrics, h);
    gw_http_route_codes(http, "/metrics", 0, "200 500");
}
