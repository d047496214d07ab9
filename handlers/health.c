/* GET /healthz (process serves) and GET /readyz (Redis answers, not stopping). */
#include "gateway/store/migrate.h"
#include "handlers/handlers.h"

static void
on_healthz(struct gw_request *req, void *arg)
{
    (void)arg;
    gw_reply_status(req, 200, "ok");
}

static void
on_readyz(struct gw_request *req, void *arg)
{
    struct gw_health_handler *h = arg;
    if (gw_http_shutting_down(h->http))
        gw_reply_error(req, 503, "shutting down");
    else if (!gw_redis_ready(h->redis))
        gw_reply_error(req, 503, "redis unavailable");
    else if (!gw_migration_done(h->migration))
        gw_reply_error(req, 503, "carrying over keys of the first release");
    else
        gw_reply_status(req, 200, "ready");
}

void
gw_health_register(struct gw_http *http, struct gw_health_handler *h)
{
    gw_http_route(http, "/healthz", 0, GW_GET, on_healthz, h);
    gw_http_route(http, "/readyz", 0, GW_GET, on_readyz, h);
}
