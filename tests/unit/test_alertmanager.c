/* Alertmanager payload parsing and severity/component mapping. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "gateway/core/alertmanager.h"

#include "tests/unit/check_main.h"

static struct gw_sla sla = {{4 * 3600, 24 * 3600, 72 * 3600, 168 * 3600}};
static struct gw_sla_policy policy = {&sla, NULL, NULL, NULL};
static struct gw_alert_opts opts = {&policy, GW_SEV_MEDIUM};

static int
parse(const char *json, struct gw_alert_batch *batch, char *err)
{
    struct gw_jdoc *doc;
    char jerr[256];
    const struct gw_jval *payload = gw_jparse(&doc, json, strlen(json), jerr, sizeof(jerr));
    ck_assert_msg(payload != NULL, "test JSON invalid: %s", jerr);
    int rc = gw_alertmanager_parse(payload, &opts, batch, err, 256);
    gw_jdoc_free(doc);
    return rc;
}

START_TEST(firing_and_resolved)
{
    struct gw_alert_batch b;
    char err[256];
    ck_assert_int_eq(parse(
        "{\"version\":\"4\",\"status\":\"firing\",\"truncatedAlerts\":2,\"alerts\":["
        "{\"status\":\"firing\",\"fingerprint\":\"a1b2c3\",\"labels\":{\"alertname\":\"HighLatency\","
        " \"severity\":\"warning\",\"service\":\"checkout\",\"job\":\"api\"},"
        " \"annotations\":{\"summary\":\"p99 > 2s\"},\"generatorURL\":\"http://prom/graph\","
        " \"startsAt\":\"2026-11-22T09:00:00.123Z\",\"endsAt\":\"0001-01-01T00:00:00Z\"},"
        "{\"status\":\"resolved\",\"fingerprint\":\"ffee\",\"labels\":{\"alertname\":\"DiskFull\","
        " \"severity\":\"major\",\"job\":\"node\"},\"annotations\":{},"
        " \"startsAt\":\"2026-11-22T09:00:00Z\",\"endsAt\":\"2026-11-22T09:30:00Z\"}]}",
        &b, err), 0);
    ck_assert_uint_eq(b.n, 2);
    ck_assert_int_eq(b.truncated, 2);
    ck_assert_str_eq(b.status, "firing");
    struct gw_ticket *t = &b.changes[0].ticket;
    ck_assert_str_eq(t->id, "am:a1b2c3");
    ck_assert_str_eq(t->source, "alertmanager");
    ck_assert_str_eq(t->title, "p99 > 2s");
    ck_assert_str_eq(t->url, "http://prom/graph");
    ck_assert_str_eq(t->component, "checkout");   /* service before job */
    ck_assert_int_eq(t->severity, GW_SEV_MEDIUM);
    ck_assert_int_eq(t->state, GW_TICKET_OPEN);
    ck_assert_int_eq(t->created_at, 1795338000);
    ck_assert_int_eq(t->updated_at, 1795338000);
    ck_assert_int_eq(t->sla_deadline, 1795338000 + 72 * 3600);
    t = &b.changes[1].ticket;
    ck_assert_str_eq(t->title, "DiskFull");       /* alertname when no summary */
    ck_assert_str_eq(t->component, "node");
    ck_assert_int_eq(t->severity, GW_SEV_HIGH);
    ck_assert_int_eq(t->state, GW_TICKET_RESOLVED);
    ck_assert_int_eq(t->resolved_at, 1795338000 + 1800);
    ck_assert_int_eq(t->updated_at, 1795338000 + 1800);
    gw_alert_batch_clear(&b);
}
END_TEST

START_TEST(severity_mapping_and_defaults)
{
    static const struct { const char *sev; enum gw_severity want; } cases[] = {
        {"critical", GW_SEV_CRITICAL}, {"error", GW_SEV_HIGH}, {"high", GW_SEV_HIGH},
        {"major", GW_SEV_HIGH}, {"warning", GW_SEV_MEDIUM}, {"medium", GW_SEV_MEDIUM},
        {"info", GW_SEV_LOW}, {"low", GW_SEV_LOW}, {"minor", GW_SEV_LOW},
        {"bogus", GW_SEV_MEDIUM},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char json[512], err[256];
        struct gw_alert_batch b;
        snprintf(json, sizeof(json),
                 "{\"version\":\"4\",\"alerts\":[{\"status\":\"firing\",\"fingerprint\":\"f%zu\","
                 "\"labels\":{\"severity\":\"%s\"},\"startsAt\":\"2026-11-22T09:00:00Z\"}]}",
                 i, cases[i].sev);
        ck_assert_int_eq(parse(json, &b, err), 0);
        ck_assert_msg(b.changes[0].ticket.severity == cases[i].want, "%s", cases[i].sev);
        gw_alert_batch_clear(&b);
    }
}
END_TEST

