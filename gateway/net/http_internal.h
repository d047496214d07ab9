/* The HTTP server's state, shared by net/http.c and net/http_request.c only. */
#ifndef GW_HTTP_INTERNAL_H
#define GW_HTTP_INTERNAL_H

#include <event2/keyvalq_struct.h>

#include "gateway/net/http.h"

struct evhttp;
struct evhttp_bound_socket;
struct evconnlistener;
struct bufferevent;
struct evhttp_connection;
struct gw_metric;

#define MAX_METHODS 4
#define MAX_HEADERS_SIZE (64 * 1024)

struct route {
    const char *path;
    size_t path_len;
    int prefix;
    int nmethods;
    enum gw_method methods[MAX_METHODS];
    gw_handler_fn fns[MAX_METHODS];
    void *args[MAX_METHODS];
    char allow[64];
    char label[64];     /* metrics route label: the path, "{id}" for prefixes */
    struct route *next;
};

/*
 * A client connection, tracked from accept to close. libevent 2.1 has no
 * accept hook and no connection cap, so we create each connection's
 * bufferevent ourselves (evhttp_set_bevcb), learn its evhttp_connection from
 * the bufferevent's callback argument, and watch its close callback.
 */
struct conn {
    struct gw_http *http;
    struct bufferevent *bev;          /* we hold a reference until release */
    struct evhttp_connection *evcon;  /* NULL until attached */
    double since;                     /* accept or last reply (monotonic) */
    int busy;                         /* requests being handled */
    struct conn *prev, *next;
};

struct gw_http {
    struct event_base *base;
    struct evhttp *evhttp;
    struct evhttp_bound_socket *bound;
    struct evconnlistener *listener;
    struct gw_http_limits limits;
    struct route *routes;
    struct gw_metric *duration;
    struct conn *conns;
    int nconns;
    int listener_paused;
    struct event *sweep_timer;
    int inflight;
    int shutting_down;
    void (*on_drained)(void *);
    void *drained_arg;
};

struct gw_request {
    struct gw_http *http;
    struct evhttp_request *evreq;
    const struct route *route;
    struct conn *conn;
    double started;
    struct evkeyvalq query;
    char *tail;
    const char *body;
    size_t body_len;
};

#endif
