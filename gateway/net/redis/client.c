/*
 * The client of net/redis.h: struct gw_redis holds one part per concern
 * and glues them together. The parts call down only (client -> durable,
 * cluster, sentinel -> conn -> pending); what a lower part tells a higher
 * one goes through the connection's hooks, answered here.
 */
#include "gateway/net/redis.h"

#include <event2/dns.h>
#include <event2/event.h>
#include <stdlib.h>
#include <string.h>

#include "gateway/net/redis/args.h"
#include "gateway/net/redis/cluster.h"
#include "gateway/net/redis/conn.h"
#include "gateway/net/redis/discover.h"
#include "gateway/net/redis/durable.h"
#include "gateway/net/redis/error.h"
#include "gateway/net/redis/pending.h"
#include "gateway/net/redis/sentinel.h"
#include "gateway/net/redis/url.h"
#include "gateway/util/clock.h"
#include "gateway/util/prometheus.h"

#define TICK_MS 100            /* deadlines, health checks and phase timeouts */

struct gw_redis {
    struct event_base *base;
    struct evdns_base *dns;             /* names resolve without blocking the loop */
    struct gw_redis_target target;      /* a copy of the config's; the parts borrow it */
    struct gw_redis_dial dial;          /* how every connection is made; the parts borrow it */
    int64_t timeout_ms;
    gw_redis_state_cb on_state;
    void *arg;
    struct event *tick;

    struct gw_redis_queue queue;        /* pending.c: the commands */
    struct gw_redis_conn conn;          /* conn.c: the connection to the primary */
    struct gw_redis_durable durable;    /* durable.c: WAIT after durable writes */
    struct gw_redis_cluster cluster;    /* cluster.c: MOVED and ASK */
    struct gw_redis_sentinel sentinel;  /* sentinel.c: +switch-master */
    struct gw_discovery *discovery;     /* discover.c: the search for the primary under way */
};

/* --- the connection's hooks ------------------------------------------------------- */

static void
on_discovered(const char *host, int port, int sentinel, const char *error, void *arg)
{
    struct gw_redis *r = arg;
    r->discovery = NULL;
    /* Follow failovers: watch the Sentinel that answered. */
    if (host != NULL && sentinel >= 0)
        gw_redis_sentinel_follow(&r->sentinel, sentinel);
    gw_redis_conn_found(&r->conn, host, port, error);
}

static void
locate(void *arg)
{
    struct gw_redis *r = arg;
    r->discovery = gw_discover(&r->dial, r->timeout_ms, on_discovered, r);
}

/* Sends what waited for a new primary (MOVED, +switch-master). */
static void
send_waiting(struct gw_redis *r)
{
    for (struct gw_redis_pending *p = r->queue.live_head; p != NULL; p = p->next) {
        if (!p->waiting)
            continue;
        p->waiting = 0;
        if (gw_redis_durable_send(&r->durable, p) != 0) {
            gw_redis_pending_finish(p, NULL, GW_REDIS_UNAVAILABLE);
            gw_redis_pending_release(p);
            return; /* the list changed; the connection is gone anyway */
        }
    }
}

static void
on_conn_state(int up, void *arg)
{
    struct gw_redis *r = arg;
    if (r->on_state != NULL)
        r->on_state(up, r->arg);
    if (up)
        send_waiting(r);
}

static void
on_conn_reply(struct gw_redis_pending *p, redisReply *reply, void *arg)
{
    struct gw_redis *r = arg;

    if (reply->type != REDIS_REPLY_ERROR) {
        gw_redis_pending_reply(p, reply);
        return;
    }
    /* After a Redis restart its script cache is empty: load, then send again. */
    if (p->script != NULL && !p->done && strncmp(reply->str, "NOSCRIPT", 8) == 0 &&
        p->redirects == 0) {
        const char *load[] = {"SCRIPT", "LOAD", p->script->source};
        gw_redis_conn_internal(&r->conn, NULL, NULL, 3, load);
        p->redirects++;
        if (gw_redis_durable_send(&r->durable, p) == 0)
            return;
    }
    if (gw_redis_cluster_follow(&r->cluster, p, reply->str))
        return;
    gw_redis_conn_error_reply(&r->conn, gw_redis_classify_reply(reply->str), reply->str);
    gw_redis_pending_finish(p, reply, GW_REDIS_DISCONNECTED);
    gw_redis_pending_release(p);
}

static void
on_conn_info(const char *text, void *arg)
{
    struct gw_redis *r = arg;
    gw_redis_durable_info(&r->durable, text);
}

static void
on_conn_closed(void *arg)
{
    struct gw_redis *r = arg;
    gw_discovery_cancel(r->discovery);
    r->discovery = NULL;
    gw_redis_durable_lost(&r->durable);
}

/* Deadlines fail only their own command; the connection stays. */
static void
on_tick(evutil_socket_t fd, short what, void *arg)
{
    struct gw_redis *r = arg;
    int64_t now = gw_now_ms();
    (void)fd;
    (void)what;

    gw_redis_queue_expire(&r->queue, now);
    gw_redis_conn_tick(&r->conn, now);
}

