#include "gateway/net/http.h"

#include <arpa/inet.h>
#include <errno.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/listener.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <event2/keyvalq_struct.h>
#include <sys/socket.h>

#include "gateway/util/log.h"
#include "gateway/util/prometheus.h"
#include "gateway/core/dates.h"

#include "gateway/net/http_internal.h"

static void on_request(struct evhttp_request *evreq, void *arg);

static const double duration_buckets[] = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
                                          0.5,   1,    2.5,   5,    10};
static const char *const duration_labels[] = {"route", "code"};

/* --- connection tracking -------------------------------------------------- */

static void
update_listener(struct gw_http *http)
{
    int full = http->nconns >= http->limits.max_connections;
    if (http->listener == NULL || http->shutting_down)
        return;
    if (full && !http->listener_paused) {
        evconnlistener_disable(http->listener);
        http->listener_paused = 1;
        gw_log(GW_LOG_WARN, "connection cap reached; pausing accept", NULL);
    } else if (!full && http->listener_paused) {
        evconnlistener_enable(http->listener);
        http->listener_paused = 0;
    }
}

static void
conn_release(struct conn *c)
{
    struct gw_http *http = c->http;
    if (c->prev != NULL)
        c->prev->next = c->next;
    else
        http->conns = c->next;
    if (c->next != NULL)
        c->next->prev = c->prev;
    http->nconns--;
    bufferevent_decref(c->bev);
    free(c);
    update_listener(http);
}

static void
on_conn_close(struct evhttp_connection *evcon, void *arg)
{
    (void)evcon;
    conn_release(arg);
}

/* 1 if evhttp has already let go of the bufferevent (it clears the callbacks). */
static int
conn_gone(struct conn *c)
{
    bufferevent_data_cb readcb = NULL;
    bufferevent_getcb(c->bev, &readcb, NULL, NULL, NULL);
    return readcb == NULL;
}

static void
conn_attach(struct conn *c)
{
    void *cbarg = NULL;
    bufferevent_getcb(c->bev, NULL, NULL, NULL, &cbarg);
    c->evcon = cbarg;
    evhttp_connection_set_closecb(c->evcon, on_conn_close, c);
}

static void
on_attach(evutil_socket_t fd, short what, void *arg)
{
    struct conn *c = arg;
    (void)fd;
    (void)what;
    if (c->evcon == NULL) {
        if (conn_gone(c))
            conn_release(c);
        else
            conn_attach(c);
    }
}

static struct bufferevent *
make_bev(struct event_base *base, void *arg)
{
    struct gw_http *http = arg;
    struct bufferevent *bev = bufferevent_socket_new(base, -1, BEV_OPT_CLOSE_ON_FREE);
    struct conn *c = calloc(1, sizeof(*c));
    static const struct timeval now = {0, 0};

    if (bev == NULL || c == NULL) {
        free(c);
        return bev; /* untracked, still served */
    }
    bufferevent_incref(bev);
    c->http = http;
    c->bev = bev;
    c->since = gw_monotonic();
    c->next = http->conns;
    if (http->conns != NULL)
        http->conns->prev = c;
    http->conns = c;
    http->nconns++;
    /* evhttp creates the connection right after this returns. */
    event_base_once(base, -1, EV_TIMEOUT, on_attach, c, &now);
    update_listener(http);
    return bev;
}

static struct conn *
find_conn(struct gw_http *http, struct evhttp_request *evreq)
{
    struct evhttp_connection *evcon = evhttp_request_get_connection(evreq);
    struct bufferevent *bev = evcon != NULL ? evhttp_connection_get_bufferevent(evcon) : NULL;
    for (struct conn *c = http->conns; c != NULL; c = c->next) {
        if (c->bev == bev) {
            if (c->evcon == NULL)
                conn_attach(c);
            return c;
        }
    }
    return NULL;
}

/*
 * Once a second: cut off connections that have neither finished sending a
 * request nor been idle less than request_timeout. evhttp's own timeout is a
 * per-read inactivity timeout, which a client sending one byte at a time
 * never trips. Shutting the socket down makes evhttp see EOF and clean up.
 */
static void
on_sweep(evutil_socket_t fd, short what, void *arg)
{
    struct gw_http *http = arg;
    double now = gw_monotonic();
    struct conn *c = http->conns, *next;
    (void)fd;
    (void)what;

    for (; c != NULL; c = next) {
        next = c->next;
        if (c->evcon == NULL && conn_gone(c)) {
            conn_release(c);
            continue;
        }
        if (c->busy == 0 && (http->shutting_down || now - c->since > (double)http->limits.request_timeout)) {
            evutil_socket_t s = bufferevent_getfd(c->bev);
            if (s >= 0)
                shutdown(s, SHUT_RDWR);
        }
    }
}

/* --- server ---------------------------------------------------------------- */

struct gw_http *
gw_http_new(struct event_base *base, const struct gw_http_limits *limits,
            struct gw_metrics *metrics)
{
    struct gw_http *http = calloc(1, sizeof(*http));
    struct timeval timeout = {(time_t)limits->request_timeout, 0};
    struct timeval second = {1, 0};

