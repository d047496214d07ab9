/*
 * The HTTP front: evhttp with a routing table (exact paths, one prefix form
 * for "/api/canaries/{id}"), 404/405 with Allow, body cap, a connection cap,
 * an absolute deadline per request (slow clients are cut off), request
 * duration metrics, and graceful shutdown.
 *
 * Every dispatched request is a struct gw_request that the handler must end
 * with exactly one gw_reply_*() call; the request is freed by that call.
 */
#ifndef GW_HTTP_H
#define GW_HTTP_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

struct event_base;
struct evbuffer;
struct evhttp_request;
struct gw_metrics;

enum gw_method { GW_GET = 1, GW_POST = 2, GW_DELETE = 4, GW_HEAD = 8 };

struct gw_http;
struct gw_request;

typedef void (*gw_handler_fn)(struct gw_request *req, void *arg);

struct gw_http_limits {
    int64_t max_body;          /* bytes */
    int64_t request_timeout;   /* seconds: headers+body deadline and keep-alive idle */
    int max_connections;       /* at the cap, the least useful connection is shed */
    int64_t header_timeout;    /* seconds: request line and headers deadline */
    int64_t max_inflight_body; /* bytes of request bodies held at once (declared lengths) */
};

/*
 * Called for a request refused from its line and headers, before its body
 * was read (400, 408, 411, 413, 431, 501, 503: net/http_conn.c): path and
 * X-GitHub-Event as sent (either may be NULL), and the status.
 */
typedef void (*gw_http_reject_fn)(void *arg, const char *path, const char *event, int status);
void gw_http_on_reject(struct gw_http *http, gw_http_reject_fn fn, void *arg);

struct gw_http *gw_http_new(struct event_base *base, const struct gw_http_limits *limits,
                            struct gw_metrics *metrics);
void gw_http_free(struct gw_http *http);

/*
 * Adds a route. path is static. With prefix, path must end in '/' and the
 * rest of the URL path (percent-decoded) is gw_request_tail(). Several
 * methods on one path are several calls.
 */
int gw_http_route(struct gw_http *http, const char *path, int prefix, enum gw_method method,
                  gw_handler_fn fn, void *arg);

/*
 * The status codes a route (path and prefix as registered) answers, as
 * "200 304 503": its kaizen_http_request_duration_seconds series of each
 * are created at 0, so that rate() counts the first request of each (an
 * SLI its first 5xx). -1 when there is no such route or a code is not three digits.
 */
int gw_http_route_codes(struct gw_http *http, const char *path, int prefix, const char *codes);

/*
 * Resolves a request line against the table: 200 when a handler exists,
 * 404 for an unknown path, 405 for a known path with another method (then
 * *allow is the Allow header value). HEAD is served by GET handlers.
 */
int gw_http_resolve(const struct gw_http *http, const char *path, enum gw_method method,
                    const char **allow);

/* Binds and listens. Returns -1 on error (logged); the bound port in *port_out. */
int gw_http_listen(struct gw_http *http, const char *host, int port, int *port_out);

/*
 * Stops accepting and closes idle connections; in-flight requests finish.
 * on_drained is called once no request is in flight and every connection
 * has closed (maybe immediately).
 */
void gw_http_shutdown(struct gw_http *http, void (*on_drained)(void *), void *arg);
int gw_http_shutting_down(const struct gw_http *http);
/* Requests currently in flight. */
int gw_http_inflight(const struct gw_http *http);

/* --- request accessors (valid until the reply) -------------------------- */
/* The first header of that name (case-insensitive), or NULL. */
const char *gw_request_header(const struct gw_request *req, const char *name);
/*
 * Several headers in one pass over the request's headers: the caller sets
 * each name (distinct); each value becomes the first header of that name
 * (case-insensitive), or NULL. Allocates nothing.
 *
 *     struct gw_header h[] = {{"Content-Type", NULL}, {"X-Hub-Signature-256", NULL}};
 *     gw_request_headers(req, h, 2);
 */
struct gw_header {
    const char *name;
    const char *value;
};
void gw_request_headers(const struct gw_request *req, struct gw_header *want, size_t n);
/*
 * Raw body bytes (may contain NULs), contiguous and followed by
 * GW_HTTP_BODY_PADDING NUL bytes: a C string, and parsed where it lies by
 * readers that read ahead (gateway/util/jread.h).
 */
#define GW_HTTP_BODY_PADDING 64
const char *gw_request_body(const struct gw_request *req, size_t *len);
/* Decoded query parameter or NULL. */
const char *gw_request_query(const struct gw_request *req, const char *name);
/* The name of a query parameter not in allowed (NULL-terminated), or NULL if there is none. */
const char *gw_request_unknown_query(const struct gw_request *req, const char *const *allowed);
/* For prefix routes: the decoded rest of the path. */
const char *gw_request_tail(const struct gw_request *req);
/* 1 if the peer address is loopback (127.0.0.0/8, ::1). */
int gw_request_is_loopback(const struct gw_request *req);

/* --- replies: each ends the request ------------------------------------- */
/* Adds a response header before the reply. */
void gw_reply_header(struct gw_request *req, const char *name, const char *value);
/* body is stolen (may be NULL for an empty body). */
void gw_reply_json(struct gw_request *req, int code, json_t *body);
/* {"error": reason} */
void gw_reply_error(struct gw_request *req, int code, const char *reason);
/* {"status": word} */
void gw_reply_status(struct gw_request *req, int code, const char *word);
/* Raw body; its contents are moved out of body (caller keeps the evbuffer). */
void gw_reply_buffer(struct gw_request *req, int code, const char *content_type,
                     struct evbuffer *body);

#endif
