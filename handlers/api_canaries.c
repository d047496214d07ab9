/*
 * GET /api/canaries, POST /api/canaries, DELETE /api/canaries/{id}: canaries
 * for CD systems that are not GitHub (Argo Rollouts, Flagger, scripts).
 */
#include <stdlib.h>
#include <string.h>

#include "gateway/app.h"
#include "gateway/store/canaries.h"
#include "gateway/core/github.h"
#include "gateway/core/dates.h"

struct canary_request {
    struct gw_app *app;
    struct gw_request *req;
    struct gw_canary_change change;
};

static void
done(struct canary_request *cr)
{
    gw_canary_change_clear(&cr->change);
    free(cr);
}

static void
on_list(int ok, const struct gw_canary *canaries, size_t n, void *arg)
{
    struct gw_request *req = arg;
    int64_t now = gw_now();
    json_t *list;

    if (!ok) {
        gw_reply_error(req, 503, "redis unavailable");
        return;
    }
    list = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(list, gw_canary_json(&canaries[i], now));
    gw_reply_json(req, 200, json_pack("{s:o}", "canaries", list));
}

static void
on_get(struct gw_request *req, void *arg)
{
    struct gw_app *app = arg;
    if (!gw_app_admin_ok(app, req))
        return;
    if (gw_canaries_list(app->canaries, on_list, req) != 0)
        gw_reply_error(req, 503, "redis unavailable");
}

static void
on_started(const char *status, int was_paged, void *arg)
{
    struct canary_request *cr = arg;
    (void)was_paged;
    if (status == NULL)
        gw_reply_error(cr->req, 503, "redis unavailable; nothing was recorded");
    else if (strcmp(status, "stale") == 0)
        gw_reply_error(cr->req, 409, "this canary already ended");
    else
        gw_reply_json(cr->req, strcmp(status, "created") == 0 ? 201 : 200,
                      gw_canary_json(&cr->change.canary, gw_now()));
    done(cr);
}

static struct canary_request *
canary_request_new(struct gw_app *app, struct gw_request *req)
{
    struct canary_request *cr = calloc(1, sizeof(*cr));
    if (cr == NULL) {
        gw_reply_error(req, 500, "out of memory");
        return NULL;
    }
    cr->app = app;
    cr->req = req;
    return cr;
}

static void
on_post(struct gw_request *req, void *arg)
{
    struct gw_app *app = arg;
    struct canary_request *cr;
    const char *body;
    size_t len;
    char err[256];
    json_t *json;

    if (!gw_app_admin_ok(app, req))
        return;
    body = gw_request_body(req, &len);
    if ((json = gw_json_parse_object(body, len, err, sizeof(err))) == NULL) {
        gw_reply_error(req, 400, err);
        return;
    }
    if ((cr = canary_request_new(app, req)) == NULL) {
        json_decref(json);
        return;
    }
    int rc = gw_canary_from_api(json, gw_now(), app->cfg->canary_budget, &cr->change.canary, err,
                                sizeof(err));
    json_decref(json);
    if (rc != 0) {
        gw_reply_error(req, 400, err);
        done(cr);
        return;
    }
    cr->change.op = GW_CANARY_START;
    if (gw_canaries_apply(app->canaries, NULL, app->cfg->delivery_ttl, &cr->change,
                          app->cfg->pager_routing_key, on_started, cr) != 0) {
        gw_reply_error(req, 503, "redis unavailable; nothing was recorded");
        done(cr);
    }
}

static void
on_ended(const char *status, int was_paged, void *arg)
{
    struct canary_request *cr = arg;
    (void)was_paged;
    if (status == NULL)
        gw_reply_error(cr->req, 503, "redis unavailable; nothing was changed");
    else if (strcmp(status, "ended") == 0)
        gw_reply_buffer(cr->req, 204, NULL, NULL);
    else
        gw_reply_error(cr->req, 404, "no such canary");
    done(cr);
}

static void
on_delete(struct gw_request *req, void *arg)
{
    struct gw_app *app = arg;
    const char *id = gw_request_tail(req);
    struct canary_request *cr;

    if (!gw_app_admin_ok(app, req))
        return;
    if (!gw_canary_id_valid(id)) {
        gw_reply_error(req, 400, "malformed canary id");
        return;
    }
    if ((cr = canary_request_new(app, req)) == NULL)
        return;
    cr->change.op = GW_CANARY_END;
    cr->change.canary.id = strdup(id);
    cr->change.canary.source = strdup("api");
    cr->change.canary.updated_at = gw_now();
    if (gw_canaries_apply(app->canaries, NULL, app->cfg->delivery_ttl, &cr->change,
                          app->cfg->pager_routing_key, on_ended, cr) != 0) {
        gw_reply_error(req, 503, "redis unavailable; nothing was changed");
        done(cr);
    }
}

void
gw_canaries_api_register(struct gw_app *app)
{
    gw_http_route(app->http, "/api/canaries", 0, GW_GET, on_get, app);
    gw_http_route(app->http, "/api/canaries", 0, GW_POST, on_post, app);
    gw_http_route(app->http, "/api/canaries/", 1, GW_DELETE, on_delete, app);
}
