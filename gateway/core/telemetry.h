/*
 * The metric families shared by handlers and timers (docs/metrics.md), and
 * the few ways they are updated. Families owned by one module (the HTTP
 * latency histogram) are registered by that module.
 */
#ifndef GW_TELEMETRY_H
#define GW_TELEMETRY_H

#include "gateway/core/measures.h"
#include "gateway/util/prometheus.h"

struct gw_telemetry {
    struct gw_metrics *registry;
    struct gw_metric *build_info;         /* {version,tls}: tls "yes" or "no" */
    struct gw_metric *redis_up;
    struct gw_metric *redis_errors;       /* {kind} */
    struct gw_metric *webhooks_total;     /* {source,event,result} */
    struct gw_metric *ticket_seconds;     /* {component,severity} histogram: time to resolve */
    struct gw_metric *ticket_ack_seconds; /* {component,severity} histogram: time to acknowledge */
    struct gw_metric *ticket_sla;         /* kaizen_ticket_sla_total{component,severity,outcome} */
    struct gw_metric *ticket_reopened;    /* kaizen_ticket_reopened_total{component,severity} */
    struct gw_metric *tickets_open;       /* {component,severity} */
    struct gw_metric *tickets_breached;   /* {component} */
    struct gw_metric *am_truncated;       /* alerts Alertmanager left out (max_alerts) */
    struct gw_metric *notifications;      /* {sink,result} */
    struct gw_metric *outbox_pending;
    struct gw_metric *outbox_dead;
    struct gw_metric *canary_start;       /* canary_deployment_start_time{deployment,environment} */
    struct gw_metric *canary_budget;      /* canary_deployment_budget_seconds{deployment,environment} */
    struct gw_metric *canary_pages;       /* kaizen_canary_pages_total */
    struct gw_metric *reload_ok;          /* kaizen_config_last_reload_successful */
    struct gw_metric *reload_time;        /* ..._success_timestamp_seconds */
    struct gw_metric *config_info;        /* kaizen_config_info{templates_sha256,routes_sha256} */
};

/* Registers every family in registry (borrowed). -1 when out of memory. */
int gw_telemetry_init(struct gw_telemetry *t, struct gw_metrics *registry);

/*
 * Creates, at 0, every kaizen_webhooks_total series a configured source
 * ("github", "alertmanager", "slack") can count, so that rate() sees the
 * first delivery of each.
 */
void gw_telemetry_webhook_source(struct gw_telemetry *t, const char *source);

/* kaizen_webhooks_total{source,event,result} += 1 */
void gw_count_webhook(struct gw_telemetry *t, const char *source, const char *event,
                      const char *result);

/*
 * The Kaizen families of tickets (kaizen_ticket_seconds,
 * kaizen_ticket_ack_seconds, kaizen_ticket_sla_total,
 * kaizen_ticket_reopened_total), rebuilt from the totals Redis holds, so
 * that every replica exports the same values: measures[0..n), one per
 * component and severity that has had a ticket, zeros included.
 */
void gw_set_ticket_measures(struct gw_telemetry *t, const struct gw_ticket_measures *measures,
                            size_t n);

/* kaizen_notifications_total{sink,result} += 1 */
void gw_count_notification(struct gw_telemetry *t, const char *sink, const char *result);

#endif
