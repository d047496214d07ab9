/*
 * The timers: they turn stored state into messages through the outbox and
 * keep the Redis-derived gauges fresh.
 *   - the digest, once per window across all replicas;
 *   - SLA-breach notices, grouped per check, once per breach across all
 *     replicas (gateway/breach_check.c);
 *   - canary pages, once per canary across all replicas;
 *   - the ticket, outbox and canary gauges;
 *   - the upgrade of first-release keys while an old replica may write them;
 *   - retention (gateway/retention.c).
 */
#ifndef GW_SCHEDULER_H
#define GW_SCHEDULER_H

#include <stddef.h>
#include <stdint.h>

#include "gateway/net/redis.h"

struct event_base;
struct gw_config;
struct gw_templates;
struct gw_tickets;
struct gw_canaries;
struct gw_digests;
struct gw_breaches;
struct gw_outbox;
struct gw_migration;
struct gw_telemetry;
struct gw_routing;

/* What the timers work with; everything is borrowed and outlives the scheduler. */
struct gw_scheduler_deps {
    struct event_base *base;
    const struct gw_config *cfg;
    struct gw_redis *redis;
    struct gw_tickets *tickets;
    struct gw_canaries *canaries;
    struct gw_digests *digests;
    struct gw_breaches *breaches;
    struct gw_outbox *outbox;
    struct gw_migration *migration;
    const struct gw_templates *templates;
    struct gw_telemetry *telemetry;
    const struct gw_routing *routing;   /* where each ticket's and canary's messages go */
};

struct gw_scheduler;

struct gw_scheduler *gw_scheduler_new(const struct gw_scheduler_deps *deps);
void gw_scheduler_start(struct gw_scheduler *s);
/* No timer starts new work after this. */
void gw_scheduler_stop(struct gw_scheduler *s);
void gw_scheduler_free(struct gw_scheduler *s);

/*
 * Builds the digest of the open tickets now and enqueues it without a
 * window guard (POST /api/digest). cb runs once, from the loop, with the
 * number of messages enqueued or err.
 */
typedef void (*gw_digest_cb)(size_t messages, const struct gw_redis_error *err, void *arg);
void gw_scheduler_digest_now(struct gw_scheduler *s, gw_digest_cb cb, void *arg);

#endif
