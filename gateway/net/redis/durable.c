/* Durable writes: the WAIT after them, shared by the writes of one pass of the loop. */
#include "gateway/net/redis/durable.h"

#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gateway/net/redis/conn.h"
#include "gateway/net/redis/pending.h"
#include "gateway/util/buf.h"
#include "gateway/util/log.h"

#define WAIT_MS 100            /* how long a durable write waits for its replicas */

struct gw_redis_wait_group {
    int want;
    size_t n, cap;
    struct gw_redis_pending **members;
};

/* WAIT's answer for durable write p: its reply counts once enough replicas
 * have it; else it ran but may be lost in a failover (NOT_REPLICATED). */
static void
wait_answered(struct gw_redis_pending *p, redisReply *reply, const struct gw_redis_error *err)
{
    p->waits--;
    if (p->waits > 0 || p->done || p->waiting) {
        gw_redis_pending_release(p); /* an older WAIT, or p was redirected: another follows */
        return;
    }
    if (p->held == NULL)
        gw_redis_pending_finish(p, NULL, err != NULL ? GW_REDIS_DISCONNECTED : GW_REDIS_PROTOCOL);
    else if (err != NULL)
        gw_redis_pending_finish(p, NULL, GW_REDIS_DISCONNECTED);
    else if (reply->type == REDIS_REPLY_INTEGER && reply->integer >= p->wait_for)
        gw_redis_pending_finish(p, p->held, GW_REDIS_DISCONNECTED);
    else
        gw_redis_pending_finish(p, NULL, GW_REDIS_NOT_REPLICATED);
    gw_redis_pending_release(p);
}

static void
group_answered(struct gw_redis_wait_group *g, redisReply *reply, const struct gw_redis_error *err)
{
    for (size_t i = 0; i < g->n; i++)
        wait_answered(g->members[i], reply, err);
    free(g->members);
    free(g);
}

static void
on_group_wait(redisReply *reply, const struct gw_redis_error *err, void *privdata)
{
    group_answered(privdata, reply, err);
}

/* Sends the WAIT of the writes collected in this pass of the loop. */
static void
on_flush_wait(evutil_socket_t fd, short what, void *arg)
{
    struct gw_redis_durable *d = arg;
    struct gw_redis_wait_group *g = d->group;
    char replicas[16], wait_ms[24];
    const char *wait[] = {"WAIT", replicas, wait_ms};
    (void)fd;
    (void)what;

    if (g == NULL)
        return;
    d->group = NULL;
    snprintf(replicas, sizeof(replicas), "%d", g->want);
    snprintf(wait_ms, sizeof(wait_ms), "%d", WAIT_MS);
    if (gw_redis_conn_internal(d->conn, on_group_wait, g, 3, wait) != 0) {
        struct gw_redis_error err = {GW_REDIS_DISCONNECTED, "connection lost before WAIT"};
        group_answered(g, NULL, &err);
    }
}

int
gw_redis_durable_send(struct gw_redis_durable *d, struct gw_redis_pending *p)
{
    /* Replicas in sync when last seen, at most min_replicas: a primary that
     * has none (just promoted) is the only copy there is. */
    int want = d->min_replicas < d->replicas_online ? d->min_replicas : d->replicas_online;
    struct gw_redis_wait_group *g;

    if (gw_redis_conn_send(d->conn, p) != 0)
        return -1;
    if (!p->durable || want == 0)
        return 0;
    if ((g = d->group) == NULL) {
        if ((g = d->group = calloc(1, sizeof(*g))) == NULL)
            gw_oom(__func__);
        g->want = want;
        event_active(d->flush_ev, EV_TIMEOUT, 0);
    }
    if ((g->members = gw_grow(g->members, &g->cap, g->n + 1, sizeof(*g->members))) == NULL)
        gw_oom(__func__);
    g->members[g->n++] = p;
    p->wait_for = g->want;
    p->waits++;
    return 0;
}

/* The connection went away before the collected WAIT was sent. */
static void
drop_group(struct gw_redis_durable *d)
{
    struct gw_redis_error err = {GW_REDIS_DISCONNECTED, "connection lost before WAIT"};
    struct gw_redis_wait_group *g = d->group;
    d->group = NULL;
    if (g != NULL)
        group_answered(g, NULL, &err);
}

void
gw_redis_durable_lost(struct gw_redis_durable *d)
{
    drop_group(d);
    d->replicas_online = 0;
}

/* Replicas "state=online" with lag at most 1 s in an INFO replication text. */
static int
replicas_in_sync(const char *info)
{
    int n = 0;
    for (const char *line = strstr(info, "\nslave"); line != NULL; line = strstr(line + 1, "\nslave")) {
        const char *end = strchr(line + 1, '\n'), *lag;
        char entry[512];
        snprintf(entry, sizeof(entry), "%.*s", (int)(end != NULL ? end - line : (long)strlen(line)),
                 line);
        if (strstr(entry, "state=online") == NULL)
            continue;
        lag = strstr(entry, "lag=");
        if (lag == NULL || strtol(lag + 4, NULL, 10) <= 1)
            n++;
    }
    return n;
}

void
gw_redis_durable_info(struct gw_redis_durable *d, const char *text)
{
    d->replicas_online = replicas_in_sync(text);
}

int
gw_redis_durable_init(struct gw_redis_durable *d, struct event_base *base,
                      struct gw_redis_conn *conn, int min_replicas)
{
    memset(d, 0, sizeof(*d));
    d->conn = conn;
    d->min_replicas = min_replicas;
    d->flush_ev = event_new(base, -1, 0, on_flush_wait, d);
    return d->flush_ev != NULL ? 0 : -1;
}

void
gw_redis_durable_clear(struct gw_redis_durable *d)
{
    drop_group(d);
    if (d->flush_ev != NULL)
        event_free(d->flush_ev);
    d->flush_ev = NULL;
}
