/* Digest windows, delivery outcome classification (webhooks and the Slack Web API), retry backoff. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "gateway/app/zones.h"
#include "gateway/core/retry.h"
#include "gateway/core/schedule.h"
#include "gateway/core/slackapi.h"
#include "gateway/core/tz.h"
#include "tests/unit/check_main.h"

#define T0 1795338000 /* 2026-11-22T09:00:00Z */

START_TEST(periodic_windows)
{
    char a[64], b[64], c[64];
    struct gw_tz *utc = gw_tz_utc();
    ck_assert_int_eq(gw_digest_window(T0, 30, 0, utc, a, sizeof(a)), T0);
    ck_assert_int_eq(gw_digest_window(T0 + 29, 30, 0, utc, b, sizeof(b)), T0);
    ck_assert_str_eq(a, b);
    ck_assert_int_eq(gw_digest_window(T0 + 30, 30, 0, utc, c, sizeof(c)), T0 + 30);
    ck_assert_str_ne(a, c);
    ck_assert_str_eq(a, "every30-59844600");
    gw_tz_free(utc);
}
END_TEST

START_TEST(daily_windows)
{
    char id[64];
    struct gw_tz *utc = gw_tz_utc();
    /* 09:00 UTC digest: at 09:00 the window is today's, before it yesterday's. */
    ck_assert_int_eq(gw_digest_window(T0, 0, 9 * 60, utc, id, sizeof(id)), T0);
    ck_assert_str_eq(id, "2026-11-22");
    ck_assert_int_eq(gw_digest_window(T0 - 1, 0, 9 * 60, utc, id, sizeof(id)), T0 - 86400);
    ck_assert_str_eq(id, "2026-11-21");
    ck_assert_int_eq(gw_digest_window(T0 + 15 * 3600 - 1, 0, 9 * 60, utc, id, sizeof(id)), T0);
    ck_assert_str_eq(id, "2026-11-22");
    ck_assert_int_eq(gw_digest_window(T0 + 15 * 3600, 0, 9 * 60, utc, id, sizeof(id)), T0);
    ck_assert_str_eq(id, "2026-11-22"); /* 00:00 next day is still before 09:00 */
    ck_assert_int_eq(gw_digest_window(T0, 0, 0, utc, id, sizeof(id)), T0 - 9 * 3600);
    ck_assert_str_eq(id, "2026-11-22");
    gw_tz_free(utc);
}
END_TEST

/* KAIZEN_DIGEST_AT is read on KAIZEN_TIMEZONE's wall clock, daylight saving time included. */
START_TEST(daily_windows_in_a_time_zone)
{
    char id[64], err[256];
    struct gw_tz *berlin = gw_zone_load("Europe/Berlin", err, sizeof(err));

    ck_assert_msg(berlin != NULL, "%s", err);
    /* 09:00 in Berlin in winter (UTC+1) is 08:00 UTC */
    ck_assert_int_eq(gw_digest_window(T0, 0, 9 * 60, berlin, id, sizeof(id)), T0 - 3600);
    ck_assert_str_eq(id, "2026-11-22");
    ck_assert_int_eq(gw_digest_window(T0 - 3601, 0, 9 * 60, berlin, id, sizeof(id)),
                     T0 - 3600 - 86400);
    ck_assert_str_eq(id, "2026-11-21");
    /* 23:30 local on the 22nd is 22:30 UTC: still the 22nd's window, named by the local day */
    ck_assert_int_eq(gw_digest_window(T0 + 13 * 3600 + 1800, 0, 9 * 60, berlin, id, sizeof(id)),
                     T0 - 3600);
    ck_assert_str_eq(id, "2026-11-22");
    /* 00:30 local on the 23rd is 23:30 UTC on the 22nd: before 09:00, the 22nd's window still */
    ck_assert_int_eq(gw_digest_window(T0 + 14 * 3600 + 1800, 0, 9 * 60, berlin, id, sizeof(id)),
                     T0 - 3600);
    /* in summer (UTC+2): 2026-07-01 09:00 Berlin is 07:00 UTC */
    ck_assert_int_eq(gw_digest_window(1782889200, 0, 9 * 60, berlin, id, sizeof(id)), 1782889200);
    ck_assert_str_eq(id, "2026-07-01");
    gw_tz_free(berlin);
}
END_TEST