    if (http == NULL)
        return NULL;
    http->base = base;
    http->limits = *limits;
    http->evhttp = evhttp_new(base);
    if (http->evhttp == NULL) {
        free(http);
        return NULL;
    }
    evhttp_set_max_body_size(http->evhttp, limits->max_body);
    evhttp_set_max_headers_size(http->evhttp, MAX_HEADERS_SIZE);
    evhttp_set_timeout_tv(http->evhttp, &timeout);
    /* Accept every method so that we, not libevent, answer 405 with Allow. */
    evhttp_set_allowed_methods(http->evhttp, EVHTTP_REQ_GET | EVHTTP_REQ_POST | EVHTTP_REQ_HEAD |
                                                 EVHTTP_REQ_PUT | EVHTTP_REQ_DELETE |
                                                 EVHTTP_REQ_OPTIONS | EVHTTP_REQ_PATCH |
                                                 EVHTTP_REQ_TRACE | EVHTTP_REQ_CONNECT);
    evhttp_set_gencb(http->evhttp, on_request, http);
    evhttp_set_bevcb(http->evhttp, make_bev, http);
    http->duration = gw_metrics_add(metrics, "kaizen_http_request_duration_seconds",
                                    "HTTP request latency by route and status code.",
                                    GW_HISTOGRAM, 2, duration_labels, duration_buckets,
                                    sizeof(duration_buckets) / sizeof(duration_buckets[0]));
    http->sweep_timer = event_new(base, -1, EV_PERSIST, on_sweep, http);
    event_add(http->sweep_timer, &second);
    return http;
}

void
gw_http_free(struct gw_http *http)
{
    if (http == NULL)
        return;
    event_free(http->sweep_timer);
    /* evhttp_free closes every connection; their close callbacks release them. */
    evhttp_free(http->evhttp);
    while (http->conns != NULL)
        conn_release(http->conns);
    while (http->routes != NULL) {
        struct route *next = http->routes->next;
        free(http->routes);
        http->routes = next;
    }
    free(http);
}

static const char *
method_name(enum gw_method m)
{
    switch (m) {
    case GW_GET: return "GET";
    case GW_POST: return "POST";
    case GW_DELETE: return "DELETE";
    case GW_HEAD: return "HEAD";
    }
    return "?";
}

int
gw_http_route(struct gw_http *http, const char *path, int prefix, enum gw_method method,
              gw_handler_fn fn, void *arg)
{
    struct route *r;
    for (r = http->routes; r != NULL; r = r->next)
        if (strcmp(r->path, path) == 0 && r->prefix == prefix)
            break;
    if (r == NULL) {
        r = calloc(1, sizeof(*r));
        if (r == NULL)
            return -1;
        r->path = path;
        r->path_len = strlen(path);
        r->prefix = prefix;
        snprintf(r->label, sizeof(r->label), "%s%s", path, prefix ? "{id}" : "");
        r->next = http->routes;
        http->routes = r;
    }
    if (r->nmethods == MAX_METHODS)
        return -1;
    r->methods[r->nmethods] = method;
    r->fns[r->nmethods] = fn;
    r->args[r->nmethods] = arg;
    r->nmethods++;
    /* Allow: every method, HEAD implied by GET. */
    r->allow[0] = '\0';
    for (int i = 0; i < r->nmethods; i++) {
        size_t used = strlen(r->allow);
        snprintf(r->allow + used, sizeof(r->allow) - used, "%s%s%s", used ? ", " : "",
                 method_name(r->methods[i]), r->methods[i] == GW_GET ? ", HEAD" : "");
    }
    return 0;
}

int
gw_http_listen(struct gw_http *http, const char *host, int port, int *port_out)
{
    struct sockaddr_storage ss;
    socklen_t sslen = sizeof(ss);

    http->bound = evhttp_bind_socket_with_handle(http->evhttp, host, (ev_uint16_t)port);
    if (http->bound == NULL) {
        gw_log(GW_LOG_ERROR, "cannot listen", "address", host, "error", strerror(errno), NULL);
        return -1;
    }
    http->listener = evhttp_bound_socket_get_listener(http->bound);
    /*
     * TCP_NODELAY, inherited by every accepted socket (Linux): bufferevents
     * write at most 16 KiB at a time, so with Nagle a response over 16 KiB
     * on a keep-alive connection left its tail waiting for the client's
     * delayed ACK, adding ~40 ms (bench/webhooks.sh, /api/tickets?limit=100).
     * Replies are written whole, so there are no small writes to coalesce.
     */
    int one = 1;
    if (setsockopt(evhttp_bound_socket_get_fd(http->bound), IPPROTO_TCP, TCP_NODELAY, &one,
                   sizeof(one)) != 0)
        gw_log(GW_LOG_WARN, "cannot set TCP_NODELAY", "error", strerror(errno), NULL);
    if (getsockname(evhttp_bound_socket_get_fd(http->bound), (struct sockaddr *)&ss, &sslen) == 0)
        *port_out = ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
                                                   : ((struct sockaddr_in *)&ss)->sin_port);
    return 0;
}

