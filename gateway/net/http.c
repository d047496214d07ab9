/*
 * The HTTP server (net/http.h): routes, dispatch, latency metrics, the
 * backlog at shutdown and the drain. The connections and the guard in front
 * of evhttp are net/http_conn.c, what a handler reads and answers is
 * net/http_request.c; both report back through hooks filled here.
 */
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
#include <sys/socket.h>

#include "gateway/util/clock.h"
#include "gateway/net/http_conn.h"
#include "gateway/net/http_request.h"
#include "gateway/util/log.h"
#include "gateway/util/prometheus.h"

#define MAX_METHODS 4

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

struct backlog_conn;

struct gw_http {
    struct event_base *base;
    struct evhttp *evhttp;
    struct evhttp_bound_socket *bound;
    struct gw_http_conns *conns;      /* every connection, and the guard (net/http_conn.c) */
    struct route *routes;
    struct gw_metric *duration;
    struct event *sweep_timer;
    int inflight;
    int shutting_down;
    void (*on_drained)(void *);
    void *drained_arg;
    struct backlog_conn *backlog;     /* shutdown: backlog connections answered 503, closing */
    gw_http_reject_fn on_reject;
    void *reject_arg;
};

/* A dispatched request: the request first (its hooks cast back), then what the reply reports. */
struct dispatch {
    struct gw_request req;
    struct gw_http *http;
    const struct route *route;
    struct gw_http_conn *conn;        /* NULL: untracked */
    double started;
};

static void on_request(struct evhttp_request *evreq, void *arg);
static const struct route *find_route(const struct gw_http *http, const char *path);
static void check_drained(struct gw_http *http);
static void observe(struct gw_http *http, const struct route *route, int status, double started);
static void backlog_free(struct backlog_conn *b);

static const double duration_buckets[] = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
                                          0.5,   1,    2.5,   5,    10};
static const char *const duration_labels[] = {"route", "code"};

/* Once a second: the connections' deadlines (net/http_conn.c). */
static void
on_sweep(evutil_socket_t fd, short what, void *arg)
{
    struct gw_http *http = arg;
    (void)fd;
    (void)what;
    gw_http_conns_sweep(http->conns);
}

/* --- what the guard reports (net/http_conn.c) ---------------------------------- */

static void
on_refused(void *arg, const char *path, const char *event, int status, double started)
{
    struct gw_http *http = arg;
    if (http->on_reject != NULL)
        http->on_reject(http->reject_arg, path[0] != '\0' ? path : NULL,
                        event[0] != '\0' ? event : NULL, status);
    observe(http, find_route(http, path), status, started);
}

static void
on_conn_released(void *arg)
{
    check_drained(arg);
}

/* --- server ---------------------------------------------------------------- */

struct gw_http *
gw_http_new(struct event_base *base, const struct gw_http_limits *limits,
            struct gw_metrics *metrics)
{
    struct gw_http *http = calloc(1, sizeof(*http));
    struct timeval timeout = {(time_t)limits->request_timeout, 0};
    struct timeval second = {1, 0};
    struct gw_http_conn_hooks hooks = {on_refused, on_conn_released, http};

