#include <check.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gateway/text/blockkit.h"
#include "gateway/text/digest_text.h"
#include "gateway/core/ticket.h"
#include "gateway/util/utf8.h"

#include "tests/unit/check_main.h"
#include "tests/unit/slack_checks.h"

static const char green[] = "\xF0\x9F\x9F\xA2";
static const char orange[] = "\xF0\x9F\x9F\xA0";

#define ELLIPSIS "\xE2\x80\xA6"
#define GRIN "\xF0\x9F\x98\x80"   /* U+1F600, two UTF-16 units */

/* Fixtures */

static struct gw_ticket *
alloc_tickets(size_t n)
{
    struct gw_ticket *t = calloc(n != 0 ? n : 1, sizeof(*t));

    ck_assert_ptr_nonnull(t);
    return t;
}

/* n tickets over 7 components with realistic titles and spread deadlines. */
static struct gw_ticket *
make_tickets(size_t n)
{
    struct gw_ticket *t = alloc_tickets(n);
    char component[32], title[128];

    for (size_t i = 0; i < n; i++) {
        snprintf(component, sizeof(component), "svc-%zu", i % 7);
        snprintf(title, sizeof(title),
                 "Checkout latency above 2s for EU shoppers & partners, ticket %zu", i);
        set_ticket(&t[i], i, component, title, (int64_t)((i * 7919) % 200) * HOUR - 50 * HOUR);
    }
    return t;
}

/* Checks on built digests */

static size_t
count_occurrences(const char *hay, const char *needle)
{
    size_t count = 0, len = strlen(needle);

    for (const char *p = strstr(hay, needle); p != NULL; p = strstr(p + len, needle))
        count++;
    return count;
}

/* The line (up to '\n') holding ticket i's link; malloc'd. */
static char *
line_of(const char *text, size_t i)
{
    char link[64];
    const char *p, *start, *end;

    snprintf(link, sizeof(link), "<https://example.com/t/%zu|", i);
    p = strstr(text, link);
    ck_assert_ptr_nonnull(p);
    for (start = p; start > text && start[-1] != '\n'; start--)
        ;
    end = strchr(p, '\n');
    return strndup(start, end != NULL ? (size_t)(end - start) : strlen(start));
}

/* Position of needle in text; fails when absent. */
static size_t
pos_of(const char *text, const char *needle)
{
    const char *p = strstr(text, needle);

    ck_assert_msg(p != NULL, "missing %s", needle);
    return (size_t)(p - text);
}

/* Builds with the default renderer and checks every limit. */
static char *
build_checked(struct gw_ticket *t, size_t n, json_t **digest_out)
{
    json_t *digest = gw_digest_build(t, n, NOW, WARN, CRIT, &gw_digest_default_renderer);
    char *text;

    ck_assert_ptr_nonnull(digest);
    text = check_digest(digest, 1);
    if (digest_out != NULL)
        *digest_out = digest;
    else
        json_decref(digest);
    return text;
}

/* Primitives */

START_TEST(test_escape)
{
    char *s = gw_slack_escape("a<b>&c|d *e*");
    ck_assert_str_eq(s, "a&lt;b&gt;&amp;c|d *e*");
    free(s);
    s = gw_slack_escape("&amp;");
    ck_assert_str_eq(s, "&amp;amp;");
    free(s);
    s = gw_slack_escape("");
    ck_assert_str_eq(s, "");
    free(s);
    s = gw_slack_escape(NULL);
    ck_assert_str_eq(s, "");
    free(s);
}
END_TEST

START_TEST(test_link)
{
    char *s = gw_slack_link("https://x.io/a?b=1&c=2|3>4 5", "a|b>c\nd&e");
    ck_assert_str_eq(s, "<https://x.io/a?b=1&amp;c=2%7C3%3E4%205|a\xE2\x88\xA3" "b&gt;c d&amp;e>");
    free(s);
    s = gw_slack_link(NULL, "a|b<c");
    ck_assert_str_eq(s, "a|b&lt;c");
    free(s);
    s = gw_slack_link("javascript:alert(1)", "x");
    ck_assert_str_eq(s, "x");
    free(s);
    s = gw_slack_link("https://x.io/\xC3\xA9", "");
    ck_assert_str_eq(s, "<https://x.io/%C3%A9>");
    free(s);

    char url[1100] = "https://x.io/";
    memset(url + 13, 'a', 1050);
    url[1063] = '\0';
    s = gw_slack_link(url, "long");
    ck_assert_str_eq(s, "long");
    free(s);
}
END_TEST

