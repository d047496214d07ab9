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
/* Request line and headers: GitHub sends ~1.5 KB. Held per connection while
 * arriving (net/http_conn.c), so the cap times KAIZEN_MAX_CONNECTIONS bounds it. */
#define MAX_HEADERS_SIZE (16 * 1024)

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
enum conn_state {
    CONN_IDLE,     /* between requests */
    CONN_HEAD,     /* request line and headers arriving (guarded: net/http_conn.c) */
    CONN_BODY,     /* the body arriving; its declared length is held in the budget */
    CONN_WAIT,     /* the request is in; evhttp is about to dispatch it */
    CONN_BUSY,     /* a handler has it */
    CONN_REFUSED   /* answered by the guard, taken from evhttp, closing */
};

struct conn {
    struct gw_http *http;
    struct bufferevent *bev;          /* we hold a reference until release */
    struct evhttp_connection *evcon;  /* NULL until attached */
    double since;                     /* accept or last reply (monotonic) */
    int busy;                         /* requests being handled */
    enum conn_state state;
    double state_since;               /* when the state began (monotonic) */
    char *head;                       /* HEAD: the bytes of the head so far */
    size_t head_len, head_cap, head_end, scan;
    int64_t body_left;                /* BODY: declared bytes still to come */
    int64_t reserved;                 /* bytes of the body budget held */
    size_t rx, dropped;               /* bytes received; dropped while refused */
    int peer_done;                    /* refused: EOF seen, closing once the answer is out */
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
    int64_t body_held;                /* declared body bytes of the requests in flight */
    long shed;                        /* connections shed at the cap */
    int nrefused;                     /* of nconns, refused and closing */
    struct backlog_conn *backlog;     /* shutdown: backlog connections answered 503, closing */
    gw_http_reject_fn on_reject;
    void *reject_arg;
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

/* net/http_conn.c: connections and the guard in front of evhttp. */
struct event_base;
struct bufferevent *gw_http_conn_bev(struct event_base *base, void *arg);
/* The connection of a request being dispatched (now busy), or NULL. */
struct conn *gw_http_conn_find(struct gw_http *http, struct evhttp_request *evreq);
void gw_http_conn_replied(struct conn *c);
/* Once a second and at shutdown: deadlines, idle keep-alives. */
void gw_http_conn_sweep(struct gw_http *http);
/* After evhttp_free: the connections it never attached. */
void gw_http_conn_free_all(struct gw_http *http);

/* net/http.c */
/* Calls on_drained once shutting down with no request in flight and no connection left. */
void gw_http_check_drained(struct gw_http *http);
/* The route serving path, or NULL. */
const struct route *gw_http_route_of(const struct gw_http *http, const char *path);
/* The latency histogram, for a route (NULL: "other") and status. */
void gw_http_observe(struct gw_http *http, const struct route *route, int status, double started);

#endif
