/*
 * The weekly Kaizen report job: once per period (KAIZEN_REPORT_AT, or every
 * KAIZEN_REPORT_EVERY), the report of the period just ended goes to every
 * Slack destination through the outbox (each route's channel gets its own
 * tickets' report, the default destination all of them), with its feed
 * record, in one step with the period's claim: exactly once across
 * replicas. A period whose report is due while every replica is down is
 * posted when one comes back within the grace (core/period.h), else
 * skipped. The timer ticks it (gateway/app/scheduler.c); the first ticks
 * also add tickets stored before the since index to it.
 *
 * The filters that give a route's or a destination's report, and the
 * report read for one week, are here too: the endpoints use them alike.
 */
#ifndef GW_JOBS_REPORT_H
#define GW_JOBS_REPORT_H

#include <stdint.h>

#include "gateway/core/period.h"
#include "gateway/core/report.h"
#include "gateway/net/redis.h"

struct gw_reports;
struct gw_digests;
struct gw_templates;
struct gw_routing;

struct gw_report_opts {
    const struct gw_periods *periods;
    int report_at;              /* KAIZEN_REPORT_AT, minutes after Monday 00:00; -1: off */
    const char *public_url;     /* the HTML page's link */
};

/* Everything is borrowed and outlives the job. */
struct gw_report_deps {
    struct gw_reports *reports;
    struct gw_digests *feed;    /* the reports' claims and records (gw_digests_of_reports) */
    const struct gw_templates *templates;
    const struct gw_routing *routing;
    struct gw_report_opts opts;
};

struct gw_report_job;

struct gw_report_job *gw_report_job_new(const struct gw_report_deps *deps);
void gw_report_job_free(struct gw_report_job *j);

/* Posts the report of the period just ended if it is due, not posted and within its grace. */
void gw_report_job_tick(struct gw_report_job *j);

/* Which groups a route's report takes: those the route takes now. */
struct gw_report_route {
    const struct gw_routing *routing;
    const char *route;
};
int gw_report_route_accepts(void *ctx, const struct gw_report_group *g);

/*
 * The report of week over the groups accept takes (NULL: all), built from
 * a read of its aggregates; r is valid during the callback.
 */
typedef void (*gw_report_cb)(const struct gw_report *r, const struct gw_redis_error *err,
                             void *arg);
void gw_report_fetch(struct gw_reports *reports, const struct gw_period *week,
                     gw_report_accept_fn accept, void *ctx, gw_report_cb cb, void *arg);

#endif
