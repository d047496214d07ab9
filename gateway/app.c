#include "gateway/app.h"

#include <event2/event.h>
#include <stddef.h>
#include <string.h>

#include "gateway/store/canaries.h"
#include "gateway/core/hmac.h"
#include "gateway/util/log.h"
#include "gateway/store/outbox.h"
#include "gateway/core/dates.h"

static const char *const webhook_labels[] = {"source", "event", "result"};
static const char *const component_severity[] = {"component", "severity"};
static const char *const component_only[] = {"component"};
static const char *const version_label[] = {"version"};
static const char *const sink_result[] = {"sink", "result"};
static const char *const deployment_env[] = {"deployment", "environment"};

/* Every family the app shares between handlers and timers, in export order. */
struct family {
    size_t offset;                  /* of the struct gw_metric * in struct gw_app */
    const char *name, *help;
    enum gw_metric_type type;
    size_t nlabels;
    const char *const *labels;
};

#define FAMILY(field, name, help, type, labels)                                            \
    {offsetof(struct gw_app, field), name, help, type, sizeof(labels) / sizeof(labels[0]), labels}
#define FAMILY0(field, name, help, type) {offsetof(struct gw_app, field), name, help, type, 0, NULL}

static const struct family families[] = {
    FAMILY(build_info, "kaizen_build_info", "Build information; always 1.", GW_GAUGE,
           version_label),
    FAMILY0(redis_up, "kaizen_redis_up",
            "1 when the Redis connection is ready, else 0.", GW_GAUGE),
    FAMILY(webhooks_total, "kaizen_webhooks_total",
           "Webhook deliveries by source, event and result.", GW_COUNTER, webhook_labels),
    FAMILY(ticket_seconds, "kaizen_ticket_seconds",
           "Time from creation to resolution of tickets resolved by this replica "
           "(MTTR = _sum / _count).", GW_SUMMARY, component_severity),
    FAMILY(tickets_open, "kaizen_tickets_open", "Open tickets in Redis (shared by all replicas).",
           GW_GAUGE, component_severity),
    FAMILY(tickets_breached, "kaizen_tickets_sla_breached",
           "Open tickets past their SLA deadline (shared by all replicas).", GW_GAUGE,
           component_only),
    FAMILY0(am_truncated, "kaizen_alertmanager_truncated_alerts_total",
            "Alerts Alertmanager left out of notifications (truncatedAlerts, max_alerts).", GW_COUNTER),
    FAMILY(notifications, "kaizen_notifications_total",
           "Delivery attempts by sink and result (sent, retried, dead).", GW_COUNTER,
           sink_result),
    FAMILY0(outbox_pending, "kaizen_outbox_pending",
            "Messages waiting in the outbox (shared by all replicas).", GW_GAUGE),
    FAMILY0(outbox_dead, "kaizen_outbox_dead",
            "Messages in the dead-letter list (shared by all replicas).", GW_GAUGE),
    FAMILY(canary_start, "canary_deployment_start_time",
           "Start time of each active canary deployment, Unix seconds.", GW_GAUGE,
           deployment_env),
    FAMILY0(canary_pages, "kaizen_canary_pages_total",
            "Canaries paged for overstaying their budget (by this replica).", GW_COUNTER),
};

int
gw_app_metrics_init(struct gw_app *app)
{
    const char *version[] = {KAIZEN_VERSION};

    for (size_t i = 0; i < sizeof(families) / sizeof(families[0]); i++) {
        const struct family *f = &families[i];
        struct gw_metric *metric = gw_metrics_add(app->metrics, f->name, f->help, f->type,
                                                  f->nlabels, f->labels, NULL, 0);
        if (metric == NULL)
            return -1;
        *(struct gw_metric **)((char *)app + f->offset) = metric;
        /* Unlabelled counters and gauges start at 0 so they are exported at once. */
        if (f->nlabels == 0)
            gw_metric_set(metric, NULL, 0);
    }
    gw_metric_set(app->build_info, version, 1);
    for (int sink = 0; sink < GW_SINK_COUNT; sink++) {
        static const char *const results[] = {"sent", "retried", "dead"};
        for (int r = 0; r < 3; r++) {
            const char *labels[] = {gw_sink_name((enum gw_sink)sink), results[r]};
            gw_metric_inc(app->notifications, labels, 0);
        }
    }
    return 0;
}

