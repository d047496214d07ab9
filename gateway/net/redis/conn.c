/* The connection to the primary: connect, handshake, health, reset and reconnect. */
#include "gateway/net/redis/conn.h"

#include <event2/event.h>
#include <hiredis/adapters/libevent.h>
#ifdef KAIZEN_HAVE_TLS
#include <hiredis/hiredis_ssl.h>
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include "gateway/net/redis/pending.h"
#include "gateway/net/redis/resolve.h"
#include "gateway/net/redis/tls.h"
#include "gateway/util/clock.h"
#include "gateway/util/log.h"
#include "gateway/util/prometheus.h"

#define PING_EVERY_MS 1000     /* health check of a ready connection */
#define BACKOFF_MIN_MS 100
#define BACKOFF_MAX_MS 2000    /* reconnects spread out but never wait long */
#define LOADING_RETRY_MS 100   /* a restarting Redis is ready soon */

static void connect_now(struct gw_redis_conn *c);

#ifdef KAIZEN_HAVE_TLS
static void
count_tls(const struct gw_redis_dial *d)
{
    const char *labels[] = {gw_redis_error_name(GW_REDIS_TLS)};
    if (d->errors != NULL)
        gw_metric_inc(d->errors, labels, 1);
}
#endif

/* Starts TLS on ac (not attached yet). @return 0, or -1 with the reason in why (counted). */
static int
start_tls(const struct gw_redis_dial *d, redisAsyncContext *ac, const char *host, char *why,
          size_t whylen)
{
#ifdef KAIZEN_HAVE_TLS
    SSL *ssl = gw_redis_tls_new(&d->target->tls, host, why, whylen);

    if (ssl != NULL && redisInitiateSSL(&ac->c, ssl) != REDIS_OK) {
        if (!gw_redis_tls_failure(ssl, ac->c.errstr, why, whylen))
            snprintf(why, whylen, "TLS: %s", ac->c.errstr);
        SSL_free(ssl); /* hiredis takes it only on success */
        ssl = NULL;
    }
    if (ssl == NULL) {
        count_tls(d);
        return -1;
    }
    ac->c.privdata = ssl; /* hiredis owns and frees it; gw_redis_conn_failure reads it */
    return 0;
#else
    (void)ac;
    (void)host;
    (void)d;
    snprintf(why, whylen, "this build has no TLS");
    return -1;
#endif
}

redisAsyncContext *
gw_redis_conn_open(const struct gw_redis_dial *d, const char *host, const char *ip, int port,
                   const char *path, void *data, redisConnectCallback *on_connect,
                   redisDisconnectCallback *on_disconnect, char *why, size_t whylen)
{
    redisAsyncContext *ac = path != NULL ? redisAsyncConnectUnix(path) : redisAsyncConnect(ip, port);

    if (ac == NULL || ac->err) {
        snprintf(why, whylen, "%s", ac != NULL ? ac->errstr : "out of memory");
        if (ac != NULL)
            redisAsyncFree(ac);
        return NULL;
    }
    /* Never plaintext instead: a connection that cannot start TLS is not made. */
    if (path == NULL && d->target->tls.on && start_tls(d, ac, host, why, whylen) != 0) {
        redisAsyncFree(ac);
        return NULL;
    }
    redisLibeventAttach(ac, d->base);
    ac->data = data;
    redisAsyncSetConnectCallback(ac, on_connect);
    redisAsyncSetDisconnectCallback(ac, on_disconnect);
    return ac;
}

int
gw_redis_conn_failure(const struct gw_redis_dial *d, const redisAsyncContext *ac, char *why,
                      size_t whylen)
{
    const char *closed = ac->errstr[0] ? ac->errstr : "closed by the server";
#ifdef KAIZEN_HAVE_TLS
    if (ac->c.privdata != NULL) {
        if (!gw_redis_tls_failure(ac->c.privdata, closed, why, whylen))
            return 0;
        count_tls(d);
        return 1;
    }
#else
    (void)d;
#endif
    snprintf(why, whylen, "%s", closed);
    return 0;
}

int
gw_redis_conn_timed_out(const struct gw_redis_dial *d, const redisAsyncContext *ac, char *why,
                        size_t whylen)
{
#ifdef KAIZEN_HAVE_TLS
    if (ac != NULL && ac->c.privdata != NULL &&
        gw_redis_tls_unfinished(ac->c.privdata, why, whylen)) {
        count_tls(d);
        return 1;
    }
#else
    (void)d;
    (void)ac;
    (void)why;
    (void)whylen;
#endif
    return 0;
}