START_TEST(test_escape_line)
{
    char *s = gw_slack_escape_line("a\nb\r\tc <d>|&");
    ck_assert_str_eq(s, "a b  c &lt;d&gt;|&amp;");
    free(s);
    s = gw_slack_escape_line(NULL);
    ck_assert_str_eq(s, "");
    free(s);
}
END_TEST

/* gw_slack_cut(s, max, mrkdwn) gives want, within max units. */
static const struct {
    const char *s;
    size_t max;
    int mrkdwn;
    const char *want;
} cuts[] = {
    {"hello", 5, 0, "hello"},
    {"hello", 5, 1, "hello"},
    {"", 3, 1, ""},
    /* Cut at a code point boundary, "…" counting as one unit. */
    {"h\xC3\xA9llo w\xC3\xB6rld", 6, 0, "h\xC3\xA9llo" ELLIPSIS},
    {"\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9", 4, 1, "\xC3\xA9\xC3\xA9" ELLIPSIS},
    /* Beyond the BMP a code point is two units and is never split. */
    {"a" GRIN GRIN GRIN, 4, 0, "a" GRIN ELLIPSIS},
    {"a" GRIN GRIN GRIN, 4, 1, "a" ELLIPSIS},
    /* mrkdwn: never half an &entity;. */
    {"x&amp;yyyyyy", 6, 1, "x" ELLIPSIS},
    {"ab&lt;cdefgh", 7, 1, "ab" ELLIPSIS},
    {"ab&lt;cdefgh", 8, 1, "ab&lt;" ELLIPSIS},
    /* A lone '&' further back is text, not an entity. */
    {"R&D is great fun", 12, 1, "R&D is gre" ELLIPSIS},
    /* The plain cut knows nothing of entities. */
    {"x&amp;yyyyyy", 6, 0, "x&amp" ELLIPSIS},
    /* A cut inside a link label closes the link with "…>". */
    {"see <https://x.io/a|a long label here>", 25, 1, "see <https://x.io/a|a l" ELLIPSIS ">"},
    {"<https://x.io|a &amp; b>", 20, 1, "<https://x.io|a " ELLIPSIS ">"},
    /* A cut inside the url drops the link opener. */
    {"see <https://x.io/abcdef|label>", 15, 1, "see " ELLIPSIS},
    /* A closed link before the cut is kept whole; mrkdwn keeps a unit spare for a '>'. */
    {"<https://x.io|ab> and more text", 22, 1, "<https://x.io|ab> an" ELLIPSIS},
};

START_TEST(test_cut)
{
    char *cut = gw_slack_cut(cuts[_i].s, cuts[_i].max, cuts[_i].mrkdwn);

    ck_assert_ptr_nonnull(cut);
    ck_assert_str_eq(cut, cuts[_i].want);
    ck_assert_uint_le(gw_slack_len(cut), cuts[_i].max);
    free(cut);
}
END_TEST

