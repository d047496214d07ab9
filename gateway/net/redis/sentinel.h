/*
 * The Sentinel watch (sentinel.c): a subscription to +switch-master on one
 * Sentinel, so that a failover is followed at once. For the client's parts
 * in gateway/net/redis/ only.
 */
#ifndef GW_REDIS_SENTINEL_H
#define GW_REDIS_SENTINEL_H

struct event_base;
struct evdns_base;
struct gw_sentinel_watch;

/* The new primary of the watched master (host valid during the call); host NULL: the watch was lost. */
typedef void (*gw_switch_cb)(const char *host, int port, void *arg);

/*
 * Subscribes to +switch-master on the Sentinel at host:port for master.
 * host, password and master are copied; base and dns must outlive the
 * watch. cb runs from the loop, never inside this call, once per switch of
 * master, and at most once with host NULL (then never again): the owner
 * stops the watch. Out of memory aborts.
 */
struct gw_sentinel_watch *gw_sentinel_watch_start(struct event_base *base,
                                                  struct evdns_base *dns, const char *host,
                                                  int port, const char *password,
                                                  const char *master, gw_switch_cb cb,
                                                  void *arg);

/* Ends w (its callback never runs again) and frees it. NULL is a no-op. */
void gw_sentinel_watch_stop(struct gw_sentinel_watch *w);

#endif
