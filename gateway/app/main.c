/*
 * kaizen-gateway: GitHub and Alertmanager webhooks -> tickets in Redis ->
 * Slack digests, pages, feeds and metrics. One event loop, no threads.
 */
#include <errno.h>
#include <event2/event.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

#include "gateway/app/app.h"
#include "gateway/core/routes.h"
#include "gateway/app/reload.h"
#include "gateway/util/clock.h"
#include "gateway/core/hmac.h"
#include "gateway/text/mustache.h"
#include "gateway/text/render.h"
#include "gateway/util/log.h"

#define DRAIN_SECONDS 10

extern char **environ;

static const char usage[] =
    "usage: kaizen-gateway [--help | --help-markdown | --version | --check-config]\n"
    "       kaizen-gateway sign --secret SECRET [FILE]\n"
    "       kaizen-gateway sign --slack --secret SECRET --timestamp UNIX_SECONDS [FILE]\n"
    "       kaizen-gateway sleep SECONDS\n"
    "\n"
    "Receives GitHub and Alertmanager webhooks, keeps tickets and SLA deadlines\n"
    "in Redis, and serves /api/tickets, /metrics, /healthz and /readyz.\n"
    "Configuration is read from the KAIZEN_* environment variables below;\n"
    "SIGHUP or POST /-/reload re-reads the templates and the routes file.\n"
    "\n"
    "  --help          show this help\n"
    "  --help-markdown print the configuration reference (docs/configuration.md)\n"
    "  --version       print the version, and whether Redis TLS (rediss://) is built in\n"
    "  --check-config  validate the environment and templates, print a summary,\n"
    "                  exit 0 (valid) or 2 (invalid)\n"
    "  sign            print sha256=<hex> HMAC of FILE (or stdin) for curl tests;\n"
    "                  with --slack, the X-Slack-Signature (v0=<hex>) of a Slack\n"
    "                  request body sent at --timestamp\n"
    "  sleep           wait SECONDS (0-300) and exit 0: a preStop hook for an image\n"
    "                  that has no /bin/sleep\n";

static const char *
real_getenv(const char *name)
{
    return getenv(name);
}

static int
cmd_sign(int argc, char **argv)
{
    const char *secret = NULL, *path = NULL, *timestamp = NULL;
    char sig[GW_SIGNATURE_LEN + GW_SLACK_SIGNATURE_LEN + 1];
    char *body = NULL;
    size_t len = 0, cap = 0;
    int slack = 0, rc = 2;
    FILE *in = stdin;

    for (int i = 2; i < argc; i++) {
        if (strcmp(argv[i], "--secret") == 0 && i + 1 < argc) {
            secret = argv[++i];
        } else if (strcmp(argv[i], "--timestamp") == 0 && i + 1 < argc) {
            timestamp = argv[++i];
        } else if (strcmp(argv[i], "--slack") == 0) {
            slack = 1;
        } else if (path == NULL && argv[i][0] != '-') {
            path = argv[i];
        } else {
            fprintf(stderr, "kaizen-gateway sign: unexpected argument %s\n%s", argv[i], usage);
            return 2;
        }
    }
    if (secret == NULL) {
        fprintf(stderr, "kaizen-gateway sign: --secret is required\n");
        return 2;
    }
    if (slack != (timestamp != NULL) ||
        (timestamp != NULL && strspn(timestamp, "0123456789") != strlen(timestamp))) {
        fprintf(stderr, "kaizen-gateway sign: --slack and --timestamp UNIX_SECONDS go together\n");
        return 2;
    }
    if (path != NULL && (in = fopen(path, "rb")) == NULL) {
        fprintf(stderr, "kaizen-gateway sign: %s: %s\n", path, strerror(errno));
        return 2;
    }
    for (;;) {
        if (len == cap) {
            char *grown = realloc(body, cap = cap ? cap * 2 : 65536);
            if (grown == NULL) {
                rc = 1;
                goto done;
            }
            body = grown;
        }
        size_t n = fread(body + len, 1, cap - len, in);
        if (n == 0)
            break;
        len += n;
    }
    if (!slack)
        gw_hmac_sign(secret, body, len, sig);
    else if (gw_slack_sign(secret, timestamp, body, len, sig) != 0) {
        rc = 1;
        goto done;
    }
    printf("%s\n", sig);
    rc = 0;
done:
    if (in != stdin)
        fclose(in);
    free(body);
    return rc;
}

