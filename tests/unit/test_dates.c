/* The one date module (gateway/core/dates.h): parsing and formatting of
 * RFC 3339, HTTP dates, RFC 822, durations and sizes. Every timestamp here
 * is a fixed format vector that never meets the clock. */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "gateway/core/dates.h"
#include "tests/unit/check_main.h"

#define HOUR 3600

static int64_t
rfc3339(const char *s)
{
    int64_t t = 0;

    ck_assert_msg(gw_time_parse_rfc3339(s, &t) == 0, "bad test timestamp %s", s);
    return t;
}

static void
assert_date(int64_t t, const char *expected)
{
    char buf[GW_RFC822_DATE_LEN];

    ck_assert_ptr_eq(gw_rfc822_date(t, buf, sizeof(buf)), buf);
    ck_assert_str_eq(buf, expected);
}

START_TEST(durations)
{
    int64_t v;
    ck_assert_int_eq(gw_duration_parse("90s", &v), 0); ck_assert_int_eq(v, 90);
    ck_assert_int_eq(gw_duration_parse("15m", &v), 0); ck_assert_int_eq(v, 900);
    ck_assert_int_eq(gw_duration_parse("2h", &v), 0); ck_assert_int_eq(v, 7200);
    ck_assert_int_eq(gw_duration_parse("3d", &v), 0); ck_assert_int_eq(v, 259200);
    ck_assert_int_eq(gw_duration_parse("45", &v), 0); ck_assert_int_eq(v, 45);
    ck_assert_int_eq(gw_duration_parse("0", &v), 0); ck_assert_int_eq(v, 0);
    const char *bad[] = {"", "h", "-5s", "5x", "1.5h", "5 s", " 5s", "5sec", "99999999999999999999", "9223372036854775807d", NULL};
    for (int i = 0; bad[i] != NULL; i++)
        ck_assert_msg(gw_duration_parse(bad[i], &v) == -1, "accepted '%s'", bad[i]);
}
END_TEST

START_TEST(sizes)
{
    int64_t v;
    ck_assert_int_eq(gw_size_parse("5MiB", &v), 0); ck_assert_int_eq(v, 5 * 1024 * 1024);
    ck_assert_int_eq(gw_size_parse("512KiB", &v), 0); ck_assert_int_eq(v, 512 * 1024);
    ck_assert_int_eq(gw_size_parse("1000", &v), 0); ck_assert_int_eq(v, 1000);
    ck_assert_int_eq(gw_size_parse("5 MiB", &v), -1);
    ck_assert_int_eq(gw_size_parse("5TB", &v), -1);
}
END_TEST

START_TEST(rfc3339_parse_and_format)
{
    int64_t t;
    char buf[32];
    ck_assert_int_eq(gw_time_parse_rfc3339("2026-11-22T09:00:00Z", &t), 0);
    ck_assert_int_eq(t, 1795338000);
    ck_assert_str_eq(gw_time_format_rfc3339(t, buf, sizeof(buf)), "2026-11-22T09:00:00Z");
    ck_assert_int_eq(gw_time_parse_rfc3339("2026-11-22T10:30:00+01:30", &t), 0);
    ck_assert_int_eq(t, 1795338000);
    ck_assert_int_eq(gw_time_parse_rfc3339("2026-11-22T09:00:00.123456789Z", &t), 0);
    ck_assert_int_eq(t, 1795338000);
    ck_assert_int_eq(gw_time_parse_rfc3339("1970-01-01T00:00:00Z", &t), 0);
    ck_assert_int_eq(t, 0);
    ck_assert_int_eq(gw_time_parse_rfc3339("2024-02-29T00:00:00Z", &t), 0);
    const char *bad[] = {"2026-11-22", "2026-11-22T09:00:00", "2026-13-01T00:00:00Z",
                         "2025-02-29T00:00:00Z", "2026-11-22T25:00:00Z", "yesterday",
                         "2026-11-22T09:00:00Zjunk", "",
                         /* UTC instants in years -1 and 10000 */
                         "0000-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00", NULL};
    for (int i = 0; bad[i] != NULL; i++)
        ck_assert_msg(gw_time_parse_rfc3339(bad[i], &t) == -1, "accepted '%s'", bad[i]);
    /* The edges themselves, and Go's zero time (Alertmanager's endsAt), round-trip. */
    const char *edges[] = {"0000-01-01T00:00:00Z", "9999-12-31T23:59:59Z", "0001-01-01T00:00:00Z",
                           NULL};
    for (int i = 0; edges[i] != NULL; i++) {
        ck_assert_int_eq(gw_time_parse_rfc3339(edges[i], &t), 0);
        ck_assert_str_eq(gw_time_format_rfc3339(t, buf, sizeof(buf)), edges[i]);
    }
}
END_TEST

