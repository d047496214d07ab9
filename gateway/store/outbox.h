/*
 * The durable outbox: every outgoing message is written to Redis before the
 * first attempt and removed only after a 2xx (or moved to the dead letters).
 *
 * Each sink ("slack", "pager") is a FIFO in Redis. Only its head may be
 * attempted, by one replica at a time (a lease lock with a TTL, so a message
 * held by a replica that died is picked up again), and no sooner than the
 * sink's next-allowed time, which carries both the rate limit and the retry
 * backoff. So messages are delivered in order, one digest's parts never
 * interleave with another's, and N replicas behave as one. Delivery is
 * at-least-once: a replica that dies after the peer answered 2xx but before
 * recording it causes one repeat.
 *
 * Keys: kz:outbox:msg:<id> (hash), kz:outbox:queue:<sink> (zset by enqueue
 * order), kz:outbox:next:<sink> (ms), kz:outbox:lock:<sink> (lease),
 * kz:outbox:dead (list of ids), kz:outbox:history (list of JSON, newest
 * first), kz:outbox:seq.
 */
#ifndef GW_OUTBOX_H
#define GW_OUTBOX_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "gateway/net/redis.h"

struct event_base;
struct gw_http_client;
struct gw_metric;

enum gw_sink { GW_SINK_SLACK = 0, GW_SINK_PAGER, GW_SINK_COUNT };

/*
 * Lua for other scripts that must enqueue atomically with their own state
 * change (a paged canary's resolve): outbox_enqueue(id, sink, body, now_ms)
 * adds the message at the tail of the sink's queue unless id exists.
 */
#define GW_OUTBOX_LUA_ENQUEUE                                                              \
    "local function outbox_enqueue(id, sink, body, now)\n"                                 \
    "  local key = 'kz:outbox:msg:' .. id\n"                                              \
    "  if redis.call('EXISTS', key) == 1 then return end\n"                               \
    "  local seq = redis.call('INCR', 'kz:outbox:seq')\n"                                 \
    "  redis.call('HSET', key, 'id', id, 'sink', sink, 'body', body, 'attempts', 0,"        \
    " 'created_at', now)\n"                                                                \
    "  redis.call('ZADD', 'kz:outbox:queue:' .. sink, seq, id)\n"                         \
    "end\n"
const char *gw_sink_name(enum gw_sink s);

/* One message to enqueue; id makes enqueueing idempotent. */
struct gw_outbox_msg {
    const char *id;
    enum gw_sink sink;
    const char *body;     /* JSON text */
};

struct gw_outbox_sink_config {
    const char *url;          /* NULL: dry-run for this sink */
    int64_t spacing_ms;       /* minimum gap between two sends (rate limit) */
};

struct gw_outbox_config {
    struct gw_outbox_sink_config sinks[GW_SINK_COUNT];
    int dry_run;              /* KAIZEN_DRY_RUN: never send */
    int max_attempts;         /* then the dead letters */
    int64_t backoff_base_ms;  /* exponential: base * 2^(attempt-1), jittered +-20 % */
    int64_t backoff_max_ms;
    int64_t lease_ms;         /* how long a claimed head stays locked */
};

struct gw_outbox;

struct gw_outbox *gw_outbox_new(struct event_base *base, struct gw_redis *redis,
                                struct gw_http_client *client,
                                const struct gw_outbox_config *cfg,
                                struct gw_metric *notifications);
void gw_outbox_free(struct gw_outbox *o);

/* Starts the delivery loop (a short poll per sink). */
void gw_outbox_start(struct gw_outbox *o);
/* Stops claiming new messages; in-flight sends finish. */
void gw_outbox_stop(struct gw_outbox *o);
/* Sends in flight on this replica. */
int gw_outbox_inflight(const struct gw_outbox *o);

/*
 * What makes an enqueue happen at most once:
 *   WINDOW: key is a guard key created with SET NX EX value (seconds);
 *   BREACH: key is a ticket id that must still be open with sla_deadline ==
 *           value and not yet notified for it; it is marked notified.
 *   CANARY: key is a canary id that must still be active and not yet paged;
 *           it is marked paged.
 */
enum gw_guard_kind { GW_GUARD_NONE = 0, GW_GUARD_WINDOW, GW_GUARD_BREACH, GW_GUARD_CANARY };
struct gw_outbox_guard {
    enum gw_guard_kind kind;
    const char *key;
    int64_t value;
};

/*
 * Enqueues msgs atomically, in order, together with the guard check (so
 * "claim this digest window" and "enqueue its messages" are one step).
 * record (may be NULL) is pushed to kz:digests (last 30 kept) in the same
 * step. cb(ok, enqueued, arg): enqueued is 0 when the guard said "done
 * already". Returns -1 when Redis is not ready (cb not called).
 */
typedef void (*gw_outbox_enqueue_cb)(int ok, int enqueued, void *arg);
int gw_outbox_enqueue(struct gw_outbox *o, const struct gw_outbox_msg *msgs, size_t n,
                      const struct gw_outbox_guard *guard, const char *record,
                      gw_outbox_enqueue_cb cb, void *arg);

/* Counts for /api/outbox and metrics. recent: JSON array (caller owns), newest first. */
typedef void (*gw_outbox_status_cb)(int ok, long pending, long dead, json_t *recent, void *arg);
int gw_outbox_status(struct gw_outbox *o, long recent, gw_outbox_status_cb cb, void *arg);

/* Backoff for an attempt (1-based) with jitter in [-20 %, +20 %]; pure but for rand(). */
int64_t gw_outbox_backoff_ms(const struct gw_outbox_config *cfg, int attempt);

/* What to do with a response: pure. */
enum gw_outcome { GW_OUTCOME_SENT, GW_OUTCOME_RETRY, GW_OUTCOME_DEAD };
enum gw_outcome gw_outbox_classify(long status, int attempt, int max_attempts);

#endif
