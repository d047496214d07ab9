#include "gateway/delivery.h"

#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include "gateway/core/dates.h"
#include "gateway/core/hmac.h"
#include "gateway/net/httpclient.h"
#include "gateway/net/redis.h"
#include "gateway/telemetry.h"
#include "gateway/util/log.h"

#define TICK_MS 200

struct sink_state {
    struct gw_delivery *d;
    enum gw_sink sink;
    int busy;             /* a claim, send or finish is under way */
    char *id;             /* claimed message */
    int attempt;
};

struct gw_delivery {
    struct event_base *base;
    struct gw_redis *redis;
    struct gw_outbox *outbox;
    struct gw_http_client *client;
    struct gw_delivery_config cfg;
    struct gw_telemetry *telemetry;
    struct event *tick;
    struct sink_state sinks[GW_SINK_COUNT];
    char token[GW_TOKEN_LEN];       /* identifies this replica's leases */
    int stopped;
};

static int64_t
now_ms(void)
{
    struct timeval tv;
    gettimeofday(&tv, NULL);
    return (int64_t)tv.tv_sec * 1000 + tv.tv_usec / 1000;
}

struct gw_delivery *
gw_delivery_new(struct event_base *base, struct gw_redis *redis, struct gw_outbox *outbox,
                struct gw_http_client *client, const struct gw_delivery_config *cfg,
                struct gw_telemetry *telemetry)
{
    struct gw_delivery *d = calloc(1, sizeof(*d));

    if (d == NULL)
        return NULL;
    d->base = base;
    d->redis = redis;
    d->outbox = outbox;
    d->client = client;
    d->cfg = *cfg;
    d->telemetry = telemetry;
    gw_random_token(d->token);
    for (int s = 0; s < GW_SINK_COUNT; s++) {
        d->sinks[s].d = d;
        d->sinks[s].sink = (enum gw_sink)s;
    }
    return d;
}

void
gw_delivery_free(struct gw_delivery *d)
{
    if (d == NULL)
        return;
    if (d->tick != NULL)
        event_free(d->tick);
    for (int s = 0; s < GW_SINK_COUNT; s++)
        free(d->sinks[s].id);
    free(d);
}

int
gw_delivery_inflight(const struct gw_delivery *d)
{
    int n = 0;
    for (int s = 0; s < GW_SINK_COUNT; s++)
        n += d->sinks[s].busy;
    return n;
}

static void
on_finished(const struct gw_redis_error *err, void *arg)
{
    struct sink_state *st = arg;
    /* On failure the lease expires and the head is claimed again. */
    if (err != NULL)
        gw_log(GW_LOG_WARN, "outcome not recorded; the message will be retried", "sink",
               gw_sink_name(st->sink), "id", st->id, "error", err->text, NULL);
    free(st->id);
    st->id = NULL;
    st->busy = 0;
}

