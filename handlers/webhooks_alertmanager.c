/*
 * POST /webhooks/alertmanager: bearer token or X-Kaizen-Signature-256,
 * payload version "4"; each alert is applied as ticket am:<fingerprint>.
 * Any Redis failure answers 503 so Alertmanager retries the whole
 * notification, which is idempotent.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gateway/core/alertmanager.h"
#include "gateway/app.h"
#include "gateway/core/hmac.h"
#include "gateway/util/log.h"

struct notification;

/* One alert's apply: which change it was, for the MTTR labels. */
struct item {
    struct notification *nt;
    const struct gw_ticket_change *change;
};

struct notification {
    struct gw_app *app;
    struct item *items;
    struct gw_request *req;
    struct gw_alert_batch batch;
    const char *event;
    size_t pending;
    size_t failed, applied, stale;
};

static void
reply(struct notification *nt, int code, const char *result, const char *error)
{
    gw_app_webhook_reply(nt->app, nt->req, "alertmanager", nt->event, code, result, error);
    gw_alert_batch_clear(&nt->batch);
    free(nt->items);
    free(nt);
}

static void
finish(struct notification *nt)
{
    char counts[64];
    snprintf(counts, sizeof(counts), "%zu/%zu/%zu", nt->applied, nt->stale, nt->failed);
    gw_log(nt->failed ? GW_LOG_WARN : GW_LOG_INFO, "alertmanager notification",
           "status", nt->event, "applied/stale/failed", counts, NULL);
    if (nt->failed > 0)
        reply(nt, 503, "error", "redis unavailable; retry the notification");
    else if (nt->applied == 0 && nt->stale > 0)
        reply(nt, 202, "stale", NULL);
    else
        reply(nt, 202, "accepted", NULL);
}

static void
on_applied(const struct gw_apply_result *res, void *arg)
{
    struct item *it = arg;
    struct notification *nt = it->nt;

    if (!res->ok) {
        nt->failed++;
    } else if (strcmp(res->status, "stale") == 0) {
        nt->stale++;
    } else {
        nt->applied++;
        if (res->resolved)
            gw_app_observe_resolution(nt->app, &it->change->ticket);
    }
    if (--nt->pending == 0)
        finish(nt);
}

static int
authorized(struct gw_app *app, struct gw_request *req, const char *body, size_t len)
{
    const struct gw_config *cfg = app->cfg;
    if (cfg->alertmanager_token != NULL && gw_bearer_ok(req, cfg->alertmanager_token))
        return 1;
    if (cfg->alertmanager_secret != NULL) {
        char *items[] = {cfg->alertmanager_secret};
        struct gw_strlist one = {items, 1};
        return gw_hmac_verify(&one, body, len, gw_request_header(req, "X-Kaizen-Signature-256"));
    }
    return 0;
}

static void
on_alertmanager(struct gw_request *req, void *arg)
{
    struct gw_app *app = arg;
    const struct gw_config *cfg = app->cfg;
    struct gw_alert_opts opts = {&cfg->sla, cfg->default_severity};
    struct notification *nt;
    const char *body;
    size_t len, json_len;
    char err[256];
    int status = 400;
    json_t *payload;
    char *text;

    if (cfg->alertmanager_token == NULL && cfg->alertmanager_secret == NULL) {
        gw_reply_error(req, 404, "Alertmanager webhooks are not configured "
                                 "(KAIZEN_ALERTMANAGER_TOKEN or KAIZEN_ALERTMANAGER_SECRET)");
        return;
    }
    nt = calloc(1, sizeof(*nt));
    if (nt == NULL) {
        gw_reply_error(req, 500, "out of memory");
        return;
    }
    nt->app = app;
    nt->req = req;
    nt->event = "notification";
    body = gw_request_body(req, &len);
    if (!authorized(app, req, body, len)) {
        gw_reply_header(req, "WWW-Authenticate", "Bearer");
        reply(nt, 401, "unauthorized", "missing or bad bearer token / X-Kaizen-Signature-256");
        return;
    }
    text = gw_webhook_json_text(gw_request_header(req, "Content-Type"), body, len, &json_len,
                                &status, err, sizeof(err));
    if (text == NULL) {
        reply(nt, status, "invalid", err);
        return;
    }
    payload = gw_json_parse_object(text, json_len, err, sizeof(err));
    free(text);
    if (payload == NULL || gw_alertmanager_parse(payload, &opts, &nt->batch, err, sizeof(err)) != 0) {
        json_decref(payload);
        reply(nt, 400, "invalid", err);
        return;
    }
    json_decref(payload);
    nt->event = nt->batch.status;
    if (nt->batch.truncated > 0) {
        char n[24];
        snprintf(n, sizeof(n), "%ld", nt->batch.truncated);
        gw_log(GW_LOG_WARN, "alertmanager truncated alerts (max_alerts)", "truncated", n, NULL);
        gw_metric_inc(app->am_truncated, NULL, (double)nt->batch.truncated);
    }
    if (nt->batch.n == 0) {
        reply(nt, 202, "ignored", NULL);
        return;
    }
    nt->items = calloc(nt->batch.n, sizeof(*nt->items));
    if (nt->items == NULL) {
        reply(nt, 500, "error", "out of memory");
        return;
    }
    for (size_t i = 0; i < nt->batch.n; i++) {
        nt->items[i].nt = nt;
        nt->items[i].change = &nt->batch.changes[i];
        if (gw_store_apply(app->store, NULL, cfg->delivery_ttl, &nt->batch.changes[i], on_applied,
                           &nt->items[i]) != 0) {
            /* Nothing queued after the first refusal; earlier ones still answer. */
            nt->failed += nt->batch.n - i;
            break;
        }
        nt->pending++;
    }
    if (nt->pending == 0)
        finish(nt);
}

void
gw_alertmanager_register(struct gw_app *app)
{
    gw_http_route(app->http, "/webhooks/alertmanager", 0, GW_POST, on_alertmanager, app);
}