START_TEST(http_date_parsing)
{
    int64_t v = -1;

    ck_assert_int_eq(gw_time_parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT", &v), 0);
    ck_assert_int_eq(v, 784111777);
    ck_assert_int_eq(gw_time_parse_http_date("Thu, 01 Jan 1970 00:00:00 GMT", &v), 0);
    ck_assert_int_eq(v, 0);
    ck_assert_int_eq(gw_time_parse_http_date("Thursday, 01-Jan-70 00:00:00 GMT", &v), 0);
    ck_assert_int_eq(v, 0);
    ck_assert_int_eq(gw_time_parse_http_date("Wednesday, 09-Jun-21 10:18:14 GMT", &v), 0);
    ck_assert_int_eq(v, 1623233894);
    ck_assert_int_eq(gw_time_parse_http_date("Wed Jun  9 10:18:14 2021", &v), 0);
    ck_assert_int_eq(v, 1623233894);
    ck_assert_int_eq(gw_time_parse_http_date("Wed Jun 09 10:18:14 2021", &v), 0);
    ck_assert_int_eq(v, 1623233894);
    ck_assert_int_eq(gw_time_parse_http_date("Thu, 29 Feb 2024 00:00:00 GMT", &v), 0);
    ck_assert_int_eq(v, 1709164800);

    ck_assert_int_eq(gw_time_parse_http_date("Wed, 29 Feb 2023 00:00:00 GMT", &v), -1);
    ck_assert_int_eq(gw_time_parse_http_date("Thu, 31 Apr 2021 00:00:00 GMT", &v), -1);
    ck_assert_int_eq(gw_time_parse_http_date("Thu, 00 Apr 2021 00:00:00 GMT", &v), -1);
    ck_assert_int_eq(gw_time_parse_http_date("Sun, 06 nov 1994 08:49:37 GMT", &v), -1);
    ck_assert_int_eq(gw_time_parse_http_date("Sun, 06 Nov 1994 08:60:37 GMT", &v), -1);
    ck_assert_int_eq(gw_time_parse_http_date("Su, 06 Nov 1994 08:49:37 GMT", &v), -1);
    ck_assert_int_eq(gw_time_parse_http_date("06 Nov 1994 08:49:37 GMT", &v), -1);
    ck_assert_int_eq(gw_time_parse_http_date("Sun, 06 Nov 1994 08:49:37 GMTx", &v), -1);
    ck_assert_int_eq(gw_time_parse_http_date("Sun Nov  6 08:49:37 94", &v), -1);
    ck_assert_int_eq(gw_time_parse_http_date("", &v), -1);
    ck_assert_int_eq(gw_time_parse_http_date(NULL, &v), -1);
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

START_TEST(rfc822_known_dates)
{
    assert_date(0, "Thu, 01 Jan 1970 00:00:00 +0000");
    assert_date(-1, "Wed, 31 Dec 1969 23:59:59 +0000");
    assert_date(rfc3339("2026-11-22T09:00:00Z"), "Sun, 22 Nov 2026 09:00:00 +0000");
    assert_date(rfc3339("2024-02-29T12:34:56Z"), "Thu, 29 Feb 2024 12:34:56 +0000");
    assert_date(rfc3339("2000-02-29T23:59:59Z"), "Tue, 29 Feb 2000 23:59:59 +0000");
    assert_date(rfc3339("2100-03-01T00:00:00Z"), "Mon, 01 Mar 2100 00:00:00 +0000");
    assert_date(rfc3339("1900-01-01T00:00:00Z"), "Mon, 01 Jan 1900 00:00:00 +0000");
    assert_date(rfc3339("0000-01-01T00:00:00Z"), "Sat, 01 Jan 0000 00:00:00 +0000");
    assert_date(rfc3339("9999-12-31T23:59:59Z"), "Fri, 31 Dec 9999 23:59:59 +0000");
}
END_TEST

START_TEST(rfc822_rejects_out_of_range_and_short_buffers)
{
    char buf[GW_RFC822_DATE_LEN];

    ck_assert_ptr_null(gw_rfc822_date(rfc3339("0000-01-01T00:00:00Z") - 1, buf, sizeof(buf)));
    ck_assert_str_eq(buf, "");
    ck_assert_ptr_null(gw_rfc822_date(rfc3339("9999-12-31T23:59:59Z") + 1, buf, sizeof(buf)));
    ck_assert_ptr_null(gw_rfc822_date(INT64_MAX, buf, sizeof(buf)));
    ck_assert_ptr_null(gw_rfc822_date(INT64_MIN, buf, sizeof(buf)));
    ck_assert_ptr_null(gw_rfc822_date(0, buf, sizeof(buf) - 1));
    ck_assert_str_eq(buf, "");
    ck_assert_ptr_null(gw_rfc822_date(0, NULL, 0));
}
END_TEST

/* Against the C library in the "C" locale (a test never calls setlocale). */
START_TEST(rfc822_matches_gmtime)
{
    char ours[GW_RFC822_DATE_LEN], libc[64];

    for (int64_t t = rfc3339("1901-01-01T00:00:00Z"); t < rfc3339("2200-01-01T00:00:00Z");
         t += 86400 * 3 + 3727) {
        time_t tt = (time_t)t;
        struct tm tm;
        ck_assert_ptr_nonnull(gmtime_r(&tt, &tm));
        ck_assert_uint_ne(strftime(libc, sizeof(libc), "%a, %d %b %Y %H:%M:%S +0000", &tm), 0);
        ck_assert_str_eq(gw_rfc822_date(t, ours, sizeof(ours)), libc);
    }
}
END_TEST

START_TEST(test_human_duration)
{
    static const struct { int64_t seconds; const char *text; } cases[] = {
        {0, "0s"}, {1, "1s"}, {45, "45s"}, {59, "59s"}, {60, "1m"}, {90, "1m 30s"},
        {12 * 60, "12m"}, {3599, "59m 59s"}, {HOUR, "1h"}, {HOUR + 5 * 60, "1h 5m"},
        {HOUR + 59, "1h"}, {3 * HOUR, "3h"}, {23 * HOUR + 59 * 60, "23h 59m"},
        {24 * HOUR, "1d"}, {52 * 3600, "2d 4h"}, {52 * 3600 + 3599, "2d 4h"},
        {7 * 24 * HOUR, "7d"}, {-90, "-1m 30s"}, {-3 * HOUR, "-3h"},
        {INT64_MAX, "106751991167300d 15h"}, {INT64_MIN, "-106751991167300d 15h"},
    };
    char buf[32];

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        ck_assert_str_eq(gw_human_duration(cases[i].seconds, buf, sizeof(buf)), cases[i].text);
    ck_assert_str_eq(gw_human_duration(52 * 3600, buf, 3), "2d");
    buf[0] = 'x';
    gw_human_duration(5, buf, 0);
    ck_assert_int_eq(buf[0], 'x');
}
END_TEST

static Suite *
suite(void)
{
    Suite *s = suite_create("dates");
    TCase *tc = tcase_create("pure");
    tcase_add_test(tc, durations);
    tcase_add_test(tc, sizes);
    tcase_add_test(tc, rfc3339_parse_and_format);
    tcase_add_test(tc, http_date_parsing);
    tcase_add_test(tc, http_dates);
    tcase_add_test(tc, rfc822_known_dates);
    tcase_add_test(tc, rfc822_rejects_out_of_range_and_short_buffers);
    tcase_add_test(tc, rfc822_matches_gmtime);
    tcase_add_test(tc, test_human_duration);
    suite_add_tcase(s, tc);
    return s;
}

GW_CHECK_MAIN(suite)
