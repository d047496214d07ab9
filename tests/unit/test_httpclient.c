/* The curl-on-libevent HTTP client against an evhttp server on the same loop. */
#include <arpa/inet.h>
#include <check.h>
#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "gateway/net/httpclient.h"
#include "gateway/util/clock.h"

#include "tests/unit/check_main.h"

/* Check forks each test, and LeakSanitizer's exit status from a forked child
 * never reaches the runner: ask for the leak check ourselves in teardown. */
#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/lsan_interface.h>
#define LEAKS_FOUND() __lsan_do_recoverable_leak_check()
#else
#define LEAKS_FOUND() 0
#endif

#define WATCHDOG_SECONDS 10
#define SLOW_MS 300

/* What the /echo handler saw. */
struct seen {
    int method;
    char body[256];
    size_t body_len;
    char content_type[64];
    char user_agent[64];
    char x_test[64];
};

/* One test's world: loop, server, client. Each test runs in its own fork. */
static struct {
    struct event_base *base;
    struct evhttp *server;
    int port;
    int refused_fd;         /* bound, never listening: connects are refused */
    int refused_port;
    struct gw_http_client *client;
    struct event *watchdog;
    int timed_out;
    int hangs;              /* requests parked at /hang */
    int slow_pending, slow_max;
    struct seen seen;
} fx;

/* What one completion callback reported. */
struct result {
    int calls;
    long status;
    char error[256];
    int has_error;
    int64_t retry_after_ms;
    char *body;
    size_t body_len;
    double at;
    int repost_rc;          /* what a POST from inside the callback returned */
};

/* --- server ---------------------------------------------------------------- */

static void
reply(struct evhttp_request *req, int code, const char *body)
{
    struct evbuffer *buf = evbuffer_new();
    ck_assert_ptr_nonnull(buf);
    evbuffer_add(buf, body, strlen(body));
    evhttp_send_reply(req, code, NULL, buf);
    evbuffer_free(buf);
}

static void
copy_header(struct evhttp_request *req, const char *name, char *out, size_t len)
{
    const char *v = evhttp_find_header(evhttp_request_get_input_headers(req), name);
    snprintf(out, len, "%s", v != NULL ? v : "");
}

static void
on_ok(struct evhttp_request *req, void *arg)
{
    (void)arg;
    reply(req, 200, "ok");
}

static void
on_429(struct evhttp_request *req, void *arg)
{
    (void)arg;
    evhttp_add_header(evhttp_request_get_output_headers(req), "Retry-After", "2");
    reply(req, 429, "slow down");
}

static void
on_500(struct evhttp_request *req, void *arg)
{
    (void)arg;
    reply(req, 500, "boom");
}

static void
on_404(struct evhttp_request *req, void *arg)
{
    (void)arg;
    reply(req, 404, "no such hook");
}

static void
on_redirect(struct evhttp_request *req, void *arg)
{
    (void)arg;
    evhttp_add_header(evhttp_request_get_output_headers(req), "Location", "/ok");
    reply(req, 302, "");
}

static void
on_big(struct evhttp_request *req, void *arg)
{
    size_t len = 100 * 1000;
    struct evbuffer *buf = evbuffer_new();
    char *big = malloc(len);
    (void)arg;
    ck_assert_ptr_nonnull(buf);
    ck_assert_ptr_nonnull(big);
    memset(big, 'x', len);
    evbuffer_add(buf, big, len);
    evhttp_send_reply(req, 200, "OK", buf);
    evbuffer_free(buf);
    free(big);
}

/* Parks the request: the client must give up on its own. */
static void
on_hang(struct evhttp_request *req, void *arg)
{
    (void)req;
    (void)arg;
    fx.hangs++;
}

static void
on_slow_due(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    fx.slow_pending--;
    reply(arg, 200, "slow ok");
}

static void
on_slow(struct evhttp_request *req, void *arg)
{
    struct timeval tv = {0, SLOW_MS * 1000};
    (void)arg;
    fx.slow_pending++;
    if (fx.slow_pending > fx.slow_max)
        fx.slow_max = fx.slow_pending;
    ck_assert_int_eq(event_base_once(fx.base, -1, EV_TIMEOUT, on_slow_due, req, &tv), 0);
}

