/*
 * Following failovers through the Sentinels (sentinel.c): the Sentinel that
 * named the primary is watched (SUBSCRIBE +switch-master), and when it
 * promotes another primary the connection goes there at once. For the
 * client's parts in gateway/net/redis/ only.
 */
#ifndef GW_REDIS_SENTINEL_H
#define GW_REDIS_SENTINEL_H

struct event_base;
struct evdns_base;
struct gw_redis_conn;
struct gw_redis_target;
struct gw_sentinel_watch;

/* The fields are sentinel.c's. */
struct gw_redis_sentinel {
    struct event_base *base;
    struct evdns_base *dns;
    const struct gw_redis_target *target;   /* borrowed: the Sentinels, their password, the master */
    struct gw_redis_conn *conn;             /* borrowed: told of +switch-master */
    struct gw_sentinel_watch *watch;        /* NULL: none (lost; the next discovery starts one) */
    int watched;                            /* index in target->endpoints of the watched Sentinel */
};

/* Nothing watched yet. base, dns, target and conn must outlive s. */
void gw_redis_sentinel_init(struct gw_redis_sentinel *s, struct event_base *base,
                            struct evdns_base *dns, const struct gw_redis_target *target,
                            struct gw_redis_conn *conn);

/*
 * The Sentinel at index in target->endpoints named the primary: watch it,
 * unless it is watched already. On +switch-master the connection is
 * redirected to the new primary and reset.
 */
void gw_redis_sentinel_follow(struct gw_redis_sentinel *s, int index);

/* Stops the watch. */
void gw_redis_sentinel_clear(struct gw_redis_sentinel *s);

#endif
