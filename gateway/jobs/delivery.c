#include "gateway/jobs/delivery.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gateway/core/dates.h"
#include "gateway/util/clock.h"
#include "gateway/core/hmac.h"
#include "gateway/core/slackapi.h"
#include "gateway/net/httpclient.h"
#include "gateway/net/redis.h"
#include "gateway/core/telemetry.h"
#include "gateway/core/wire.h"
#include "gateway/text/render_edit.h"
#include "gateway/util/buf.h"
#include "gateway/util/log.h"
#include "gateway/util/parse.h"

/* This replica's view of one destination. */
struct dest_state {
    struct gw_delivery *d;
    char *name;
    const struct gw_delivery_route *route;
    const char *channel;  /* Web API: "slack:<channel>" posts there, "slack" the route's */
    int busy;             /* a claim, send or finish is under way */
    char *id;             /* claimed message */
    enum gw_msg_kind kind;
    int attempt;
    char *body;           /* Web API: a breach notice's body while its thread is looked up, */
    size_t body_len;      /* or an edit's rendered message while its post is looked up */
};

#define DUE_LIMIT 32

struct gw_delivery {
    struct gw_redis *redis;
    struct gw_outbox *outbox;
    struct gw_http_client *client;
    struct gw_delivery_config cfg;
    struct gw_telemetry *telemetry;
    struct dest_state **dests;
    size_t ndests, cap;
    int looking;          /* a due-destinations read is under way */
    char token[GW_TOKEN_LEN];       /* identifies this replica's leases */
    int stopped;
};


struct gw_delivery *
gw_delivery_new(struct gw_redis *redis, struct gw_outbox *outbox, struct gw_http_client *client,
                const struct gw_delivery_config *cfg, struct gw_telemetry *telemetry)
{
    struct gw_delivery *d = calloc(1, sizeof(*d));

    if (d == NULL)
        return NULL;
    d->redis = redis;
    d->outbox = outbox;
    d->client = client;
    d->cfg = *cfg;
    d->telemetry = telemetry;
    gw_random_token(d->token);
    return d;
}

void
gw_delivery_free(struct gw_delivery *d)
{
    if (d == NULL)
        return;
    for (size_t i = 0; i < d->ndests; i++) {
        free(d->dests[i]->body);
        free(d->dests[i]->id);
        free(d->dests[i]->name);
        free(d->dests[i]);
    }
    free(d->dests);
    free(d);
}

int
gw_delivery_inflight(const struct gw_delivery *d)
{
    int n = d->looking;
    for (size_t i = 0; i < d->ndests; i++)
        n += d->dests[i]->busy;
    return n;
}

static void
on_finished(const struct gw_redis_error *err, void *arg)
{
    struct dest_state *st = arg;
    /* On failure the lease expires and the head is claimed again. */
    if (err != NULL)
        gw_log(GW_LOG_WARN, "outcome not recorded; the message will be retried", "sink",
               st->name, "id", st->id, "error", err->text, NULL);
    free(st->id);
    st->id = NULL;
    st->busy = 0;
}

