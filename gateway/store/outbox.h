/*
 * The outbox in Redis: every outgoing message is written to Redis before
 * the first attempt and removed only after a 2xx (or moved to the dead
 * letters). The sender loop that uses it is gateway/delivery.c.
 *
 * A message goes to a destination (a Slack webhook or channel, a PagerDuty
 * routing key: a name such as "slack" or "pager") and is of a kind (page,
 * digest, breach notice). Each destination has one FIFO per kind; its
 * sender takes pages first, then digests, then breach notices. A page is
 * never delayed by anything else, and a digest (a few messages once per
 * window) never waits behind a mass breach (hundreds of messages): breach
 * notices wait at most for one digest's parts. Only a destination's head may be attempted,
 * by one replica at a time (a lease lock with a TTL, so a message held by a
 * replica that died is picked up again), and no sooner than the
 * destination's next-allowed time, which carries both the rate limit and
 * the retry backoff. So messages of a kind are delivered in order, one
 * digest's parts never interleave with another digest's, and N replicas
 * behave as one.
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

#include "gateway/core/wire.h"
#include "gateway/net/redis.h"
#include "gateway/store/call.h"

#define GW_OUTBOX_DEST_MAX 160   /* a destination name's size, NUL included */

/* Message kinds, in the order a destination's sender takes them. */
enum gw_msg_kind { GW_MSG_PAGE = 0, GW_MSG_DIGEST, GW_MSG_BREACH, GW_MSG_KINDS };
const char *gw_msg_kind_name(enum gw_msg_kind kind);

/* One message to enqueue; id makes enqueueing idempotent. Strings are borrowed. */
struct gw_outbox_msg {
    const char *id;
    const char *dest;
    enum gw_msg_kind kind;
    const char *body;     /* JSON text */
};

/*
 * Adds msgs[0..n) to a script call the way lib/enqueue.lua's
 * outbox_enqueue_argv reads them: the outbox keys and the messages' queues
 * to KEYS, then their indices, now, n and one {id, queue index,
 * destination, body} each to ARGV. Add them after the script's own keys
 * and arguments.
 */
void gw_outbox_args(struct gw_redis_args *a, const struct gw_outbox_msg *msgs, size_t n);

/*
 * The messages of a JSON array of Slack/PagerDuty payloads, ready for
 * gw_outbox_args: each body dumped compact, ids "<prefix><i>" or, with
 * numbered, "<prefix><i>/<n>" (i from 1). Aborts when out of memory, like
 * the rest of the outbox's callers.
 */
struct gw_outbox_batch {
    struct gw_outbox_msg *msgs;
    size_t n;
    char **ids, **bodies;
};
void gw_outbox_batch_init(struct gw_outbox_batch *b, json_t *payloads, const char *dest,
                          enum gw_msg_kind kind, const char *prefix, int numbered);
void gw_outbox_batch_clear(struct gw_outbox_batch *b);
/* Appends b's messages to *all (*n of them; realloc'd); b keeps owning their strings. */
void gw_outbox_batch_append(struct gw_outbox_msg **all, size_t *n, const struct gw_outbox_batch *b);

/*
 * Adds the keys every enqueue touches, in this order: seq, bodies, dests,
 * pending (each once); returns the index of seq in KEYS.
 */
int gw_outbox_keys(struct gw_redis_args *a);

/* Adds the queue key of dest and kind to a (once); returns its index in KEYS. */
int gw_outbox_queue_key(struct gw_redis_args *a, const char *dest, enum gw_msg_kind kind);

struct gw_outbox;
struct gw_outbox *gw_outbox_new(struct gw_redis *redis);
void gw_outbox_free(struct gw_outbox *o);

/* Destinations with something to send whose next-allowed time has come (at most limit). */
typedef void (*gw_outbox_dests_cb)(const char *const *dests, size_t n,
                                   const struct gw_redis_error *err, void *arg);
void gw_outbox_due(struct gw_outbox *o, int64_t now_ms, long limit, gw_outbox_dests_cb cb,
                   void *arg);

/* A claimed head: valid only during the callback. */
struct gw_outbox_claim {
    const char *id;       /* NULL: nothing to send now */
    const char *body;
    size_t body_len;
    int attempt;          /* 1-based, counting this one */
    enum gw_msg_kind kind;
};
typedef void (*gw_outbox_claim_cb)(const struct gw_outbox_claim *claim,
                                   const struct gw_redis_error *err, void *arg);

/*
 * Claims the head of dest's queues for token (a lease of lease_ms). An edit
 * is claimed no sooner than edit_spacing_ms (0: any time) after the last
 * edit claimed for any destination.
 */
void gw_outbox_claim(struct gw_outbox *o, const char *dest, const char *token, int64_t now_ms,
                     int64_t lease_ms, int64_t edit_spacing_ms, gw_outbox_claim_cb cb, void *arg);

/* THROTTLED is a RETRY that gives back the claim's attempt (a 429). */
enum gw_outbox_result { GW_OUTBOX_SENT, GW_OUTBOX_DRY_RUN, GW_OUTBOX_RETRY, GW_OUTBOX_DEAD,
                        GW_OUTBOX_THROTTLED };
const char *gw_outbox_result_name(enum gw_outbox_result r);

/* What happened to a claimed message. */
struct gw_outbox_outcome {
    enum gw_outbox_result result;
    int64_t next_at_ms;     /* the destination's next allowed send */
    int64_t now_ms;
    const char *history;    /* JSON entry for /api/outbox */
    const char *error;      /* NULL when none */
    const char *posted;     /* sent with the Slack Web API: "channel ts", kept for edits */
    const char *thread_channel, *thread_ts;   /* a digest's head post: the channel's thread */
};

/* The ts of the latest digest message in channel (the last 24 h), or NULL. */
typedef void (*gw_thread_cb)(const char *ts, const struct gw_redis_error *err, void *arg);
void gw_outbox_thread(struct gw_outbox *o, const char *channel, gw_thread_cb cb, void *arg);
#define GW_SLACK_THREAD_TTL 86400

/* The "channel ts" of message id as posted with the Web API, or NULL (not posted, or long ago). */
void gw_outbox_posted(struct gw_outbox *o, const char *id, gw_thread_cb cb, void *arg);

/* How long a posted message's channel and ts are kept (edits come within days). */
#define GW_SLACK_POSTED_TTL (7 * 86400)
typedef void (*gw_outbox_done_cb)(const struct gw_redis_error *err, void *arg);

/* Records the outcome of message id of kind, claimed from dest with token. */
void gw_outbox_finish(struct gw_outbox *o, const char *dest, enum gw_msg_kind kind,
                      const char *id, const char *token, const struct gw_outbox_outcome *outcome,
                      gw_outbox_done_cb cb, void *arg);

/* Counts for /api/outbox and metrics. recent: JSON array (caller owns), newest first. */
typedef void (*gw_outbox_status_cb)(long pending, long dead, json_t *recent,
                                    const struct gw_redis_error *err, void *arg);
void gw_outbox_status(struct gw_outbox *o, long recent, gw_outbox_status_cb cb, void *arg);

/* Retention: deletes at most limit dead letters dead-lettered before cutoff_ms. */
void gw_outbox_expire(struct gw_outbox *o, int64_t cutoff_ms, long limit, gw_deleted_cb cb,
                      void *arg);

#endif