static void
on_echo(struct evhttp_request *req, void *arg)
{
    struct evbuffer *in = evhttp_request_get_input_buffer(req);
    struct seen *s = &fx.seen;
    (void)arg;
    s->method = evhttp_request_get_command(req);
    s->body_len = evbuffer_get_length(in);
    ck_assert_uint_lt(s->body_len, sizeof(s->body));
    evbuffer_copyout(in, s->body, s->body_len);
    copy_header(req, "Content-Type", s->content_type, sizeof(s->content_type));
    copy_header(req, "User-Agent", s->user_agent, sizeof(s->user_agent));
    copy_header(req, "X-Test", s->x_test, sizeof(s->x_test));
    reply(req, 200, "echoed");
}

static void
on_watchdog(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    (void)arg;
    fx.timed_out = 1;
    event_base_loopbreak(fx.base);
}

static int
bound_port(int fd)
{
    struct sockaddr_in sin;
    socklen_t len = sizeof(sin);
    ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&sin, &len), 0);
    return ntohs(sin.sin_port);
}

static void
setup(void)
{
    struct evhttp_bound_socket *bound;
    struct sockaddr_in sin;

    memset(&fx, 0, sizeof(fx));
    fx.base = event_base_new();
    ck_assert_ptr_nonnull(fx.base);
    fx.server = evhttp_new(fx.base);
    ck_assert_ptr_nonnull(fx.server);
    bound = evhttp_bind_socket_with_handle(fx.server, "127.0.0.1", 0);
    ck_assert_ptr_nonnull(bound);
    fx.port = bound_port(evhttp_bound_socket_get_fd(bound));
    evhttp_set_cb(fx.server, "/ok", on_ok, NULL);
    evhttp_set_cb(fx.server, "/429", on_429, NULL);
    evhttp_set_cb(fx.server, "/500", on_500, NULL);
    evhttp_set_cb(fx.server, "/404", on_404, NULL);
    evhttp_set_cb(fx.server, "/redirect", on_redirect, NULL);
    evhttp_set_cb(fx.server, "/big", on_big, NULL);
    evhttp_set_cb(fx.server, "/hang", on_hang, NULL);
    evhttp_set_cb(fx.server, "/slow", on_slow, NULL);
    evhttp_set_cb(fx.server, "/echo", on_echo, NULL);

    fx.refused_fd = socket(AF_INET, SOCK_STREAM, 0);
    ck_assert_int_ge(fx.refused_fd, 0);
    memset(&sin, 0, sizeof(sin));
    sin.sin_family = AF_INET;
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ck_assert_int_eq(bind(fx.refused_fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
    fx.refused_port = bound_port(fx.refused_fd);

    fx.watchdog = evtimer_new(fx.base, on_watchdog, NULL);
    ck_assert_ptr_nonnull(fx.watchdog);
    fx.client = gw_http_client_new(fx.base, 2000, 5000);
    ck_assert_ptr_nonnull(fx.client);
}

static void
teardown(void)
{
    gw_http_client_free(fx.client);
    evhttp_free(fx.server);
    event_free(fx.watchdog);
    event_base_free(fx.base);
    close(fx.refused_fd);
    ck_assert_msg(!LEAKS_FOUND(), "memory leaked (see the LeakSanitizer report above)");
}

/* Runs the loop until *counter reaches target; the watchdog fails a hang. */
static void
run_until(const int *counter, int target)
{
    struct timeval tv = {WATCHDOG_SECONDS, 0};
    evtimer_add(fx.watchdog, &tv);
    while (*counter < target && !fx.timed_out)
        event_base_loop(fx.base, EVLOOP_ONCE);
    evtimer_del(fx.watchdog);
    ck_assert_msg(!fx.timed_out, "watchdog: %d of %d after %d s", *counter, target,
                  WATCHDOG_SECONDS);
}

static const char *
url(const char *path)
{
    static char bufs[8][128];
    static int next;
    char *b = bufs[next++ % 8];
    snprintf(b, sizeof(bufs[0]), "http://127.0.0.1:%d%s", fx.port, path);
    return b;
}

/* --- client callbacks -------------------------------------------------------- */

static int completions;     /* callbacks run, all results together */

static void
record(const struct gw_http_response *res, void *arg)
{
    struct result *r = arg;
    r->calls++;
    completions++;
    r->status = res->status;
    r->has_error = res->error != NULL;
    snprintf(r->error, sizeof(r->error), "%s", res->error != NULL ? res->error : "");
    r->retry_after_ms = res->retry_after_ms;
    ck_assert_ptr_nonnull(res->body);
    ck_assert_int_eq(res->body[res->body_len], '\0');
    free(r->body);
    r->body = malloc(res->body_len + 1);
    ck_assert_ptr_nonnull(r->body);
    memcpy(r->body, res->body, res->body_len + 1);
    r->body_len = res->body_len;
    r->at = gw_monotonic();
}

static void
result_clear(struct result *r)
{
    free(r->body);
    r->body = NULL;
}

static void
post(const char *path, struct result *r)
{
    ck_assert_int_eq(gw_http_client_post(fx.client, url(path), NULL, "{}", 2, record, r), 0);
}

/* --- tests ----------------------------------------------------------------- */

START_TEST(status_codes_and_bodies)
{
    struct result ok = {0}, limited = {0}, failed = {0}, missing = {0};
    completions = 0;
    post("/ok", &ok);
    post("/429", &limited);
    post("/500", &failed);
    post("/404", &missing);
    ck_assert_int_eq(gw_http_client_inflight(fx.client), 4);
    run_until(&completions, 4);
    ck_assert_int_eq(gw_http_client_inflight(fx.client), 0);

    ck_assert_int_eq(ok.calls, 1);
    ck_assert_int_eq(ok.status, 200);
    ck_assert(!ok.has_error);
    ck_assert_str_eq(ok.body, "ok");
    ck_assert_uint_eq(ok.body_len, 2);
    ck_assert_int_eq(ok.retry_after_ms, -1);

    ck_assert_int_eq(limited.status, 429);
    ck_assert_int_eq(limited.retry_after_ms, 2000);
    ck_assert_str_eq(limited.body, "slow down");

    ck_assert_int_eq(failed.status, 500);
    ck_assert(!failed.has_error);
    ck_assert_str_eq(failed.body, "boom");

    ck_assert_int_eq(missing.status, 404);
    ck_assert_str_eq(missing.body, "no such hook");
    ck_assert_int_eq(limited.calls + failed.calls + missing.calls, 3);
    result_clear(&ok);
    result_clear(&limited);
    result_clear(&failed);
    result_clear(&missing);
}
END_TEST

START_TEST(body_and_headers_arrive_intact)
{
    struct result r = {0};
    static const char body[] = "{\"text\":\"caf\xc3\xa9\",\"n\":1}\0tail";
    const char *const headers[] = {"X-Test: yes please", NULL};

    completions = 0;
    ck_assert_int_eq(gw_http_client_post(fx.client, url("/echo"), headers, body, sizeof(body) - 1,
                                         record, &r), 0);
    run_until(&completions, 1);
    ck_assert_int_eq(r.status, 200);
    ck_assert_str_eq(r.body, "echoed");
    ck_assert_int_eq(fx.seen.method, EVHTTP_REQ_POST);
    ck_assert_uint_eq(fx.seen.body_len, sizeof(body) - 1);    /* the NUL and tail too */
    ck_assert_mem_eq(fx.seen.body, body, sizeof(body) - 1);
    ck_assert_str_eq(fx.seen.content_type, "application/json");
    ck_assert_str_eq(fx.seen.user_agent, "kaizen-gateway/" KAIZEN_VERSION);
    ck_assert_str_eq(fx.seen.x_test, "yes please");
    result_clear(&r);
}
END_TEST

START_TEST(content_type_can_be_overridden)
{
    struct result r = {0};
    const char *const headers[] = {"content-type: text/plain; charset=utf-8", NULL};

    completions = 0;
    ck_assert_int_eq(gw_http_client_post(fx.client, url("/echo"), headers, "hi", 2, record, &r), 0);
    run_until(&completions, 1);
    ck_assert_int_eq(r.status, 200);
    ck_assert_str_eq(fx.seen.content_type, "text/plain; charset=utf-8");
    ck_assert_mem_eq(fx.seen.body, "hi", 2);
    result_clear(&r);
}
END_TEST

START_TEST(bad_requests_are_refused_synchronously)
{
    struct result r = {0};
    const char *const smuggling[] = {"X-Test: a\r\nX-Evil: b", NULL};

    ck_assert_int_eq(gw_http_client_post(fx.client, url("/ok"), smuggling, "{}", 2, record, &r), -1);
    ck_assert_int_eq(gw_http_client_post(fx.client, NULL, NULL, "{}", 2, record, &r), -1);
    ck_assert_int_eq(gw_http_client_post(fx.client, url("/ok"), NULL, NULL, 2, record, &r), -1);
    ck_assert_int_eq(gw_http_client_post(fx.client, url("/ok"), NULL, "{}", 2, NULL, &r), -1);
    ck_assert_int_eq(gw_http_client_inflight(fx.client), 0);
    ck_assert_int_eq(r.calls, 0);
}
END_TEST

START_TEST(errors_arrive_from_the_loop)
{
    struct result refused = {0}, ftp = {0}, empty = {0};
    char refused_url[64];

    completions = 0;
    snprintf(refused_url, sizeof(refused_url), "http://127.0.0.1:%d/", fx.refused_port);
    ck_assert_int_eq(gw_http_client_post(fx.client, refused_url, NULL, "{}", 2, record, &refused), 0);
    /* Only http and https: anything else fails, from the loop like any error. */
    ck_assert_int_eq(gw_http_client_post(fx.client, "ftp://127.0.0.1/x", NULL, "{}", 2, record, &ftp), 0);
    ck_assert_int_eq(gw_http_client_post(fx.client, url("/ok"), NULL, NULL, 0, record, &empty), 0);
    ck_assert_int_eq(completions, 0);     /* never inside post() */
    run_until(&completions, 3);

    ck_assert_int_eq(refused.calls, 1);
    ck_assert_int_eq(refused.status, 0);
    ck_assert(refused.has_error);
    ck_assert_str_eq(refused.error, "connection refused");
    ck_assert_int_eq(refused.retry_after_ms, -1);
    ck_assert_uint_eq(refused.body_len, 0);

    ck_assert_int_eq(ftp.status, 0);
    ck_assert(ftp.has_error);
    ck_assert_int_gt(strlen(ftp.error), 0);

    ck_assert_int_eq(empty.status, 200);     /* an empty body is a valid POST */
    result_clear(&refused);
    result_clear(&ftp);
    result_clear(&empty);
}
END_TEST

START_TEST(total_timeout)
{
    struct result r = {0};
    double started;

    gw_http_client_free(fx.client);
    fx.client = gw_http_client_new(fx.base, 1000, 1000);
    ck_assert_ptr_nonnull(fx.client);
    completions = 0;
    started = gw_monotonic();
    post("/hang", &r);
    run_until(&completions, 1);
    ck_assert_int_eq(fx.hangs, 1);
    ck_assert_int_eq(r.status, 0);
    ck_assert_str_eq(r.error, "timeout");
    ck_assert_uint_eq(r.body_len, 0);
    /* Loose bounds: machines (and sanitizers) are noisy. */
    ck_assert_msg(r.at - started >= 0.5, "timed out early: %.3f s", r.at - started);
    ck_assert_msg(r.at - started < 5.0, "timed out late: %.3f s", r.at - started);
    result_clear(&r);
}
END_TEST

START_TEST(concurrent_requests_all_complete)
{
    enum { N = 10 };
    struct result r[N];
    memset(r, 0, sizeof(r));

    completions = 0;
    for (int i = 0; i < N; i++)
        post("/slow", &r[i]);
    ck_assert_int_eq(gw_http_client_inflight(fx.client), N);
    run_until(&completions, N);
    for (int i = 0; i < N; i++) {
        ck_assert_int_eq(r[i].calls, 1);
        ck_assert_int_eq(r[i].status, 200);
        ck_assert_str_eq(r[i].body, "slow ok");
        result_clear(&r[i]);
    }
    /* They overlapped at the server rather than running one by one. */
    ck_assert_int_ge(fx.slow_max, N / 2);
    ck_assert_int_eq(gw_http_client_inflight(fx.client), 0);
}
END_TEST

static struct result chained;

static void
post_again(const struct gw_http_response *res, void *arg)
{
    struct result *r = arg;
    record(res, arg);
    r->repost_rc = gw_http_client_post(fx.client, url("/echo"), NULL, "{\"again\":true}", 14,
                                       record, &chained);
}

START_TEST(post_from_inside_a_callback)
{
    struct result first = {0};

    memset(&chained, 0, sizeof(chained));
    completions = 0;
    ck_assert_int_eq(gw_http_client_post(fx.client, url("/ok"), NULL, "{}", 2, post_again, &first), 0);
    run_until(&completions, 2);
    ck_assert_int_eq(first.status, 200);
    ck_assert_int_eq(first.repost_rc, 0);
    ck_assert_int_eq(chained.calls, 1);
    ck_assert_int_eq(chained.status, 200);
    ck_assert_mem_eq(fx.seen.body, "{\"again\":true}", 14);
    ck_assert_int_eq(gw_http_client_inflight(fx.client), 0);
    result_clear(&first);
    result_clear(&chained);
}
END_TEST

START_TEST(body_is_capped)
{
    struct result r = {0};

    completions = 0;
    post("/big", &r);
    run_until(&completions, 1);
    ck_assert_int_eq(r.status, 200);
    ck_assert(!r.has_error);
    ck_assert_uint_eq(r.body_len, GW_HTTP_BODY_CAP);
    ck_assert_int_eq(r.body[0], 'x');
    ck_assert_int_eq(r.body[GW_HTTP_BODY_CAP - 1], 'x');
    result_clear(&r);
}
END_TEST

START_TEST(redirects_are_not_followed)
{
    struct result r = {0};

    completions = 0;
    post("/redirect", &r);
    run_until(&completions, 1);
    ck_assert_int_eq(r.status, 302);
    ck_assert(!r.has_error);
    result_clear(&r);
}
END_TEST

static void
post_while_cancelled(const struct gw_http_response *res, void *arg)
{
    struct result *r = arg;
    record(res, arg);
    r->repost_rc = gw_http_client_post(fx.client, url("/ok"), NULL, "{}", 2, record, &chained);
}

START_TEST(free_cancels_inflight)
{
    enum { N = 3 };
    struct result parked[N], unstarted = {0};
    memset(parked, 0, sizeof(parked));
    memset(&chained, 0, sizeof(chained));

    completions = 0;
    for (int i = 0; i < N; i++)
        post("/hang", &parked[i]);
    run_until(&fx.hangs, N);            /* all three are on the wire */
    ck_assert_int_eq(gw_http_client_post(fx.client, url("/ok"), NULL, "{}", 2, post_while_cancelled,
                                         &unstarted), 0);
    ck_assert_int_eq(completions, 0);
    gw_http_client_free(fx.client);
    ck_assert_int_eq(completions, N + 1);
    for (int i = 0; i < N; i++) {
        ck_assert_int_eq(parked[i].calls, 1);
        ck_assert_int_eq(parked[i].status, 0);
        ck_assert_str_eq(parked[i].error, "cancelled");
        result_clear(&parked[i]);
    }
    ck_assert_int_eq(unstarted.status, 0);
    ck_assert_str_eq(unstarted.error, "cancelled");
    ck_assert_int_eq(unstarted.repost_rc, -1);    /* no new work while freeing */
    ck_assert_int_eq(chained.calls, 0);
    result_clear(&unstarted);
    fx.client = NULL;
}
END_TEST

static void
free_client(const struct gw_http_response *res, void *arg)
{
    record(res, arg);
    gw_http_client_free(fx.client);
    fx.client = NULL;
}

START_TEST(free_from_inside_a_callback)
{
    struct result done = {0}, parked = {0};

    completions = 0;
    post("/hang", &parked);
    run_until(&fx.hangs, 1);
    ck_assert_int_eq(gw_http_client_post(fx.client, url("/ok"), NULL, "{}", 2, free_client, &done), 0);
    run_until(&completions, 2);
    ck_assert_int_eq(done.status, 200);
    ck_assert_int_eq(parked.calls, 1);
    ck_assert_str_eq(parked.error, "cancelled");
    ck_assert_ptr_null(fx.client);
    result_clear(&done);
    result_clear(&parked);
}
END_TEST

START_TEST(retry_after_parsing)
{
    /* Sun, 06 Nov 1994 08:49:37 GMT */
    const int64_t t = 784111777;

    ck_assert_int_eq(gw_http_parse_retry_after("2", t), 2000);
    ck_assert_int_eq(gw_http_parse_retry_after("0", t), 0);
    ck_assert_int_eq(gw_http_parse_retry_after("120", t), 120000);
    ck_assert_int_eq(gw_http_parse_retry_after(" 3 ", t), 3000);
    ck_assert_int_eq(gw_http_parse_retry_after("\t7\r\n", t), 7000);
    ck_assert_int_eq(gw_http_parse_retry_after("-1", t), -1);
    ck_assert_int_eq(gw_http_parse_retry_after("+5", t), -1);
    ck_assert_int_eq(gw_http_parse_retry_after("1.5", t), -1);
    ck_assert_int_eq(gw_http_parse_retry_after("12abc", t), -1);
    ck_assert_int_eq(gw_http_parse_retry_after("abc", t), -1);
    ck_assert_int_eq(gw_http_parse_retry_after("", t), -1);
    ck_assert_int_eq(gw_http_parse_retry_after("   ", t), -1);
    ck_assert_int_eq(gw_http_parse_retry_after(NULL, t), -1);
    ck_assert_int_eq(gw_http_parse_retry_after("99999999999999999999", t), -1);

    /* HTTP-dates, in all three forms, relative to now. */
    ck_assert_int_eq(gw_http_parse_retry_after("Sun, 06 Nov 1994 08:50:07 GMT", t), 30000);
    ck_assert_int_eq(gw_http_parse_retry_after("Sunday, 06-Nov-94 08:50:07 GMT", t), 30000);
    ck_assert_int_eq(gw_http_parse_retry_after("Sun Nov  6 08:50:07 1994", t), 30000);
    ck_assert_int_eq(gw_http_parse_retry_after("Mon, 07 Nov 1994 08:49:37 GMT", t), 86400000);
    ck_assert_int_eq(gw_http_parse_retry_after(" Sun, 06 Nov 1994 08:49:38 GMT ", t), 1000);
    /* Past (or now): go ahead. */
    ck_assert_int_eq(gw_http_parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", t), 0);
    ck_assert_int_eq(gw_http_parse_retry_after("Sat, 05 Nov 1994 08:49:37 GMT", t), 0);
    /* Malformed dates. */
    ck_assert_int_eq(gw_http_parse_retry_after("Sun, 06 Nov 1994 08:49:37", t), -1);
    ck_assert_int_eq(gw_http_parse_retry_after("Sun, 06 Nov 1994 08:49:37 UTC", t), -1);
    ck_assert_int_eq(gw_http_parse_retry_after("Sun, 06 Foo 1994 08:49:37 GMT", t), -1);
    ck_assert_int_eq(gw_http_parse_retry_after("Sun, 06 Nov 1994 25:49:37 GMT", t), -1);
    ck_assert_int_eq(gw_http_parse_retry_after("Sun, 6 Nov 1994 08:49:37 GMT", t), -1);
    ck_assert_int_eq(gw_http_parse_retry_after("2026-11-22T09:00:00Z", t), -1);
}
END_TEST


static Suite *
httpclient_suite(void)
{
    Suite *s = suite_create("httpclient");
    TCase *parse = tcase_create("retry_after");
    TCase *io = tcase_create("transfers");

    tcase_add_test(parse, retry_after_parsing);
    suite_add_tcase(s, parse);

    tcase_add_checked_fixture(io, setup, teardown);
    tcase_set_timeout(io, 30);
    tcase_add_test(io, status_codes_and_bodies);
    tcase_add_test(io, body_and_headers_arrive_intact);
    tcase_add_test(io, content_type_can_be_overridden);
    tcase_add_test(io, bad_requests_are_refused_synchronously);
    tcase_add_test(io, errors_arrive_from_the_loop);
    tcase_add_test(io, total_timeout);
    tcase_add_test(io, concurrent_requests_all_complete);
    tcase_add_test(io, post_from_inside_a_callback);
    tcase_add_test(io, body_is_capped);
    tcase_add_test(io, redirects_are_not_followed);
    tcase_add_test(io, free_cancels_inflight);
    tcase_add_test(io, free_from_inside_a_callback);
    suite_add_tcase(s, io);
    return s;
}

GW_CHECK_MAIN(httpclient_suite)
