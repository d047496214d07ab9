/*
 * Redis Cluster (cluster.c): the slot every gateway key lives in. For the
 * client's parts in gateway/net/redis/ only.
 */
#ifndef GW_REDIS_CLUSTER_H
#define GW_REDIS_CLUSTER_H

#include <stddef.h>

/* The Cluster slot of hash tag tag[0..len) (CRC16 mod 16384); every gateway key has the tag "kz". */
int gw_redis_cluster_slot(const char *tag, size_t len);

#endif
