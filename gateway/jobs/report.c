#include "gateway/jobs/report.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gateway/core/dates.h"
#include "gateway/core/routing.h"
#include "gateway/core/wire.h"
#include "gateway/store/digests.h"
#include "gateway/store/outbox.h"
#include "gateway/store/reports.h"
#include "gateway/text/escape.h"
#include "gateway/text/render_report.h"
#include "gateway/util/clock.h"
#include "gateway/util/log.h"

#define BACKFILL_BATCH 200

struct gw_report_job {
    struct gw_report_deps d;
    char done[GW_PERIOD_LABEL_MAX];   /* the last period this replica saw handled */
    int busy;                         /* a report is being built */
    int backfill;                     /* 0: not started, 1: under way, 2: done */
};

struct gw_report_job *
gw_report_job_new(const struct gw_report_deps *deps)
{
    struct gw_report_job *j = calloc(1, sizeof(*j));
    if (j != NULL)
        j->d = *deps;
    return j;
}

void
gw_report_job_free(struct gw_report_job *j)
{
    free(j);
}

/* --- filters ----------------------------------------------------------------------------- */

/* A ticket of g, for routing. */
static struct gw_ticket
probe(const struct gw_report_group *g)
{
    struct gw_ticket t;
    memset(&t, 0, sizeof(t));
    t.component = (char *)g->component;
    t.severity = gw_severity_parse(g->severity);
    t.source = (char *)g->source;
    return t;
}

int
gw_report_route_accepts(void *ctx, const struct gw_report_group *g)
{
    const struct gw_report_route *r = ctx;
    struct gw_ticket t = probe(g);
    char dest[GW_DEST_LEN];
    return strcmp(gw_routing_ticket(r->routing, &t, dest, sizeof(dest)), r->route) == 0;
}

/* A destination's report: the groups routed to it; every group for the default's. */
struct dest_filter {
    const struct gw_routing *routing;
    const char *dest;
    int all;
};

static int
dest_accepts(void *ctx, const struct gw_report_group *g)
{
    const struct dest_filter *f = ctx;
    struct gw_ticket t = probe(g);
    char dest[GW_DEST_LEN];

    if (f->all)
        return 1;
    gw_routing_ticket(f->routing, &t, dest, sizeof(dest));
    return strcmp(dest, f->dest) == 0;
}

/* --- one week's report ------------------------------------------------------------------- */

struct fetch {
    gw_report_accept_fn accept;
    void *ctx;
    gw_report_cb cb;
    void *arg;
};

static void
on_fetched(const struct gw_report_data *data, const struct gw_redis_error *err, void *arg)
{
    struct fetch *f = arg;
    struct gw_report r;

    if (err != NULL) {
        f->cb(NULL, err, f->arg);
    } else {
        if (gw_report_build(data, f->accept, f->ctx, &r) != 0)
            gw_oom(__func__);
        f->cb(&r, NULL, f->arg);
        gw_report_clear(&r);
    }
    free(f);
}

void
gw_report_fetch(struct gw_reports *reports, const struct gw_period *week,
                gw_report_accept_fn accept, void *ctx, gw_report_cb cb, void *arg)
{
    struct fetch *f = malloc(sizeof(*f));
    if (f == NULL)
        gw_oom(__func__);
    *f = (struct fetch){accept, ctx, cb, arg};
    gw_reports_read(reports, week, on_fetched, f);
}

/* --- the posted report ------------------------------------------------------------------- */

struct build {
    struct gw_report_job *j;
    struct gw_period period;
    int64_t now;
    size_t messages;
};

