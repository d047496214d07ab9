#include "gateway/config.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "gateway/util/log.h"
#include "gateway/util/parse.h"
#include "gateway/core/dates.h"

#ifndef KAIZEN_TEMPLATES_DEFAULT
#define KAIZEN_TEMPLATES_DEFAULT "templates"
#endif


static char *
dup_or_null(const char *s)
{
    return s != NULL ? strdup(s) : NULL;
}


int
gw_sla_parse(const char *s, struct gw_sla *sla, char *err, size_t errlen)
{
    struct gw_strlist parts;
    int rc = 0;

    if (gw_strlist_split(s, &parts) != 0)
        return gw_fail(err, errlen, "out of memory");
    if (parts.n == 0)
        rc = gw_fail(err, errlen, "empty SLA list");
    for (size_t i = 0; rc == 0 && i < parts.n; i++) {
        char *eq = strchr(parts.items[i], '=');
        int64_t secs;
        enum gw_severity sev;
        if (eq == NULL) {
            rc = gw_fail(err, errlen, "'%s' is not severity=duration", parts.items[i]);
            break;
        }
        *eq = '\0';
        sev = gw_severity_parse(parts.items[i]);
        if (sev == GW_SEV_NONE) {
            rc = gw_fail(err, errlen, "unknown severity '%s' (critical, high, medium, low)",
                      parts.items[i]);
        } else if (gw_duration_parse(eq + 1, &secs) != 0 || secs <= 0) {
            rc = gw_fail(err, errlen, "bad duration '%s' for %s", eq + 1, parts.items[i]);
        } else {
            sla->seconds[sev] = secs;
        }
    }
    gw_strlist_free(&parts);
    return rc;
}

/* --- loading ------------------------------------------------------------ */

struct loader {
    gw_getenv_fn getenv_fn;
    char *err;
    size_t errlen;
};

/* An empty variable counts as unset. */
static const char *
env(struct loader *l, const char *name)
{
    const char *v = l->getenv_fn(name);
    return v != NULL && v[0] != '\0' ? v : NULL;
}

/*
 * A secret: KAIZEN_X or KAIZEN_X_FILE (path; one trailing newline stripped).
 * Returns 0 with *out = NULL when neither is set.
 */
static int
secret(struct loader *l, const char *name, char **out)
{
    char file_var[128];
    const char *value = env(l, name), *path;

    *out = NULL;
    snprintf(file_var, sizeof(file_var), "%s_FILE", name);
    path = env(l, file_var);
    if (value != NULL && path != NULL)
        return gw_fail(l->err, l->errlen, "%s: set only one of %s and %s", name, name, file_var);
    if (path == NULL) {
        *out = dup_or_null(value);
        return 0;
    }
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return gw_fail(l->err, l->errlen, "%s: cannot read %s: %s", file_var, path, strerror(errno));
    char buf[8192];
    size_t n = fread(buf, 1, sizeof(buf) - 1, f);
    int too_long = !feof(f);
    fclose(f);
    if (too_long)
        return gw_fail(l->err, l->errlen, "%s: file is larger than 8 KiB", file_var);
    buf[n] = '\0';
    if (n > 0 && buf[n - 1] == '\n')
        buf[--n] = '\0';
    if (n > 0 && buf[n - 1] == '\r')
        buf[--n] = '\0';
    if (n == 0 || strlen(buf) != n)
        return gw_fail(l->err, l->errlen, "%s: file %s is empty or holds a NUL byte", file_var, path);
    *out = strdup(buf);
    return 0;
}

static int
duration(struct loader *l, const char *name, const char *def, int64_t min, int64_t *out)
{
    const char *v = env(l, name);
    if (v == NULL)
        v = def;
    if (gw_duration_parse(v, out) != 0)
        return gw_fail(l->err, l->errlen,
                    "%s: '%s' is not a duration (e.g. 90s, 15m, 2h, 3d or seconds)", name, v);
    if (*out < min)
        return gw_fail(l->err, l->errlen, "%s: must be at least %llds", name, (long long)min);
    return 0;
}

static int
boolean(struct loader *l, const char *name, int def, int *out)
{
    const char *v = env(l, name);
    *out = def;
    if (v == NULL)
        return 0;
    if (strcmp(v, "1") == 0 || strcasecmp(v, "true") == 0 || strcasecmp(v, "yes") == 0)
        *out = 1;
    else if (strcmp(v, "0") == 0 || strcasecmp(v, "false") == 0 || strcasecmp(v, "no") == 0)
        *out = 0;
    else
        return gw_fail(l->err, l->errlen, "%s: '%s' is not a boolean (1 or 0)", name, v);
    return 0;
}

