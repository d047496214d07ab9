/*
 * POST /webhooks/github: verify X-Hub-Signature-256 over the raw body, parse
 * the event, apply it to Redis atomically with the X-GitHub-Delivery id.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gateway/core/github.h"
#include "gateway/core/hmac.h"
#include "gateway/core/payload.h"
#include "gateway/store/canaries.h"
#include "gateway/store/tickets.h"
#include "gateway/core/telemetry.h"
#include "gateway/util/log.h"
#include "handlers/handlers.h"

#define MAX_DELIVERY_ID 128

/* The headers a delivery is read from, fetched once. */
enum { H_EVENT, H_SIGNATURE, H_DELIVERY, H_CONTENT_TYPE, H_COUNT };

struct delivery {
    struct gw_webhook_handler *h;
    struct gw_request *req;
    struct gw_ticket_change change;
    struct gw_canary_change canary;
    char id[MAX_DELIVERY_ID + 1];
    const char *event;
};

_Static_assert(GW_HTTP_BODY_PADDING >= GW_JREAD_PADDING, "bodies are parsed where they lie");

/* A bounded label value: attacker-chosen event names must not mint series. */
static const char *
event_label(const char *event)
{
    return gw_github_event_used(event) ? event : "other";
}

static int
valid_delivery_id(const char *id)
{
    size_t n = 0;
    for (; id[n] != '\0'; n++)
        if (!isalnum((unsigned char)id[n]) && id[n] != '-' && id[n] != '_' && id[n] != '.')
            return 0;
    return n > 0 && n <= MAX_DELIVERY_ID;
}

static void
release(struct delivery *d)
{
    gw_ticket_change_clear(&d->change);
    gw_canary_change_clear(&d->canary);
    free(d);
}

static void
finish(struct delivery *d, int code, const char *result, const char *error)
{
    gw_webhook_reply(d->h->telemetry, d->req, "github", d->event, code, result, error);
    release(d);
}

/* A Redis failure: nothing was recorded (or, after a timeout, maybe it was). */
static void
failed(struct delivery *d, const struct gw_redis_error *err)
{
    gw_log(GW_LOG_WARN, "webhook not recorded: redis failed", "delivery", d->id, "kind",
           gw_redis_error_name(err->kind), "error", err->text, NULL);
    gw_count_webhook(d->h->telemetry, "github", d->event, "error");
    gw_reply_redis_error(d->req, err, "nothing was recorded, retry");
    release(d);
}

static void
on_applied(const struct gw_apply_result *res, size_t n, const struct gw_redis_error *err,
           void *arg)
{
    struct delivery *d = arg;
    const char *word;

    if (err != NULL || n != 1) {
        failed(d, err != NULL ? err : &gw_bad_reply);
        return;
    }
    word = gw_apply_status_name(res->status);
    gw_log(GW_LOG_INFO, "webhook applied", "source", "github", "delivery", d->id, "event",
           d->event, "ticket", d->change.ticket.id, "result", word, NULL);
    finish(d, res->status == GW_APPLY_DUPLICATE ? 200 : 202, word, NULL);
}

/* Canary transitions answer with the webhook status words (docs/api.md). */
static void
on_canary_applied(enum gw_canary_status status, int was_paged, const struct gw_redis_error *err,
                  void *arg)
{
    struct delivery *d = arg;
    const char *word;
    (void)was_paged;

    if (err != NULL) {
        failed(d, err);
        return;
    }
    switch (status) {
    case GW_CANARY_DUPLICATE: word = "duplicate"; break;
    case GW_CANARY_STALE: word = "stale"; break;
    case GW_CANARY_IGNORED:
    case GW_CANARY_UNKNOWN: word = "ignored"; break;
    default: word = "accepted"; break;
    }
    gw_log(GW_LOG_INFO, "webhook applied", "source", "github", "delivery", d->id, "event",
           d->event, "canary", d->canary.canary.id, "result", word, NULL);
    finish(d, status == GW_CANARY_DUPLICATE ? 200 : 202, word, NULL);
}

