/* The pending queue: commands from submission to their one outcome. */
#include "gateway/net/redis/pending.h"

#include <event2/event.h>
#include <stdlib.h>
#include <string.h>

#include "gateway/net/redis/error.h"
#include "gateway/util/log.h"
#include "gateway/util/prometheus.h"

static void
live_remove(struct gw_redis_queue *q, struct gw_redis_pending *p)
{
    if (p->prev == NULL && q->live_head != p)
        return; /* not in the list */
    if (p->prev != NULL)
        p->prev->next = p->next;
    else
        q->live_head = p->next;
    if (p->next != NULL)
        p->next->prev = p->prev;
    else
        q->live_tail = p->prev;
    p->prev = p->next = NULL;
}

void
gw_redis_queue_add(struct gw_redis_queue *q, struct gw_redis_pending *p, int64_t deadline_ms)
{
    p->deadline_ms = deadline_ms;
    p->prev = q->live_tail;
    p->next = NULL;
    if (q->live_tail != NULL)
        q->live_tail->next = p;
    else
        q->live_head = p;
    q->live_tail = p;
}

/* A copy of reply that outlives hiredis's callback (durable writes wait for WAIT). */
static redisReply *
reply_copy(const redisReply *reply)
{
    redisReply *c = calloc(1, sizeof(*c));
    if (c == NULL)
        gw_oom(__func__);
    c->type = reply->type;
    c->integer = reply->integer;
    if (reply->str != NULL) {
        if ((c->str = malloc(reply->len + 1)) == NULL)
            gw_oom(__func__);
        memcpy(c->str, reply->str, reply->len + 1);
        c->len = reply->len;
    }
    if (reply->elements > 0) {
        if ((c->element = calloc(reply->elements, sizeof(*c->element))) == NULL)
            gw_oom(__func__);
        for (size_t i = 0; i < reply->elements; i++)
            c->element[i] = reply_copy(reply->element[i]);
        c->elements = reply->elements;
    }
    return c;
}

static void
reply_free(redisReply *reply)
{
    if (reply == NULL)
        return;
    for (size_t i = 0; i < reply->elements; i++)
        reply_free(reply->element[i]);
    free(reply->element);
    free(reply->str);
    free(reply);
}

void
gw_redis_pending_release(struct gw_redis_pending *p)
{
    if (!p->done || p->in_hiredis || p->ask != NULL || p->waits > 0)
        return;
    reply_free(p->held);
    free(p->cmd);
    free(p);
}

static void
count_error(const struct gw_redis_pending *p, const struct gw_redis_error *err)
{
    const char *labels[] = {gw_redis_error_name(err->kind)};
    if (p->queue->errors != NULL)
        gw_metric_inc(p->queue->errors, labels, 1);
    if (err->kind != GW_REDIS_UNAVAILABLE)
        gw_log(GW_LOG_WARN, "redis command failed", "kind", labels[0], "error", err->text,
               "script", p->script != NULL ? p->script->name : NULL, NULL);
}

void
gw_redis_pending_finish(struct gw_redis_pending *p, redisReply *reply,
                        enum gw_redis_error_kind kind)
{
    struct gw_redis_error err = {kind, NULL};

    if (p->done)
        return;
    p->done = 1;
    p->waiting = 0;
    live_remove(p->queue, p);
    if (reply != NULL && reply->type != REDIS_REPLY_ERROR) {
        if (p->cb != NULL)
            p->cb(reply, NULL, p->privdata);
        return;
    }
    if (reply != NULL) {
        err.kind = gw_redis_classify_reply(reply->str);
        err.text = reply->str;
    } else {
        switch (kind) {
        case GW_REDIS_TIMEOUT: err.text = "no reply within the command timeout"; break;
        case GW_REDIS_DISCONNECTED: err.text = "connection lost before the reply"; break;
        default: err.text = "not connected to a writable Redis primary"; break;
        }
    }
    if (p->deadline_ms != 0)
        count_error(p, &err);
    if (p->cb != NULL)
        p->cb(NULL, &err, p->privdata);
}

void
gw_redis_pending_reply(struct gw_redis_pending *p, redisReply *reply)
{
    if (p->waits > 0 && !p->done)
        p->held = reply_copy(reply); /* answered once the WAIT after it is */
    else
        gw_redis_pending_finish(p, reply, GW_REDIS_DISCONNECTED);
    gw_redis_pending_release(p);
}

void
gw_redis_queue_expire(struct gw_redis_queue *q, int64_t now)
{
    while (q->live_head != NULL && q->live_head->deadline_ms <= now) {
        struct gw_redis_pending *p = q->live_head;
        int sent = p->in_hiredis || p->ask != NULL;
        gw_redis_pending_finish(p, NULL, sent ? GW_REDIS_TIMEOUT : GW_REDIS_UNAVAILABLE);
        gw_redis_pending_release(p);
    }
}

/* Reports every refused command, from the loop (never inside the call that sent it). */
static void
on_refused(evutil_socket_t fd, short what, void *arg)
{
    struct gw_redis_queue *q = arg;
    struct gw_redis_pending *p;
    (void)fd;
    (void)what;

    while ((p = q->refused_head) != NULL) {
        q->refused_head = p->next_refused;
        if (q->refused_head == NULL)
            q->refused_tail = &q->refused_head;
        gw_redis_pending_finish(p, NULL, p->refused);
        gw_redis_pending_release(p);
    }
}

void
gw_redis_queue_refuse(struct gw_redis_queue *q, struct gw_redis_pending *p,
                      enum gw_redis_error_kind kind)
{
    live_remove(q, p);
    p->refused = kind;
    p->next_refused = NULL;
    *q->refused_tail = p;
    q->refused_tail = &p->next_refused;
    event_active(q->refused_ev, EV_TIMEOUT, 0);
}

struct gw_redis_pending *
gw_redis_pending_new(struct gw_redis_queue *q, const struct gw_redis_script *script,
                     gw_redis_cb cb, void *privdata, char *cmd, size_t len)
{
    struct gw_redis_pending *p = calloc(1, sizeof(*p));

    if (p == NULL) {
        /* No way to report it later without memory: stop here, as hiredis and Redis do. */
        gw_oom("sending a Redis command");
    }
    p->queue = q;
    p->cb = cb;
    p->privdata = privdata;
    p->script = script;
    p->cmd = cmd;
    p->len = len;
    return p;
}

struct gw_redis_pending *
gw_redis_pending_argv(struct gw_redis_queue *q, gw_redis_cb cb, void *privdata, int argc,
                      const char **argv, const size_t *argvlen)
{
    char *cmd = NULL;
    int len = redisFormatCommandArgv(&cmd, argc, argv, argvlen);

    if (len < 0) {
        gw_oom("sending a Redis command");
    }
    return gw_redis_pending_new(q, NULL, cb, privdata, cmd, (size_t)len);
}

int
gw_redis_queue_init(struct gw_redis_queue *q, struct event_base *base, struct gw_metric *errors)
{
    memset(q, 0, sizeof(*q));
    q->refused_tail = &q->refused_head;
    q->errors = errors;
    q->refused_ev = event_new(base, -1, 0, on_refused, q);
    return q->refused_ev != NULL ? 0 : -1;
}

void
gw_redis_queue_clear(struct gw_redis_queue *q)
{
    if (q->refused_ev == NULL)
        return;
    on_refused(-1, 0, q);
    event_free(q->refused_ev);
    q->refused_ev = NULL;
}
