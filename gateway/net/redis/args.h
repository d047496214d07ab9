/*
 * A script call in the Redis protocol (args.c), from the KEYS and ARGV
 * built with the public gw_redis_args_* (net/redis.h). For the client's
 * parts in gateway/net/redis/ only.
 */
#ifndef GW_REDIS_ARGS_H
#define GW_REDIS_ARGS_H

#include <stddef.h>

#include "gateway/net/redis.h"

/*
 * "EVALSHA <sha> <numkeys> KEYS... ARGV..." for script with a's keys and
 * arguments, formatted and NUL-terminated (hiredis scans a formatted
 * command with strchr). a and script are only read; the caller keeps them.
 * @return the command, malloc'd (the caller owns it), its length in *len.
 * Out of memory (now or while a was built) aborts, as everywhere in the client.
 */
char *gw_redis_args_command(const struct gw_redis_script *script, const struct gw_redis_args *a,
                            size_t *len);

#endif
