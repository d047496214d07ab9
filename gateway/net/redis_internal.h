/*
 * What the Redis client (net/redis.c) uses to find the primary
 * (net/redis_discover.c): non-blocking name resolution, one-question
 * connections, Sentinel and Cluster discovery, and the Sentinel watch for
 * failovers. Internal to gateway/net/.
 *
 * Every start function reports through its callback exactly once, from the
 * loop and never inside the call, unless it is cancelled first (then never).
 */
#ifndef GW_REDIS_INTERNAL_H
#define GW_REDIS_INTERNAL_H

#include <hiredis/hiredis.h>
#include <stdint.h>

#include "gateway/net/redis.h"

struct event_base;
struct evdns_base;

/* The Redis Cluster slot of every gateway key: CRC16 of the hash tag "kz". */
int gw_redis_cluster_slot(const char *tag, size_t len);

/* --- name resolution ------------------------------------------------------- */

struct gw_resolve;
/* ip: numeric address (valid during the call), or NULL with error. */
typedef void (*gw_resolve_cb)(const char *ip, const char *error, void *arg);
struct gw_resolve *gw_resolve_start(struct event_base *base, struct evdns_base *dns,
                                    const char *host, gw_resolve_cb cb, void *arg);
void gw_resolve_cancel(struct gw_resolve *q);

/* --- one question on a short-lived connection ---------------------------------- */

struct gw_redis_ask;
/* reply: the last command's reply (valid during the call), or NULL with error. */
typedef void (*gw_redis_ask_cb)(redisReply *reply, const char *error, void *arg);

/*
 * Connects to host:port, sends AUTH password (when not NULL), then the
 * formatted commands cmds[0..n) in order, and reports the reply to the
 * last one. Everything is bounded by timeout_ms. cmds are copied.
 */
struct gw_redis_ask *gw_redis_ask_start(struct event_base *base, struct evdns_base *dns,
                                        const char *host, int port, const char *password,
                                        int64_t timeout_ms, const char *const *cmds,
                                        const size_t *lens, int n, gw_redis_ask_cb cb,
                                        void *arg);
void gw_redis_ask_cancel(struct gw_redis_ask *q);

/* --- discovery ------------------------------------------------------------------ */

struct gw_discovery;
/*
 * host:port of the primary (valid during the call) and, for Sentinel, the
 * index of the Sentinel that named it; or host NULL with error.
 */
typedef void (*gw_discovery_cb)(const char *host, int port, int sentinel, const char *error,
                                void *arg);
/* Asks target's Sentinels or seeds in turn (redis:// answers its own host). */
struct gw_discovery *gw_discover(struct event_base *base, struct evdns_base *dns,
                                 const struct gw_redis_target *target, int64_t timeout_ms,
                                 gw_discovery_cb cb, void *arg);
void gw_discovery_cancel(struct gw_discovery *d);

/* --- the Sentinel watch ---------------------------------------------------------- */

struct gw_sentinel_watch;
/* host NULL: the watch connection was lost (start another). */
typedef void (*gw_switch_cb)(const char *host, int port, void *arg);
/* Subscribes to +switch-master on the Sentinel at host:port for master. */
struct gw_sentinel_watch *gw_sentinel_watch_start(struct event_base *base,
                                                  struct evdns_base *dns, const char *host,
                                                  int port, const char *password,
                                                  const char *master, gw_switch_cb cb,
                                                  void *arg);
void gw_sentinel_watch_stop(struct gw_sentinel_watch *w);

#endif
