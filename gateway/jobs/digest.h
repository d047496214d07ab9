/*
 * The digest job: the open tickets, most urgent first, as one Slack
 * digest per destination (each route's channel gets its own tickets),
 * enqueued in the outbox with the claim of its window, so each window is
 * digested exactly once across replicas. The digests feed keeps a record
 * of each. Called by the scheduler's timer (gw_digest_job_tick) and by
 * POST /api/digest (gw_digest_job_now) alike.
 */
#ifndef GW_JOBS_DIGEST_H
#define GW_JOBS_DIGEST_H

#include <stddef.h>
#include <stdint.h>

#include "gateway/net/redis.h"

struct gw_tickets;
struct gw_digests;
struct gw_templates;
struct gw_routing;
struct gw_tz;
struct gw_sla_policy;

struct gw_digest_opts {
    int64_t every;          /* KAIZEN_DIGEST_EVERY, seconds; 0: daily at at_minute */
    int at_minute;          /* KAIZEN_DIGEST_AT, minutes after local 00:00 */
    const struct gw_tz *tz; /* KAIZEN_TIMEZONE: whose wall clock at_minute is read on */
    int skip_empty;         /* no digest (but the window's claim) when nothing is open */
    int max_tickets;        /* listed per destination; the rest are counted */
    int64_t sla_warn, sla_crit;   /* countdown colours */
    const char *public_url; /* links to the tickets feed */
    const struct gw_sla_policy *sla;   /* business-hours tickets show business time left */
};

/* Everything is borrowed and outlives the job. */
struct gw_digest_deps {
    struct gw_tickets *tickets;
    struct gw_digests *digests;
    const struct gw_templates *templates;
    const struct gw_routing *routing;
    struct gw_digest_opts opts;
};

struct gw_digest_job;

struct gw_digest_job *gw_digest_job_new(const struct gw_digest_deps *deps);
void gw_digest_job_free(struct gw_digest_job *j);

/*
 * Digests the current window if it has started, is not done and is not
 * past its grace period, unless a digest is being built already.
 */
void gw_digest_job_tick(struct gw_digest_job *j);

/*
 * Builds the digest of the open tickets now and enqueues it without a
 * window guard (POST /api/digest). cb runs once, from the loop, with the
 * number of messages enqueued or err.
 */
typedef void (*gw_digest_cb)(size_t messages, const struct gw_redis_error *err, void *arg);
void gw_digest_job_now(struct gw_digest_job *j, gw_digest_cb cb, void *arg);

#endif
