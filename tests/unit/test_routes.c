/* KAIZEN_ROUTES_FILE: loading, every error naming the route, first match wins, canaries. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gateway/core/routes.h"
#include "gateway/core/tz.h"
#include "tests/unit/check_main.h"

static char dir[] = "/tmp/kz-routes-XXXXXX";

static const char *
write_file(const char *name, const char *text)
{
    static char path[256];
    FILE *f;

    snprintf(path, sizeof(path), "%s/%s", dir, name);
    f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs(text, f);
    fclose(f);
    return path;
}

/* The global calendar the routes fall back to: UTC, mon-fri 09:00-17:00, 2026-12-25. */
static struct gw_calendar global;

/* A zone loader standing in for the tz database: "Test/East" is UTC under another name. */
static int zones_loaded;

static struct gw_tz *
test_zone(const char *name, char *err, size_t errlen)
{
    if (strcmp(name, "Test/East") != 0) {
        snprintf(err, errlen, "unknown time zone '%s'", name);
        return NULL;
    }
    zones_loaded++;
    return gw_tz_utc();
}

static const struct gw_routes_calendars calendars = {&global, test_zone};

static struct gw_routes *
load(const char *text, char *err, size_t errlen)
{
    return gw_routes_load(write_file("routes.json", text), "C0FALLBACK", "FALLBACKKEY", &calendars,
                          err, errlen);
}

START_TEST(first_match_wins_and_the_default_fills_in)
{
    char err[512] = "", doc[1024];
    struct gw_routes *r;
    struct gw_destination d;

    write_file("pay-key", "PAYKEY0123\n");
    snprintf(doc, sizeof(doc),
             "{\"routes\":[{\"name\":\"payments\",\"match\":{\"component\":[\"checkout\",\"pay-*\"],"
             "\"severity\":[\"critical\"],\"source\":[\"github\"]},\"slack_channel\":\"C0PAY\","
             "\"pager_routing_key_file\":\"%s/pay-key\"},"
             "{\"match\":{\"component\":[\"pay-*\"]},\"slack_channel\":\"C0PAYLOW\"},"
             "{\"name\":\"pager-only\",\"match\":{\"component\":[\"db\"]},\"pager_routing_key\":\"DBKEY\"}],"
             "\"default\":{\"slack_channel\":\"C0SRE\"}}", dir);
    r = load(doc, err, sizeof(err));
    ck_assert_msg(r != NULL, "%s", err);
    d = gw_routes_ticket(r, "pay-api", "critical", "github");
    ck_assert_str_eq(d.route, "payments");
    ck_assert_str_eq(d.slack_channel, "C0PAY");
    ck_assert_str_eq(d.pager_key, "PAYKEY0123");
    /* every list must match: another severity or source falls to the next route */
    d = gw_routes_ticket(r, "pay-api", "high", "github");
    ck_assert_str_eq(d.route, "routes[1]");
    ck_assert_str_eq(d.slack_channel, "C0PAYLOW");
    ck_assert_str_eq(d.pager_key, "FALLBACKKEY");   /* the default's: KAIZEN_PAGER_ROUTING_KEY */
    d = gw_routes_ticket(r, "checkout", "critical", "alertmanager");
    ck_assert_str_eq(d.route, "default");
    ck_assert_str_eq(d.slack_channel, "C0SRE");
    d = gw_routes_ticket(r, "db", "low", "github");
    ck_assert_str_eq(d.slack_channel, "C0SRE");      /* pager-only route: the default channel */
    ck_assert_str_eq(d.pager_key, "DBKEY");
    d = gw_routes_ticket(r, "", "low", "github");
    ck_assert_str_eq(d.route, "default");
    /* canaries match on component = service; routes with severity/source lists are skipped */
    ck_assert_str_eq(gw_routes_canary(r, "checkout").route, "default");
    ck_assert_str_eq(gw_routes_canary(r, "pay-web").route, "routes[1]");
    ck_assert_str_eq(gw_routes_canary(r, "db").pager_key, "DBKEY");
    /* channels once each, in file order */
    const char *channels[8];
    ck_assert_uint_eq(gw_routes_channels(r, channels, 8), 3);
    ck_assert_str_eq(channels[0], "C0PAY");
    ck_assert_str_eq(channels[1], "C0PAYLOW");
    ck_assert_str_eq(channels[2], "C0SRE");
    /* the summary names routes and channels, never a key */
    char *printed = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&printed, &len);
    gw_routes_print(r, out);
    fclose(out);
    ck_assert_ptr_nonnull(strstr(printed, "payments"));
    ck_assert_ptr_nonnull(strstr(printed, "C0PAYLOW"));
    ck_assert_ptr_null(strstr(printed, "PAYKEY"));
    ck_assert_ptr_null(strstr(printed, "DBKEY"));
    ck_assert_ptr_null(strstr(printed, "FALLBACK"));
    free(printed);
    gw_routes_free(r);

    /* No default in the file: KAIZEN_SLACK_CHANNEL and KAIZEN_PAGER_ROUTING_KEY. */
    r = load("{\"routes\":[]}", err, sizeof(err));
    ck_assert_msg(r != NULL, "%s", err);
    d = gw_routes_ticket(r, "x", "low", "github");
    ck_assert_str_eq(d.slack_channel, "C0FALLBACK");
    ck_assert_str_eq(d.pager_key, "FALLBACKKEY");
    gw_routes_free(r);
}
END_TEST

