/*
 * Upgrade from the first release's key names (store/keys.h, GW_LEGACY_*):
 * tickets, canaries, outbox messages, digest records and the expiring keys
 * (delivery ids, tombs, digest window claims) are carried over in small
 * batches, each batch one idempotent script, while the gateway serves.
 *
 * A pass runs once after start-up and again whenever a first-release index
 * holds something (an old replica still writing during a rolling upgrade).
 * One replica at a time runs a pass (a lease in Redis); every step is safe
 * to repeat, so a pass cut short is finished by the next one.
 */
#ifndef GW_STORE_MIGRATE_H
#define GW_STORE_MIGRATE_H

#include "gateway/net/redis.h"

struct gw_migration;

/*
 * enabled 0 (a Redis Cluster, which the first release did not support:
 * there is nothing to carry over, and its keys would be in other slots)
 * makes every pass a no-op that is done at once.
 */
struct gw_migration *gw_migration_new(struct gw_redis *redis, int enabled);
void gw_migration_free(struct gw_migration *m);

/* Starts a pass if one is due and none runs (call it from a timer). */
void gw_migration_tick(struct gw_migration *m);

/* 1 once a whole pass has run since start-up (this replica is ready). */
int gw_migration_done(const struct gw_migration *m);

#endif
