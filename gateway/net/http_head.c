/*
 * The request head as the guard reads it (net/http_head.h), one complete
 * line at a time: the rules are libevent 2.1's (http.c: evbuffer_readln
 * with EVBUFFER_EOL_CRLF, evhttp_parse_request_line, evhttp_parse_headers_,
 * evhttp_get_body_length, evhttp_method_may_have_body), narrowed to what
 * it parses without surprise.
 */
#include "gateway/net/http_head.h"

#include <string.h>
#include <strings.h>

/* libevent's methods, and whether it reads a body for them. */
static const struct {
    const char *name;
    int has_body;
} methods[] = {
    {"GET", 0},    {"POST", 1},  {"HEAD", 0},    {"PUT", 1},     {"DELETE", 0},
    {"OPTIONS", 0}, {"TRACE", 0}, {"CONNECT", 0}, {"PATCH", 1},
};

void
gw_http_head_init(struct gw_http_head *h)
{
    memset(h, 0, sizeof(*h));
    h->state = GW_HEAD_MORE;
    h->content_length = -1;
}

static enum gw_http_head_state
refuse(struct gw_http_head *h, int status, const char *reason)
{
    h->status = status;
    h->reason = reason;
    return h->state = GW_HEAD_REFUSED;
}

static int
same_name(const char *buf, const struct gw_http_span *name, const char *want)
{
    return name->len == strlen(want) && strncasecmp(buf + name->at, want, name->len) == 0;
}