START_TEST(digest_grace_is_a_quarter_period_at_most_an_hour)
{
    ck_assert_int_eq(gw_digest_grace(0), 3600);        /* daily: an hour, not 6 h */
    ck_assert_int_eq(gw_digest_grace(3600), 900);
    ck_assert_int_eq(gw_digest_grace(8 * 3600), 3600);
    ck_assert_int_eq(gw_digest_grace(2), 1);           /* at least the timer's second */
}
END_TEST

START_TEST(classification)
{
    ck_assert_int_eq(gw_retry_classify(200, 1, 5), GW_OUTCOME_SENT);
    ck_assert_int_eq(gw_retry_classify(204, 1, 5), GW_OUTCOME_SENT);
    ck_assert_int_eq(gw_retry_classify(429, 1, 5), GW_OUTCOME_THROTTLED);
    ck_assert_int_eq(gw_retry_classify(429, 5, 5), GW_OUTCOME_THROTTLED); /* never dead */
    ck_assert_int_eq(gw_retry_classify(500, 4, 5), GW_OUTCOME_RETRY);
    ck_assert_int_eq(gw_retry_classify(503, 5, 5), GW_OUTCOME_DEAD);   /* attempts used up */
    ck_assert_int_eq(gw_retry_classify(0, 1, 5), GW_OUTCOME_RETRY);    /* timeout, refused */
    ck_assert_int_eq(gw_retry_classify(400, 1, 5), GW_OUTCOME_DEAD);   /* PagerDuty 400 */
    ck_assert_int_eq(gw_retry_classify(403, 1, 5), GW_OUTCOME_DEAD);
    ck_assert_int_eq(gw_retry_classify(404, 1, 5), GW_OUTCOME_DEAD);
    ck_assert_int_eq(gw_retry_classify(410, 1, 5), GW_OUTCOME_DEAD);
    ck_assert_int_eq(gw_retry_classify(301, 1, 5), GW_OUTCOME_DEAD);
}
END_TEST

START_TEST(retry_after_honoured_on_429_and_503_capped)
{
    struct gw_retry_policy cfg = {5, 1000, 60000};
    /* 99999999 s would park the sink for three years: capped at an hour. */
    ck_assert_int_eq(gw_retry_delay_ms(&cfg, 1, 429, 99999999000LL), GW_RETRY_AFTER_MAX_MS);
    ck_assert_int_eq(gw_retry_delay_ms(&cfg, 1, 503, 99999999000LL), GW_RETRY_AFTER_MAX_MS);
    ck_assert_int_eq(gw_retry_delay_ms(&cfg, 3, 429, 7000), 7000);
    ck_assert_int_eq(gw_retry_delay_ms(&cfg, 3, 503, 0), 0);
    /* No Retry-After, or a status that does not carry one: the backoff. */
    int64_t d = gw_retry_delay_ms(&cfg, 1, 429, -1);
    ck_assert(d >= 800 && d <= 1200);
    d = gw_retry_delay_ms(&cfg, 1, 500, 7000);
    ck_assert(d >= 800 && d <= 1200);
}
END_TEST

START_TEST(backoff_grows_with_jitter_and_cap)
{
    struct gw_retry_policy cfg;
    memset(&cfg, 0, sizeof(cfg));
    cfg.backoff_base_ms = 1000;
    cfg.backoff_max_ms = 60000;
    for (int i = 0; i < 200; i++) {
        int64_t d1 = gw_retry_backoff_ms(&cfg, 1), d3 = gw_retry_backoff_ms(&cfg, 3);
        int64_t d20 = gw_retry_backoff_ms(&cfg, 20);
        ck_assert(d1 >= 800 && d1 <= 1200);
        ck_assert(d3 >= 3200 && d3 <= 4800);
        ck_assert(d20 >= 48000 && d20 <= 72000);
    }
}
END_TEST