/* deployment / deployment_status: canaries (start, end, promotion). */
static void
handle_deployment(struct delivery *d, const char *event, const struct gw_jval *payload)
{
    const struct gw_webhook_opts *o = &d->h->opts;
    char err[256];
    int rc = strcmp(event, "deployment") == 0
                 ? gw_canary_from_deployment(payload, o->canary_environments,
                                             o->canary_budget, &d->canary, err, sizeof(err))
                 : gw_canary_from_deployment_status(payload, &d->canary, err, sizeof(err));
    if (rc != 0) {
        finish(d, 400, "invalid", err);
        return;
    }
    if (d->canary.op == GW_CANARY_NONE) {
        finish(d, 202, "ignored", NULL);
        return;
    }
    gw_canaries_apply(d->h->canaries, d->id, o->delivery_ttl, &d->canary, on_canary_applied, d);
}

static void
on_github(struct gw_request *req, void *arg)
{
    struct gw_webhook_handler *h = arg;
    const struct gw_webhook_opts *o = &h->opts;
    struct gw_header hdr[H_COUNT] = {
        [H_EVENT] = {"X-GitHub-Event", NULL},
        [H_SIGNATURE] = {"X-Hub-Signature-256", NULL},
        [H_DELIVERY] = {"X-GitHub-Delivery", NULL},
        [H_CONTENT_TYPE] = {"Content-Type", NULL},
    };
    struct delivery *d;
    const char *body, *event, *delivery_id, *text;
    size_t len, json_len = 0;
    char err[256];
    int status = 400;
    char *owned = NULL;
    struct gw_jdoc *doc = NULL;
    const struct gw_jval *payload;

    if (o->github_secrets->n == 0) {
        gw_reply_error(req, 404, "GitHub webhooks are not configured (KAIZEN_GITHUB_SECRET)");
        return;
    }
    gw_request_headers(req, hdr, H_COUNT);
    event = hdr[H_EVENT].value;
    delivery_id = hdr[H_DELIVERY].value;
    d = calloc(1, sizeof(*d));
    if (d == NULL) {
        gw_reply_error(req, 500, "out of memory");
        return;
    }
    d->h = h;
    d->req = req;
    d->event = event_label(event);
    body = gw_request_body(req, &len);

    if (hdr[H_SIGNATURE].value == NULL) {
        finish(d, 401, "unauthorized", "missing X-Hub-Signature-256 header");
        return;
    }
    if (!gw_hmac_verify(o->github_secrets, body, len, hdr[H_SIGNATURE].value)) {
        gw_log(GW_LOG_WARN, "webhook signature mismatch", "source", "github", NULL);
        finish(d, 401, "unauthorized", "bad X-Hub-Signature-256 signature");
        return;
    }
    if (event == NULL || event[0] == '\0') {
        finish(d, 400, "invalid", "missing X-GitHub-Event header");
        return;
    }
    if (delivery_id == NULL || !valid_delivery_id(delivery_id)) {
        finish(d, 400, "invalid", "missing or malformed X-GitHub-Delivery header");
        return;
    }
    snprintf(d->id, sizeof(d->id), "%s", delivery_id);
    /* An event the gateway does not read costs the signature check only. */
    if (!gw_github_event_used(event)) {
        finish(d, 202, "ignored", NULL);
        return;
    }

    text = gw_webhook_json_text(hdr[H_CONTENT_TYPE].value, body, len, &json_len, &owned,
                                &status, err, sizeof(err));
    if (text == NULL) {
        finish(d, status, "invalid", err);
        return;
    }
    /* The body itself is padded (net/http.h); a decoded form field is not. */
    payload = gw_json_parse_object(&doc, text, json_len, owned == NULL, err, sizeof(err));
    if (payload == NULL) {
        free(owned);
        finish(d, 400, "invalid", err);
        return;
    }
    if (strcmp(event, "ping") == 0) {
        finish(d, 200, "pong", NULL);
    } else if (strcmp(event, "issues") != 0) {
        handle_deployment(d, event, payload);
    } else if (gw_github_issue_change(payload, &o->github, &d->change, err, sizeof(err)) != 0) {
        finish(d, 400, "invalid", err);
    } else if (d->change.op == GW_OP_NONE) {
        finish(d, 202, "ignored", NULL);
    } else {
        gw_tickets_apply(h->tickets, d->id, o->delivery_ttl, &d->change, 1, on_applied, d);
    }
    gw_jdoc_free(doc);   /* every field used was copied into the change */
    free(owned);
}

void
gw_github_register(struct gw_http *http, struct gw_webhook_handler *h)
{
    gw_http_route(http, "/webhooks/github", 0, GW_POST, on_github, h);
    gw_http_route_codes(http, "/webhooks/github", 0, h->opts.github_secrets->n > 0
                                                         ? "200 202 400 401 413 415 500 503" : "404");
}
