/*
 * Canaries in Redis, one Lua script per transition (atomic with the
 * delivery-id de-duplication, like tickets). Ending a paged canary enqueues
 * its PagerDuty resolve in the same script. Keys: store/keys.h.
 */
#ifndef GW_STORE_CANARIES_H
#define GW_STORE_CANARIES_H

#include <stddef.h>
#include <stdint.h>

#include "gateway/core/canary.h"
#include "gateway/net/redis.h"
#include "gateway/store/outbox.h"

struct gw_canaries;

/*
 * Where what follows a page goes. A paged canary's resolve, acknowledge and
 * edits go where its page went (kept with the page); route says where a
 * canary of service would be paged now (for canaries paged before that was
 * kept): its Slack destination and PagerDuty routing key ("" for none).
 * edits: Web API mode, pages are edited in place; incoming-webhook mode
 * cannot edit.
 */
struct gw_canary_routing {
    int edits;
    void (*route)(void *ctx, const char *service, char *slack_dest, size_t slack_len,
                  char *routing_key, size_t key_len);
    void *ctx;
};
struct gw_canaries *gw_canaries_new(struct gw_redis *redis, const struct gw_canary_routing *routing);
void gw_canaries_free(struct gw_canaries *c);

enum gw_canary_status {
    GW_CANARY_CREATED,    /* start: a new canary */
    GW_CANARY_EXISTS,     /* start: it runs already (a replay never restarts the clock) */
    GW_CANARY_ENDED,      /* end: it ran and has ended */
    GW_CANARY_UNKNOWN,    /* end: no such canary */
    GW_CANARY_PROMOTED,   /* promotion: the commit's canaries ended */
    GW_CANARY_IGNORED,    /* promotion: the commit had no canary */
    GW_CANARY_DUPLICATE,  /* the delivery was applied before */
    GW_CANARY_STALE       /* older than what is stored (a start after the end) */
};

/* was_paged: for ENDED, whether a resolve was enqueued. */
typedef void (*gw_canary_cb)(enum gw_canary_status status, int was_paged,
                             const struct gw_redis_error *err, void *arg);

/*
 * Applies change (borrowed for the call). github_delivery (may be NULL) is
 * the X-GitHub-Delivery that carried it, the idempotency key, recorded with ttl. An end or promotion reads the
 * canaries first, then ends them in one script with the PagerDuty resolves
 * and Slack edits of those that were paged.
 */
void gw_canaries_apply(struct gw_canaries *c, const char *github_delivery, int64_t ttl,
                       const struct gw_canary_change *change, gw_canary_cb cb, void *arg);

/* canaries[0..n): valid only during the callback. */
typedef void (*gw_canary_list_cb)(const struct gw_canary *canaries, size_t n,
                                  const struct gw_redis_error *err, void *arg);
/* Every active canary, oldest first. */
void gw_canaries_list(struct gw_canaries *c, gw_canary_list_cb cb, void *arg);
/* Active, unpaged canaries past their budget at now (at most limit). */
void gw_canaries_due(struct gw_canaries *c, int64_t now, long limit, gw_canary_list_cb cb,
                     void *arg);

/*
 * Enqueues msgs[0..n) as the page of canary id, only if it is active and
 * not paged yet, and marks it paged in the same step, keeping where it went
 * (slack_dest, routing_key; either may be NULL). enqueued is 0 when there
 * was nothing to do.
 */
typedef void (*gw_page_cb)(int enqueued, const struct gw_redis_error *err, void *arg);
void gw_canaries_page(struct gw_canaries *c, const char *id, const char *slack_dest,
                      const char *routing_key, const struct gw_outbox_msg *msgs, size_t n,
                      gw_page_cb cb, void *arg);

/*
 * An Acknowledge click on canary id's page by `by` at `at` (Unix seconds):
 * recorded once; for a paged canary, a PagerDuty acknowledge (when its page
 * had a routing key) and the edit of its Slack page are enqueued with it.
 */
void gw_canaries_ack(struct gw_canaries *c, const char *id, const char *by, int64_t at,
                     gw_ack_cb cb, void *arg);

/* The stored form (store/lua/lib/canary.lua); decode works in place like tickets'. */
char *gw_canary_row_encode(const struct gw_canary *k, size_t *len);
int gw_canary_row_decode(char *row, size_t len, struct gw_canary *k);

#endif
