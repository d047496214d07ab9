/*
 * The guard's reading of a request head (gateway/net/http_head.h): what it
 * accepts is read as libevent reads it, what libevent would read otherwise
 * is refused (the fuzz target http_head checks the same against libevent
 * itself), and reading in pieces gives what reading at once gives.
 */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "gateway/net/http_head.h"

#include "tests/unit/check_main.h"

/* Reads text (len bytes) at once, and again one byte at a time: the same verdict. */
static enum gw_http_head_state
read_head(struct gw_http_head *h, const char *text, size_t len)
{
    struct gw_http_head piecewise;
    enum gw_http_head_state state = GW_HEAD_MORE;

    gw_http_head_init(&piecewise);
    for (size_t n = 1; n <= len && state == GW_HEAD_MORE; n++)
        state = gw_http_head_read(&piecewise, text, n);
    gw_http_head_init(h);
    ck_assert_int_eq(gw_http_head_read(h, text, len), state);
    ck_assert_int_eq(piecewise.status, h->status);
    ck_assert_uint_eq(piecewise.end, h->end);
    ck_assert_int_eq(piecewise.body_length, h->body_length);
    return state;
}

#define READ(h, text) read_head(h, text, sizeof(text) - 1)

static void
check_refused(const char *text, size_t len, int status, const char *reason)
{
    struct gw_http_head h;
    ck_assert_msg(read_head(&h, text, len) == GW_HEAD_REFUSED, "accepted: %.*s", (int)len, text);
    ck_assert_int_eq(h.status, status);
    ck_assert_str_eq(h.reason, reason);
}

static void
check_span(const char *buf, struct gw_http_span s, const char *want)
{
    ck_assert_uint_eq(s.len, strlen(want));
    ck_assert(memcmp(buf + s.at, want, s.len) == 0);
}

START_TEST(test_a_webhook_head)
{
    static const char text[] = "POST /webhooks/github?x=1 HTTP/1.1\r\n"
                               "Host: gw\r\n"
                               "X-GitHub-Event:issues\r\n"
                               "User-Agent:   GitHub-Hookshot/1 \t\r\n"
                               "X-Tab:\t a\r\n"
                               "content-length: 0016\r\n"
                               "\r\n"
                               "{\"body\":\"first\"}";
    struct gw_http_head h;

    ck_assert_int_eq(READ(&h, text), GW_HEAD_DONE);
    ck_assert_uint_eq(h.end, strlen(text) - 16);
    ck_assert_int_eq(h.body_length, 16);
    ck_assert_int_eq(h.minor, 1);
    check_span(text, h.method, "POST");
    check_span(text, h.target, "/webhooks/github?x=1");
    ck_assert_uint_eq(h.nfields, 5);
    check_span(text, h.fields[1].value, "issues");
    check_span(text, h.fields[2].value, "GitHub-Hookshot/1");   /* as libevent trims */
    check_span(text, h.fields[3].value, "\t a");                 /* libevent skips spaces only */
    check_span(text, *gw_http_head_field(&h, text, "x-github-event"), "issues");
    ck_assert_ptr_null(gw_http_head_field(&h, text, "X-GitHub"));
}
END_TEST

START_TEST(test_bare_lf_lines_and_incomplete_heads)
{
    struct gw_http_head h;

    ck_assert_int_eq(READ(&h, "GET /healthz HTTP/1.0\nAccept: */*\n\n"), GW_HEAD_DONE);
    ck_assert_int_eq(h.minor, 0);
    ck_assert_int_eq(h.body_length, 0);
    ck_assert_int_eq(READ(&h, "GET /healthz HTTP/1.1\r\nAccept: */*\r\n\r"), GW_HEAD_MORE);
    ck_assert_int_eq(READ(&h, "GET /healthz HTTP/1.1\r\nAccept"), GW_HEAD_MORE);
    /* A NUL in a line not complete yet is refused once the line is: libevent reads lines too. */
    ck_assert_int_eq(READ(&h, "GET /healthz HTTP/1.1\r\nA\0"), GW_HEAD_MORE);
}
END_TEST

