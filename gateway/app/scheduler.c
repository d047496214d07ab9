#include "gateway/app/scheduler.h"

#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gateway/jobs/breach_check.h"
#include "gateway/app/config.h"
#include "gateway/core/dates.h"
#include "gateway/core/hmac.h"
#include "gateway/core/pager.h"
#include "gateway/core/schedule.h"
#include "gateway/jobs/gauges.h"
#include "gateway/jobs/retention.h"
#include "gateway/core/routing.h"
#include "gateway/store/canaries.h"
#include "gateway/store/digests.h"
#include "gateway/store/migrate.h"
#include "gateway/store/outbox.h"
#include "gateway/store/tickets.h"
#include "gateway/core/telemetry.h"
#include "gateway/text/blockkit.h"
#include "gateway/text/render.h"
#include "gateway/text/render_base.h"
#include "gateway/text/render_rss.h"
#include "gateway/util/log.h"

#define DUE_BATCH 100          /* canary pages per look */
#define GW_DIGEST_FETCH_MAX 20000   /* tickets read for the digests of every channel */
#define STATS_SECONDS 5
#define RETENTION_SECONDS 60

struct gw_scheduler {
    struct gw_scheduler_deps d;
    struct event *digest_tick, *check_tick, *stats_tick, *retention_tick;
    struct gw_breach_check *breaches;
    struct gw_retention *retention;
    char done_window[64];   /* last window this replica saw handled */
    int digest_busy, canary_busy, retention_started;
    unsigned manual_seq;    /* with token, makes manual digest ids unique */
    char token[GW_TOKEN_LEN];
    int stopped;
};

static int
may_start(const struct gw_scheduler *s, int busy)
{
    return !s->stopped && !busy && gw_redis_ready(s->d.redis);
}

