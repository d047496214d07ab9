#include "gateway/app/config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "gateway/app/zones.h"
#include "gateway/core/dates.h"
#include "gateway/core/tz.h"
#include "gateway/util/log.h"
#include "gateway/util/parse.h"

#ifndef KAIZEN_TEMPLATES_DEFAULT
#define KAIZEN_TEMPLATES_DEFAULT "templates"
#endif

/* --- the table ------------------------------------------------------------ */

enum opt_type {
    OPT_TEXT,       /* char *, copied as written */
    OPT_URL,        /* char *, http:// or https://, trailing '/' removed */
    OPT_BOOL,       /* int: 1/true/yes or 0/false/no */
    OPT_DURATION,   /* int64_t seconds: 90s, 15m, 2h, 3d, 1w or seconds */
    OPT_SIZE,       /* int64_t bytes: 5MiB, 512KiB, 1MB or bytes */
    OPT_INT,        /* int */
    OPT_LIST,       /* struct gw_strlist: comma-separated; min 1 = must not be empty */
    OPT_CUSTOM      /* parsed by the option's own function */
};

struct loader;
typedef int (*custom_fn)(struct loader *l, const char *name, const char *value, void *field);

struct option {
    const char *name;
    enum opt_type type;
    const char *def;       /* the default as a user would write it; NULL: unset */
    const char *def_doc;   /* how the default reads in the docs, when not def itself */
    int secret;            /* KAIZEN_X_FILE works too, and the value is never shown */
    size_t offset;         /* of the field in struct gw_config */
    long long min, max;    /* OPT_INT, OPT_DURATION, OPT_SIZE (max 0: none), OPT_LIST (min) */
    custom_fn parse;       /* OPT_CUSTOM */
    const char *group;
    const char *help;      /* one line; Markdown backticks allowed */
};

static int parse_listen(struct loader *l, const char *name, const char *v, void *field);
static int parse_redis_url(struct loader *l, const char *name, const char *v, void *field);
static int parse_secret_list(struct loader *l, const char *name, const char *v, void *field);
static int parse_sla(struct loader *l, const char *name, const char *v, void *field);
static int parse_severity(struct loader *l, const char *name, const char *v, void *field);
static int parse_day_minute(struct loader *l, const char *name, const char *v, void *field);
static int parse_log_level(struct loader *l, const char *name, const char *v, void *field);
static int parse_timezone(struct loader *l, const char *name, const char *v, void *field);
static int parse_sla_clock(struct loader *l, const char *name, const char *v, void *field);
static int parse_business_hours(struct loader *l, const char *name, const char *v, void *field);
static int parse_holidays(struct loader *l, const char *name, const char *v, void *field);
static int parse_report_at(struct loader *l, const char *name, const char *v, void *field);
static int is_set(const struct loader *l, const char *name);

#define F(field) offsetof(struct gw_config, field)
#define SLA_DEFAULT "critical=4h,high=24h,medium=72h,low=168h"
#define SLA_CLOCK_DEFAULT "critical=24x7,high=24x7,medium=24x7,low=24x7"

static const char G_SERVER[] = "HTTP server";
static const char G_REDIS[] = "Redis";
static const char G_SOURCES[] = "Sources and access";
static const char G_TICKETS[] = "Tickets and SLA";
static const char G_TIME[] = "Time zone, business hours and the weekly report";
static const char G_DIGEST[] = "Digests and feeds";
static const char G_SLACK[] = "Slack";
static const char G_PAGER[] = "PagerDuty and delivery";
static const char G_RUN[] = "Files and logs";