static void
finish(struct sink_state *st, enum gw_outbox_result result, int64_t next_at, long status,
       const char *error)
{
    struct gw_delivery *d = st->d;
    int64_t now = now_ms();
    char at[GW_RFC3339_LEN];
    json_t *entry;
    char *history;

    gw_time_format_rfc3339(now / 1000, at, sizeof(at));
    entry = json_pack("{s:s, s:s, s:s, s:i, s:I, s:s?, s:s}", "id", st->id, "sink",
                      gw_sink_name(st->sink), "result", gw_outbox_result_name(result),
                      "attempts", st->attempt, "status", (json_int_t)status, "error", error,
                      "at", at);
    history = json_dumps(entry, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(entry);
    struct gw_outbox_outcome outcome = {result, next_at, now, history != NULL ? history : "{}",
                                        error};
    gw_outbox_finish(d->outbox, st->sink, st->id, d->token, &outcome, on_finished, st);
    free(history);
}

static void
on_response(const struct gw_http_response *res, void *arg)
{
    struct sink_state *st = arg;
    struct gw_delivery *d = st->d;
    enum gw_outcome outcome = gw_retry_classify(res->status, st->attempt, d->cfg.retry.max_attempts);
    int64_t now = now_ms(), spacing = d->cfg.spacing_ms[st->sink];
    const char *sink = gw_sink_name(st->sink), *error = res->error;
    char status_s[16], attempt_s[16], reason[160];

    snprintf(status_s, sizeof(status_s), "%ld", res->status);
    snprintf(attempt_s, sizeof(attempt_s), "%d", st->attempt);
    if (error == NULL && outcome != GW_OUTCOME_SENT) {
        snprintf(reason, sizeof(reason), "HTTP %ld: %.100s", res->status,
                 res->body != NULL ? res->body : "");
        error = reason;
    }
    switch (outcome) {
    case GW_OUTCOME_SENT:
        gw_count_notification(d->telemetry, st->sink, "sent");
        gw_log(GW_LOG_INFO, "notification sent", "sink", sink, "id", st->id, "attempt",
               attempt_s, NULL);
        finish(st, GW_OUTBOX_SENT, now + spacing, res->status, NULL);
        break;
    case GW_OUTCOME_RETRY: {
        int64_t delay = gw_retry_backoff_ms(&d->cfg.retry, st->attempt);
        if (res->status == 429 && res->retry_after_ms >= 0)
            delay = res->retry_after_ms; /* the peer said when */
        gw_count_notification(d->telemetry, st->sink, "retried");
        gw_log(GW_LOG_WARN, "notification failed; will retry", "sink", sink, "id", st->id,
               "status", status_s, "attempt", attempt_s, "error", error, NULL);
        finish(st, GW_OUTBOX_RETRY, now + delay, res->status, error);
        break;
    }
    case GW_OUTCOME_DEAD:
        gw_count_notification(d->telemetry, st->sink, "dead");
        gw_log(GW_LOG_ERROR, "notification dead-lettered", "sink", sink, "id", st->id, "status",
               status_s, "attempt", attempt_s, "error", error, NULL);
        finish(st, GW_OUTBOX_DEAD, now + spacing, res->status, error);
        break;
    }
}

static void
on_claimed(const struct gw_outbox_claim *claim, const struct gw_redis_error *err, void *arg)
{
    struct sink_state *st = arg;
    struct gw_delivery *d = st->d;
    const char *url = d->cfg.url[st->sink];
    static const char *const headers[] = {"Content-Type: application/json", NULL};

    if (err != NULL || claim->id == NULL) {
        if (err != NULL && err->kind != GW_REDIS_UNAVAILABLE)
            gw_log(GW_LOG_WARN, "outbox claim failed", "sink", gw_sink_name(st->sink), "error",
                   err->text, NULL);
        st->busy = 0;
        return;
    }
    if ((st->id = strdup(claim->id)) == NULL)
        abort();
    st->attempt = claim->attempt;
    if (d->cfg.dry_run || url == NULL) {
        /* Dry-run: log what would be sent; the history keeps it as "dry_run". */
        gw_log(GW_LOG_INFO, "dry-run: notification not sent", "sink", gw_sink_name(st->sink),
               "id", st->id, "body", claim->body, NULL);
        finish(st, GW_OUTBOX_DRY_RUN, now_ms() + d->cfg.spacing_ms[st->sink], 0, NULL);
        return;
    }
    if (gw_http_client_post(d->client, url, headers, claim->body, claim->body_len, on_response,
                            st) != 0) {
        struct gw_http_response failed = {0, "could not start request", -1, NULL, 0};
        on_response(&failed, st);
    }
}

static void
on_tick(evutil_socket_t fd, short what, void *arg)
{
    struct gw_delivery *d = arg;
    (void)fd;
    (void)what;

    if (d->stopped || !gw_redis_ready(d->redis))
        return;
    for (int s = 0; s < GW_SINK_COUNT; s++) {
        struct sink_state *st = &d->sinks[s];
        if (st->busy)
            continue;
        st->busy = 1;
        gw_outbox_claim(d->outbox, st->sink, d->token, now_ms(), d->cfg.lease_ms, on_claimed, st);
    }
}

void
gw_delivery_start(struct gw_delivery *d)
{
    struct timeval tv = {0, TICK_MS * 1000};
    d->tick = event_new(d->base, -1, EV_PERSIST, on_tick, d);
    event_add(d->tick, &tv);
}

void
gw_delivery_stop(struct gw_delivery *d)
{
    d->stopped = 1;
}
