#include "gateway/app/app.h"

#include "gateway/app/reload.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gateway/util/clock.h"
#include "gateway/core/github.h"
#include "gateway/core/tz.h"
#include "gateway/jobs/breach_check.h"
#include "gateway/jobs/canary_pages.h"
#include "gateway/jobs/delivery.h"
#include "gateway/jobs/digest.h"
#include "gateway/jobs/report.h"
#include "gateway/jobs/retention.h"
#include "gateway/net/httpclient.h"
#include "gateway/app/scheduler.h"
#include "gateway/store/breaches.h"
#include "gateway/store/canaries.h"
#include "gateway/store/digests.h"
#include "gateway/store/migrate.h"
#include "gateway/store/outbox.h"
#include "gateway/store/keys.h"
#include "gateway/store/reports.h"
#include "gateway/store/tickets.h"
#include "gateway/util/log.h"

static void
on_redis_state(int up, void *arg)
{
    struct gw_app *app = arg;
    gw_metric_set(app->telemetry.redis_up, NULL, up);
    if (up)
        gw_migration_tick(app->migration); /* before serving, carry old keys over */
}

/*
 * A webhook the HTTP guard refused before its body (net/http_conn.c) is
 * still a webhook: counted like one a handler refused.
 */
static void
on_http_reject(void *arg, const char *path, const char *event, int status)
{
    struct gw_app *app = arg;
    const char *source, *result;

    if (path != NULL && strcmp(path, "/webhooks/github") == 0) {
        source = "github";
        event = gw_github_event_used(event) ? event : "other";
    } else if (path != NULL && strcmp(path, "/webhooks/alertmanager") == 0) {
        source = "alertmanager";
        event = "notification";
    } else {
        return;
    }
    result = status == 413 ? "too_large" : status == 503 ? "error" : "invalid";
    gw_count_webhook(&app->telemetry, source, event, result);
}

#define GW_SLACK_EDIT_SPACING_MS 1200

/* Where a canary of service is paged (store/canaries.h gw_canary_routing). */
static void
route_canary(void *ctx, const char *service, char *slack_dest, size_t slack_len, char *key,
             size_t key_len)
{
    struct gw_app *app = ctx;
    gw_routing_canary(&app->routing, service, slack_dest, slack_len, key, key_len);
}

/* Where a ticket's Slack messages go (store/tickets.h gw_ticket_routing). */
static void
route_ticket(void *ctx, const struct gw_ticket *t, char *slack_dest, size_t len)
{
    struct gw_app *app = ctx;
    gw_routing_ticket(&app->routing, t, slack_dest, len);
}

/* The timers' work, each job with only what it uses, and the timers. */
static int
jobs(struct gw_app *app)
{
    const struct gw_config *cfg = app->cfg;
    int buttons = cfg->slack_signing_secret != NULL;
    struct gw_digest_deps digest = {
        app->tickets, app->digests, app->templates, &app->routing,
        {cfg->digest_every, cfg->digest_at_minute, cfg->timezone, cfg->digest_skip_empty,
         cfg->digest_max_tickets, cfg->sla_warn, cfg->sla_crit, cfg->public_url, &app->sla}};
    struct gw_breach_check_deps breaches = {app->redis, app->breaches, app->templates,
                                            &app->routing, buttons};
    struct gw_canary_pages_deps pages = {app->canaries, app->templates, &app->routing,
                                         &app->telemetry, buttons};
    struct gw_retention_deps retention = {app->redis, app->tickets, app->outbox, app->digests,
                                          app->reports, &app->periods, cfg->retention};
    struct gw_report_deps report = {app->reports, app->report_feed, app->templates, &app->routing,
                                    {&app->periods, cfg->report_at, cfg->public_url}};
    struct gw_scheduler_opts when = {cfg->digest_every, cfg->report_every, cfg->check_every};
    struct gw_scheduler_jobs what;

    app->gauges = (struct gw_gauges_deps){app->tickets, app->outbox, app->canaries,
                                          &app->telemetry};
    if ((app->digest_job = gw_digest_job_new(&digest)) == NULL ||
        (app->report_job = gw_report_job_new(&report)) == NULL ||
        (app->breach_check = gw_breach_check_new(&breaches)) == NULL ||
        (app->canary_pages = gw_canary_pages_new(&pages)) == NULL ||
        (app->retention = gw_retention_new(&retention)) == NULL)
        return -1;
    what = (struct gw_scheduler_jobs){app->redis, app->digest_job, app->report_job, app->breach_check,
                                      app->canary_pages, app->retention, &app->gauges,
                                      app->migration, app->delivery};
    app->scheduler = gw_scheduler_new(app->base, &what, &when);
    return app->scheduler != NULL ? 0 : -1;
}

