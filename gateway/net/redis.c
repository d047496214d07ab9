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
    struct pending *failed_head;   /* refused before sending, reported by failed_ev */
    struct pending **failed_tail;
    struct event *failed_ev;
    int freeing;
};

/* One in-flight command: the caller's callback plus its own timeout. */
struct pending {
    struct gw_redis *r;
    gw_redis_cb cb;
    void *privdata;
    struct event *timer;
    int done;                               /* caller's callback already ran */
    enum gw_redis_error_kind refused;       /* why it was never sent */
    struct pending *next;                   /* in the refused queue */
    const struct gw_redis_script *script;   /* EVALSHA to retry as EVAL on NOSCRIPT */
    int argc;
    char **argv;
    size_t *argvlen;
};

static void connect_now(struct gw_redis *r);
static void handshake(struct gw_redis *r);

void
gw_redis_script_init(struct gw_redis_script *s, const char *name, const char *source)
{
    static const char hex[] = "0123456789abcdef";
    unsigned char digest[SHA_DIGEST_LENGTH];

    s->name = name;
    s->source = source;
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

/* Runs the caller's callback once: a reply, an error reply, or kind (no reply). */
static void
pending_finish(struct pending *p, redisReply *reply, enum gw_redis_error_kind kind)
{
    struct gw_redis_error err = {kind, NULL};

    if (p->done)
        return;
    p->done = 1;
    if (p->cb == NULL)
        return; /* nobody waits for this one's outcome */
    if (p->timer != NULL)
        evtimer_del(p->timer);
    if (reply != NULL && reply->type == REDIS_REPLY_ERROR) {
        err.kind = gw_redis_classify_reply(reply->str);
        err.text = reply->str;
        p->cb(NULL, &err, p->privdata);
        return;
    }
    if (reply != NULL) {
        p->cb(reply, NULL, p->privdata);
        return;
    }
    switch (kind) {
    case GW_REDIS_TIMEOUT: err.text = "no reply within the command timeout"; break;
    case GW_REDIS_DISCONNECTED: err.text = "connection lost before the reply"; break;
    default: err.text = "not connected to Redis"; break;
    }
    p->cb(NULL, &err, p->privdata);
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
    pending_finish(p, NULL, GW_REDIS_TIMEOUT);
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
    pending_finish(p, reply, GW_REDIS_DISCONNECTED);
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

/* Reports every refused command, from the loop (never inside the call that sent it). */
static void
on_refused(evutil_socket_t fd, short what, void *arg)
{
    struct gw_redis *r = arg;
    struct pending *p;
    (void)fd;
    (void)what;

    while ((p = r->failed_head) != NULL) {
        r->failed_head = p->next;
        if (r->failed_head == NULL)
            r->failed_tail = &r->failed_head;
        pending_finish(p, NULL, p->refused);
        pending_free(p);
    }
}

static void
refuse(struct gw_redis *r, struct pending *p, enum gw_redis_error_kind kind)
{
    p->refused = kind;
    p->next = NULL;
    *r->failed_tail = p;
    r->failed_tail = &p->next;
    event_active(r->failed_ev, EV_TIMEOUT, 0);
}

static struct pending *
pending_new(struct gw_redis *r, const struct gw_redis_script *script, gw_redis_cb cb,
            void *privdata, int argc, const char **argv, const size_t *argvlen)
{
    struct pending *p = calloc(1, sizeof(*p));

    if (p == NULL)
        goto oom;
    p->r = r;
    p->cb = cb;
    p->privdata = privdata;
    p->script = script;
    p->argc = argc;
    p->argv = calloc((size_t)argc, sizeof(char *));
    p->argvlen = calloc((size_t)argc, sizeof(size_t));
    p->timer = evtimer_new(r->base, on_command_timeout, p);
    if (p->argv == NULL || p->argvlen == NULL || p->timer == NULL)
        goto oom;
    /* Arguments are copied: a NOSCRIPT retry needs them after the caller returned. */
    for (int i = 0; i < argc; i++) {
        size_t len = argvlen != NULL ? argvlen[i] : strlen(argv[i]);
        p->argv[i] = malloc(len + 1);
        if (p->argv[i] == NULL)
            goto oom;
        memcpy(p->argv[i], argv[i], len);
        p->argv[i][len] = '\0';
        p->argvlen[i] = len;
    }
    return p;
oom:
    /* No way to report it later without memory: stop here, as hiredis and Redis do. */
    gw_log(GW_LOG_ERROR, "out of memory sending a Redis command", NULL);
    abort();
}

/*
 * Queues a command. Callers may only send once the connection is ready; the
 * handshake (AUTH, SELECT, PING) is the one sender allowed before that.
 */
static void
submit(struct gw_redis *r, int handshake, const struct gw_redis_script *script, gw_redis_cb cb,
       void *privdata, int argc, const char **argv, const size_t *argvlen)
{
    struct pending *p = pending_new(r, script, cb, privdata, argc, argv, argvlen);
    struct timeval tv = ms_to_tv(r->timeout_ms);

    if (r->freeing || r->state != (handshake ? CONN_HANDSHAKE : CONN_READY) ||
        send_pending(r, p, 0) != 0) {
        refuse(r, p, GW_REDIS_UNAVAILABLE);
        return;
    }
    evtimer_add(p->timer, &tv);
}

void
gw_redis_command(struct gw_redis *r, gw_redis_cb cb, void *privdata, int argc,
                 const char **argv, const size_t *argvlen)
{
    submit(r, 0, NULL, cb, privdata, argc, argv, argvlen);
}

void
gw_redis_eval(struct gw_redis *r, const struct gw_redis_script *script, gw_redis_cb cb,
              void *privdata, int numkeys, int argc, const char **argv, const size_t *argvlen)
{
    const char *head[3] = {"EVALSHA", script->sha, NULL};
    char nk[16];
    const char **full;
    size_t *lens;

    snprintf(nk, sizeof(nk), "%d", numkeys);
    head[2] = nk;
    full = calloc((size_t)argc + 3, sizeof(char *));
    lens = calloc((size_t)argc + 3, sizeof(size_t));
    if (full == NULL || lens == NULL) {
        gw_log(GW_LOG_ERROR, "out of memory sending a Redis script", NULL);
        abort();
    }
    for (int i = 0; i < 3; i++) {
        full[i] = head[i];
        lens[i] = strlen(head[i]);
    }
    for (int i = 0; i < argc; i++) {
        full[i + 3] = argv[i];
        lens[i + 3] = argvlen != NULL ? argvlen[i] : strlen(argv[i]);
    }
    submit(r, 0, script, cb, privdata, argc + 3, full, lens);
    free(full);
    free(lens);
}

/* --- connection lifecycle ---------------------------------------------- */

static void
on_handshake_reply(redisReply *reply, const struct gw_redis_error *err, void *privdata)
{
    struct gw_redis *r = privdata;
    (void)reply;
    /* AUTH and SELECT are pipelined; the last reply decides readiness. */
    if (err == NULL || err->kind == GW_REDIS_UNAVAILABLE || err->kind == GW_REDIS_TIMEOUT ||
        err->kind == GW_REDIS_DISCONNECTED)
        return; /* fine, or the connection is gone already */
    gw_log(GW_LOG_ERROR, "redis handshake failed", "reply", err->text, NULL);
    drop_connection(r, "handshake error");
}

static void
on_handshake_done(redisReply *reply, const struct gw_redis_error *err, void *privdata)
{
    struct gw_redis *r = privdata;
    on_handshake_reply(reply, err, privdata);
    if (err == NULL && r->state == CONN_HANDSHAKE) {
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
    /* A send that fails is reported to on_handshake_reply as unavailable,
     * and the disconnect callback schedules the reconnect. */
    if (r->target.password != NULL)
        submit(r, 1, NULL, on_handshake_reply, r, 2, auth, NULL);
    if (r->target.db != 0)
        submit(r, 1, NULL, on_handshake_reply, r, 2, select, NULL);
    submit(r, 1, NULL, on_handshake_done, r, 1, ping, NULL);
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
    r->failed_ev = event_new(base, -1, 0, on_refused, r);
    r->failed_tail = &r->failed_head;
    if (r->connect_timer == NULL || r->retry_timer == NULL || r->failed_ev == NULL) {
        gw_redis_free(r);
        return NULL;
    }
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
    on_refused(-1, 0, r);
    if (r->connect_timer != NULL)
        event_free(r->connect_timer);
    if (r->retry_timer != NULL)
        event_free(r->retry_timer);
    if (r->failed_ev != NULL)
        event_free(r->failed_ev);
    gw_redis_target_clear(&r->target);
    free(r);
}