/* Heads refused, with the status and reason of each. */
#define CASE(text, status, reason) {text, sizeof(text) - 1, status, reason}
static const struct {
    const char *text;
    size_t len;
    int status;
    const char *reason;
} refusals[] = {
    /* The campaign's finding: libevent ends the head at a line that starts with NUL. */
    CASE("POST /x HTTP/1.1\r\n\0:\r\nContent-Length: 7\r\n\r\nabcdefg", 400,
         "control character in the request head"),
    CASE("POST /x HTTP/1.1\r\nX: a\0b\r\nContent-Length: 7\r\n\r\nabcdefg", 400,
         "control character in the request head"),
    CASE("GET /x\0 HTTP/1.1\r\n\r\n", 400, "control character in the request head"),
    CASE("GET /x HTTP/1.1\r\nX: a\rb\r\n\r\n", 400, "control character in the request head"),
    CASE("GET /x HTTP/1.1\r\nX: a\x7f\r\n\r\n", 400, "control character in the request head"),
    CASE("GET /x HTTP/1.1\r\nX: a\x01\r\n\r\n", 400, "control character in the request head"),
    /* Request lines libevent reads otherwise, or refuses with HTML. */
    CASE("\r\nGET / HTTP/1.1\r\n\r\n", 400, "malformed request line"),
    CASE("GET  / HTTP/1.1\r\n\r\n", 400, "malformed request line"),
    CASE("GET / HTTP/1.1 \r\n\r\n", 400, "malformed request line"),
    CASE("GET / HTTP/1.2\r\n\r\n", 400, "malformed request line"),
    CASE("GET //host/x HTTP/1.1\r\n\r\n", 400, "malformed request line"),
    CASE("GET http://host/x HTTP/1.1\r\n\r\n", 400, "malformed request line"),
    CASE("OPTIONS * HTTP/1.1\r\n\r\n", 400, "malformed request line"),
    CASE("GET /a#b HTTP/1.1\r\n\r\n", 400, "malformed request line"),
    CASE("GET /\xc3\xa9 HTTP/1.1\r\n\r\n", 400, "malformed request line"),
    CASE("get / HTTP/1.1\r\n\r\n", 400, "malformed request line"),
    CASE("BREW / HTTP/1.1\r\n\r\n", 501, "method not implemented"),
    /* Header lines: obs-fold, no token before ':' */
    CASE("GET / HTTP/1.1\r\nA: 1\r\n folded\r\n\r\n", 400, "malformed header line"),
    CASE("GET / HTTP/1.1\r\nA : 1\r\n\r\n", 400, "malformed header line"),
    CASE("GET / HTTP/1.1\r\n: 1\r\n\r\n", 400, "malformed header line"),
    CASE("GET / HTTP/1.1\r\nA\r\n\r\n", 400, "malformed header line"),
    CASE("GET / HTTP/1.1\r\nA(b): 1\r\n\r\n", 400, "malformed header line"),
    /* A body libevent would not read: the bytes after the head would be its next request. */
    CASE("GET /x HTTP/1.1\r\nContent-Length: 5\r\n\r\nabcde", 400,
         "a body on a request method that has none"),
    CASE("DELETE /api/canaries/a HTTP/1.1\r\nContent-Length: 1\r\n\r\nx", 400,
         "a body on a request method that has none"),
    CASE("POST /x HTTP/1.1\r\nConnection: keep-alive\r\n\r\n", 411,
         "send a Content-Length, or Connection: close"),
    CASE("POST /x HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n", 411,
         "send the body with a Content-Length (no Transfer-Encoding)"),
    CASE("POST /x HTTP/1.1\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n", 400,
         "Content-Length together with Transfer-Encoding"),
    CASE("POST /x HTTP/1.1\r\nContent-Length: 3\r\ncontent-length: 3\r\n\r\n", 400,
         "conflicting Content-Length headers"),
    CASE("POST /x HTTP/1.1\r\nContent-Length: +3\r\n\r\n", 400, "malformed Content-Length"),
    CASE("POST /x HTTP/1.1\r\nContent-Length: 1234567890123456789\r\n\r\n", 400,
         "malformed Content-Length"),
};

