/*
 * What a Redis error reply means (error.c). The kinds themselves and
 * gw_redis_error_name are public (net/redis.h); this is for the client's
 * parts in gateway/net/redis/ only.
 */
#ifndef GW_REDIS_ERROR_H
#define GW_REDIS_ERROR_H

#include "gateway/net/redis.h"

/*
 * The kind of an error reply, by its first word ("READONLY You can't
 * write…" is GW_REDIS_READONLY). text: NUL-terminated; the caller keeps
 * ownership. @return GW_REDIS_REPLY when no other kind fits.
 */
enum gw_redis_error_kind gw_redis_classify_reply(const char *text);

#endif
