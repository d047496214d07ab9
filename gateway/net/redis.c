#include "gateway/net/redis.h"

#include <event2/event.h>
#include <hiredis/adapters/libevent.h>
#include <hiredis/async.h>
#include <openssl/sha.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gateway/util/log.h"

enum conn_state { CONN_CLOSED, CONN_CONNECTING, CONN_HANDSHAKE, CONN_READY };

struct gw_redis {
    struct event_base *base;
    struct gw_redis_target target;
    int64_t timeout_ms;
    gw_redis_state_cb on_state;
    void *arg;
    redisAsyncContext *ac;
    enum conn_state state;
    struct event *connect_timer;   /* connect timeout */
    struct event *retry_timer;     /* reconnect backoff */
    int64_t backoff_ms;
    int freeing;
};

/* One in-flight command: the caller's callback plus its own timeout. */
struct pending {
    struct gw_redis *r;
    gw_redis_cb cb;
    void *privdata;
    struct event *timer;
    int done;                               /* caller's callback already ran */
    const struct gw_redis_script *script;   /* EVALSHA to retry as EVAL on NOSCRIPT */
    int argc;
    char **argv;
    size_t *argvlen;
};

static void connect_now(struct gw_redis *r);
static void handshake(struct gw_redis *r);

void
gw_redis_script_init(struct gw_redis_script *s)
{
    static const char hex[] = "0123456789abcdef";
    unsigned char digest[SHA_DIGEST_LENGTH];

    SHA1((const unsigned char *)s->source, strlen(s->source), digest);
    for (int i = 0; i < SHA_DIGEST_LENGTH; i++) {
        s->sha[2 * i] = hex[digest[i] >> 4];
        s->sha[2 * i + 1] = hex[digest[i] & 15];
    }
    s->sha[40] = '\0';
}

static struct timeval
ms_to_tv(int64_t ms)
{
    struct timeval tv = {(time_t)(ms / 1000), (suseconds_t)((ms % 1000) * 1000)};
    return tv;
}

static void
set_state(struct gw_redis *r, enum conn_state s)
{
    int was_ready = r->state == CONN_READY;
    r->state = s;
    if (was_ready != (s == CONN_READY) && r->on_state != NULL && !r->freeing)
        r->on_state(s == CONN_READY, r->arg);
}

static void
schedule_retry(struct gw_redis *r)
{
    if (r->freeing)
        return;
    /* Exponential backoff 100 ms .. 5 s with +-25 % jitter so replicas spread out. */
    int64_t delay = r->backoff_ms + (r->backoff_ms * ((rand() % 51) - 25)) / 100;
    struct timeval tv = ms_to_tv(delay);
    r->backoff_ms = r->backoff_ms * 2 > 5000 ? 5000 : r->backoff_ms * 2;
    evtimer_add(r->retry_timer, &tv);
}

/* Drops the connection: pending callbacks run with NULL, then we retry. */
static void
drop_connection(struct gw_redis *r, const char *why)
{
    redisAsyncContext *ac = r->ac;

    if (ac == NULL)
        return;
    gw_log(GW_LOG_WARN, "redis connection dropped", "reason", why, NULL);
    evtimer_del(r->connect_timer);
    r->ac = NULL;
    ac->data = NULL;
    set_state(r, CONN_CLOSED);
    redisAsyncFree(ac);
    schedule_retry(r);
}

static void
pending_free(struct pending *p)
{
    if (p->timer != NULL)
        event_free(p->timer);
    for (int i = 0; i < p->argc; i++)
        free(p->argv[i]);
    free(p->argv);
    free(p->argvlen);
    free(p);
}

static void
pending_finish(struct pending *p, redisReply *reply)
{
    if (!p->done) {
        p->done = 1;
        evtimer_del(p->timer);
        p->cb(reply, p->privdata);
    }
}

static void
on_command_timeout(evutil_socket_t fd, short what, void *arg)
{
    struct pending *p = arg;
    struct gw_redis *r = p->r;
    (void)fd;
    (void)what;
    /* Replies arrive in order, so one stuck command stalls all that follow:
     * fail this one now and reset the connection (h2o does the same). */
    pending_finish(p, NULL);
    drop_connection(r, "command timeout");
}

static int send_pending(struct gw_redis *r, struct pending *p, int as_eval);

static void
on_reply(redisAsyncContext *ac, void *reply_, void *privdata)
{
    struct pending *p = privdata;
    redisReply *reply = reply_;
    (void)ac;

    if (!p->done && reply != NULL && p->script != NULL && reply->type == REDIS_REPLY_ERROR &&
        strncmp(reply->str, "NOSCRIPT", 8) == 0 && p->r->ac != NULL &&
        send_pending(p->r, p, 1) == 0)
        return; /* re-sent as EVAL; p lives on */
    pending_finish(p, reply);
    pending_free(p);
}

