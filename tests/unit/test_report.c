/* The weekly report's pure parts: ISO weeks in a zone (core/period.h) and the figures
 * derived from aggregates (core/report.h), quantiles as histogram_quantile gives them. */
#include <check.h>
#include <math.h>
#include <string.h>

#include "gateway/app/zones.h"
#include "gateway/core/period.h"
#include "gateway/core/report.h"
#include "gateway/core/tz.h"
#include "tests/unit/check_main.h"

static struct gw_tz *
zone(const char *name)
{
    char err[256];
    struct gw_tz *tz = gw_zone_load(name, err, sizeof(err));
    ck_assert_msg(tz != NULL, "%s", err);
    return tz;
}

/* Week labels at the edges of ISO years, and a label parsed back to the same week. */
START_TEST(iso_weeks)
{
    struct gw_tz *utc = gw_tz_utc();
    struct gw_periods p = {0, utc};
    struct gw_period w, back;
    static const struct {
        int y, m, d;
        const char *label;
    } cases[] = {
        {2020, 12, 31, "2020-W53"}, {2021, 1, 3, "2020-W53"}, {2021, 1, 4, "2021-W01"},
        {2024, 12, 30, "2025-W01"}, {2026, 12, 7, "2026-W50"}, {2027, 1, 1, "2026-W53"},
    };

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        int64_t t = gw_tz_instant(utc, cases[i].y, cases[i].m, cases[i].d, 12 * 60);
        gw_period_of(&p, t, &w);
        ck_assert_str_eq(w.label, cases[i].label);
        ck_assert_int_eq(w.end - w.start, 7 * 86400);
        ck_assert(w.start <= t && t < w.end);
        ck_assert_int_eq(gw_weekday(w.start / 86400), 0);
        ck_assert_int_eq(gw_period_parse(&p, w.label, &back), 0);
        ck_assert_int_eq(back.start, w.start);
    }
    ck_assert_int_eq(gw_period_parse(&p, "2021-W53", &back), -1);   /* 2021 has 52 */
    ck_assert_int_eq(gw_period_parse(&p, "2026-W00", &back), -1);
    ck_assert_int_eq(gw_period_parse(&p, "2026-49", &back), -1);
    ck_assert_int_eq(gw_period_parse(&p, "every10-3", &back), -1);
    gw_tz_free(utc);
}
END_TEST

/* Berlin's weeks start Sunday 23:00 UTC (22:00 in summer); DST weeks are 167 and 169 h. */
START_TEST(weeks_in_berlin)
{
    struct gw_tz *berlin = zone("Europe/Berlin");
    struct gw_periods p = {0, berlin};
    struct gw_period w, next;

    ck_assert_int_eq(gw_period_parse(&p, "2026-W13", &w), 0);   /* 29 March: spring forward */
    ck_assert_int_eq(w.end - w.start, 167 * 3600);
    ck_assert_int_eq(gw_period_parse(&p, "2026-W43", &w), 0);   /* 25 October: fall back */
    ck_assert_int_eq(w.end - w.start, 169 * 3600);
    gw_period_next(&p, &w, &next);
    ck_assert_str_eq(next.label, "2026-W44");
    ck_assert_int_eq(next.start, w.end);
    ck_assert_int_eq(next.start % 86400, 23 * 3600);   /* Sunday 23:00 UTC */
    /* The report of a week is due KAIZEN_REPORT_AT after the Monday that ends it. */
    ck_assert_int_eq(gw_period_due(&p, &w, 9 * 60), w.end + 9 * 3600);
    ck_assert_int_eq(gw_period_due(&p, &w, 1440 + 30), w.end + 24 * 3600 + 30 * 60);
    gw_tz_free(berlin);
}
END_TEST

