/*
 * The endpoint families. Each handler file registers its routes with a
 * context of its own: the configuration, stores and metrics it uses, and
 * nothing else. Contexts are filled by the app (gateway/app/app.c) from the
 * configuration, borrowed by the handlers and outlive the HTTP server.
 */
#ifndef GW_HANDLERS_H
#define GW_HANDLERS_H

#include <stdint.h>

#include "gateway/core/alertmanager.h"
#include "gateway/core/github.h"
#include "gateway/core/hmac.h"
#include "gateway/core/strlist.h"
#include "gateway/core/ticket.h"
#include "gateway/net/http.h"
#include "gateway/net/redis.h"

struct gw_canaries;
struct gw_digests;
struct gw_metrics;
struct gw_migration;
struct gw_outbox;
struct gw_digest_job;
struct gw_ticket_list;
struct gw_telemetry;
struct gw_routing;
struct gw_sla_policy;
struct gw_templates;
struct gw_tickets;

/*
 * What was loaded, as hashes an operator can compute from the files
 * (gw_templates_digest; routes: `sha256sum FILE | cut -c1-16`): the answer
 * of POST /-/reload and kaizen_config_info, so that a reload can be checked
 * against the ConfigMap it was meant to pick up. Filled by the app.
 */
struct gw_config_digest {
    char templates[GW_DIGEST_LEN];
    char routes[GW_DIGEST_LEN];     /* "" without a routes file */
};

/* GET /healthz, GET /readyz */
/* ... and GET /-/healthy, /-/ready (the Prometheus tools' names), POST /-/reload (admin) */
struct gw_health_handler {
    struct gw_http *http;
    struct gw_redis *redis;
    struct gw_migration *migration;   /* ready once old keys are carried over */
    const char *admin_token;          /* KAIZEN_ADMIN_TOKEN (NULL: loopback only) */
    int (*reload)(void *ctx, char *err, size_t errlen);   /* 0, or -1 with the reason */
    void *ctx;
    const struct gw_config_digest *digest;   /* what is loaded, after a reload */
};
void gw_health_register(struct gw_http *http, struct gw_health_handler *h);

/* GET /metrics */
struct gw_metrics_handler {
    struct gw_metrics *registry;
    double start_time;
};
void gw_metrics_register(struct gw_http *http, struct gw_metrics_handler *h);

/* POST /webhooks/github, /webhooks/alertmanager and /webhooks/slack */
struct gw_webhook_opts {
    const struct gw_strlist *github_secrets;   /* empty: /webhooks/github answers 404 */
    struct gw_github_opts github;               /* SLA, default severity, ticket labels */
    const struct gw_strlist *canary_environments;
    int64_t canary_budget;                      /* seconds */
    const char *alertmanager_token;             /* both unset: /webhooks/alertmanager 404 */
    const struct gw_strlist *alertmanager_secret;   /* empty, or the one HMAC secret */
    struct gw_alert_opts alert;
    const char *slack_signing_secret;           /* NULL: /webhooks/slack answers 404 */
    int64_t delivery_ttl;                       /* how long a delivery id is remembered */
};
struct gw_webhook_handler {
    struct gw_webhook_opts opts;
    struct gw_tickets *tickets;
    struct gw_canaries *canaries;
    struct gw_telemetry *telemetry;
};
void gw_github_register(struct gw_http *http, struct gw_webhook_handler *h);
void gw_alertmanager_register(struct gw_http *http, struct gw_webhook_handler *h);
/* POST /webhooks/slack (Slack interactivity: the Acknowledge button) */
void gw_slack_register(struct gw_http *http, struct gw_webhook_handler *h);

/* GET /api/tickets, GET /api/timeline, GET /api/outbox, POST /api/digest, /api/canaries */
struct gw_api_handler {
    const char *admin_token;            /* KAIZEN_ADMIN_TOKEN (NULL: loopback only) */
    int64_t canary_budget;              /* a started canary's default budget, seconds */
    int64_t delivery_ttl;
    struct gw_tickets *tickets;
    struct gw_canaries *canaries;
    struct gw_outbox *outbox;
    struct gw_digest_job *digest;       /* POST /api/digest */
    const struct gw_routing *routing;   /* a ticket's "route" */
    const struct gw_sla_policy *sla;    /* a ticket's "sla_clock" */
    const struct gw_templates *templates;   /* the postmortem draft */
};
void gw_tickets_api_register(struct gw_http *http, struct gw_api_handler *h);
/* GET /api/timeline */
void gw_timeline_api_register(struct gw_http *http, struct gw_api_handler *h);
void gw_outbox_api_register(struct gw_http *http, struct gw_api_handler *h);
void gw_canaries_api_register(struct gw_http *http, struct gw_api_handler *h);

