/* GET /api/outbox and POST /api/digest. */
#include <stdlib.h>

#include "gateway/jobs/digest.h"
#include "gateway/store/outbox.h"
#include "handlers/handlers.h"

#define RECENT 50

static void
on_status(long pending, long dead, json_t *recent, const struct gw_redis_error *err, void *arg)
{
    struct gw_request *req = arg;
    if (err != NULL) {
        json_decref(recent);
        gw_reply_redis_error(req, err, NULL);
        return;
    }
    gw_reply_json(req, 200, json_pack("{s:I, s:I, s:o}", "pending", (json_int_t)pending, "dead",
                                      (json_int_t)dead, "recent", recent));
}

static void
on_outbox(struct gw_request *req, void *arg)
{
    struct gw_api_handler *h = arg;
    if (gw_admin_ok(h->admin_token, req))
        gw_outbox_status(h->outbox, RECENT, on_status, req);
}

static void
on_enqueued(size_t messages, const struct gw_redis_error *err, void *arg)
{
    struct gw_request *req = arg;
    if (err != NULL)
        gw_reply_redis_error(req, err, "no digest was enqueued");
    else
        gw_reply_json(req, 202, json_pack("{s:I}", "messages", (json_int_t)messages));
}

static void
on_digest(struct gw_request *req, void *arg)
{
    struct gw_api_handler *h = arg;
    if (gw_admin_ok(h->admin_token, req))
        gw_digest_job_now(h->digest, on_enqueued, req);
}

void
gw_outbox_api_register(struct gw_http *http, struct gw_api_handler *h)
{
    gw_http_route(http, "/api/outbox", 0, GW_GET, on_outbox, h);
    gw_http_route(http, "/api/digest", 0, GW_POST, on_digest, h);
    gw_http_route_codes(http, "/api/outbox", 0,
                        h->admin_token != NULL ? "200 401 500 503" : "200 403 500 503");
    gw_http_route_codes(http, "/api/digest", 0,
                        h->admin_token != NULL ? "202 401 500 503" : "202 403 500 503");
}