START_TEST(test_sla_text)
{
    char buf[48];

    ck_assert_str_eq(gw_sla_text(30 * HOUR, buf, sizeof(buf)), "SLA: 30h remaining");
    ck_assert_str_eq(gw_sla_text(30 * HOUR + 3599, buf, sizeof(buf)), "SLA: 30h remaining");
    ck_assert_str_eq(gw_sla_text(-3 * HOUR, buf, sizeof(buf)), "SLA breached 3h ago");
    ck_assert_str_eq(gw_sla_text(-3 * HOUR - 59 * 60, buf, sizeof(buf)), "SLA breached 3h ago");
    ck_assert_str_eq(gw_sla_text(0, buf, sizeof(buf)), "SLA: due now");
    ck_assert_str_eq(gw_sla_text(1, buf, sizeof(buf)), "SLA: less than 1m remaining");
    ck_assert_str_eq(gw_sla_text(-59, buf, sizeof(buf)), "SLA breached just now");
    ck_assert_str_eq(gw_sla_text(45 * 60 + 30, buf, sizeof(buf)), "SLA: 45m remaining");
    ck_assert_str_eq(gw_sla_text(-12 * 60, buf, sizeof(buf)), "SLA breached 12m ago");
    ck_assert_str_eq(gw_sla_text(HOUR, buf, sizeof(buf)), "SLA: 1h remaining");
    ck_assert_str_eq(gw_sla_text(71 * HOUR + 3599, buf, sizeof(buf)), "SLA: 71h remaining");
    ck_assert_str_eq(gw_sla_text(72 * HOUR, buf, sizeof(buf)), "SLA: 3d remaining");
    ck_assert_str_eq(gw_sla_text(-100 * HOUR, buf, sizeof(buf)), "SLA breached 4d ago");
    ck_assert_ptr_nonnull(strstr(gw_sla_text(INT64_MIN, buf, sizeof(buf)), "SLA breached"));
    ck_assert_ptr_nonnull(strstr(gw_sla_text(INT64_MAX, buf, sizeof(buf)), "remaining"));
    ck_assert_str_eq(gw_sla_text(30 * HOUR, buf, 6), "SLA: ");
}
END_TEST

START_TEST(test_sla_emoji)
{
    ck_assert_str_eq(gw_sla_emoji(GW_SLA_GREEN), green);
    ck_assert_str_eq(gw_sla_emoji(GW_SLA_ORANGE), orange);
    ck_assert_str_eq(gw_sla_emoji(GW_SLA_RED), red);
}
END_TEST

/* Digests */

START_TEST(test_colour_thresholds)
{
    static const struct { int64_t remaining; const char *emoji; } cases[] = {
        {WARN + 1, green}, {WARN, orange}, {WARN - 1, orange}, {CRIT + 1, orange},
        {CRIT, red}, {CRIT - 1, red}, {0, red}, {-5 * HOUR, red},
    };
    size_t n = sizeof(cases) / sizeof(cases[0]);
    struct gw_ticket *t = alloc_tickets(n);
    char *text;

    for (size_t i = 0; i < n; i++)
        set_ticket(&t[i], i, "payments", "Card declines", cases[i].remaining);
    text = build_checked(t, n, NULL);
    for (size_t i = 0; i < n; i++) {
        char *line = line_of(text, i);
        ck_assert_msg(strncmp(line, cases[i].emoji, strlen(cases[i].emoji)) == 0,
                      "case %zu: %s", i, line);
        free(line);
    }
    free(text);
    free_tickets(t, n);
}
END_TEST

START_TEST(test_default_line)
{
    struct gw_ticket *t = alloc_tickets(2);
    char *text, *line;

    set_ticket(&t[0], 0, "api", "Login fails", -3 * HOUR);
    set_ticket(&t[1], 1, "api", "No link here", 30 * HOUR);
    free(t[1].url);
    t[1].url = NULL;
    text = build_checked(t, 2, NULL);
    line = line_of(text, 0);
    ck_assert_str_eq(line, "\xF0\x9F\x94\xB4 <https://example.com/t/0|Login fails> "
                           "\xE2\x80\x94 SLA breached 3h ago");
    free(line);
    ck_assert_ptr_nonnull(strstr(text, "\n\xF0\x9F\x9F\xA2 No link here \xE2\x80\x94 "
                                       "SLA: 30h remaining"));
    ck_assert_ptr_nonnull(strstr(text, "*api* (2 open)\n"));
    free(text);
    free_tickets(t, 2);
}
END_TEST

static const size_t limit_sizes[] = {0, 1, 49, 50, 51, 5000};

