/* Canary environment globs, deployment payloads, API bodies, PagerDuty bodies. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "gateway/core/canary.h"
#include "gateway/core/pager.h"
#include "gateway/util/utf8.h"
#include "tests/unit/check_main.h"
#include "tests/unit/jval.h"

START_TEST(environment_globs)
{
    struct gw_strlist globs;
    gw_strlist_split("*canary*, prod-?-cnry, staging", &globs);
    ck_assert(gw_canary_env_matches(&globs, "canary"));
    ck_assert(gw_canary_env_matches(&globs, "prod-canary-eu"));
    ck_assert(gw_canary_env_matches(&globs, "prod-1-cnry"));
    ck_assert(gw_canary_env_matches(&globs, "staging"));
    ck_assert(!gw_canary_env_matches(&globs, "production"));
    ck_assert(!gw_canary_env_matches(&globs, "prod-12-cnry"));
    ck_assert(!gw_canary_env_matches(&globs, "Canary")); /* case-sensitive */
    ck_assert(!gw_canary_env_matches(&globs, "staging2"));
    gw_strlist_free(&globs);
}
END_TEST

static json_t *
deployment(const char *env, long long id)
{
    return json_pack("{s:{s:I, s:s, s:s, s:s, s:s}, s:{s:s, s:s}}", "deployment", "id",
                     (json_int_t)id, "environment", env, "sha", "abc123", "created_at",
                     "2026-11-22T09:00:00Z", "updated_at", "2026-11-22T09:00:00Z", "repository",
                     "full_name", "octo-org/api", "name", "api");
}

START_TEST(deployment_events)
{
    struct gw_strlist globs;
    struct gw_canary_change ch;
    char err[256];
    gw_strlist_split("*canary*", &globs);
    json_t *p = deployment("prod-canary", 77);
    ck_assert_int_eq(gw_canary_from_deployment(jv(p), &globs, 7200, &ch, err, sizeof(err)), 0);
    ck_assert_int_eq(ch.op, GW_CANARY_START);
    ck_assert_str_eq(ch.canary.id, "gh:octo-org/api:deployment:77");
    ck_assert_str_eq(ch.canary.service, "api");
    ck_assert_str_eq(ch.canary.environment, "prod-canary");
    ck_assert_str_eq(ch.canary.sha, "abc123");
    ck_assert_int_eq(ch.canary.started_at, 1795338000);
    ck_assert_int_eq(ch.canary.budget_seconds, 7200);
    gw_canary_change_clear(&ch);
    json_decref(p);
    p = deployment("production", 78);
    ck_assert_int_eq(gw_canary_from_deployment(jv(p), &globs, 7200, &ch, err, sizeof(err)), 0);
    ck_assert_int_eq(ch.op, GW_CANARY_PROMOTE);
    ck_assert_str_eq(ch.canary.repo, "octo-org/api");
    gw_canary_change_clear(&ch);
    json_decref(p);
    /* wrong types */
    p = json_pack("{s:{s:s, s:s}, s:{s:s, s:s}}", "deployment", "id", "77", "environment", "x",
                  "repository", "full_name", "o/r", "name", "r");
    ck_assert_int_eq(gw_canary_from_deployment(jv(p), &globs, 7200, &ch, err, sizeof(err)), -1);
    json_decref(p);
    gw_strlist_free(&globs);
}
END_TEST

START_TEST(deployment_statuses)
{
    static const struct { const char *state; enum gw_canary_op op; } cases[] = {
        {"failure", GW_CANARY_END}, {"error", GW_CANARY_END}, {"inactive", GW_CANARY_END},
        {"success", GW_CANARY_NONE}, {"pending", GW_CANARY_NONE}, {"in_progress", GW_CANARY_NONE},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct gw_canary_change ch;
        char err[256];
        json_t *p = json_pack("{s:{s:I}, s:{s:s, s:s}, s:{s:s, s:s}}", "deployment", "id",
                              (json_int_t)77, "deployment_status", "state", cases[i].state,
                              "created_at", "2026-11-22T10:00:00Z", "repository", "full_name",
                              "octo-org/api", "name", "api");
        ck_assert_int_eq(gw_canary_from_deployment_status(jv(p), &ch, err, sizeof(err)), 0);
        ck_assert_int_eq(ch.op, cases[i].op);
        if (ch.op == GW_CANARY_END)
            ck_assert_str_eq(ch.canary.id, "gh:octo-org/api:deployment:77");
        gw_canary_change_clear(&ch);
        json_decref(p);
    }
}
END_TEST

