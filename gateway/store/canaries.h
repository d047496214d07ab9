/*
 * Canaries in Redis, one Lua script per transition (atomic with delivery-id
 * de-duplication, like tickets). Ending a paged canary enqueues its
 * PagerDuty resolve in the same script.
 *
 * Keys: kz:canary:<id> (hash), kz:canaries (zset id -> started_at),
 * kz:canary_due (zset id -> started_at + budget, active and not paged),
 * kz:canary_sha:<repo>@<sha> (set of GitHub canary ids, for promotion),
 * kz:canary_tomb:<id> (updated_at of an ended GitHub canary, TTL).
 */
#ifndef GW_CANARIES_H
#define GW_CANARIES_H

#include <stddef.h>
#include <stdint.h>

#include "gateway/core/canary.h"
#include "gateway/net/redis.h"

struct gw_canaries;

struct gw_canaries *gw_canaries_new(struct gw_redis *redis);
void gw_canaries_free(struct gw_canaries *c);

/*
 * status: "created" | "exists" | "ended" | "unknown" | "promoted" | "ignored"
 * | "duplicate" | "stale"; NULL when Redis failed (nothing was recorded).
 * was_paged: for "ended", whether a resolve was enqueued.
 */
typedef void (*gw_canary_cb)(const char *status, int was_paged, void *arg);

/*
 * Applies change. delivery (may be NULL) is the idempotency key, recorded
 * with ttl. routing_key (may be NULL) is used to build PagerDuty resolves
 * for paged canaries that end. Returns -1 if Redis is not ready.
 */
int gw_canaries_apply(struct gw_canaries *c, const char *delivery, int64_t ttl,
                      const struct gw_canary_change *change, const char *routing_key,
                      gw_canary_cb cb, void *arg);

/* canaries: valid only during the callback; ok = 0 on failure. */
typedef void (*gw_canary_list_cb)(int ok, const struct gw_canary *canaries, size_t n, void *arg);
int gw_canaries_list(struct gw_canaries *c, gw_canary_list_cb cb, void *arg);
/* Active, unpaged canaries past their budget (at most limit). */
int gw_canaries_due(struct gw_canaries *c, int64_t now, long limit, gw_canary_list_cb cb,
                    void *arg);

#endif