/* --- public API ---------------------------------------------------------------------- */

static void
submit(struct gw_redis *r, struct gw_redis_pending *p, int durable)
{
    p->durable = durable;
    gw_redis_queue_add(&r->queue, p, gw_now_ms() + r->timeout_ms);
    if (gw_redis_conn_awaiting(&r->conn)) {
        p->waiting = 1; /* a known new primary is on its way */
        return;
    }
    if (!gw_redis_conn_ready(&r->conn) || gw_redis_durable_send(&r->durable, p) != 0)
        gw_redis_queue_refuse(&r->queue, p, GW_REDIS_UNAVAILABLE);
}

void
gw_redis_command(struct gw_redis *r, gw_redis_cb cb, void *privdata, int argc,
                 const char **argv, const size_t *argvlen)
{
    submit(r, gw_redis_pending_argv(&r->queue, cb, privdata, argc, argv, argvlen), 0);
}

void
gw_redis_eval_args(struct gw_redis *r, const struct gw_redis_script *script,
                   struct gw_redis_args *a, gw_redis_cb cb, void *privdata)
{
    size_t len;
    char *cmd = gw_redis_args_command(script, a, &len);

    submit(r, gw_redis_pending_new(&r->queue, script, cb, privdata, cmd, len), a->durable);
    gw_redis_args_clear(a);
}

struct gw_redis *
gw_redis_new(struct event_base *base, const struct gw_redis_config *cfg,
             gw_redis_state_cb on_state, void *arg)
{
    struct gw_redis *r = calloc(1, sizeof(*r));
    struct timeval tick = {0, TICK_MS * 1000};
    struct gw_redis_conn_config conn = {
        .timeout_ms = cfg->timeout_ms,
        .probe_key = cfg->probe_key,
        .read_info = cfg->min_replicas > 0,
        .hooks = {.locate = locate, .state = on_conn_state, .reply = on_conn_reply,
                  .info = on_conn_info, .closed = on_conn_closed},
    };

    if (r == NULL)
        return NULL;
    r->base = base;
    r->timeout_ms = cfg->timeout_ms;
    r->on_state = on_state;
    r->arg = arg;
    /* Names resolve without blocking the loop: /etc/resolv.conf and /etc/hosts. */
    r->dns = evdns_base_new(base, EVDNS_BASE_INITIALIZE_NAMESERVERS);
    if (r->dns == NULL)
        r->dns = evdns_base_new(base, 0);
    if (r->dns != NULL)
        evdns_base_load_hosts(r->dns, NULL);
    r->dial = (struct gw_redis_dial){base, r->dns, &r->target, cfg->errors};
    conn.dial = &r->dial;
    conn.queue = &r->queue;
    conn.arg = r;
    r->cluster = (struct gw_redis_cluster){.dial = &r->dial, .timeout_ms = cfg->timeout_ms,
                                           .conn = &r->conn};
    gw_redis_sentinel_init(&r->sentinel, &r->dial, &r->conn);
    r->tick = event_new(base, -1, EV_PERSIST, on_tick, r);
    if (r->dns == NULL || r->tick == NULL || gw_redis_target_copy(&r->target, cfg->target) != 0 ||
        gw_redis_queue_init(&r->queue, base, cfg->errors) != 0 ||
        gw_redis_conn_init(&r->conn, &conn) != 0 ||
        gw_redis_durable_init(&r->durable, base, &r->conn, cfg->min_replicas) != 0) {
        gw_redis_free(r);
        return NULL;
    }
    event_add(r->tick, &tick);
    if (r->target.tls.on && cfg->errors != NULL) {
        const char *tls[] = {gw_redis_error_name(GW_REDIS_TLS)};
        gw_metric_inc(cfg->errors, tls, 0); /* exported from the start: rate() sees the first */
    }
    return r;
}

void
gw_redis_start(struct gw_redis *r)
{
    gw_redis_conn_start(&r->conn);
}

int
gw_redis_ready(const struct gw_redis *r)
{
    return gw_redis_conn_ready(&r->conn);
}

void
gw_redis_free(struct gw_redis *r)
{
    if (r == NULL)
        return;
    gw_redis_sentinel_clear(&r->sentinel);
    gw_discovery_cancel(r->discovery);
    gw_redis_conn_clear(&r->conn);  /* commands hiredis holds get DISCONNECTED */
    gw_redis_durable_clear(&r->durable);
    /* Redirected and ASKed commands, then the refused ones. */
    while (r->queue.live_head != NULL) {
        struct gw_redis_pending *p = r->queue.live_head;
        int sent = gw_redis_cluster_abandon(p);
        gw_redis_pending_finish(p, NULL, sent ? GW_REDIS_DISCONNECTED : GW_REDIS_UNAVAILABLE);
        gw_redis_pending_release(p);
    }
    gw_redis_queue_clear(&r->queue);
    if (r->tick != NULL)
        event_free(r->tick);
    if (r->dns != NULL)
        evdns_base_free(r->dns, 0);
    gw_redis_target_clear(&r->target);
    free(r);
}
