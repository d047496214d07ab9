/*
 * The guard's head reader (gateway/net/http_head.h) against libevent's own
 * head parser (evhttp_parse_firstline_ and evhttp_parse_headers_, exported
 * by libevent 2.1 though not in its installed headers): whenever the reader
 * accepts a head, libevent parses exactly that head (method, target,
 * version, the same header list and values, the same end of the head) and
 * reads the same body length; while the reader waits for more, libevent
 * has not refused the lines it has either; and reading the bytes in pieces
 * gives what reading them at once gives.
 */
#include <event2/buffer.h>
#include <event2/http.h>
#include <event2/http_struct.h>
#include <event2/keyvalq_struct.h>
#include <strings.h>

#include "gateway/net/http_head.h"
#include "tests/fuzz/fuzz.h"

/* libevent's http-internal.h */
enum message_read_status {
    ALL_DATA_READ = 1,
    MORE_DATA_EXPECTED = 0,
    DATA_CORRUPTED = -1,
    REQUEST_CANCELED = -2,
    DATA_TOO_LONG = -3
};
enum message_read_status evhttp_parse_firstline_(struct evhttp_request *, struct evbuffer *);
enum message_read_status evhttp_parse_headers_(struct evhttp_request *, struct evbuffer *);

static const char *
method_name(enum evhttp_cmd_type type)
{
    switch (type) {
    case EVHTTP_REQ_GET: return "GET";
    case EVHTTP_REQ_POST: return "POST";
    case EVHTTP_REQ_HEAD: return "HEAD";
    case EVHTTP_REQ_PUT: return "PUT";
    case EVHTTP_REQ_DELETE: return "DELETE";
    case EVHTTP_REQ_OPTIONS: return "OPTIONS";
    case EVHTTP_REQ_TRACE: return "TRACE";
    case EVHTTP_REQ_CONNECT: return "CONNECT";
    case EVHTTP_REQ_PATCH: return "PATCH";
    default: return "";
    }
}

/*
 * The body libevent reads for a request whose head it parsed, as its
 * evhttp_get_body and evhttp_get_body_length decide (libevent 2.1 http.c):
 * its length, -1 when it fails the request, -2 for a chunked one.
 */
static int64_t
libevent_body(struct evhttp_request *r)
{
    const char *te, *length, *connection;
    char *endp;
    long long n;

    if (r->type != EVHTTP_REQ_POST && r->type != EVHTTP_REQ_PUT && r->type != EVHTTP_REQ_PATCH)
        return 0;
    te = evhttp_find_header(r->input_headers, "Transfer-Encoding");
    if (te != NULL && strcasecmp(te, "chunked") == 0)
        return -2;
    length = evhttp_find_header(r->input_headers, "Content-Length");
    connection = evhttp_find_header(r->input_headers, "Connection");
    if (length == NULL)
        return connection == NULL || strcasecmp(connection, "Close") == 0 ? 0 : -1;
    n = strtoll(length, &endp, 10);
    if (*length == '\0' || *endp != '\0' || n < 0)
        return -1;
    return n;
}

static int
span_is(const uint8_t *data, struct gw_http_span s, const char *text)
{
    return s.len == strlen(text) && memcmp(data + s.at, text, s.len) == 0;
}

/* Whole heads read by libevent, compared with what the reader made of them. */
static void
agree_with_libevent(const uint8_t *data, size_t size, const struct gw_http_head *h)
{
    struct evhttp_request *r = evhttp_request_new(NULL, NULL);
    struct evbuffer *in = evbuffer_new();
    enum message_read_status first, headers = MORE_DATA_EXPECTED;
    const struct evkeyval *kv;
    size_t i = 0;

    if (r == NULL || in == NULL || evbuffer_add(in, data, size) != 0)
        abort();
    r->kind = EVHTTP_REQUEST;
    first = evhttp_parse_firstline_(r, in);
    if (first == ALL_DATA_READ)
        headers = evhttp_parse_headers_(r, in);

    if (h->state == GW_HEAD_MORE) {
        /* libevent has not answered (refused) what the guard is still reading. */
        FUZZ_CHECK(first == (h->next > 0 ? ALL_DATA_READ : MORE_DATA_EXPECTED) &&
                       headers == MORE_DATA_EXPECTED,
                   "the reader waits, libevent says %d/%d", first, headers);
        goto done;
    }
    FUZZ_CHECK(first == ALL_DATA_READ && headers == ALL_DATA_READ,
               "the reader accepts a head libevent does not read (%d/%d)", first, headers);
    FUZZ_CHECK(size - evbuffer_get_length(in) == h->end,
               "the head ends at %zu for the reader, at %zu for libevent", h->end,
               size - evbuffer_get_length(in));
    FUZZ_CHECK(span_is(data, h->method, method_name(r->type)), "the method differs");
    FUZZ_CHECK(r->uri != NULL && span_is(data, h->target, r->uri), "the target differs: %s",
               r->uri);
    FUZZ_CHECK(r->major == 1 && r->minor == h->minor, "the version differs");
    for (kv = r->input_headers->tqh_first; kv != NULL; kv = kv->next.tqe_next, i++) {
        FUZZ_CHECK(i < h->nfields, "libevent read more header lines");
        FUZZ_CHECK(span_is(data, h->fields[i].name, kv->key) &&
                       span_is(data, h->fields[i].value, kv->value),
                   "header %zu differs: [%s]: [%s]", i, kv->key, kv->value);
    }
    FUZZ_CHECK(i == h->nfields, "libevent read fewer header lines");
    FUZZ_CHECK(libevent_body(r) == h->body_length, "the body is %lld bytes for libevent, %lld "
               "for the reader", (long long)libevent_body(r), (long long)h->body_length);
done:
    evbuffer_free(in);
    evhttp_request_free(r);
}

static void
same_reading(const struct gw_http_head *a, const struct gw_http_head *b)
{
    FUZZ_CHECK(a->state == b->state && a->status == b->status && a->reason == b->reason &&
                   a->end == b->end && a->body_length == b->body_length &&
                   a->nfields == b->nfields && a->next == b->next,
               "read in pieces: state %d/%d status %d/%d end %zu/%zu", a->state, b->state,
               a->status, b->status, a->end, b->end);
    for (size_t i = 0; i < a->nfields; i++)
        FUZZ_CHECK(memcmp(&a->fields[i], &b->fields[i], sizeof(a->fields[i])) == 0,
                   "read in pieces: header %zu differs", i);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct gw_http_head whole, pieces;
    const char *buf = (const char *)data;
    size_t step = size > 0 ? 1 + data[size - 1] % 13 : 1, len = 0;

    gw_http_head_init(&whole);
    gw_http_head_read(&whole, buf, size);
    FUZZ_CHECK(whole.state != GW_HEAD_REFUSED || (whole.reason != NULL && whole.status >= 400),
               "refused without a status and a reason");
    FUZZ_CHECK(whole.state != GW_HEAD_DONE || (whole.end <= size &&
                                               whole.end <= GW_HTTP_MAX_HEADERS),
               "a head that ends past its bytes");

    /* As it arrives: in pieces of 1 to 13 bytes, the guard reading after each. */
    gw_http_head_init(&pieces);
    while (len < size && gw_http_head_read(&pieces, buf, len) == GW_HEAD_MORE)
        len = len + step < size ? len + step : size;
    gw_http_head_read(&pieces, buf, size);
    same_reading(&whole, &pieces);

    if (whole.state != GW_HEAD_REFUSED)
        agree_with_libevent(data, size, &whole);
    return 0;
}