/* The page of dest's report: its route's when the groups it takes are all one route's. */
static void
page_url(const struct gw_report_job *j, const struct gw_report_data *data,
         const struct dest_filter *f, const char *week, char *out, size_t len)
{
    const char *route = NULL;
    int one = !f->all;
    char dest[GW_DEST_LEN], *q = NULL;

    for (size_t g = 0; one && g < data->ngroups; g++) {
        struct gw_ticket t = probe(&data->groups[g]);
        const char *name;
        if (!dest_accepts((void *)f, &data->groups[g]))
            continue;
        name = gw_routing_ticket(j->d.routing, &t, dest, sizeof(dest));
        if (route == NULL)
            route = name;
        else if (strcmp(route, name) != 0)
            one = 0;
    }
    if (one && route != NULL && (q = gw_url_query_escape(route)) != NULL)
        snprintf(out, len, "%s/reports/weekly?week=%s&route=%s", j->d.opts.public_url, week, q);
    else
        snprintf(out, len, "%s/reports/weekly?week=%s", j->d.opts.public_url, week);
    free(q);
}

static void
build_done(struct build *b, const struct gw_redis_error *err)
{
    if (err != NULL && err->kind != GW_REDIS_UNAVAILABLE)
        gw_log(GW_LOG_WARN, "Kaizen report not enqueued", "period", b->period.label, "error",
               err->text, NULL);
    b->j->busy = 0;   /* on failure: again at the next tick, within the grace */
    free(b);
}

static void
on_enqueued(int enqueued, const struct gw_redis_error *err, void *arg)
{
    struct build *b = arg;
    char n[24];

    if (err == NULL) {
        snprintf(b->j->done, sizeof(b->j->done), "%s", b->period.label);
        snprintf(n, sizeof(n), "%zu", enqueued ? b->messages : 0);
        if (enqueued)
            gw_log(GW_LOG_INFO, "Kaizen report enqueued", "period", b->period.label, "messages",
                   n, NULL);
    }
    build_done(b, err);
}