void
gw_http_shutdown(struct gw_http *http, void (*on_drained)(void *), void *arg)
{
    if (http->shutting_down)
        return;
    http->shutting_down = 1;
    http->on_drained = on_drained;
    http->drained_arg = arg;
    if (http->bound != NULL) {
        evhttp_del_accept_socket(http->evhttp, http->bound);
        http->bound = NULL;
        http->listener = NULL;
    }
    on_sweep(-1, 0, http); /* close idle keep-alive connections now */
    if (http->inflight == 0 && on_drained != NULL)
        on_drained(arg);
}

int
gw_http_shutting_down(const struct gw_http *http)
{
    return http->shutting_down;
}

int
gw_http_inflight(const struct gw_http *http)
{
    return http->inflight;
}

/* --- dispatch -------------------------------------------------------------- */

static const struct route *
find_route(const struct gw_http *http, const char *path)
{
    for (const struct route *r = http->routes; r != NULL; r = r->next) {
        if (r->prefix ? strncmp(path, r->path, r->path_len) == 0 && path[r->path_len] != '\0'
                      : strcmp(path, r->path) == 0)
            return r;
    }
    return NULL;
}

int
gw_http_resolve(const struct gw_http *http, const char *path, enum gw_method method,
                const char **allow)
{
    const struct route *route = find_route(http, path);
    if (route == NULL)
        return 404;
    for (int i = 0; i < route->nmethods; i++)
        if (route->methods[i] == method || (method == GW_HEAD && route->methods[i] == GW_GET))
            return 200;
    *allow = route->allow;
    return 405;
}

static enum gw_method
to_method(enum evhttp_cmd_type cmd)
{
    switch (cmd) {
    case EVHTTP_REQ_GET: return GW_GET;
    case EVHTTP_REQ_POST: return GW_POST;
    case EVHTTP_REQ_DELETE: return GW_DELETE;
    case EVHTTP_REQ_HEAD: return GW_HEAD;
    default: return 0;
    }
}

static struct gw_request *
request_new(struct gw_http *http, struct evhttp_request *evreq, const struct route *route,
            double started)
{
    struct gw_request *req = calloc(1, sizeof(*req));
    if (req == NULL)
        return NULL;
    req->http = http;
    req->evreq = evreq;
    req->route = route;
    req->started = started;
    TAILQ_INIT(&req->query);
    req->conn = find_conn(http, evreq);
    if (req->conn != NULL)
        req->conn->busy++;
    http->inflight++;
    return req;
}

static void
on_request(struct evhttp_request *evreq, void *arg)
{
    struct gw_http *http = arg;
    double started = gw_monotonic();
    const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(evreq);
    const char *path = uri != NULL ? evhttp_uri_get_path(uri) : NULL;
    const char *query = uri != NULL ? evhttp_uri_get_query(uri) : NULL;
    const struct route *route = path != NULL ? find_route(http, path) : NULL;
    enum gw_method method = to_method(evhttp_request_get_command(evreq));
    struct gw_request *req = request_new(http, evreq, route, started);
    const char *allow = NULL;
    int i;

    if (req == NULL) {
        evhttp_send_error(evreq, 500, NULL);
        return;
    }
    if (http->shutting_down) {
        gw_reply_header(req, "Connection", "close");
        gw_reply_error(req, 503, "shutting down");
        return;
    }
    switch (gw_http_resolve(http, path != NULL ? path : "", method, &allow)) {
    case 404:
        gw_reply_error(req, 404, "no such endpoint");
        return;
    case 405:
        gw_reply_header(req, "Allow", allow);
        gw_reply_error(req, 405, "method not allowed");
        return;
    }
    for (i = 0; i < route->nmethods; i++)
        if (route->methods[i] == method || (method == GW_HEAD && route->methods[i] == GW_GET))
            break;

    if (query != NULL && evhttp_parse_query_str(query, &req->query) != 0) {
        gw_reply_error(req, 400, "malformed query string");
        return;
    }
    if (route->prefix) {
        /* One path segment; an id may hold '/' only percent-encoded. */
        req->tail = strchr(path + route->path_len, '/') == NULL
                        ? evhttp_uridecode(path + route->path_len, 0, NULL) : NULL;
        if (req->tail == NULL) {
            gw_reply_error(req, 404, "no such endpoint");
            return;
        }
    }
    /* NUL bytes after the body: a string for C, padding for the JSON reader. One pullup. */
    static const char padding[GW_HTTP_BODY_PADDING];
    struct evbuffer *in = evhttp_request_get_input_buffer(evreq);
    req->body_len = evbuffer_get_length(in);
    evbuffer_add(in, padding, sizeof(padding));
    req->body = (const char *)evbuffer_pullup(in, -1);
    route->fns[i](req, route->args[i]);
}
