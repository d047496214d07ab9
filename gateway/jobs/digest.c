#include "gateway/jobs/digest.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gateway/core/dates.h"
#include "gateway/util/clock.h"
#include "gateway/core/hmac.h"
#include "gateway/core/routing.h"
#include "gateway/core/schedule.h"
#include "gateway/core/wire.h"
#include "gateway/store/digests.h"
#include "gateway/store/outbox.h"
#include "gateway/store/tickets.h"
#include "gateway/text/blockkit.h"
#include "gateway/text/render.h"
#include "gateway/text/render_rss.h"
#include "gateway/util/log.h"

#define FETCH_MAX 20000   /* tickets read for the digests of every channel together */
#define WINDOW_LEN 64

struct gw_digest_job {
    struct gw_digest_deps d;
    char done_window[WINDOW_LEN];   /* the last window this replica saw handled */
    int busy;                       /* a window's digest is under way */
    unsigned manual_seq;            /* with token, makes manual digest ids unique */
    char token[GW_TOKEN_LEN];
};

struct gw_digest_job *
gw_digest_job_new(const struct gw_digest_deps *deps)
{
    struct gw_digest_job *j = calloc(1, sizeof(*j));

    if (j == NULL)
        return NULL;
    j->d = *deps;
    gw_random_token(j->token);
    return j;
}

void
gw_digest_job_free(struct gw_digest_job *j)
{
    free(j);
}

/* How long a window's claim is kept: longer than the window, so a late replica never
 * posts it again. */
static int64_t
claim_ttl(const struct gw_digest_opts *o)
{
    if (o->every > 0)
        return o->every * 2 > 60 ? o->every * 2 : 60;
    return 2 * 86400;
}

/* --- what a digest is: pure, from the tickets read ----------------------------- */

/* The messages of every destination's digest, and the feed's record of them. */
struct plan {
    char (*dests)[GW_DEST_LEN];     /* the batches' destinations (they borrow them) */
    struct gw_outbox_batch *batches;
    size_t nbatches;
    struct gw_outbox_msg *msgs;     /* the batches' messages, in order */
    size_t nmsgs;
    char *record;                   /* NULL when there is nothing to send */
};