static int
build(struct gw_app *app)
{
    const struct gw_config *cfg = app->cfg;
    struct gw_http_limits limits = {cfg->max_body, cfg->request_timeout, cfg->max_connections,
                                    cfg->header_timeout, cfg->max_inflight_body};
    long http_timeout_ms = (long)cfg->http_timeout * 1000;
    long connect_ms = http_timeout_ms < 5000 ? http_timeout_ms : 5000;
    struct gw_redis_config redis = {&cfg->redis, cfg->redis_timeout * 1000, GW_KEY_PROBE, NULL,
                                    cfg->redis_min_replicas};
    struct gw_canary_routing canary_routing = {cfg->slack_bot_token != NULL, route_canary, app};
    struct gw_ticket_routing ticket_routing = {cfg->slack_bot_token != NULL, route_ticket, app};

    if ((app->registry = gw_metrics_new()) == NULL ||
        gw_telemetry_init(&app->telemetry, app->registry) != 0)
        return -1;
    redis.errors = app->telemetry.redis_errors;
    if ((app->http = gw_http_new(app->base, &limits, app->registry)) == NULL ||
        (app->redis = gw_redis_new(app->base, &redis, on_redis_state, app)) == NULL ||
        (app->client = gw_http_client_new(app->base, connect_ms, http_timeout_ms)) == NULL ||
        (app->tickets = gw_tickets_new(app->redis, cfg->retention, &ticket_routing,
                                       &app->periods)) == NULL ||
        (app->canaries = gw_canaries_new(app->redis, &canary_routing)) == NULL ||
        (app->digests = gw_digests_new(app->redis, &gw_digests_of_digests)) == NULL ||
        (app->reports = gw_reports_new(app->redis, &app->periods)) == NULL ||
        (app->report_feed = gw_digests_new(app->redis, &gw_digests_of_reports)) == NULL ||
        (app->breaches = gw_breaches_new(app->redis)) == NULL ||
        (app->outbox = gw_outbox_new(app->redis)) == NULL ||
        (app->migration = gw_migration_new(app->redis, cfg->redis.kind != GW_REDIS_CLUSTER)) == NULL)
        return -1;

    if (cfg->slack_bot_token != NULL) {
        size_t n = strlen(cfg->slack_api_url) + sizeof("/chat.postMessage");
        if ((app->slack_post_url = malloc(n)) == NULL ||
            (app->slack_update_url = malloc(n)) == NULL)
            return -1;
        snprintf(app->slack_post_url, n, "%s/chat.postMessage", cfg->slack_api_url);
        snprintf(app->slack_update_url, n, "%s/chat.update", cfg->slack_api_url);
    }
    struct gw_delivery_config dcfg = {
        /* Slack: ~1 message/s (per webhook, and per channel in Web API mode); edits
         * (chat.update, Tier 3: 50 a minute per workspace) 1.2 s apart over every channel */
        .routes = {{GW_DEST_SLACK,
                    cfg->slack_bot_token != NULL ? app->slack_post_url : cfg->slack_webhook_url,
                    1000, cfg->slack_bot_token, cfg->slack_channel, app->slack_update_url,
                    cfg->slack_bot_token != NULL ? GW_SLACK_EDIT_SPACING_MS : 0},
                   /* a routes file may hold the keys: pager messages carry theirs */
                   {GW_DEST_PAGER,
                    cfg->pager_routing_key || app->routing.routes ? cfg->pager_url : NULL,
                    500, NULL, NULL, NULL, 0}},                  /* PagerDuty: 120/min */
        .nroutes = 2,
        .dry_run = cfg->dry_run,
        .retry = {cfg->outbox_max_attempts, 1000, 300000},
        .lease_ms = http_timeout_ms + 10000,
        .templates = app->templates,
        .public_url = cfg->public_url,
    };
    app->delivery = gw_delivery_new(app->redis, app->outbox, app->client, &dcfg, &app->telemetry);
    return app->delivery != NULL ? jobs(app) : -1;
}

