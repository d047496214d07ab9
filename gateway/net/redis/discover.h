/*
 * Finding the primary (discover.c): the Sentinels' answer for redis-sentinel://,
 * the Cluster's owner of the {kz} slot for redis-cluster://, the URL's own
 * host for redis://. For the client's parts in gateway/net/redis/ only.
 */
#ifndef GW_REDIS_DISCOVER_H
#define GW_REDIS_DISCOVER_H

#include <stdint.h>

#include "gateway/net/redis.h"

struct gw_discovery;
struct gw_redis_dial;

/*
 * host:port of the primary (host valid during the call) and, for Sentinel,
 * the index in target->endpoints of the Sentinel that named it (else -1);
 * or host NULL with error (valid during the call).
 */
typedef void (*gw_discovery_cb)(const char *host, int port, int sentinel, const char *error,
                                void *arg);

/*
 * Asks the Sentinels or seeds of d's target in turn (as the Sentinels' or
 * the data nodes' user), each question bounded by timeout_ms, until one
 * answers. d is borrowed: it must outlive the discovery. cb runs exactly
 * once, from the loop and never inside this call, unless
 * gw_discovery_cancel comes first; the discovery frees itself after cb.
 * Out of memory aborts.
 */
struct gw_discovery *gw_discover(const struct gw_redis_dial *d, int64_t timeout_ms,
                                 gw_discovery_cb cb, void *arg);

/* Stops d before its callback (which then never runs) and frees it. NULL is a no-op. */
void gw_discovery_cancel(struct gw_discovery *d);

#endif
