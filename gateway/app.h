/*
 * The process-wide context handed to every handler and timer: configuration,
 * event loop, HTTP server, Redis, store and the metric families.
 */
#ifndef GW_APP_H
#define GW_APP_H

#include "gateway/config.h"
#include "gateway/net/http.h"
#include "gateway/util/prometheus.h"
#include "gateway/net/redis.h"
#include "gateway/store/tickets.h"

struct event;
struct gw_templates;
struct gw_http_client;
struct gw_outbox;
struct gw_scheduler;
struct gw_canaries;

struct gw_app {
    struct event_base *base;
    const struct gw_config *cfg;
    struct gw_metrics *metrics;
    struct gw_http *http;
    struct gw_redis *redis;
    struct gw_store *store;
    struct gw_templates *templates;
    struct gw_http_client *client;
    struct gw_outbox *outbox;
    struct gw_scheduler *scheduler;
    struct gw_canaries *canaries;
    double start_time;
    struct gw_metric *webhooks_total;     /* {source,event,result} */
    struct gw_metric *ticket_seconds;     /* {component,severity} summary */
    struct gw_metric *tickets_open;       /* {component,severity} */
    struct gw_metric *tickets_breached;   /* {component} */
    struct gw_metric *redis_up;
    struct gw_metric *build_info;         /* {version} */
    struct gw_metric *am_truncated;
    struct gw_metric *notifications;      /* {sink,result} */
    struct gw_metric *outbox_pending;
    struct gw_metric *outbox_dead;
    struct gw_metric *canary_start;       /* canary_deployment_start_time{deployment,environment} */
    struct gw_metric *canary_pages;       /* kaizen_canary_pages_total */       /* alerts Alertmanager left out (max_alerts) */
    struct event *stats_timer;
};

/* Registers the metric families shared by several handlers. */
int gw_app_metrics_init(struct gw_app *app);

/* Starts the timer that refreshes the ticket gauges from Redis. */
void gw_app_start_stats(struct gw_app *app, double interval_seconds);

/*
 * The admin rule for /api/ routes: with KAIZEN_ADMIN_TOKEN set, "Authorization: Bearer
 * <token>" is required (401 otherwise); without it only loopback clients
 * are served (403 otherwise). Returns 1 if the request may proceed; else it
 * has already been answered.
 */
int gw_app_admin_ok(struct gw_app *app, struct gw_request *req);

/* 1 if "Authorization: Bearer <token>" matches token (constant time). */
int gw_bearer_ok(struct gw_request *req, const char *token);

/* Counts one webhook in kaizen_webhooks_total. */
void gw_app_count_webhook(struct gw_app *app, const char *source, const char *event,
                          const char *result);

/*
 * Ends a webhook request: counts it as result and answers {"error": error}
 * when error is set, else {"status": result}.
 */
void gw_app_webhook_reply(struct gw_app *app, struct gw_request *req, const char *source,
                          const char *event, int code, const char *result, const char *error);

/* Records a resolution in kaizen_ticket_seconds. */
void gw_app_observe_resolution(struct gw_app *app, const struct gw_ticket *t);

/* Handler families: each registers its routes. */
void gw_health_register(struct gw_app *app);
void gw_metrics_register(struct gw_app *app);
void gw_github_register(struct gw_app *app);
void gw_alertmanager_register(struct gw_app *app);
void gw_tickets_api_register(struct gw_app *app);
void gw_outbox_api_register(struct gw_app *app);
void gw_canaries_api_register(struct gw_app *app);
void gw_feeds_register(struct gw_app *app);

/* Filters shared by /api/tickets and the tickets feed; a reason for a 400, or NULL. */
const char *gw_ticket_filter_parse(struct gw_request *req, struct gw_ticket_filter *f,
                                   int allow_limit);

#endif