int
gw_redis_auth_argv(const struct gw_redis_auth *who, const char *argv[3])
{
    int argc = 0;

    if (who->password == NULL)
        return 0;
    argv[argc++] = "AUTH";
    if (who->username != NULL)
        argv[argc++] = who->username;
    argv[argc++] = who->password;
    return argc;
}

void
gw_redis_conn_drop(redisAsyncContext **acp)
{
    redisAsyncContext *ac = *acp;

    if (ac == NULL)
        return;
    *acp = NULL;
    ac->data = NULL;
    redisAsyncFree(ac); /* deferred by hiredis when inside one of its callbacks */
}

static void
set_state(struct gw_redis_conn *c, enum gw_redis_conn_state s)
{
    int was_ready = c->state == GW_REDIS_CONN_READY;
    c->state = s;
    c->state_since = gw_now_ms();
    if (was_ready != (s == GW_REDIS_CONN_READY) && !c->closing)
        c->cfg.hooks.state(s == GW_REDIS_CONN_READY, c->cfg.arg);
}

static void
schedule_connect(struct gw_redis_conn *c, int64_t delay_ms)
{
    struct timeval tv = {(time_t)(delay_ms / 1000), (suseconds_t)((delay_ms % 1000) * 1000)};
    if (c->closing)
        return;
    evtimer_add(c->retry_timer, &tv);
}

/* The next reconnect: exponential, +-25 % jitter so replicas spread out. */
static int64_t
next_backoff(struct gw_redis_conn *c)
{
    int64_t delay = c->backoff_ms + (c->backoff_ms * ((rand() % 51) - 25)) / 100;
    c->backoff_ms = c->backoff_ms * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : c->backoff_ms * 2;
    return delay;
}

void
gw_redis_conn_reset(struct gw_redis_conn *c, const char *why, int64_t delay_ms)
{
    if (c->state == GW_REDIS_CONN_IDLE && c->ac == NULL)
        return;
    if (why != NULL)
        gw_log(GW_LOG_WARN, "redis connection reset", "reason", why, "node", c->node, NULL);
    gw_resolve_cancel(c->resolve);
    c->resolve = NULL;
    c->ping_sent_ms = 0;
    c->inflight = 0;
    if (delay_ms < 0)
        c->redirecting = 0; /* a failure, not a known move: new commands fail fast */
    set_state(c, GW_REDIS_CONN_IDLE);
    gw_redis_conn_drop(&c->ac); /* fails what hiredis holds */
    c->cfg.hooks.closed(c->cfg.arg);
    schedule_connect(c, delay_ms >= 0 ? delay_ms : next_backoff(c));
}

void
gw_redis_conn_retire(struct gw_redis_conn *c, const char *why, int64_t delay_ms)
{
    if (c->state == GW_REDIS_CONN_DRAINING || c->state == GW_REDIS_CONN_IDLE)
        return;
    gw_log(GW_LOG_WARN, "redis node is not the primary now", "reason", why, "node", c->node,
           NULL);
    snprintf(c->drain_reason, sizeof(c->drain_reason), "%s", why);
    c->drain_delay_ms = delay_ms;
    set_state(c, GW_REDIS_CONN_DRAINING);
}

void
gw_redis_conn_error_reply(struct gw_redis_conn *c, enum gw_redis_error_kind kind,
                          const char *text)
{
    /* Not (or no longer) the primary: find it again. OOM and script errors keep the connection. */
    if (kind == GW_REDIS_READONLY || kind == GW_REDIS_MASTERDOWN || kind == GW_REDIS_LOADING)
        gw_redis_conn_retire(c, text, kind == GW_REDIS_LOADING ? LOADING_RETRY_MS : 0);
}

static void
drained(struct gw_redis_conn *c)
{
    if (c->state == GW_REDIS_CONN_DRAINING && c->inflight == 0)
        gw_redis_conn_reset(c, NULL, c->drain_delay_ms);
}