/* RFC 9110 tchar. */
static int
is_tchar(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           (c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

/* "METHOD SP /target SP HTTP/1.x" in buf[at, end). */
static enum gw_http_head_state
request_line(struct gw_http_head *h, const char *buf, size_t at, size_t end)
{
    const char *p = buf + at, *le = buf + end;
    const char *sp1 = memchr(p, ' ', (size_t)(le - p)), *sp2, *t;
    size_t i;

    if (sp1 == NULL || (sp2 = memchr(sp1 + 1, ' ', (size_t)(le - sp1 - 1))) == NULL ||
        le - sp2 != 9 || memcmp(sp2 + 1, "HTTP/1.", 7) != 0 || (sp2[8] != '0' && sp2[8] != '1'))
        return refuse(h, 400, "malformed request line");
    h->method = (struct gw_http_span){at, (size_t)(sp1 - p)};
    h->target = (struct gw_http_span){(size_t)(sp1 + 1 - buf), (size_t)(sp2 - sp1 - 1)};
    h->minor = sp2[8] - '0';
    /* origin-form: libevent would read "//x" as an authority, "x:" as a scheme */
    if (h->target.len == 0 || sp1[1] != '/' || (h->target.len > 1 && sp1[2] == '/'))
        return refuse(h, 400, "malformed request line");
    for (t = sp1 + 1; t < sp2; t++)
        if ((unsigned char)*t <= ' ' || (unsigned char)*t >= 0x7f || *t == '#')
            return refuse(h, 400, "malformed request line");
    for (t = p; t < sp1; t++)
        if (*t < 'A' || *t > 'Z')
            return refuse(h, 400, "malformed request line");
    for (i = 0; i < sizeof(methods) / sizeof(methods[0]); i++)
        if (h->method.len == strlen(methods[i].name) &&
            memcmp(p, methods[i].name, h->method.len) == 0)
            break;
    if (i == sizeof(methods) / sizeof(methods[0]))
        return refuse(h, 501, "method not implemented");
    h->method_has_body = methods[i].has_body;
    return GW_HEAD_MORE;
}

/* Digits only (1 to 18 of them); -1 otherwise. */
static int64_t
content_length(const char *v, size_t len)
{
    int64_t n = 0;
    if (len == 0 || len > 18)
        return -1;
    for (size_t i = 0; i < len; i++) {
        if (v[i] < '0' || v[i] > '9')
            return -1;
        n = n * 10 + (v[i] - '0');
    }
    return n;
}

/* "name:value" in buf[at, end). */
static enum gw_http_head_state
header_line(struct gw_http_head *h, const char *buf, size_t at, size_t end)
{
    const char *colon = memchr(buf + at, ':', end - at);
    struct gw_http_field f;
    size_t v, ve;

    if (colon == NULL || colon == buf + at)
        return refuse(h, 400, "malformed header line");
    f.name = (struct gw_http_span){at, (size_t)(colon - buf) - at};
    for (size_t i = at; i < at + f.name.len; i++)
        if (!is_tchar((unsigned char)buf[i]))   /* obs-fold (a leading blank) included */
            return refuse(h, 400, "malformed header line");
    v = (size_t)(colon - buf) + 1;
    while (v < end && buf[v] == ' ')
        v++;
    ve = end;
    while (ve > v && (buf[ve - 1] == ' ' || buf[ve - 1] == '\t'))
        ve--;
    f.value = (struct gw_http_span){v, ve - v};
    if (h->nfields == GW_HTTP_HEAD_FIELDS)
        return refuse(h, 431, "too many header lines");
    h->fields[h->nfields++] = f;

    if (same_name(buf, &f.name, "Content-Length")) {
        if (h->content_length >= 0)
            return refuse(h, 400, "conflicting Content-Length headers");
        if ((h->content_length = content_length(buf + v, ve - v)) < 0)
            return refuse(h, 400, "malformed Content-Length");
    } else if (same_name(buf, &f.name, "Transfer-Encoding")) {
        h->transfer_encoding = 1;
    } else if (same_name(buf, &f.name, "Connection") && !h->connection) {
        h->connection = 1;
        h->connection_close = ve - v == 5 && strncasecmp(buf + v, "close", 5) == 0;
    }
    return GW_HEAD_MORE;
}

/* The blank line: the framing, as libevent will read the body. */
static enum gw_http_head_state
framing(struct gw_http_head *h)
{
    if (h->transfer_encoding && h->content_length >= 0)
        return refuse(h, 400, "Content-Length together with Transfer-Encoding");
    if (h->transfer_encoding)
        /* A body's size is known before it is held: webhook senders send one. */
        return refuse(h, 411, "send the body with a Content-Length (no Transfer-Encoding)");
    if (!h->method_has_body && h->content_length > 0)
        return refuse(h, 400, "a body on a request method that has none");
    if (h->method_has_body && h->content_length < 0 && h->connection && !h->connection_close)
        return refuse(h, 411, "send a Content-Length, or Connection: close");
    h->body_length = h->method_has_body && h->content_length > 0 ? h->content_length : 0;
    return h->state = GW_HEAD_DONE;
}

static enum gw_http_head_state
read_line(struct gw_http_head *h, const char *buf, size_t at, size_t end, int first)
{
    for (size_t i = at; i < end; i++) {
        unsigned char c = (unsigned char)buf[i];
        if ((c < ' ' && c != '\t') || c == 0x7f)
            return refuse(h, 400, "control character in the request head");
    }
    if (first)
        /* libevent does not skip empty lines before the request line (RFC 9112 2.2 may) */
        return at == end ? refuse(h, 400, "malformed request line")
                         : request_line(h, buf, at, end);
    if (at == end)
        return framing(h);
    return header_line(h, buf, at, end);
}

enum gw_http_head_state
gw_http_head_read(struct gw_http_head *h, const char *buf, size_t len)
{
    while (h->state == GW_HEAD_MORE) {
        const char *lf = h->scanned < len ? memchr(buf + h->scanned, '\n', len - h->scanned)
                                          : NULL;
        size_t at = h->next, eol, end;
        int first = at == 0;

        if (lf == NULL) {
            h->scanned = len;
            if (len >= GW_HTTP_MAX_HEADERS)
                refuse(h, 431, "request headers over 16 KiB");
            break;
        }
        eol = (size_t)(lf - buf);
        if (eol >= GW_HTTP_MAX_HEADERS) {
            refuse(h, 431, "request headers over 16 KiB");
            break;
        }
        end = eol > at && buf[eol - 1] == '\r' ? eol - 1 : eol;   /* EVBUFFER_EOL_CRLF */
        h->next = h->scanned = eol + 1;
        if (read_line(h, buf, at, end, first) == GW_HEAD_DONE)
            h->end = eol + 1;
    }
    return h->state;
}

const struct gw_http_span *
gw_http_head_field(const struct gw_http_head *h, const char *buf, const char *name)
{
    for (size_t i = 0; i < h->nfields; i++)
        if (same_name(buf, &h->fields[i].name, name))
            return &h->fields[i].value;
    return NULL;
}
