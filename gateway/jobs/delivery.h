/*
 * The sender: each poll (gw_delivery_poll, from the scheduler every
 * GW_DELIVERY_POLL_MS) finds the destinations whose next send is due, claims the head of each (store/outbox.h), POSTs it with the
 * non-blocking HTTP client and records the outcome (sent, retry with
 * backoff, dead letter). Delivery is
 * at least once: a replica that dies after the peer answered 2xx but
 * before recording it causes one repeat.
 *
 * In Web API mode a message whose id is an edit's (core/wire.h) is an edit of a
 * message posted before (text/render_edit.h gw_render_edit): it is rendered
 * now, and sent with chat.update to the channel and ts the post left in
 * Redis. It is in the same queue as the post, behind it, so it never
 * overtakes the post; a post that never went out leaves nothing to edit
 * (dead letter "nothing to edit").
 */
#ifndef GW_DELIVERY_H
#define GW_DELIVERY_H

#include <stdint.h>

#include "gateway/core/retry.h"
#include "gateway/store/outbox.h"

struct gw_http_client;
struct gw_redis;
struct gw_telemetry;
struct gw_templates;

/* How to reach the destinations whose names start with prefix. */
struct gw_delivery_route {
    const char *prefix;         /* "slack", "pager" */
    const char *url;            /* NULL: dry-run; borrowed */
    int64_t spacing_ms;         /* minimum gap between two sends to one destination (rate limit) */
    const char *bearer;         /* set: Slack Web API (url is chat.postMessage), this token */
    const char *channel;        /* Web API: the channel of "<prefix>" ("<prefix>:<channel>": that one) */
    const char *update_url;     /* Web API: chat.update, for the edits */
    int64_t edit_spacing_ms;    /* Web API: minimum gap between two edits of any destination
                                 * (chat.update is a per-workspace method tier); 0: none */
};

#define GW_DELIVERY_ROUTES 4

struct gw_delivery_config {
    struct gw_delivery_route routes[GW_DELIVERY_ROUTES];
    size_t nroutes;
    int dry_run;                         /* KAIZEN_DRY_RUN: never send */
    struct gw_retry_policy retry;
    int64_t lease_ms;                    /* how long a claimed head stays locked */
    const struct gw_templates *templates; /* edits are rendered when they are sent */
    const char *public_url;               /* KAIZEN_PUBLIC_URL: links in edits */
};

struct gw_delivery;

#define GW_DELIVERY_POLL_MS 200

/* Everything passed is borrowed and must outlive the sender. */
struct gw_delivery *gw_delivery_new(struct gw_redis *redis, struct gw_outbox *outbox,
                                    struct gw_http_client *client,
                                    const struct gw_delivery_config *cfg,
                                    struct gw_telemetry *telemetry);
void gw_delivery_free(struct gw_delivery *d);

/* Claims and sends what is due, unless the last poll's read is still under way. */
void gw_delivery_poll(struct gw_delivery *d);
/* Stops claiming new messages; sends in flight finish. */
void gw_delivery_stop(struct gw_delivery *d);
/* Destinations with a claim, send or finish under way on this replica. */
int gw_delivery_inflight(const struct gw_delivery *d);

#endif
