/*
 * Redis Cluster (cluster.c): the slot every gateway key lives in, and the
 * MOVED and ASK redirects of commands sent to a node that does not serve it
 * (now). For the client's parts in gateway/net/redis/ only.
 */
#ifndef GW_REDIS_CLUSTER_H
#define GW_REDIS_CLUSTER_H

#include <stddef.h>
#include <stdint.h>

struct gw_redis_conn;
struct gw_redis_dial;
struct gw_redis_pending;

/* The Cluster slot of hash tag tag[0..len) (CRC16 mod 16384); every gateway key has the tag "kz". */
int gw_redis_cluster_slot(const char *tag, size_t len);

/* What following a redirect takes. All borrowed: they outlive it. The fields are cluster.c's. */
struct gw_redis_cluster {
    const struct gw_redis_dial *dial;       /* redirects are followed for redis-cluster:// only */
    int64_t timeout_ms;                     /* bounds an ASK side connection */
    struct gw_redis_conn *conn;             /* told where the slot moved */
};

/*
 * Follows the redirect in p's error reply text (valid during the call),
 * unless p was sent again 3 times already. MOVED (the slot moved: a failover): the
 * connection retires, and p is sent again once the new primary is ready.
 * ASK (the slot is being migrated): p is sent this once to the node named,
 * on a side connection, and finished with its answer.
 * @return 1 when p was taken care of; 0 when text is no redirect to follow
 * (p is untouched).
 */
int gw_redis_cluster_follow(const struct gw_redis_cluster *cl, struct gw_redis_pending *p,
                            const char *text);

/* Cancels p's ASK side connection, if any. @return 1 when p had one (it was sent). */
int gw_redis_cluster_abandon(struct gw_redis_pending *p);

#endif