START_TEST(test_limits)
{
    size_t n = limit_sizes[_i];
    struct gw_ticket *t = make_tickets(n);
    json_t *digest;
    char *text = build_checked(t, n, &digest);

    check_each_once(text, n);
    check_links_only(text);
    if (n > 0 && n <= 51)
        ck_assert_uint_eq(json_array_size(digest), 1);   /* lines are packed */
    if (n == 5000) {
        ck_assert_uint_gt(json_array_size(digest), 1);
        ck_assert_uint_gt(count_occurrences(text, "(cont.)"), 0);
    }
    json_decref(digest);
    free(text);
    free_tickets(t, n);
}
END_TEST

START_TEST(test_empty)
{
    struct gw_ticket *t = make_tickets(3);
    json_t *digest = gw_digest_build(NULL, 0, NOW, WARN, CRIT, NULL);

    ck_assert(json_is_array(digest));
    ck_assert_uint_eq(json_array_size(digest), 0);
    json_decref(digest);
    for (size_t i = 0; i < 3; i++)
        t[i].state = GW_TICKET_RESOLVED;
    digest = gw_digest_build(t, 3, NOW, WARN, CRIT, NULL);
    ck_assert_uint_eq(json_array_size(digest), 0);
    json_decref(digest);
    free_tickets(t, 3);
}
END_TEST

START_TEST(test_resolved_skipped)
{
    struct gw_ticket *t = make_tickets(10);
    char *text;

    t[3].state = GW_TICKET_RESOLVED;
    t[7].state = GW_TICKET_RESOLVED;
    text = build_checked(t, 10, NULL);
    ck_assert_uint_eq(count_occurrences(text, "<https://example.com/t/"), 8);
    ck_assert_ptr_null(strstr(text, "<https://example.com/t/3|"));
    ck_assert_ptr_null(strstr(text, "<https://example.com/t/7|"));
    ck_assert_uint_eq(count_occurrences(text, "<https://example.com/t/8|"), 1);
    free(text);
    free_tickets(t, 10);
}
END_TEST

START_TEST(test_many_components)
{
    size_t n = 300;
    struct gw_ticket *t = alloc_tickets(n);
    json_t *digest, *msg;
    size_t i, full = 0;
    char component[32], *text;

    for (i = 0; i < n; i++) {
        snprintf(component, sizeof(component), "component-%03zu", i);
        set_ticket(&t[i], i, component, "Disk almost full", (int64_t)i * 60);
    }
    text = build_checked(t, n, &digest);
    check_each_once(text, n);
    json_array_foreach(digest, i, msg)
        if (json_array_size(json_object_get(msg, "blocks")) == GW_SLACK_MAX_BLOCKS)
            full++;
    ck_assert_uint_gt(full, 0);
    ck_assert_uint_eq(count_occurrences(text, "(cont.)"), 0);
    json_decref(digest);
    free(text);
    free_tickets(t, n);
}
END_TEST

START_TEST(test_long_titles)
{
    size_t n = 40;
    struct gw_ticket *t = alloc_tickets(n);
    char *title = malloc(3001), *text;

    memset(title, 'x', 3000);
    title[3000] = '\0';
    for (size_t i = 0; i < n; i++)
        set_ticket(&t[i], i, i % 2 ? "a" : "b", title, (int64_t)i * HOUR);
    text = build_checked(t, n, NULL);
    check_each_once(text, n);
    check_links_only(text);
    for (size_t i = 0; i < n; i++) {
        char *line = line_of(text, i);
        ck_assert_ptr_nonnull(strstr(line, "x\xE2\x80\xA6> \xE2\x80\x94 SLA"));
        ck_assert_uint_le(gw_slack_len(line), 300);
        free(line);
    }
    free(text);
    free(title);
    free_tickets(t, n);
}
END_TEST