static const struct option options[] = {
    {"KAIZEN_LISTEN", OPT_CUSTOM, "0.0.0.0:8080", NULL, 0, F(listen_host), 0, 0, parse_listen,
     G_SERVER, "address:port to serve (`[::]:8080` for IPv6)"},
    {"KAIZEN_MAX_BODY", OPT_SIZE, "5MiB", NULL, 0, F(max_body), 1, 1LL << 30, NULL, G_SERVER,
     "larger request bodies get 413 (at most `1GiB`)"},
    {"KAIZEN_REQUEST_TIMEOUT", OPT_DURATION, "10s", NULL, 0, F(request_timeout), 1, 0, NULL,
     G_SERVER, "deadline for a client to send a whole request; also the keep-alive idle limit"},
    {"KAIZEN_HEADER_TIMEOUT", OPT_DURATION, "5s", "`5s` (or `KAIZEN_REQUEST_TIMEOUT` if shorter)",
     0, F(header_timeout), 1, 0, NULL, G_SERVER,
     "deadline for the request line and headers; then 408"},
    {"KAIZEN_MAX_CONNECTIONS", OPT_INT, "1024", NULL, 0, F(max_connections), 1, 65536, NULL,
     G_SERVER, "open client connections; at the cap the least useful one is shed"},
    {"KAIZEN_MAX_INFLIGHT_BODY", OPT_SIZE, "32MiB", NULL, 0, F(max_inflight_body), 1,
     16LL << 30, NULL, G_SERVER,
     "request bodies held at once, by declared length (at least `KAIZEN_MAX_BODY`); past it "
     "new uploads get 503 with `Retry-After: 1`"},

    {"KAIZEN_REDIS_URL", OPT_CUSTOM, "redis://127.0.0.1:6379/0", NULL, 1, F(redis), 0, 0,
     parse_redis_url, G_REDIS,
     "`redis://[[user]:password@]host:port/db`, `unix:///path.sock`, "
     "`redis-sentinel://[[user]:password@]h1:26379,h2:26379/db?master=NAME` or "
     "`redis-cluster://[[user]:password@]h1:6379,h2:6379`; `rediss://`, `rediss-sentinel://` and "
     "`rediss-cluster://` are the same over TLS (docs/redis.md). A secret: it may hold a "
     "password"},
    {"KAIZEN_REDIS_USERNAME", OPT_TEXT, NULL, NULL, 0, F(redis_username), 0, 0, NULL, G_REDIS,
     "ACL user of the data nodes (overrides the URL's): the gateway sends `AUTH user password`"},
    {"KAIZEN_REDIS_PASSWORD", OPT_TEXT, NULL, NULL, 1, F(redis_password), 0, 0, NULL, G_REDIS,
     "password of the data nodes (overrides the URL's)"},
    {"KAIZEN_REDIS_SENTINEL_USERNAME", OPT_TEXT, NULL, NULL, 0, F(redis.sentinel_auth.username), 0,
     0, NULL, G_REDIS, "ACL user of the Sentinels (with `KAIZEN_REDIS_SENTINEL_PASSWORD`)"},
    {"KAIZEN_REDIS_SENTINEL_PASSWORD", OPT_TEXT, NULL, NULL, 1, F(redis.sentinel_auth.password), 0,
     0, NULL, G_REDIS, "password of the Sentinels (the URL's password is the data nodes')"},
    {"KAIZEN_REDIS_TLS_CA_FILE", OPT_TEXT, NULL, "the system CA bundle", 0, F(redis.tls.ca_file), 0,
     0, NULL, G_REDIS,
     "PEM CA bundle that verifies the Redis servers and Sentinels of a `rediss` URL; read again "
     "for every new connection"},
    {"KAIZEN_REDIS_TLS_CERT_FILE", OPT_TEXT, NULL, NULL, 0, F(redis.tls.cert_file), 0, 0, NULL,
     G_REDIS, "PEM client certificate (chain) for servers that require one (mutual TLS)"},
    {"KAIZEN_REDIS_TLS_KEY_FILE", OPT_TEXT, NULL, NULL, 0, F(redis.tls.key_file), 0, 0, NULL,
     G_REDIS,
     "PEM key of the client certificate: a secret, so it is only ever a file (mount it from a "
     "Secret); its contents are never printed"},
    {"KAIZEN_REDIS_TLS_SERVER_NAME", OPT_TEXT, NULL, "the host connected to", 0,
     F(redis.tls.server_name), 0, 0, NULL, G_REDIS,
     "name sent as SNI and checked against every server's certificate"},
    {"KAIZEN_REDIS_TIMEOUT", OPT_DURATION, "2s", NULL, 0, F(redis_timeout), 1, 0, NULL, G_REDIS,
     "each Redis command's deadline, and how long a health check may take before the "
     "connection counts as dead (connect and handshake may take twice that)"},
    {"KAIZEN_REDIS_MIN_REPLICAS", OPT_INT, NULL, "`1` with Sentinel or Cluster, else `0`", 0,
     F(redis_min_replicas), 0, 16, NULL, G_REDIS,
     "a webhook is acknowledged only once this many replicas have its write too (`WAIT`)"},

    {"KAIZEN_GITHUB_SECRET", OPT_CUSTOM, NULL, NULL, 1, F(github_secrets), 0, 0,
     parse_secret_list, G_SOURCES,
     "GitHub webhook secret(s), comma-separated for rotation; unset: `/webhooks/github` "
     "answers 404"},
    {"KAIZEN_ALERTMANAGER_TOKEN", OPT_TEXT, NULL, NULL, 1, F(alertmanager_token), 0, 0, NULL,
     G_SOURCES, "bearer token Alertmanager sends (`http_config.authorization`)"},
    {"KAIZEN_ALERTMANAGER_SECRET", OPT_TEXT, NULL, NULL, 1, F(alertmanager_secret), 0, 0, NULL,
     G_SOURCES,
     "alternative: HMAC-SHA256 secret for `X-Kaizen-Signature-256`; neither set: "
     "`/webhooks/alertmanager` answers 404"},
    {"KAIZEN_ADMIN_TOKEN", OPT_TEXT, NULL, NULL, 1, F(admin_token), 0, 0, NULL, G_SOURCES,
     "bearer token for `/api/*` and `/-/reload`; unset: only loopback clients are served "
     "(set it in any pod with a sidecar proxy)"},
    {"KAIZEN_FEED_TOKEN", OPT_TEXT, NULL, NULL, 1, F(feed_token), 0, 0, NULL, G_SOURCES,
     "if set, feeds need `?token=` or `Authorization: Bearer`"},
    {"KAIZEN_DELIVERY_TTL", OPT_DURATION, "7d", NULL, 0, F(delivery_ttl), 1, 0, NULL, G_SOURCES,
     "how long delivery ids are remembered for de-duplication"},

    {"KAIZEN_SLA", OPT_CUSTOM, SLA_DEFAULT, NULL, 0, F(sla), 0, 0,
     parse_sla, G_TICKETS, "SLA per severity; severities left out keep their default"},
    {"KAIZEN_DEFAULT_SEVERITY", OPT_CUSTOM, "medium", NULL, 0, F(default_severity), 0, 0,
     parse_severity, G_TICKETS, "severity when no label gives one"},
    {"KAIZEN_SLA_WARN", OPT_DURATION, "24h", NULL, 0, F(sla_warn), 0, 0, NULL, G_TICKETS,
     "SLA countdown colours: green while more than this remains, then orange"},
    {"KAIZEN_SLA_CRIT", OPT_DURATION, "8h", NULL, 0, F(sla_crit), 0, 0, NULL, G_TICKETS,
     "then red once this or less remains (at most `KAIZEN_SLA_WARN`)"},
    {"KAIZEN_TICKET_LABELS", OPT_LIST, NULL, NULL, 0, F(ticket_labels), 0, 0, NULL, G_TICKETS,
     "if set, only GitHub issues carrying one of these labels are tickets"},
    {"KAIZEN_CHECK_EVERY", OPT_DURATION, "30s", NULL, 0, F(check_every), 1, 0, NULL, G_TICKETS,
     "how often SLA deadlines and canary budgets are checked"},
    {"KAIZEN_RETENTION", OPT_DURATION, "30d", NULL, 0, F(retention), 3600, 0, NULL, G_TICKETS,
     "resolved tickets, ended canaries, dead letters and digest records older than this are "
     "deleted (at least `1h`)"},
    {"KAIZEN_CANARY_ENVIRONMENTS", OPT_LIST, "*canary*", NULL, 0, F(canary_environments), 1, 0,
     NULL, G_TICKETS, "comma-separated globs of GitHub deployment environments that are canaries"},
    {"KAIZEN_CANARY_BUDGET", OPT_DURATION, "2h", NULL, 0, F(canary_budget), 1, 0, NULL,
     G_TICKETS, "a canary's time budget (GitHub deployments; the API's default)"},

    {"KAIZEN_TIMEZONE", OPT_CUSTOM, "UTC", NULL, 0, F(timezone), 0, 0, parse_timezone, G_TIME,
     "IANA time zone (`Europe/Berlin`) in which `KAIZEN_DIGEST_AT`, `KAIZEN_REPORT_AT`, report "
     "weeks, business hours and holidays are read"},
    {"KAIZEN_SLA_CLOCK", OPT_CUSTOM, SLA_CLOCK_DEFAULT, NULL, 0, F(sla_business), 0, 0,
     parse_sla_clock, G_TIME,
     "per severity, whether its SLA counts every hour (`24x7`) or only business hours "
     "(`business`); severities left out keep `24x7`"},
    {"KAIZEN_BUSINESS_HOURS", OPT_CUSTOM, NULL, NULL, 0, F(calendar), 0, 0, parse_business_hours,
     G_TIME,
     "the business calendar, e.g. `mon-fri 09:00-17:00` or `mon-thu 09:00-17:00,fri "
     "09:00-13:00`; required when a severity uses `business` (a route may have its own)"},
    {"KAIZEN_HOLIDAYS", OPT_CUSTOM, NULL, NULL, 0, F(calendar), 0, 0, parse_holidays, G_TIME,
     "dates (`YYYY-MM-DD`, comma-separated) on which the business clock does not run"},
    {"KAIZEN_REPORT_AT", OPT_CUSTOM, "mon 09:00", NULL, 0, F(report_at), 0, 0, parse_report_at,
     G_TIME, "when the weekly Kaizen report of the week just ended is posted (day and `HH:MM` "
     "in `KAIZEN_TIMEZONE`); `off` disables it"},
    {"KAIZEN_REPORT_EVERY", OPT_DURATION, NULL, NULL, 0, F(report_every), 1, 0, NULL, G_TIME,
     "a period (e.g. `20s`) instead of weekly, for tests and demos: each report covers the "
     "period just ended"},

    {"KAIZEN_DIGEST_AT", OPT_CUSTOM, "09:00", NULL, 0, F(digest_at_minute), 0, 0,
     parse_day_minute, G_DIGEST, "daily digest time `HH:MM` in `KAIZEN_TIMEZONE`"},
    {"KAIZEN_DIGEST_EVERY", OPT_DURATION, NULL, NULL, 0, F(digest_every), 1, 0, NULL, G_DIGEST,
     "a period (e.g. `30s`, `4h`) instead of a daily time"},
    {"KAIZEN_DIGEST_SKIP_EMPTY", OPT_BOOL, "1", NULL, 0, F(digest_skip_empty), 0, 0, NULL,
     G_DIGEST, "`0`: post an \"all clear\" digest when nothing is open"},
    {"KAIZEN_DIGEST_MAX_TICKETS", OPT_INT, "500", NULL, 0, F(digest_max_tickets), 1, 10000, NULL,
     G_DIGEST,
     "most tickets one digest lists per channel, most urgent first; the rest are counted per "
     "component with a link"},
    {"KAIZEN_PUBLIC_URL", OPT_URL, "http://127.0.0.1:8080", NULL, 0, F(public_url), 0, 0, NULL,
     G_DIGEST, "base URL of links in feeds and messages"},

    {"KAIZEN_SLACK_WEBHOOK_URL", OPT_URL, NULL, NULL, 1, F(slack_webhook_url), 0, 0, NULL,
     G_SLACK, "Slack incoming webhook; unset (and no bot token): Slack is dry-run"},
    {"KAIZEN_SLACK_BOT_TOKEN", OPT_TEXT, NULL, NULL, 1, F(slack_bot_token), 0, 0, NULL, G_SLACK,
     "bot token (`xoxb-...`): Web API mode (channels, threads, edits, buttons) instead of the "
     "incoming webhook"},
    {"KAIZEN_SLACK_CHANNEL", OPT_TEXT, NULL, NULL, 0, F(slack_channel), 0, 0, NULL, G_SLACK,
     "the channel (ID or `#name`) Web API mode posts to, unless the routes file's default "
     "names one"},
    {"KAIZEN_SLACK_API_URL", OPT_URL, "https://slack.com/api", NULL, 0, F(slack_api_url), 0, 0,
     NULL, G_SLACK, "Web API base URL (any compatible receiver)"},
    {"KAIZEN_SLACK_SIGNING_SECRET", OPT_TEXT, NULL, NULL, 1, F(slack_signing_secret), 0, 0, NULL,
     G_SLACK,
     "the Slack app's signing secret: Acknowledge buttons, and `POST /webhooks/slack` takes "
     "the clicks; unset: no buttons, the endpoint answers 404"},
    {"KAIZEN_ROUTES_FILE", OPT_TEXT, NULL, NULL, 0, F(routes_file), 0, 0, NULL, G_SLACK,
     "JSON routes: a Slack channel and PagerDuty routing key per team; unset: one destination"},

    {"KAIZEN_PAGER_URL", OPT_URL, "https://events.pagerduty.com/v2/enqueue", NULL, 0,
     F(pager_url), 0, 0, NULL, G_PAGER, "PagerDuty Events v2 endpoint (any compatible receiver)"},
    {"KAIZEN_PAGER_ROUTING_KEY", OPT_TEXT, NULL, NULL, 1, F(pager_routing_key), 0, 0, NULL,
     G_PAGER, "routing key; unset: canary pages go to Slack only"},
    {"KAIZEN_DRY_RUN", OPT_BOOL, "0", NULL, 0, F(dry_run), 0, 0, NULL, G_PAGER,
     "`1`: never send; log what would be sent and keep it in the outbox history"},
    {"KAIZEN_HTTP_TIMEOUT", OPT_DURATION, "10s", NULL, 0, F(http_timeout), 1, 0, NULL, G_PAGER,
     "total time of one outgoing request (connect at most 5 s)"},
    {"KAIZEN_OUTBOX_MAX_ATTEMPTS", OPT_INT, "8", NULL, 0, F(outbox_max_attempts), 1, 100, NULL,
     G_PAGER, "attempts before a retryable message goes to the dead letters"},

    {"KAIZEN_TEMPLATES_DIR", OPT_TEXT, KAIZEN_TEMPLATES_DEFAULT, "the installed `templates/`", 0,
     F(templates_dir), 0, 0, NULL, G_RUN, "where the Mustache templates are read from"},
    {"KAIZEN_LOG_LEVEL", OPT_CUSTOM, "info", NULL, 0, F(log_level), 0, 0, parse_log_level, G_RUN,
     "`debug`, `info`, `warn` or `error`; logs are JSON lines on stderr"},
};

