#include "gateway/net/redis.h"

#include <event2/dns.h>
#include <event2/event.h>
#include <hiredis/adapters/libevent.h>
#include <hiredis/async.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include "gateway/core/dates.h"
#include "gateway/net/redis/args.h"
#include "gateway/net/redis/ask.h"
#include "gateway/net/redis/discover.h"
#include "gateway/net/redis/error.h"
#include "gateway/net/redis/resolve.h"
#include "gateway/net/redis/sentinel.h"
#include "gateway/net/redis/url.h"
#include "gateway/util/log.h"
#include "gateway/util/prometheus.h"

#define TICK_MS 100            /* deadlines, health checks and phase timeouts */
#define PING_EVERY_MS 1000     /* health check of a ready connection */
#define BACKOFF_MIN_MS 100
#define BACKOFF_MAX_MS 2000    /* reconnects spread out but never wait long */
#define LOADING_RETRY_MS 100   /* a restarting Redis is ready soon */
#define WAIT_MS 100            /* how long a durable write waits for its replicas */

enum state {
    S_IDLE,         /* waiting to (re)connect */
    S_DISCOVERING,  /* asking Sentinels or seeds, resolving the host */
    S_CONNECTING,
    S_HANDSHAKE,    /* AUTH, SELECT, ROLE, then a write */
    S_READY,
    S_DRAINING      /* no longer the primary: reading the replies still due, then reset */
};

struct pending;
struct wait_group;

struct gw_redis {
    struct event_base *base;
    struct evdns_base *dns;
    struct gw_redis_target target;
    int64_t timeout_ms;
    int min_replicas;
    int replicas_online;          /* replicas in sync at the last look (INFO replication) */
    char *probe_key;
    struct gw_metric *errors;
    gw_redis_state_cb on_state;
    void *arg;

    enum state state;
    int64_t state_since;          /* ms, for phase timeouts */
    redisAsyncContext *ac;
    struct gw_discovery *discovery;
    struct gw_resolve *resolve;
    struct gw_sentinel_watch *watch;
    int watch_sentinel;           /* which Sentinel is watched */
    int redirecting;              /* a new primary is known: commands wait for it */
    int inflight;                 /* commands hiredis holds */
    int64_t drain_delay_ms;       /* the reconnect delay once drained */
    char drain_reason[200];
    char redirect_host[256];      /* MOVED or +switch-master: connect here next */
    int redirect_port;
    char node[300];               /* the node we talk to, for logs */
    int node_port;

    struct event *tick, *retry_timer, *refused_ev, *flush_ev;
    struct wait_group *group;     /* durable writes waiting for their WAIT to be sent */
    int64_t backoff_ms;
    int64_t ping_sent_ms;         /* 0: no health PING outstanding */
    int64_t last_ping_ms;

    struct pending *live_head, *live_tail;   /* waiting for an outcome, in submit order */
    struct pending *refused_head, **refused_tail;
    int freeing;
};

/*
 * One command. It lives until its caller has its outcome and hiredis (or an
 * ASK connection) has let go of it.
 */
struct pending {
    struct gw_redis *r;
    gw_redis_cb cb;
    void *privdata;
    char *cmd;                  /* formatted, kept for a re-send */
    size_t len;
    const struct gw_redis_script *script;
    int64_t deadline_ms;        /* 0: none (the handshake's and the health PING) */
    int done;                   /* the caller has its outcome */
    int in_hiredis;             /* hiredis holds a callback for it */
    int waiting;                /* redirected (MOVED): sent again once ready */
    int redirects;
    struct gw_redis_ask *ask;   /* redirected (ASK): sent on a side connection */
    int durable;                /* succeeds once min_replicas have it (a WAIT follows it) */
    int waits;                  /* WAITs outstanding for it */
    int wait_for;               /* replicas the last WAIT asked for */
    redisReply *held;           /* its reply, kept until the WAIT answers */
    enum gw_redis_error_kind refused;
    struct pending *prev, *next;    /* live list */
    struct pending *next_refused;
};

static void connect_now(struct gw_redis *r);
static void on_health(redisReply *reply, const struct gw_redis_error *err, void *privdata);
static void on_reply(redisAsyncContext *ac, void *reply, void *privdata);


static struct timeval
ms_to_tv(int64_t ms)
{
    struct timeval tv = {(time_t)(ms / 1000), (suseconds_t)((ms % 1000) * 1000)};
    return tv;
}

/* --- pendings ---------------------------------------------------------------- */

