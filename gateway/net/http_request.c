/* What a handler reads from its request and how it answers (net/http.h). */
#include <event2/buffer.h>
#include <event2/http.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>

#include "gateway/core/dates.h"
#include "gateway/net/http_internal.h"
#include "gateway/util/prometheus.h"

/* --- accessors ------------------------------------------------------------- */

const char *
gw_request_header(const struct gw_request *req, const char *name)
{
    return evhttp_find_header(evhttp_request_get_input_headers(req->evreq), name);
}

const char *
gw_request_body(const struct gw_request *req, size_t *len)
{
    *len = req->body_len;
    return req->body != NULL ? req->body : "";
}

const char *
gw_request_query(const struct gw_request *req, const char *name)
{
    return evhttp_find_header(&req->query, name);
}

const char *
gw_request_unknown_query(const struct gw_request *req, const char *const *allowed)
{
    const struct evkeyval *kv;
    TAILQ_FOREACH(kv, &req->query, next) {
        const char *const *a = allowed;
        while (*a != NULL && strcmp(*a, kv->key) != 0)
            a++;
        if (*a == NULL)
            return kv->key;
    }
    return NULL;
}

const char *
gw_request_tail(const struct gw_request *req)
{
    return req->tail;
}

int
gw_request_is_loopback(const struct gw_request *req)
{
    struct evhttp_connection *evcon = evhttp_request_get_connection(req->evreq);
    char *addr = NULL;
    ev_uint16_t port;

    if (evcon == NULL)
        return 0;
    evhttp_connection_get_peer(evcon, &addr, &port);
    if (addr == NULL)
        return 0;
    return strncmp(addr, "127.", 4) == 0 || strcmp(addr, "::1") == 0 ||
           strncmp(addr, "::ffff:127.", 11) == 0;
}

/* --- replies ---------------------------------------------------------------- */

void
gw_reply_header(struct gw_request *req, const char *name, const char *value)
{
    evhttp_add_header(evhttp_request_get_output_headers(req->evreq), name, value);
}

void
gw_reply_buffer(struct gw_request *req, int code, const char *content_type, struct evbuffer *body)
{
    struct gw_http *http = req->http;
    char code_str[8];
    const char *labels[2];

    if (content_type != NULL)
        gw_reply_header(req, "Content-Type", content_type);
    if (http->shutting_down)
        gw_reply_header(req, "Connection", "close");
    evhttp_send_reply(req->evreq, code, NULL, body);

    snprintf(code_str, sizeof(code_str), "%d", code);
    labels[0] = req->route != NULL ? req->route->label : "other";
    labels[1] = code_str;
    gw_metric_observe(http->duration, labels, gw_monotonic() - req->started);

    if (req->conn != NULL) {
        req->conn->busy--;
        req->conn->since = gw_monotonic();
    }
    evhttp_clear_headers(&req->query);
    free(req->tail);
    free(req);
    if (--http->inflight == 0 && http->shutting_down && http->on_drained != NULL)
        http->on_drained(http->drained_arg);
}

void
gw_reply_json(struct gw_request *req, int code, json_t *body)
{
    struct evbuffer *buf = evbuffer_new();
    char *text = body != NULL ? json_dumps(body, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    if (text != NULL) {
        evbuffer_add(buf, text, strlen(text));
        evbuffer_add(buf, "\n", 1);
        free(text);
    }
    json_decref(body);
    gw_reply_buffer(req, code, "application/json", buf);
    evbuffer_free(buf);
}

void
gw_reply_error(struct gw_request *req, int code, const char *reason)
{
    gw_reply_json(req, code, json_pack("{s:s}", "error", reason));
}

void
gw_reply_status(struct gw_request *req, int code, const char *word)
{
    gw_reply_json(req, code, json_pack("{s:s}", "status", word));
}
