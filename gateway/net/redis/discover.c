/* Finding the primary: the Sentinels' answer, the Cluster's owner of {kz}, the URL's host. */
#include "gateway/net/redis/discover.h"

#include <event2/event.h>
#include <hiredis/hiredis.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gateway/net/redis/ask.h"
#include "gateway/net/redis/cluster.h"
#include "gateway/net/redis/conn.h"
#include "gateway/util/log.h"

struct gw_discovery {
    const struct gw_redis_dial *dial;
    const struct gw_redis_target *target;   /* dial's */
    int64_t timeout_ms;
    gw_discovery_cb cb;
    void *arg;
    size_t next;                  /* endpoint to ask next */
    struct gw_redis_ask *ask;
    struct event *deferred;       /* redis://: the answer is the URL's host */
    char last_error[200];
};

static void ask_next(struct gw_discovery *d);

static void
discovery_free(struct gw_discovery *d)
{
    gw_redis_ask_cancel(d->ask);
    if (d->deferred != NULL)
        event_free(d->deferred);
    free(d);
}

static void
discovery_done(struct gw_discovery *d, const char *host, int port, int index, const char *error)
{
    d->ask = NULL;
    d->cb(host, port, index, error, d->arg);
    discovery_free(d);
}

/* CLUSTER SLOTS: the primary serving the gateway's slot. */
static int
cluster_primary(redisReply *reply, const char *asked, char *host, size_t hostlen, int *port)
{
    int slot = gw_redis_cluster_slot("kz", 2);

    if (reply->type != REDIS_REPLY_ARRAY)
        return -1;
    for (size_t i = 0; i < reply->elements; i++) {
        redisReply *range = reply->element[i], *node;
        if (range->type != REDIS_REPLY_ARRAY || range->elements < 3 ||
            range->element[0]->type != REDIS_REPLY_INTEGER ||
            range->element[1]->type != REDIS_REPLY_INTEGER)
            continue;
        if (slot < range->element[0]->integer || slot > range->element[1]->integer)
            continue;
        node = range->element[2];
        if (node->type != REDIS_REPLY_ARRAY || node->elements < 2 ||
            node->element[0]->type != REDIS_REPLY_STRING ||
            node->element[1]->type != REDIS_REPLY_INTEGER)
            return -1;
        /* An empty address means "the node you asked". */
        snprintf(host, hostlen, "%s", node->element[0]->len > 0 ? node->element[0]->str : asked);
        *port = (int)node->element[1]->integer;
        return 0;
    }
    return -1;
}

static void
on_discovered(redisReply *reply, const char *error, void *arg)
{
    struct gw_discovery *d = arg;
    const struct gw_redis_endpoint *ep = &d->target->endpoints[d->next - 1];
    char host[256];
    int port = 0;

    d->ask = NULL;
    if (reply != NULL && d->target->kind == GW_REDIS_SENTINEL) {
        if (reply->type == REDIS_REPLY_ARRAY && reply->elements == 2 &&
            reply->element[0]->type == REDIS_REPLY_STRING &&
            reply->element[1]->type == REDIS_REPLY_STRING) {
            discovery_done(d, reply->element[0]->str, (int)strtol(reply->element[1]->str, NULL, 10),
                           (int)(d->next - 1), NULL);
            return;
        }
        error = reply->type == REDIS_REPLY_ERROR ? reply->str : "the Sentinel does not know the master";
    } else if (reply != NULL) {
        if (cluster_primary(reply, ep->host, host, sizeof(host), &port) == 0) {
            discovery_done(d, host, port, -1, NULL);
            return;
        }
        error = reply->type == REDIS_REPLY_ERROR ? reply->str : "no node serves the {kz} slot";
    }
    snprintf(d->last_error, sizeof(d->last_error), "%s:%d: %s", ep->host, ep->port, error);
    gw_log(GW_LOG_WARN, d->target->kind == GW_REDIS_SENTINEL ? "redis sentinel did not answer"
                                                              : "redis cluster seed did not answer",
           "error", d->last_error, NULL);
    ask_next(d);
}

static void
ask_next(struct gw_discovery *d)
{
    const struct gw_redis_target *t = d->target;
    char *cmd = NULL;
    int len;

    if (d->next >= t->nendpoints) {
        discovery_done(d, NULL, 0, -1, d->last_error[0] ? d->last_error : "no endpoint");
        return;
    }
    const struct gw_redis_endpoint *ep = &t->endpoints[d->next++];
    if (t->kind == GW_REDIS_SENTINEL) {
        const char *argv[] = {"SENTINEL", "get-master-addr-by-name", t->master};
        len = redisFormatCommandArgv(&cmd, 3, argv, NULL);
    } else {
        const char *argv[] = {"CLUSTER", "SLOTS"};
        len = redisFormatCommandArgv(&cmd, 2, argv, NULL);
    }
    if (len < 0)
        gw_oom(__func__);
    const char *cmds[] = {cmd};
    const size_t lens[] = {(size_t)len};
    d->ask = gw_redis_ask_start(d->dial, ep->host, ep->port,
                                t->kind == GW_REDIS_SENTINEL ? &t->sentinel_auth : &t->auth,
                                d->timeout_ms, cmds, lens, 1, on_discovered, d);
    redisFreeCommand(cmd);
}

static void
answer_url_host(evutil_socket_t fd, short what, void *arg)
{
    struct gw_discovery *d = arg;
    (void)fd;
    (void)what;
    discovery_done(d, d->target->endpoints[0].host, d->target->endpoints[0].port, -1, NULL);
}

struct gw_discovery *
gw_discover(const struct gw_redis_dial *dial, int64_t timeout_ms, gw_discovery_cb cb, void *arg)
{
    const struct gw_redis_target *target = dial->target;
    struct gw_discovery *d = calloc(1, sizeof(*d));

    if (d == NULL)
        gw_oom(__func__);
    d->dial = dial;
    d->target = target;
    d->timeout_ms = timeout_ms;
    d->cb = cb;
    d->arg = arg;
    if (target->kind == GW_REDIS_TCP) {
        if ((d->deferred = event_new(dial->base, -1, 0, answer_url_host, d)) == NULL)
            gw_oom(__func__);
        event_active(d->deferred, EV_TIMEOUT, 0);
    } else {
        ask_next(d);
    }
    return d;
}

void
gw_discovery_cancel(struct gw_discovery *d)
{
    if (d != NULL)
        discovery_free(d);
}