static void
on_stats(int ok, const struct gw_count *open, size_t nopen, const struct gw_count *breached,
         size_t nbreached, void *arg)
{
    struct gw_app *app = arg;
    if (!ok)
        return; /* keep the last known values */
    gw_metric_clear(app->tickets_open);
    gw_metric_clear(app->tickets_breached);
    for (size_t i = 0; i < nopen; i++) {
        const char *labels[] = {open[i].component, open[i].severity};
        gw_metric_set(app->tickets_open, labels, (double)open[i].count);
    }
    for (size_t i = 0; i < nbreached; i++) {
        const char *labels[] = {breached[i].component};
        gw_metric_set(app->tickets_breached, labels, (double)breached[i].count);
    }
}

static void
on_outbox_status(int ok, long pending, long dead, json_t *recent, void *arg)
{
    struct gw_app *app = arg;
    json_decref(recent);
    if (!ok)
        return;
    gw_metric_set(app->outbox_pending, NULL, (double)pending);
    gw_metric_set(app->outbox_dead, NULL, (double)dead);
}

static void
on_canaries(int ok, const struct gw_canary *canaries, size_t n, void *arg)
{
    struct gw_app *app = arg;
    if (!ok)
        return;
    /* Rebuilt from Redis: a canary that ended disappears on every replica. */
    gw_metric_clear(app->canary_start);
    for (size_t i = 0; i < n; i++) {
        const char *labels[] = {canaries[i].id, canaries[i].environment};
        gw_metric_set(app->canary_start, labels, (double)canaries[i].started_at);
    }
}

static void
on_stats_timer(evutil_socket_t fd, short what, void *arg)
{
    struct gw_app *app = arg;
    (void)fd;
    (void)what;
    if (!gw_redis_ready(app->redis))
        return;
    gw_store_stats(app->store, gw_now(), on_stats, app);
    if (app->outbox != NULL)
        gw_outbox_status(app->outbox, 0, on_outbox_status, app);
    if (app->canaries != NULL)
        gw_canaries_list(app->canaries, on_canaries, app);
}

void
gw_app_start_stats(struct gw_app *app, double interval_seconds)
{
    struct timeval tv = {(time_t)interval_seconds,
                         (suseconds_t)((interval_seconds - (double)(time_t)interval_seconds) * 1e6)};
    app->stats_timer = event_new(app->base, -1, EV_PERSIST, on_stats_timer, app);
    event_add(app->stats_timer, &tv);
}

int
gw_bearer_ok(struct gw_request *req, const char *token)
{
    const char *auth = gw_request_header(req, "Authorization");
    if (auth == NULL || strncmp(auth, "Bearer ", 7) != 0)
        return 0;
    return gw_consttime_equal(auth + 7, strlen(auth + 7), token, strlen(token));
}

int
gw_app_admin_ok(struct gw_app *app, struct gw_request *req)
{
    const char *token = app->cfg->admin_token;
    if (token != NULL) {
        if (gw_bearer_ok(req, token))
            return 1;
        gw_reply_header(req, "WWW-Authenticate", "Bearer");
        gw_reply_error(req, 401, "missing or bad admin bearer token");
        return 0;
    }
    if (gw_request_is_loopback(req))
        return 1;
    gw_reply_error(req, 403, "KAIZEN_ADMIN_TOKEN is not set: /api/ only answers loopback clients");
    return 0;
}

void
gw_app_count_webhook(struct gw_app *app, const char *source, const char *event,
                     const char *result)
{
    const char *labels[] = {source, event, result};
    gw_metric_inc(app->webhooks_total, labels, 1);
}

void
gw_app_webhook_reply(struct gw_app *app, struct gw_request *req, const char *source,
                     const char *event, int code, const char *result, const char *error)
{
    gw_app_count_webhook(app, source, event, result);
    if (error != NULL)
        gw_reply_error(req, code, error);
    else
        gw_reply_status(req, code, result);
}

void
gw_app_observe_resolution(struct gw_app *app, const struct gw_ticket *t)
{
    const char *labels[] = {t->component, gw_severity_name(t->severity)};
    int64_t seconds = t->resolved_at - t->created_at;
    gw_metric_observe(app->ticket_seconds, labels, seconds > 0 ? (double)seconds : 0);
}