/* Each line of text, indented under a heading of the summary. */
static void
print_lines(const char *heading, const char *text)
{
    while (*text != '\0') {
        size_t n = strcspn(text, "\n");
        printf("  %-17s %.*s\n", heading, (int)n, text);
        heading = "";
        text += n + (text[n] == '\n');
    }
}

/* --check-config: what is on, then every setting (secrets redacted). */
static void
print_summary(const struct gw_config *c, size_t unknown, const char *tls_report)
{
    if (unknown > 0)
        printf("kaizen-gateway %s: configuration is invalid: %zu unknown KAIZEN_* variable(s)\n",
               KAIZEN_VERSION, unknown);
    else
        printf("kaizen-gateway %s: configuration is valid\n", KAIZEN_VERSION);
    printf("  github            %s (%zu secret(s))\n",
           c->github_secrets.n ? "enabled" : "disabled", c->github_secrets.n);
    printf("  alertmanager      %s\n", c->alertmanager_token || c->alertmanager_secret
                                           ? "enabled" : "disabled");
    printf("  admin token       %s\n", c->admin_token ? "set" : "unset (loopback only)");
    printf("  redis             %s%s%s\n", c->redis.tls.on ? "TLS" : "no TLS",
           c->redis.auth.username != NULL ? ", ACL user " : "",
           c->redis.auth.username != NULL ? c->redis.auth.username : "");
    if (c->redis.tls.on)
        print_lines("redis tls ok", tls_report);
    if (c->slack_bot_token != NULL)
        printf("  slack             %sWeb API %s, channel %s\n", c->dry_run ? "dry-run, " : "",
               c->slack_api_url, c->slack_channel ? c->slack_channel : "(the routes' default)");
    else
        printf("  slack             %s\n",
               c->dry_run ? "dry-run" : c->slack_webhook_url ? "incoming webhook set" : "unset (dry-run)");
    printf("  slack buttons     %s\n", c->slack_signing_secret
                                          ? "Acknowledge (POST /webhooks/slack, signing secret set)"
                                          : "off (KAIZEN_SLACK_SIGNING_SECRET unset)");
    printf("  pagerduty         %s\n", c->pager_routing_key ? "routing key set"
                                      : c->routes_file ? "routing keys from the routes file"
                                                       : "off (KAIZEN_PAGER_ROUTING_KEY unset)");
    printf("every setting:\n");
    gw_config_print_effective(c, stdout);
}

/* A KAIZEN_* variable no one reads: logged, and an error for --check-config. */
static void
on_unknown(const char *name, const char *closest, void *arg)
{
    int check_only = *(const int *)arg;
    char hint[160] = "";

    if (closest != NULL)
        snprintf(hint, sizeof(hint), " (did you mean %s?)", closest);
    if (check_only)
        fprintf(stderr, "kaizen-gateway: unknown variable %s%s\n", name, hint);
    else
        gw_log(GW_LOG_WARN, "unknown variable; it is ignored", "variable", name, "did_you_mean",
               closest, NULL);
}

/* --- running ------------------------------------------------------------- */

struct runtime {
    struct gw_app app;
    struct event_base *base;
    struct event *sig_term, *sig_int, *sig_hup, *drain_timer, *drain_poll;
    int stopping;
    int exiting;      /* the loop is done: teardown must not start new work */
};

/* HTTP is drained; exit once no delivery is in flight either. */
static void
on_drain_poll(evutil_socket_t fd, short what, void *arg)
{
    struct runtime *rt = arg;
    (void)fd;
    (void)what;
    if (rt->exiting || gw_http_inflight(rt->app.http) > 0 || gw_app_busy(&rt->app) > 0)
        return;
    gw_log(GW_LOG_INFO, "drained; exiting", NULL);
    rt->exiting = 1;
    event_base_loopexit(rt->base, NULL);
}

