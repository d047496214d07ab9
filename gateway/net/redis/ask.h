/*
 * One question on a short-lived connection (ask.c): a Sentinel's or a
 * Cluster seed's view of the primary, or a command sent to the node an ASK
 * redirect names. For the client's parts in gateway/net/redis/ only.
 */
#ifndef GW_REDIS_ASK_H
#define GW_REDIS_ASK_H

#include <hiredis/hiredis.h>
#include <stddef.h>
#include <stdint.h>

struct gw_redis_ask;
struct gw_redis_auth;
struct gw_redis_dial;

/* reply: the last command's reply, valid during the call; or NULL with error (valid during the call). */
typedef void (*gw_redis_ask_cb)(redisReply *reply, const char *error, void *arg);

/*
 * Connects to host:port as d says (TLS with a rediss URL), sends AUTH as
 * who (when it has a password), then the formatted commands cmds[0..n) in
 * order, and reports the reply to the last one. Everything, TLS included,
 * is bounded by timeout_ms. host and cmds are copied (the caller keeps its
 * own); d and who must outlive the question. cb runs exactly once, from
 * the loop and never inside this call, unless gw_redis_ask_cancel comes
 * first; the question frees itself after cb. Out of memory aborts.
 */
struct gw_redis_ask *gw_redis_ask_start(const struct gw_redis_dial *d, const char *host, int port,
                                        const struct gw_redis_auth *who, int64_t timeout_ms,
                                        const char *const *cmds, const size_t *lens, int n,
                                        gw_redis_ask_cb cb, void *arg);

/* Drops q before its callback (which then never runs) and frees it. NULL is a no-op. */
void gw_redis_ask_cancel(struct gw_redis_ask *q);

#endif