#define NOPTIONS (sizeof(options) / sizeof(options[0]))

/* --- loading ------------------------------------------------------------ */

struct loader {
    struct gw_config *cfg;
    gw_getenv_fn getenv_fn;
    char *err;
    size_t errlen;
    unsigned char set[NOPTIONS];   /* the user gave a value (not the default) */
};

/* An empty variable counts as unset. */
static const char *
env(struct loader *l, const char *name)
{
    const char *v = l->getenv_fn(name);
    return v != NULL && v[0] != '\0' ? v : NULL;
}

static int
oom(struct loader *l)
{
    return gw_fail(l->err, l->errlen, "out of memory");
}

static int
copy(struct loader *l, const char *s, char **out)
{
    if ((*out = strdup(s)) == NULL)
        return oom(l);
    return 0;
}

/*
 * A secret: KAIZEN_X or KAIZEN_X_FILE (path; one trailing newline stripped).
 * 0 with *out = NULL when neither is set; the text is malloc'd.
 */
static int
read_secret(struct loader *l, const char *name, char **out)
{
    char file_var[128], buf[8192];
    const char *value = env(l, name), *path;
    FILE *f;
    size_t n;
    int too_long;

    *out = NULL;
    snprintf(file_var, sizeof(file_var), "%s_FILE", name);
    path = env(l, file_var);
    if (value != NULL && path != NULL)
        return gw_fail(l->err, l->errlen, "%s: set only one of %s and %s", name, name, file_var);
    if (path == NULL)
        return value != NULL ? copy(l, value, out) : 0;
    if ((f = fopen(path, "rb")) == NULL)
        return gw_fail(l->err, l->errlen, "%s: cannot read %s: %s", file_var, path, strerror(errno));
    n = fread(buf, 1, sizeof(buf) - 1, f);
    too_long = !feof(f);
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
    return copy(l, buf, out);
}