START_TEST(fixed_periods)
{
    struct gw_periods p = {20, NULL};
    struct gw_period w, back;

    gw_period_of(&p, 1000, &w);
    ck_assert_str_eq(w.label, "every20-50");
    ck_assert_int_eq(w.start, 1000);
    ck_assert_int_eq(gw_period_parse(&p, "every20-50", &back), 0);
    ck_assert_int_eq(back.end, 1020);
    ck_assert_int_eq(gw_period_parse(&p, "every30-50", &back), -1);
    ck_assert_int_eq(gw_period_due(&p, &w, 0), 1020);
    ck_assert_int_eq(gw_period_grace(&p), 10);
}
END_TEST

/* histogram_quantile: linear in the bucket that holds rank q*n; the +Inf bucket gives the top. */
START_TEST(quantiles)
{
    struct gw_report_cell c;

    memset(&c, 0, sizeof(c));
    ck_assert(gw_report_quantile(&c, 0.5) < 0);
    c.resolved = 4;
    c.ttr_buckets[0] = 2;   /* (0, 300] */
    c.ttr_buckets[3] = 2;   /* (1800, 3600] */
    ck_assert(fabs(gw_report_quantile(&c, 0.5) - 300) < 1e-9);
    ck_assert(fabs(gw_report_quantile(&c, 0.9) - (1800 + 1800 * 0.8)) < 1e-9);
    c.resolved = 5;         /* one above the last bound */
    ck_assert(fabs(gw_report_quantile(&c, 0.9) - 604800) < 1e-9);
    c.met = 3;
    c.breached = 1;
    ck_assert(fabs(gw_report_attainment(&c) - 0.75) < 1e-12);
    c.ttr_sum = 7;
    ck_assert(fabs(gw_report_mttr(&c) - 1.4) < 1e-12);
}
END_TEST

/* Open at a week's end: open now less the later weeks' net; the oldest then, whether open now or not. */
START_TEST(open_at_the_end)
{
    struct gw_period periods[GW_REPORT_HISTORY + 1];
    struct gw_report_cell cells[GW_REPORT_HISTORY + 1];
    struct gw_report_group g = {"web", "high", "github", 2, 500, "gh:o/r#9"};
    struct gw_report_data d = {periods, GW_REPORT_HISTORY + 1, GW_REPORT_HISTORY - 1, &g, 1, cells};
    struct gw_report r;

    memset(cells, 0, sizeof(cells));
    for (int i = 0; i <= GW_REPORT_HISTORY; i++)
        periods[i] = (struct gw_period){"w", i * 1000, (i + 1) * 1000};
    /* The week after: one opened (net +1), one that had opened at 100 resolved (net -1)... */
    cells[GW_REPORT_HISTORY].net = 0;
    cells[GW_REPORT_HISTORY].gone_since = 100;
    cells[GW_REPORT_HISTORY].gone_id = "gh:o/r#1";
    /* ...and the week itself: two opened, one resolved. */
    cells[GW_REPORT_HISTORY - 1].opened = 2;
    cells[GW_REPORT_HISTORY - 1].resolved = 1;
    cells[GW_REPORT_HISTORY - 1].net = 1;
    ck_assert_int_eq(gw_report_build(&d, NULL, NULL, &r), 0);
    ck_assert_uint_eq(r.nlines, 1);
    ck_assert_int_eq(r.lines[0].week.open_at_end, 2);
    ck_assert_str_eq(r.lines[0].week.oldest_id, "gh:o/r#1");   /* opened at 100, resolved later */
    ck_assert_int_eq(r.lines[0].previous.open_at_end, 1);
    ck_assert_int_eq(r.lines[0].history[GW_REPORT_HISTORY - 1].resolved, 1);
    gw_report_clear(&r);
}
END_TEST

static Suite *
suite(void)
{
    Suite *s = suite_create("report");
    TCase *tc = tcase_create("pure");
    tcase_add_test(tc, iso_weeks);
    tcase_add_test(tc, weeks_in_berlin);
    tcase_add_test(tc, fixed_periods);
    tcase_add_test(tc, quantiles);
    tcase_add_test(tc, open_at_the_end);
    suite_add_tcase(s, tc);
    return s;
}

GW_CHECK_MAIN(suite)