static int
send_pending(struct gw_redis *r, struct pending *p, int as_eval)
{
    if (as_eval) {
        /* argv[0..2] = EVALSHA sha numkeys: swap in EVAL source. */
        free(p->argv[0]);
        free(p->argv[1]);
        p->argv[0] = strdup("EVAL");
        p->argvlen[0] = 4;
        p->argv[1] = strdup(p->script->source);
        p->argvlen[1] = strlen(p->script->source);
        p->script = NULL;
    }
    return redisAsyncCommandArgv(r->ac, on_reply, p, p->argc, (const char **)p->argv,
                                 p->argvlen) == REDIS_OK ? 0 : -1;
}

/*
 * Queues a command. Callers may only send once the connection is ready; the
 * handshake (AUTH, SELECT, PING) is the one sender allowed before that.
 */
static int
submit(struct gw_redis *r, int handshake, const struct gw_redis_script *script, gw_redis_cb cb,
       void *privdata, int argc, const char **argv, const size_t *argvlen)
{
    struct pending *p;
    struct timeval tv = ms_to_tv(r->timeout_ms);

    if (r->state != (handshake ? CONN_HANDSHAKE : CONN_READY))
        return -1;
    p = calloc(1, sizeof(*p));
    if (p == NULL)
        return -1;
    p->r = r;
    p->cb = cb;
    p->privdata = privdata;
    p->script = script;
    p->argc = argc;
    p->argv = calloc((size_t)argc, sizeof(char *));
    p->argvlen = calloc((size_t)argc, sizeof(size_t));
    p->timer = evtimer_new(r->base, on_command_timeout, p);
    if (p->argv == NULL || p->argvlen == NULL || p->timer == NULL)
        goto err;
    /* Arguments are copied: a NOSCRIPT retry needs them after the caller returned. */
    for (int i = 0; i < argc; i++) {
        size_t len = argvlen != NULL ? argvlen[i] : strlen(argv[i]);
        p->argv[i] = malloc(len + 1);
        if (p->argv[i] == NULL)
            goto err;
        memcpy(p->argv[i], argv[i], len);
        p->argv[i][len] = '\0';
        p->argvlen[i] = len;
    }
    if (send_pending(r, p, 0) != 0)
        goto err;
    evtimer_add(p->timer, &tv);
    return 0;
err:
    pending_free(p);
    return -1;
}

int
gw_redis_command(struct gw_redis *r, gw_redis_cb cb, void *privdata, int argc,
                 const char **argv, const size_t *argvlen)
{
    return submit(r, 0, NULL, cb, privdata, argc, argv, argvlen);
}

int
gw_redis_eval(struct gw_redis *r, const struct gw_redis_script *script, gw_redis_cb cb,
              void *privdata, int numkeys, int argc, const char **argv, const size_t *argvlen)
{
    const char **full = calloc((size_t)argc + 3, sizeof(char *));
    size_t *lens = calloc((size_t)argc + 3, sizeof(size_t));
    char nk[16];
    int rc = -1;

    if (full == NULL || lens == NULL)
        goto done;
    snprintf(nk, sizeof(nk), "%d", numkeys);
    full[0] = "EVALSHA";
    full[1] = script->sha;
    full[2] = nk;
    for (int i = 0; i < 3; i++)
        lens[i] = strlen(full[i]);
    for (int i = 0; i < argc; i++) {
        full[i + 3] = argv[i];
        lens[i + 3] = argvlen != NULL ? argvlen[i] : strlen(argv[i]);
    }
    rc = submit(r, 0, script, cb, privdata, argc + 3, full, lens);
done:
    free(full);
    free(lens);
    return rc;
}

/* --- connection lifecycle ---------------------------------------------- */

static void
on_handshake_reply(redisReply *reply, void *privdata)
{
    struct gw_redis *r = privdata;
    /* AUTH and SELECT are pipelined; the last reply decides readiness. */
    if (reply == NULL)
        return; /* connection dropped already */
    if (reply->type == REDIS_REPLY_ERROR) {
        gw_log(GW_LOG_ERROR, "redis handshake failed", "reply", reply->str, NULL);
        drop_connection(r, "handshake error");
    }
}

static void
on_handshake_done(redisReply *reply, void *privdata)
{
    struct gw_redis *r = privdata;
    on_handshake_reply(reply, privdata);
    if (reply != NULL && reply->type != REDIS_REPLY_ERROR && r->state == CONN_HANDSHAKE) {
        r->backoff_ms = 100;
        gw_log(GW_LOG_INFO, "redis connected", NULL);
        set_state(r, CONN_READY);
    }
}

