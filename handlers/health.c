/* GET /healthz (process serves) and GET /readyz (Redis answers, not stopping). */
#include "gateway/app.h"

static void
on_healthz(struct gw_request *req, void *arg)
{
    (void)arg;
    gw_reply_status(req, 200, "ok");
}

static void
on_readyz(struct gw_request *req, void *arg)
{
    struct gw_app *app = arg;
    if (gw_http_shutting_down(app->http))
        gw_reply_error(req, 503, "shutting down");
    else if (!gw_redis_ready(app->redis))
        gw_reply_error(req, 503, "redis unavailable");
    else
        gw_reply_status(req, 200, "ready");
}

void
gw_health_register(struct gw_app *app)
{
    gw_http_route(app->http, "/healthz", 0, GW_GET, on_healthz, app);
    gw_http_route(app->http, "/readyz", 0, GW_GET, on_readyz, app);
}