static int
url(struct loader *l, const char *name, const char *value)
{
    if (value != NULL && strncmp(value, "http://", 7) != 0 && strncmp(value, "https://", 8) != 0)
        return gw_fail(l->err, l->errlen, "%s: must be an http:// or https:// URL", name);
    return 0;
}

static int
load(struct gw_config *c, struct loader *l)
{
    const char *v;
    long n;

    /* KAIZEN_LISTEN */
    v = env(l, "KAIZEN_LISTEN");
    if (v == NULL)
        v = "0.0.0.0:8080";
    const char *colon = strrchr(v, ':');
    if (colon == NULL || colon == v || gw_parse_long(colon + 1, 0, 65535, &n) != 0)
        return gw_fail(l->err, l->errlen, "KAIZEN_LISTEN: '%s' is not address:port", v);
    c->listen_port = (int)n;
    if (v[0] == '[' && colon[-1] == ']')
        c->listen_host = strndup(v + 1, (size_t)(colon - v - 2));
    else
        c->listen_host = strndup(v, (size_t)(colon - v));

    /* KAIZEN_REDIS_URL (may hold a password, so _FILE is accepted) */
    char *redis_url = NULL, reason[200];
    if (secret(l, "KAIZEN_REDIS_URL", &redis_url) != 0)
        return -1;
    int rc = gw_redis_url_parse(redis_url != NULL ? redis_url : "redis://127.0.0.1:6379/0",
                                &c->redis, reason, sizeof(reason));
    free(redis_url);
    if (rc != 0)
        return gw_fail(l->err, l->errlen, "KAIZEN_REDIS_URL: %s", reason);
    if (secret(l, "KAIZEN_REDIS_SENTINEL_PASSWORD", &c->redis.sentinel_password) != 0)
        return -1;

    char *github = NULL;
    if (secret(l, "KAIZEN_GITHUB_SECRET", &github) != 0)
        return -1;
    if (gw_strlist_split(github, &c->github_secrets) != 0) {
        free(github);
        return gw_fail(l->err, l->errlen, "out of memory");
    }
    /* Set but with no secret in it (",,", " "): a typo, not "GitHub off". */
    if (github != NULL && c->github_secrets.n == 0) {
        free(github);
        return gw_fail(l->err, l->errlen,
                       "KAIZEN_GITHUB_SECRET: no secret in the list (unset it to turn GitHub off)");
    }
    free(github);
    if (secret(l, "KAIZEN_ALERTMANAGER_TOKEN", &c->alertmanager_token) != 0 ||
        secret(l, "KAIZEN_ALERTMANAGER_SECRET", &c->alertmanager_secret) != 0 ||
        secret(l, "KAIZEN_ADMIN_TOKEN", &c->admin_token) != 0 ||
        secret(l, "KAIZEN_FEED_TOKEN", &c->feed_token) != 0 ||
        secret(l, "KAIZEN_SLACK_WEBHOOK_URL", &c->slack_webhook_url) != 0 ||
        secret(l, "KAIZEN_SLACK_BOT_TOKEN", &c->slack_bot_token) != 0 ||
        secret(l, "KAIZEN_SLACK_SIGNING_SECRET", &c->slack_signing_secret) != 0 ||
        secret(l, "KAIZEN_PAGER_ROUTING_KEY", &c->pager_routing_key) != 0)
        return -1;
    if (url(l, "KAIZEN_SLACK_WEBHOOK_URL", c->slack_webhook_url) != 0)
        return -1;
    v = env(l, "KAIZEN_SLACK_API_URL");
    c->slack_api_url = strdup(v != NULL ? v : "https://slack.com/api");
    if (url(l, "KAIZEN_SLACK_API_URL", c->slack_api_url) != 0)
        return -1;
    for (size_t e = strlen(c->slack_api_url); e > 0 && c->slack_api_url[e - 1] == '/'; e--)
        c->slack_api_url[e - 1] = '\0';
    v = env(l, "KAIZEN_SLACK_CHANNEL");
    c->slack_channel = v != NULL ? strdup(v) : NULL;
    v = env(l, "KAIZEN_ROUTES_FILE");
    c->routes_file = v != NULL ? strdup(v) : NULL;
    /* Without routes the bot posts to one channel (with routes: their default's). */
    if (c->slack_bot_token != NULL && c->slack_channel == NULL && c->routes_file == NULL)
        return gw_fail(l->err, l->errlen,
                       "KAIZEN_SLACK_CHANNEL: required with KAIZEN_SLACK_BOT_TOKEN (the channel "
                       "to post to) unless KAIZEN_ROUTES_FILE names the default's");
    if (c->slack_bot_token != NULL && c->slack_webhook_url != NULL)
        return gw_fail(l->err, l->errlen,
                       "KAIZEN_SLACK_BOT_TOKEN: set it or KAIZEN_SLACK_WEBHOOK_URL, not both");

    v = env(l, "KAIZEN_PAGER_URL");
    c->pager_url = strdup(v != NULL ? v : "https://events.pagerduty.com/v2/enqueue");
    if (url(l, "KAIZEN_PAGER_URL", c->pager_url) != 0)
        return -1;
    if (boolean(l, "KAIZEN_DRY_RUN", 0, &c->dry_run) != 0)
        return -1;
    v = env(l, "KAIZEN_PUBLIC_URL");
    c->public_url = strdup(v != NULL ? v : "http://127.0.0.1:8080");
    if (url(l, "KAIZEN_PUBLIC_URL", c->public_url) != 0)
        return -1;
    size_t plen = strlen(c->public_url);
    while (plen > 0 && c->public_url[plen - 1] == '/')
        c->public_url[--plen] = '\0';

    v = env(l, "KAIZEN_DIGEST_AT");
    if (v == NULL)
        v = "09:00";
    int hh, mm;
    char tail;
    if (strlen(v) != 5 || sscanf(v, "%2d:%2d%c", &hh, &mm, &tail) != 2 || hh < 0 || hh > 23 ||
        mm < 0 || mm > 59 || v[2] != ':')
        return gw_fail(l->err, l->errlen, "KAIZEN_DIGEST_AT: '%s' is not a UTC time HH:MM", v);
    c->digest_at_minute = hh * 60 + mm;
    c->digest_every = 0;
    if (env(l, "KAIZEN_DIGEST_EVERY") != NULL &&
        duration(l, "KAIZEN_DIGEST_EVERY", NULL, 1, &c->digest_every) != 0)
        return -1;
    if (boolean(l, "KAIZEN_DIGEST_SKIP_EMPTY", 1, &c->digest_skip_empty) != 0)
        return -1;
    v = env(l, "KAIZEN_DIGEST_MAX_TICKETS");
    if (gw_parse_long(v != NULL ? v : "500", 1, 10000, &n) != 0)
        return gw_fail(l->err, l->errlen, "KAIZEN_DIGEST_MAX_TICKETS: '%s' is not a number 1..10000",
                       v);
    c->digest_max_tickets = n;
    if (duration(l, "KAIZEN_RETENTION", "30d", 3600, &c->retention) != 0)
        return -1;

    c->sla.seconds[GW_SEV_CRITICAL] = 4 * 3600;
    c->sla.seconds[GW_SEV_HIGH] = 24 * 3600;
    c->sla.seconds[GW_SEV_MEDIUM] = 72 * 3600;
    c->sla.seconds[GW_SEV_LOW] = 168 * 3600;
    v = env(l, "KAIZEN_SLA");
    if (v != NULL && gw_sla_parse(v, &c->sla, reason, sizeof(reason)) != 0)
        return gw_fail(l->err, l->errlen, "KAIZEN_SLA: %s", reason);

    v = env(l, "KAIZEN_DEFAULT_SEVERITY");
    c->default_severity = gw_severity_parse(v != NULL ? v : "medium");
    if (c->default_severity == GW_SEV_NONE)
        return gw_fail(l->err, l->errlen,
                    "KAIZEN_DEFAULT_SEVERITY: '%s' is not critical, high, medium or low", v);

    if (duration(l, "KAIZEN_SLA_WARN", "24h", 0, &c->sla_warn) != 0 ||
        duration(l, "KAIZEN_SLA_CRIT", "8h", 0, &c->sla_crit) != 0)
        return -1;
    if (c->sla_crit > c->sla_warn)
        return gw_fail(l->err, l->errlen, "KAIZEN_SLA_CRIT: must not exceed KAIZEN_SLA_WARN");

    gw_strlist_split(env(l, "KAIZEN_TICKET_LABELS"), &c->ticket_labels);
    v = env(l, "KAIZEN_CANARY_ENVIRONMENTS");
    gw_strlist_split(v != NULL ? v : "*canary*", &c->canary_environments);
    if (c->canary_environments.n == 0)
        return gw_fail(l->err, l->errlen, "KAIZEN_CANARY_ENVIRONMENTS: empty glob list");
    if (duration(l, "KAIZEN_CANARY_BUDGET", "2h", 1, &c->canary_budget) != 0 ||
        duration(l, "KAIZEN_CHECK_EVERY", "30s", 1, &c->check_every) != 0)
        return -1;

    v = env(l, "KAIZEN_TEMPLATES_DIR");
    c->templates_dir = strdup(v != NULL ? v : KAIZEN_TEMPLATES_DEFAULT);

    v = env(l, "KAIZEN_MAX_BODY");
    if (v == NULL)
        v = "5MiB";
    if (gw_size_parse(v, &c->max_body) != 0 || c->max_body < 1 ||
        c->max_body > 1024LL * 1024 * 1024)
        return gw_fail(l->err, l->errlen,
                    "KAIZEN_MAX_BODY: '%s' is not a size between 1 byte and 1GiB (e.g. 5MiB)", v);
    if (duration(l, "KAIZEN_DELIVERY_TTL", "7d", 1, &c->delivery_ttl) != 0)
        return -1;

    v = env(l, "KAIZEN_LOG_LEVEL");
    enum gw_log_level level;
    if (gw_log_level_parse(v != NULL ? v : "info", &level) != 0)
        return gw_fail(l->err, l->errlen, "KAIZEN_LOG_LEVEL: '%s' is not debug, info, warn or error",
                    v);
    c->log_level = level;

    if (duration(l, "KAIZEN_REQUEST_TIMEOUT", "10s", 1, &c->request_timeout) != 0)
        return -1;
    v = env(l, "KAIZEN_MAX_CONNECTIONS");
    if (gw_parse_long(v != NULL ? v : "1024", 1, 65536, &n) != 0)
        return gw_fail(l->err, l->errlen, "KAIZEN_MAX_CONNECTIONS: '%s' is not a number 1..65536", v);
    c->max_connections = (int)n;
    /* Default 5 s, or the request deadline when that is shorter. */
    int header_set = env(l, "KAIZEN_HEADER_TIMEOUT") != NULL;
    if (duration(l, "KAIZEN_HEADER_TIMEOUT", "5s", 1, &c->header_timeout) != 0)
        return -1;
    if (!header_set && c->header_timeout > c->request_timeout)
        c->header_timeout = c->request_timeout;
    if (c->header_timeout > c->request_timeout)
        return gw_fail(l->err, l->errlen,
                       "KAIZEN_HEADER_TIMEOUT: must not be longer than KAIZEN_REQUEST_TIMEOUT");
    v = env(l, "KAIZEN_MAX_INFLIGHT_BODY");
    if (v == NULL)
        v = "32MiB";
    if (gw_size_parse(v, &c->max_inflight_body) != 0 || c->max_inflight_body < c->max_body ||
        c->max_inflight_body > 16LL * 1024 * 1024 * 1024)
        return gw_fail(l->err, l->errlen,
                       "KAIZEN_MAX_INFLIGHT_BODY: '%s' is not a size between KAIZEN_MAX_BODY "
                       "and 16GiB (e.g. 32MiB)", v);
    int64_t redis_timeout;
    if (duration(l, "KAIZEN_REDIS_TIMEOUT", "2s", 1, &redis_timeout) != 0)
        return -1;
    c->redis_timeout_ms = redis_timeout * 1000;
    /* With replicas that can be promoted, an acknowledged write must be on one of them. */
    v = env(l, "KAIZEN_REDIS_MIN_REPLICAS");
    if (v == NULL)
        v = c->redis.kind == GW_REDIS_SENTINEL || c->redis.kind == GW_REDIS_CLUSTER ? "1" : "0";
    if (gw_parse_long(v, 0, 16, &n) != 0)
        return gw_fail(l->err, l->errlen, "KAIZEN_REDIS_MIN_REPLICAS: '%s' is not a number 0..16", v);
    c->redis_min_replicas = (int)n;
    int64_t http_timeout;
    if (duration(l, "KAIZEN_HTTP_TIMEOUT", "10s", 1, &http_timeout) != 0)
        return -1;
    c->http_timeout_ms = http_timeout * 1000;
    v = env(l, "KAIZEN_OUTBOX_MAX_ATTEMPTS");
    if (gw_parse_long(v != NULL ? v : "8", 1, 100, &n) != 0)
        return gw_fail(l->err, l->errlen, "KAIZEN_OUTBOX_MAX_ATTEMPTS: '%s' is not a number 1..100", v);
    c->outbox_max_attempts = (int)n;
    return 0;
}

int
gw_config_load(struct gw_config *cfg, gw_getenv_fn getenv_fn, char *err, size_t errlen)
{
    struct loader l = {getenv_fn, err, errlen};
    memset(cfg, 0, sizeof(*cfg));
    err[0] = '\0';
    return load(cfg, &l);
}

void
gw_config_free(struct gw_config *c)
{
    free(c->listen_host);
    gw_redis_target_clear(&c->redis);
    gw_strlist_free(&c->github_secrets);
    free(c->alertmanager_token);
    free(c->alertmanager_secret);
    free(c->admin_token);
    free(c->feed_token);
    free(c->slack_webhook_url);
    free(c->slack_bot_token);
    free(c->slack_signing_secret);
    free(c->slack_channel);
    free(c->routes_file);
    free(c->slack_api_url);
    free(c->pager_url);
    free(c->pager_routing_key);
    free(c->public_url);
    gw_strlist_free(&c->ticket_labels);
    gw_strlist_free(&c->canary_environments);
    free(c->templates_dir);
    memset(c, 0, sizeof(*c));
}