START_TEST(slack_web_api_answers)
{
    struct gw_slack_answer a;
    const char *ok = "{\"ok\":true,\"channel\":\"C0SRE\",\"ts\":\"1700000000.000100\"}";
    ck_assert_int_eq(gw_slack_api_classify(200, ok, strlen(ok), 1, 5, &a), GW_OUTCOME_SENT);
    ck_assert_str_eq(a.channel, "C0SRE");
    ck_assert_str_eq(a.ts, "1700000000.000100");
    static const struct { const char *body; enum gw_outcome want; } cases[] = {
        {"{\"ok\":false,\"error\":\"ratelimited\"}", GW_OUTCOME_THROTTLED},
        {"{\"ok\":false,\"error\":\"channel_not_found\"}", GW_OUTCOME_DEAD},
        {"{\"ok\":false,\"error\":\"not_in_channel\"}", GW_OUTCOME_DEAD},
        {"{\"ok\":false,\"error\":\"invalid_auth\"}", GW_OUTCOME_DEAD},
        {"{\"ok\":false,\"error\":\"account_inactive\"}", GW_OUTCOME_DEAD},
        {"{\"ok\":false,\"error\":\"msg_too_long\"}", GW_OUTCOME_DEAD},
        {"{\"ok\":false,\"error\":\"internal_error\"}", GW_OUTCOME_RETRY},
        {"{\"ok\":false}", GW_OUTCOME_RETRY},
        {"ok", GW_OUTCOME_RETRY},            /* not the Web API */
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        ck_assert_msg(gw_slack_api_classify(200, cases[i].body, strlen(cases[i].body), 1, 5, &a) ==
                          cases[i].want, "%s", cases[i].body);
    gw_slack_api_classify(200, cases[1].body, strlen(cases[1].body), 1, 5, &a);
    ck_assert_str_eq(a.error, "channel_not_found");
    ck_assert_int_eq(gw_slack_api_classify(200, "{\"ok\":false}", 12, 5, 5, &a), GW_OUTCOME_DEAD);
    ck_assert_int_eq(gw_slack_api_classify(429, "", 0, 9, 5, &a), GW_OUTCOME_THROTTLED);
    ck_assert_int_eq(gw_slack_api_classify(503, "", 0, 1, 5, &a), GW_OUTCOME_RETRY);
    char *msg = gw_slack_api_message("{\"text\":\"hi\"}", 13, "C0SRE", "thread_ts", NULL);
    ck_assert_str_eq(msg, "{\"text\":\"hi\",\"channel\":\"C0SRE\"}");
    free(msg);
    msg = gw_slack_api_message("{\"text\":\"hi\"}", 13, "C0SRE", "thread_ts", "1.2");
    ck_assert_str_eq(msg, "{\"text\":\"hi\",\"channel\":\"C0SRE\",\"thread_ts\":\"1.2\"}");
    free(msg);
    msg = gw_slack_api_message("{\"text\":\"hi\"}", 13, "C0SRE", "ts", "1.3");
    ck_assert_str_eq(msg, "{\"text\":\"hi\",\"channel\":\"C0SRE\",\"ts\":\"1.3\"}");
    free(msg);
    const char *gone = "{\"ok\":false,\"error\":\"message_not_found\"}";   /* chat.update */
    ck_assert_int_eq(gw_slack_api_classify(200, gone, strlen(gone), 1, 5, &a), GW_OUTCOME_DEAD);
    ck_assert_ptr_null(gw_slack_api_message("[1]", 3, "C0SRE", "ts", NULL));
}
END_TEST

static Suite *
suite(void)
{
    Suite *s = suite_create("outbox");
    TCase *tc = tcase_create("pure");
    tcase_add_test(tc, periodic_windows);
    tcase_add_test(tc, daily_windows);
    tcase_add_test(tc, daily_windows_in_a_time_zone);
    tcase_add_test(tc, classification);
    tcase_add_test(tc, slack_web_api_answers);
    tcase_add_test(tc, digest_grace_is_a_quarter_period_at_most_an_hour);
    tcase_add_test(tc, retry_after_honoured_on_429_and_503_capped);
    tcase_add_test(tc, backoff_grows_with_jitter_and_cap);
    suite_add_tcase(s, tc);
    return s;
}

GW_CHECK_MAIN(suite)
