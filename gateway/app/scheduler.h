/*
 * The timers. They only say when: each tick calls a job (gateway/jobs/),
 * which holds the work and its own state. Nothing starts while Redis is not
 * ready or after gw_scheduler_stop.
 *   - the digest window, looked at often enough to start within a quarter
 *     of its period, and the weekly Kaizen report's, as often;
 *   - SLA breaches and canary budgets, every KAIZEN_CHECK_EVERY;
 *   - the Redis-derived gauges and the upgrade of old keys, every 5 s;
 *   - retention, soon after start-up and then every minute;
 *   - the outbox sender, every GW_DELIVERY_POLL_MS.
 */
#ifndef GW_SCHEDULER_H
#define GW_SCHEDULER_H

#include <stdint.h>

struct event_base;
struct gw_redis;
struct gw_digest_job;
struct gw_report_job;
struct gw_breach_check;
struct gw_canary_pages;
struct gw_retention;
struct gw_gauges_deps;
struct gw_migration;
struct gw_delivery;

/* The jobs the timers run; everything is borrowed and outlives the scheduler. */
struct gw_scheduler_jobs {
    struct gw_redis *redis;
    struct gw_digest_job *digest;
    struct gw_report_job *report;
    struct gw_breach_check *breaches;
    struct gw_canary_pages *canary_pages;
    struct gw_retention *retention;
    const struct gw_gauges_deps *gauges;
    struct gw_migration *migration;
    struct gw_delivery *delivery;
};

struct gw_scheduler_opts {
    int64_t digest_every;   /* KAIZEN_DIGEST_EVERY, seconds (0: daily) */
    int64_t report_every;   /* KAIZEN_REPORT_EVERY, seconds (0: weekly) */
    int64_t check_every;    /* KAIZEN_CHECK_EVERY, seconds */
};

struct gw_scheduler;

struct gw_scheduler *gw_scheduler_new(struct event_base *base, const struct gw_scheduler_jobs *jobs,
                                      const struct gw_scheduler_opts *opts);
void gw_scheduler_start(struct gw_scheduler *s);
/* No timer starts new work after this; multi-step jobs stop between steps. */
void gw_scheduler_stop(struct gw_scheduler *s);
void gw_scheduler_free(struct gw_scheduler *s);

#endif