START_TEST(api_bodies)
{
    struct gw_canary c;
    char err[256];
    json_t *b = json_pack("{s:s, s:s, s:s}", "id", "argo/checkout-42", "service", "checkout",
                          "environment", "prod");
    ck_assert_int_eq(gw_canary_from_api(jv(b), 1000, 7200, &c, err, sizeof(err)), 0);
    ck_assert_int_eq(c.started_at, 1000);
    ck_assert_int_eq(c.budget_seconds, 7200);
    ck_assert_str_eq(c.source, "api");
    gw_canary_clear(&c);
    json_decref(b);
    b = json_pack("{s:s, s:s, s:s, s:s, s:i}", "id", "x", "service", "s", "environment", "e",
                  "started_at", "2026-11-22T09:00:00Z", "budget_seconds", 2);
    ck_assert_int_eq(gw_canary_from_api(jv(b), 0, 7200, &c, err, sizeof(err)), 0);
    ck_assert_int_eq(c.budget_seconds, 2);
    ck_assert_int_eq(c.started_at, 1795338000);
    gw_canary_clear(&c);
    json_decref(b);
    const char *bad[] = {
        "{\"service\":\"s\",\"environment\":\"e\"}",
        "{\"id\":\"x\",\"environment\":\"e\"}",
        "{\"id\":\"x\",\"service\":\"s\"}",
        "{\"id\":5,\"service\":\"s\",\"environment\":\"e\"}",
        "{\"id\":\"\",\"service\":\"s\",\"environment\":\"e\"}",
        "{\"id\":\"a\\nb\",\"service\":\"s\",\"environment\":\"e\"}",
        "{\"id\":\"x\",\"service\":\"s\",\"environment\":\"e\",\"budget_seconds\":0}",
        "{\"id\":\"x\",\"service\":\"s\",\"environment\":\"e\",\"budget_seconds\":\"2h\"}",
        "{\"id\":\"x\",\"service\":\"s\",\"environment\":\"e\",\"started_at\":\"now\"}",
        "{\"id\":\"x\",\"service\":\"s\",\"environment\":\"e\",\"colour\":\"red\"}",
        NULL,
    };
    for (int i = 0; bad[i] != NULL; i++) {
        json_t *j = json_loads(bad[i], 0, NULL);
        ck_assert_ptr_nonnull(j);
        ck_assert_msg(gw_canary_from_api(jv(j), 0, 7200, &c, err, sizeof(err)) == -1, "%s", bad[i]);
        ck_assert_ptr_null(c.id);
        json_decref(j);
    }
    char long_id[300];
    memset(long_id, 'a', 256);
    long_id[256] = '\0';
    ck_assert(!gw_canary_id_valid(long_id));
    long_id[255] = '\0';
    ck_assert(gw_canary_id_valid(long_id));
}
END_TEST

START_TEST(pager_bodies)
{
    struct gw_canary c = {.id = "gh:octo-org/api:deployment:77", .service = "api",
                          .environment = "prod-canary", .started_at = 1000, .budget_seconds = 7200};
    char *summary = malloc(5000);
    for (int i = 0; i < 4998; i += 2)
        memcpy(summary + i, "\xc3\xa9", 2); /* é: two bytes, one character */
    summary[4998] = '\0';
    json_t *t = gw_pager_trigger("R0UT1NG", &c, summary, 9000);
    ck_assert_str_eq(json_string_value(json_object_get(t, "event_action")), "trigger");
    ck_assert_str_eq(json_string_value(json_object_get(t, "routing_key")), "R0UT1NG");
    ck_assert_str_eq(json_string_value(json_object_get(t, "dedup_key")), c.id);
    json_t *p = json_object_get(t, "payload");
    const char *s = json_string_value(json_object_get(p, "summary"));
    ck_assert_uint_eq(gw_utf8_count(s, strlen(s)), 1024);
    ck_assert(gw_utf8_valid(s, strlen(s)));
    ck_assert_str_eq(json_string_value(json_object_get(p, "severity")), "warning");
    ck_assert_str_eq(json_string_value(json_object_get(p, "source")), "api");
    json_t *d = json_object_get(p, "custom_details");
    ck_assert_int_eq(json_integer_value(json_object_get(d, "elapsed")), 8000);
    ck_assert_int_eq(json_integer_value(json_object_get(d, "budget")), 7200);
    ck_assert_str_eq(json_string_value(json_object_get(d, "environment")), "prod-canary");
    json_decref(t);
    free(summary);
    t = gw_pager_resolve("R0UT1NG", c.id);
    ck_assert_str_eq(json_string_value(json_object_get(t, "event_action")), "resolve");
    json_decref(t);
}
END_TEST

static Suite *
suite(void)
{
    Suite *s = suite_create("canary");
    TCase *tc = tcase_create("pure");
    tcase_add_test(tc, environment_globs);
    tcase_add_test(tc, deployment_events);
    tcase_add_test(tc, deployment_statuses);
    tcase_add_test(tc, api_bodies);
    tcase_add_test(tc, pager_bodies);
    suite_add_tcase(s, tc);
    return s;
}

GW_CHECK_MAIN(suite)
