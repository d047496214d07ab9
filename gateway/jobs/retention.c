#include "gateway/jobs/retention.h"

#include <stdio.h>
#include <stdlib.h>

#include "gateway/core/period.h"
#include "gateway/util/clock.h"
#include "gateway/net/redis.h"
#include "gateway/store/digests.h"
#include "gateway/store/outbox.h"
#include "gateway/store/reports.h"
#include "gateway/store/tickets.h"
#include "gateway/util/log.h"

enum step { STEP_TICKETS, STEP_DEAD, STEP_DIGESTS, STEP_REPORTS, STEP_DONE };

struct gw_retention {
    struct gw_retention_deps d;
    int busy, stopped;
    enum step step;
    int64_t cutoff;             /* Unix seconds, fixed for the pass */
    long deleted[STEP_DONE];
};

struct gw_retention *
gw_retention_new(const struct gw_retention_deps *deps)
{
    struct gw_retention *r = calloc(1, sizeof(*r));
    if (r != NULL)
        r->d = *deps;
    return r;
}

void
gw_retention_stop(struct gw_retention *r)
{
    r->stopped = 1;
}

void
gw_retention_free(struct gw_retention *r)
{
    free(r);
}

static void step(struct gw_retention *r);

static void
finish(struct gw_retention *r)
{
    char tickets[24], dead[24], digests[24], weeks[24];

    r->busy = 0;
    if (r->deleted[STEP_TICKETS] + r->deleted[STEP_DEAD] + r->deleted[STEP_DIGESTS] +
        r->deleted[STEP_REPORTS] == 0)
        return;
    snprintf(tickets, sizeof(tickets), "%ld", r->deleted[STEP_TICKETS]);
    snprintf(dead, sizeof(dead), "%ld", r->deleted[STEP_DEAD]);
    snprintf(digests, sizeof(digests), "%ld", r->deleted[STEP_DIGESTS]);
    snprintf(weeks, sizeof(weeks), "%ld", r->deleted[STEP_REPORTS]);
    gw_log(GW_LOG_INFO, "retention pass", "tickets", tickets, "dead_letters", dead,
           "digests", digests, "report_weeks", weeks, NULL);
}

static void
on_deleted(long deleted, const struct gw_redis_error *err, void *arg)
{
    struct gw_retention *r = arg;

    if (err != NULL) {
        if (err->kind != GW_REDIS_UNAVAILABLE)
            gw_log(GW_LOG_WARN, "retention step failed", "error", err->text, NULL);
        finish(r); /* the next pass goes on */
        return;
    }
    r->deleted[r->step] += deleted;
    if (deleted < GW_RETENTION_BATCH)
        r->step++;
    step(r);
}

static void
step(struct gw_retention *r)
{
    if (r->stopped || r->step == STEP_DONE || !gw_redis_ready(r->d.redis)) {
        finish(r);
        return;
    }
    switch (r->step) {
    case STEP_TICKETS:
        gw_tickets_expire(r->d.tickets, r->cutoff, GW_RETENTION_BATCH, on_deleted, r);
        return;
    case STEP_DEAD:
        gw_outbox_expire(r->d.outbox, r->cutoff * 1000, GW_RETENTION_BATCH, on_deleted, r);
        return;
    case STEP_DIGESTS:
        gw_digests_expire(r->d.digests, r->cutoff * 1000, on_deleted, r);
        return;
    case STEP_REPORTS: {
        int64_t keep = 26 * gw_period_length(r->d.periods);
        gw_reports_expire(r->d.reports, r->cutoff + r->d.retention - (keep > r->d.retention
                                                                           ? keep : r->d.retention),
                          GW_RETENTION_BATCH, on_deleted, r);
        return;
    }
    case STEP_DONE:
        return;
    }
}

void
gw_retention_run(struct gw_retention *r)
{
    if (r->busy || r->stopped || r->d.retention <= 0 || !gw_redis_ready(r->d.redis))
        return;
    r->busy = 1;
    r->step = STEP_TICKETS;
    r->cutoff = gw_now() - r->d.retention;
    for (int i = 0; i < STEP_DONE; i++)
        r->deleted[i] = 0;
    step(r);
}