START_TEST(test_multibyte_titles)
{
    static const char *const units[] = {
        "\xF0\x9F\x94\xA5",                 /* 🔥 4 bytes, 2 UTF-16 units */
        "\xC3\xA9",                         /* é */
        "\xE6\xBC\xA2",                     /* 漢 */
        "a\xF0\x9F\x98\x80\xC3\xA9<",       /* mixed, with an escape */
        "\xF0\x9F\x91\xA9\xE2\x80\x8D\xF0\x9F\x92\xBB",   /* ZWJ sequence */
    };
    static const size_t lengths[] = {1, 2, 99, 100, 101, 199, 200, 201, 1000, 3000};
    size_t n = 0, nu = sizeof(units) / sizeof(units[0]), nl = sizeof(lengths) / sizeof(lengths[0]);
    struct gw_ticket *t = alloc_tickets(nu * nl);
    char *text;

    for (size_t u = 0; u < nu; u++)
        for (size_t l = 0; l < nl; l++) {
            char *title = repeat(units[u], lengths[l]);
            set_ticket(&t[n], n, "intl", title, (int64_t)n * 600 - 5 * HOUR);
            free(title);
            n++;
        }
    text = build_checked(t, n, NULL);
    check_each_once(text, n);
    check_links_only(text);
    for (size_t i = 0; i < n; i++) {
        char *line = line_of(text, i);
        ck_assert(gw_utf8_valid(line, strlen(line)));
        ck_assert_ptr_nonnull(strstr(line, "SLA"));
        free(line);
    }
    free(text);
    free_tickets(t, n);
}
END_TEST

START_TEST(test_invalid_utf8)
{
    struct gw_ticket *t = alloc_tickets(2);
    char *text;

    set_ticket(&t[0], 0, "bad\xFF", "broken \xC3 title \xED\xA0\x80 end", HOUR);
    set_ticket(&t[1], 1, "ok", "fine", HOUR);
    text = build_checked(t, 2, NULL);
    check_each_once(text, 2);
    ck_assert_ptr_nonnull(strstr(text, "\xEF\xBF\xBD"));
    free(text);
    free_tickets(t, 2);
}
END_TEST

START_TEST(test_escaping)
{
    size_t n = 30;
    struct gw_ticket *t = alloc_tickets(n);
    char *nasty = repeat("<&>", 1000), *text;

    for (size_t i = 0; i < n; i++)
        set_ticket(&t[i], i, "<b>&co", i % 3 == 0 ? nasty
                   : i % 3 == 1 ? "<script>&amp; a|b|c >x" : "<!channel> ping", HOUR);
    text = build_checked(t, n, NULL);
    check_each_once(text, n);
    check_links_only(text);
    ck_assert_ptr_nonnull(strstr(text, "*&lt;b&gt;&amp;co* (30 open)"));
    ck_assert_ptr_nonnull(strstr(text, "|&lt;script&gt;&amp;amp; a\xE2\x88\xA3" "b"));
    ck_assert_ptr_nonnull(strstr(text, "|&lt;!channel&gt; ping>"));
    free(text);
    free(nasty);
    free_tickets(t, n);
}
END_TEST

START_TEST(test_component_order)
{
    static const struct { const char *component; int64_t remaining; } cases[] = {
        {"beta", 500}, {"alpha", 900}, {"zeta", 2000}, {"alpha", 500},
        {"gamma", 10}, {"zeta", -100}, {"beta", 700},
    };
    size_t n = sizeof(cases) / sizeof(cases[0]);
    struct gw_ticket *t = alloc_tickets(n);
    char *text;

    for (size_t i = 0; i < n; i++)
        set_ticket(&t[i], i, cases[i].component, "x", cases[i].remaining);
    text = build_checked(t, n, NULL);
    /* zeta (-100) < gamma (10) < alpha (500, name) < beta (500) */
    ck_assert_uint_lt(pos_of(text, "*zeta*"), pos_of(text, "*gamma*"));
    ck_assert_uint_lt(pos_of(text, "*gamma*"), pos_of(text, "*alpha*"));
    ck_assert_uint_lt(pos_of(text, "*alpha*"), pos_of(text, "*beta*"));
    ck_assert_uint_eq(count_occurrences(text, "*alpha*"), 1);
    /* Tickets of one component stay under its heading. */
    ck_assert_uint_lt(pos_of(text, "*alpha*"), pos_of(text, "/t/3|"));
    ck_assert_uint_lt(pos_of(text, "/t/1|"), pos_of(text, "*beta*"));
    free(text);
    free_tickets(t, n);
}
END_TEST

