/*
 * Targets beyond parsing (url.c): what the client's parts in
 * gateway/net/redis/ need. Parsing and clearing are public (net/redis.h).
 */
#ifndef GW_REDIS_URL_H
#define GW_REDIS_URL_H

#include "gateway/net/redis.h"

/*
 * Deep copy of src into dst; src is left as it is. @return 0, or -1 when
 * out of memory. Either way dst owns what it holds: free it with
 * gw_redis_target_clear.
 */
int gw_redis_target_copy(struct gw_redis_target *dst, const struct gw_redis_target *src);

#endif
