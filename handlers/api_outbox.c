/* GET /api/outbox and POST /api/digest. */
#include <stdlib.h>

#include "gateway/app.h"
#include "gateway/scheduler.h"
#include "gateway/store/outbox.h"

#define RECENT 50

static void
on_status(int ok, long pending, long dead, json_t *recent, void *arg)
{
    struct gw_request *req = arg;
    if (!ok) {
        json_decref(recent);
        gw_reply_error(req, 503, "redis unavailable");
        return;
    }
    gw_reply_json(req, 200, json_pack("{s:I, s:I, s:o}", "pending", (json_int_t)pending, "dead",
                                      (json_int_t)dead, "recent", recent));
}

static void
on_outbox(struct gw_request *req, void *arg)
{
    struct gw_app *app = arg;
    if (!gw_app_admin_ok(app, req))
        return;
    if (gw_outbox_status(app->outbox, RECENT, on_status, req) != 0)
        gw_reply_error(req, 503, "redis unavailable");
}

static void
on_enqueued(int ok, size_t messages, void *arg)
{
    struct gw_request *req = arg;
    if (!ok)
        gw_reply_error(req, 503, "redis unavailable; no digest was enqueued");
    else
        gw_reply_json(req, 202, json_pack("{s:I}", "messages", (json_int_t)messages));
}

static void
on_digest(struct gw_request *req, void *arg)
{
    struct gw_app *app = arg;
    if (!gw_app_admin_ok(app, req))
        return;
    if (gw_digest_enqueue_now(app->scheduler, on_enqueued, req) != 0)
        gw_reply_error(req, 503, "redis unavailable; no digest was enqueued");
}

void
gw_outbox_api_register(struct gw_app *app)
{
    gw_http_route(app->http, "/api/outbox", 0, GW_GET, on_outbox, app);
    gw_http_route(app->http, "/api/digest", 0, GW_POST, on_digest, app);
}
