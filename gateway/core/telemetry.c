#include "gateway/core/telemetry.h"

#include "gateway/core/wire.h"

#include <stddef.h>
#include <string.h>

static const char *const webhook_labels[] = {"source", "event", "result"};
static const char *const component_severity[] = {"component", "severity"};
static const char *const component_severity_outcome[] = {"component", "severity", "outcome"};
static const char *const component_only[] = {"component"};
static const char *const build_labels[] = {"version", "tls"};
static const char *const kind_label[] = {"kind"};
static const char *const sink_result[] = {"sink", "result"};
static const char *const deployment_env[] = {"deployment", "environment"};
static const char *const config_digests[] = {"templates_sha256", "routes_sha256"};

/* Every family the app shares between handlers and timers, in export order. */
struct family {
    size_t offset;                  /* of the struct gw_metric * in struct gw_telemetry */
    const char *name, *help;
    enum gw_metric_type type;
    size_t nlabels;
    const char *const *labels;
    const double *bounds;           /* histograms: GW_TICKET_NBUCKETS of them */
};

#define FAMILY(field, name, help, type, labels)                                            \
    {offsetof(struct gw_telemetry, field), name, help, type, sizeof(labels) / sizeof(labels[0]), \
     labels, NULL}
#define FAMILY0(field, name, help, type)                                                   \
    {offsetof(struct gw_telemetry, field), name, help, type, 0, NULL, NULL}
#define TICKET_HISTOGRAM(field, name, help)                                                \
    {offsetof(struct gw_telemetry, field), name, help, GW_HISTOGRAM, 2, component_severity, \
     gw_ticket_bucket_bounds}

static const struct family families[] = {
    FAMILY(build_info, "kaizen_build_info",
           "Build information: the version, and whether Redis TLS is built in; always 1.",
           GW_GAUGE, build_labels),
    FAMILY0(redis_up, "kaizen_redis_up",
            "1 when the Redis connection is ready, else 0.", GW_GAUGE),
    FAMILY(redis_errors, "kaizen_redis_errors_total",
           "Redis commands that failed, by kind (readonly, loading, timeout, oom, ...).",
           GW_COUNTER, kind_label),
    FAMILY(webhooks_total, "kaizen_webhooks_total",
           "Webhook deliveries by source, event and result.", GW_COUNTER, webhook_labels),
    TICKET_HISTOGRAM(ticket_seconds, "kaizen_ticket_seconds",
                     "Time to resolve: from creation (or reopening) to resolution, observed "
                     "once per resolution (shared by all replicas: MTTR = _sum / _count)."),
    TICKET_HISTOGRAM(ticket_ack_seconds, "kaizen_ticket_ack_seconds",
                     "Time to acknowledge: from creation (or reopening) to the first "
                     "acknowledgement (shared by all replicas: MTTA = _sum / _count)."),
    FAMILY(ticket_sla, "kaizen_ticket_sla_total",
           "Resolutions by SLA outcome: met (at or before the deadline) or breached "
           "(shared by all replicas).", GW_COUNTER, component_severity_outcome),
    FAMILY(ticket_reopened, "kaizen_ticket_reopened_total",
           "Resolved tickets opened again (shared by all replicas).", GW_COUNTER,
           component_severity),
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
    FAMILY(canary_budget, "canary_deployment_budget_seconds",
           "Time budget of each active canary deployment, seconds.", GW_GAUGE, deployment_env),
    FAMILY0(canary_pages, "kaizen_canary_pages_total",
            "Canaries paged for overstaying their budget (by this replica).", GW_COUNTER),
    FAMILY0(reload_ok, "kaizen_config_last_reload_successful",
            "1 when the last load of the templates and routes file succeeded, else 0.", GW_GAUGE),
    FAMILY0(reload_time, "kaizen_config_last_reload_success_timestamp_seconds",
            "When the templates and routes file were last loaded successfully, Unix seconds.",
            GW_GAUGE),
    FAMILY(config_info, "kaizen_config_info",
           "What is loaded: 16 hex digits of the SHA-256 of the templates (their files "
           "concatenated in name order) and of the routes file; always 1.", GW_GAUGE,
           config_digests),
};

