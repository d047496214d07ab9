/* One question on a short-lived connection: connect (TLS), AUTH, the commands, the last reply. */
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
    const struct gw_redis_dial *dial;
    gw_redis_ask_cb cb;
    void *arg;
    char *host;
    int port;
    const struct gw_redis_auth *who;
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
    free(q->host);
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
    struct gw_redis_ask *q = arg;
    char why[200];
    (void)fd;
    (void)what;
    if (!gw_redis_conn_timed_out(q->dial, q->ac, why, sizeof(why)))
        snprintf(why, sizeof(why), "no answer in time");
    ask_finish(q, NULL, why);
}

static void
on_ask_reply(redisAsyncContext *ac, void *reply_, void *privdata)
{
    struct gw_redis_ask *q = ac->data;
    redisReply *reply = reply_;
    int last = privdata != NULL;

    if (q == NULL)
        return; /* finished already */
    if (reply == NULL) {
        char why[300];
        gw_redis_conn_failure(q->dial, ac, why, sizeof(why));
        ask_finish(q, NULL, why);
    }
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
        char why[300];
        gw_redis_conn_failure(q->dial, ac, why, sizeof(why));
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
    const char *auth[3];
    int auth_argc = gw_redis_auth_argv(q->who, auth);
    char reason[300];

    q->resolve = NULL;
    if (ip == NULL) {
        ask_finish(q, NULL, error);
        return;
    }
    ac = gw_redis_conn_open(q->dial, q->host, ip, q->port, NULL, q, on_ask_connect,
                            on_ask_disconnect, reason, sizeof(reason));
    if (ac == NULL) {
        char why[320];
        snprintf(why, sizeof(why), "cannot connect: %s", reason);
        ask_finish(q, NULL, why);
        return;
    }
    q->ac = ac;
    /* hiredis queues these until connected; the last one carries a marker. */
    if (auth_argc > 0)
        redisAsyncCommandArgv(ac, on_ask_reply, NULL, auth_argc, auth, NULL);
    for (int i = 0; i < q->n; i++)
        redisAsyncFormattedCommand(ac, on_ask_reply, i == q->n - 1 ? (void *)1 : NULL, q->cmds[i],
                                   q->lens[i]);
}

struct gw_redis_ask *
gw_redis_ask_start(const struct gw_redis_dial *d, const char *host, int port,
                   const struct gw_redis_auth *who, int64_t timeout_ms, const char *const *cmds,
                   const size_t *lens, int n, gw_redis_ask_cb cb, void *arg)
{
    struct gw_redis_ask *q = calloc(1, sizeof(*q));
    struct timeval tv = {(time_t)(timeout_ms / 1000), (suseconds_t)((timeout_ms % 1000) * 1000)};

    if (q == NULL || (q->cmds = calloc((size_t)n, sizeof(char *))) == NULL ||
        (q->lens = calloc((size_t)n, sizeof(size_t))) == NULL ||
        (q->timer = evtimer_new(d->base, on_ask_timeout, q)) == NULL ||
        (q->host = strdup(host)) == NULL)
        gw_oom(__func__);
    q->dial = d;
    q->who = who;
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
    q->resolve = gw_resolve_start(d->base, d->dns, host, on_ask_resolved, q);
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
