/* Following failovers: the Sentinel watch, +switch-master. */
#include "gateway/net/redis/sentinel.h"

#include <hiredis/async.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gateway/net/redis.h"
#include "gateway/net/redis/conn.h"
#include "gateway/net/redis/resolve.h"
#include "gateway/util/log.h"

/* The new primary of the watched master (host valid during the call); host NULL: the watch was lost. */
typedef void (*gw_switch_cb)(const char *host, int port, void *arg);

/* A subscription to +switch-master on one Sentinel. */
struct gw_sentinel_watch {
    const struct gw_redis_dial *dial;   /* the Sentinels' user and the master are its target's */
    gw_switch_cb cb;
    void *arg;
    char *host;
    int port;
    struct gw_resolve *resolve;
    redisAsyncContext *ac;
};

static void
watch_close(struct gw_sentinel_watch *w)
{
    gw_redis_conn_drop(&w->ac);
    gw_resolve_cancel(w->resolve);
    w->resolve = NULL;
}

/* The watch ended by itself: say so once; the owner stops (frees) it. */
static void
watch_lost(struct gw_sentinel_watch *w)
{
    gw_switch_cb cb = w->cb;
    watch_close(w);
    w->cb = NULL;
    if (cb != NULL)
        cb(NULL, 0, w->arg);
}

static void
on_watch_message(redisAsyncContext *ac, void *reply_, void *privdata)
{
    struct gw_sentinel_watch *w = ac->data;
    redisReply *reply = reply_;
    char name[256], old_ip[64], new_ip[64];
    int old_port, new_port;
    (void)privdata;

    if (w == NULL)
        return;
    if (reply == NULL || reply->type == REDIS_REPLY_ERROR) {
        char why[300];
        if (reply == NULL && gw_redis_conn_failure(w->dial, ac, why, sizeof(why)))
            gw_log(GW_LOG_WARN, "redis sentinel watch lost", "node", w->host, "reason", why, NULL);
        if (reply != NULL)
            gw_log(GW_LOG_WARN, "redis sentinel refused the watch", "error", reply->str, NULL);
        w->ac = reply == NULL ? NULL : w->ac;
        watch_lost(w);
        return;
    }
    /* ["message", "+switch-master", "<master> <old ip> <old port> <new ip> <new port>"] */
    if (reply->type != REDIS_REPLY_ARRAY || reply->elements != 3 ||
        reply->element[2]->type != REDIS_REPLY_STRING ||
        strcmp(reply->element[0]->str, "message") != 0)
        return;
    if (sscanf(reply->element[2]->str, "%255s %63s %d %63s %d", name, old_ip, &old_port, new_ip,
               &new_port) == 5 &&
        strcmp(name, w->dial->target->master) == 0 && w->cb != NULL) {
        gw_log(GW_LOG_INFO, "redis sentinel: the primary moved", "master", name, "to", new_ip,
               NULL);
        w->cb(new_ip, new_port, w->arg);
    }
}

static void
on_watch_disconnect(const redisAsyncContext *ac, int status)
{
    struct gw_sentinel_watch *w = ac->data;
    (void)status;
    if (w == NULL)
        return;
    w->ac = NULL;
    watch_lost(w);
}

static void
on_watch_connect(const redisAsyncContext *ac, int status)
{
    struct gw_sentinel_watch *w = ac->data;
    if (w != NULL && status != REDIS_OK) {
        char why[300];
        gw_redis_conn_failure(w->dial, ac, why, sizeof(why));
        gw_log(GW_LOG_WARN, "redis sentinel watch: cannot connect", "node", w->host, "reason", why,
               NULL);
        ((redisAsyncContext *)ac)->data = NULL;
        w->ac = NULL;
        watch_lost(w);
    }
}

static void
on_watch_auth(redisAsyncContext *ac, void *reply_, void *privdata)
{
    redisReply *reply = reply_;
    (void)privdata;
    if (ac->data != NULL && reply != NULL && reply->type == REDIS_REPLY_ERROR) {
        gw_log(GW_LOG_WARN, "redis sentinel refused AUTH", "error", reply->str, NULL);
        watch_lost(ac->data);
    }
}

static void
on_watch_resolved(const char *ip, const char *error, void *arg)
{
    struct gw_sentinel_watch *w = arg;
    redisAsyncContext *ac;
    const char *auth[3];
    int auth_argc = gw_redis_auth_argv(&w->dial->target->sentinel_auth, auth);
    char why[300];

    w->resolve = NULL;
    if (ip == NULL) {
        gw_log(GW_LOG_WARN, "redis sentinel watch: cannot resolve", "error", error, NULL);
        watch_lost(w);
        return;
    }
    ac = gw_redis_conn_open(w->dial, w->host, ip, w->port, NULL, w, on_watch_connect,
                            on_watch_disconnect, why, sizeof(why));
    if (ac == NULL) {
        gw_log(GW_LOG_WARN, "redis sentinel watch: cannot connect", "node", w->host, "reason", why,
               NULL);
        watch_lost(w);
        return;
    }
    w->ac = ac;
    if (auth_argc > 0)
        redisAsyncCommandArgv(ac, on_watch_auth, NULL, auth_argc, auth, NULL);
    redisAsyncCommand(ac, on_watch_message, NULL, "SUBSCRIBE +switch-master");
}

/*
 * Subscribes to +switch-master on the Sentinel at host:port (copied) for
 * d's master. cb runs from the loop once per switch of master, and at most
 * once with host NULL (then never again): the owner stops the watch.
 */
static struct gw_sentinel_watch *
watch_start(const struct gw_redis_dial *d, const char *host, int port, gw_switch_cb cb, void *arg)
{
    struct gw_sentinel_watch *w = calloc(1, sizeof(*w));

    if (w == NULL || (w->host = strdup(host)) == NULL)
        gw_oom(__func__);
    w->dial = d;
    w->cb = cb;
    w->arg = arg;
    w->port = port;
    w->resolve = gw_resolve_start(d->base, d->dns, host, on_watch_resolved, w);
    return w;
}

static void
watch_stop(struct gw_sentinel_watch *w)
{
    if (w == NULL)
        return;
    w->cb = NULL;
    watch_close(w);
    free(w->host);
    free(w);
}

/* --- following the primary ---------------------------------------------------- */

/* +switch-master for our primary, or the watch was lost. */
static void
on_switch(const char *host, int port, void *arg)
{
    struct gw_redis_sentinel *s = arg;
    if (host == NULL) {
        watch_stop(s->watch);
        s->watch = NULL; /* a new one starts with the next discovery */
        return;
    }
    gw_redis_conn_redirect(s->conn, host, port);
    gw_redis_conn_reset(s->conn, "the Sentinels promoted another primary", 0);
}

void
gw_redis_sentinel_follow(struct gw_redis_sentinel *s, int index)
{
    const struct gw_redis_endpoint *ep = &s->dial->target->endpoints[index];

    if (s->watch != NULL && s->watched == index)
        return;
    watch_stop(s->watch);
    s->watched = index;
    s->watch = watch_start(s->dial, ep->host, ep->port, on_switch, s);
}

void
gw_redis_sentinel_init(struct gw_redis_sentinel *s, const struct gw_redis_dial *dial,
                       struct gw_redis_conn *conn)
{
    s->dial = dial;
    s->conn = conn;
    s->watch = NULL;
    s->watched = -1;
}

void
gw_redis_sentinel_clear(struct gw_redis_sentinel *s)
{
    watch_stop(s->watch);
    s->watch = NULL;
}