static int
parse_listen(struct loader *l, const char *name, const char *v, void *field)
{
    struct gw_config *c = l->cfg;
    const char *colon = strrchr(v, ':');
    long port;
    (void)field;

    if (colon == NULL || colon == v || gw_parse_long(colon + 1, 0, 65535, &port) != 0)
        return gw_fail(l->err, l->errlen, "%s: '%s' is not address:port", name, v);
    c->listen_port = (int)port;
    if (v[0] == '[' && colon[-1] == ']')
        c->listen_host = strndup(v + 1, (size_t)(colon - v - 2));
    else
        c->listen_host = strndup(v, (size_t)(colon - v));
    return c->listen_host != NULL ? 0 : oom(l);
}

static int
parse_redis_url(struct loader *l, const char *name, const char *v, void *field)
{
    const struct gw_redis_target *t = field;
    char reason[200];

    if (gw_redis_url_parse(v, field, reason, sizeof(reason)) != 0)
        return gw_fail(l->err, l->errlen, "%s: %s", name, reason);
    if (t->tls.on && !gw_redis_tls_built())
        return gw_fail(l->err, l->errlen,
                       "%s: this build has no TLS (its hiredis has no hiredis_ssl), so it cannot "
                       "connect to a rediss URL; use a build made on Debian 13", name);
    return 0;
}

/* *field takes over value (when set): a variable that overrides what the URL said. */
static void
override(char **field, char **value)
{
    if (*value == NULL)
        return;
    free(*field);
    *field = *value;
    *value = NULL;
}

/* Users, passwords and TLS files: what the URL and the variables say together. */
static int
check_redis(struct loader *l)
{
    struct gw_config *c = l->cfg;
    struct gw_redis_tls *tls = &c->redis.tls;
    static const char *const tls_vars[] = {"KAIZEN_REDIS_TLS_CA_FILE", "KAIZEN_REDIS_TLS_CERT_FILE",
                                           "KAIZEN_REDIS_TLS_KEY_FILE",
                                           "KAIZEN_REDIS_TLS_SERVER_NAME"};

    override(&c->redis.auth.username, &c->redis_username);
    override(&c->redis.auth.password, &c->redis_password);
    if (c->redis.auth.username != NULL && c->redis.auth.password == NULL)
        return gw_fail(l->err, l->errlen, "KAIZEN_REDIS_USERNAME: an ACL user needs a password "
                       "(KAIZEN_REDIS_PASSWORD, or user:password@ in the URL)");
    if (c->redis.sentinel_auth.username != NULL && c->redis.sentinel_auth.password == NULL)
        return gw_fail(l->err, l->errlen, "KAIZEN_REDIS_SENTINEL_USERNAME: needs "
                       "KAIZEN_REDIS_SENTINEL_PASSWORD");
    /* TLS settings with a plaintext URL: the user thinks TLS is on, and it is not. */
    for (size_t i = 0; !tls->on && i < sizeof(tls_vars) / sizeof(tls_vars[0]); i++)
        if (is_set(l, tls_vars[i]))
            return gw_fail(l->err, l->errlen, "%s: set, but KAIZEN_REDIS_URL is not a rediss "
                           "URL (TLS is off)", tls_vars[i]);
    if ((tls->cert_file != NULL) != (tls->key_file != NULL))
        return gw_fail(l->err, l->errlen, "%s: required with %s (a client certificate needs its "
                       "key)", tls->cert_file != NULL ? "KAIZEN_REDIS_TLS_KEY_FILE"
                                                      : "KAIZEN_REDIS_TLS_CERT_FILE",
                       tls->cert_file != NULL ? "KAIZEN_REDIS_TLS_CERT_FILE"
                                              : "KAIZEN_REDIS_TLS_KEY_FILE");
    return 0;
}

static int
parse_secret_list(struct loader *l, const char *name, const char *v, void *field)
{
    struct gw_strlist *list = field;

    if (gw_strlist_split(v, list) != 0)
        return oom(l);
    /* Set but with no secret in it (",,", " "): a typo, not "off". */
    if (list->n == 0)
        return gw_fail(l->err, l->errlen, "%s: no secret in the list (unset it to turn it off)",
                       name);
    return 0;
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
        if (sev == GW_SEV_NONE)
            rc = gw_fail(err, errlen, "unknown severity '%s' (critical, high, medium, low)",
                         parts.items[i]);
        else if (gw_duration_parse(eq + 1, &secs) != 0 || secs <= 0)
            rc = gw_fail(err, errlen, "bad duration '%s' for %s", eq + 1, parts.items[i]);
        else
            sla->seconds[sev] = secs;
    }
    gw_strlist_free(&parts);
    return rc;
}

static int
parse_sla(struct loader *l, const char *name, const char *v, void *field)
{
    char reason[200];

    /* the severities v leaves out keep their default */
    if (gw_sla_parse(SLA_DEFAULT, field, reason, sizeof(reason)) != 0 ||
        gw_sla_parse(v, field, reason, sizeof(reason)) != 0)
        return gw_fail(l->err, l->errlen, "%s: %s", name, reason);
    return 0;
}

