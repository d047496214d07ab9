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

struct event_base;
struct evdns_base;
struct gw_redis_ask;

/* reply: the last command's reply, valid during the call; or NULL with error (valid during the call). */
typedef void (*gw_redis_ask_cb)(redisReply *reply, const char *error, void *arg);

/*
 * Connects to host:port, sends AUTH password (when not NULL), then the
 * formatted commands cmds[0..n) in order, and reports the reply to the
 * last one. Everything is bounded by timeout_ms. host, password and cmds
 * are copied (the caller keeps its own); base and dns must outlive the
 * question. cb runs exactly once, from the loop and never inside this
 * call, unless gw_redis_ask_cancel comes first; the question frees itself
 * after cb. Out of memory aborts.
 */
struct gw_redis_ask *gw_redis_ask_start(struct event_base *base, struct evdns_base *dns,
                                        const char *host, int port, const char *password,
                                        int64_t timeout_ms, const char *const *cmds,
                                        const size_t *lens, int n, gw_redis_ask_cb cb,
                                        void *arg);

/* Drops q before its callback (which then never runs) and frees it. NULL is a no-op. */
void gw_redis_ask_cancel(struct gw_redis_ask *q);

#endif
