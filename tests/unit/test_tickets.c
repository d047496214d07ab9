/* Labels -> severity/component, SLA arithmetic, GitHub payload parsing, routing. */
#include <check.h>
#include <event2/event.h>
#include <stdlib.h>
#include <string.h>

#include "gateway/core/github.h"
#include "gateway/core/payload.h"
#include "gateway/net/http.h"
#include "gateway/util/prometheus.h"
#include "gateway/core/ticket.h"
#include "gateway/core/tz.h"

#include "tests/unit/check_main.h"

START_TEST(severity_labels)
{
    static const struct { const char *label; enum gw_severity sev; } cases[] = {
        {"severity:critical", GW_SEV_CRITICAL}, {"severity/high", GW_SEV_HIGH},
        {"sev:medium", GW_SEV_MEDIUM}, {"sev/low", GW_SEV_LOW},
        {"priority:p0", GW_SEV_CRITICAL}, {"priority:P1", GW_SEV_HIGH},
        {"sev:p2", GW_SEV_MEDIUM}, {"severity:p3", GW_SEV_LOW},
        {"Severity: High", GW_SEV_HIGH}, {"priority:critical", GW_SEV_CRITICAL},
        {"severity:urgent", GW_SEV_NONE}, {"bug", GW_SEV_NONE}, {"priority/p1", GW_SEV_NONE},
        {"severity:", GW_SEV_NONE}, {"p0", GW_SEV_NONE},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        ck_assert_msg(gw_severity_from_label(cases[i].label) == cases[i].sev, "%s", cases[i].label);
}
END_TEST

START_TEST(component_labels)
{
    size_t len = 0;
    const char *c = gw_component_from_label("component:checkout", &len);
    ck_assert_ptr_nonnull(c);
    ck_assert_int_eq((int)len, 8);
    ck_assert(strncmp(c, "checkout", len) == 0);
    ck_assert_ptr_nonnull(gw_component_from_label("area/payments", &len));
    ck_assert_ptr_nonnull(gw_component_from_label("component/db", &len));
    ck_assert_ptr_nonnull(gw_component_from_label("area:web", &len));
    ck_assert_ptr_null(gw_component_from_label("component:", &len));
    ck_assert_ptr_null(gw_component_from_label("team:sre", &len));
}
END_TEST

START_TEST(alert_severity)
{
    ck_assert_int_eq(gw_severity_from_alert("critical"), GW_SEV_CRITICAL);
    ck_assert_int_eq(gw_severity_from_alert("error"), GW_SEV_HIGH);
    ck_assert_int_eq(gw_severity_from_alert("major"), GW_SEV_HIGH);
    ck_assert_int_eq(gw_severity_from_alert("warning"), GW_SEV_MEDIUM);
    ck_assert_int_eq(gw_severity_from_alert("info"), GW_SEV_LOW);
    ck_assert_int_eq(gw_severity_from_alert("minor"), GW_SEV_LOW);
    ck_assert_int_eq(gw_severity_from_alert("page"), GW_SEV_NONE);
    ck_assert_int_eq(gw_severity_from_alert(NULL), GW_SEV_NONE);
}
END_TEST

START_TEST(sla_arithmetic)
{
    struct gw_sla sla = {{4 * 3600, 24 * 3600, 72 * 3600, 168 * 3600}};
    int64_t created = 1795338000; /* 2026-11-22T09:00:00Z */
    ck_assert_int_eq(gw_sla_deadline(&sla, GW_SEV_HIGH, created), created + 86400);
    ck_assert_int_eq(gw_sla_deadline(&sla, GW_SEV_CRITICAL, created), created + 4 * 3600);
    ck_assert_int_eq(gw_sla_remaining(created + 86400, created + 3600), 82800);
    ck_assert_int_eq(gw_sla_remaining(created, created + 10800), -10800);
    /* 🟢 > warn >= 🟠 > crit >= 🔴 */
    ck_assert_int_eq(gw_sla_colour(86401, 86400, 28800), GW_SLA_GREEN);
    ck_assert_int_eq(gw_sla_colour(86400, 86400, 28800), GW_SLA_ORANGE);
    ck_assert_int_eq(gw_sla_colour(28801, 86400, 28800), GW_SLA_ORANGE);
    ck_assert_int_eq(gw_sla_colour(28800, 86400, 28800), GW_SLA_RED);
    ck_assert_int_eq(gw_sla_colour(-5, 86400, 28800), GW_SLA_RED);
}
END_TEST

/* high counts business hours (UTC, mon-fri 09:00-17:00), the others every hour. */
START_TEST(sla_policy)
{
    struct gw_sla sla = {{4 * 3600, 8 * 3600, 72 * 3600, 168 * 3600}};
    int business[GW_SEV_COUNT] = {0, 1, 0, 0};
    struct gw_calendar cal = {0};
    struct gw_sla_policy p = {&sla, business, &cal, NULL};
    struct gw_ticket t = {.component = "api", .source = "github", .severity = GW_SEV_HIGH,
                          .state = GW_TICKET_OPEN};
    struct gw_sla_status st;
    char err[256];

    cal.tz = gw_tz_utc();
    ck_assert_int_eq(gw_calendar_parse_hours(&cal, "mon-fri 09:00-17:00", err, sizeof(err)), 0);
    int64_t friday_16 = gw_tz_instant(cal.tz, 2026, 11, 20, 16 * 60);
    int64_t monday_9 = gw_tz_instant(cal.tz, 2026, 11, 23, 9 * 60);
    ck_assert_str_eq(gw_sla_clock_name(&p, GW_SEV_HIGH), "business");
    ck_assert_str_eq(gw_sla_clock_name(&p, GW_SEV_CRITICAL), "24x7");
    ck_assert_ptr_eq(gw_sla_calendar(&p, &t), &cal);       /* no routes: the global one */
    /* Friday 16:00 + 8h of business = Monday 16:00 */
    t.sla_deadline = gw_sla_policy_deadline(&p, &t, friday_16);
    ck_assert_int_eq(t.sla_deadline, monday_9 + 7 * 3600);
    /* Saturday noon: 7h of business left, paused until Monday 09:00 */
    gw_sla_status(&p, &t, friday_16 + 20 * 3600, &st);
    ck_assert_int_eq(st.business, 1);
    ck_assert_int_eq(st.business_left, 7 * 3600);
    ck_assert_int_eq(st.paused_until, monday_9);
    ck_assert_ptr_eq(st.tz, cal.tz);
    /* Monday 10:00: open, 6h left */
    gw_sla_status(&p, &t, monday_9 + 3600, &st);
    ck_assert_int_eq(st.business_left, 6 * 3600);
    ck_assert_int_eq(st.paused_until, 0);
    /* past the deadline, resolved, or on 24x7: no business status */
    gw_sla_status(&p, &t, t.sla_deadline, &st);
    ck_assert_int_eq(st.business, 0);
    t.severity = GW_SEV_CRITICAL;
    ck_assert_ptr_null(gw_sla_calendar(&p, &t));
    ck_assert_int_eq(gw_sla_policy_deadline(&p, &t, friday_16), friday_16 + 4 * 3600);
    gw_sla_status(&p, &t, friday_16, &st);
    ck_assert_int_eq(st.business, 0);
    /* no clocks configured: every severity on 24x7 */
    p.business = NULL;
    t.severity = GW_SEV_HIGH;
    ck_assert_int_eq(gw_sla_policy_deadline(&p, &t, friday_16), friday_16 + 8 * 3600);
    gw_calendar_clear(&cal);
    gw_tz_free((struct gw_tz *)cal.tz);
}
END_TEST

/* --- GitHub payloads ------------------------------------------------------- */

static const char issue_json[] =
    "{\"action\":\"%s\",\"issue\":{\"number\":42,\"title\":\"Checkout fails\","
    "\"html_url\":\"https://github.com/octo-org/api/issues/42\",\"state\":\"%s\","
    "\"created_at\":\"2026-11-22T09:00:00Z\",\"updated_at\":\"2026-11-22T10:00:00Z\","
    "\"closed_at\":%s,\"labels\":[%s]},"
    "\"repository\":{\"full_name\":\"octo-org/api\",\"name\":\"api\"}}";

static struct gw_sla test_sla = {{4 * 3600, 24 * 3600, 72 * 3600, 168 * 3600}};
static struct gw_sla_policy test_policy = {&test_sla, NULL, NULL, NULL};
static struct gw_strlist no_labels = {NULL, 0};

static int
parse(const char *action, const char *state, const char *closed_at, const char *labels,
      const struct gw_strlist *ticket_labels, struct gw_ticket_change *ch, char *err)
{
    char buf[2048];
    snprintf(buf, sizeof(buf), issue_json, action, state, closed_at, labels);
    struct gw_jdoc *doc;
    char jerr[256];
    const struct gw_jval *payload = gw_jparse(&doc, buf, strlen(buf), jerr, sizeof(jerr));
    ck_assert_msg(payload != NULL, "%s", jerr);
    struct gw_github_opts opts = {&test_policy, GW_SEV_MEDIUM, ticket_labels};
    int rc = gw_github_issue_change(payload, &opts, ch, err, 256);
    gw_jdoc_free(doc);
    return rc;
}

START_TEST(issue_opened)
{
    struct gw_ticket_change ch;
    char err[256];
    ck_assert_int_eq(parse("opened", "open", "null",
                           "{\"name\":\"sev:low\"},{\"name\":\"severity:high\"},{\"name\":\"area:checkout\"}",
                           &no_labels, &ch, err), 0);
    ck_assert_int_eq(ch.op, GW_OP_UPSERT);
    ck_assert_str_eq(ch.ticket.id, "gh:octo-org/api#42");
    ck_assert_str_eq(ch.ticket.component, "checkout");
    ck_assert_int_eq(ch.ticket.severity, GW_SEV_HIGH); /* most severe label wins */
    ck_assert_int_eq(ch.ticket.state, GW_TICKET_OPEN);
    ck_assert_int_eq(ch.ticket.created_at, 1795338000);
    ck_assert_int_eq(ch.ticket.updated_at, 1795338000 + 3600);
    ck_assert_int_eq(ch.ticket.sla_deadline, 1795338000 + 86400);
    ck_assert_int_eq(ch.sla_restart, 1795338000 + 3600 + 86400);   /* from updated_at */
    gw_ticket_change_clear(&ch);
}
END_TEST

START_TEST(issue_defaults_closed_deleted_ignored)
{
    struct gw_ticket_change ch;
    char err[256];
    ck_assert_int_eq(parse("closed", "closed", "\"2026-11-22T11:00:00Z\"", "", &no_labels, &ch, err), 0);
    ck_assert_int_eq(ch.ticket.state, GW_TICKET_RESOLVED);
    ck_assert_int_eq(ch.ticket.resolved_at, 1795338000 + 7200);
    ck_assert_str_eq(ch.ticket.component, "api");          /* repository name */
    ck_assert_int_eq(ch.ticket.severity, GW_SEV_MEDIUM);   /* default */
    ck_assert_int_eq(ch.ticket.sla_deadline, 1795338000 + 72 * 3600);
    gw_ticket_change_clear(&ch);
    ck_assert_int_eq(parse("reopened", "open", "null", "", &no_labels, &ch, err), 0);
    ck_assert_int_eq(ch.ticket.resolved_at, 0);
    gw_ticket_change_clear(&ch);
    ck_assert_int_eq(parse("deleted", "open", "null", "", &no_labels, &ch, err), 0);
    ck_assert_int_eq(ch.op, GW_OP_REMOVE);
    gw_ticket_change_clear(&ch);
    ck_assert_int_eq(parse("transferred", "open", "null", "", &no_labels, &ch, err), 0);
    ck_assert_int_eq(ch.op, GW_OP_REMOVE);
    gw_ticket_change_clear(&ch);
    ck_assert_int_eq(parse("assigned", "open", "null", "", &no_labels, &ch, err), 0);
    ck_assert_int_eq(ch.op, GW_OP_NONE);
    gw_ticket_change_clear(&ch);
}
END_TEST

START_TEST(ticket_label_filter)
{
    struct gw_strlist only;
    struct gw_ticket_change ch;
    char err[256];
    gw_strlist_split("incident", &only);
    ck_assert_int_eq(parse("labeled", "open", "null", "{\"name\":\"incident\"}", &only, &ch, err), 0);
    ck_assert_int_eq(ch.op, GW_OP_UPSERT);
    gw_ticket_change_clear(&ch);
    ck_assert_int_eq(parse("unlabeled", "open", "null", "{\"name\":\"bug\"}", &only, &ch, err), 0);
    ck_assert_int_eq(ch.op, GW_OP_DROP);
    gw_ticket_change_clear(&ch);
    gw_strlist_free(&only);
}
END_TEST

START_TEST(issue_wrong_types)
{
    static const char *const bad[] = {
        "[]",
        "{\"action\":\"opened\"}",
        "{\"action\":1,\"issue\":{},\"repository\":{}}",
        "{\"action\":\"opened\",\"issue\":{\"number\":\"42\",\"title\":\"t\",\"html_url\":\"u\",\"state\":\"open\","
        "\"created_at\":\"2026-11-22T09:00:00Z\",\"updated_at\":\"2026-11-22T09:00:00Z\"},"
        "\"repository\":{\"full_name\":\"o/r\",\"name\":\"r\"}}",
        "{\"action\":\"opened\",\"issue\":{\"number\":42,\"title\":\"t\",\"html_url\":\"u\",\"state\":\"open\","
        "\"created_at\":\"yesterday\",\"updated_at\":\"2026-11-22T09:00:00Z\"},"
        "\"repository\":{\"full_name\":\"o/r\",\"name\":\"r\"}}",
        "{\"action\":\"opened\",\"issue\":{\"number\":42,\"title\":\"t\",\"html_url\":\"u\",\"state\":\"open\","
        "\"created_at\":\"2026-11-22T09:00:00Z\",\"updated_at\":\"2026-11-22T09:00:00Z\",\"labels\":{}},"
        "\"repository\":{\"full_name\":\"o/r\",\"name\":\"r\"}}",
        "{\"action\":\"opened\",\"issue\":{\"number\":42,\"title\":\"t\",\"html_url\":\"u\",\"state\":\"open\","
        "\"created_at\":\"2026-11-22T09:00:00Z\",\"updated_at\":\"2026-11-22T09:00:00Z\",\"labels\":[{\"name\":5}]},"
        "\"repository\":{\"full_name\":\"o/r\",\"name\":\"r\"}}",
        "{\"action\":\"opened\",\"issue\":{\"number\":42,\"title\":\"t\",\"html_url\":\"u\",\"state\":\"weird\","
        "\"created_at\":\"2026-11-22T09:00:00Z\",\"updated_at\":\"2026-11-22T09:00:00Z\"},"
        "\"repository\":{\"full_name\":\"o/r\",\"name\":\"r\"}}",
        NULL,
    };
    struct gw_github_opts opts = {&test_policy, GW_SEV_MEDIUM, &no_labels};
    for (int i = 0; bad[i] != NULL; i++) {
        struct gw_ticket_change ch;
        char err[256] = "";
        struct gw_jdoc *doc;
        const struct gw_jval *payload = gw_jparse(&doc, bad[i], strlen(bad[i]), err, sizeof(err));
        ck_assert_msg(payload != NULL, "%s", err);
        ck_assert_msg(gw_github_issue_change(payload, &opts, &ch, err, sizeof(err)) == -1,
                      "accepted case %d", i);
        ck_assert_msg(err[0] != '\0', "no reason for case %d", i);
        ck_assert_ptr_null(ch.ticket.id);
        gw_jdoc_free(doc);
    }
}
END_TEST

/* An issue of repository repo; the result of gw_github_issue_change. */
static int
parse_repo(const char *repo, struct gw_ticket_change *ch, char *err, size_t errlen)
{
    char buf[4096];
    struct gw_jdoc *doc;
    const struct gw_jval *payload;
    struct gw_github_opts opts = {&test_policy, GW_SEV_MEDIUM, &no_labels};
    int rc;

    snprintf(buf, sizeof(buf),
             "{\"action\":\"opened\",\"issue\":{\"number\":42,\"title\":\"t\",\"html_url\":\"u\","
             "\"state\":\"open\",\"created_at\":\"2026-11-22T09:00:00Z\","
             "\"updated_at\":\"2026-11-22T09:00:00Z\"},"
             "\"repository\":{\"full_name\":\"%s\",\"name\":\"r\"}}", repo);
    payload = gw_jparse(&doc, buf, strlen(buf), err, errlen);
    ck_assert_msg(payload != NULL, "%s", err);
    rc = gw_github_issue_change(payload, &opts, ch, err, errlen);
    gw_jdoc_free(doc);
    return rc;
}

/*
 * "gh:<repo>#<n>" was written into 512 bytes unchecked: a long repository
 * name cut the id inside a UTF-8 character. An id that fits is whole; one
 * that does not is refused (the webhook answers 400).
 */
START_TEST(issue_id_whole_or_refused)
{
    char repo[600] = "oo/", want[700], err[256] = "";
    struct gw_ticket_change ch;

    /* "oo/" and 251 "é": an id of exactly 511 bytes */
    for (int i = 0; i < 251; i++)
        memcpy(repo + 3 + 2 * i, "\xc3\xa9", 3);
    ck_assert_int_eq(parse_repo(repo, &ch, err, sizeof(err)), 0);
    snprintf(want, sizeof(want), "gh:%s#42", repo);
    ck_assert_uint_eq(strlen(ch.ticket.id), 511);
    ck_assert_str_eq(ch.ticket.id, want);
    ck_assert(gw_ticket_id_valid(ch.ticket.id));
    gw_ticket_change_clear(&ch);

    /* 253 of them: the id's 511th byte is the first of an "é" */
    memcpy(repo + 3 + 2 * 251, "\xc3\xa9\xc3\xa9", 5);
    ck_assert_int_eq(parse_repo(repo, &ch, err, sizeof(err)), -1);
    ck_assert_str_eq(err, "repository.full_name: too long for a ticket id (511 bytes at most)");
    ck_assert_ptr_null(ch.ticket.id);

    /* Whole but unusable: a ticket whose Acknowledge button no click could name. */
    ck_assert_int_eq(parse_repo("o/r\\b", &ch, err, sizeof(err)), -1);
    ck_assert_str_eq(err, "repository.full_name: control characters are not allowed");
    ck_assert_ptr_null(ch.ticket.id);
}
END_TEST

START_TEST(form_and_content_types)
{
    size_t len;
    int status = 0;
    char err[256], *owned = NULL;
    const char *body = "{}";
    const char *text = gw_webhook_json_text("application/x-www-form-urlencoded",
                                            "a=1&payload=%7B%22x%22%3A+1%7D&b=2", 34, &len, &owned,
                                            &status, err, sizeof(err));
    ck_assert_ptr_nonnull(text);
    ck_assert_str_eq(text, "{\"x\": 1}");
    ck_assert_ptr_eq(text, owned);
    free(owned);
    /* JSON is used where it lies. */
    text = gw_webhook_json_text("application/json; charset=utf-8", body, 2, &len, &owned, &status,
                                err, sizeof(err));
    ck_assert_ptr_eq(text, body);
    ck_assert_ptr_null(owned);
    ck_assert_ptr_null(gw_webhook_json_text("text/plain", "{}", 2, &len, &owned, &status, err,
                                            sizeof(err)));
    ck_assert_int_eq(status, 415);
    ck_assert_ptr_null(gw_webhook_json_text(NULL, "{}", 2, &len, &owned, &status, err, sizeof(err)));
    ck_assert_int_eq(status, 415);
    ck_assert_ptr_null(gw_webhook_json_text("application/x-www-form-urlencoded", "payload=%Z1", 11,
                                            &len, &owned, &status, err, sizeof(err)));
    ck_assert_int_eq(status, 400);
    ck_assert_ptr_null(gw_webhook_json_text("application/x-www-form-urlencoded", "other=1", 7,
                                            &len, &owned, &status, err, sizeof(err)));
    ck_assert_int_eq(status, 400);
}
END_TEST

/* --- routing -------------------------------------------------------------- */

static void
noop(struct gw_request *req, void *arg)
{
    (void)req;
    (void)arg;
}

START_TEST(routing_table)
{
    struct event_base *base = event_base_new();
    struct gw_metrics *m = gw_metrics_new();
    struct gw_http_limits limits = {1024, 10, 16, 5, 4096};
    struct gw_http *http = gw_http_new(base, &limits, m);
    const char *allow = NULL;

    gw_http_route(http, "/webhooks/github", 0, GW_POST, noop, NULL);
    gw_http_route(http, "/api/canaries", 0, GW_GET, noop, NULL);
    gw_http_route(http, "/api/canaries", 0, GW_POST, noop, NULL);
    gw_http_route(http, "/api/canaries/", 1, GW_DELETE, noop, NULL);
    gw_http_route(http, "/healthz", 0, GW_GET, noop, NULL);

    ck_assert_int_eq(gw_http_resolve(http, "/webhooks/github", GW_POST, &allow), 200);
    ck_assert_int_eq(gw_http_resolve(http, "/webhooks/github", GW_GET, &allow), 405);
    ck_assert_str_eq(allow, "POST");
    ck_assert_int_eq(gw_http_resolve(http, "/api/canaries", GW_DELETE, &allow), 405);
    ck_assert_str_eq(allow, "GET, HEAD, POST");
    ck_assert_int_eq(gw_http_resolve(http, "/healthz", GW_HEAD, &allow), 200);
    ck_assert_int_eq(gw_http_resolve(http, "/api/canaries/abc", GW_DELETE, &allow), 200);
    ck_assert_int_eq(gw_http_resolve(http, "/api/canaries/", GW_DELETE, &allow), 404);
    ck_assert_int_eq(gw_http_resolve(http, "/healthz/", GW_GET, &allow), 404);
    ck_assert_int_eq(gw_http_resolve(http, "/webhooks/github/x", GW_POST, &allow), 404);
    ck_assert_int_eq(gw_http_resolve(http, "/", GW_GET, &allow), 404);
    ck_assert_int_eq(gw_http_resolve(http, "/HEALTHZ", GW_GET, &allow), 404);

    gw_http_free(http);
    gw_metrics_free(m);
    event_base_free(base);
}
END_TEST

static Suite *
suite(void)
{
    Suite *s = suite_create("tickets");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, severity_labels);
    tcase_add_test(tc, component_labels);
    tcase_add_test(tc, alert_severity);
    tcase_add_test(tc, sla_arithmetic);
    tcase_add_test(tc, sla_policy);
    tcase_add_test(tc, issue_opened);
    tcase_add_test(tc, issue_defaults_closed_deleted_ignored);
    tcase_add_test(tc, ticket_label_filter);
    tcase_add_test(tc, issue_wrong_types);
    tcase_add_test(tc, issue_id_whole_or_refused);
    tcase_add_test(tc, form_and_content_types);
    tcase_add_test(tc, routing_table);
    suite_add_tcase(s, tc);
    return s;
}

GW_CHECK_MAIN(suite)