static void
on_reply(redisAsyncContext *ac, void *reply_, void *privdata)
{
    struct gw_redis_pending *p = privdata;
    struct gw_redis_conn *c = ac->data;
    redisReply *reply = reply_;

    p->in_hiredis = 0;
    if (c != NULL)
        c->inflight--;
    if (c == NULL || reply == NULL) {
        /* The connection is being freed (by us or by hiredis): whatever it held may have run. */
        if (!p->waiting)
            gw_redis_pending_finish(p, NULL, GW_REDIS_DISCONNECTED);
        gw_redis_pending_release(p);
        return;
    }
    c->cfg.hooks.reply(p, reply, c->cfg.arg);
    drained(c);
}

int
gw_redis_conn_send(struct gw_redis_conn *c, struct gw_redis_pending *p)
{
    if (c->ac == NULL ||
        redisAsyncFormattedCommand(c->ac, on_reply, p, p->cmd, p->len) != REDIS_OK)
        return -1;
    p->in_hiredis = 1;
    c->inflight++;
    return 0;
}

int
gw_redis_conn_internal(struct gw_redis_conn *c, gw_redis_cb cb, void *privdata, int argc,
                       const char **argv)
{
    struct gw_redis_pending *p = gw_redis_pending_argv(c->cfg.queue, cb, privdata, argc, argv,
                                                       NULL);
    if (gw_redis_conn_send(c, p) != 0) {
        p->done = 1;
        gw_redis_pending_release(p);
        return -1;
    }
    return 0;
}

/* --- the handshake ------------------------------------------------------------------- */

/* A handshake command failed (AUTH, SELECT, ROLE or the probe write). */
static void
handshake_failed(struct gw_redis_conn *c, const struct gw_redis_error *err)
{
    if (err->kind == GW_REDIS_LOADING) {
        gw_log(GW_LOG_INFO, "redis is loading its data; retrying soon", "node", c->node, NULL);
        gw_redis_conn_reset(c, NULL, LOADING_RETRY_MS);
    } else if (err->kind == GW_REDIS_UNAVAILABLE || err->kind == GW_REDIS_DISCONNECTED) {
        /* the connection went away; its disconnect callback reconnects */
    } else {
        gw_log(GW_LOG_ERROR, "redis handshake failed", "node", c->node, "reply", err->text, NULL);
        gw_redis_conn_reset(c, NULL, -1);
    }
}

static void
on_handshake_step(redisReply *reply, const struct gw_redis_error *err, void *privdata)
{
    struct gw_redis_conn *c = privdata;
    (void)reply;
    if (err != NULL && c->state == GW_REDIS_CONN_HANDSHAKE)
        handshake_failed(c, err);
}

/* ROLE must say "master": a Sentinel's answer may be stale during a failover. */
static void
on_role(redisReply *reply, const struct gw_redis_error *err, void *privdata)
{
    struct gw_redis_conn *c = privdata;
    if (c->state != GW_REDIS_CONN_HANDSHAKE)
        return;
    if (err != NULL) {
        handshake_failed(c, err);
    } else if (reply->type != REDIS_REPLY_ARRAY || reply->elements < 1 ||
               reply->element[0]->type != REDIS_REPLY_STRING ||
               strcmp(reply->element[0]->str, "master") != 0) {
        gw_log(GW_LOG_WARN, "redis node is not the primary (yet)", "node", c->node, NULL);
        gw_redis_conn_reset(c, NULL, -1);
    }
}

static void
on_probe(redisReply *reply, const struct gw_redis_error *err, void *privdata)
{
    struct gw_redis_conn *c = privdata;
    (void)reply;
    if (c->state != GW_REDIS_CONN_HANDSHAKE)
        return;
    if (err != NULL) {
        handshake_failed(c, err);
        return;
    }
    c->backoff_ms = BACKOFF_MIN_MS;
    c->redirecting = 0;
    gw_log(GW_LOG_INFO, "redis connected; writes succeed", "node", c->node, NULL);
    set_state(c, GW_REDIS_CONN_READY);
}

/* The health check (or the handshake's INFO) came back, or its connection is gone. */
static void
on_health(redisReply *reply, const struct gw_redis_error *err, void *privdata)
{
    struct gw_redis_conn *c = privdata;
    c->ping_sent_ms = 0;
    if (err == NULL && reply->type == REDIS_REPLY_STRING)
        c->cfg.hooks.info(reply->str, c->cfg.arg);
}