static void
on_drained(void *arg)
{
    struct runtime *rt = arg;
    struct timeval tv = {0, 50000};
    /* Teardown answers requests still waiting on Redis: that drains again. */
    if (rt->exiting || rt->drain_poll != NULL)
        return;
    rt->drain_poll = event_new(rt->base, -1, EV_PERSIST, on_drain_poll, rt);
    event_add(rt->drain_poll, &tv);
    on_drain_poll(-1, 0, rt);
}

static void
on_drain_timeout(evutil_socket_t fd, short what, void *arg)
{
    struct runtime *rt = arg;
    char n[16];
    (void)fd;
    (void)what;
    snprintf(n, sizeof(n), "%d", gw_http_inflight(rt->app.http));
    gw_log(GW_LOG_WARN, "drain deadline reached; exiting with requests in flight", "inflight", n,
           NULL);
    rt->exiting = 1;
    event_base_loopexit(rt->base, NULL);
}

static void
on_signal(evutil_socket_t sig, short what, void *arg)
{
    struct runtime *rt = arg;
    struct timeval deadline = {DRAIN_SECONDS - 1, 500000};
    (void)what;
    if (rt->stopping)
        return;
    rt->stopping = 1;
    gw_log(GW_LOG_INFO, "shutting down", "signal", sig == SIGTERM ? "SIGTERM" : "SIGINT", NULL);
    evtimer_add(rt->drain_timer, &deadline);
    gw_app_stop(&rt->app, on_drained, rt);
}

/* SIGHUP: reload the templates and routes file (gw_app_reload logs the outcome). */
static void
on_hangup(evutil_socket_t sig, short what, void *arg)
{
    struct runtime *rt = arg;
    char err[1024];
    (void)sig;
    (void)what;
    if (!rt->stopping)
        gw_app_reload(&rt->app, err, sizeof(err));
}

/*
 * The event loop. With epoll's changelist, the event adds and deletes of
 * one loop pass (hiredis asks for write readiness per command, evhttp per
 * reply) are folded into one epoll_ctl per descriptor. The gateway never
 * dup()s a descriptor, the case the changelist gets wrong.
 */
static struct event_base *
new_base(void)
{
    struct event_config *cfg = event_config_new();
    struct event_base *base;

    if (cfg == NULL)
        return NULL;
    event_config_set_flag(cfg, EVENT_BASE_FLAG_EPOLL_USE_CHANGELIST);
    base = event_base_new_with_config(cfg);
    event_config_free(cfg);
    return base;
}

static int
run(const struct gw_config *cfg, struct gw_templates *templates, struct gw_routes *routes)
{
    struct runtime rt;
    int port = 0, rc = 1;
    char port_s[16];

    memset(&rt, 0, sizeof(rt));
    signal(SIGPIPE, SIG_IGN);
    srand((unsigned)(gw_monotonic() * 1e6) ^ (unsigned)getpid());
    if ((rt.base = new_base()) == NULL)
        return 1;
    if (gw_app_init(&rt.app, rt.base, cfg, templates, routes) != 0 || gw_app_start(&rt.app, &port) != 0)
        goto done;
    snprintf(port_s, sizeof(port_s), "%d", port);
    gw_log(GW_LOG_INFO, "listening", "address", cfg->listen_host, "port", port_s, "version",
           KAIZEN_VERSION, NULL);

    rt.sig_term = evsignal_new(rt.base, SIGTERM, on_signal, &rt);
    rt.sig_int = evsignal_new(rt.base, SIGINT, on_signal, &rt);
    rt.sig_hup = evsignal_new(rt.base, SIGHUP, on_hangup, &rt);
    rt.drain_timer = evtimer_new(rt.base, on_drain_timeout, &rt);
    evsignal_add(rt.sig_term, NULL);
    evsignal_add(rt.sig_int, NULL);
    evsignal_add(rt.sig_hup, NULL);

    event_base_dispatch(rt.base);
    rc = 0;
done:
    rt.exiting = 1;
    if (rt.sig_term != NULL)
        event_free(rt.sig_term);
    if (rt.sig_int != NULL)
        event_free(rt.sig_int);
    if (rt.sig_hup != NULL)
        event_free(rt.sig_hup);
    if (rt.drain_timer != NULL)
        event_free(rt.drain_timer);
    if (rt.drain_poll != NULL)
        event_free(rt.drain_poll);
    gw_app_free(&rt.app);
    event_base_free(rt.base);
    return rc;
}

