/*
 * Following failovers through the Sentinels (sentinel.c): the Sentinel that
 * named the primary is watched (SUBSCRIBE +switch-master), and when it
 * promotes another primary the connection goes there at once. For the
 * client's parts in gateway/net/redis/ only.
 */
#ifndef GW_REDIS_SENTINEL_H
#define GW_REDIS_SENTINEL_H

struct gw_redis_conn;
struct gw_redis_dial;
struct gw_sentinel_watch;

/* The fields are sentinel.c's. */
struct gw_redis_sentinel {
    const struct gw_redis_dial *dial;       /* borrowed: the Sentinels, their user, the master */
    struct gw_redis_conn *conn;             /* borrowed: told of +switch-master */
    struct gw_sentinel_watch *watch;        /* NULL: none (lost; the next discovery starts one) */
    int watched;                            /* index in target->endpoints of the watched Sentinel */
};

/* Nothing watched yet. dial and conn must outlive s. */
void gw_redis_sentinel_init(struct gw_redis_sentinel *s, const struct gw_redis_dial *dial,
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
