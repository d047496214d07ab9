/*
 * The HTTP server's connections, from accept to close, and the guard that
 * reads each request's line and headers ahead of evhttp (net/http_conn.c
 * lists what it refuses). Internal to gateway/net/: the server (net/http.c)
 * owns one set, gives evhttp its bufferevent callback, and learns what the
 * guard did through the hooks it fills; the guard calls nothing of the
 * server's.
 */
#ifndef GW_HTTP_CONN_H
#define GW_HTTP_CONN_H

#include "gateway/net/http.h"        /* struct gw_http_limits, nothing else */
#include "gateway/net/http_head.h"   /* GW_HTTP_MAX_HEADERS */

struct bufferevent;
struct event_base;
struct evconnlistener;
struct evhttp_request;

struct gw_http_conn_hooks {
    /*
     * A request refused before evhttp read it (logged, its answer on the
     * way): its path as sent ("" when unreadable), its X-GitHub-Event (""
     * when absent), the status, and when its head began (monotonic seconds).
     */
    void (*refused)(void *ctx, const char *path, const char *event, int status, double started);
    /* A connection was released: the server may have drained. */
    void (*released)(void *ctx);
    void *ctx;
};

struct gw_http_conns;   /* the set */
struct gw_http_conn;    /* one connection */

/* limits and hooks are copied. NULL when out of memory. */
struct gw_http_conns *gw_http_conns_new(const struct gw_http_limits *limits,
                                        const struct gw_http_conn_hooks *hooks);
/* After evhttp_free (which releases the connections it had): releases the rest, frees cs. */
void gw_http_conns_free(struct gw_http_conns *cs);

/* evhttp_set_bevcb(evhttp, gw_http_conns_bev, cs): a new connection's bufferevent, tracked. */
struct bufferevent *gw_http_conns_bev(struct event_base *base, void *cs);

/* The listener paused at the cap when nothing can be shed; NULL once the server stops accepting. */
void gw_http_conns_set_listener(struct gw_http_conns *cs, struct evconnlistener *listener);

/* Once a second, and at once when draining: header deadlines, idle keep-alives. */
void gw_http_conns_sweep(struct gw_http_conns *cs);
/* Shutting down: from now on the sweep also closes idle keep-alives. */
void gw_http_conns_drain(struct gw_http_conns *cs);
/* Connections open (refused ones still closing included). */
int gw_http_conns_open(const struct gw_http_conns *cs);

/* The connection of a request being dispatched, now busy; NULL when untracked. */
struct gw_http_conn *gw_http_conns_dispatch(struct gw_http_conns *cs,
                                            struct evhttp_request *evreq);
/* Its request was answered. */
void gw_http_conn_replied(struct gw_http_conn *c);

#endif