START_TEST(the_example_in_deploy_loads)
{
    char err[512] = "";
    char path[8192];
    struct gw_routes *r;

    write_file("payments-pager-key", "EXAMPLEKEY\n");
    /* The example's key file lives under /etc/kaizen/routes; point it here. */
    FILE *in = fopen(KAIZEN_SOURCE_DIR "/deploy/kubernetes/overlays/slack-app/routes.json", "r");
    ck_assert_ptr_nonnull(in);
    char text[4096];
    size_t n = fread(text, 1, sizeof(text) - 1, in);
    fclose(in);
    text[n] = '\0';
    char *at = strstr(text, "/etc/kaizen/route-secrets");
    ck_assert_ptr_nonnull(at);
    snprintf(path, sizeof(path), "%.*s%s%s", (int)(at - text), text, dir,
             at + strlen("/etc/kaizen/route-secrets"));
    r = load(path, err, sizeof(err));
    ck_assert_msg(r != NULL, "%s", err);
    ck_assert_str_eq(gw_routes_ticket(r, "pay-gateway", "low", "github").slack_channel, "C0PAYMENTS");
    ck_assert_str_eq(gw_routes_ticket(r, "search-api", "high", "github").slack_channel, "C0SEARCH");
    ck_assert_str_eq(gw_routes_ticket(r, "search-api", "low", "alertmanager").slack_channel,
                     "C0ALERTS");
    ck_assert_str_eq(gw_routes_ticket(r, "web", "low", "github").slack_channel, "C0SRE");
    gw_routes_free(r);
}
END_TEST

START_TEST(each_destination_has_the_global_calendar_with_its_own_fields)
{
    char err[512] = "";
    struct gw_routes *r;
    struct gw_destination d;
    char *printed = NULL;
    size_t printed_len = 0;
    FILE *out;

    r = load("{\"routes\":[{\"name\":\"east\",\"match\":{\"component\":[\"e-*\"]},"
             "\"slack_channel\":\"C0E\",\"timezone\":\"Test/East\","
             "\"business_hours\":\"mon-thu 08:00-16:00,fri 08:00-12:00\","
             "\"holidays\":[\"2026-07-04\",\"2026-11-26\"]},"
             "{\"name\":\"hours\",\"match\":{\"component\":[\"h\"]},\"slack_channel\":\"C0H\","
             "\"holidays\":[]}],"
             "\"default\":{\"slack_channel\":\"C0SRE\",\"business_hours\":\"mon-sun 00:00-24:00\"}}",
             err, sizeof(err));
    ck_assert_msg(r != NULL, "%s", err);
    ck_assert_int_eq(zones_loaded, 1);
    d = gw_routes_ticket(r, "e-api", "high", "github");
    ck_assert_str_eq(d.route, "east");
    ck_assert_ptr_nonnull(d.calendar);
    ck_assert_ptr_ne(d.calendar->tz, global.tz);          /* its own zone */
    ck_assert_int_eq(d.calendar->nspans[0], 1);
    ck_assert_int_eq(d.calendar->spans[0][0].start, 8 * 60);
    ck_assert_int_eq(d.calendar->spans[4][0].end, 12 * 60);
    ck_assert_int_eq(d.calendar->nspans[5], 0);
    ck_assert_uint_eq(d.calendar->nholidays, 2);
    ck_assert(gw_calendar_is_holiday(d.calendar, gw_days_from_civil(2026, 7, 4)));
    ck_assert(!gw_calendar_is_holiday(d.calendar, gw_days_from_civil(2026, 12, 25)));
    /* a route that gives only holidays (none) keeps the global zone and hours */
    d = gw_routes_ticket(r, "h", "high", "github");
    ck_assert_ptr_eq(d.calendar->tz, global.tz);
    ck_assert_int_eq(d.calendar->spans[0][0].start, 9 * 60);
    ck_assert_uint_eq(d.calendar->nholidays, 0);
    /* the default gives its hours only: the global zone and holidays */
    d = gw_routes_ticket(r, "web", "high", "github");
    ck_assert_str_eq(d.route, "default");
    ck_assert_ptr_eq(d.calendar->tz, global.tz);
    ck_assert_int_eq(d.calendar->nspans[6], 1);
    ck_assert(gw_calendar_is_holiday(d.calendar, gw_days_from_civil(2026, 12, 25)));
    ck_assert_ptr_eq(gw_routes_canary(r, "e-web").calendar, gw_routes_ticket(r, "e-x", "low",
                                                                             "github").calendar);
    out = open_memstream(&printed, &printed_len);
    gw_routes_print(r, out);
    fclose(out);
    ck_assert_msg(strstr(printed, "-> slack C0E, pager default key, calendar UTC with its own "
                                  "hours and holidays\n") != NULL, "%s", printed);
    ck_assert_msg(strstr(printed, "calendar UTC with its own holidays\n") != NULL, "%s", printed);
    free(printed);
    gw_routes_free(r);

    /* Without calendars (none configured) a destination has none, and a field is an error. */
    r = gw_routes_load(write_file("routes.json", "{\"default\":{\"slack_channel\":\"C1\"}}"),
                       NULL, NULL, NULL, err, sizeof(err));
    ck_assert_ptr_nonnull(r);
    ck_assert_ptr_null(gw_routes_ticket(r, "web", "high", "github").calendar);
    gw_routes_free(r);
    r = gw_routes_load(write_file("routes.json", "{\"default\":{\"timezone\":\"Test/East\"}}"),
                       NULL, NULL, NULL, err, sizeof(err));
    ck_assert_ptr_null(r);
    ck_assert_ptr_nonnull(strstr(err, "default: timezone: no calendar can be read here"));
}
END_TEST