/* POST /-/reload (handlers.h gw_health_handler). */
static int
reload(void *ctx, char *err, size_t errlen)
{
    return gw_app_reload(ctx, err, errlen);
}

static void
routes(struct gw_app *app)
{
    const struct gw_config *cfg = app->cfg;

    struct gw_webhook_opts webhook_opts = {
        .github_secrets = &cfg->github_secrets,
        .github = {&app->sla, cfg->default_severity, &cfg->ticket_labels},
        .canary_environments = &cfg->canary_environments,
        .canary_budget = cfg->canary_budget,
        .alertmanager_token = cfg->alertmanager_token,
        .alertmanager_secret = &app->alertmanager_secret,
        .alert = {&app->sla, cfg->default_severity},
        .slack_signing_secret = cfg->slack_signing_secret,
        .delivery_ttl = cfg->delivery_ttl,
    };

    app->alertmanager_secret_item = cfg->alertmanager_secret;
    app->alertmanager_secret = (struct gw_strlist){&app->alertmanager_secret_item,
                                                   cfg->alertmanager_secret != NULL};
    app->health = (struct gw_health_handler){app->http, app->redis, app->migration,
                                             cfg->admin_token, reload, app, &app->digest};
    app->metrics = (struct gw_metrics_handler){app->registry, app->start_time};
    app->webhooks = (struct gw_webhook_handler){webhook_opts, app->tickets, app->canaries,
                                                &app->telemetry};
    app->api = (struct gw_api_handler){cfg->admin_token, cfg->canary_budget, cfg->delivery_ttl,
                                       app->tickets, app->canaries, app->outbox, app->digest_job,
                                       &app->routing, &app->sla, app->templates};
    app->feeds = (struct gw_feeds_handler){cfg->feed_token, cfg->public_url, app->tickets,
                                           app->digests, app->report_feed, app->templates,
                                           &app->routing, &app->digest, app->start_time};
    int64_t keep = 26 * gw_period_length(&app->periods);
    app->reports_api = (struct gw_reports_handler){
        cfg->admin_token, cfg->feed_token, app->reports, &app->periods, gw_tz_name(cfg->timezone),
        cfg->retention <= 0 ? INT64_MAX / 4 : cfg->retention > keep ? cfg->retention : keep,
        &app->routing};
    gw_http_on_reject(app->http, on_http_reject, app);
    gw_health_register(app->http, &app->health);
    gw_metrics_register(app->http, &app->metrics);
    gw_github_register(app->http, &app->webhooks);
    gw_alertmanager_register(app->http, &app->webhooks);
    gw_slack_register(app->http, &app->webhooks);
    gw_tickets_api_register(app->http, &app->api);
    gw_timeline_api_register(app->http, &app->api);
    gw_outbox_api_register(app->http, &app->api);
    gw_canaries_api_register(app->http, &app->api);
    gw_feeds_register(app->http, &app->feeds);
    gw_reports_register(app->http, &app->reports_api);
    if (cfg->github_secrets.n > 0)
        gw_telemetry_webhook_source(&app->telemetry, "github");
    if (cfg->alertmanager_token != NULL || cfg->alertmanager_secret != NULL)
        gw_telemetry_webhook_source(&app->telemetry, "alertmanager");
    if (cfg->slack_signing_secret != NULL)
        gw_telemetry_webhook_source(&app->telemetry, "slack");
}

/* What is loaded now: app->digest and kaizen_config_info. */
static void
set_digest(struct gw_app *app)
{
    const char *labels[2];

    gw_config_digest(app->cfg, app->templates, &app->digest);
    labels[0] = app->digest.templates;
    labels[1] = app->digest.routes;
    gw_metric_clear(app->telemetry.config_info);
    gw_metric_set(app->telemetry.config_info, labels, 1);
}