static void
handshake(struct gw_redis *r)
{
    char db[16];
    const char *auth[] = {"AUTH", r->target.password};
    const char *select[] = {"SELECT", db};
    const char *ping[] = {"PING"};

    snprintf(db, sizeof(db), "%d", r->target.db);
    r->state = CONN_HANDSHAKE;
    if (r->target.password != NULL &&
        submit(r, 1, NULL, on_handshake_reply, r, 2, auth, NULL) != 0)
        goto err;
    if (r->target.db != 0 && submit(r, 1, NULL, on_handshake_reply, r, 2, select, NULL) != 0)
        goto err;
    if (submit(r, 1, NULL, on_handshake_done, r, 1, ping, NULL) != 0)
        goto err;
    return;
err:
    drop_connection(r, "handshake send failed");
}

static void
on_connect(const redisAsyncContext *ac, int status)
{
    struct gw_redis *r = ac->data;
    if (r == NULL)
        return;
    evtimer_del(r->connect_timer);
    if (status != REDIS_OK) {
        /* hiredis frees ac itself after this callback. */
        gw_log(GW_LOG_WARN, "redis connect failed", "reason", ac->errstr, NULL);
        r->ac = NULL;
        set_state(r, CONN_CLOSED);
        schedule_retry(r);
        return;
    }
    handshake(r);
}

static void
on_disconnect(const redisAsyncContext *ac, int status)
{
    struct gw_redis *r = ac->data;
    (void)status;
    if (r == NULL)
        return; /* we initiated it (drop_connection / free) */
    gw_log(GW_LOG_WARN, "redis disconnected", "reason", ac->errstr[0] ? ac->errstr : "closed", NULL);
    r->ac = NULL; /* hiredis frees ac after this callback */
    set_state(r, CONN_CLOSED);
    schedule_retry(r);
}

static void
on_connect_timeout(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    drop_connection(arg, "connect timeout");
}

static void
on_retry(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    connect_now(arg);
}

static void
connect_now(struct gw_redis *r)
{
    redisAsyncContext *ac;
    struct timeval tv = ms_to_tv(r->timeout_ms);

    if (r->target.kind == GW_REDIS_UNIX)
        ac = redisAsyncConnectUnix(r->target.path);
    else
        ac = redisAsyncConnect(r->target.host, r->target.port);
    if (ac == NULL || ac->err) {
        gw_log(GW_LOG_WARN, "redis connect failed", "reason", ac ? ac->errstr : "out of memory",
               NULL);
        if (ac != NULL)
            redisAsyncFree(ac);
        schedule_retry(r);
        return;
    }
    ac->data = r;
    r->ac = ac;
    r->state = CONN_CONNECTING;
    redisLibeventAttach(ac, r->base);
    redisAsyncSetConnectCallback(ac, on_connect);
    redisAsyncSetDisconnectCallback(ac, on_disconnect);
    evtimer_add(r->connect_timer, &tv);
}

struct gw_redis *
gw_redis_new(struct event_base *base, const struct gw_redis_target *target, int64_t timeout_ms,
             gw_redis_state_cb on_state, void *arg)
{
    struct gw_redis *r = calloc(1, sizeof(*r));
    if (r == NULL)
        return NULL;
    r->base = base;
    r->target.kind = target->kind;
    r->target.host = target->host ? strdup(target->host) : NULL;
    r->target.port = target->port;
    r->target.path = target->path ? strdup(target->path) : NULL;
    r->target.password = target->password ? strdup(target->password) : NULL;
    r->target.db = target->db;
    r->timeout_ms = timeout_ms;
    r->on_state = on_state;
    r->arg = arg;
    r->backoff_ms = 100;
    r->connect_timer = evtimer_new(base, on_connect_timeout, r);
    r->retry_timer = evtimer_new(base, on_retry, r);
    return r;
}

void
gw_redis_start(struct gw_redis *r)
{
    connect_now(r);
}

int
gw_redis_ready(const struct gw_redis *r)
{
    return r->state == CONN_READY;
}

void
gw_redis_free(struct gw_redis *r)
{
    if (r == NULL)
        return;
    r->freeing = 1;
    if (r->ac != NULL) {
        redisAsyncContext *ac = r->ac;
        r->ac = NULL;
        ac->data = NULL;
        r->state = CONN_CLOSED;
        redisAsyncFree(ac);
    }
    event_free(r->connect_timer);
    event_free(r->retry_timer);
    free(r->target.host);
    free(r->target.path);
    free(r->target.password);
    free(r);
}
