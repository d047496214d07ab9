/* Feed validators (weak ETags, If-None-Match lists), HTTP dates, digest HTML. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "gateway/core/etag.h"
#include "gateway/core/dates.h"
#include "tests/unit/check_main.h"

START_TEST(etags)
{
    char a[128], b[128], c[128];
    gw_feed_etag("tickets", 7, 100, "c=&s=&st=default", a, sizeof(a));
    gw_feed_etag("tickets", 7, 100, "c=web&s=&st=default", b, sizeof(b));
    gw_feed_etag("tickets", 8, 100, "c=&s=&st=default", c, sizeof(c));
    ck_assert(strncmp(a, "W/\"tickets-7-100-", 17) == 0);
    ck_assert_str_ne(a, b);
    ck_assert_str_ne(a, c);
    ck_assert(gw_etag_matches(a, a));
    ck_assert(gw_etag_matches(a + 2, a));                     /* strong form of the same tag */
    ck_assert(gw_etag_matches("*", a));
    char list[300];
    snprintf(list, sizeof(list), "W/\"x\", %s ,\"y\"", a);
    ck_assert(gw_etag_matches(list, a));
    ck_assert(!gw_etag_matches(b, a));
    ck_assert(!gw_etag_matches("", a));
    ck_assert(!gw_etag_matches("garbage", a));
    ck_assert(!gw_etag_matches("W/\"unterminated", a));
    ck_assert(!gw_etag_matches(NULL, a));
}
END_TEST

START_TEST(http_dates)
{
    char buf[40];
    int64_t t;
    ck_assert_str_eq(gw_http_date(1795338000, buf, sizeof(buf)), "Sun, 22 Nov 2026 09:00:00 GMT");
    ck_assert_int_eq(gw_time_parse_http_date(buf, &t), 0);
    ck_assert_int_eq(t, 1795338000);
    ck_assert_str_eq(gw_http_date(0, buf, sizeof(buf)), "Thu, 01 Jan 1970 00:00:00 GMT");
}
END_TEST

START_TEST(digest_html)
{
    json_t *messages = json_loads(
        "[{\"text\":\"t\",\"blocks\":[{\"type\":\"header\",\"text\":{\"type\":\"plain_text\",\"text\":\"Digest <1>\"}},"
        "{\"type\":\"section\",\"text\":{\"type\":\"mrkdwn\",\"text\":\"*db*\\n\\ud83d\\udd34 "
        "<https://x.example/1?a=1&amp;b=2|Disk &lt;full&gt; &amp; \\\"hot\\\"> \\u2014 SLA breached 3h ago\"}}]},"
        "{\"text\":\"t\",\"blocks\":[{\"type\":\"header\",\"text\":{\"type\":\"plain_text\",\"text\":\"Digest <1>\"}},"
        "{\"type\":\"section\",\"text\":{\"type\":\"mrkdwn\",\"text\":\"plain <https://y.example>\"}}]}]",
        0, NULL);
    ck_assert_ptr_nonnull(messages);
    char *html = gw_digest_html(messages);
    ck_assert_ptr_nonnull(html);
    ck_assert_ptr_nonnull(strstr(html, "<h3>Digest &lt;1&gt;</h3>"));
    ck_assert_ptr_nonnull(strstr(html, "<a href=\"https://x.example/1?a=1&amp;b=2\">Disk &lt;full&gt; &amp; &quot;hot&quot;</a>"));
    ck_assert_ptr_nonnull(strstr(html, "<br/>"));
    ck_assert_ptr_nonnull(strstr(html, "<a href=\"https://y.example\">https://y.example</a>"));
    /* the header of part 2 is not repeated */
    ck_assert_ptr_null(strstr(strstr(html, "</h3>"), "<h3>"));
    free(html);
    json_decref(messages);
}
END_TEST

static Suite *
suite(void)
{
    Suite *s = suite_create("feed");
    TCase *tc = tcase_create("pure");
    tcase_add_test(tc, etags);
    tcase_add_test(tc, http_dates);
    tcase_add_test(tc, digest_html);
    suite_add_tcase(s, tc);
    return s;
}

GW_CHECK_MAIN(suite)
