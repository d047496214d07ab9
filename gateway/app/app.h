/*
 * The wiring: builds every module in order, hands each handler and timer
 * the context it needs, and takes everything down again in one order.
 * Nothing else holds the whole process; main.c owns the loop and signals.
 */
#ifndef GW_APP_H
#define GW_APP_H

#include "gateway/app/config.h"
#include "gateway/app/reload.h"
#include "gateway/core/period.h"
#include "gateway/core/routing.h"
#include "gateway/core/sla.h"
#include "gateway/core/telemetry.h"
#include "handlers/handlers.h"

#include "gateway/jobs/gauges.h"

struct event_base;
struct gw_templates;
struct gw_http_client;
struct gw_delivery;
struct gw_breaches;
struct gw_digest_job;
struct gw_report_job;
struct gw_reports;
struct gw_breach_check;
struct gw_canary_pages;
struct gw_retention;
struct gw_scheduler;

struct gw_app {
    struct event_base *base;
    const struct gw_config *cfg;
    struct gw_templates *templates;   /* reloaded in place (gw_app_reload) */
    struct gw_routing routing;        /* the routes file, applied to destinations */
    struct gw_sla_policy sla;         /* SLA clocks and calendars (the routes' too) */
    struct gw_config_digest digest;   /* of what was last loaded */
    struct gw_periods periods;        /* the weeks of the Kaizen report */
    double start_time;
    struct gw_metrics *registry;
    struct gw_telemetry telemetry;
    /* I/O */
    struct gw_http *http;
    struct gw_redis *redis;
    struct gw_http_client *client;
    /* the Redis schema */
    struct gw_tickets *tickets;
    struct gw_canaries *canaries;
    struct gw_digests *digests;
    struct gw_reports *reports;
    struct gw_digests *report_feed;   /* the reports' claims and feed records */
    struct gw_breaches *breaches;
    struct gw_outbox *outbox;
    struct gw_migration *migration;
    /* jobs, and the timers that run them */
    struct gw_digest_job *digest_job;
    struct gw_report_job *report_job;
    struct gw_breach_check *breach_check;
    struct gw_canary_pages *canary_pages;
    struct gw_retention *retention;
    struct gw_gauges_deps gauges;
    struct gw_delivery *delivery;
    struct gw_scheduler *scheduler;
    /* each handler family's context */
    struct gw_health_handler health;
    struct gw_metrics_handler metrics;
    struct gw_webhook_handler webhooks;
    struct gw_api_handler api;
    struct gw_feeds_handler feeds;
    struct gw_reports_handler reports_api;
    char *alertmanager_secret_item;          /* KAIZEN_ALERTMANAGER_SECRET as a list of one */
    struct gw_strlist alertmanager_secret;
    char *slack_post_url;     /* Web API mode: <KAIZEN_SLACK_API_URL>/chat.postMessage */
    char *slack_update_url;   /* and <KAIZEN_SLACK_API_URL>/chat.update */
};

/*
 * Builds every module on base and registers the routes. cfg, templates and
 * routes (NULL: no routes file) are borrowed and must outlive the app (a
 * reload changes their contents, never the objects). Returns -1 (after
 * logging) when a module cannot be created; gw_app_free() must be called
 * either way.
 */
int gw_app_init(struct gw_app *app, struct event_base *base, const struct gw_config *cfg,
                struct gw_templates *templates, struct gw_routes *routes);

/*
 * SIGHUP and POST /-/reload: reads the templates and the routes file again.
 * All or nothing: both load and pass their checks, then both are swapped
 * in at once, within this one event (no message is rendered with half of
 * each); else nothing changes and err holds "file:line: reason" (or the
 * routes file's "file: route: problem"). Logged and exported either way
 * (kaizen_config_last_reload_successful, ..._success_timestamp_seconds).
 */
int gw_app_reload(struct gw_app *app, char *err, size_t errlen);

/* Listens (the bound port in *port), connects to Redis, starts the timers. -1 if it cannot listen. */
int gw_app_start(struct gw_app *app, int *port);

/*
 * Starts a graceful stop: no new timer work or deliveries, no new
 * connections; on_drained runs once no request is in flight.
 */
void gw_app_stop(struct gw_app *app, void (*on_drained)(void *), void *arg);

/* Deliveries and outgoing transfers still under way. */
int gw_app_busy(const struct gw_app *app);

/*
 * Takes everything down: outgoing transfers are cancelled (their outcome is
 * recorded through Redis if it can be), Redis fails what is still pending
 * (requests waiting on it are answered 503), then the server closes.
 */
void gw_app_free(struct gw_app *app);

#endif