static int
parse_severity(struct loader *l, const char *name, const char *v, void *field)
{
    enum gw_severity *sev = field;

    if ((*sev = gw_severity_parse(v)) == GW_SEV_NONE)
        return gw_fail(l->err, l->errlen, "%s: '%s' is not critical, high, medium or low", name, v);
    return 0;
}

static int
parse_day_minute(struct loader *l, const char *name, const char *v, void *field)
{
    int hh, mm;
    char tail;

    if (strlen(v) != 5 || v[2] != ':' || sscanf(v, "%2d:%2d%c", &hh, &mm, &tail) != 2 ||
        hh < 0 || hh > 23 || mm < 0 || mm > 59)
        return gw_fail(l->err, l->errlen, "%s: '%s' is not a time HH:MM", name, v);
    *(int *)field = hh * 60 + mm;
    return 0;
}

static int
parse_timezone(struct loader *l, const char *name, const char *v, void *field)
{
    char reason[300];

    if ((*(struct gw_tz **)field = gw_zone_load(v, reason, sizeof(reason))) == NULL)
        return gw_fail(l->err, l->errlen, "%s: %s", name, reason);
    l->cfg->calendar.tz = *(struct gw_tz **)field;   /* hours and holidays are read in it */
    return 0;
}

static int
parse_sla_clock(struct loader *l, const char *name, const char *v, void *field)
{
    int *business = field;
    struct gw_strlist parts;
    int rc = 0;

    if (gw_strlist_split(v, &parts) != 0)
        return oom(l);
    if (parts.n == 0)
        rc = gw_fail(l->err, l->errlen, "%s: empty list", name);
    for (size_t i = 0; rc == 0 && i < parts.n; i++) {
        char *eq = strchr(parts.items[i], '=');
        enum gw_severity sev;
        if (eq == NULL) {
            rc = gw_fail(l->err, l->errlen, "%s: '%s' is not severity=24x7|business", name,
                         parts.items[i]);
            break;
        }
        *eq = '\0';
        if ((sev = gw_severity_parse(parts.items[i])) == GW_SEV_NONE)
            rc = gw_fail(l->err, l->errlen, "%s: unknown severity '%s' (critical, high, medium, "
                         "low)", name, parts.items[i]);
        else if (strcmp(eq + 1, "24x7") == 0 || strcmp(eq + 1, "business") == 0)
            business[sev] = strcmp(eq + 1, "business") == 0;
        else
            rc = gw_fail(l->err, l->errlen, "%s: '%s' for %s is not 24x7 or business", name,
                         eq + 1, parts.items[i]);
    }
    gw_strlist_free(&parts);
    return rc;
}

static int
parse_business_hours(struct loader *l, const char *name, const char *v, void *field)
{
    char reason[300];

    if (gw_calendar_parse_hours(field, v, reason, sizeof(reason)) != 0)
        return gw_fail(l->err, l->errlen, "%s: %s", name, reason);
    return 0;
}

static int
parse_holidays(struct loader *l, const char *name, const char *v, void *field)
{
    char reason[300];

    if (gw_calendar_parse_holidays(field, v, reason, sizeof(reason)) != 0)
        return gw_fail(l->err, l->errlen, "%s: %s", name, reason);
    return 0;
}

/* "mon 09:00" into minutes after Monday 00:00, or "off" (-1). */
static int
parse_report_at(struct loader *l, const char *name, const char *v, void *field)
{
    static const char *const days[] = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};
    int minute;

    if (strcmp(v, "off") == 0) {
        *(int *)field = -1;
        return 0;
    }
    for (int d = 0; d < 7; d++) {
        if (strlen(v) == 9 && strncmp(v, days[d], 3) == 0 && v[3] == ' ' &&
            parse_day_minute(l, name, v + 4, &minute) == 0) {
            *(int *)field = d * 1440 + minute;
            return 0;
        }
    }
    return gw_fail(l->err, l->errlen, "%s: '%s' is not a day and time like 'mon 09:00', or off",
                   name, v);
}

static int
parse_log_level(struct loader *l, const char *name, const char *v, void *field)
{
    enum gw_log_level level;

    if (gw_log_level_parse(v, &level) != 0)
        return gw_fail(l->err, l->errlen, "%s: '%s' is not debug, info, warn or error", name, v);
    *(int *)field = level;
    return 0;
}

static int
parse_bool(struct loader *l, const char *name, const char *v, int *out)
{
    if (strcmp(v, "1") == 0 || strcasecmp(v, "true") == 0 || strcasecmp(v, "yes") == 0)
        *out = 1;
    else if (strcmp(v, "0") == 0 || strcasecmp(v, "false") == 0 || strcasecmp(v, "no") == 0)
        *out = 0;
    else
        return gw_fail(l->err, l->errlen, "%s: '%s' is not a boolean (1 or 0)", name, v);
    return 0;
}

static int
parse_url(struct loader *l, const char *name, const char *v, char **out)
{
    size_t len;

    if (strncmp(v, "http://", 7) != 0 && strncmp(v, "https://", 8) != 0)
        return gw_fail(l->err, l->errlen, "%s: must be an http:// or https:// URL", name);
    if (copy(l, v, out) != 0)
        return -1;
    for (len = strlen(*out); len > 0 && (*out)[len - 1] == '/'; len--)
        (*out)[len - 1] = '\0';
    return 0;
}