START_TEST(missing_labels_and_empty_alerts)
{
    struct gw_alert_batch b;
    char err[256];
    /* No labels or annotations at all: title falls back to the id, component "unknown". */
    ck_assert_int_eq(parse("{\"version\":\"4\",\"alerts\":[{\"status\":\"firing\",\"fingerprint\":\"abc\","
                           "\"startsAt\":\"2026-11-22T09:00:00Z\"}]}", &b, err), 0);
    ck_assert_str_eq(b.changes[0].ticket.title, "am:abc");
    ck_assert_str_eq(b.changes[0].ticket.component, "unknown");
    ck_assert_int_eq(b.changes[0].ticket.severity, GW_SEV_MEDIUM);
    gw_alert_batch_clear(&b);
    ck_assert_int_eq(parse("{\"version\":\"4\",\"status\":\"resolved\",\"alerts\":[]}", &b, err), 0);
    ck_assert_uint_eq(b.n, 0);
    ck_assert_str_eq(b.status, "resolved");
    gw_alert_batch_clear(&b);
}
END_TEST

START_TEST(rejections)
{
    static const char *const bad[] = {
        "[]",
        "{\"alerts\":[]}",                                   /* no version */
        "{\"version\":\"3\",\"alerts\":[]}",                 /* old version */
        "{\"version\":4,\"alerts\":[]}",                     /* wrong type */
        "{\"version\":\"4\"}",                               /* no alerts */
        "{\"version\":\"4\",\"alerts\":{}}",
        "{\"version\":\"4\",\"truncatedAlerts\":\"2\",\"alerts\":[]}",
        "{\"version\":\"4\",\"alerts\":[5]}",
        "{\"version\":\"4\",\"alerts\":[{\"status\":\"firing\",\"startsAt\":\"2026-11-22T09:00:00Z\"}]}",
        "{\"version\":\"4\",\"alerts\":[{\"status\":\"firing\",\"fingerprint\":\"\",\"startsAt\":\"2026-11-22T09:00:00Z\"}]}",
        "{\"version\":\"4\",\"alerts\":[{\"status\":\"firing\",\"fingerprint\":7,\"startsAt\":\"2026-11-22T09:00:00Z\"}]}",
        "{\"version\":\"4\",\"alerts\":[{\"status\":\"firing\",\"fingerprint\":\"a b\",\"startsAt\":\"2026-11-22T09:00:00Z\"}]}",
        "{\"version\":\"4\",\"alerts\":[{\"status\":\"pending\",\"fingerprint\":\"a\",\"startsAt\":\"2026-11-22T09:00:00Z\"}]}",
        "{\"version\":\"4\",\"alerts\":[{\"status\":\"firing\",\"fingerprint\":\"a\"}]}",
        "{\"version\":\"4\",\"alerts\":[{\"status\":\"firing\",\"fingerprint\":\"a\",\"startsAt\":\"soon\"}]}",
        "{\"version\":\"4\",\"alerts\":[{\"status\":\"resolved\",\"fingerprint\":\"a\",\"startsAt\":\"2026-11-22T09:00:00Z\"}]}",
        "{\"version\":\"4\",\"alerts\":[{\"status\":\"firing\",\"fingerprint\":\"a\",\"labels\":[],\"startsAt\":\"2026-11-22T09:00:00Z\"}]}",
        "{\"version\":\"4\",\"alerts\":[{\"status\":\"firing\",\"fingerprint\":\"a\",\"labels\":{\"severity\":1},\"startsAt\":\"2026-11-22T09:00:00Z\"}]}",
        "{\"version\":\"4\",\"alerts\":[{\"status\":\"firing\",\"fingerprint\":\"a\",\"annotations\":{\"summary\":[]},\"startsAt\":\"2026-11-22T09:00:00Z\"}]}",
        /* one good alert, then a bad one: the whole notification is rejected */
        "{\"version\":\"4\",\"alerts\":[{\"status\":\"firing\",\"fingerprint\":\"a\",\"startsAt\":\"2026-11-22T09:00:00Z\"},"
        "{\"status\":\"firing\",\"startsAt\":\"2026-11-22T09:00:00Z\"}]}",
        NULL,
    };
    for (int i = 0; bad[i] != NULL; i++) {
        struct gw_alert_batch b;
        char err[256] = "";
        ck_assert_msg(parse(bad[i], &b, err) == -1, "accepted case %d", i);
        ck_assert_msg(err[0] != '\0', "no reason for case %d", i);
        ck_assert_uint_eq(b.n, 0);
        ck_assert_ptr_null(b.changes);
    }
    struct gw_alert_batch b;
    char err[256];
    parse("{\"version\":\"3\",\"alerts\":[]}", &b, err);
    ck_assert_ptr_nonnull(strstr(err, "\"3\""));
}
END_TEST

static Suite *
suite(void)
{
    Suite *s = suite_create("alertmanager");
    TCase *tc = tcase_create("parse");
    tcase_add_test(tc, firing_and_resolved);
    tcase_add_test(tc, severity_mapping_and_defaults);
    tcase_add_test(tc, missing_labels_and_empty_alerts);
    tcase_add_test(tc, rejections);
    suite_add_tcase(s, tc);
    return s;
}

GW_CHECK_MAIN(suite)
