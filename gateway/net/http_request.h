/*
 * A request between the server (net/http.c), which makes it, and
 * net/http_request.c, which serves it to its handler (the accessors and
 * replies of net/http.h). Internal to gateway/net/. The server embeds it,
 * first, in a record of its own, fills it, and learns of the reply through
 * the hooks: the request calls nothing of the server's.
 */
#ifndef GW_HTTP_REQUEST_H
#define GW_HTTP_REQUEST_H

#include <event2/keyvalq_struct.h>
#include <stddef.h>

struct evhttp_request;
struct gw_request;

struct gw_request_hooks {
    /* Before the reply is sent: 1 if its connection is to close after it. */
    int (*closing)(const struct gw_request *req);
    /* After: the reply went out with status. Frees req. */
    void (*replied)(struct gw_request *req, int status);
};

struct gw_request {
    const struct gw_request_hooks *hooks;
    struct evhttp_request *evreq;
    struct evkeyvalq query;     /* the query string's parameters, decoded */
    char *tail;                 /* prefix routes: the decoded rest of the path */
    const char *body;           /* followed by GW_HTTP_BODY_PADDING NUL bytes (net/http.h) */
    size_t body_len;
};

/*
 * Reads a query string as sent (percent-encoded, without '?') into
 * req->query, decoded: 0, or -1 with the 400's reason in err ("%zz" and
 * "%00", which evhttp's decoder lets through, and a parameter given twice
 * are refused). What it read stays in req->query either way (the server
 * clears it with the request).
 */
int gw_request_parse_query(struct gw_request *req, const char *query, char *err, size_t errlen);

#endif