static void
health_check(struct gw_redis_conn *c)
{
    /* INFO replication also says which replicas a durable write can wait for. */
    const char *info[] = {"INFO", "replication"};
    const char *ping[] = {"PING"};
    if (c->cfg.read_info)
        gw_redis_conn_internal(c, on_health, c, 2, info);
    else
        gw_redis_conn_internal(c, on_health, c, 1, ping);
}

static void
handshake(struct gw_redis_conn *c)
{
    const struct gw_redis_target *t = c->cfg.dial->target;
    const char *auth[3];
    int auth_argc = gw_redis_auth_argv(&t->auth, auth);
    char db[16];

    set_state(c, GW_REDIS_CONN_HANDSHAKE);
    snprintf(db, sizeof(db), "%d", t->db);
    if (auth_argc > 0)
        gw_redis_conn_internal(c, on_handshake_step, c, auth_argc, auth);
    if (t->db != 0) {
        const char *select[] = {"SELECT", db};
        gw_redis_conn_internal(c, on_handshake_step, c, 2, select);
    }
    if (t->kind == GW_REDIS_SENTINEL) {
        const char *role[] = {"ROLE"};
        gw_redis_conn_internal(c, on_role, c, 1, role);
    }
    if (c->cfg.read_info) {
        const char *info[] = {"INFO", "replication"};
        gw_redis_conn_internal(c, on_health, c, 2, info);
    }
    /* Ready once a write succeeds: a replica, a demoted primary or a node
     * that does not own the slot refuses it. */
    const char *probe[] = {"SET", c->probe_key, "1", "PX", "60000"};
    gw_redis_conn_internal(c, on_probe, c, 5, probe);
}

/* --- connecting ---------------------------------------------------------------------- */

static void
on_connect(const redisAsyncContext *ac, int status)
{
    struct gw_redis_conn *c = ac->data;
    if (c == NULL)
        return;
    if (status != REDIS_OK) {
        char why[300];
        gw_redis_conn_failure(c->cfg.dial, ac, why, sizeof(why));
        gw_log(GW_LOG_WARN, "redis connect failed", "node", c->node, "reason", why, NULL);
        ((redisAsyncContext *)ac)->data = NULL;
        c->ac = NULL; /* hiredis frees it after this callback */
        gw_redis_conn_reset(c, NULL, -1);
        return;
    }
    handshake(c);
}

static void
on_disconnect(const redisAsyncContext *ac, int status)
{
    struct gw_redis_conn *c = ac->data;
    char why[300];
    (void)status;
    if (c == NULL)
        return; /* we closed it */
    c->ac = NULL; /* hiredis frees ac after this callback */
    gw_redis_conn_failure(c->cfg.dial, ac, why, sizeof(why));
    gw_redis_conn_reset(c, why, -1);
}

/* Connects to ip:port, or to the URL's unix socket when ip is NULL. */
static void
attach(struct gw_redis_conn *c, const char *ip)
{
    char why[300];
    redisAsyncContext *ac = gw_redis_conn_open(c->cfg.dial, c->node_host, ip, c->node_port,
                                               ip == NULL ? c->cfg.dial->target->path : NULL, c,
                                               on_connect, on_disconnect, why, sizeof(why));
    if (ac == NULL) {
        gw_log(GW_LOG_WARN, "redis connect failed", "node", c->node, "reason", why, NULL);
        gw_redis_conn_reset(c, NULL, -1);
        return;
    }
    c->ac = ac;
    set_state(c, GW_REDIS_CONN_CONNECTING);
}

static void
on_resolved(const char *ip, const char *error, void *arg)
{
    struct gw_redis_conn *c = arg;
    c->resolve = NULL;
    if (ip == NULL) {
        gw_log(GW_LOG_WARN, "redis host not resolved", "node", c->node, "error", error, NULL);
        gw_redis_conn_reset(c, NULL, -1);
        return;
    }
    attach(c, ip);
}

static void
go_to(struct gw_redis_conn *c, const char *host, int port)
{
    snprintf(c->node, sizeof(c->node), "%s:%d", host, port);
    snprintf(c->node_host, sizeof(c->node_host), "%s", host);
    c->node_port = port;
    c->resolve = gw_resolve_start(c->cfg.dial->base, c->cfg.dial->dns, host, on_resolved, c);
}