/* One option's value (from the environment, else its default) into its field. */
static int
load_one(struct loader *l, size_t i)
{
    const struct option *o = &options[i];
    void *field = (char *)l->cfg + o->offset;
    char *secret = NULL;
    const char *v;
    long n;
    int rc = 0;

    if (o->secret) {
        if (read_secret(l, o->name, &secret) != 0)
            return -1;
        v = secret;
    } else {
        v = env(l, o->name);
    }
    l->set[i] = v != NULL;
    if (v == NULL)
        v = o->def;
    if (v == NULL)
        return 0;
    switch (o->type) {
    case OPT_TEXT:
        rc = copy(l, v, field);
        break;
    case OPT_URL:
        rc = parse_url(l, o->name, v, field);
        break;
    case OPT_BOOL:
        rc = parse_bool(l, o->name, v, field);
        break;
    case OPT_DURATION:
        if (gw_duration_parse(v, field) != 0)
            rc = gw_fail(l->err, l->errlen,
                         "%s: '%s' is not a duration (e.g. 90s, 15m, 2h, 3d or seconds)", o->name, v);
        else if (*(int64_t *)field < o->min)
            rc = gw_fail(l->err, l->errlen, "%s: must be at least %llds", o->name, o->min);
        break;
    case OPT_SIZE:
        if (gw_size_parse(v, field) != 0 || *(int64_t *)field < o->min ||
            *(int64_t *)field > o->max)
            rc = gw_fail(l->err, l->errlen, "%s: '%s' is not a size between %lld and %lld bytes "
                         "(e.g. 5MiB)", o->name, v, o->min, o->max);
        break;
    case OPT_INT:
        if (gw_parse_long(v, (long)o->min, (long)o->max, &n) != 0)
            rc = gw_fail(l->err, l->errlen, "%s: '%s' is not a number %lld..%lld", o->name, v,
                         o->min, o->max);
        else
            *(int *)field = (int)n;
        break;
    case OPT_LIST:
        if (gw_strlist_split(v, field) != 0)
            rc = oom(l);
        else if (((struct gw_strlist *)field)->n < (size_t)o->min)
            rc = gw_fail(l->err, l->errlen, "%s: empty list", o->name);
        break;
    case OPT_CUSTOM:
        rc = o->parse(l, o->name, v, field);
        break;
    }
    free(secret);
    return rc;
}

static size_t
option_index(const char *name)
{
    for (size_t i = 0; i < NOPTIONS; i++)
        if (strcmp(options[i].name, name) == 0)
            return i;
    gw_bug("config.c names a variable its table does not have");
}

static int
is_set(const struct loader *l, const char *name)
{
    return l->set[option_index(name)];
}

/* What one variable cannot say alone: defaults that depend on others, and conflicts. */
static int
check_together(struct loader *l)
{
    struct gw_config *c = l->cfg;

    if (c->slack_bot_token != NULL && c->slack_webhook_url != NULL)
        return gw_fail(l->err, l->errlen,
                       "KAIZEN_SLACK_BOT_TOKEN: set it or KAIZEN_SLACK_WEBHOOK_URL, not both");
    /* Without routes the bot posts to one channel (with routes: their default's). */
    if (c->slack_bot_token != NULL && c->slack_channel == NULL && c->routes_file == NULL)
        return gw_fail(l->err, l->errlen,
                       "KAIZEN_SLACK_CHANNEL: required with KAIZEN_SLACK_BOT_TOKEN (the channel "
                       "to post to) unless KAIZEN_ROUTES_FILE names the default's");
    if (c->sla_crit > c->sla_warn)
        return gw_fail(l->err, l->errlen, "KAIZEN_SLA_CRIT: must not exceed KAIZEN_SLA_WARN");
    if (!is_set(l, "KAIZEN_HEADER_TIMEOUT") && c->header_timeout > c->request_timeout)
        c->header_timeout = c->request_timeout;
    if (c->header_timeout > c->request_timeout)
        return gw_fail(l->err, l->errlen,
                       "KAIZEN_HEADER_TIMEOUT: must not be longer than KAIZEN_REQUEST_TIMEOUT");
    if (c->max_inflight_body < c->max_body)
        return gw_fail(l->err, l->errlen,
                       "KAIZEN_MAX_INFLIGHT_BODY: must be at least KAIZEN_MAX_BODY");
    for (int sev = 0; sev < GW_SEV_COUNT; sev++)
        if (c->sla_business[sev] && !gw_calendar_has_hours(&c->calendar))
            return gw_fail(l->err, l->errlen,
                           "KAIZEN_BUSINESS_HOURS: required, KAIZEN_SLA_CLOCK makes %s business "
                           "hours", gw_severity_name((enum gw_severity)sev));
    /* With replicas that can be promoted, an acknowledged write must be on one of them. */
    if (!is_set(l, "KAIZEN_REDIS_MIN_REPLICAS"))
        c->redis_min_replicas =
            c->redis.kind == GW_REDIS_SENTINEL || c->redis.kind == GW_REDIS_CLUSTER ? 1 : 0;
    return check_redis(l);
}

int
gw_config_load(struct gw_config *cfg, gw_getenv_fn getenv_fn, char *err, size_t errlen)
{
    struct loader l = {cfg, getenv_fn, err, errlen, {0}};

    memset(cfg, 0, sizeof(*cfg));
    err[0] = '\0';
    for (size_t i = 0; i < NOPTIONS; i++)
        if (load_one(&l, i) != 0)
            return -1;
    return check_together(&l);
}

void
gw_config_free(struct gw_config *c)
{
    /* The Sentinel's user and password and the TLS files too: first, it NULLs them. */
    gw_redis_target_clear(&c->redis);
    gw_calendar_clear(&c->calendar);
    gw_tz_free(c->timezone);
    for (size_t i = 0; i < NOPTIONS; i++) {
        const struct option *o = &options[i];
        void *field = (char *)c + o->offset;
        if (o->type == OPT_TEXT || o->type == OPT_URL)
            free(*(char **)field);
        else if (o->type == OPT_LIST || o->parse == parse_secret_list)
            gw_strlist_free(field);
    }
    free(c->listen_host);
    memset(c, 0, sizeof(*c));
}

/* --- unknown names --------------------------------------------------------- */

/* Edit distance (insert, delete, substitute, swap two neighbours), capped at 9. */
static size_t
distance(const char *a, size_t la, const char *b, size_t lb)
{
    size_t d[64][64];

    if (la >= 64 || lb >= 64)
        return 9;
    for (size_t i = 0; i <= la; i++)
        d[i][0] = i;
    for (size_t j = 0; j <= lb; j++)
        d[0][j] = j;
    for (size_t i = 1; i <= la; i++) {
        for (size_t j = 1; j <= lb; j++) {
            size_t cost = a[i - 1] != b[j - 1], best = d[i - 1][j - 1] + cost;
            if (d[i - 1][j] + 1 < best)
                best = d[i - 1][j] + 1;
            if (d[i][j - 1] + 1 < best)
                best = d[i][j - 1] + 1;
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
                d[i - 2][j - 2] + 1 < best)
                best = d[i - 2][j - 2] + 1;
            d[i][j] = best;
        }
    }
    return d[la][lb] < 9 ? d[la][lb] : 9;
}

/* 1 when name[0..len) is a variable of the table, or a secret's _FILE. */
static int
known_name(const char *name, size_t len)
{
    for (size_t i = 0; i < NOPTIONS; i++) {
        size_t n = strlen(options[i].name);
        if (len == n && memcmp(name, options[i].name, n) == 0)
            return 1;
        if (options[i].secret && len == n + 5 && memcmp(name, options[i].name, n) == 0 &&
            memcmp(name + n, "_FILE", 5) == 0)
            return 1;
    }
    return 0;
}

