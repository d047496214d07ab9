/*
 * The outbox in Redis: every outgoing message is written to Redis before
 * the first attempt and removed only after a 2xx (or moved to the dead
 * letters). The sender loop that uses it is gateway/delivery.c.
 *
 * Each sink ("slack", "pager") is a FIFO. Only its head may be attempted,
 * by one replica at a time (a lease lock with a TTL, so a message held by a
 * replica that died is picked up again), and no sooner than the sink's
 * next-allowed time, which carries both the rate limit and the retry
 * backoff. So messages are delivered in order, one digest's parts never
 * interleave with another's, and N replicas behave as one.
 *
 * Messages are enqueued by the scripts of the domain that decides to send
 * them (a digest window, a breach, a page), in the same step as that
 * decision: those scripts include store/lua/lib/enqueue.lua and their
 * callers add the messages with gw_outbox_args().
 */
#ifndef GW_STORE_OUTBOX_H
#define GW_STORE_OUTBOX_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "gateway/net/redis.h"

enum gw_sink { GW_SINK_SLACK = 0, GW_SINK_PAGER, GW_SINK_COUNT };
const char *gw_sink_name(enum gw_sink s);

/* One message to enqueue; id makes enqueueing idempotent. */
struct gw_outbox_msg {
    const char *id;
    enum gw_sink sink;
    const char *body;     /* JSON text */
};

/*
 * Adds msgs[0..n) to a script call the way lib/enqueue.lua's
 * outbox_enqueue_argv reads them: their queues to KEYS, then n and one
 * {id, queue index, body} triple each to ARGV. The script's caller adds the
 * outbox seq and bodies keys where the script expects them.
 */
void gw_outbox_args(struct gw_redis_args *a, const struct gw_outbox_msg *msgs, size_t n);

struct gw_outbox;
struct gw_outbox *gw_outbox_new(struct gw_redis *redis);
void gw_outbox_free(struct gw_outbox *o);

/* A claimed head: valid only during the callback. */
struct gw_outbox_claim {
    const char *id;       /* NULL: nothing to send now */
    const char *body;
    size_t body_len;
    int attempt;          /* 1-based, counting this one */
};
typedef void (*gw_outbox_claim_cb)(const struct gw_outbox_claim *claim,
                                   const struct gw_redis_error *err, void *arg);

/* Claims the head of sink's queue for token (a lease of lease_ms). */
void gw_outbox_claim(struct gw_outbox *o, enum gw_sink sink, const char *token, int64_t now_ms,
                     int64_t lease_ms, gw_outbox_claim_cb cb, void *arg);

enum gw_outbox_result { GW_OUTBOX_SENT, GW_OUTBOX_DRY_RUN, GW_OUTBOX_RETRY, GW_OUTBOX_DEAD };
const char *gw_outbox_result_name(enum gw_outbox_result r);

/* What happened to a claimed message. */
struct gw_outbox_outcome {
    enum gw_outbox_result result;
    int64_t next_at_ms;     /* the sink's next allowed send */
    int64_t now_ms;
    const char *history;    /* JSON entry for /api/outbox */
    const char *error;      /* NULL when none */
};
typedef void (*gw_outbox_done_cb)(const struct gw_redis_error *err, void *arg);

/* Records the outcome of message id claimed with token. */
void gw_outbox_finish(struct gw_outbox *o, enum gw_sink sink, const char *id, const char *token,
                      const struct gw_outbox_outcome *outcome, gw_outbox_done_cb cb, void *arg);

/* Counts for /api/outbox and metrics. recent: JSON array (caller owns), newest first. */
typedef void (*gw_outbox_status_cb)(long pending, long dead, json_t *recent,
                                    const struct gw_redis_error *err, void *arg);
void gw_outbox_status(struct gw_outbox *o, long recent, gw_outbox_status_cb cb, void *arg);

#endif