int
gw_telemetry_init(struct gw_telemetry *t, struct gw_metrics *registry)
{
#ifdef KAIZEN_HAVE_TLS
    const char *version[] = {KAIZEN_VERSION, "yes"};
#else
    const char *version[] = {KAIZEN_VERSION, "no"};
#endif

    for (size_t i = 0; i < sizeof(families) / sizeof(families[0]); i++) {
        const struct family *f = &families[i];
        struct gw_metric *metric = gw_metrics_add(registry, f->name, f->help, f->type,
                                                  f->nlabels, f->labels, f->bounds,
                                                  f->bounds != NULL ? GW_TICKET_NBUCKETS : 0);
        if (metric == NULL)
            return -1;
        *(struct gw_metric **)((char *)t + f->offset) = metric;
        /* Unlabelled counters and gauges start at 0 so they are exported at once. */
        if (f->nlabels == 0)
            gw_metric_set(metric, NULL, 0);
    }
    t->registry = registry;
    gw_metric_set(t->build_info, version, 1);
    for (int sink = 0; sink < 2; sink++) {
        static const char *const sinks[] = {GW_DEST_SLACK, GW_DEST_PAGER};
        static const char *const results[] = {"sent", "retried", "dead"};
        for (int r = 0; r < 3; r++) {
            const char *labels[] = {sinks[sink], results[r]};
            gw_metric_inc(t->notifications, labels, 0);
        }
    }
    return 0;
}

/* The results each source and event can count (handlers/webhooks_*.c, app.c's guard refusals). */
#define REFUSED "unauthorized", "invalid", "too_large", "error"
static const char *const applied[] = {"accepted", "duplicate", "stale", "ignored", REFUSED, NULL};
static const char *const pinged[] = {"pong", REFUSED, NULL};
static const char *const unread[] = {"ignored", REFUSED, NULL};
static const char *const refused[] = {REFUSED, NULL};
static const char *const alerts[] = {"accepted", "stale", "ignored", "error", NULL};
static const char *const clicks[] = {"acked", "duplicate", "unknown", "unauthorized", "invalid",
                                     "error", NULL};
#undef REFUSED

static const struct {
    const char *source, *event;
    const char *const *results;
} webhook_series[] = {
    {"github", "issues", applied},
    {"github", "deployment", applied},
    {"github", "deployment_status", applied},
    {"github", "ping", pinged},
    {"github", "other", unread},
    {"alertmanager", "notification", refused},
    {"alertmanager", "firing", alerts},
    {"alertmanager", "resolved", alerts},
    {"slack", "block_actions", clicks},
};

void
gw_telemetry_webhook_source(struct gw_telemetry *t, const char *source)
{
    for (size_t i = 0; i < sizeof(webhook_series) / sizeof(webhook_series[0]); i++) {
        if (strcmp(webhook_series[i].source, source) != 0)
            continue;
        for (const char *const *r = webhook_series[i].results; *r != NULL; r++) {
            const char *labels[] = {source, webhook_series[i].event, *r};
            gw_metric_inc(t->webhooks_total, labels, 0);
        }
    }
}

void
gw_count_webhook(struct gw_telemetry *t, const char *source, const char *event,
                 const char *result)
{
    const char *labels[] = {source, event, result};
    gw_metric_inc(t->webhooks_total, labels, 1);
}

static void
set_times(struct gw_metric *f, const char *const *labels, const struct gw_time_histogram *h)
{
    double buckets[GW_TICKET_NBUCKETS];

    for (size_t b = 0; b < GW_TICKET_NBUCKETS; b++)
        buckets[b] = (double)h->buckets[b];
    gw_metric_set_histogram(f, labels, buckets, (double)h->sum, (double)h->count);
}

void
gw_set_ticket_measures(struct gw_telemetry *t, const struct gw_ticket_measures *measures, size_t n)
{
    gw_metric_clear(t->ticket_seconds);
    gw_metric_clear(t->ticket_ack_seconds);
    gw_metric_clear(t->ticket_sla);
    gw_metric_clear(t->ticket_reopened);
    for (size_t i = 0; i < n; i++) {
        const struct gw_ticket_measures *m = &measures[i];
        const char *labels[] = {m->component, m->severity};
        const char *met[] = {m->component, m->severity, "met"};
        const char *breached[] = {m->component, m->severity, "breached"};

        set_times(t->ticket_seconds, labels, &m->resolve);
        set_times(t->ticket_ack_seconds, labels, &m->ack);
        gw_metric_set(t->ticket_sla, met, (double)m->sla_met);
        gw_metric_set(t->ticket_sla, breached, (double)m->sla_breached);
        gw_metric_set(t->ticket_reopened, labels, (double)m->reopened);
    }
}

void
gw_count_notification(struct gw_telemetry *t, const char *sink, const char *result)
{
    const char *labels[] = {sink, result};
    gw_metric_inc(t->notifications, labels, 1);
}
