/*
 * GET /healthz (process serves) and GET /readyz (Redis answers, not
 * stopping), also as /-/healthy and /-/ready; POST /-/reload.
 */
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

/* All or nothing (gw_app_reload): 200, or 500 with the reason and nothing changed. */
static void
on_reload(struct gw_request *req, void *arg)
{
    struct gw_health_handler *h = arg;
    char err[1024] = "";

    if (!gw_admin_ok(h->admin_token, req))
        return;
    if (h->reload(h->ctx, err, sizeof(err)) != 0)
        gw_reply_error(req, 500, err);
    else
        gw_reply_json(req, 200, json_pack("{s:s, s:s, s:s?}", "status", "reloaded",
                                          "templates_sha256", h->digest->templates,
                                          "routes_sha256",
                                          *h->digest->routes ? h->digest->routes : NULL));
}

void
gw_health_register(struct gw_http *http, struct gw_health_handler *h)
{
    gw_http_route(http, "/healthz", 0, GW_GET, on_healthz, h);
    gw_http_route(http, "/readyz", 0, GW_GET, on_readyz, h);
    gw_http_route(http, "/-/healthy", 0, GW_GET, on_healthz, h);
    gw_http_route(http, "/-/ready", 0, GW_GET, on_readyz, h);
    gw_http_route(http, "/-/reload", 0, GW_POST, on_reload, h);
    gw_http_route_codes(http, "/healthz", 0, "200");
    gw_http_route_codes(http, "/readyz", 0, "200 503");
    gw_http_route_codes(http, "/-/healthy", 0, "200");
    gw_http_route_codes(http, "/-/ready", 0, "200 503");
    gw_http_route_codes(http, "/-/reload", 0, h->admin_token != NULL ? "200 401 500" : "200 403 500");
}