/* The feed's record of the report (the report of every component). */
static char *
record_of(const struct gw_report_job *j, const struct gw_report_data *data, int64_t now,
          const struct gw_report_frame *frame)
{
    struct gw_report all;
    char at[GW_RFC3339_LEN], *description, *text;
    json_t *rec;

    if (gw_report_build(data, NULL, NULL, &all) != 0)
        gw_oom(__func__);
    description = gw_render_report_rss(j->d.templates, &all, frame);
    gw_time_format_rfc3339(now, at, sizeof(at));
    rec = json_pack("{s:s, s:s, s:I, s:I, s:I, s:s}", "id", all.week->label, "at", at, "from",
                    (json_int_t)all.week->start, "to", (json_int_t)all.week->end, "resolved",
                    (json_int_t)all.totals.week.sum.resolved, "description",
                    description != NULL ? description : "");
    text = rec != NULL ? json_dumps(rec, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    if (text == NULL)
        gw_oom(__func__);
    json_decref(rec);
    free(description);
    gw_report_clear(&all);
    return text;
}

static void
on_data(const struct gw_report_data *data, const struct gw_redis_error *err, void *arg)
{
    struct build *b = arg;
    struct gw_report_job *j = b->j;
    const struct gw_routing *routing = j->d.routing;
    char (*dests)[GW_DEST_LEN] = NULL, all_dest[GW_DEST_LEN] = "", prefix[400], url[1024];
    struct gw_outbox_batch *batches = NULL;
    struct gw_outbox_msg *msgs = NULL;
    size_t ndests, nmsgs = 0;
    char *record;

    if (err != NULL) {
        build_done(b, err);
        return;
    }
    dests = calloc(GW_ROUTES_MAX + 1, sizeof(*dests));
    if (dests == NULL)
        gw_oom(__func__);
    ndests = gw_routing_slack_dests(routing, dests, GW_ROUTES_MAX + 1);
    if ((batches = calloc(ndests + 1, sizeof(*batches))) == NULL)
        gw_oom(__func__);
    if (gw_routing_per_channel(routing)) {
        const char *channel = gw_routes_default_channel(routing->routes);
        gw_wire_slack_dest(all_dest, sizeof(all_dest), channel);
    }
    for (size_t i = 0; i < ndests; i++) {
        struct dest_filter f = {routing, dests[i],
                                !gw_routing_per_channel(routing) || strcmp(dests[i], all_dest) == 0};
        struct gw_report r;
        json_t *messages;

        page_url(j, data, &f, b->period.label, url, sizeof(url));
        struct gw_report_frame frame = {j->d.opts.periods->every > 0 ? NULL : j->d.opts.periods->tz,
                                        url};
        if (gw_report_build(data, dest_accepts, &f, &r) != 0 ||
            (messages = gw_render_report_slack(j->d.templates, &r, &frame)) == NULL ||
            gw_wire_report_prefix(prefix, sizeof(prefix), b->period.label, dests[i]) != 0)
            gw_oom(__func__);
        gw_outbox_batch_init(&batches[i], messages, dests[i], GW_MSG_DIGEST, prefix, 1);
        gw_outbox_batch_append(&msgs, &nmsgs, &batches[i]);
        json_decref(messages);
        gw_report_clear(&r);
    }
    snprintf(url, sizeof(url), "%s/reports/weekly?week=%s", j->d.opts.public_url, b->period.label);
    struct gw_report_frame frame = {j->d.opts.periods->every > 0 ? NULL : j->d.opts.periods->tz, url};
    record = record_of(j, data, b->now, &frame);
    b->messages = nmsgs;
    /* Every destination's report and the record in one step with the claim: once per period. */
    gw_digests_enqueue(j->d.feed, b->period.label,
                       2 * gw_period_length(j->d.opts.periods) + gw_period_grace(j->d.opts.periods),
                       record, msgs, nmsgs, on_enqueued, b);
    free(record);
    for (size_t i = 0; i < ndests; i++)
        gw_outbox_batch_clear(&batches[i]);
    free(batches);
    free(msgs);
    free(dests);
}

static void
on_claimed(int claimed, const struct gw_redis_error *err, void *arg)
{
    struct build *b = arg;

    if (err != NULL || claimed) {
        if (err == NULL)
            snprintf(b->j->done, sizeof(b->j->done), "%s", b->period.label);
        build_done(b, err);
        return;
    }
    gw_reports_read(b->j->d.reports, &b->period, on_data, b);
}

/* --- the since index of tickets stored before it ---------------------------------------- */

static void
on_backfilled(long n, const struct gw_redis_error *err, void *arg)
{
    struct gw_report_job *j = arg;

    if (err != NULL) {
        j->backfill = 0;   /* again at the next tick */
        return;
    }
    if (n < 0) {
        j->backfill = 2;
        return;
    }
    gw_reports_backfill(j->d.reports, BACKFILL_BATCH, on_backfilled, j);
}

void
gw_report_job_tick(struct gw_report_job *j)
{
    const struct gw_periods *p = j->d.opts.periods;
    struct gw_period now_period, period;
    int64_t now = gw_now(), due;
    struct build *b;

    if (j->backfill == 0) {
        j->backfill = 1;
        gw_reports_backfill(j->d.reports, BACKFILL_BATCH, on_backfilled, j);
    }
    if (j->d.opts.report_at < 0 || j->busy)
        return;
    /* The latest period whose report is due. */
    gw_period_of(p, now, &now_period);
    gw_period_prev(p, &now_period, &period);
    if ((due = gw_period_due(p, &period, j->d.opts.report_at)) > now) {
        struct gw_period before = period;
        gw_period_prev(p, &before, &period);
        due = gw_period_due(p, &period, j->d.opts.report_at);
    }
    if (strcmp(period.label, j->done) == 0)
        return;
    if (now - due > gw_period_grace(p)) {
        char late[24];
        snprintf(j->done, sizeof(j->done), "%s", period.label);
        snprintf(late, sizeof(late), "%lld", (long long)(now - due));
        gw_log(GW_LOG_DEBUG, "Kaizen report period past its grace: left to the replica that had it",
               "period",
               period.label, "seconds_late", late, NULL);
        return;
    }
    if ((b = calloc(1, sizeof(*b))) == NULL)
        gw_oom(__func__);
    b->j = j;
    b->period = period;
    b->now = now;
    j->busy = 1;
    gw_digests_window_claimed(j->d.feed, period.label, on_claimed, b);
}