static void
finish_posted(struct dest_state *st, enum gw_outbox_result result, int64_t next_at, long status,
              const char *error, const char *posted, const char *thread_ts)
{
    struct gw_delivery *d = st->d;
    int64_t now = gw_now_ms();
    char at[GW_RFC3339_LEN];
    json_t *entry;
    char *history;

    gw_time_format_rfc3339(now / 1000, at, sizeof(at));
    entry = json_pack("{s:s, s:s, s:s, s:s, s:i, s:I, s:s?, s:s}", "id", st->id, "sink",
                      st->route->prefix, "dest", st->name, "result", gw_outbox_result_name(result),
                      "attempts", st->attempt, "status", (json_int_t)status, "error", error,
                      "at", at);
    history = json_dumps(entry, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(entry);
    struct gw_outbox_outcome outcome = {result, next_at, now, history != NULL ? history : "{}",
                                        error, posted,
                                        thread_ts != NULL ? st->channel : NULL, thread_ts};
    gw_outbox_finish(d->outbox, st->name, st->kind, st->id, d->token, &outcome, on_finished, st);
    free(history);
}

static void
finish(struct dest_state *st, enum gw_outbox_result result, int64_t next_at, long status,
       const char *error)
{
    finish_posted(st, result, next_at, status, error, NULL, NULL);
}

static void
on_response(const struct gw_http_response *res, void *arg)
{
    struct dest_state *st = arg;
    struct gw_delivery *d = st->d;
    struct gw_slack_answer answer;
    enum gw_outcome outcome;
    int64_t now = gw_now_ms(), spacing = st->route->spacing_ms;
    const char *sink = st->name, *error = res->error;
    char status_s[16], attempt_s[16], reason[160], posted[80] = "";

    if (st->route->bearer != NULL && res->error == NULL) {
        /* Web API: an HTTP 200 may still say "ok": false, with Slack's error word. */
        outcome = gw_slack_api_classify(res->status, res->body, res->body_len, st->attempt,
                                        d->cfg.retry.max_attempts, &answer);
        if (outcome == GW_OUTCOME_SENT)
            snprintf(posted, sizeof(posted), "%s %s", answer.channel, answer.ts);
        else if (answer.error[0] != '\0')
            error = snprintf(reason, sizeof(reason), "Slack: %s", answer.error) > 0 ? reason : NULL;
    } else {
        outcome = gw_retry_classify(res->status, st->attempt, d->cfg.retry.max_attempts);
    }
    snprintf(status_s, sizeof(status_s), "%ld", res->status);
    snprintf(attempt_s, sizeof(attempt_s), "%d", st->attempt);
    if (error == NULL && outcome != GW_OUTCOME_SENT) {
        snprintf(reason, sizeof(reason), "HTTP %ld: %.100s", res->status,
                 res->body != NULL ? res->body : "");
        error = reason;
    }
    switch (outcome) {
    case GW_OUTCOME_SENT:
        gw_count_notification(d->telemetry, st->route->prefix, "sent");
        gw_log(GW_LOG_INFO, "notification sent", "sink", sink, "id", st->id, "attempt",
               attempt_s, NULL);
        /* A digest's first post opens the channel's thread for breach notices. */
        /* An edit leaves nothing to edit later: only posts are kept. */
        if (gw_wire_is_edit(st->id))
            posted[0] = '\0';
        finish_posted(st, GW_OUTBOX_SENT, now + spacing, res->status, NULL,
                      posted[0] != '\0' ? posted : NULL,
                      posted[0] != '\0' && gw_wire_opens_thread(st->id)
                          ? answer.ts : NULL);
        break;
    case GW_OUTCOME_RETRY:
    case GW_OUTCOME_THROTTLED: {
        /* Slack's "ratelimited" may come as HTTP 200: its Retry-After counts as a 429's. */
        int64_t delay = gw_retry_delay_ms(&d->cfg.retry, st->attempt,
                                          outcome == GW_OUTCOME_THROTTLED ? 429 : res->status,
                                          res->retry_after_ms);
        gw_count_notification(d->telemetry, st->route->prefix, "retried");
        gw_log(GW_LOG_WARN, outcome == GW_OUTCOME_THROTTLED
                                ? "notification rate-limited; will retry (no attempt used)"
                                : "notification failed; will retry",
               "sink", sink, "id", st->id, "status", status_s, "attempt", attempt_s, "error",
               error, NULL);
        finish(st, outcome == GW_OUTCOME_THROTTLED ? GW_OUTBOX_THROTTLED : GW_OUTBOX_RETRY,
               now + delay, res->status, error);
        break;
    }
    case GW_OUTCOME_DEAD:
        gw_count_notification(d->telemetry, st->route->prefix, "dead");
        gw_log(GW_LOG_ERROR, "notification dead-lettered", "sink", sink, "id", st->id, "status",
               status_s, "attempt", attempt_s, "error", error, NULL);
        finish(st, GW_OUTBOX_DEAD, now + spacing, res->status, error);
        break;
    }
}

/*
 * A Web API call with the bot token as Bearer: chat.postMessage (url, the
 * route's channel, thread_ts when a reply) or chat.update (update_url, the
 * channel and ts of the post).
 */
static void
call_web_api(struct dest_state *st, const char *url, const char *text, size_t len,
             const char *channel, const char *ts_field, const char *ts)
{
    char auth[512];
    const char *headers[] = {"Content-Type: application/json; charset=utf-8", auth, NULL};
    char *body = gw_slack_api_message(text, len, channel, ts_field, ts);

    snprintf(auth, sizeof(auth), "Authorization: Bearer %s", st->route->bearer);
    if (body == NULL || gw_http_client_post(st->d->client, url, headers, body, strlen(body),
                                            on_response, st) != 0) {
        struct gw_http_response failed = {0, "could not start request", -1, NULL, 0};
        on_response(&failed, st);
    }
    free(body);
}

static void
post_web_api(struct dest_state *st, const char *text, size_t len, const char *thread_ts)
{
    call_web_api(st, st->route->url, text, len, st->channel, "thread_ts", thread_ts);
}

/* An edit: its post's "channel ts" is known, or it never went out. */
static void
on_post_found(const char *posted, const struct gw_redis_error *err, void *arg)
{
    struct dest_state *st = arg;
    char *body = st->body, channel[64], ts[64];

    st->body = NULL;
    if (err != NULL) {
        /* Redis failed: the lease lapses and the edit is claimed again. */
        gw_log(GW_LOG_WARN, "edit: post not looked up; will retry", "sink", st->name, "id",
               st->id, "error", err->text, NULL);
        free(body);
        free(st->id);
        st->id = NULL;
        st->busy = 0;
        return;
    }
    if (posted == NULL || sscanf(posted, "%63s %63s", channel, ts) != 2) {
        gw_count_notification(st->d->telemetry, st->route->prefix, "dead");
        gw_log(GW_LOG_WARN, "edit dead-lettered: its message was never posted", "sink",
               st->name, "id", st->id, NULL);
        finish(st, GW_OUTBOX_DEAD, gw_now_ms(), 0,
               "nothing to edit: the message was not posted (dead letter, or over 7 days ago)");
    } else {
        call_web_api(st, st->route->update_url, body, st->body_len, channel, "ts", ts);
    }
    free(body);
}

/* Renders an edit now and looks up the post it edits. */
static void
start_edit(struct dest_state *st, const struct gw_outbox_claim *claim)
{
    char target[512];
    json_t *msg = gw_render_edit(st->d->cfg.templates, st->d->cfg.public_url, claim->body, claim->body_len, target,
                                 sizeof(target));

    st->body = msg != NULL ? json_dumps(msg, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    json_decref(msg);
    if (st->body == NULL) {
        gw_count_notification(st->d->telemetry, st->route->prefix, "dead");
        finish(st, GW_OUTBOX_DEAD, gw_now_ms(), 0, "edit: not an edit of a known message");
        return;
    }
    st->body_len = strlen(st->body);
    gw_outbox_posted(st->d->outbox, target, on_post_found, st);
}

/* A breach notice goes in the thread of its channel's latest digest, if any. */
static void
on_thread(const char *ts, const struct gw_redis_error *err, void *arg)
{
    struct dest_state *st = arg;
    char *body = st->body;
    st->body = NULL;
    post_web_api(st, body, st->body_len, err == NULL ? ts : NULL);   /* top-level on error */
    free(body);
}

static void
on_claimed(const struct gw_outbox_claim *claim, const struct gw_redis_error *err, void *arg)
{
    struct dest_state *st = arg;
    struct gw_delivery *d = st->d;
    const char *url = st->route->url;
    static const char *const headers[] = {"Content-Type: application/json", NULL};

    if (err != NULL || claim->id == NULL) {
        if (err != NULL && err->kind != GW_REDIS_UNAVAILABLE)
            gw_log(GW_LOG_WARN, "outbox claim failed", "sink", st->name, "error",
                   err->text, NULL);
        st->busy = 0;
        return;
    }
    if ((st->id = strdup(claim->id)) == NULL)
        gw_oom(__func__);
    st->attempt = claim->attempt;
    st->kind = claim->kind;
    if (d->cfg.dry_run || url == NULL) {
        /* Dry-run: log what was held back, never the body (it holds ticket titles and, for
         * PagerDuty, the routing key); the history keeps it as "dry_run". */
        char size[GW_INT_TEXT];
        gw_log(GW_LOG_INFO, "dry-run: notification not sent", "destination", st->name,
               "kind", gw_msg_kind_name(claim->kind), "bytes",
               gw_int_text((long long)claim->body_len, size), "id", st->id, NULL);
        finish(st, GW_OUTBOX_DRY_RUN, gw_now_ms() + st->route->spacing_ms, 0, NULL);
        return;
    }
    if (st->route->bearer != NULL && gw_wire_is_edit(claim->id)) {
        start_edit(st, claim);
        return;
    }
    if (st->route->bearer != NULL && claim->kind == GW_MSG_BREACH) {
        if ((st->body = malloc(claim->body_len + 1)) == NULL)
            gw_oom(__func__);
        memcpy(st->body, claim->body, claim->body_len);
        st->body_len = claim->body_len;
        gw_outbox_thread(d->outbox, st->channel, on_thread, st);
        return;
    }
    if (st->route->bearer != NULL) {
        post_web_api(st, claim->body, claim->body_len, NULL);
        return;
    }
    if (gw_http_client_post(d->client, url, headers, claim->body, claim->body_len, on_response,
                            st) != 0) {
        struct gw_http_response failed = {0, "could not start request", -1, NULL, 0};
        on_response(&failed, st);
    }
}

/* The route whose prefix starts dest, or NULL. */
static const struct gw_delivery_route *
route_for(const struct gw_delivery *d, const char *dest)
{
    for (size_t i = 0; i < d->cfg.nroutes; i++) {
        size_t n = strlen(d->cfg.routes[i].prefix);
        if (strncmp(dest, d->cfg.routes[i].prefix, n) == 0 && (dest[n] == '\0' || dest[n] == ':'))
            return &d->cfg.routes[i];
    }
    return NULL;
}

static struct dest_state *
dest_state(struct gw_delivery *d, const char *name)
{
    const struct gw_delivery_route *route;
    struct dest_state *st;

    for (size_t i = 0; i < d->ndests; i++)
        if (strcmp(d->dests[i]->name, name) == 0)
            return d->dests[i];
    if ((route = route_for(d, name)) == NULL)
        return NULL;
    if ((d->dests = gw_grow(d->dests, &d->cap, d->ndests + 1, sizeof(*d->dests))) == NULL)
        gw_oom(__func__);
    if ((st = calloc(1, sizeof(*st))) == NULL || (st->name = strdup(name)) == NULL)
        gw_oom(__func__);
    st->d = d;
    st->route = route;
    /* A routed channel is a destination of its own (gateway/routing.h). */
    st->channel = strchr(st->name, ':') != NULL ? strchr(st->name, ':') + 1 : route->channel;
    d->dests[d->ndests++] = st;
    return st;
}

static void
on_due(const char *const *dests, size_t n, const struct gw_redis_error *err, void *arg)
{
    struct gw_delivery *d = arg;

    d->looking = 0;
    if (err != NULL || d->stopped)
        return;
    for (size_t i = 0; i < n; i++) {
        struct dest_state *st = dest_state(d, dests[i]);
        if (st == NULL) {
            gw_log(GW_LOG_WARN, "outbox destination with no route; its messages wait", "dest",
                   dests[i], NULL);
            continue;
        }
        if (st->busy)
            continue;
        st->busy = 1;
        gw_outbox_claim(d->outbox, st->name, d->token, gw_now_ms(), d->cfg.lease_ms,
                        st->route->edit_spacing_ms, on_claimed, st);
    }
}

void
gw_delivery_poll(struct gw_delivery *d)
{
    if (d->stopped || d->looking)
        return;
    d->looking = 1;
    gw_outbox_due(d->outbox, gw_now_ms(), DUE_LIMIT, on_due, d);
}

void
gw_delivery_stop(struct gw_delivery *d)
{
    d->stopped = 1;
}