static void
plan_clear(struct plan *p)
{
    for (size_t i = 0; i < p->nbatches; i++)
        gw_outbox_batch_clear(&p->batches[i]);
    free(p->batches);
    free(p->dests);
    free(p->msgs);
    free(p->record);
    memset(p, 0, sizeof(*p));
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

/* Open tickets per component, from the counts per component and severity. */
static size_t
all_totals(const struct gw_ticket_list *list, const char **names, size_t *open)
{
    size_t n = 0;
    for (size_t i = 0; i < list->nopen; i++)
        add_total(names, open, &n, list->open[i].component,
                  (size_t)(list->open[i].count > 0 ? list->open[i].count : 0));
    return n;
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
record_of(const char *id, int64_t now, size_t open, json_t *messages, const char *description)
{
    char at[GW_RFC3339_LEN];
    json_t *rec;
    char *text;

    gw_time_format_rfc3339(now, at, sizeof(at));
    rec = json_pack("{s:s, s:s, s:I, s:s, s:O}", "id", id, "at", at, "open_tickets",
                    (json_int_t)open, "description", description != NULL ? description : "",
                    "messages", messages);
    text = rec != NULL ? json_dumps(rec, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    json_decref(rec);
    return text;
}

/*
 * One digest per Slack destination, each of the tickets routed to it, with
 * message ids "digest:<window>:[<channel>:]<i>/<n>". manual: not a
 * window's (the record is named after its first message).
 */
static void
plan_digests(const struct gw_digest_deps *d, const char *window, int manual, int64_t now,
             const struct gw_ticket_list *list, struct plan *p)
{
    const struct gw_digest_opts *o = &d->opts;
    const struct gw_ticket *tickets = list->tickets;
    size_t n = list->n, ndests, all_open = 0;
    const char **names = calloc(list->nopen + n + 1, sizeof(*names));
    size_t *open = calloc(list->nopen + n + 1, sizeof(*open));
    char (*dests)[GW_DEST_LEN] = p->dests = calloc(GW_ROUTES_MAX + 1, sizeof(*dests));
    struct gw_ticket *mine = calloc(n + 1, sizeof(*mine));
    json_t *all_messages = json_array();
    struct gw_template_renderer renderer;
    char feed_url[600], prefix[400];

    if (names == NULL || open == NULL || dests == NULL || mine == NULL || all_messages == NULL)
        gw_oom(__func__);
    gw_template_renderer_init(&renderer, d->templates, now);
    renderer.vtable.sla = o->sla;
    snprintf(feed_url, sizeof(feed_url), "%s/feeds/tickets.rss", o->public_url);
    ndests = gw_routing_slack_dests(d->routing, dests, GW_ROUTES_MAX + 1);
    if ((p->batches = calloc(ndests + 1, sizeof(*p->batches))) == NULL)
        gw_oom(__func__);
    for (size_t k, i = 0; i < ndests; i++) {
        struct gw_digest_totals totals = {names, open, 0, feed_url};
        json_t *messages;

        if (gw_routing_per_channel(d->routing)) {
            char dest[GW_DEST_LEN];
            k = 0;
            for (size_t t = 0; t < n && k < (size_t)o->max_tickets; t++) {
                gw_routing_ticket(d->routing, &tickets[t], dest, sizeof(dest));
                if (strcmp(dest, dests[i]) == 0)
                    mine[k++] = tickets[t];
            }
            totals.n = channel_totals(d->routing, list, mine, k, dests[i], names, open);
        } else {
            if (n > 0)
                memcpy(mine, tickets, n * sizeof(*mine));
            k = n;
            totals.n = all_totals(list, names, open);
        }
        if (gw_wire_digest_prefix(prefix, sizeof(prefix), window, dests[i]) != 0)
            gw_bug("windows and channels are short");
        for (size_t c = 0; c < totals.n; c++)
            all_open += open[c];
        messages = gw_digest_build_capped(mine, k, &totals, now, o->sla_warn, o->sla_crit,
                                          &renderer.vtable);
        if (messages == NULL)
            gw_oom(__func__);
        if (json_array_size(messages) == 0 && !o->skip_empty)
            json_array_append_new(messages, all_clear(&renderer.vtable));
        gw_outbox_batch_init(&p->batches[i], messages, dests[i], GW_MSG_DIGEST, prefix, 1);
        p->nbatches++;
        gw_outbox_batch_append(&p->msgs, &p->nmsgs, &p->batches[i]);
        json_array_extend(all_messages, messages);
        json_decref(messages);
    }
    if (p->nmsgs > 0) {
        char *description = gw_render_rss_digest(d->templates, tickets, n, now, o->sla_warn,
                                                 o->sla_crit, o->sla);
        p->record = record_of(manual ? p->msgs[0].id : window, now, all_open, all_messages,
                              description);
        free(description);
    }
    free(names);
    free(open);
    free(mine);
    json_decref(all_messages);
}

/* --- building and enqueueing ------------------------------------------------------ */

struct build {
    struct gw_digest_job *j;
    char window[WINDOW_LEN];   /* the window's name, or the manual digest's */
    int manual;
    int64_t now;
    size_t messages;
    gw_digest_cb cb;
    void *arg;
};

static void
build_done(struct build *b, const struct gw_redis_error *err)
{
    if (!b->manual)
        b->j->busy = 0;   /* on failure: try again on the next tick */
    if (b->cb != NULL)
        b->cb(err == NULL ? b->messages : 0, err, b->arg);
    free(b);
}

static void
on_enqueued(int enqueued, const struct gw_redis_error *err, void *arg)
{
    struct build *b = arg;
    char n[24];

    snprintf(n, sizeof(n), "%zu", b->messages);
    if (err != NULL) {
        gw_log(GW_LOG_WARN, "digest not enqueued", "window", b->window, "error", err->text, NULL);
    } else if (b->manual) {
        gw_log(GW_LOG_INFO, "digest enqueued on request", "messages", n, NULL);
    } else {
        snprintf(b->j->done_window, sizeof(b->j->done_window), "%s", b->window);
        if (enqueued)
            gw_log(GW_LOG_INFO, b->messages ? "digest enqueued"
                                            : "digest window claimed; no open tickets",
                   "window", b->window, "messages", n, NULL);
    }
    if (!enqueued)
        b->messages = 0;
    build_done(b, err);
}

static void
on_open_tickets(const struct gw_ticket_list *list, const struct gw_redis_error *err, void *arg)
{
    struct build *b = arg;
    struct gw_digest_job *j = b->j;
    struct plan p = {0};

    if (err != NULL) {
        build_done(b, err);
        return;
    }
    plan_digests(&j->d, b->window, b->manual, b->now, list, &p);
    b->messages = p.nmsgs;
    /* Every channel's digest in one step with the window's claim: once per window. */
    gw_digests_enqueue(j->d.digests, b->manual ? NULL : b->window, claim_ttl(&j->d.opts),
                       p.record, p.msgs, p.nmsgs, on_enqueued, b);
    plan_clear(&p);
}

static void
start_build(struct gw_digest_job *j, const char *window, gw_digest_cb cb, void *arg)
{
    struct build *b = calloc(1, sizeof(*b));
    long limit = j->d.opts.max_tickets;

    if (b == NULL)
        gw_oom(__func__);
    b->j = j;
    b->now = gw_now();
    b->cb = cb;
    b->arg = arg;
    b->manual = window == NULL;
    if (b->manual)
        gw_wire_manual_window(b->window, sizeof(b->window), j->token, ++j->manual_seq);
    else
        snprintf(b->window, sizeof(b->window), "%s", window);
    /* Per channel: each channel's most urgent among the most urgent of all. */
    if (gw_routing_per_channel(j->d.routing)) {
        limit *= (long)gw_routing_slack_count(j->d.routing);
        if (limit > FETCH_MAX)
            limit = FETCH_MAX;
    }
    gw_tickets_urgent(j->d.tickets, limit, on_open_tickets, b);
}

void
gw_digest_job_now(struct gw_digest_job *j, gw_digest_cb cb, void *arg)
{
    start_build(j, NULL, cb, arg);
}

/* Another replica may have handled the window: a cheap check before building. */
struct window_check {
    struct gw_digest_job *j;
    char window[WINDOW_LEN];
};

static void
on_window_checked(int claimed, const struct gw_redis_error *err, void *arg)
{
    struct window_check *wc = arg;
    struct gw_digest_job *j = wc->j;

    if (err != NULL) {
        j->busy = 0;
    } else if (claimed) {
        snprintf(j->done_window, sizeof(j->done_window), "%s", wc->window);
        j->busy = 0;
    } else {
        start_build(j, wc->window, NULL, NULL);
    }
    free(wc);
}

void
gw_digest_job_tick(struct gw_digest_job *j)
{
    const struct gw_digest_opts *o = &j->d.opts;
    struct window_check *wc;
    char window[WINDOW_LEN], late[24];
    int64_t now = gw_now(), start;

    if (j->busy)
        return;
    start = gw_digest_window(now, o->every, o->at_minute, o->tz, window, sizeof(window));
    if (strcmp(window, j->done_window) == 0)
        return;
    if (now - start > gw_digest_grace(o->every)) {
        /* Not caught up hours late: the next window comes on time. */
        snprintf(j->done_window, sizeof(j->done_window), "%s", window);
        snprintf(late, sizeof(late), "%lld", (long long)(now - start));
        gw_log(GW_LOG_INFO, "digest window skipped: past its grace period", "window", window,
               "seconds_late", late, NULL);
        return;
    }
    if ((wc = malloc(sizeof(*wc))) == NULL)
        gw_oom(__func__);
    wc->j = j;
    snprintf(wc->window, sizeof(wc->window), "%s", window);
    j->busy = 1;
    gw_digests_window_claimed(j->d.digests, window, on_window_checked, wc);
}
