/*
 * POST /webhooks/slack: Slack interactivity, the Acknowledge button of the
 * gateway's messages. The request is verified as Slack documents it
 * (core/hmac.h gw_slack_signature_check) before its payload is read, then the
 * form's `payload` is a block_actions JSON whose first action must be the
 * gateway's (GW_ACK_ACTION): the button of a canary page or of a one-ticket
 * SLA-breach notice (value "canary:<id>" or "ticket:<id>"), or the menu of a
 * grouped notice (selected_option.value "ticket:<id>"). The ack is recorded
 * once in one script (gw_canaries_ack, gw_tickets_ack), so a click Slack
 * retries, or sends to another replica, is a duplicate. Answered as soon as
 * Redis has it: Slack wants a 200 within 3 seconds and retries otherwise.
 * Bad input is a 4xx with {"error"} and changes nothing.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gateway/util/clock.h"
#include "gateway/core/hmac.h"
#include "gateway/core/wire.h"
#include "gateway/core/payload.h"
#include "gateway/store/canaries.h"
#include "gateway/store/tickets.h"
#include "gateway/core/telemetry.h"
#include "gateway/text/slack_click.h"
#include "gateway/util/log.h"
#include "handlers/handlers.h"

#define EVENT "block_actions"

/* The headers a click is read from, fetched once. */
enum { H_TIMESTAMP, H_SIGNATURE, H_CONTENT_TYPE, H_COUNT };

struct click {
    struct gw_webhook_handler *h;
    struct gw_request *req;
};

static void
reply(struct gw_webhook_handler *h, struct gw_request *req, int code, const char *result,
      const char *error)
{
    gw_webhook_reply(h->telemetry, req, "slack", EVENT, code, result, error);
}

static void
on_acked(enum gw_ack_status status, const struct gw_redis_error *err, void *arg)
{
    struct click *c = arg;

    if (err != NULL) {
        gw_count_webhook(c->h->telemetry, "slack", EVENT, "error");
        gw_reply_redis_error(c->req, err, "the click was not recorded; Slack retries it");
    } else {
        reply(c->h, c->req, 200, status == GW_ACK_DONE        ? "acked"
                                 : status == GW_ACK_DUPLICATE ? "duplicate"
                                                              : "unknown",
              NULL);
    }
    free(c);
}

static void
on_slack(struct gw_request *req, void *arg)
{
    struct gw_webhook_handler *h = arg;
    const struct gw_webhook_opts *o = &h->opts;
    struct gw_header hdr[H_COUNT] = {
        [H_TIMESTAMP] = {"X-Slack-Request-Timestamp", NULL},
        [H_SIGNATURE] = {"X-Slack-Signature", NULL},
        [H_CONTENT_TYPE] = {"Content-Type", NULL},
    };
    const char *body, *text, *why;
    char err[256];
    size_t len, json_len;
    int status = 400;
    char *owned = NULL;
    enum gw_slack_sig sig;
    struct gw_jdoc *doc = NULL;
    const struct gw_jval *payload;
    struct gw_slack_click click;
    struct click *c;

    if (o->slack_signing_secret == NULL) {
        gw_reply_error(req, 404, "Slack interactivity is not configured "
                                 "(KAIZEN_SLACK_SIGNING_SECRET)");
        return;
    }
    gw_request_headers(req, hdr, H_COUNT);
    body = gw_request_body(req, &len);
    sig = gw_slack_signature_check(o->slack_signing_secret, hdr[H_TIMESTAMP].value,
                                   hdr[H_SIGNATURE].value, body, len, (long long)gw_now());
    if (sig != GW_SLACK_SIG_OK) {
        reply(h, req, 401, "unauthorized", gw_slack_sig_reason(sig));
        return;
    }
    /* Slack posts interactions as a form with one field, payload. */
    if (!gw_media_type_is(hdr[H_CONTENT_TYPE].value, "application/x-www-form-urlencoded")) {
        reply(h, req, 415, "invalid", "Content-Type: application/x-www-form-urlencoded "
                                      "(payload=<JSON>), as Slack sends interactions");
        return;
    }
    text = gw_webhook_json_text(hdr[H_CONTENT_TYPE].value, body, len, &json_len, &owned,
                                &status, err, sizeof(err));
    if (text == NULL) {
        reply(h, req, status, "invalid", err);
        return;
    }
    /* The body itself is padded (net/http.h); a decoded form field is not. */
    payload = gw_json_parse_object(&doc, text, json_len, owned == NULL, err, sizeof(err));
    free(owned);
    if (payload == NULL) {
        reply(h, req, 400, "invalid", "payload: not a JSON object");
        return;
    }
    if ((why = gw_slack_click_read(payload, &click)) != NULL) {
        gw_jdoc_free(doc);
        reply(h, req, 400, "invalid", why);
        return;
    }
    if ((c = calloc(1, sizeof(*c))) == NULL) {
        gw_jdoc_free(doc);
        gw_reply_error(req, 500, "out of memory");
        return;
    }
    c->h = h;
    c->req = req;
    gw_log(GW_LOG_INFO, "slack: acknowledge", click.kind == GW_ACK_TICKET ? "ticket" : "canary",
           click.target, "by", click.by, NULL);
    if (click.kind == GW_ACK_TICKET)
        gw_tickets_ack(h->tickets, click.target, click.by, gw_now(), on_acked, c);
    else
        gw_canaries_ack(h->canaries, click.target, click.by, gw_now(), on_acked, c);
    gw_jdoc_free(doc);   /* the acks copy target and by */
}

void
gw_slack_register(struct gw_http *http, struct gw_webhook_handler *h)
{
    gw_http_route(http, "/webhooks/slack", 0, GW_POST, on_slack, h);
    gw_http_route_codes(http, "/webhooks/slack", 0, h->opts.slack_signing_secret != NULL
                                                        ? "200 400 401 413 415 500 503" : "404");
}
