/*
 * Redis over hiredis's async API on the libevent loop: connect timeout,
 * per-command timeout, AUTH/SELECT, reconnect with backoff and jitter.
 * Nothing here blocks.
 */
#ifndef GW_REDIS_H
#define GW_REDIS_H

#include <hiredis/hiredis.h>
#include <stddef.h>
#include <stdint.h>

#include "gateway/config.h"

struct event_base;
struct gw_redis;

/*
 * Reply callback. reply is NULL when the command failed without an answer
 * (timeout, connection lost, shutting down); it is owned by hiredis and
 * valid only during the call.
 */
typedef void (*gw_redis_cb)(redisReply *reply, void *privdata);

/* Called with up = 1 once connected and ready, 0 when the connection is lost. */
typedef void (*gw_redis_state_cb)(int up, void *arg);

/* A Lua script sent by EVALSHA, falling back to EVAL after a Redis restart. */
struct gw_redis_script {
    const char *source;
    char sha[41];   /* filled by gw_redis_script_init */
};
void gw_redis_script_init(struct gw_redis_script *s);

/* target is copied. timeout_ms bounds connecting and each command. */
struct gw_redis *gw_redis_new(struct event_base *base, const struct gw_redis_target *target,
                              int64_t timeout_ms, gw_redis_state_cb on_state, void *arg);
/* Starts connecting (and keeps reconnecting until gw_redis_free). */
void gw_redis_start(struct gw_redis *r);
/* 1 when connected, authenticated and the database selected. */
int gw_redis_ready(const struct gw_redis *r);

/*
 * Sends a command. Returns 0 if queued: cb is then called exactly once.
 * Returns -1 when Redis is not ready: cb is not called.
 */
int gw_redis_command(struct gw_redis *r, gw_redis_cb cb, void *privdata, int argc,
                     const char **argv, const size_t *argvlen);

/* EVALSHA script numkeys args... (argv holds keys then args). Same contract. */
int gw_redis_eval(struct gw_redis *r, const struct gw_redis_script *script, gw_redis_cb cb,
                  void *privdata, int numkeys, int argc, const char **argv,
                  const size_t *argvlen);

/* Fails every pending command (callbacks get NULL) and frees r. */
void gw_redis_free(struct gw_redis *r);

#endif
