/* One question on a short-lived connection: connect, AUTH, the commands, the last reply. */
#include "gateway/net/redis/ask.h"

#include <event2/event.h>
#include <hiredis/async.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gateway/net/redis/conn.h"
#include "gateway/net/redis/resolve.h"
#include "gateway/util/log.h"

struct gw_redis_ask {
    struct event_base *base;
    gw_redis_ask_cb cb;
    void *arg;
    int port;
    char *password;
    char **cmds;
    size_t *lens;
    int n;
    struct gw_resolve *resolve;
    redisAsyncContext *ac;
    struct event *timer;
};

static void
ask_free(struct gw_redis_ask *q)
{
    gw_redis_conn_drop(&q->ac); /* late callbacks see NULL and leave q alone */
    gw_resolve_cancel(q->resolve);
    if (q->timer != NULL)
        event_free(q->timer);
    for (int i = 0; i < q->n; i++)
        free(q->cmds[i]);
    free(q->cmds);
    free(q->lens);
    free(q->password);
    free(q);
}

/* Reports once (unless cancelled) and frees q. */
static void
ask_finish(struct gw_redis_ask *q, redisReply *reply, const char *error)
{
    if (q->cb != NULL)
        q->cb(reply, error, q->arg);
    ask_free(q);
}

static void
on_ask_timeout(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    ask_finish(arg, NULL, "no answer in time");
}

static void
on_ask_reply(redisAsyncContext *ac, void *reply_, void *privdata)
{
    struct gw_redis_ask *q = ac->data;
    redisReply *reply = reply_;
    int last = privdata != NULL;

    if (q == NULL)
        return; /* finished already */
    if (reply == NULL)
        ask_finish(q, NULL, "connection lost");
    else if (reply->type == REDIS_REPLY_ERROR && !last)
        ask_finish(q, NULL, reply->str);   /* AUTH (or ASKING) refused */
    else if (last)
        ask_finish(q, reply, NULL);
}

static void
on_ask_connect(const redisAsyncContext *ac, int status)
{
    struct gw_redis_ask *q = ac->data;

    if (q == NULL)
        return;
    if (status != REDIS_OK) {
        char why[160];
        snprintf(why, sizeof(why), "%s", ac->errstr[0] ? ac->errstr : "cannot connect");
        /* hiredis frees it after this callback, failing the queued commands */
        ((redisAsyncContext *)ac)->data = NULL;
        q->ac = NULL;
        ask_finish(q, NULL, why);
    }
}

static void
on_ask_disconnect(const redisAsyncContext *ac, int status)
{
    struct gw_redis_ask *q = ac->data;
    (void)status;
    if (q == NULL)
        return;
    q->ac = NULL;
    ask_finish(q, NULL, "connection closed");
}

static void
on_ask_resolved(const char *ip, const char *error, void *arg)
{
    struct gw_redis_ask *q = arg;
    redisAsyncContext *ac;
    char reason[128];

    q->resolve = NULL;
    if (ip == NULL) {
        ask_finish(q, NULL, error);
        return;
    }
    ac = gw_redis_conn_open(q->base, ip, q->port, NULL, q, on_ask_connect, on_ask_disconnect,
                            reason, sizeof(reason));
    if (ac == NULL) {
        char why[160];
        snprintf(why, sizeof(why), "cannot connect: %s", reason);
        ask_finish(q, NULL, why);
        return;
    }
    q->ac = ac;
    /* hiredis queues these until connected; the last one carries a marker. */
    if (q->password != NULL)
        redisAsyncCommand(ac, on_ask_reply, NULL, "AUTH %s", q->password);
    for (int i = 0; i < q->n; i++)
        redisAsyncFormattedCommand(ac, on_ask_reply, i == q->n - 1 ? (void *)1 : NULL, q->cmds[i],
                                   q->lens[i]);
}

struct gw_redis_ask *
gw_redis_ask_start(struct event_base *base, struct evdns_base *dns, const char *host, int port,
                   const char *password, int64_t timeout_ms, const char *const *cmds,
                   const size_t *lens, int n, gw_redis_ask_cb cb, void *arg)
{
    struct gw_redis_ask *q = calloc(1, sizeof(*q));
    struct timeval tv = {(time_t)(timeout_ms / 1000), (suseconds_t)((timeout_ms % 1000) * 1000)};

    if (q == NULL || (q->cmds = calloc((size_t)n, sizeof(char *))) == NULL ||
        (q->lens = calloc((size_t)n, sizeof(size_t))) == NULL ||
        (q->timer = evtimer_new(base, on_ask_timeout, q)) == NULL ||
        (password != NULL && (q->password = strdup(password)) == NULL))
        gw_oom(__func__);
    q->base = base;
    q->cb = cb;
    q->arg = arg;
    q->port = port;
    for (int i = 0; i < n; i++) {
        /* NUL-terminated: hiredis 0.14 reads formatted commands with strchr. */
        if ((q->cmds[i] = malloc(lens[i] + 1)) == NULL)
            gw_oom(__func__);
        memcpy(q->cmds[i], cmds[i], lens[i]);
        q->cmds[i][lens[i]] = '\0';
        q->lens[i] = lens[i];
        q->n++;
    }
    evtimer_add(q->timer, &tv);
    q->resolve = gw_resolve_start(base, dns, host, on_ask_resolved, q);
    return q;
}

void
gw_redis_ask_cancel(struct gw_redis_ask *q)
{
    if (q == NULL)
        return;
    q->cb = NULL;
    ask_free(q);
}