/* kaizen-gateway sleep SECONDS: the Kubernetes preStop delay (the image has no shell). */
static int
cmd_sleep(int argc, char **argv)
{
    char *end = NULL;
    long seconds = argc == 3 ? strtol(argv[2], &end, 10) : -1;

    if (argc != 3 || end == argv[2] || *end != '\0' || seconds < 0 || seconds > 300) {
        fputs("usage: kaizen-gateway sleep SECONDS (0-300)\n", stderr);
        return 2;
    }
    for (unsigned left = (unsigned)seconds; left > 0;)
        left = sleep(left);   /* the rest, when a signal cut it short */
    return 0;
}

int
main(int argc, char **argv)
{
    struct gw_config cfg;
    struct gw_templates *templates = NULL;
    struct gw_routes *routes = NULL;
    char err[512], tls_report[1024] = "";
    int check_only = 0, rc;
    size_t unknown;

    if (argc > 1 && strcmp(argv[1], "sign") == 0)
        return cmd_sign(argc, argv);
    if (argc > 1 && strcmp(argv[1], "sleep") == 0)
        return cmd_sleep(argc, argv);
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            fputs(usage, stdout);
            fputc('\n', stdout);
            gw_config_print_help(stdout);
            return 0;
        } else if (strcmp(argv[i], "--help-markdown") == 0) {
            gw_config_print_reference(stdout);
            return 0;
        } else if (strcmp(argv[i], "--version") == 0) {
            printf("kaizen-gateway %s (tls: %s, hiredis %d.%d.%d%s)\n", KAIZEN_VERSION,
                   gw_redis_tls_built() ? "yes" : "no", HIREDIS_MAJOR, HIREDIS_MINOR,
                   HIREDIS_PATCH, gw_redis_tls_built() ? " with hiredis_ssl" : " without hiredis_ssl");
            return 0;
        } else if (strcmp(argv[i], "--check-config") == 0) {
            check_only = 1;
        } else {
            fprintf(stderr, "kaizen-gateway: unknown argument %s\n%s", argv[i], usage);
            return 2;
        }
    }
    rc = 2;
    if (gw_config_load(&cfg, real_getenv, err, sizeof(err)) != 0) {
        fprintf(stderr, "kaizen-gateway: invalid configuration: %s\n", err);
        goto done;
    }
    gw_log_set_level((enum gw_log_level)cfg.log_level);
    /* The TLS files are read again for every connection; here they must exist and fit. */
    if (cfg.redis.tls.on &&
        gw_redis_tls_check(&cfg.redis.tls, tls_report, sizeof(tls_report), err, sizeof(err)) != 0) {
        fprintf(stderr, "kaizen-gateway: invalid configuration: %s\n", err);
        goto done;
    }
    unknown = gw_config_unknown(environ, on_unknown, &check_only);
    if ((templates = gw_load_templates(&cfg, err, sizeof(err))) == NULL) {
        fprintf(stderr, "kaizen-gateway: invalid templates: %s\n", err);
        goto done;
    }
    if (gw_load_routes(&cfg, &routes, err, sizeof(err)) != 0) {
        fprintf(stderr, "kaizen-gateway: invalid routes: %s\n", err);
        goto done;
    }
    if (check_only) {
        print_summary(&cfg, unknown, tls_report);
        printf("  templates ok      %s\n", cfg.templates_dir);
        if (routes != NULL) {
            printf("  routes ok         %s\n", cfg.routes_file);
            gw_routes_print(routes, stdout);
        } else {
            printf("  routes            none (KAIZEN_ROUTES_FILE unset: one Slack destination "
                   "and pager key)\n");
        }
        rc = unknown > 0 ? 2 : 0;
        goto done;
    }
    rc = run(&cfg, templates, routes);
done:
    gw_routes_free(routes);
    gw_templates_free(templates);
    gw_config_free(&cfg);
    return rc;
}