START_TEST(test_ticket_order)
{
    static const int64_t remaining[] = {300, 100, 200, 100, -50, 100};
    size_t n = sizeof(remaining) / sizeof(remaining[0]);
    struct gw_ticket *t = alloc_tickets(n);
    char *text;

    for (size_t i = 0; i < n; i++)
        set_ticket(&t[i], i, "api", "x", remaining[i]);
    text = build_checked(t, n, NULL);
    /* -50 (4); 100 by id: #1 < #3 < #5; 200 (2); 300 (0) */
    ck_assert_uint_lt(pos_of(text, "/t/4|"), pos_of(text, "/t/1|"));
    ck_assert_uint_lt(pos_of(text, "/t/1|"), pos_of(text, "/t/3|"));
    ck_assert_uint_lt(pos_of(text, "/t/3|"), pos_of(text, "/t/5|"));
    ck_assert_uint_lt(pos_of(text, "/t/5|"), pos_of(text, "/t/2|"));
    ck_assert_uint_lt(pos_of(text, "/t/2|"), pos_of(text, "/t/0|"));
    free(text);
    free_tickets(t, n);
}
END_TEST

START_TEST(test_split_continues_component)
{
    size_t n = 1500;
    struct gw_ticket *t = alloc_tickets(n);
    json_t *digest, *msg;
    size_t i;
    char *text;

    for (i = 0; i < n; i++)
        set_ticket(&t[i], i, i < 1400 ? "big" : "small", "Queue backlog growing", (int64_t)i);
    text = build_checked(t, n, &digest);
    check_each_once(text, n);
    ck_assert_uint_gt(json_array_size(digest), 1);
    json_array_foreach(digest, i, msg) {
        const char *first = block_text(json_array_get(json_object_get(msg, "blocks"), 1));
        if (i == 0)
            ck_assert_int_eq(strncmp(first, "*big* (1400 open)\n", 18), 0);
        else if (strncmp(first, "*big*", 5) == 0)
            ck_assert_int_eq(strncmp(first, "*big* (1400 open) (cont.)\n", 26), 0);
    }
    /* Messages come in ticket order: the last ticket of "big" before "small". */
    ck_assert_uint_lt(pos_of(text, "/t/1399|"), pos_of(text, "*small*"));
    json_decref(digest);
    free(text);
    free_tickets(t, n);
}
END_TEST

START_TEST(test_missing_fields)
{
    struct gw_ticket t[2] = {{0}};
    json_t *digest = NULL;
    char *text;

    t[0].state = GW_TICKET_OPEN;
    t[0].sla_deadline = NOW + HOUR;
    t[1].id = xstrdup("am:abc");
    t[1].state = GW_TICKET_OPEN;
    t[1].sla_deadline = NOW - HOUR;
    text = check_digest(digest = gw_digest_build(t, 2, NOW, WARN, CRIT, NULL), 1);
    ck_assert_ptr_nonnull(strstr(text, "*(no component)* (2 open)"));
    ck_assert_ptr_nonnull(strstr(text, " am:abc \xE2\x80\x94 SLA breached 1h ago"));
    json_decref(digest);
    free(text);
    gw_ticket_clear(&t[1]);
}
END_TEST

/* Custom renderers */

static char *
failing_summary(void *ctx, size_t open_tickets, size_t components, int part, int parts)
{
    (void)ctx, (void)open_tickets, (void)components, (void)part, (void)parts;
    return NULL;
}

static char *
empty_component(void *ctx, const char *component, size_t count)
{
    (void)ctx, (void)component, (void)count;
    return strdup("");
}

static char *
failing_line(void *ctx, const struct gw_ticket *t, int64_t remaining, enum gw_sla_colour c,
             const struct gw_sla_status *clock)
{
    (void)ctx, (void)t, (void)remaining, (void)c, (void)clock;
    return NULL;
}

