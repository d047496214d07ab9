/*
 * Configuration from the environment, read through one table (config.c,
 * `gw_options`): each variable's name, type, default, whether it is a
 * secret (then KAIZEN_X_FILE works too) and one line of help. The same
 * table loads the configuration, prints --help and writes the configuration
 * reference (docs/configuration.md), so the three cannot disagree.
 *
 * Only gateway/app/ sees struct gw_config: the app hands every module its
 * own small options struct. Loading is pure with respect to the lookup
 * function, so tests pass their own environment.
 */
#ifndef GW_CONFIG_H
#define GW_CONFIG_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "gateway/core/calendar.h"
#include "gateway/core/strlist.h"
#include "gateway/core/ticket.h"
#include "gateway/net/redis.h"

struct gw_config {
    /* HTTP server */
    char *listen_host;
    int listen_port;
    int64_t max_body;
    int64_t request_timeout;   /* headers + body deadline, idle keep-alive */
    int64_t header_timeout;    /* request line + headers deadline */
    int max_connections;
    int64_t max_inflight_body; /* bytes of bodies held at once */
    /* Redis */
    struct gw_redis_target redis;   /* with the users, passwords and TLS files */
    char *redis_username;      /* KAIZEN_REDIS_USERNAME/PASSWORD, until they override the URL's */
    char *redis_password;
    int64_t redis_timeout;     /* seconds: connect and command timeout */
    int redis_min_replicas;    /* replicas an acknowledged write is on */
    /* sources and access */
    struct gw_strlist github_secrets;
    char *alertmanager_token;
    char *alertmanager_secret;
    char *admin_token;
    char *feed_token;
    int64_t delivery_ttl;
    /* tickets and SLA */
    struct gw_sla sla;
    enum gw_severity default_severity;
    int64_t sla_warn;
    int64_t sla_crit;
    struct gw_strlist ticket_labels;       /* empty: every issue is a ticket */
    int64_t check_every;
    int64_t retention;
    /* canaries */
    struct gw_strlist canary_environments; /* glob patterns */
    int64_t canary_budget;
    /* time: the zone users read time in, business hours, the weekly report */
    struct gw_tz *timezone;     /* KAIZEN_TIMEZONE (owned) */
    int sla_business[GW_SEV_COUNT];   /* KAIZEN_SLA_CLOCK: 1 = business hours, 0 = 24x7 */
    struct gw_calendar calendar;      /* KAIZEN_BUSINESS_HOURS, KAIZEN_HOLIDAYS, in timezone */
    int report_at;              /* KAIZEN_REPORT_AT: minutes after Monday 00:00, -1 = off */
    int64_t report_every;       /* KAIZEN_REPORT_EVERY, seconds; 0 = weekly at report_at */
    /* digests */
    int digest_at_minute;       /* minutes after local 00:00 in timezone */
    int64_t digest_every;       /* seconds; 0 = use digest_at_minute */
    int digest_skip_empty;
    int digest_max_tickets;
    char *public_url;
    /* Slack */
    char *slack_webhook_url;
    char *slack_bot_token;      /* Web API mode */
    char *slack_channel;
    char *slack_api_url;        /* without a trailing '/' */
    char *slack_signing_secret; /* POST /webhooks/slack, buttons */
    char *routes_file;
    /* PagerDuty and delivery */
    char *pager_url;
    char *pager_routing_key;
    int dry_run;
    int64_t http_timeout;       /* seconds: total time of one outgoing request */
    int outbox_max_attempts;    /* then the dead letters */
    /* files and logs */
    char *templates_dir;
    int log_level;              /* enum gw_log_level */
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

/*
 * The KAIZEN_* names in env ("NAME=value" strings, NULL-terminated) that
 * are no variable of the table (nor a secret's NAME_FILE): typos. fn is
 * called for each with the known name closest to it (NULL when none is
 * close). Returns how many there are.
 */
typedef void (*gw_unknown_fn)(const char *name, const char *closest, void *arg);
size_t gw_config_unknown(char *const *env, gw_unknown_fn fn, void *arg);

/*
 * --check-config: every variable with its effective value (the default
 * when unset; what the value works out to where one depends on another),
 * secrets as "(set)", the Redis URL without its password.
 */
void gw_config_print_effective(const struct gw_config *cfg, FILE *out);

/* --help: every variable with its default and one line, in table order. */
void gw_config_print_help(FILE *out);

/* docs/configuration.md, generated from the table (kaizen-gateway --help-markdown). */
void gw_config_print_reference(FILE *out);

/* The man page's ENVIRONMENT entries (roff), from the same table. */
void gw_config_print_man(FILE *out);

#endif