static char *
dump(json_t *v)
{
    return v != NULL ? json_dumps(v, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
}

/* --- building a digest ------------------------------------------------------ */

struct build {
    struct gw_scheduler *s;
    char window[64];        /* "" for a manual digest */
    int64_t now;
    size_t messages;
    gw_digest_cb cb;
    void *arg;
};

static void
build_done(struct build *b, const struct gw_redis_error *err)
{
    if (b->window[0] != '\0')
        b->s->digest_busy = 0; /* on failure: try again on the next tick */
    if (b->cb != NULL)
        b->cb(err == NULL ? b->messages : 0, err, b->arg);
    free(b);
}

static void
on_digest_enqueued(int enqueued, const struct gw_redis_error *err, void *arg)
{
    struct build *b = arg;
    char n[24];

    snprintf(n, sizeof(n), "%zu", b->messages);
    if (err != NULL)
        gw_log(GW_LOG_WARN, "digest not enqueued", "window", b->window, "error", err->text, NULL);
    else if (b->window[0] == '\0')
        gw_log(GW_LOG_INFO, "digest enqueued on request", "messages", n, NULL);
    else {
        snprintf(b->s->done_window, sizeof(b->s->done_window), "%s", b->window);
        if (enqueued)
            gw_log(GW_LOG_INFO, b->messages ? "digest enqueued"
                                            : "digest window claimed; no open tickets",
                   "window", b->window, "messages", n, NULL);
    }
    if (!enqueued)
        b->messages = 0;
    build_done(b, err);
}

/* A digest with no open tickets, when KAIZEN_DIGEST_SKIP_EMPTY=0. */
static json_t *
all_clear(const struct gw_digest_renderer *r)
{
    char *header = r->header(r->ctx, 0, 0, 1, 1);
    char *text = r->fallback(r->ctx, 0, 0, 1, 1);
    json_t *msg = json_pack("{s:s, s:[{s:s, s:{s:s, s:s}}]}", "text",
                            text ? text : "No open tickets", "blocks", "type", "header", "text",
                            "type", "plain_text", "text", header ? header : "No open tickets");
    free(header);
    free(text);
    return msg;
}

/* The digests feed keeps what was built (sent, or in dry-run only built). */
static char *
digest_record(const struct build *b, const char *id, size_t open, json_t *messages,
              const char *description)
{
    char at[GW_RFC3339_LEN];
    json_t *rec;
    char *text;

    gw_time_format_rfc3339(b->now, at, sizeof(at));
    rec = json_pack("{s:s, s:s, s:I, s:s, s:O}", "id", id, "at", at, "open_tickets",
                    (json_int_t)open, "description", description != NULL ? description : "",
                    "messages", messages);
    text = dump(rec);
    json_decref(rec);
    return text;
}

/* Open tickets per component (the counts are per component and severity). */
static size_t
component_totals(const struct gw_ticket_list *list, const char **names, size_t *open)
{
    size_t n = 0;
    for (size_t i = 0; i < list->nopen; i++) {
        size_t j = 0;
        while (j < n && strcmp(names[j], list->open[i].component) != 0)
            j++;
        if (j == n) {
            names[n] = list->open[i].component;
            open[n++] = 0;
        }
        open[j] += (size_t)(list->open[i].count > 0 ? list->open[i].count : 0);
    }
    return n;
}

/* Adds k open tickets of component to the totals (names[0..*n)). */
static void
add_total(const char **names, size_t *open, size_t *n, const char *component, size_t k)
{
    size_t j = 0;
    while (j < *n && strcmp(names[j], component) != 0)
        j++;
    if (j == *n) {
        names[j] = component;
        open[(*n)++] = 0;
    }
    open[j] += k;
}

/*
 * The open totals of the tickets routed to dest: from the counts (per
 * component and severity) where both sources route alike, else (a route
 * matching on source) from the tickets listed, which then is all that is
 * known. names/open hold room for every count and listed ticket.
 */
static size_t
channel_totals(const struct gw_routing *routing, const struct gw_ticket_list *list,
               const struct gw_ticket *listed, size_t nlisted, const char *dest,
               const char **names, size_t *open)
{
    size_t n = 0;
    char a[GW_DEST_LEN], b[GW_DEST_LEN];

    for (size_t i = 0; i < list->nopen; i++) {
        const struct gw_count *c = &list->open[i];
        struct gw_ticket probe = {0};
        probe.component = (char *)c->component;
        probe.severity = gw_severity_parse(c->severity);
        probe.source = (char *)"github";
        gw_routing_ticket(routing, &probe, a, sizeof(a));
        probe.source = (char *)"alertmanager";
        gw_routing_ticket(routing, &probe, b, sizeof(b));
        if (strcmp(a, b) == 0 && strcmp(a, dest) == 0 && c->count > 0)
            add_total(names, open, &n, c->component, (size_t)c->count);
    }
    for (size_t i = 0; i < nlisted; i++) {
        struct gw_ticket probe = listed[i];
        probe.source = (char *)"github";
        gw_routing_ticket(routing, &probe, a, sizeof(a));
        probe.source = (char *)"alertmanager";
        gw_routing_ticket(routing, &probe, b, sizeof(b));
        if (strcmp(a, b) != 0)
            add_total(names, open, &n, listed[i].component, 1);
    }
    return n;
}

/* One channel's digest messages (a JSON array), or the all-clear, or none. */
static json_t *
channel_digest(struct build *b, const struct gw_ticket *tickets, size_t n,
               const struct gw_digest_totals *totals, struct gw_template_renderer *renderer)
{
    const struct gw_config *cfg = b->s->d.cfg;
    json_t *messages = gw_digest_build_capped(tickets, n, totals, b->now, cfg->sla_warn,
                                              cfg->sla_crit, &renderer->vtable);
    if (messages == NULL)
        abort();
    if (json_array_size(messages) == 0 && !cfg->digest_skip_empty)
        json_array_append_new(messages, all_clear(&renderer->vtable));
    return messages;
}

static void
on_open_tickets(const struct gw_ticket_list *list, const struct gw_redis_error *err, void *arg)
{
    struct build *b = arg;
    const struct gw_ticket *tickets = list != NULL ? list->tickets : NULL;
    size_t n = list != NULL ? list->n : 0, ndests, nmsgs = 0, all_open = 0;
    const char **names = NULL;
    size_t *open = NULL;
    char feed_url[600], base[200], prefix[400];
    const struct gw_config *cfg = b->s->d.cfg;
    const struct gw_routing *routing = b->s->d.routing;
    const struct gw_templates *templates = b->s->d.templates;
    struct gw_template_renderer renderer;
    struct gw_outbox_batch *batches;
    struct gw_outbox_msg *msgs = NULL;
    struct gw_ticket *mine;
    char *record = NULL, *description = NULL;
    char (*dests)[GW_DEST_LEN];
    json_t *all_messages;
    int64_t window_ttl;

    if (err != NULL) {
        build_done(b, err);
        return;
    }
    gw_template_renderer_init(&renderer, templates, b->now);
    names = calloc(list->nopen + n + 1, sizeof(*names));
    open = calloc(list->nopen + n + 1, sizeof(*open));
    dests = calloc(GW_ROUTES_MAX + 1, sizeof(*dests));
    mine = calloc(n + 1, sizeof(*mine));
    all_messages = json_array();
    if (names == NULL || open == NULL || dests == NULL || mine == NULL || all_messages == NULL)
        abort();
    snprintf(feed_url, sizeof(feed_url), "%s/feeds/tickets.rss", cfg->public_url);
    if (b->window[0] != '\0')
        snprintf(base, sizeof(base), "digest:%s:", b->window);
    else   /* unique across replicas and restarts: this replica's token and a counter */
        snprintf(base, sizeof(base), "digest:manual-%s-%u:", b->s->token, b->s->manual_seq);
    /* One digest per Slack destination, each of the tickets routed to it. */
    ndests = gw_routing_slack_dests(routing, dests, GW_ROUTES_MAX + 1);
    if ((batches = calloc(ndests + 1, sizeof(*batches))) == NULL)
        abort();
    for (size_t d = 0; d < ndests; d++) {
        struct gw_digest_totals totals;
        size_t k = 0;
        json_t *messages;

        if (gw_routing_per_channel(routing)) {
            char dest[GW_DEST_LEN];
            for (size_t i = 0; i < n && k < (size_t)cfg->digest_max_tickets; i++) {
                gw_routing_ticket(routing, &tickets[i], dest, sizeof(dest));
                if (strcmp(dest, dests[d]) == 0)
                    mine[k++] = tickets[i];
            }
            totals = (struct gw_digest_totals){
                names, open, channel_totals(routing, list, mine, k, dests[d], names, open),
                feed_url};
            snprintf(prefix, sizeof(prefix), "%s%s:", base, dests[d] + strlen(GW_DEST_SLACK ":"));
        } else {
            if (n > 0)
                memcpy(mine, tickets, n * sizeof(*mine));
            k = n;
            totals = (struct gw_digest_totals){names, open, component_totals(list, names, open),
                                               feed_url};
            snprintf(prefix, sizeof(prefix), "%s", base);
        }
        for (size_t i = 0; i < totals.n; i++)
            all_open += open[i];
        messages = channel_digest(b, mine, k, &totals, &renderer);
        gw_outbox_batch_init(&batches[d], messages, dests[d], GW_MSG_DIGEST, prefix, 1);
        gw_outbox_batch_append(&msgs, &nmsgs, &batches[d]);
        json_array_extend(all_messages, messages);
        json_decref(messages);
    }
    if (nmsgs > 0) {
        description = gw_render_rss_digest(templates, tickets, n, b->now, cfg->sla_warn,
                                           cfg->sla_crit);
        record = digest_record(b, b->window[0] ? b->window : msgs[0].id, all_open, all_messages,
                               description);
    }
    /* The claim outlives its window, so a late replica never posts it again. */
    window_ttl = cfg->digest_every > 0 ? (cfg->digest_every * 2 > 60 ? cfg->digest_every * 2 : 60)
                                       : 2 * 86400;
    b->messages = nmsgs;
    /* Every channel's digest in one step with the window's claim: once per window. */
    gw_digests_enqueue(b->s->d.digests, b->window[0] ? b->window : NULL, window_ttl, record,
                       msgs, nmsgs, on_digest_enqueued, b);
    for (size_t d = 0; d < ndests; d++)
        gw_outbox_batch_clear(&batches[d]);
    free(batches);
    free(msgs);
    free(record);
    free(description);
    free(names);
    free(open);
    free(dests);
    free(mine);
    json_decref(all_messages);
}

static void
start_build(struct gw_scheduler *s, const char *window, gw_digest_cb cb, void *arg)
{
    struct build *b = calloc(1, sizeof(*b));

    if (b == NULL)
        abort();
    b->s = s;
    b->now = gw_now();
    if (window == NULL)
        s->manual_seq++;
    b->cb = cb;
    b->arg = arg;
    snprintf(b->window, sizeof(b->window), "%s", window != NULL ? window : "");
    /* Per channel: each channel's most urgent among the most urgent of all. */
    long limit = s->d.cfg->digest_max_tickets;
    if (gw_routing_per_channel(s->d.routing)) {
        limit *= (long)gw_routing_slack_count(s->d.routing);
        if (limit > GW_DIGEST_FETCH_MAX)
            limit = GW_DIGEST_FETCH_MAX;
    }
    gw_tickets_urgent(s->d.tickets, limit, on_open_tickets, b);
}

void
gw_scheduler_digest_now(struct gw_scheduler *s, gw_digest_cb cb, void *arg)
{
    start_build(s, NULL, cb, arg);
}

/* Another replica may have handled the window: a cheap check before building. */
struct window_check {
    struct gw_scheduler *s;
    char window[64];
};

static void
on_window_checked(int claimed, const struct gw_redis_error *err, void *arg)
{
    struct window_check *wc = arg;
    struct gw_scheduler *s = wc->s;

    if (err != NULL) {
        s->digest_busy = 0;
    } else if (claimed) {
        snprintf(s->done_window, sizeof(s->done_window), "%s", wc->window);
        s->digest_busy = 0;
    } else {
        start_build(s, wc->window, NULL, NULL);
    }
    free(wc);
}

static void
on_digest_tick(evutil_socket_t fd, short what, void *arg)
{
    struct gw_scheduler *s = arg;
    const struct gw_config *cfg = s->d.cfg;
    struct window_check *wc;
    char window[64], late[24];
    int64_t now = gw_now(), start;
    (void)fd;
    (void)what;

    if (!may_start(s, s->digest_busy))
        return;
    start = gw_digest_window(now, cfg->digest_every, cfg->digest_at_minute, window, sizeof(window));
    if (strcmp(window, s->done_window) == 0)
        return;
    if (now - start > gw_digest_grace(cfg->digest_every)) {
        /* Not caught up hours late: the next window comes on time. */
        snprintf(s->done_window, sizeof(s->done_window), "%s", window);
        snprintf(late, sizeof(late), "%lld", (long long)(now - start));
        gw_log(GW_LOG_INFO, "digest window skipped: past its grace period", "window", window,
               "seconds_late", late, NULL);
        return;
    }
    if ((wc = malloc(sizeof(*wc))) == NULL)
        abort();
    wc->s = s;
    snprintf(wc->window, sizeof(wc->window), "%s", window);
    s->digest_busy = 1;
    gw_digests_window_claimed(s->d.digests, window, on_window_checked, wc);
}

/* --- canary pages ------------------------------------------------------------ */

struct page_batch {
    struct gw_scheduler *s;
    size_t pending;
};

static void
on_page_enqueued(int enqueued, const struct gw_redis_error *err, void *arg)
{
    struct page_batch *pb = arg;

    if (err != NULL && err->kind != GW_REDIS_UNAVAILABLE)
        gw_log(GW_LOG_WARN, "canary page not enqueued", "error", err->text, NULL);
    if (enqueued)
        gw_metric_inc(pb->s->d.telemetry->canary_pages, NULL, 1);
    if (--pb->pending > 0)
        return;
    pb->s->canary_busy = 0;
    free(pb);
}

/*
 * One page per canary over budget: a PagerDuty trigger (when a routing key
 * is set) and a Slack message, enqueued together with "mark paged".
 */
static void
on_due_canaries(const struct gw_canary *canaries, size_t n, const struct gw_redis_error *err,
                void *arg)
{
    struct page_batch *pb = arg;
    struct gw_scheduler *s = pb->s;
    int64_t now = gw_now();

    pb->pending = 1;
    for (size_t i = 0; err == NULL && i < n; i++) {
        const struct gw_canary *c = &canaries[i];
        struct gw_canary_info info = {c->id, c->service, c->environment, c->started_at,
                                      c->budget_seconds, now, NULL, 0};
        char dest[GW_DEST_LEN], rk[200];
        gw_routing_canary(s->d.routing, c->service, dest, sizeof(dest), rk, sizeof(rk));
        char *summary = gw_render_canary_summary(s->d.templates, &info);
        json_t *slack = gw_render_canary_slack(s->d.templates, &info);
        json_t *trigger = rk[0] != '\0' && summary != NULL ? gw_pager_trigger(rk, c, summary, now)
                                                           : NULL;
        char *slack_body, *pager_body = dump(trigger);
        char pager_id[320], slack_id[320], value[300];
        struct gw_outbox_msg msgs[2];
        size_t count = 0;

        /* With interactivity set up, the page can be acknowledged from Slack. */
        snprintf(value, sizeof(value), "canary:%s", c->id);
        if (slack != NULL && s->d.cfg->slack_signing_secret != NULL &&
            gw_render_add_ack_button(slack, value) != 0) {
            json_decref(slack);
            slack = NULL;
        }
        slack_body = dump(slack);
        snprintf(pager_id, sizeof(pager_id), "page:%s:%lld:pager", c->id, (long long)c->started_at);
        snprintf(slack_id, sizeof(slack_id), "page:%s:%lld:slack", c->id, (long long)c->started_at);
        if (pager_body != NULL)
            msgs[count++] = (struct gw_outbox_msg){pager_id, GW_DEST_PAGER, GW_MSG_PAGE, pager_body};
        if (slack_body != NULL)
            msgs[count++] = (struct gw_outbox_msg){slack_id, dest, GW_MSG_PAGE, slack_body};
        if (count > 0 && (rk[0] == '\0' || pager_body != NULL)) {
            pb->pending++;
            gw_canaries_page(s->d.canaries, c->id, dest, rk, msgs, count, on_page_enqueued, pb);
        }
        free(summary);
        free(slack_body);
        free(pager_body);
        json_decref(slack);
        json_decref(trigger);
    }
    on_page_enqueued(0, NULL, pb);
}

static void
check_canaries(struct gw_scheduler *s)
{
    struct page_batch *pb;

    if (!may_start(s, s->canary_busy))
        return;
    if ((pb = calloc(1, sizeof(*pb))) == NULL)
        abort();
    pb->s = s;
    s->canary_busy = 1;
    gw_canaries_due(s->d.canaries, gw_now(), DUE_BATCH, on_due_canaries, pb);
}

static void
on_check_tick(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    struct gw_scheduler *s = arg;
    gw_breach_check_run(s->breaches);
    check_canaries(s);
}

/* --- lifecycle --------------------------------------------------------------- */

struct gw_scheduler *
gw_scheduler_new(const struct gw_scheduler_deps *deps)
{
    struct gw_scheduler *s = calloc(1, sizeof(*s));
    if (s == NULL)
        return NULL;
    s->d = *deps;
    gw_random_token(s->token);
    s->breaches = gw_breach_check_new(deps->redis, deps->breaches, deps->templates,
                                      deps->routing, deps->cfg->slack_signing_secret != NULL);
    s->retention = gw_retention_new(deps->redis, deps->tickets, deps->outbox, deps->digests,
                                    deps->cfg->retention);
    if (s->breaches == NULL || s->retention == NULL) {
        gw_scheduler_free(s);
        return NULL;
    }
    return s;
}

static void
on_stats_tick(evutil_socket_t fd, short what, void *arg)
{
    struct gw_scheduler *s = arg;
    (void)fd;
    (void)what;
    if (!may_start(s, 0))
        return;
    gw_gauges_refresh(s->d.tickets, s->d.outbox, s->d.canaries, s->d.telemetry);
    gw_migration_tick(s->d.migration);
    if (!s->retention_started) {    /* the first pass soon after start-up, then every minute */
        s->retention_started = 1;
        gw_retention_run(s->retention);
    }
}

static void
on_retention_tick(evutil_socket_t fd, short what, void *arg)
{
    struct gw_scheduler *s = arg;
    (void)fd;
    (void)what;
    if (may_start(s, 0))
        gw_retention_run(s->retention);
}

static struct event *
every(struct gw_scheduler *s, int64_t ms, event_callback_fn fn)
{
    struct timeval tv = {(time_t)(ms / 1000), (suseconds_t)((ms % 1000) * 1000)};
    struct event *ev = event_new(s->d.base, -1, EV_PERSIST, fn, s);
    if (ev != NULL)
        event_add(ev, &tv);
    return ev;
}

void
gw_scheduler_start(struct gw_scheduler *s)
{
    const struct gw_config *cfg = s->d.cfg;
    /* Look often enough to start a window within a quarter of its length. */
    int64_t tick_ms = cfg->digest_every > 0 ? cfg->digest_every * 250 : 1000;
    if (tick_ms > 1000)
        tick_ms = 1000;
    if (tick_ms < 100)
        tick_ms = 100;
    s->digest_tick = every(s, tick_ms, on_digest_tick);
    s->check_tick = every(s, cfg->check_every * 1000, on_check_tick);
    s->stats_tick = every(s, STATS_SECONDS * 1000, on_stats_tick);
    s->retention_tick = every(s, RETENTION_SECONDS * 1000, on_retention_tick);
}

void
gw_scheduler_stop(struct gw_scheduler *s)
{
    s->stopped = 1;
    gw_breach_check_stop(s->breaches);
    gw_retention_stop(s->retention);
}

void
gw_scheduler_free(struct gw_scheduler *s)
{
    if (s == NULL)
        return;
    if (s->digest_tick != NULL)
        event_free(s->digest_tick);
    if (s->check_tick != NULL)
        event_free(s->check_tick);
    if (s->stats_tick != NULL)
        event_free(s->stats_tick);
    if (s->retention_tick != NULL)
        event_free(s->retention_tick);
    gw_breach_check_free(s->breaches);
    gw_retention_free(s->retention);
    free(s);
}
