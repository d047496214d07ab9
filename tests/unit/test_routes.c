/* KAIZEN_ROUTES_FILE: loading, every error naming the route, first match wins, canaries. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gateway/core/routes.h"
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

static struct gw_routes *
load(const char *text, char *err, size_t errlen)
{
    return gw_routes_load(write_file("routes.json", text), "C0FALLBACK", "FALLBACKKEY", err, errlen);
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
    ck_assert_ptr_null(gw_routes_load("/nonexistent/routes.json", NULL, NULL, err, sizeof(err)));
    ck_assert_ptr_nonnull(strstr(err, "/nonexistent/routes.json"));
}
END_TEST

static void
setup(void)
{
    ck_assert_ptr_nonnull(mkdtemp(dir));
}

static void
teardown(void)
{
    char cmd[300];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    ck_assert_int_eq(system(cmd), 0);
}

static Suite *
suite(void)
{
    Suite *s = suite_create("routes");
    TCase *tc = tcase_create("core");
    tcase_add_unchecked_fixture(tc, setup, teardown);
    tcase_add_test(tc, first_match_wins_and_the_default_fills_in);
    tcase_add_test(tc, the_example_in_deploy_loads);
    tcase_add_test(tc, every_error_names_the_route_and_the_problem);
    suite_add_tcase(s, tc);
    return s;
}

GW_CHECK_MAIN(suite)