void
gw_redis_conn_found(struct gw_redis_conn *c, const char *host, int port, const char *error)
{
    if (host == NULL) {
        gw_log(GW_LOG_WARN, "redis primary not found", "error", error, NULL);
        gw_redis_conn_reset(c, NULL, -1);
        return;
    }
    go_to(c, host, port);
}

void
gw_redis_conn_redirect(struct gw_redis_conn *c, const char *host, int port)
{
    snprintf(c->redirect_host, sizeof(c->redirect_host), "%s", host);
    c->redirect_port = port;
    c->redirecting = 1;
}

static void
connect_now(struct gw_redis_conn *c)
{
    set_state(c, GW_REDIS_CONN_DISCOVERING);
    if (c->cfg.dial->target->kind == GW_REDIS_UNIX) {
        snprintf(c->node, sizeof(c->node), "unix:%s", c->cfg.dial->target->path);
        attach(c, NULL);
    } else if (c->redirect_host[0] != '\0') {
        char host[sizeof(c->redirect_host)];
        snprintf(host, sizeof(host), "%s", c->redirect_host);
        c->redirect_host[0] = '\0';
        go_to(c, host, c->redirect_port);
    } else {
        c->cfg.hooks.locate(c->cfg.arg);
    }
}

static void
on_retry(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    connect_now(arg);
}

/* --- the rest of the life ------------------------------------------------------------- */

void
gw_redis_conn_tick(struct gw_redis_conn *c, int64_t now)
{
    if (c->state == GW_REDIS_CONN_READY) {
        /* A connection is dead when its health check does not come back. */
        if (c->ping_sent_ms != 0 && now - c->ping_sent_ms > c->cfg.timeout_ms) {
            gw_redis_conn_reset(c, "no reply to the health check", -1);
        } else if (c->ping_sent_ms == 0 && now - c->last_ping_ms >= PING_EVERY_MS) {
            c->ping_sent_ms = c->last_ping_ms = now;
            health_check(c);
        }
    } else if (c->state == GW_REDIS_CONN_DRAINING && now - c->state_since > c->cfg.timeout_ms) {
        gw_redis_conn_reset(c, c->drain_reason, c->drain_delay_ms);
    } else if (c->state != GW_REDIS_CONN_IDLE && c->state != GW_REDIS_CONN_DRAINING &&
               now - c->state_since > 2 * c->cfg.timeout_ms) {
        char why[200];
        if (!gw_redis_conn_timed_out(c->cfg.dial, c->ac, why, sizeof(why)))
            snprintf(why, sizeof(why), "%s",
                     c->state == GW_REDIS_CONN_DISCOVERING ? "looking for the primary took too long"
                     : c->state == GW_REDIS_CONN_CONNECTING ? "connect timeout"
                                                            : "handshake timeout");
        gw_redis_conn_reset(c, why, -1);
    }
}

int
gw_redis_conn_ready(const struct gw_redis_conn *c)
{
    return c->state == GW_REDIS_CONN_READY;
}

int
gw_redis_conn_awaiting(const struct gw_redis_conn *c)
{
    return !c->closing && c->state != GW_REDIS_CONN_READY && c->redirecting;
}

int
gw_redis_conn_init(struct gw_redis_conn *c, const struct gw_redis_conn_config *cfg)
{
    memset(c, 0, sizeof(*c));
    c->cfg = *cfg;
    c->backoff_ms = BACKOFF_MIN_MS;
    c->probe_key = strdup(cfg->probe_key);
    c->cfg.probe_key = c->probe_key;
    c->retry_timer = evtimer_new(cfg->dial->base, on_retry, c);
    return c->probe_key != NULL && c->retry_timer != NULL ? 0 : -1;
}

void
gw_redis_conn_start(struct gw_redis_conn *c)
{
    connect_now(c);
}

void
gw_redis_conn_clear(struct gw_redis_conn *c)
{
    c->closing = 1;
    gw_resolve_cancel(c->resolve);
    c->resolve = NULL;
    if (c->ac != NULL)
        c->state = GW_REDIS_CONN_IDLE;
    gw_redis_conn_drop(&c->ac); /* commands it holds get DISCONNECTED */
    if (c->retry_timer != NULL)
        event_free(c->retry_timer);
    c->retry_timer = NULL;
    free(c->probe_key);
    c->probe_key = NULL;
}
