/*
 * The sender: a short poll per sink that claims the head of its outbox
 * queue (store/outbox.h), POSTs it with the non-blocking HTTP client and
 * records the outcome (sent, retry with backoff, dead letter). Delivery is
 * at least once: a replica that dies after the peer answered 2xx but
 * before recording it causes one repeat.
 */
#ifndef GW_DELIVERY_H
#define GW_DELIVERY_H

#include <stdint.h>

#include "gateway/core/retry.h"
#include "gateway/store/outbox.h"

struct event_base;
struct gw_http_client;
struct gw_redis;
struct gw_telemetry;

struct gw_delivery_config {
    const char *url[GW_SINK_COUNT];      /* NULL: dry-run for the sink; borrowed */
    int64_t spacing_ms[GW_SINK_COUNT];   /* minimum gap between two sends (rate limit) */
    int dry_run;                         /* KAIZEN_DRY_RUN: never send */
    struct gw_retry_policy retry;
    int64_t lease_ms;                    /* how long a claimed head stays locked */
};

struct gw_delivery;

/* Everything passed is borrowed and must outlive the sender. */
struct gw_delivery *gw_delivery_new(struct event_base *base, struct gw_redis *redis,
                                    struct gw_outbox *outbox, struct gw_http_client *client,
                                    const struct gw_delivery_config *cfg,
                                    struct gw_telemetry *telemetry);
void gw_delivery_free(struct gw_delivery *d);

void gw_delivery_start(struct gw_delivery *d);
/* Stops claiming new messages; sends in flight finish. */
void gw_delivery_stop(struct gw_delivery *d);
/* Sinks with a claim, send or finish under way on this replica. */
int gw_delivery_inflight(const struct gw_delivery *d);

#endif
