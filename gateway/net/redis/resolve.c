/* Host names to addresses with evdns, never blocking the loop. */
#include "gateway/net/redis/resolve.h"

#include <arpa/inet.h>
#include <event2/dns.h>
#include <event2/event.h>
#include <event2/util.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gateway/util/log.h"

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
        gw_oom("resolving a Redis host");
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