    if (http == NULL)
        return NULL;
    http->base = base;
    http->conns = gw_http_conns_new(limits, &hooks);
    http->evhttp = http->conns != NULL ? evhttp_new(base) : NULL;
    if (http->evhttp == NULL) {
        gw_http_conns_free(http->conns);
        free(http);
        return NULL;
    }
    evhttp_set_max_body_size(http->evhttp, limits->max_body);
    evhttp_set_max_headers_size(http->evhttp, GW_HTTP_MAX_HEADERS);
    evhttp_set_timeout_tv(http->evhttp, &timeout);
    /* Accept every method so that we, not libevent, answer 405 with Allow. */
    evhttp_set_allowed_methods(http->evhttp, EVHTTP_REQ_GET | EVHTTP_REQ_POST | EVHTTP_REQ_HEAD |
                                                 EVHTTP_REQ_PUT | EVHTTP_REQ_DELETE |
                                                 EVHTTP_REQ_OPTIONS | EVHTTP_REQ_PATCH |
                                                 EVHTTP_REQ_TRACE | EVHTTP_REQ_CONNECT);
    evhttp_set_gencb(http->evhttp, on_request, http);
    evhttp_set_bevcb(http->evhttp, gw_http_conns_bev, http->conns);
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
    /* Nothing may re-enable the listener or report a drain from here on. */
    http->on_drained = NULL;
    http->shutting_down = 1;
    gw_http_conns_set_listener(http->conns, NULL);
    /* evhttp_free closes every connection; their close callbacks release them. */
    evhttp_free(http->evhttp);
    gw_http_conns_free(http->conns);
    while (http->backlog != NULL)
        backlog_free(http->backlog);
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
gw_http_route_codes(struct gw_http *http, const char *path, int prefix, const char *codes)
{
    const struct route *r = http->routes;

    while (r != NULL && (strcmp(r->path, path) != 0 || r->prefix != prefix))
        r = r->next;
    if (r == NULL)
        return -1;
    for (const char *c = codes; *c != '\0'; c += c[3] == ' ' ? 4 : 3) {
        char code[4];
        if (strspn(c, "0123456789") < 3 || (c[3] != ' ' && c[3] != '\0'))
            return -1;
        memcpy(code, c, 3);
        code[3] = '\0';
        const char *labels[2] = {r->label, code};
        gw_metric_inc(http->duration, labels, 0);
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
    gw_http_conns_set_listener(http->conns, evhttp_bound_socket_get_listener(http->bound));
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

/*
 * Connections the kernel completed but evhttp has not accepted yet would be
 * reset when the listener closes, their requests sent and never answered:
 * each gets a 503 (another replica will take the retry) before the close.
 * Each lingers on the loop, without blocking it, until the client's EOF
 * (or 2 s), so that the close is not a reset that loses the 503; the drain
 * waits for them.
 */
struct backlog_conn {
    struct gw_http *http;
    struct bufferevent *bev;
    struct backlog_conn *prev, *next;
};

static void
backlog_free(struct backlog_conn *b)
{
    struct gw_http *http = b->http;
    if (b->prev != NULL)
        b->prev->next = b->next;
    else
        http->backlog = b->next;
    if (b->next != NULL)
        b->next->prev = b->prev;
    bufferevent_free(b->bev);
    free(b);
    check_drained(http);
}

static void
on_backlog_read(struct bufferevent *bev, void *arg)
{
    (void)arg;
    struct evbuffer *in = bufferevent_get_input(bev);
    evbuffer_drain(in, evbuffer_get_length(in));
}

static void
on_backlog_write(struct bufferevent *bev, void *arg)
{
    (void)arg;
    shutdown(bufferevent_getfd(bev), SHUT_WR);   /* the 503 is out */
}

static void
on_backlog_event(struct bufferevent *bev, short what, void *arg)
{
    (void)bev;
    (void)what;   /* EOF, error or the 2 s linger: done */
    backlog_free(arg);
}

static void
answer_backlog(struct gw_http *http, evutil_socket_t fd)
{
    static const char busy[] =
        "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\n"
        "Connection: close\r\nRetry-After: 1\r\nContent-Length: 43\r\n\r\n"
        "{\"error\":\"shutting down; retry elsewhere\"}\n";
    struct timeval linger = {2, 0};

    /* At most a listen backlog's worth (clients that retry at once would keep it going). */
    for (int n = 0; n < 128; n++) {
        evutil_socket_t s = accept(fd, NULL, NULL);
        struct backlog_conn *b;
        if (s < 0)
            break;
        evutil_make_socket_nonblocking(s);
        if ((b = calloc(1, sizeof(*b))) == NULL ||
            (b->bev = bufferevent_socket_new(http->base, s, BEV_OPT_CLOSE_ON_FREE)) == NULL) {
            free(b);
            evutil_closesocket(s);
            continue;
        }
        b->http = http;
        b->next = http->backlog;
        if (http->backlog != NULL)
            http->backlog->prev = b;
        http->backlog = b;
        bufferevent_setcb(b->bev, on_backlog_read, on_backlog_write, on_backlog_event, b);
        bufferevent_set_timeouts(b->bev, &linger, &linger);
        bufferevent_write(b->bev, busy, sizeof(busy) - 1);
        bufferevent_enable(b->bev, EV_READ | EV_WRITE);
    }
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
        answer_backlog(http, evhttp_bound_socket_get_fd(http->bound));
        gw_http_conns_set_listener(http->conns, NULL);
        evhttp_del_accept_socket(http->evhttp, http->bound);
        http->bound = NULL;
    }
    /* Idle keep-alives close now; requests being read or handled finish. */
    gw_http_conns_drain(http->conns);
    check_drained(http);
}

/* Calls on_drained once shutting down with no request in flight and no connection left. */
static void
check_drained(struct gw_http *http)
{
    void (*fn)(void *) = http->on_drained;
    if (!http->shutting_down || fn == NULL || http->inflight > 0 ||
        gw_http_conns_open(http->conns) > 0 || http->backlog != NULL)
        return;
    http->on_drained = NULL;   /* once */
    fn(http->drained_arg);
}

void
gw_http_on_reject(struct gw_http *http, gw_http_reject_fn fn, void *arg)
{
    http->on_reject = fn;
    http->reject_arg = arg;
}

/* The latency histogram, for a route (NULL: "other") and status. */
static void
observe(struct gw_http *http, const struct route *route, int status, double started)
{
    char code[4] = {(char)('0' + status / 100 % 10), (char)('0' + status / 10 % 10),
                    (char)('0' + status % 10), '\0'};
    const char *labels[2] = {route != NULL ? route->label : "other", code};
    gw_metric_observe(http->duration, labels, gw_monotonic() - started);
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

/* The route's handler for method (HEAD is served by GET), or -1. */
static int
find_method(const struct route *route, enum gw_method method)
{
    for (int i = 0; i < route->nmethods; i++)
        if (route->methods[i] == method || (method == GW_HEAD && route->methods[i] == GW_GET))
            return i;
    return -1;
}

int
gw_http_resolve(const struct gw_http *http, const char *path, enum gw_method method,
                const char **allow)
{
    const struct route *route = find_route(http, path);
    if (route == NULL)
        return 404;
    if (find_method(route, method) >= 0)
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

static int
request_closing(const struct gw_request *req)
{
    const struct dispatch *d = (const struct dispatch *)req;
    return d->http->shutting_down;
}

static void
request_replied(struct gw_request *req, int status)
{
    struct dispatch *d = (struct dispatch *)req;
    struct gw_http *http = d->http;

    observe(http, d->route, status, d->started);
    if (d->conn != NULL)
        gw_http_conn_replied(d->conn);
    evhttp_clear_headers(&req->query);
    free(req->tail);
    free(d);
    http->inflight--;
    check_drained(http);
}

static const struct gw_request_hooks request_hooks = {request_closing, request_replied};

static struct gw_request *
request_new(struct gw_http *http, struct evhttp_request *evreq, const struct route *route,
            double started)
{
    struct dispatch *d = calloc(1, sizeof(*d));
    if (d == NULL)
        return NULL;
    d->req.hooks = &request_hooks;
    d->req.evreq = evreq;
    TAILQ_INIT(&d->req.query);
    d->http = http;
    d->route = route;
    d->started = started;
    d->conn = gw_http_conns_dispatch(http->conns, evreq);
    http->inflight++;
    return &d->req;
}

/*
 * A second Content-Length, or one beside Transfer-Encoding (RFC 9112 6.3):
 * the guard refuses these before the body (net/http_conn.c); this catches
 * a pipelined request it does not see.
 */
static int
framing_conflict(struct evkeyvalq *headers)
{
    const struct evkeyval *h;
    int lengths = 0, encodings = 0;
    TAILQ_FOREACH(h, headers, next) {
        if (evutil_ascii_strcasecmp(h->key, "Content-Length") == 0)
            lengths++;
        else if (evutil_ascii_strcasecmp(h->key, "Transfer-Encoding") == 0)
            encodings++;
    }
    return lengths > 1 || (lengths > 0 && encodings > 0);
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
    char err[128] = "";
    int i;

    if (req == NULL) {
        evhttp_send_error(evreq, 500, NULL);
        return;
    }
    /* While draining, a request that made it in is answered like any other
     * (with Connection: close): every request gets its real answer. */
    if (framing_conflict(evhttp_request_get_input_headers(evreq))) {
        gw_reply_header(req, "Connection", "close");
        gw_reply_error(req, 400, "conflicting Content-Length or Transfer-Encoding headers");
        return;
    }
    if (route == NULL) {
        gw_reply_error(req, 404, "no such endpoint");
        return;
    }
    if ((i = find_method(route, method)) < 0) {
        gw_reply_header(req, "Allow", route->allow);
        gw_reply_error(req, 405, "method not allowed");
        return;
    }

    if (query != NULL && gw_request_parse_query(req, query, err, sizeof(err)) != 0) {
        gw_reply_error(req, 400, err);
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
