/*
 * Configuration from the environment (SPEC "Running"). Loading is pure with
 * respect to the lookup function, so tests pass their own environment.
 */
#ifndef GW_CONFIG_H
#define GW_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#include "gateway/core/strlist.h"
#include "gateway/net/redis.h"
#include "gateway/core/ticket.h"

struct gw_config {
    char *listen_host;
    int listen_port;
    struct gw_redis_target redis;
    struct gw_strlist github_secrets;
    char *alertmanager_token;
    char *alertmanager_secret;
    char *admin_token;
    char *feed_token;
    char *slack_webhook_url;
    char *slack_bot_token;     /* KAIZEN_SLACK_BOT_TOKEN: Web API mode */
    char *slack_channel;       /* KAIZEN_SLACK_CHANNEL */
    char *slack_signing_secret; /* KAIZEN_SLACK_SIGNING_SECRET: POST /webhooks/slack, buttons */
    char *slack_api_url;       /* KAIZEN_SLACK_API_URL, without a trailing '/' */
    char *routes_file;         /* KAIZEN_ROUTES_FILE (loaded by main: core/routes.h) */
    char *pager_url;
    char *pager_routing_key;
    int dry_run;
    char *public_url;
    int digest_at_minute;       /* minutes after 00:00 UTC */
    int64_t digest_every;       /* seconds; 0 = use digest_at_minute */
    int digest_skip_empty;
    long digest_max_tickets;    /* KAIZEN_DIGEST_MAX_TICKETS */
    int64_t retention;          /* KAIZEN_RETENTION, seconds */
    struct gw_sla sla;
    enum gw_severity default_severity;
    int64_t sla_warn;
    int64_t sla_crit;
    struct gw_strlist ticket_labels;       /* empty: every issue is a ticket */
    struct gw_strlist canary_environments; /* glob patterns */
    int64_t canary_budget;
    int64_t check_every;
    char *templates_dir;
    int64_t max_body;
    int64_t delivery_ttl;
    int log_level;                         /* enum gw_log_level */
    /* Operational limits (not in SPEC's table; documented in README). */
    int64_t request_timeout;   /* KAIZEN_REQUEST_TIMEOUT: headers+body deadline, idle keep-alive */
    int max_connections;       /* KAIZEN_MAX_CONNECTIONS */
    int64_t header_timeout;    /* KAIZEN_HEADER_TIMEOUT: request line + headers deadline */
    int64_t max_inflight_body; /* KAIZEN_MAX_INFLIGHT_BODY: bytes of bodies held at once */
    int64_t redis_timeout_ms;  /* KAIZEN_REDIS_TIMEOUT: connect and command timeout */
    int redis_min_replicas;    /* KAIZEN_REDIS_MIN_REPLICAS: replicas an acknowledged write is on */
    int64_t http_timeout_ms;   /* KAIZEN_HTTP_TIMEOUT: total time of one outgoing request */
    int outbox_max_attempts;   /* KAIZEN_OUTBOX_MAX_ATTEMPTS: then the dead letters */
};

typedef const char *(*gw_getenv_fn)(const char *name);

/*
 * Fills cfg from the environment seen through getenv_fn. On error returns -1
 * and writes one line "KAIZEN_X: what is wrong" into err. cfg must be
 * released with gw_config_free() in both cases.
 */
int gw_config_load(struct gw_config *cfg, gw_getenv_fn getenv_fn, char *err, size_t errlen);
void gw_config_free(struct gw_config *cfg);

/* Parses "critical=4h,high=24h,...". Missing severities keep their value in sla. */
int gw_sla_parse(const char *s, struct gw_sla *sla, char *err, size_t errlen);

#endif