START_TEST(every_error_names_the_route_and_the_problem)
{
    static const struct {
        const char *doc, *want;
    } cases[] = {
        {"{\"routes\": [\n  {\"slack_channel\": \"C1\",}\n]}", "routes.json:2: "},
        {"[]", "top level: must be an object"},
        {"{\"route\":[]}", "top level: route: unknown field"},
        {"{\"routes\":{}}", "routes: must be a list"},
        {"{\"routes\":[1]}", "routes[0]: must be an object"},
        {"{\"routes\":[{\"name\":\"pay\",\"slack_chanel\":\"C1\"}]}",
         "routes[0] (pay): slack_chanel: unknown field"},
        {"{\"routes\":[{\"name\":\"pay\",\"match\":{\"severity\":[\"urgent\"]},\"slack_channel\":\"C1\"}]}",
         "routes[0] (pay): match.severity: 'urgent' is not critical, high, medium or low"},
        {"{\"routes\":[{\"match\":{\"source\":[\"jira\"]},\"slack_channel\":\"C1\"}]}",
         "routes[0]: match.source: 'jira' is not github or alertmanager"},
        {"{\"routes\":[{\"match\":{\"team\":[\"x\"]},\"slack_channel\":\"C1\"}]}",
         "routes[0]: match.team: unknown field"},
        {"{\"routes\":[{\"match\":{\"component\":[]},\"slack_channel\":\"C1\"}]}",
         "routes[0]: match.component: must be a list of 1 to 64 globs"},
        {"{\"routes\":[{\"match\":{\"component\":[\"\"]},\"slack_channel\":\"C1\"}]}",
         "routes[0]: match.component[0]: must be a non-empty string"},
        {"{\"routes\":[{\"match\":{\"component\":\"checkout\"},\"slack_channel\":\"C1\"}]}",
         "routes[0]: match.component: must be a list"},
        {"{\"routes\":[{\"slack_channel\":\"pay ments\"}]}",
         "routes[0]: slack_channel: 'pay ments' is not a channel ID"},
        {"{\"routes\":[{\"slack_channel\":7}]}", "routes[0]: slack_channel: must be a string"},
        {"{\"routes\":[{\"name\":\"a\",\"slack_channel\":\"C1\"},{\"name\":\"a\",\"slack_channel\":\"C2\"}]}",
         "routes[1] (a): name: routes[0] has it too"},
        {"{\"routes\":[{\"name\":\"default\",\"slack_channel\":\"C1\"}]}", "routes[0]: name: must be"},
        {"{\"routes\":[{\"name\":\"x\",\"match\":{\"component\":[\"a\"]}}]}",
         "routes[0] (x): no destination"},
        {"{\"routes\":[{\"slack_channel\":\"C1\",\"pager_routing_key\":\"K\",\"pager_routing_key_file\":\"/f\"}]}",
         "routes[0]: set only one of pager_routing_key and pager_routing_key_file"},
        {"{\"routes\":[{\"slack_channel\":\"C1\",\"pager_routing_key_file\":\"/nonexistent/kz-key\"}]}",
         "routes[0]: pager_routing_key_file: cannot read /nonexistent/kz-key"},
        {"{\"default\":{\"slack_channel\":\"C1\",\"match\":{}}}", "default: match: unknown field"},
        {"{\"default\":[]}", "default: must be an object"},
        {"{\"routes\":[],\"routes\":[]}", "routes.json:1: duplicate object key"},
        {"{\"routes\":[{\"name\":\"ny\",\"slack_channel\":\"C1\",\"timezone\":\"Mars/Base\"}]}",
         "routes[0] (ny): timezone: unknown time zone 'Mars/Base'"},
        {"{\"routes\":[{\"name\":\"ny\",\"slack_channel\":\"C1\",\"timezone\":5}]}",
         "routes[0] (ny): timezone: must be a string"},
        {"{\"routes\":[{\"name\":\"ny\",\"slack_channel\":\"C1\",\"business_hours\":\"mon-fri 17:00-09:00\"}]}",
         "routes[0] (ny): business_hours: 'mon-fri 17:00-09:00': the span ends before it starts"},
        {"{\"routes\":[{\"name\":\"ny\",\"slack_channel\":\"C1\",\"business_hours\":\"weekdays 9-5\"}]}",
         "routes[0] (ny): business_hours: 'weekdays 9-5': days are mon"},
        {"{\"routes\":[{\"name\":\"ny\",\"slack_channel\":\"C1\",\"holidays\":[\"2026-12-25\",\"2026-02-30\"]}]}",
         "routes[0] (ny): holidays[1]: '2026-02-30' is not a date YYYY-MM-DD"},
        {"{\"routes\":[{\"name\":\"ny\",\"slack_channel\":\"C1\",\"holidays\":\"2026-12-25\"}]}",
         "routes[0] (ny): holidays: must be a list"},
        {"{\"routes\":[{\"name\":\"ny\",\"slack_channel\":\"C1\",\"holidays\":[\"2026-12-25,2026-12-26\"]}]}",
         "routes[0] (ny): holidays[0]: must be one date"},
        {"{\"default\":{\"slack_channel\":\"C1\",\"timezone\":\"Nowhere\"}}",
         "default: timezone: unknown time zone 'Nowhere'"},
    };
    char err[512];

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        err[0] = '\0';
        struct gw_routes *r = load(cases[i].doc, err, sizeof(err));
        ck_assert_msg(r == NULL, "accepted: %s", cases[i].doc);
        ck_assert_msg(strstr(err, cases[i].want) != NULL, "%s\n  got: %s\n  want: %s",
                      cases[i].doc, err, cases[i].want);
        ck_assert_msg(strncmp(err, dir, strlen(dir)) == 0, "no file name: %s", err);
    }
    ck_assert_ptr_null(gw_routes_load("/nonexistent/routes.json", NULL, NULL, &calendars, err,
                                      sizeof(err)));
    ck_assert_ptr_nonnull(strstr(err, "/nonexistent/routes.json"));
}
END_TEST

static void
setup(void)
{
    char err[256];

    ck_assert_ptr_nonnull(mkdtemp(dir));
    global.tz = gw_tz_utc();
    ck_assert_int_eq(gw_calendar_parse_hours(&global, "mon-fri 09:00-17:00", err, sizeof(err)), 0);
    ck_assert_int_eq(gw_calendar_parse_holidays(&global, "2026-12-25", err, sizeof(err)), 0);
}

static void
teardown(void)
{
    char cmd[300];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    ck_assert_int_eq(system(cmd), 0);
    gw_calendar_clear(&global);
    gw_tz_free((struct gw_tz *)global.tz);
}

static Suite *
suite(void)
{
    Suite *s = suite_create("routes");
    TCase *tc = tcase_create("core");
    tcase_add_unchecked_fixture(tc, setup, teardown);
    tcase_add_test(tc, first_match_wins_and_the_default_fills_in);
    tcase_add_test(tc, the_example_in_deploy_loads);
    tcase_add_test(tc, each_destination_has_the_global_calendar_with_its_own_fields);
    tcase_add_test(tc, every_error_names_the_route_and_the_problem);
    suite_add_tcase(s, tc);
    return s;
}

GW_CHECK_MAIN(suite)