START_TEST(test_refusals)
{
    check_refused(refusals[_i].text, refusals[_i].len, refusals[_i].status, refusals[_i].reason);
}
END_TEST

/* Bodies where libevent reads one, and none where it reads none. */
START_TEST(test_bodies_only_where_libevent_reads_one)
{
    struct gw_http_head h;

    ck_assert_int_eq(READ(&h, "GET /x HTTP/1.1\r\nContent-Length: 0\r\n\r\n"), GW_HEAD_DONE);
    ck_assert_int_eq(READ(&h, "PATCH /x HTTP/1.1\r\nContent-Length: 3\r\n\r\n"), GW_HEAD_DONE);
    ck_assert_int_eq(h.body_length, 3);
    /* No Content-Length: no body, unless the connection stays open (libevent fails those). */
    ck_assert_int_eq(READ(&h, "POST /x HTTP/1.1\r\n\r\n"), GW_HEAD_DONE);
    ck_assert_int_eq(h.body_length, 0);
    ck_assert_int_eq(READ(&h, "POST /x HTTP/1.1\r\nConnection: Close\r\n\r\n"), GW_HEAD_DONE);
}
END_TEST

/* As many header lines as the reader keeps, and as many bytes as a head may have. */
START_TEST(test_header_lines)
{
    char many[GW_HTTP_HEAD_FIELDS * 8 + 64], big[GW_HTTP_MAX_HEADERS + 32];
    size_t used;
    struct gw_http_head h;

    used = (size_t)snprintf(many, sizeof(many), "GET / HTTP/1.1\r\n");
    for (int i = 0; i < GW_HTTP_HEAD_FIELDS; i++)
        used += (size_t)snprintf(many + used, sizeof(many) - used, "H%d: x\r\n", i % 10);
    memcpy(many + used, "\r\n", 2);
    ck_assert_int_eq(read_head(&h, many, used + 2), GW_HEAD_DONE);
    memcpy(many + used, "H: x\r\n\r\n", 8);
    check_refused(many, used + 8, 431, "too many header lines");

    used = (size_t)snprintf(big, sizeof(big), "GET / HTTP/1.1\r\nX: ");
    memset(big + used, 'a', sizeof(big) - used);
    memcpy(big + GW_HTTP_MAX_HEADERS - 4, "\r\n\r\n", 4);   /* exactly 16 KiB: fine */
    ck_assert_int_eq(read_head(&h, big, sizeof(big)), GW_HEAD_DONE);
    ck_assert_uint_eq(h.end, GW_HTTP_MAX_HEADERS);
    memcpy(big + GW_HTTP_MAX_HEADERS - 4, "aa\r\n\r\n", 6);
    check_refused(big, sizeof(big), 431, "request headers over 16 KiB");
    check_refused(big, GW_HTTP_MAX_HEADERS, 431, "request headers over 16 KiB");
}
END_TEST

static Suite *
http_head_suite(void)
{
    Suite *s = suite_create("http_head");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_a_webhook_head);
    tcase_add_test(tc, test_bare_lf_lines_and_incomplete_heads);
    tcase_add_loop_test(tc, test_refusals, 0, sizeof(refusals) / sizeof(refusals[0]));
    tcase_add_test(tc, test_bodies_only_where_libevent_reads_one);
    tcase_add_test(tc, test_header_lines);
    suite_add_tcase(s, tc);
    return s;
}

GW_CHECK_MAIN(http_head_suite)
