/* Finding the primary: resolution, one-question connections, Sentinel, Cluster. */
#include <arpa/inet.h>
#include <event2/dns.h>
#include <event2/event.h>
#include <event2/util.h>
#include <hiredis/adapters/libevent.h>
#include <hiredis/async.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gateway/net/redis_internal.h"
#include "gateway/util/log.h"

/* --- the cluster slot -------------------------------------------------------- */

/* CRC16-CCITT (XMODEM), the Redis Cluster key hash. */
int
gw_redis_cluster_slot(const char *tag, size_t len)
{
    uint16_t crc = 0;
    for (size_t i = 0; i < len; i++) {
        crc ^= (uint16_t)((unsigned char)tag[i] << 8);
        for (int b = 0; b < 8; b++)
            crc = (uint16_t)(crc & 0x8000 ? (crc << 1) ^ 0x1021 : crc << 1);
    }
    return crc & 16383;
}

/* --- name resolution ------------------------------------------------------- */

struct gw_resolve {
    gw_resolve_cb cb;
    void *arg;
    struct event *deferred;     /* reports an answer known at once, from the loop */
    struct evdns_getaddrinfo_request *req;
    int starting, cancelled;
    char ip[INET6_ADDRSTRLEN];
    char error[96];
};

static void
resolve_report(evutil_socket_t fd, short what, void *arg)
{
    struct gw_resolve *q = arg;
    (void)fd;
    (void)what;
    q->cb(q->ip[0] ? q->ip : NULL, q->ip[0] ? NULL : q->error, q->arg);
    event_free(q->deferred);
    free(q);
}

static void
on_addrinfo(int result, struct evutil_addrinfo *res, void *arg)
{
    struct gw_resolve *q = arg;
    const void *addr = NULL;

    q->req = NULL;
    if (result == 0 && res != NULL) {
        if (res->ai_family == AF_INET)
            addr = &((struct sockaddr_in *)res->ai_addr)->sin_addr;
        else if (res->ai_family == AF_INET6)
            addr = &((struct sockaddr_in6 *)res->ai_addr)->sin6_addr;
    }
    if (addr == NULL || inet_ntop(res->ai_family, addr, q->ip, sizeof(q->ip)) == NULL) {
        q->ip[0] = '\0';
        snprintf(q->error, sizeof(q->error), "cannot resolve: %s",
                 result != 0 ? evutil_gai_strerror(result) : "no address");
    }
    if (res != NULL)
        evutil_freeaddrinfo(res);
    if (q->cancelled) {
        event_free(q->deferred);
        free(q);
    } else {
        /* From inside evdns_getaddrinfo (hosts file) or later: report from the loop either way. */
        event_active(q->deferred, EV_TIMEOUT, 0);
    }
}

struct gw_resolve *
gw_resolve_start(struct event_base *base, struct evdns_base *dns, const char *host,
                 gw_resolve_cb cb, void *arg)
{
    struct gw_resolve *q = calloc(1, sizeof(*q));
    unsigned char buf[sizeof(struct in6_addr)];
    struct evutil_addrinfo hints;

    if (q == NULL || (q->deferred = event_new(base, -1, 0, resolve_report, q)) == NULL) {
        gw_log(GW_LOG_ERROR, "out of memory resolving a Redis host", NULL);
        abort();
    }
    q->cb = cb;
    q->arg = arg;
    if (inet_pton(AF_INET, host, buf) == 1 || inet_pton(AF_INET6, host, buf) == 1) {
        snprintf(q->ip, sizeof(q->ip), "%s", host);
        event_active(q->deferred, EV_TIMEOUT, 0);
        return q;
    }
    memset(&hints, 0, sizeof(hints));
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    q->req = evdns_getaddrinfo(dns, host, NULL, &hints, on_addrinfo, q);
    return q;
}