static void
live_remove(struct gw_redis *r, struct pending *p)
{
    if (p->prev == NULL && r->live_head != p)
        return; /* not in the list */
    if (p->prev != NULL)
        p->prev->next = p->next;
    else
        r->live_head = p->next;
    if (p->next != NULL)
        p->next->prev = p->prev;
    else
        r->live_tail = p->prev;
    p->prev = p->next = NULL;
}

static void
live_append(struct gw_redis *r, struct pending *p)
{
    p->prev = r->live_tail;
    p->next = NULL;
    if (r->live_tail != NULL)
        r->live_tail->next = p;
    else
        r->live_head = p;
    r->live_tail = p;
}

/* A copy of reply that outlives hiredis's callback (durable writes wait for WAIT). */
static redisReply *
reply_copy(const redisReply *reply)
{
    redisReply *c = calloc(1, sizeof(*c));
    if (c == NULL)
        abort();
    c->type = reply->type;
    c->integer = reply->integer;
    if (reply->str != NULL) {
        if ((c->str = malloc(reply->len + 1)) == NULL)
            abort();
        memcpy(c->str, reply->str, reply->len + 1);
        c->len = reply->len;
    }
    if (reply->elements > 0) {
        if ((c->element = calloc(reply->elements, sizeof(*c->element))) == NULL)
            abort();
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

static void
pending_release(struct pending *p)
{
    if (!p->done || p->in_hiredis || p->ask != NULL || p->waits > 0)
        return;
    reply_free(p->held);
    free(p->cmd);
    free(p);
}

static void
count_error(struct gw_redis *r, const struct gw_redis_error *err, const struct pending *p)
{
    const char *labels[] = {gw_redis_error_name(err->kind)};
    if (r->errors != NULL)
        gw_metric_inc(r->errors, labels, 1);
    if (err->kind != GW_REDIS_UNAVAILABLE)
        gw_log(GW_LOG_WARN, "redis command failed", "kind", labels[0], "error", err->text,
               "script", p->script != NULL ? p->script->name : NULL, NULL);
}

/* Gives the caller its outcome, once: a reply, an error reply, or kind (no reply). */
static void
pending_finish(struct pending *p, redisReply *reply, enum gw_redis_error_kind kind)
{
    struct gw_redis *r = p->r;
    struct gw_redis_error err = {kind, NULL};

    if (p->done)
        return;
    p->done = 1;
    p->waiting = 0;
    live_remove(r, p);
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
        count_error(r, &err, p);
    if (p->cb != NULL)
        p->cb(NULL, &err, p->privdata);
}

/* Reports every refused command, from the loop (never inside the call that sent it). */
static void
on_refused(evutil_socket_t fd, short what, void *arg)
{
    struct gw_redis *r = arg;
    struct pending *p;
    (void)fd;
    (void)what;

    while ((p = r->refused_head) != NULL) {
        r->refused_head = p->next_refused;
        if (r->refused_head == NULL)
            r->refused_tail = &r->refused_head;
        pending_finish(p, NULL, p->refused);
        pending_release(p);
    }
}

static void
refuse(struct gw_redis *r, struct pending *p, enum gw_redis_error_kind kind)
{
    live_remove(r, p);
    p->refused = kind;
    p->next_refused = NULL;
    *r->refused_tail = p;
    r->refused_tail = &p->next_refused;
    event_active(r->refused_ev, EV_TIMEOUT, 0);
}

static int
send_pending(struct gw_redis *r, struct pending *p)
{
    if (r->ac == NULL ||
        redisAsyncFormattedCommand(r->ac, on_reply, p, p->cmd, p->len) != REDIS_OK)
        return -1;
    p->in_hiredis = 1;
    r->inflight++;
    return 0;
}

/* A pending command taking the formatted cmd over. */
static struct pending *
pending_take(struct gw_redis *r, const struct gw_redis_script *script, gw_redis_cb cb,
             void *privdata, char *cmd, size_t len)
{
    struct pending *p = calloc(1, sizeof(*p));

    if (p == NULL) {
        /* No way to report it later without memory: stop here, as hiredis and Redis do. */
        gw_log(GW_LOG_ERROR, "out of memory sending a Redis command", NULL);
        abort();
    }
    p->r = r;
    p->cb = cb;
    p->privdata = privdata;
    p->script = script;
    p->cmd = cmd;
    p->len = len;
    return p;
}

static struct pending *
pending_new(struct gw_redis *r, const struct gw_redis_script *script, gw_redis_cb cb,
            void *privdata, int argc, const char **argv, const size_t *argvlen)
{
    char *cmd = NULL;
    int len = redisFormatCommandArgv(&cmd, argc, argv, argvlen);

    if (len < 0) {
        gw_log(GW_LOG_ERROR, "out of memory sending a Redis command", NULL);
        abort();
    }
    return pending_take(r, script, cb, privdata, cmd, (size_t)len);
}

/*
 * Durable writes sent in one pass of the loop share one WAIT (a group
 * commit): WAIT covers every write the connection sent before it.
 */
struct wait_group {
    int want;
    size_t n, cap;
    struct pending **members;
};

/* WAIT's answer for durable write p: its reply counts once enough replicas
 * have it; else it ran but may be lost in a failover (NOT_REPLICATED). */
static void
wait_answered(struct pending *p, redisReply *reply, const struct gw_redis_error *err)
{
    p->waits--;
    if (p->waits > 0 || p->done || p->waiting) {
        pending_release(p); /* an older WAIT, or p was redirected: another follows */
        return;
    }
    if (p->held == NULL)
        pending_finish(p, NULL, err != NULL ? GW_REDIS_DISCONNECTED : GW_REDIS_PROTOCOL);
    else if (err != NULL)
        pending_finish(p, NULL, GW_REDIS_DISCONNECTED);
    else if (reply->type == REDIS_REPLY_INTEGER && reply->integer >= p->wait_for)
        pending_finish(p, p->held, GW_REDIS_DISCONNECTED);
    else
        pending_finish(p, NULL, GW_REDIS_NOT_REPLICATED);
    pending_release(p);
}

static void
group_answered(struct wait_group *g, redisReply *reply, const struct gw_redis_error *err)
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

static int internal_for(struct gw_redis *r, gw_redis_cb cb, void *privdata, int argc,
                        const char **argv);

/* Sends the WAIT of the writes collected in this pass of the loop. */
static void
on_flush_wait(evutil_socket_t fd, short what, void *arg)
{
    struct gw_redis *r = arg;
    struct wait_group *g = r->group;
    char replicas[16], wait_ms[24];
    const char *wait[] = {"WAIT", replicas, wait_ms};
    (void)fd;
    (void)what;

    if (g == NULL)
        return;
    r->group = NULL;
    snprintf(replicas, sizeof(replicas), "%d", g->want);
    snprintf(wait_ms, sizeof(wait_ms), "%d", WAIT_MS);
    if (internal_for(r, on_group_wait, g, 3, wait) != 0) {
        struct gw_redis_error err = {GW_REDIS_DISCONNECTED, "connection lost before WAIT"};
        group_answered(g, NULL, &err);
    }
}

/* Sends p; a durable write joins the WAIT that tells whether replicas have it. */
static int
send_write(struct gw_redis *r, struct pending *p)
{
    /* Replicas in sync when last seen, at most min_replicas: a primary that
     * has none (just promoted) is the only copy there is. */
    int want = r->min_replicas < r->replicas_online ? r->min_replicas : r->replicas_online;
    struct wait_group *g;

    if (send_pending(r, p) != 0)
        return -1;
    if (!p->durable || want == 0)
        return 0;
    if ((g = r->group) == NULL) {
        if ((g = r->group = calloc(1, sizeof(*g))) == NULL)
            abort();
        g->want = want;
        event_active(r->flush_ev, EV_TIMEOUT, 0);
    }
    if (g->n == g->cap) {
        size_t cap = g->cap ? 2 * g->cap : 16;
        struct pending **grown = realloc(g->members, cap * sizeof(*grown));
        if (grown == NULL)
            abort();
        g->members = grown;
        g->cap = cap;
    }
    g->members[g->n++] = p;
    p->wait_for = g->want;
    p->waits++;
    return 0;
}

/* The connection went away before the collected WAIT was sent. */
static void
drop_group(struct gw_redis *r)
{
    struct gw_redis_error err = {GW_REDIS_DISCONNECTED, "connection lost before WAIT"};
    struct wait_group *g = r->group;
    r->group = NULL;
    if (g != NULL)
        group_answered(g, NULL, &err);
}

/* --- connection lifecycle ---------------------------------------------------- */

static void
set_state(struct gw_redis *r, enum state s)
{
    int was_ready = r->state == S_READY;
    r->state = s;
    r->state_since = gw_now_ms();
    if (was_ready != (s == S_READY) && r->on_state != NULL && !r->freeing)
        r->on_state(s == S_READY, r->arg);
}

static void
schedule_connect(struct gw_redis *r, int64_t delay_ms)
{
    struct timeval tv = ms_to_tv(delay_ms);
    if (r->freeing)
        return;
    evtimer_add(r->retry_timer, &tv);
}

/* The next reconnect: exponential, +-25 % jitter so replicas spread out. */
static int64_t
next_backoff(struct gw_redis *r)
{
    int64_t delay = r->backoff_ms + (r->backoff_ms * ((rand() % 51) - 25)) / 100;
    r->backoff_ms = r->backoff_ms * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : r->backoff_ms * 2;
    return delay;
}

/*
 * Closes the connection and whatever discovery is under way: commands
 * sent on it get DISCONNECTED (they may have run), redirected ones wait;
 * then a reconnect in delay_ms (-1: the backoff).
 */
static void
reset(struct gw_redis *r, const char *why, int64_t delay_ms)
{
    redisAsyncContext *ac = r->ac;

    if (r->state == S_IDLE && ac == NULL)
        return;
    if (why != NULL)
        gw_log(GW_LOG_WARN, "redis connection reset", "reason", why, "node", r->node, NULL);
    gw_discovery_cancel(r->discovery);
    r->discovery = NULL;
    gw_resolve_cancel(r->resolve);
    r->resolve = NULL;
    r->ping_sent_ms = 0;
    r->inflight = 0;
    if (delay_ms < 0)
        r->redirecting = 0; /* a failure, not a known move: new commands fail fast */
    set_state(r, S_IDLE);
    if (ac != NULL) {
        r->ac = NULL;
        ac->data = NULL;
        redisAsyncFree(ac); /* fails what hiredis holds; deferred inside its callbacks */
    }
    drop_group(r);
    schedule_connect(r, delay_ms >= 0 ? delay_ms : next_backoff(r));
}

/*
 * This node is no longer the primary: send nothing more, read the replies
 * still due (they say whether each command ran), then reset.
 */
static void
retire(struct gw_redis *r, const char *why, int64_t delay_ms)
{
    if (r->state == S_DRAINING || r->state == S_IDLE)
        return;
    gw_log(GW_LOG_WARN, "redis node is not the primary now", "reason", why, "node", r->node,
           NULL);
    snprintf(r->drain_reason, sizeof(r->drain_reason), "%s", why);
    r->drain_delay_ms = delay_ms;
    set_state(r, S_DRAINING);
}

static void
drained(struct gw_redis *r)
{
    if (r->state == S_DRAINING && r->inflight == 0)
        reset(r, NULL, r->drain_delay_ms);
}

static void
send_waiting(struct gw_redis *r)
{
    for (struct pending *p = r->live_head; p != NULL; p = p->next) {
        if (!p->waiting)
            continue;
        p->waiting = 0;
        if (send_write(r, p) != 0) {
            pending_finish(p, NULL, GW_REDIS_UNAVAILABLE);
            pending_release(p);
            return; /* the list changed; the connection is gone anyway */
        }
    }
}

/* Handshake replies: AUTH, SELECT, ROLE and the probe write. */
static void
handshake_failed(struct gw_redis *r, const struct gw_redis_error *err)
{
    if (err->kind == GW_REDIS_LOADING) {
        gw_log(GW_LOG_INFO, "redis is loading its data; retrying soon", "node", r->node, NULL);
        reset(r, NULL, LOADING_RETRY_MS);
    } else if (err->kind == GW_REDIS_UNAVAILABLE || err->kind == GW_REDIS_DISCONNECTED) {
        /* the connection went away; its disconnect callback reconnects */
    } else {
        gw_log(GW_LOG_ERROR, "redis handshake failed", "node", r->node, "reply", err->text, NULL);
        reset(r, NULL, -1);
    }
}

static void
on_handshake_step(redisReply *reply, const struct gw_redis_error *err, void *privdata)
{
    struct gw_redis *r = privdata;
    (void)reply;
    if (err != NULL && r->state == S_HANDSHAKE)
        handshake_failed(r, err);
}

/* ROLE must say "master": a Sentinel's answer may be stale during a failover. */
static void
on_role(redisReply *reply, const struct gw_redis_error *err, void *privdata)
{
    struct gw_redis *r = privdata;
    if (r->state != S_HANDSHAKE)
        return;
    if (err != NULL) {
        handshake_failed(r, err);
    } else if (reply->type != REDIS_REPLY_ARRAY || reply->elements < 1 ||
               reply->element[0]->type != REDIS_REPLY_STRING ||
               strcmp(reply->element[0]->str, "master") != 0) {
        gw_log(GW_LOG_WARN, "redis node is not the primary (yet)", "node", r->node, NULL);
        reset(r, NULL, -1);
    }
}

static void
on_probe(redisReply *reply, const struct gw_redis_error *err, void *privdata)
{
    struct gw_redis *r = privdata;
    (void)reply;
    if (r->state != S_HANDSHAKE)
        return;
    if (err != NULL) {
        handshake_failed(r, err);
        return;
    }
    r->backoff_ms = BACKOFF_MIN_MS;
    r->redirecting = 0;
    gw_log(GW_LOG_INFO, "redis connected; writes succeed", "node", r->node, NULL);
    set_state(r, S_READY);
    send_waiting(r);
}

/*
 * A command of the client's own (handshake, health, WAIT): cb gets privdata.
 * Returns -1 when it could not be sent (the connection is going away; its
 * disconnect callback takes it from there): cb is then not called.
 */
static int
internal_for(struct gw_redis *r, gw_redis_cb cb, void *privdata, int argc, const char **argv)
{
    struct pending *p = pending_new(r, NULL, cb, privdata, argc, argv, NULL);
    if (send_pending(r, p) != 0) {
        p->done = 1;
        pending_release(p);
        return -1;
    }
    return 0;
}

static void
internal(struct gw_redis *r, gw_redis_cb cb, int argc, const char **argv)
{
    internal_for(r, cb, r, argc, argv);
}

static void
handshake(struct gw_redis *r)
{
    char db[16];
    set_state(r, S_HANDSHAKE);
    snprintf(db, sizeof(db), "%d", r->target.db);
    if (r->target.password != NULL) {
        const char *auth[] = {"AUTH", r->target.password};
        internal(r, on_handshake_step, 2, auth);
    }
    if (r->target.db != 0) {
        const char *select[] = {"SELECT", db};
        internal(r, on_handshake_step, 2, select);
    }
    if (r->target.kind == GW_REDIS_SENTINEL) {
        const char *role[] = {"ROLE"};
        internal(r, on_role, 1, role);
    }
    r->replicas_online = 0;
    if (r->min_replicas > 0) {
        const char *info[] = {"INFO", "replication"};
        internal(r, on_health, 2, info);
    }
    /* Ready once a write succeeds: a replica, a demoted primary or a node
     * that does not own the slot refuses it. */
    const char *probe[] = {"SET", r->probe_key, "1", "PX", "60000"};
    internal(r, on_probe, 5, probe);
}

static void
on_connect(const redisAsyncContext *ac, int status)
{
    struct gw_redis *r = ac->data;
    if (r == NULL)
        return;
    if (status != REDIS_OK) {
        gw_log(GW_LOG_WARN, "redis connect failed", "node", r->node, "reason", ac->errstr, NULL);
        ((redisAsyncContext *)ac)->data = NULL;
        r->ac = NULL; /* hiredis frees it after this callback */
        reset(r, NULL, -1);
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
        return; /* we closed it */
    r->ac = NULL; /* hiredis frees ac after this callback */
    reset(r, ac->errstr[0] ? ac->errstr : "closed by the server", -1);
}

static void
attach(struct gw_redis *r, redisAsyncContext *ac)
{
    if (ac == NULL || ac->err) {
        gw_log(GW_LOG_WARN, "redis connect failed", "node", r->node, "reason",
               ac != NULL ? ac->errstr : "out of memory", NULL);
        if (ac != NULL)
            redisAsyncFree(ac);
        reset(r, NULL, -1);
        return;
    }
    ac->data = r;
    r->ac = ac;
    set_state(r, S_CONNECTING);
    redisLibeventAttach(ac, r->base);
    redisAsyncSetConnectCallback(ac, on_connect);
    redisAsyncSetDisconnectCallback(ac, on_disconnect);
}

static void
on_resolved(const char *ip, const char *error, void *arg)
{
    struct gw_redis *r = arg;
    r->resolve = NULL;
    if (ip == NULL) {
        gw_log(GW_LOG_WARN, "redis host not resolved", "node", r->node, "error", error, NULL);
        reset(r, NULL, -1);
        return;
    }
    attach(r, redisAsyncConnect(ip, r->node_port));
}

static void on_switch(const char *host, int port, void *arg);

static void
go_to(struct gw_redis *r, const char *host, int port)
{
    snprintf(r->node, sizeof(r->node), "%s:%d", host, port);
    r->node_port = port;
    r->resolve = gw_resolve_start(r->base, r->dns, host, on_resolved, r);
}

static void
on_discovered(const char *host, int port, int sentinel, const char *error, void *arg)
{
    struct gw_redis *r = arg;
    r->discovery = NULL;
    if (host == NULL) {
        gw_log(GW_LOG_WARN, "redis primary not found", "error", error, NULL);
        reset(r, NULL, -1);
        return;
    }
    /* Follow failovers: watch the Sentinel that answered. */
    if (sentinel >= 0 && (r->watch == NULL || r->watch_sentinel != sentinel)) {
        const struct gw_redis_endpoint *ep = &r->target.endpoints[sentinel];
        gw_sentinel_watch_stop(r->watch);
        r->watch_sentinel = sentinel;
        r->watch = gw_sentinel_watch_start(r->base, r->dns, ep->host, ep->port,
                                           r->target.sentinel_password, r->target.master,
                                           on_switch, r);
    }
    go_to(r, host, port);
}

static void
connect_now(struct gw_redis *r)
{
    set_state(r, S_DISCOVERING);
    if (r->target.kind == GW_REDIS_UNIX) {
        snprintf(r->node, sizeof(r->node), "unix:%s", r->target.path);
        attach(r, redisAsyncConnectUnix(r->target.path));
    } else if (r->redirect_host[0] != '\0') {
        char host[sizeof(r->redirect_host)];
        snprintf(host, sizeof(host), "%s", r->redirect_host);
        r->redirect_host[0] = '\0';
        go_to(r, host, r->redirect_port);
    } else {
        r->discovery = gw_discover(r->base, r->dns, &r->target, r->timeout_ms, on_discovered, r);
    }
}

static void
on_retry(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    connect_now(arg);
}

/* +switch-master for our primary, or the watch was lost. */
static void
on_switch(const char *host, int port, void *arg)
{
    struct gw_redis *r = arg;
    if (host == NULL) {
        gw_sentinel_watch_stop(r->watch);
        r->watch = NULL; /* a new one starts with the next discovery */
        return;
    }
    snprintf(r->redirect_host, sizeof(r->redirect_host), "%s", host);
    r->redirect_port = port;
    r->redirecting = 1;
    reset(r, "the Sentinels promoted another primary", 0);
}

/* --- replies ----------------------------------------------------------------------- */

/* "MOVED 1234 10.0.0.5:6379" / "ASK ...": the node that serves the slot. */
static int
redirect_target(const char *text, char *host, size_t hostlen, int *port)
{
    const char *addr = strchr(text, ' ');
    const char *colon;
    if (addr == NULL || (addr = strchr(addr + 1, ' ')) == NULL ||
        (colon = strrchr(addr, ':')) == NULL)
        return -1;
    addr++;
    snprintf(host, hostlen, "%.*s", (int)(colon - addr), addr);
    *port = (int)strtol(colon + 1, NULL, 10);
    return host[0] != '\0' && *port > 0 ? 0 : -1;
}

static void
on_asked(redisReply *reply, const char *error, void *arg)
{
    struct pending *p = arg;
    p->ask = NULL;
    if (reply != NULL)
        pending_finish(p, reply, GW_REDIS_DISCONNECTED);
    else if (!p->done) {
        gw_log(GW_LOG_WARN, "redis ASK redirect failed", "error", error, NULL);
        pending_finish(p, NULL, GW_REDIS_DISCONNECTED);
    }
    pending_release(p);
}

/* Follows a Cluster redirect. Returns 1 when p was taken care of. */
static int
follow_redirect(struct gw_redis *r, struct pending *p, const char *text)
{
    char host[256];
    int port;
    int moved = strncmp(text, "MOVED ", 6) == 0;

    if (r->target.kind != GW_REDIS_CLUSTER || p->done || p->redirects >= 3 ||
        (!moved && strncmp(text, "ASK ", 4) != 0) ||
        redirect_target(text, host, sizeof(host), &port) != 0)
        return 0;
    p->redirects++;
    if (moved) {
        /* The slot moved (a failover): wait for the new primary, then re-send. */
        snprintf(r->redirect_host, sizeof(r->redirect_host), "%s", host);
        r->redirect_port = port;
        r->redirecting = 1;
        p->waiting = 1;
        retire(r, "the cluster moved the {kz} slot", 0);
        return 1;
    }
    /* A slot being migrated: this once, ask the target node directly. */
    char *asking = NULL;
    const char *argv[] = {"ASKING"};
    int len = redisFormatCommandArgv(&asking, 1, argv, NULL);
    const char *cmds[] = {asking, p->cmd};
    const size_t lens[] = {(size_t)len, p->len};
    p->ask = gw_redis_ask_start(r->base, r->dns, host, port, r->target.password, r->timeout_ms,
                                cmds, lens, 2, on_asked, p);
    redisFreeCommand(asking);
    return 1;
}

static void
on_reply(redisAsyncContext *ac, void *reply_, void *privdata)
{
    struct pending *p = privdata;
    struct gw_redis *r = p->r;
    redisReply *reply = reply_;
    enum gw_redis_error_kind kind;

    p->in_hiredis = 0;
    if (ac->data == NULL) {
        /* The connection is being freed: whatever it held may have run. */
        if (!p->waiting)
            pending_finish(p, NULL, GW_REDIS_DISCONNECTED);
        pending_release(p);
        return;
    }
    r->inflight--;
    if (reply == NULL) {
        if (!p->waiting)
            pending_finish(p, NULL, GW_REDIS_DISCONNECTED);
        pending_release(p);
        return;
    }
    if (reply->type != REDIS_REPLY_ERROR) {
        if (p->waits > 0 && !p->done)
            p->held = reply_copy(reply); /* answered once the WAIT after it is */
        else
            pending_finish(p, reply, GW_REDIS_DISCONNECTED);
        pending_release(p);
        drained(r);
        return;
    }
    /* After a Redis restart its script cache is empty: load, then send again. */
    if (p->script != NULL && !p->done && strncmp(reply->str, "NOSCRIPT", 8) == 0 &&
        p->redirects == 0 && r->ac != NULL) {
        const char *load[] = {"SCRIPT", "LOAD", p->script->source};
        internal(r, NULL, 3, load);
        p->redirects++;
        if (send_write(r, p) == 0)
            return;
    }
    if (follow_redirect(r, p, reply->str)) {
        drained(r);
        return;
    }
    kind = gw_redis_classify_reply(reply->str);
    /* Not (or no longer) the primary: find it again. OOM and script errors keep the connection. */
    if (kind == GW_REDIS_READONLY || kind == GW_REDIS_MASTERDOWN || kind == GW_REDIS_LOADING)
        retire(r, reply->str, kind == GW_REDIS_LOADING ? LOADING_RETRY_MS : 0);
    pending_finish(p, reply, GW_REDIS_DISCONNECTED);
    pending_release(p);
    drained(r);
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

/* The health check came back (or its connection is gone). */
static void
on_health(redisReply *reply, const struct gw_redis_error *err, void *privdata)
{
    struct gw_redis *r = privdata;
    r->ping_sent_ms = 0;
    if (err == NULL && reply->type == REDIS_REPLY_STRING)
        r->replicas_online = replicas_in_sync(reply->str);
}

static void
health_check(struct gw_redis *r)
{
    /* INFO replication also says which replicas a durable write can wait for. */
    const char *info[] = {"INFO", "replication"};
    const char *ping[] = {"PING"};
    if (r->min_replicas > 0)
        internal(r, on_health, 2, info);
    else
        internal(r, on_health, 1, ping);
}

/* --- timers -------------------------------------------------------------------------- */

static void
on_tick(evutil_socket_t fd, short what, void *arg)
{
    struct gw_redis *r = arg;
    int64_t now = gw_now_ms();
    (void)fd;
    (void)what;

    /* Deadlines fail only their own command; the connection stays. */
    while (r->live_head != NULL && r->live_head->deadline_ms <= now) {
        struct pending *p = r->live_head;
        int sent = p->in_hiredis || p->ask != NULL;
        pending_finish(p, NULL, sent ? GW_REDIS_TIMEOUT : GW_REDIS_UNAVAILABLE);
        pending_release(p);
    }
    if (r->state == S_READY) {
        /* A connection is dead when its health PING does not come back. */
        if (r->ping_sent_ms != 0 && now - r->ping_sent_ms > r->timeout_ms) {
            reset(r, "no reply to the health check", -1);
        } else if (r->ping_sent_ms == 0 && now - r->last_ping_ms >= PING_EVERY_MS) {
            r->ping_sent_ms = r->last_ping_ms = now;
            health_check(r);
        }
    } else if (r->state == S_DRAINING && now - r->state_since > r->timeout_ms) {
        reset(r, r->drain_reason, r->drain_delay_ms);
    } else if (r->state != S_IDLE && r->state != S_DRAINING &&
               now - r->state_since > 2 * r->timeout_ms) {
        reset(r, r->state == S_DISCOVERING ? "looking for the primary took too long"
                 : r->state == S_CONNECTING ? "connect timeout" : "handshake timeout", -1);
    }
}

/* --- public API ---------------------------------------------------------------------- */

static void
submit_pending(struct gw_redis *r, struct pending *p, int durable)
{
    p->durable = durable;
    p->deadline_ms = gw_now_ms() + r->timeout_ms;
    live_append(r, p);
    if (!r->freeing && r->state != S_READY && r->redirecting) {
        p->waiting = 1; /* a known new primary is on its way */
        return;
    }
    if (r->freeing || r->state != S_READY || send_write(r, p) != 0)
        refuse(r, p, GW_REDIS_UNAVAILABLE);
}

static void
submit(struct gw_redis *r, const struct gw_redis_script *script, int durable, gw_redis_cb cb,
       void *privdata, int argc, const char **argv, const size_t *argvlen)
{
    submit_pending(r, pending_new(r, script, cb, privdata, argc, argv, argvlen), durable);
}

void
gw_redis_command(struct gw_redis *r, gw_redis_cb cb, void *privdata, int argc,
                 const char **argv, const size_t *argvlen)
{
    submit(r, NULL, 0, cb, privdata, argc, argv, argvlen);
}

void
gw_redis_eval_args(struct gw_redis *r, const struct gw_redis_script *script,
                   struct gw_redis_args *a, gw_redis_cb cb, void *privdata)
{
    size_t len;
    char *cmd = gw_redis_args_command(script, a, &len);

    submit_pending(r, pending_take(r, script, cb, privdata, cmd, len), a->durable);
    gw_redis_args_clear(a);
}

struct gw_redis *
gw_redis_new(struct event_base *base, const struct gw_redis_config *cfg,
             gw_redis_state_cb on_state, void *arg)
{
    struct gw_redis *r = calloc(1, sizeof(*r));
    struct timeval tick = ms_to_tv(TICK_MS);

    if (r == NULL)
        return NULL;
    r->base = base;
    r->timeout_ms = cfg->timeout_ms;
    r->min_replicas = cfg->min_replicas;
    r->errors = cfg->errors;
    r->on_state = on_state;
    r->arg = arg;
    r->backoff_ms = BACKOFF_MIN_MS;
    r->refused_tail = &r->refused_head;
    r->watch_sentinel = -1;
    /* Names resolve without blocking the loop: /etc/resolv.conf and /etc/hosts. */
    r->dns = evdns_base_new(base, EVDNS_BASE_INITIALIZE_NAMESERVERS);
    if (r->dns == NULL)
        r->dns = evdns_base_new(base, 0);
    if (r->dns != NULL)
        evdns_base_load_hosts(r->dns, NULL);
    r->tick = event_new(base, -1, EV_PERSIST, on_tick, r);
    r->retry_timer = evtimer_new(base, on_retry, r);
    r->refused_ev = event_new(base, -1, 0, on_refused, r);
    r->flush_ev = event_new(base, -1, 0, on_flush_wait, r);
    if (r->flush_ev == NULL || gw_redis_target_copy(&r->target, cfg->target) != 0 ||
        (r->probe_key = strdup(cfg->probe_key)) == NULL || r->dns == NULL || r->tick == NULL ||
        r->retry_timer == NULL || r->refused_ev == NULL) {
        gw_redis_free(r);
        return NULL;
    }
    event_add(r->tick, &tick);
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
    return r->state == S_READY;
}

void
gw_redis_free(struct gw_redis *r)
{
    if (r == NULL)
        return;
    r->freeing = 1;
    gw_sentinel_watch_stop(r->watch);
    gw_discovery_cancel(r->discovery);
    gw_resolve_cancel(r->resolve);
    if (r->ac != NULL) {
        redisAsyncContext *ac = r->ac;
        r->ac = NULL;
        ac->data = NULL;
        r->state = S_IDLE;
        redisAsyncFree(ac); /* commands it holds get DISCONNECTED */
    }
    drop_group(r);
    /* Redirected and ASKed commands, then the refused ones. */
    while (r->live_head != NULL) {
        struct pending *p = r->live_head;
        int sent = p->ask != NULL;
        gw_redis_ask_cancel(p->ask);
        p->ask = NULL;
        pending_finish(p, NULL, sent ? GW_REDIS_DISCONNECTED : GW_REDIS_UNAVAILABLE);
        pending_release(p);
    }
    if (r->refused_ev != NULL)
        on_refused(-1, 0, r);
    if (r->tick != NULL)
        event_free(r->tick);
    if (r->retry_timer != NULL)
        event_free(r->retry_timer);
    if (r->refused_ev != NULL)
        event_free(r->refused_ev);
    if (r->flush_ev != NULL)
        event_free(r->flush_ev);
    if (r->dns != NULL)
        evdns_base_free(r->dns, 0);
    gw_redis_target_clear(&r->target);
    free(r->probe_key);
    free(r);
}