size_t
gw_config_unknown(char *const *env, gw_unknown_fn fn, void *arg)
{
    size_t count = 0;

    for (; env != NULL && *env != NULL; env++) {
        const char *eq = strchr(*env, '=');
        size_t len = eq != NULL ? (size_t)(eq - *env) : strlen(*env), best = 9;
        const char *closest = NULL;
        char name[128];

        if (strncmp(*env, "KAIZEN_", 7) != 0 || known_name(*env, len))
            continue;
        for (size_t i = 0; i < NOPTIONS; i++) {
            size_t d = distance(*env, len, options[i].name, strlen(options[i].name));
            if (d < best) {
                best = d;
                closest = options[i].name;
            }
        }
        snprintf(name, sizeof(name), "%.*s", (int)len, *env);
        /* a guess only where the typo is small beside the name (not KAIZEN_BIN -> KAIZEN_SLA) */
        fn(name, best <= 2 && best * 8 <= len ? closest : NULL, arg);
        count++;
    }
    return count;
}

/* --- the effective configuration ------------------------------------------------ */

static void
show_redis(const struct gw_redis_target *t, FILE *out)
{
    static const char *const schemes[][2] = {{"redis://", "rediss://"},
                                             {"unix://", "unix://"},
                                             {"redis-sentinel://", "rediss-sentinel://"},
                                             {"redis-cluster://", "rediss-cluster://"}};

    fputs(schemes[t->kind][t->tls.on], out);
    if (t->auth.password != NULL)
        fprintf(out, "%s:(password set)@", t->auth.username != NULL ? t->auth.username : "");
    if (t->kind == GW_REDIS_UNIX)
        fputs(t->path, out);
    for (size_t i = 0; i < t->nendpoints; i++) {
        const char *host = t->endpoints[i].host;
        int v6 = strchr(host, ':') != NULL;
        fprintf(out, "%s%s%s%s:%d", i ? "," : "", v6 ? "[" : "", host, v6 ? "]" : "",
                t->endpoints[i].port);
    }
    fprintf(out, "/%d", t->db);
    if (t->master != NULL)
        fprintf(out, "?master=%s", t->master);
}

/* 7d, 2h, 90s: the largest whole unit, as the variables take it. */
static void
show_duration(int64_t s, FILE *out)
{
    if (s > 0 && s % 86400 == 0)
        fprintf(out, "%lldd", (long long)(s / 86400));
    else if (s > 0 && s % 3600 == 0)
        fprintf(out, "%lldh", (long long)(s / 3600));
    else if (s > 0 && s % 60 == 0)
        fprintf(out, "%lldm", (long long)(s / 60));
    else
        fprintf(out, "%llds", (long long)s);
}

static void
show_size(int64_t b, FILE *out)
{
    if (b > 0 && b % (1 << 20) == 0)
        fprintf(out, "%lldMiB", (long long)(b >> 20));
    else if (b > 0 && b % 1024 == 0)
        fprintf(out, "%lldKiB", (long long)(b >> 10));
    else
        fprintf(out, "%lld", (long long)b);
}

static void
show_list(const struct gw_strlist *l, FILE *out)
{
    if (l->n == 0)
        fputs("unset", out);
    for (size_t i = 0; i < l->n; i++)
        fprintf(out, "%s%s", i ? "," : "", l->items[i]);
}

static void
show_hours(const struct gw_calendar *cal, FILE *out)
{
    static const char *const days[] = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};
    int any = 0;

    for (int d = 0; d < 7; d++)
        for (int i = 0; i < cal->nspans[d]; i++, any = 1)
            fprintf(out, "%s%s %02d:%02d-%02d:%02d", any ? "," : "", days[d],
                    cal->spans[d][i].start / 60, cal->spans[d][i].start % 60,
                    cal->spans[d][i].end / 60, cal->spans[d][i].end % 60);
    if (!any)
        fputs("unset", out);
}

static void
show_holidays(const struct gw_calendar *cal, FILE *out)
{
    for (size_t i = 0; i < cal->nholidays; i++) {
        int y, m, d;
        gw_civil_from_days(cal->holidays[i], &y, &m, &d);
        fprintf(out, "%s%04d-%02d-%02d", i ? "," : "", y, m, d);
    }
    if (cal->nholidays == 0)
        fputs("unset", out);
}

/* One option's effective value, as a user would write it. */
static void
show(const struct gw_config *c, const struct option *o, FILE *out)
{
    const void *field = (const char *)c + o->offset;

    if (o->parse == parse_redis_url) {
        show_redis(field, out);
    } else if (o->secret) {
        int set = o->type == OPT_TEXT || o->type == OPT_URL ? *(char *const *)field != NULL
                                                             : ((const struct gw_strlist *)field)->n > 0;
        fputs(set ? "(set)" : "unset", out);
    } else if (o->type == OPT_TEXT || o->type == OPT_URL) {
        fputs(*(char *const *)field != NULL ? *(char *const *)field : "unset", out);
    } else if (o->type == OPT_BOOL || o->type == OPT_INT) {
        fprintf(out, "%d", *(const int *)field);
    } else if (o->type == OPT_DURATION) {
        if (*(const int64_t *)field == 0 && o->def == NULL)
            fputs("unset", out);
        else
            show_duration(*(const int64_t *)field, out);
    } else if (o->type == OPT_SIZE) {
        show_size(*(const int64_t *)field, out);
    } else if (o->type == OPT_LIST) {
        show_list(field, out);
    } else if (o->parse == parse_listen) {
        int v6 = strchr(c->listen_host, ':') != NULL;
        fprintf(out, "%s%s%s:%d", v6 ? "[" : "", c->listen_host, v6 ? "]" : "", c->listen_port);
    } else if (o->parse == parse_sla) {
        for (int s = 0; s < GW_SEV_COUNT; s++) {
            fprintf(out, "%s%s=", s ? "," : "", gw_severity_name((enum gw_severity)s));
            show_duration(c->sla.seconds[s], out);
        }
    } else if (o->parse == parse_severity) {
        fputs(gw_severity_name(*(const enum gw_severity *)field), out);
    } else if (o->parse == parse_day_minute) {
        fprintf(out, "%02d:%02d", *(const int *)field / 60, *(const int *)field % 60);
    } else if (o->parse == parse_timezone) {
        fputs(c->timezone != NULL ? gw_tz_name(c->timezone) : "UTC", out);
    } else if (o->parse == parse_sla_clock) {
        for (int s = 0; s < GW_SEV_COUNT; s++)
            fprintf(out, "%s%s=%s", s ? "," : "", gw_severity_name((enum gw_severity)s),
                    c->sla_business[s] ? "business" : "24x7");
    } else if (o->parse == parse_business_hours) {
        show_hours(&c->calendar, out);
    } else if (o->parse == parse_holidays) {
        show_holidays(&c->calendar, out);
    } else if (o->parse == parse_report_at) {
        static const char *const days[] = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};
        if (c->report_at < 0)
            fputs("off", out);
        else
            fprintf(out, "%s %02d:%02d", days[c->report_at / 1440], c->report_at % 1440 / 60,
                    c->report_at % 60);
    } else if (o->parse == parse_log_level) {
        static const char *const levels[] = {"debug", "info", "warn", "error"};
        fputs(levels[*(const int *)field], out);
    }
}

