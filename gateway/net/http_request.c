/* What a handler reads from its request and how it answers (net/http.h). */
#include "gateway/net/http.h"

#include <event2/buffer.h>
#include <event2/http.h>
#include <event2/util.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>

#include "gateway/net/http_request.h"
#include "gateway/util/parse.h"
#include "gateway/util/utf8.h"

/* --- the query string ------------------------------------------------------- */

static int
hex_digit(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/*
 * What evhttp's decoder lets through: "%zz" (kept as is) and "%00" (which
 * would cut "component=a%00b" to "a"). -1 with the reason in err.
 */
static int
query_problem(const char *query, char *err, size_t errlen)
{
    for (const char *p = query; *p != '\0'; p++) {
        if (*p != '%')
            continue;
        if (!hex_digit(p[1]) || !hex_digit(p[2]))
            return gw_fail(err, errlen, "malformed percent-escape in the query string");
        if (p[1] == '0' && p[2] == '0')
            return gw_fail(err, errlen, "%%00 is not allowed in the query string");
    }
    return 0;
}

/* A parameter given twice is refused, not silently read once. */
static int
query_repeats(const struct evkeyvalq *q, char *err, size_t errlen)
{
    const struct evkeyval *a, *b;
    TAILQ_FOREACH(a, q, next) {
        for (b = TAILQ_NEXT(a, next); b != NULL; b = TAILQ_NEXT(b, next))
            if (strcmp(a->key, b->key) == 0)
                return gw_fail(err, errlen, "query parameter %.64s is given more than once",
                               a->key);
    }
    return 0;
}

int
gw_request_parse_query(struct gw_request *req, const char *query, char *err, size_t errlen)
{
    if (query_problem(query, err, errlen) != 0)
        return -1;
    if (evhttp_parse_query_str(query, &req->query) != 0)
        return gw_fail(err, errlen, "malformed query string");
    return query_repeats(&req->query, err, errlen);
}

/* --- accessors ------------------------------------------------------------- */

const char *
gw_request_header(const struct gw_request *req, const char *name)
{
    return evhttp_find_header(evhttp_request_get_input_headers(req->evreq), name);
}

void
gw_request_headers(const struct gw_request *req, struct gw_header *want, size_t n)
{
    const struct evkeyval *h;
    size_t missing = n;

    for (size_t i = 0; i < n; i++)
        want[i].value = NULL;
    TAILQ_FOREACH(h, evhttp_request_get_input_headers(req->evreq), next) {
        for (size_t i = 0; i < n; i++) {
            if (want[i].value == NULL && evutil_ascii_strcasecmp(h->key, want[i].name) == 0) {
                want[i].value = h->value;
                if (--missing == 0)
                    return;
                break;
            }
        }
    }
}

const char *
gw_request_body(const struct gw_request *req, size_t *len)
{
    static const char empty[GW_HTTP_BODY_PADDING];
    *len = req->body_len;
    return req->body != NULL ? req->body : empty;
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
    if (content_type != NULL)
        gw_reply_header(req, "Content-Type", content_type);
    if (req->hooks->closing(req))
        gw_reply_header(req, "Connection", "close");
    evhttp_send_reply(req->evreq, code, NULL, body);
    req->hooks->replied(req, code);
}

void
gw_reply_json(struct gw_request *req, int code, json_t *body)
{
    struct evbuffer *buf = evbuffer_new();
    char *text = body != NULL ? json_dumps(body, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    if (text != NULL && buf != NULL) {
        evbuffer_add(buf, text, strlen(text));
        evbuffer_add(buf, "\n", 1);
    }
    free(text);
    json_decref(body);
    gw_reply_buffer(req, code, "application/json", buf);
    if (buf != NULL)
        evbuffer_free(buf);
}

void
gw_reply_error(struct gw_request *req, int code, const char *reason)
{
    json_t *body = json_pack("{s:s}", "error", reason);
    if (body == NULL) {
        /* The reason quotes the request (a Content-Type cut mid-character):
         * invalid UTF-8 becomes U+FFFD, so the answer still has its body. */
        char *clean = gw_utf8_copy(reason);
        body = json_pack("{s:s}", "error", clean != NULL ? clean : "invalid request");
        free(clean);
    }
    gw_reply_json(req, code, body);
}

/* word is one of the gateway's own status words: plain ASCII, nothing to escape. */
void
gw_reply_status(struct gw_request *req, int code, const char *word)
{
    struct evbuffer *buf = evbuffer_new();

    if (buf != NULL) {
        evbuffer_add(buf, "{\"status\":\"", 11);
        evbuffer_add(buf, word, strlen(word));
        evbuffer_add(buf, "\"}\n", 3);
    }
    gw_reply_buffer(req, code, "application/json", buf);
    if (buf != NULL)
        evbuffer_free(buf);
}
