/*
 * POST /webhooks/alertmanager: bearer token or X-Kaizen-Signature-256,
 * payload version "4"; each alert is applied as ticket am:<fingerprint>,
 * all of them in one store call (gw_tickets_apply_batch: bounded scripts,
 * one after the other). Any Redis failure answers 503 so Alertmanager
 * retries the whole notification, which is idempotent.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gateway/core/alertmanager.h"
#include "gateway/core/hmac.h"
#include "gateway/core/payload.h"
#include "gateway/store/tickets.h"
#include "gateway/core/telemetry.h"
#include "gateway/util/log.h"
#include "handlers/handlers.h"

/* The headers a notification is read from, fetched once. */
enum { H_AUTHORIZATION, H_SIGNATURE, H_CONTENT_TYPE, H_COUNT };

struct notification {
    struct gw_webhook_handler *h;
    struct gw_request *req;
    struct gw_alert_batch batch;
    const char *event;
};

static void
release(struct notification *nt)
{
    gw_alert_batch_clear(&nt->batch);
    free(nt);
}

static void
reply(struct notification *nt, int code, const char *result, const char *error)
{
    gw_webhook_reply(nt->h->telemetry, nt->req, "alertmanager", nt->event, code, result, error);
    release(nt);
}

static void
on_applied(const struct gw_apply_outcome *out, const struct gw_redis_error *err, void *arg)
{
    struct notification *nt = arg;
    char counts[64];

    if (err != NULL)
        gw_log(GW_LOG_WARN, "alerts not recorded: redis failed", "kind",
               gw_redis_error_name(err->kind), "error", err->text, NULL);
    snprintf(counts, sizeof(counts), "%zu/%zu/%zu", out->applied, out->stale, out->failed);
    gw_log(err != NULL ? GW_LOG_WARN : GW_LOG_INFO, "alertmanager notification",
           "status", nt->event, "applied/stale/failed", counts, NULL);
    if (err != NULL) {
        gw_count_webhook(nt->h->telemetry, "alertmanager", nt->event, "error");
        gw_reply_redis_error(nt->req, err, "retry the notification");
        release(nt);
    } else if (out->applied == 0 && out->stale > 0)
        reply(nt, 202, "stale", NULL);
    else
        reply(nt, 202, "accepted", NULL);
}

static int
authorized(const struct gw_webhook_opts *o, const struct gw_header *hdr, const char *body,
           size_t len)
{
    if (o->alertmanager_token != NULL &&
        gw_bearer_ok(hdr[H_AUTHORIZATION].value, o->alertmanager_token))
        return 1;
    if (o->alertmanager_secret->n > 0)
        return gw_hmac_verify(o->alertmanager_secret, body, len, hdr[H_SIGNATURE].value);
    return 0;
}

static void
on_alertmanager(struct gw_request *req, void *arg)
{
    struct gw_webhook_handler *h = arg;
    const struct gw_webhook_opts *o = &h->opts;
    struct gw_header hdr[H_COUNT] = {
        [H_AUTHORIZATION] = {"Authorization", NULL},
        [H_SIGNATURE] = {"X-Kaizen-Signature-256", NULL},
        [H_CONTENT_TYPE] = {"Content-Type", NULL},
    };
    struct notification *nt;
    const char *body, *text;
    size_t len, json_len;
    char err[256];
    int status = 400, rc;
    struct gw_jdoc *doc = NULL;
    const struct gw_jval *payload;
    char *owned = NULL;

    if (o->alertmanager_token == NULL && o->alertmanager_secret->n == 0) {
        gw_reply_error(req, 404, "Alertmanager webhooks are not configured "
                                 "(KAIZEN_ALERTMANAGER_TOKEN or KAIZEN_ALERTMANAGER_SECRET)");
        return;
    }
    gw_request_headers(req, hdr, H_COUNT);
    nt = calloc(1, sizeof(*nt));
    if (nt == NULL) {
        gw_reply_error(req, 500, "out of memory");
        return;
    }
    nt->h = h;
    nt->req = req;
    nt->event = "notification";
    body = gw_request_body(req, &len);
    if (!authorized(o, hdr, body, len)) {
        gw_reply_header(req, "WWW-Authenticate", "Bearer");
        reply(nt, 401, "unauthorized", "missing or bad bearer token / X-Kaizen-Signature-256");
        return;
    }
    text = gw_webhook_json_text(hdr[H_CONTENT_TYPE].value, body, len, &json_len, &owned,
                                &status, err, sizeof(err));
    if (text == NULL) {
        reply(nt, status, "invalid", err);
        return;
    }
    /* The body itself is padded (net/http.h); a decoded form field is not. */
    payload = gw_json_parse_object(&doc, text, json_len, owned == NULL, err, sizeof(err));
    rc = payload != NULL ? gw_alertmanager_parse(payload, &o->alert, &nt->batch, err, sizeof(err)) : -1;
    gw_jdoc_free(doc);
    free(owned);
    if (rc != 0) {
        reply(nt, 400, "invalid", err);
        return;
    }
    nt->event = nt->batch.status;
    if (nt->batch.truncated > 0) {
        char n[24];
        snprintf(n, sizeof(n), "%ld", nt->batch.truncated);
        gw_log(GW_LOG_WARN, "alertmanager truncated alerts (max_alerts)", "truncated", n, NULL);
        gw_metric_inc(h->telemetry->am_truncated, NULL, (double)nt->batch.truncated);
    }
    if (nt->batch.n == 0) {
        reply(nt, 202, "ignored", NULL);
        return;
    }
    gw_tickets_apply_batch(h->tickets, o->delivery_ttl, nt->batch.changes, nt->batch.n,
                           on_applied, nt);
}

void
gw_alertmanager_register(struct gw_http *http, struct gw_webhook_handler *h)
{
    const struct gw_webhook_opts *o = &h->opts;

    gw_http_route(http, "/webhooks/alertmanager", 0, GW_POST, on_alertmanager, h);
    gw_http_route_codes(http, "/webhooks/alertmanager", 0,
                        o->alertmanager_token != NULL || o->alertmanager_secret->n > 0
                            ? "202 400 401 413 415 500 503" : "404");
}