void
gw_config_print_effective(const struct gw_config *cfg, FILE *out)
{
    for (size_t i = 0; i < NOPTIONS; i++) {
        fprintf(out, "  %-32s ", options[i].name);
        show(cfg, &options[i], out);
        fputc('\n', out);
    }
}

/* --- help and reference ----------------------------------------------------- */

/* text without Markdown backticks, for the terminal */
static void
put_plain(FILE *out, const char *s)
{
    for (; *s != '\0'; s++)
        if (*s != '`')
            fputc(*s, out);
}

/* help text without backticks, folded at spaces into lines of at most 78 columns */
static void
put_folded(FILE *out, const char *s, int indent)
{
    int col = indent;

    fprintf(out, "%*s", indent, "");
    while (*s != '\0') {
        const char *end = s;
        int width = 0;
        while (*end != '\0' && *end != ' ') {
            /* count columns, not bytes: UTF-8 continuation bytes take none */
            width += *end != '`' && ((unsigned char)*end & 0xC0) != 0x80;
            end++;
        }
        if (col > indent && col + 1 + width > 78) {
            fprintf(out, "\n%*s", indent, "");
            col = indent;
        } else if (col > indent) {
            fputc(' ', out);
            col++;
        }
        for (; s < end; s++)
            if (*s != '`')
                fputc(*s, out);
        col += width;
        while (*s == ' ')
            s++;
    }
    fputc('\n', out);
}

static void
put_default(FILE *out, const struct option *o, int markdown)
{
    if (o->def_doc != NULL) {
        if (markdown)
            fputs(o->def_doc, out);
        else
            put_plain(out, o->def_doc);
    } else if (o->def != NULL) {
        fprintf(out, markdown ? "`%s`" : "%s", o->def);
    } else {
        fputs("unset", out);
    }
}

void
gw_config_print_help(FILE *out)
{
    const char *group = NULL;

    fputs("Environment variables (a secret KAIZEN_X may instead be read from the file\n"
          "named by KAIZEN_X_FILE):\n", out);
    for (size_t i = 0; i < NOPTIONS; i++) {
        const struct option *o = &options[i];
        if (group != o->group) {
            group = o->group;
            fprintf(out, "\n  %s\n", group);
        }
        fprintf(out, "  %s%s (default: ", o->name, o->secret ? " [secret]" : "");
        put_default(out, o, 0);
        fputs(")\n", out);
        put_folded(out, o->help, 6);
    }
}

/* text for roff: no backticks, backslashes doubled, '-' as \- */
static void
put_roff(FILE *out, const char *s)
{
    for (; *s != '\0'; s++) {
        if (*s == '`')
            continue;
        if (*s == '\\' || *s == '-')
            fputc('\\', out);
        fputc(*s, out);
    }
}

void
gw_config_print_man(FILE *out)
{
    const char *group = NULL;

    for (size_t i = 0; i < NOPTIONS; i++) {
        const struct option *o = &options[i];
        if (group != o->group) {
            group = o->group;
            fprintf(out, ".SS %s\n", group);
        }
        fputs(".TP\n.B ", out);
        put_roff(out, o->name);
        fputs(o->secret ? " \\fR(secret; or \\fB" : "\n", out);
        if (o->secret) {
            put_roff(out, o->name);
            fputs("_FILE\\fR)\n", out);
        }
        put_roff(out, o->help);
        fputs(". Default: ", out);
        if (o->def_doc != NULL)
            put_roff(out, o->def_doc);
        else
            put_roff(out, o->def != NULL ? o->def : "unset");
        fputs(".\n", out);
    }
}

void
gw_config_print_reference(FILE *out)
{
    const char *group = NULL;

    fputs("# Configuration\n\n"
          "<!-- Generated by `kaizen-gateway --help-markdown` from the configuration table in\n"
          "     gateway/app/config.c; do not edit. A test fails when this file is stale. -->\n\n"
          "All configuration comes from `KAIZEN_*` environment variables. An empty variable\n"
          "counts as unset. An invalid value makes the gateway (and `--check-config`) exit\n"
          "with status 2 and one line on stderr naming the variable and what is wrong.\n\n"
          "* **Secrets** (marked 🔒) also accept `KAIZEN_X_FILE`: a path whose contents are\n"
          "  read with one trailing newline stripped, as Kubernetes mounts secrets. Setting\n"
          "  both is an error. A secret is never logged or printed.\n"
          "* **Durations** take `90s`, `15m`, `2h`, `3d`, `1w` or bare seconds.\n"
          "* **Sizes** take `5MiB`, `512KiB`, `1MB` or bytes.\n"
          "* **Booleans** take `1`, `true`, `yes` or `0`, `false`, `no`.\n"
          "* A `KAIZEN_*` variable that is none of these (a typo) is logged as a warning at\n"
          "  start-up, naming the closest known one, and makes `--check-config` exit 2.\n"
          "* `kaizen-gateway --check-config` prints every variable's effective value\n"
          "  (secrets as `(set)`).\n", out);
    for (size_t i = 0; i < NOPTIONS; i++) {
        const struct option *o = &options[i];
        if (group != o->group) {
            group = o->group;
            fprintf(out, "\n## %s\n\n| variable | default | meaning |\n|---|---|---|\n", group);
        }
        fprintf(out, "| `%s`%s | ", o->name, o->secret ? " 🔒" : "");
        put_default(out, o, 1);
        fprintf(out, " | %s |\n", o->help);
    }
}
