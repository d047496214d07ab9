/*
 * GET /api/canaries, POST /api/canaries, DELETE /api/canaries/{id}: canaries
 * for CD systems that are not GitHub (Argo Rollouts, Flagger, scripts).
 */
#include <stdlib.h>
#include <string.h>

#include "gateway/util/clock.h"
#include "gateway/core/payload.h"
#include "gateway/store/canaries.h"
#include "handlers/handlers.h"

struct canary_request {
    struct gw_api_handler *h;
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
on_list(const struct gw_canary *canaries, size_t n, const struct gw_redis_error *err, void *arg)
{
    struct gw_request *req = arg;
    int64_t now = gw_now();
    json_t *list;

    if (err != NULL) {
        gw_reply_redis_error(req, err, NULL);
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
    struct gw_api_handler *h = arg;
    if (gw_admin_ok(h->admin_token, req))
        gw_canaries_list(h->canaries, on_list, req);
}

/* A canary that existed already: answered as it is stored (its clock, its budget). */
static void
on_existing(const struct gw_canary *canaries, size_t n, const struct gw_redis_error *err,
            void *arg)
{
    struct canary_request *cr = arg;
    size_t i = 0;

    while (err == NULL && i < n && strcmp(canaries[i].id, cr->change.canary.id) != 0)
        i++;
    if (err != NULL)
        gw_reply_redis_error(cr->req, err, NULL);
    else if (i == n)   /* ended between the two steps: as if it had been started and ended */
        gw_reply_error(cr->req, 409, "this canary already ended");
    else
        gw_reply_json(cr->req, 200, gw_canary_json(&canaries[i], gw_now()));
    done(cr);
}

static void
on_started(enum gw_canary_status status, int was_paged, const struct gw_redis_error *err,
           void *arg)
{
    struct canary_request *cr = arg;
    (void)was_paged;
    if (err == NULL && status == GW_CANARY_EXISTS) {
        gw_canaries_list(cr->h->canaries, on_existing, cr);   /* the active ones: a bounded read */
        return;
    }
    if (err != NULL)
        gw_reply_redis_error(cr->req, err, "nothing was recorded");
    else if (status == GW_CANARY_STALE)
        gw_reply_error(cr->req, 409, "this canary already ended");
    else
        gw_reply_json(cr->req, 201, gw_canary_json(&cr->change.canary, gw_now()));
    done(cr);
}

static struct canary_request *
canary_request_new(struct gw_request *req)
{
    struct canary_request *cr = calloc(1, sizeof(*cr));
    if (cr == NULL) {
        gw_reply_error(req, 500, "out of memory");
        return NULL;
    }
    cr->req = req;
    return cr;
}

static void
on_post(struct gw_request *req, void *arg)
{
    struct gw_api_handler *h = arg;
    struct canary_request *cr;
    const char *body;
    size_t len;
    char err[256];
    struct gw_jdoc *doc = NULL;
    const struct gw_jval *json;
    int rc;

    if (!gw_admin_ok(h->admin_token, req))
        return;
    if (!gw_media_type_is(gw_request_header(req, "Content-Type"), "application/json")) {
        gw_reply_error(req, 415, "Content-Type must be application/json");
        return;
    }
    body = gw_request_body(req, &len);
    if ((json = gw_json_parse_object(&doc, body, len, 1, err, sizeof(err))) == NULL) {
        gw_reply_error(req, 400, err);
        return;
    }
    if ((cr = canary_request_new(req)) == NULL) {
        gw_jdoc_free(doc);
        return;
    }
    cr->h = h;
    rc = gw_canary_from_api(json, gw_now(), h->canary_budget, &cr->change.canary, err,
                            sizeof(err));
    gw_jdoc_free(doc);
    if (rc != 0) {
        gw_reply_error(req, 400, err);
        done(cr);
        return;
    }
    cr->change.op = GW_CANARY_START;
    gw_canaries_apply(h->canaries, NULL, h->delivery_ttl, &cr->change, on_started, cr);
}

static void
on_ended(enum gw_canary_status status, int was_paged, const struct gw_redis_error *err,
         void *arg)
{
    struct canary_request *cr = arg;
    (void)was_paged;
    if (err != NULL)
        gw_reply_redis_error(cr->req, err, "nothing was changed");
    else if (status == GW_CANARY_ENDED)
        gw_reply_buffer(cr->req, 204, NULL, NULL);
    else
        gw_reply_error(cr->req, 404, "no such canary");
    done(cr);
}

static void
on_delete(struct gw_request *req, void *arg)
{
    struct gw_api_handler *h = arg;
    const char *id = gw_request_tail(req);
    struct canary_request *cr;

    if (!gw_admin_ok(h->admin_token, req))
        return;
    if (!gw_canary_id_valid(id)) {
        gw_reply_error(req, 400, "malformed canary id");
        return;
    }
    if ((cr = canary_request_new(req)) == NULL)
        return;
    cr->change.op = GW_CANARY_END;
    cr->change.canary.id = strdup(id);
    cr->change.canary.source = strdup("api");
    if (cr->change.canary.id == NULL || cr->change.canary.source == NULL) {
        gw_reply_error(req, 500, "out of memory");
        done(cr);
        return;
    }
    cr->change.canary.updated_at = gw_now();
    gw_canaries_apply(h->canaries, NULL, h->delivery_ttl, &cr->change, on_ended, cr);
}

void
gw_canaries_api_register(struct gw_http *http, struct gw_api_handler *h)
{
    gw_http_route(http, "/api/canaries", 0, GW_GET, on_get, h);
    gw_http_route(http, "/api/canaries", 0, GW_POST, on_post, h);
    gw_http_route(http, "/api/canaries/", 1, GW_DELETE, on_delete, h);
    gw_http_route_codes(http, "/api/canaries", 0, h->admin_token != NULL
                                                      ? "200 201 400 401 409 500 503"
                                                      : "200 201 400 403 409 500 503");
    gw_http_route_codes(http, "/api/canaries/", 1,
                        h->admin_token != NULL ? "204 401 404 500 503" : "204 403 404 500 503");
}