int
gw_app_init(struct gw_app *app, struct event_base *base, const struct gw_config *cfg,
            struct gw_templates *templates, struct gw_routes *route_table)
{
    memset(app, 0, sizeof(*app));
    app->base = base;
    app->cfg = cfg;
    app->templates = templates;
    app->routing = (struct gw_routing){cfg->slack_bot_token != NULL, cfg->pager_routing_key,
                                       route_table};
    app->sla = (struct gw_sla_policy){&cfg->sla, cfg->sla_business, &cfg->calendar, route_table};
    app->start_time = (double)gw_now();
    app->periods = (struct gw_periods){cfg->report_every, cfg->timezone};
    if (build(app) != 0) {
        gw_log(GW_LOG_ERROR, "out of memory starting up", NULL);
        return -1;
    }
    /* The start-up load counts as the first successful one, as in Prometheus. */
    gw_metric_set(app->telemetry.reload_ok, NULL, 1);
    gw_metric_set(app->telemetry.reload_time, NULL, app->start_time);
    set_digest(app);
    routes(app);
    return 0;
}

int
gw_app_reload(struct gw_app *app, char *err, size_t errlen)
{
    struct gw_templates *templates = gw_load_templates(app->cfg, err, errlen);
    struct gw_routes *routes = NULL;
    int ok = templates != NULL && gw_load_routes(app->cfg, &routes, err, errlen) == 0;

    /* A file given at start-up cannot go away, nor one appear (KAIZEN_* are not re-read). */
    if (ok && (routes == NULL) != (app->routing.routes == NULL)) {
        snprintf(err, errlen, "KAIZEN_ROUTES_FILE: cannot be added or removed by a reload");
        ok = 0;
    }
    gw_metric_set(app->telemetry.reload_ok, NULL, ok);
    if (ok) {
        /* The swap: every module holds these two objects, so all of them see the new
         * contents from the next event on. The old contents are freed with the husks. */
        gw_templates_swap(app->templates, templates);
        if (routes != NULL)
            gw_routes_swap(app->routing.routes, routes);
        gw_metric_set(app->telemetry.reload_time, NULL, (double)gw_now());
        set_digest(app);
        gw_log(GW_LOG_INFO, "configuration reloaded", "templates", app->cfg->templates_dir,
               "templates_sha256", app->digest.templates, "routes",
               app->cfg->routes_file != NULL ? app->cfg->routes_file : "(none)",
               "routes_sha256", app->digest.routes, NULL);
    } else {
        gw_log(GW_LOG_WARN, "reload failed; the running configuration is kept", "error", err,
               NULL);
    }
    gw_templates_free(templates);
    gw_routes_free(routes);
    return ok ? 0 : -1;
}

int
gw_app_start(struct gw_app *app, int *port)
{
    if (gw_http_listen(app->http, app->cfg->listen_host, app->cfg->listen_port, port) != 0)
        return -1;
    gw_redis_start(app->redis);
    gw_scheduler_start(app->scheduler);
    return 0;
}

void
gw_app_stop(struct gw_app *app, void (*on_drained)(void *), void *arg)
{
    gw_scheduler_stop(app->scheduler);
    gw_http_shutdown(app->http, on_drained, arg);
}

int
gw_app_busy(const struct gw_app *app)
{
    return gw_delivery_inflight(app->delivery) + gw_http_client_inflight(app->client);
}

void
gw_app_free(struct gw_app *app)
{
    /*
     * Order matters: cancelled transfers record a retry through Redis, then
     * Redis fails whatever is still pending (handlers answer 503 on a live
     * server), and only then the owners of those callbacks go away.
     */
    gw_http_client_free(app->client);
    gw_redis_free(app->redis);
    gw_scheduler_free(app->scheduler);
    gw_digest_job_free(app->digest_job);
    gw_report_job_free(app->report_job);
    gw_breach_check_free(app->breach_check);
    gw_canary_pages_free(app->canary_pages);
    gw_retention_free(app->retention);
    gw_delivery_free(app->delivery);
    gw_http_free(app->http);
    gw_tickets_free(app->tickets);
    gw_canaries_free(app->canaries);
    gw_digests_free(app->digests);
    gw_reports_free(app->reports);
    gw_digests_free(app->report_feed);
    gw_breaches_free(app->breaches);
    gw_outbox_free(app->outbox);
    gw_migration_free(app->migration);
    gw_metrics_free(app->registry);
    free(app->slack_post_url);
    free(app->slack_update_url);
    memset(app, 0, sizeof(*app));
}
