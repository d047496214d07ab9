#include "gateway/scheduler.h"

#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "gateway/app.h"
#include "gateway/text/blockkit.h"
#include "gateway/store/canaries.h"
#include "gateway/util/log.h"
#include "gateway/store/outbox.h"
#include "gateway/text/render.h"
#include "gateway/core/dates.h"

#define BREACH_BATCH 100

struct gw_scheduler {
    struct gw_app *app;
    struct event *digest_tick;
    struct event *check_tick;
    char done_window[64];   /* last window this replica saw handled */
    int digest_busy;
    int check_busy;
    int canary_busy;
    unsigned manual_seq;    /* makes manual digest ids unique */
    int stopped;
};

int64_t
gw_digest_window(int64_t now, int64_t every, int at_minute, char *id, size_t len)
{
    if (every > 0) {
        int64_t k = now / every;
        snprintf(id, len, "every%lld-%lld", (long long)every, (long long)k);
        return k * every;
    }
    int64_t start = now - ((now % 86400) + 86400) % 86400 + (int64_t)at_minute * 60;
    if (start > now)
        start -= 86400;
    char day[32];
    gw_time_format_rfc3339(start, day, sizeof(day));
    snprintf(id, len, "%.10s", day);
    return start;
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
build_done(struct build *b, int ok)
{
    if (b->cb != NULL)
        b->cb(ok, b->messages, b->arg);
    free(b);
}

static void
on_digest_enqueued(int ok, int enqueued, void *arg)
{
    struct build *b = arg;
    struct gw_scheduler *s = b->s;
    char n[24];

    snprintf(n, sizeof(n), "%zu", b->messages);
    if (ok && b->window[0] != '\0') {
        snprintf(s->done_window, sizeof(s->done_window), "%s", b->window);
        if (enqueued)
            gw_log(GW_LOG_INFO, b->messages ? "digest enqueued" : "digest window claimed; no open tickets",
                   "window", b->window, "messages", n, NULL);
        s->digest_busy = 0;
    } else if (ok) {
        gw_log(GW_LOG_INFO, "digest enqueued on request", "messages", n, NULL);
    } else if (b->window[0] != '\0') {
        s->digest_busy = 0; /* try again on the next tick */
    }
    if (!enqueued)
        b->messages = 0;
    build_done(b, ok);
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

static void
on_open_tickets(int ok, const struct gw_ticket *tickets, size_t n, void *arg)
{
    struct build *b = arg;
    struct gw_app *app = b->s->app;
    const struct gw_config *cfg = app->cfg;
    struct gw_template_renderer renderer;
    struct gw_outbox_msg *msgs = NULL;
    char **ids = NULL, **bodies = NULL, *record = NULL, guard_key[96], at[32];
    struct gw_outbox_guard guard = {GW_GUARD_WINDOW, guard_key, 0};
    json_t *messages = NULL;
    size_t count = 0;

    if (!ok)
        goto fail;
    gw_template_renderer_init(&renderer, app->templates, b->now);
    messages = gw_digest_build(tickets, n, b->now, cfg->sla_warn, cfg->sla_crit, &renderer.vtable);
    if (messages == NULL)
        goto fail;
    if (json_array_size(messages) == 0 && !cfg->digest_skip_empty)
        json_array_append_new(messages, all_clear(&renderer.vtable));
    count = json_array_size(messages);
    msgs = calloc(count ? count : 1, sizeof(*msgs));
    ids = calloc(count ? count : 1, sizeof(char *));
    bodies = calloc(count ? count : 1, sizeof(char *));
    if (msgs == NULL || ids == NULL || bodies == NULL)
        goto fail;
    for (size_t i = 0; i < count; i++) {
        char id[160];
        if (b->window[0] != '\0')
            snprintf(id, sizeof(id), "digest:%s:%zu/%zu", b->window, i + 1, count);
        else
            snprintf(id, sizeof(id), "digest:manual-%lld-%d-%u:%zu/%zu", (long long)b->now,
                     (int)getpid(), b->s->manual_seq, i + 1, count);
        ids[i] = strdup(id);
        bodies[i] = json_dumps(json_array_get(messages, i), JSON_COMPACT | JSON_PRESERVE_ORDER);
        msgs[i].id = ids[i];
        msgs[i].sink = GW_SINK_SLACK;
        msgs[i].body = bodies[i];
        if (ids[i] == NULL || bodies[i] == NULL)
            goto fail;
    }
    if (count > 0) {
        /* The digests feed keeps what was built (sent, or in dry-run only built). */
        gw_time_format_rfc3339(b->now, at, sizeof(at));
        json_t *rec = json_pack("{s:s, s:s, s:i, s:O}", "id",
                                b->window[0] ? b->window : ids[0], "at", at, "open_tickets",
                                (int)n, "messages", messages);
        record = json_dumps(rec, JSON_COMPACT | JSON_PRESERVE_ORDER);
        json_decref(rec);
    }
    snprintf(guard_key, sizeof(guard_key), "kz:digest:window:%s", b->window);
    guard.value = cfg->digest_every > 0 ? (cfg->digest_every * 2 > 60 ? cfg->digest_every * 2 : 60)
                                        : 2 * 86400;
    b->messages = count;
    if (gw_outbox_enqueue(app->outbox, msgs, count, b->window[0] ? &guard : NULL, record,
                          on_digest_enqueued, b) != 0)
        goto fail;
    b = NULL;
    goto done;
fail:
    if (b != NULL) {
        if (b->window[0] != '\0')
            b->s->digest_busy = 0;
        build_done(b, 0);
    }
done:
    for (size_t i = 0; ids != NULL && i < count; i++) {
        free(ids[i]);
        free(bodies[i]);
    }
    free(ids);
    free(bodies);
    free(msgs);
    free(record);
    json_decref(messages);
}

static int
start_build(struct gw_scheduler *s, const char *window, gw_digest_cb cb, void *arg)
{
    struct gw_ticket_filter filter;
    struct build *b = calloc(1, sizeof(*b));

    if (b == NULL)
        return -1;
    b->s = s;
    b->now = gw_now();
    if (window == NULL)
        s->manual_seq++;
    b->cb = cb;
    b->arg = arg;
    snprintf(b->window, sizeof(b->window), "%s", window != NULL ? window : "");
    memset(&filter, 0, sizeof(filter));
    filter.state = GW_STATE_OPEN;
    filter.severity = GW_SEV_NONE;
    filter.now = b->now;
    if (gw_store_list(s->app->store, &filter, on_open_tickets, b) != 0) {
        free(b);
        return -1;
    }
    return 0;
}

int
gw_digest_enqueue_now(struct gw_scheduler *s, gw_digest_cb cb, void *arg)
{
    return start_build(s, NULL, cb, arg);
}

/* Another replica may have handled the window: a cheap check before building. */
struct window_check {
    struct gw_scheduler *s;
    char window[64];
};

static void
on_window_checked(redisReply *reply, void *arg)
{
    struct window_check *wc = arg;
    struct gw_scheduler *s = wc->s;

    if (reply == NULL || reply->type != REDIS_REPLY_INTEGER) {
        s->digest_busy = 0;
    } else if (reply->integer == 1) {
        snprintf(s->done_window, sizeof(s->done_window), "%s", wc->window);
        s->digest_busy = 0;
    } else if (start_build(s, wc->window, NULL, NULL) != 0) {
        s->digest_busy = 0;
    }
    free(wc);
}

static void
on_digest_tick(evutil_socket_t fd, short what, void *arg)
{
    struct gw_scheduler *s = arg;
    const struct gw_config *cfg = s->app->cfg;
    struct window_check *wc;
    char window[64], key[96];
    (void)fd;
    (void)what;

    if (s->stopped || s->digest_busy || !gw_redis_ready(s->app->redis))
        return;
    gw_digest_window(gw_now(), cfg->digest_every, cfg->digest_at_minute, window, sizeof(window));
    if (strcmp(window, s->done_window) == 0 || (wc = malloc(sizeof(*wc))) == NULL)
        return;
    wc->s = s;
    snprintf(wc->window, sizeof(wc->window), "%s", window);
    snprintf(key, sizeof(key), "kz:digest:window:%s", window);
    const char *argv[] = {"EXISTS", key};
    s->digest_busy = 1;
    if (gw_redis_command(s->app->redis, on_window_checked, wc, 2, argv, NULL) != 0) {
        s->digest_busy = 0;
        free(wc);
    }
}

/* --- SLA breaches ------------------------------------------------------------ */

struct breach_batch {
    struct gw_scheduler *s;
    size_t pending;
    size_t notified;
    int full;               /* the batch was full: look again right away */
};

static void check_breaches(struct gw_scheduler *s);

static void
on_breach_enqueued(int ok, int enqueued, void *arg)
{
    struct breach_batch *bb = arg;
    (void)ok;
    bb->notified += (size_t)enqueued;
    if (--bb->pending > 0)
        return;
    struct gw_scheduler *s = bb->s;
    int again = bb->full && bb->notified > 0;
    free(bb);
    s->check_busy = 0;
    if (again)
        check_breaches(s);
}

static void
on_due(int ok, const struct gw_ticket *tickets, size_t n, void *arg)
{
    struct breach_batch *bb = arg;
    struct gw_app *app = bb->s->app;

    bb->full = n == BREACH_BATCH;
    bb->pending = 1; /* held until the loop below has queued everything */
    for (size_t i = 0; ok && i < n; i++) {
        json_t *notice = gw_render_breach_notice(app->templates, &tickets[i], gw_now());
        char *body = notice != NULL ? json_dumps(notice, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
        char id[600];
        snprintf(id, sizeof(id), "breach:%s:%lld:%lld", tickets[i].id,
                 (long long)tickets[i].sla_deadline, (long long)(gw_monotonic() * 1000));
        struct gw_outbox_msg msg = {id, GW_SINK_SLACK, body};
        struct gw_outbox_guard guard = {GW_GUARD_BREACH, tickets[i].id, tickets[i].sla_deadline};
        if (body != NULL && gw_outbox_enqueue(app->outbox, &msg, 1, &guard, NULL,
                                              on_breach_enqueued, bb) == 0)
            bb->pending++;
        free(body);
        json_decref(notice);
    }
    on_breach_enqueued(1, 0, bb);
}

static void
check_breaches(struct gw_scheduler *s)
{
    struct breach_batch *bb;
    if (s->stopped || s->check_busy || !gw_redis_ready(s->app->redis))
        return;
    bb = calloc(1, sizeof(*bb));
    if (bb == NULL)
        return;
    bb->s = s;
    s->check_busy = 1;
    if (gw_store_due_breaches(s->app->store, gw_now(), BREACH_BATCH, on_due, bb) != 0) {
        s->check_busy = 0;
        free(bb);
    }
}

/* --- canary pages ------------------------------------------------------------ */

struct page_batch {
    struct gw_scheduler *s;
    size_t pending;
};

static void
on_page_enqueued(int ok, int enqueued, void *arg)
{
    struct page_batch *pb = arg;
    if (ok && enqueued)
        gw_metric_inc(pb->s->app->canary_pages, NULL, 1);
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
on_due_canaries(int ok, const struct gw_canary *canaries, size_t n, void *arg)
{
    struct page_batch *pb = arg;
    struct gw_app *app = pb->s->app;
    const char *rk = app->cfg->pager_routing_key;
    int64_t now = gw_now();

    pb->pending = 1;
    for (size_t i = 0; ok && i < n; i++) {
        const struct gw_canary *c = &canaries[i];
        struct gw_canary_info info = {c->id, c->service, c->environment, c->started_at,
                                      c->budget_seconds, now};
        char *summary = gw_render_canary_summary(app->templates, &info);
        json_t *slack = gw_render_canary_slack(app->templates, &info);
        json_t *trigger = rk != NULL && summary != NULL ? gw_pager_trigger(rk, c, summary, now) : NULL;
        char *slack_body = slack ? json_dumps(slack, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
        char *pager_body = trigger ? json_dumps(trigger, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
        char pager_id[320], slack_id[320];
        struct gw_outbox_msg msgs[2];
        size_t count = 0;

        snprintf(pager_id, sizeof(pager_id), "page:%s:%lld:pager", c->id, (long long)c->started_at);
        snprintf(slack_id, sizeof(slack_id), "page:%s:%lld:slack", c->id, (long long)c->started_at);
        if (pager_body != NULL)
            msgs[count++] = (struct gw_outbox_msg){pager_id, GW_SINK_PAGER, pager_body};
        if (slack_body != NULL)
            msgs[count++] = (struct gw_outbox_msg){slack_id, GW_SINK_SLACK, slack_body};
        struct gw_outbox_guard guard = {GW_GUARD_CANARY, c->id, 0};
        if (count > 0 && (rk == NULL || pager_body != NULL) &&
            gw_outbox_enqueue(app->outbox, msgs, count, &guard, NULL, on_page_enqueued, pb) == 0)
            pb->pending++;
        free(summary);
        free(slack_body);
        free(pager_body);
        json_decref(slack);
        json_decref(trigger);
    }
    on_page_enqueued(0, 0, pb);
}

static void
check_canaries(struct gw_scheduler *s)
{
    struct page_batch *pb;
    if (s->stopped || s->canary_busy || !gw_redis_ready(s->app->redis))
        return;
    if ((pb = calloc(1, sizeof(*pb))) == NULL)
        return;
    pb->s = s;
    s->canary_busy = 1;
    if (gw_canaries_due(s->app->canaries, gw_now(), BREACH_BATCH, on_due_canaries, pb) != 0) {
        s->canary_busy = 0;
        free(pb);
    }
}

static void
on_check_tick(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    check_breaches(arg);
    check_canaries(arg);
}

/* --- lifecycle --------------------------------------------------------------- */

struct gw_scheduler *
gw_scheduler_new(struct gw_app *app)
{
    struct gw_scheduler *s = calloc(1, sizeof(*s));
    if (s != NULL)
        s->app = app;
    return s;
}

void
gw_scheduler_start(struct gw_scheduler *s)
{
    const struct gw_config *cfg = s->app->cfg;
    /* Look often enough to start a window within a quarter of its length. */
    int64_t tick_ms = cfg->digest_every > 0 ? cfg->digest_every * 250 : 1000;
    if (tick_ms > 1000)
        tick_ms = 1000;
    if (tick_ms < 100)
        tick_ms = 100;
    struct timeval digest_tv = {(time_t)(tick_ms / 1000), (suseconds_t)((tick_ms % 1000) * 1000)};
    struct timeval check_tv = {(time_t)cfg->check_every, 0};

    s->digest_tick = event_new(s->app->base, -1, EV_PERSIST, on_digest_tick, s);
    s->check_tick = event_new(s->app->base, -1, EV_PERSIST, on_check_tick, s);
    event_add(s->digest_tick, &digest_tv);
    event_add(s->check_tick, &check_tv);
}

void
gw_scheduler_stop(struct gw_scheduler *s)
{
    s->stopped = 1;
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
    free(s);
}
