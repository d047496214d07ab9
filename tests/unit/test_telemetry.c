/* The registry's histograms whose totals live in Redis, and the Kaizen families built from them. */
#include <check.h>
#include <event2/buffer.h>
#include <stdlib.h>
#include <string.h>

#include "gateway/core/telemetry.h"
#include "gateway/core/ticket.h"
#include "gateway/util/prometheus.h"
#include "tests/unit/check_main.h"

/* The exposition of m, NUL-terminated (malloc'd). */
static char *
render(struct gw_metrics *m)
{
    struct evbuffer *out = evbuffer_new();
    gw_metrics_render(m, out);
    size_t len = evbuffer_get_length(out);
    char *text = malloc(len + 1);
    evbuffer_remove(out, text, len);
    text[len] = '\0';
    evbuffer_free(out);
    return text;
}

/* Whether the exposition of m holds snippet. */
static int
rendered_has(struct gw_metrics *m, const char *snippet)
{
    char *text = render(m);
    int found = strstr(text, snippet) != NULL;
    free(text);
    return found;
}

START_TEST(histogram_from_totals_is_cumulative_with_inf_at_count)
{
    static const char *const names[] = {"c"};
    static const double bounds[] = {1, 10, 100};
    struct gw_metrics *m = gw_metrics_new();
    struct gw_metric *h = gw_metrics_add(m, "t_seconds", "help", GW_HISTOGRAM, 1, names, bounds, 3);
    const char *api[] = {"api"};
    /* one observation in each bucket, and two above the last bound (count only) */
    const double per_bucket[] = {1, 1, 1};

    gw_metric_set_histogram(h, api, per_bucket, 500, 5);
    ck_assert(rendered_has(m, "# TYPE t_seconds histogram\n"));
    ck_assert(rendered_has(m, "t_seconds_bucket{c=\"api\",le=\"1\"} 1\n"
                              "t_seconds_bucket{c=\"api\",le=\"10\"} 2\n"
                              "t_seconds_bucket{c=\"api\",le=\"100\"} 3\n"
                              "t_seconds_bucket{c=\"api\",le=\"+Inf\"} 5\n"
                              "t_seconds_sum{c=\"api\"} 500\n"
                              "t_seconds_count{c=\"api\"} 5\n"));
    /* set again: replaced, not added */
    const double zero[] = {0, 0, 0};
    gw_metric_set_histogram(h, api, zero, 0, 0);
    ck_assert(rendered_has(m, "t_seconds_bucket{c=\"api\",le=\"100\"} 0\n"));
    ck_assert(rendered_has(m, "t_seconds_count{c=\"api\"} 0\n"));
    gw_metrics_free(m);
}
END_TEST

START_TEST(ticket_measures_are_rebuilt_with_zeros)
{
    struct gw_metrics *m = gw_metrics_new();
    struct gw_telemetry t;
    struct gw_ticket_measures rows[2];

    ck_assert_int_eq(gw_telemetry_init(&t, m), 0);
    memset(rows, 0, sizeof(rows));
    rows[0].component = "checkout";
    rows[0].severity = "high";
    rows[0].resolve.sum = 2400 + 600;
    rows[0].resolve.count = 2;
    rows[0].resolve.buckets[1] = 1;    /* 600 s: le=900 */
    rows[0].resolve.buckets[3] = 1;    /* 2400 s: le=3600 */
    rows[0].ack.sum = 120;
    rows[0].ack.count = 1;
    rows[0].ack.buckets[0] = 1;
    rows[0].sla_met = 2;
    rows[0].reopened = 1;
    rows[1].component = "search";      /* a first ticket, nothing counted yet */
    rows[1].severity = "low";
    gw_set_ticket_measures(&t, rows, 2);
    ck_assert(rendered_has(m, "kaizen_ticket_seconds_bucket{component=\"checkout\",severity=\"high\",le=\"900\"} 1\n"));
    ck_assert(rendered_has(m, "kaizen_ticket_seconds_bucket{component=\"checkout\",severity=\"high\",le=\"3600\"} 2\n"));
    ck_assert(rendered_has(m, "kaizen_ticket_seconds_bucket{component=\"checkout\",severity=\"high\",le=\"604800\"} 2\n"));
    ck_assert(rendered_has(m, "kaizen_ticket_seconds_sum{component=\"checkout\",severity=\"high\"} 3000\n"));
    ck_assert(rendered_has(m, "kaizen_ticket_ack_seconds_count{component=\"checkout\",severity=\"high\"} 1\n"));
    ck_assert(rendered_has(m, "kaizen_ticket_sla_total{component=\"checkout\",severity=\"high\",outcome=\"met\"} 2\n"));
    ck_assert(rendered_has(m, "kaizen_ticket_sla_total{component=\"checkout\",severity=\"high\",outcome=\"breached\"} 0\n"));
    ck_assert(rendered_has(m, "kaizen_ticket_reopened_total{component=\"checkout\",severity=\"high\"} 1\n"));
    ck_assert(rendered_has(m, "kaizen_ticket_seconds_bucket{component=\"search\",severity=\"low\",le=\"+Inf\"} 0\n"));
    ck_assert(rendered_has(m, "kaizen_ticket_ack_seconds_bucket{component=\"search\",severity=\"low\",le=\"300\"} 0\n"));
    ck_assert(rendered_has(m, "kaizen_ticket_reopened_total{component=\"search\",severity=\"low\"} 0\n"));
    /* Rebuilt, not merged: a pair Redis no longer has goes away. */
    gw_set_ticket_measures(&t, rows + 1, 1);
    ck_assert(!rendered_has(m, "checkout"));
    ck_assert(rendered_has(m, "kaizen_ticket_reopened_total{component=\"search\",severity=\"low\"} 0\n"));
    gw_metrics_free(m);
}
END_TEST

START_TEST(ticket_json_says_how_often_it_was_reopened)
{
    struct gw_ticket t = {0};
    t.id = "gh:o/r#1";
    t.source = "github";
    t.title = "x";
    t.url = "";
    t.component = "api";
    t.severity = GW_SEV_HIGH;
    t.reopened = 2;
    json_t *o = gw_ticket_json(&t, 0);
    ck_assert_int_eq(json_integer_value(json_object_get(o, "reopened")), 2);
    json_decref(o);
    t.reopened = 0;
    o = gw_ticket_json(&t, 0);
    ck_assert(json_is_integer(json_object_get(o, "reopened")));
    ck_assert_int_eq(json_integer_value(json_object_get(o, "reopened")), 0);
    json_decref(o);
}
END_TEST

static Suite *
suite(void)
{
    Suite *s = suite_create("telemetry");
    TCase *tc = tcase_create("pure");
    tcase_add_test(tc, histogram_from_totals_is_cumulative_with_inf_at_count);
    tcase_add_test(tc, ticket_measures_are_rebuilt_with_zeros);
    tcase_add_test(tc, ticket_json_says_how_often_it_was_reopened);
    suite_add_tcase(s, tc);
    return s;
}

GW_CHECK_MAIN(suite)
