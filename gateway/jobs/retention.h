/*
 * Retention (KAIZEN_RETENTION, docs/operations.md "Retention and scale"): a timer deletes
 * resolved tickets whose last change is older than the retention, dead
 * letters dead-lettered before it, digest records built before it and the
 * weekly aggregates of the Kaizen report older than max(26 weeks, it).
 * Each step is one short script over a bounded batch (oldest first), and
 * the next step is sent only when the previous one answered, so Redis
 * serves everything else in between; a pass goes on until nothing older
 * is left. Replicas may overlap: every step is idempotent.
 */
#ifndef GW_RETENTION_H
#define GW_RETENTION_H

#include <stdint.h>

struct gw_redis;
struct gw_tickets;
struct gw_outbox;
struct gw_digests;
struct gw_reports;
struct gw_periods;

/* Items deleted per step. */
#define GW_RETENTION_BATCH 50

struct gw_retention;

/* Everything is borrowed and outlives the retention. retention: seconds. */
/* Everything is borrowed and outlives the job. */
struct gw_retention_deps {
    struct gw_redis *redis;      /* a pass stops between batches while it is down */
    struct gw_tickets *tickets;
    struct gw_outbox *outbox;
    struct gw_digests *digests;
    struct gw_reports *reports;
    const struct gw_periods *periods;   /* the report's: 26 of them are kept at least */
    int64_t retention;           /* KAIZEN_RETENTION, seconds */
};
struct gw_retention *gw_retention_new(const struct gw_retention_deps *deps);
/* Starts a pass unless one is under way. */
void gw_retention_run(struct gw_retention *r);
void gw_retention_stop(struct gw_retention *r);
void gw_retention_free(struct gw_retention *r);

#endif