void
gw_resolve_cancel(struct gw_resolve *q)
{
    if (q == NULL)
        return;
    if (q->req != NULL) {
        q->cancelled = 1;
        evdns_getaddrinfo_cancel(q->req); /* runs on_addrinfo, which frees q */
        return;
    }
    event_free(q->deferred);
    free(q);
}

/* --- one question ---------------------------------------------------------------- */

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
    if (q->ac != NULL) {
        redisAsyncContext *ac = q->ac;
        q->ac = NULL;
        ac->data = NULL;        /* late callbacks see NULL and leave q alone */
        redisAsyncFree(ac);     /* deferred by hiredis when inside one of its callbacks */
    }
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

    q->resolve = NULL;
    if (ip == NULL) {
        ask_finish(q, NULL, error);
        return;
    }
    ac = redisAsyncConnect(ip, q->port);
    if (ac == NULL || ac->err) {
        char why[160];
        snprintf(why, sizeof(why), "cannot connect: %s", ac != NULL ? ac->errstr : "out of memory");
        if (ac != NULL)
            redisAsyncFree(ac);
        ask_finish(q, NULL, why);
        return;
    }
    q->ac = ac;
    ac->data = q;
    redisLibeventAttach(ac, q->base);
    redisAsyncSetConnectCallback(ac, on_ask_connect);
    redisAsyncSetDisconnectCallback(ac, on_ask_disconnect);
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
        abort();
    q->base = base;
    q->cb = cb;
    q->arg = arg;
    q->port = port;
    for (int i = 0; i < n; i++) {
        /* NUL-terminated: hiredis 0.14 reads formatted commands with strchr. */
        if ((q->cmds[i] = malloc(lens[i] + 1)) == NULL)
            abort();
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

/* --- discovery ------------------------------------------------------------------ */

struct gw_discovery {
    struct event_base *base;
    struct evdns_base *dns;
    const struct gw_redis_target *target;
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
        abort();
    const char *cmds[] = {cmd};
    const size_t lens[] = {(size_t)len};
    d->ask = gw_redis_ask_start(d->base, d->dns, ep->host, ep->port,
                                t->kind == GW_REDIS_SENTINEL ? t->sentinel_password : t->password,
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
gw_discover(struct event_base *base, struct evdns_base *dns, const struct gw_redis_target *target,
            int64_t timeout_ms, gw_discovery_cb cb, void *arg)
{
    struct gw_discovery *d = calloc(1, sizeof(*d));

    if (d == NULL)
        abort();
    d->base = base;
    d->dns = dns;
    d->target = target;
    d->timeout_ms = timeout_ms;
    d->cb = cb;
    d->arg = arg;
    if (target->kind == GW_REDIS_TCP) {
        if ((d->deferred = event_new(base, -1, 0, answer_url_host, d)) == NULL)
            abort();
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

/* --- the Sentinel watch ---------------------------------------------------------- */

struct gw_sentinel_watch {
    struct event_base *base;
    gw_switch_cb cb;
    void *arg;
    int port;
    char *password, *master;
    struct gw_resolve *resolve;
    redisAsyncContext *ac;
};

static void
watch_close(struct gw_sentinel_watch *w)
{
    if (w->ac != NULL) {
        redisAsyncContext *ac = w->ac;
        w->ac = NULL;
        ac->data = NULL;
        redisAsyncFree(ac);
    }
    gw_resolve_cancel(w->resolve);
    w->resolve = NULL;
}

/* The watch ended by itself: say so once; the owner stops (frees) it. */
static void
watch_lost(struct gw_sentinel_watch *w)
{
    gw_switch_cb cb = w->cb;
    watch_close(w);
    w->cb = NULL;
    if (cb != NULL)
        cb(NULL, 0, w->arg);
}

static void
on_watch_message(redisAsyncContext *ac, void *reply_, void *privdata)
{
    struct gw_sentinel_watch *w = ac->data;
    redisReply *reply = reply_;
    char name[256], old_ip[64], new_ip[64];
    int old_port, new_port;
    (void)privdata;

    if (w == NULL)
        return;
    if (reply == NULL || reply->type == REDIS_REPLY_ERROR) {
        if (reply != NULL)
            gw_log(GW_LOG_WARN, "redis sentinel refused the watch", "error", reply->str, NULL);
        w->ac = reply == NULL ? NULL : w->ac;
        watch_lost(w);
        return;
    }
    /* ["message", "+switch-master", "<master> <old ip> <old port> <new ip> <new port>"] */
    if (reply->type != REDIS_REPLY_ARRAY || reply->elements != 3 ||
        reply->element[2]->type != REDIS_REPLY_STRING ||
        strcmp(reply->element[0]->str, "message") != 0)
        return;
    if (sscanf(reply->element[2]->str, "%255s %63s %d %63s %d", name, old_ip, &old_port, new_ip,
               &new_port) == 5 &&
        strcmp(name, w->master) == 0 && w->cb != NULL) {
        gw_log(GW_LOG_INFO, "redis sentinel: the primary moved", "master", name, "to", new_ip,
               NULL);
        w->cb(new_ip, new_port, w->arg);
    }
}

static void
on_watch_disconnect(const redisAsyncContext *ac, int status)
{
    struct gw_sentinel_watch *w = ac->data;
    (void)status;
    if (w == NULL)
        return;
    w->ac = NULL;
    watch_lost(w);
}

static void
on_watch_connect(const redisAsyncContext *ac, int status)
{
    struct gw_sentinel_watch *w = ac->data;
    if (w != NULL && status != REDIS_OK) {
        ((redisAsyncContext *)ac)->data = NULL;
        w->ac = NULL;
        watch_lost(w);
    }
}

static void
on_watch_auth(redisAsyncContext *ac, void *reply_, void *privdata)
{
    redisReply *reply = reply_;
    (void)privdata;
    if (ac->data != NULL && reply != NULL && reply->type == REDIS_REPLY_ERROR) {
        gw_log(GW_LOG_WARN, "redis sentinel refused AUTH", "error", reply->str, NULL);
        watch_lost(ac->data);
    }
}

static void
on_watch_resolved(const char *ip, const char *error, void *arg)
{
    struct gw_sentinel_watch *w = arg;
    redisAsyncContext *ac;

    w->resolve = NULL;
    if (ip == NULL) {
        gw_log(GW_LOG_WARN, "redis sentinel watch: cannot resolve", "error", error, NULL);
        watch_lost(w);
        return;
    }
    ac = redisAsyncConnect(ip, w->port);
    if (ac == NULL || ac->err) {
        if (ac != NULL)
            redisAsyncFree(ac);
        watch_lost(w);
        return;
    }
    w->ac = ac;
    ac->data = w;
    redisLibeventAttach(ac, w->base);
    redisAsyncSetConnectCallback(ac, on_watch_connect);
    redisAsyncSetDisconnectCallback(ac, on_watch_disconnect);
    if (w->password != NULL)
        redisAsyncCommand(ac, on_watch_auth, NULL, "AUTH %s", w->password);
    redisAsyncCommand(ac, on_watch_message, NULL, "SUBSCRIBE +switch-master");
}

struct gw_sentinel_watch *
gw_sentinel_watch_start(struct event_base *base, struct evdns_base *dns, const char *host,
                        int port, const char *password, const char *master, gw_switch_cb cb,
                        void *arg)
{
    struct gw_sentinel_watch *w = calloc(1, sizeof(*w));

    if (w == NULL || (w->master = strdup(master)) == NULL ||
        (password != NULL && (w->password = strdup(password)) == NULL))
        abort();
    w->base = base;
    w->cb = cb;
    w->arg = arg;
    w->port = port;
    w->resolve = gw_resolve_start(base, dns, host, on_watch_resolved, w);
    return w;
}

void
gw_sentinel_watch_stop(struct gw_sentinel_watch *w)
{
    if (w == NULL)
        return;
    w->cb = NULL;
    watch_close(w);
    free(w->password);
    free(w->master);
    free(w);
}