START_TEST(test_renderer_failures_fall_back)
{
    const struct gw_digest_renderer broken = {
        failing_summary, empty_component, failing_line, failing_summary, NULL, NULL, NULL
    };
    struct gw_ticket *t = make_tickets(60);
    json_t *a = gw_digest_build(t, 60, NOW, WARN, CRIT, &broken);
    json_t *b = gw_digest_build(t, 60, NOW, WARN, CRIT, NULL);

    ck_assert_ptr_nonnull(a);
    ck_assert(json_equal(a, b));
    json_decref(a);
    json_decref(b);
    free_tickets(t, 60);
}
END_TEST

static char *
huge_summary(void *ctx, size_t open_tickets, size_t components, int part, int parts)
{
    char *s = repeat("\xF0\x9F\x93\x8B <&> \xFF", 2000);
    (void)ctx, (void)open_tickets, (void)components, (void)part, (void)parts;
    return s;
}

static char *
huge_component(void *ctx, const char *component, size_t count)
{
    (void)ctx, (void)count;
    char *name = repeat(component, 200), *out = malloc(strlen(name) + 3);
    out[0] = '*';
    memcpy(out + 1, name, strlen(name));
    memcpy(out + 1 + strlen(name), "*", 2);
    free(name);
    return out;
}

/* A template that ignores every length: a link whose label runs on. */
static char *
huge_line(void *ctx, const struct gw_ticket *t, int64_t remaining, enum gw_sla_colour c,
          const struct gw_sla_status *clock)
{
    char *label = repeat("\xC3\xA9&amp;", 2000), *link = gw_slack_link(t->url, label);
    (void)ctx, (void)remaining, (void)c, (void)clock;
    free(label);
    return link;
}

START_TEST(test_renderer_oversized_output)
{
    const struct gw_digest_renderer big = {
        huge_summary, huge_component, huge_line, huge_summary, NULL, NULL, NULL
    };
    size_t n = 120;
    struct gw_ticket *t = make_tickets(n);
    json_t *digest = gw_digest_build(t, n, NOW, WARN, CRIT, &big);
    char *text;

    ck_assert_ptr_nonnull(digest);
    text = check_digest(digest, 0);
    check_each_once(text, n);
    check_links_only(text);
    ck_assert_uint_gt(json_array_size(digest), 1);
    ck_assert_ptr_nonnull(strstr(text, "\xE2\x80\xA6>"));
    json_decref(digest);
    free(text);
    free_tickets(t, n);
}
END_TEST

static Suite *
blockkit_suite(void)
{
    Suite *s = suite_create("blockkit");
    TCase *tc = tcase_create("core");

    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_escape);
    tcase_add_test(tc, test_link);
    tcase_add_test(tc, test_escape_line);
    tcase_add_loop_test(tc, test_cut, 0, sizeof(cuts) / sizeof(cuts[0]));
    tcase_add_test(tc, test_sla_text);
    tcase_add_test(tc, test_sla_emoji);
    tcase_add_test(tc, test_colour_thresholds);
    tcase_add_test(tc, test_default_line);
    tcase_add_loop_test(tc, test_limits, 0, sizeof(limit_sizes) / sizeof(limit_sizes[0]));
    tcase_add_test(tc, test_empty);
    tcase_add_test(tc, test_resolved_skipped);
    tcase_add_test(tc, test_many_components);
    tcase_add_test(tc, test_long_titles);
    tcase_add_test(tc, test_multibyte_titles);
    tcase_add_test(tc, test_invalid_utf8);
    tcase_add_test(tc, test_escaping);
    tcase_add_test(tc, test_component_order);
    tcase_add_test(tc, test_ticket_order);
    tcase_add_test(tc, test_split_continues_component);
    tcase_add_test(tc, test_missing_fields);
    tcase_add_test(tc, test_renderer_failures_fall_back);
    tcase_add_test(tc, test_renderer_oversized_output);
    suite_add_tcase(s, tc);
    return s;
}

GW_CHECK_MAIN(blockkit_suite)