/* GET /feeds/tickets.rss, /feeds/digests.rss and /feeds/reports.rss */
struct gw_feeds_handler {
    const char *feed_token;             /* KAIZEN_FEED_TOKEN (NULL: open) */
    const char *public_url;             /* links, without a trailing '/' */
    struct gw_tickets *tickets;
    struct gw_digests *digests;
    struct gw_digests *reports;         /* the weekly reports' records (store/reports.h) */
    const struct gw_templates *templates;
    const struct gw_routing *routing;          /* ?route= */
    const struct gw_config_digest *loaded;     /* a reload of the routes changes ?route= feeds */
    double start_time;
};
void gw_feeds_register(struct gw_http *http, struct gw_feeds_handler *h);

/* GET /api/reports/weekly (admin) and GET /reports/weekly (feed token if set) */
struct gw_periods;
struct gw_reports;
struct gw_reports_handler {
    const char *admin_token;
    const char *feed_token;
    struct gw_reports *reports;
    const struct gw_periods *periods;
    const char *timezone;               /* KAIZEN_TIMEZONE's name */
    int64_t keep;                       /* how long weeks are kept: max(26 weeks, KAIZEN_RETENTION) */
    const struct gw_routing *routing;   /* ?route= */
};
void gw_reports_register(struct gw_http *http, struct gw_reports_handler *h);

/* --- shared by the handlers (handlers/common.c) ---------------------------- */

/* 1 if an Authorization header value (may be NULL) is "Bearer <token>" (constant time). */
int gw_bearer_ok(const char *authorization, const char *token);

/*
 * The admin rule for /api/ routes: with KAIZEN_ADMIN_TOKEN set, "Authorization:
 * Bearer <token>" is required (401 otherwise); without it only loopback
 * clients are served (403 otherwise). Returns 1 if the request may proceed;
 * else it has already been answered.
 */
int gw_admin_ok(const char *admin_token, struct gw_request *req);

/*
 * The feed rule (the feeds and the report page): with KAIZEN_FEED_TOKEN set, ?token=
 * or "Authorization: Bearer" must carry it (401 otherwise). Returns 1 if the
 * request may proceed; else it has already been answered.
 */
int gw_feed_ok(const char *feed_token, struct gw_request *req);

/* Ends a webhook request, counted in kaizen_webhooks_total as result:
 * {"error": error} when error is set, else {"status": result}. */
void gw_webhook_reply(struct gw_telemetry *t, struct gw_request *req, const char *source,
                      const char *event, int code, const char *result, const char *error);

/*
 * Answers 503 for a Redis failure (net/redis.c logs and counts it). what
 * (NULL for reads) says what did not happen, e.g. "nothing was recorded,
 * retry"; when a write was sent but no reply came, the answer is "outcome
 * unknown; redelivery is safe" instead. Every handler reports Redis errors
 * this way.
 */
void gw_reply_redis_error(struct gw_request *req, const struct gw_redis_error *err,
                          const char *what);

/* What /api/tickets and the tickets feed list; the filter points into q and the request. */
struct gw_ticket_query {
    struct gw_ticket_filter filter;
    const char *route;            /* only tickets this route takes now; NULL: any */
    long want;                    /* with route: how many to answer (filter.limit is what is read) */
    char cursor[1024];            /* the decoded page cursor */
};

#define GW_FEED_ITEMS 200        /* the tickets feed: the newest 200 */
/* With a route filter, the most tickets one request reads to find its page. */
#define GW_ROUTE_SCAN 1000
/* The longest component filter, in bytes: a longer one is refused, never cut. */
#define GW_COMPONENT_FILTER_MAX 255

/*
 * Fills q from the query string: component, severity, state, route (checked
 * against routes), and when paged, limit (1..1000, default 100) and cursor;
 * else the first GW_FEED_ITEMS. Returns a reason for a 400, or NULL.
 */
const char *gw_ticket_query_parse(struct gw_request *req, const struct gw_routing *routing,
                                  struct gw_ticket_query *q, int paged);

/*
 * With q->route: keeps in page the tickets that route takes now, at most
 * q->want, in order (in place; returns how many). *cursor (bytes,
 * *cursor_len) is where the next page starts: after the last ticket kept
 * when the page filled up, else where the read ended (NULL: the end).
 * buf (GW_TICKET_CURSOR_MAX bytes) holds a cursor built here.
 */
size_t gw_ticket_route_filter(const struct gw_ticket_query *q, const struct gw_routing *routing,
                              const struct gw_ticket_list *page, struct gw_ticket *kept,
                              const char **cursor, size_t *cursor_len, char *buf);

/*
 * The filters of q in one form, "c=<component>&s=<severity>&st=<state>&r=<route>&rv=<routes>"
 * (routes: the digest of the routes loaded, with a route filter only, since
 * a reload changes what the route takes): what tells the tickets feed's
 * filtered ETags apart. 0, or -1 when out cannot hold it whole (1024 bytes
 * always can).
 */
int gw_ticket_query_key(const struct gw_ticket_query *q, const char *routes, char *out,
                        size_t len);

/* A page cursor as the opaque text clients pass back (hex); malloc'd, NULL on OOM. */
char *gw_cursor_encode(const char *raw, size_t len);

#endif
