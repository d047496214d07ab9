#include <check.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gateway/core/dates.h"
#include "gateway/core/sla.h"
#include "gateway/core/tz.h"
#include "gateway/text/blockkit.h"
#include "gateway/text/mustache.h"
#include "gateway/text/render.h"
#include "gateway/text/render_base.h"
#include "gateway/text/render_breach.h"
#include "gateway/text/render_edit.h"
#include "gateway/text/render_rss.h"
#include "gateway/core/ticket.h"
#include "gateway/util/utf8.h"

#include "tests/unit/check_main.h"
#include "tests/unit/slack_checks.h"

#define TEMPLATES_DIR KAIZEN_SOURCE_DIR "/templates"

static const char dash[] = "\xE2\x80\x94";          /* — */
static const char ellipsis[] = "\xE2\x80\xA6";      /* … */
static const char divides[] = "\xE2\x88\xA3";       /* ∣ stands in for '|' in link labels */

/* Fixtures */

static struct gw_templates *
load_templates(const char *dir)
{
    struct gw_templates *set = gw_templates_new();
    char err[512] = "";

    ck_assert_ptr_nonnull(set);
    ck_assert_msg(gw_templates_load_dir(set, dir, err, sizeof(err)) == 0, "%s", err);
    return set;
}

static struct gw_templates *
one_template(const char *name, const char *source)
{
    struct gw_templates *set = gw_templates_new();
    char err[256] = "";

    ck_assert_ptr_nonnull(set);
    ck_assert_msg(gw_templates_add(set, name, source, NULL, err, sizeof(err)) == 0, "%s", err);
    return set;
}

/* The shipped templates */

START_TEST(test_shipped_templates_complete)
{
    struct gw_templates *set = load_templates(TEMPLATES_DIR);
    char err[512] = "";

    ck_assert_msg(gw_render_check(set, err, sizeof(err)) == 0, "%s", err);
    for (const char *const *name = gw_required_templates; *name != NULL; name++)
        ck_assert_int_eq(gw_templates_has(set, *name), 1);
    gw_templates_free(set);
}
END_TEST

START_TEST(test_check_names_every_missing)
{
    static const char head[] = "templates: missing digest_component.mustache, "
                               "digest_ticket.mustache, ";
    struct gw_templates *set = one_template("digest_header", "x");
    char err[512] = "";

    ck_assert_int_eq(gw_render_check(set, err, sizeof(err)), -1);
    ck_assert_int_eq(strncmp(err, head, sizeof(head) - 1), 0);
    ck_assert_ptr_null(strstr(err, "digest_header"));
    ck_assert_ptr_nonnull(strstr(err, "rss_digest_description.mustache"));
    /* A short buffer is cut, never overrun. */
    ck_assert_int_eq(gw_render_check(set, err, 20), -1);
    ck_assert_str_eq(err, "templates: missing ");
    gw_templates_free(set);
}
END_TEST

/* Copies the shipped templates into a new temporary dir, written to dir. */
static void
copy_templates(char *dir)
{
    ck_assert_ptr_nonnull(mkdtemp(dir));
    for (const char *const *name = gw_required_templates; *name != NULL; name++) {
        char src[512], dst[512], chunk[4096];
        size_t got;
        FILE *in, *out;

        snprintf(src, sizeof(src), "%s/%s.mustache", TEMPLATES_DIR, *name);
        snprintf(dst, sizeof(dst), "%s/%s.mustache", dir, *name);
        ck_assert_ptr_nonnull(in = fopen(src, "rb"));
        ck_assert_ptr_nonnull(out = fopen(dst, "wb"));
        while ((got = fread(chunk, 1, sizeof(chunk), in)) > 0)
            ck_assert_uint_eq(fwrite(chunk, 1, got, out), got);
        fclose(in);
        ck_assert_int_eq(fclose(out), 0);
    }
}

static void
remove_templates(const char *dir)
{
    char path[512];

    for (const char *const *name = gw_required_templates; *name != NULL; name++) {
        snprintf(path, sizeof(path), "%s/%s.mustache", dir, *name);
        unlink(path);
    }
    ck_assert_int_eq(rmdir(dir), 0);
}

START_TEST(test_dir_missing_one_file)
{
    char dir[] = "/tmp/kaizen-render-XXXXXX", path[512], err[512] = "";
    struct gw_templates *set;

    copy_templates(dir);
    snprintf(path, sizeof(path), "%s/digest_ticket.mustache", dir);
    ck_assert_int_eq(unlink(path), 0);
    set = load_templates(dir);
    ck_assert_int_eq(gw_render_check(set, err, sizeof(err)), -1);
    ck_assert_str_eq(err, "templates: missing digest_ticket.mustache");
    gw_templates_free(set);
    remove_templates(dir);
}
END_TEST

START_TEST(test_dir_syntax_error)
{
    char dir[] = "/tmp/kaizen-render-XXXXXX", path[512], expected[600], err[512] = "";
    struct gw_templates *set = gw_templates_new();
    FILE *f;

    copy_templates(dir);
    snprintf(path, sizeof(path), "%s/sla_breach.mustache", dir);
    ck_assert_ptr_nonnull(f = fopen(path, "w"));
    fputs("{{! a user edit gone wrong }}\n*SLA breached* {{{link}}}\n{{#severity}}{{severity}}\n",
          f);
    ck_assert_int_eq(fclose(f), 0);
    ck_assert_int_eq(gw_templates_load_dir(set, dir, err, sizeof(err)), -1);
    snprintf(expected, sizeof(expected), "%s/sla_breach.mustache:3: unclosed section 'severity'",
             dir);
    ck_assert_str_eq(err, expected);
    gw_templates_free(set);
    remove_templates(dir);
}
END_TEST

/* Digest through the templates */

START_TEST(test_digest_lines)
{
    struct gw_templates *set = load_templates(TEMPLATES_DIR);
    struct gw_template_renderer r;
    struct gw_ticket *t = calloc(2, sizeof(*t));
    json_t *digest, *msg;
    char expected[256], *text;

    gw_template_renderer_init(&r, set, NOW);
    set_ticket(&t[0], 0, "api", "Login fails", -3 * HOUR);
    set_ticket(&t[1], 1, "api", "Slow search", 30 * HOUR);
    t[1].severity = GW_SEV_NONE;
    digest = gw_digest_build(t, 2, NOW, WARN, CRIT, &r.vtable);
    ck_assert_ptr_nonnull(digest);
    ck_assert_uint_eq(json_array_size(digest), 1);
    msg = json_array_get(digest, 0);
    ck_assert_str_eq(block_text(json_array_get(json_object_get(msg, "blocks"), 0)),
                     "\xF0\x9F\x93\x8B SLA digest 2026-11-18: 2 open tickets in 1 component");
    ck_assert_str_eq(json_string_value(json_object_get(msg, "text")),
                     "SLA digest 2026-11-18: 2 open tickets in 1 component");
    text = check_digest(digest, 1);
    snprintf(expected, sizeof(expected),
             "*api* (2 open)\n%s <https://example.com/t/0|Login fails> %s SLA breached 3h ago"
             " \xC2\xB7 high\n"
             "\xF0\x9F\x9F\xA2 <https://example.com/t/1|Slow search> %s SLA: 30h remaining\n",
             red, dash, dash);
    ck_assert_str_eq(text, expected);
    free(text);
    json_decref(digest);
    free_tickets(t, 2);
    gw_templates_free(set);
}
END_TEST

/*
 * A business-hours ticket's line says the business time left and, while
 * its calendar is closed, until when it is paused; 24x7 and breached lines
 * are as before. NOW is Wednesday 11:06:40 UTC; the high ticket's deadline
 * is Thursday 15:00.
 */
START_TEST(test_digest_business_lines)
{
    struct gw_templates *set = load_templates(TEMPLATES_DIR);
    struct gw_sla sla = {{4 * HOUR, 8 * HOUR, 72 * HOUR, 168 * HOUR}};
    int business[GW_SEV_COUNT] = {0, 1, 0, 0};
    struct gw_calendar cal = {0};
    struct gw_sla_policy policy = {&sla, business, &cal, NULL};
    struct gw_template_renderer r;
    struct gw_ticket *t = calloc(3, sizeof(*t));
    json_t *digest;
    char expected[512], err[256], *text;

    cal.tz = gw_tz_utc();
    set_ticket(&t[0], 0, "api", "Login fails", 24 * HOUR + 14000);
    set_ticket(&t[1], 1, "api", "Slow search", 30 * HOUR);
    t[1].severity = GW_SEV_CRITICAL;
    set_ticket(&t[2], 2, "db", "Lag", -3 * HOUR);
    for (int open = 0; open < 2; open++) {
        /* closed until Wednesday 13:00: 4h that day, 2h on Thursday */
        ck_assert_int_eq(gw_calendar_parse_hours(&cal, open ? "mon-fri 09:00-17:00"
                                                            : "mon-fri 13:00-17:00",
                                                 err, sizeof(err)), 0);
        gw_template_renderer_init(&r, set, NOW);
        r.vtable.sla = &policy;
        digest = gw_digest_build(t, 3, NOW, WARN, CRIT, &r.vtable);
        text = check_digest(digest, 1);
        snprintf(expected, sizeof(expected),
                 "*db* (1 open)\n%s <https://example.com/t/2|Lag> %s SLA breached 3h ago"
                 " \xC2\xB7 high\n"
                 "*api* (2 open)\n%s <https://example.com/t/0|Login fails> %s SLA: %s"
                 " \xC2\xB7 high\n"
                 "\xF0\x9F\x9F\xA2 <https://example.com/t/1|Slow search> %s SLA: 30h remaining"
                 " \xC2\xB7 critical\n",
                 red, dash, "\xF0\x9F\x9F\xA2", dash,
                 open ? "11h business left" : "6h business left, paused until Wed 13:00", dash);
        ck_assert_str_eq(text, expected);
        free(text);
        json_decref(digest);
    }
    /* The digest's feed item words it the same way. */
    text = gw_render_rss_digest(set, t, 3, NOW, WARN, CRIT, &policy);
    ck_assert_msg(strstr(text, "Login fails \xE2\x80\x94 SLA: 11h business left") != NULL, "%s", text);
    free(text);
    free_tickets(t, 3);
    gw_calendar_clear(&cal);
    gw_tz_free((struct gw_tz *)cal.tz);
    gw_templates_free(set);
}
END_TEST

static const size_t digest_sizes[] = {1, 7, 50, 51, 600};

START_TEST(test_digest_hostile_titles)
{
    static const char *const titles[] = {
        "<script>alert(1)</script> & co",
        "a|b|c >> <<!channel>> |",
        "&amp; &lt; already escaped?",
        "\xF0\x9F\x94\xA5 fire \xF0\x9F\x91\xA9\xE2\x80\x8D\xF0\x9F\x92\xBB <b>|</b> "
        "\xE6\xBC\xA2\xE5\xAD\x97",
        "line\nbreak\tand tab",
    };
    size_t n = digest_sizes[_i];
    struct gw_templates *set = load_templates(TEMPLATES_DIR);
    struct gw_template_renderer r;
    struct gw_ticket *t = calloc(n, sizeof(*t));
    char component[32], *text, *long_title = repeat("<&>|\xF0\x9F\x98\x80", 700);
    json_t *digest;

    gw_template_renderer_init(&r, set, NOW);
    for (size_t i = 0; i < n; i++) {
        snprintf(component, sizeof(component), "<svc>&%zu|", i % 5);
        set_ticket(&t[i], i, component,
                   i % 6 == 5 ? long_title : titles[i % 5], (int64_t)(i % 90) * HOUR - 40 * HOUR);
    }
    digest = gw_digest_build(t, n, NOW, WARN, CRIT, &r.vtable);
    ck_assert_ptr_nonnull(digest);
    text = check_digest(digest, 1);
    check_each_once(text, n);
    check_links_only(text);
    ck_assert_ptr_null(strstr(text, "<script"));
    ck_assert_ptr_null(strstr(text, "<!channel"));
    ck_assert_ptr_nonnull(strstr(text, "*&lt;svc&gt;&amp;0|* ("));
    if (n >= 2)
        ck_assert_ptr_nonnull(strstr(text, "|a\xE2\x88\xA3" "b\xE2\x88\xA3" "c &gt;&gt; "));
    if (n >= 6)   /* the long title is cut inside its link label */
        ck_assert_ptr_nonnull(strstr(text, "\xE2\x80\xA6>"));
    if (n >= 600)
        ck_assert_uint_gt(json_array_size(digest), 1);
    free(text);
    json_decref(digest);
    free(long_title);
    free_tickets(t, n);
    gw_templates_free(set);
}
END_TEST

START_TEST(test_digest_broken_templates_fall_back)
{
    struct gw_templates *set = gw_templates_new();
    struct gw_template_renderer r;
    struct gw_ticket *t = calloc(60, sizeof(*t));
    json_t *a, *b;
    char err[128];

    for (size_t i = 0; i < 60; i++)
        set_ticket(&t[i], i, i % 2 ? "web" : "db", "Disk & <queue>", (int64_t)i * HOUR);
    /* Missing templates and ones rendering only blanks give the built-in digest. */
    ck_assert_int_eq(gw_templates_add(set, "digest_ticket", "  {{nothing}}\n", NULL, err,
                                      sizeof(err)), 0);
    gw_template_renderer_init(&r, set, NOW);
    a = gw_digest_build(t, 60, NOW, WARN, CRIT, &r.vtable);
    b = gw_digest_build(t, 60, NOW, WARN, CRIT, NULL);
    ck_assert_ptr_nonnull(a);
    ck_assert(json_equal(a, b));
    json_decref(a);
    json_decref(b);
    free_tickets(t, 60);
    gw_templates_free(set);
}
END_TEST

/* SLA-breach notice */

START_TEST(test_breach_notice)
{
    struct gw_templates *set = load_templates(TEMPLATES_DIR);
    struct gw_ticket t = {0};
    json_t *msg;
    char *text, expected[512];

    set_ticket(&t, 0, "db & <infra>", "Replica <lag> & drift | 5m", -(3 * HOUR + 5 * 60));
    msg = gw_render_breach_notice(set, &t, NOW);
    ck_assert_ptr_nonnull(msg);
    text = check_message(msg, 0);
    snprintf(expected, sizeof(expected),
             "%s *SLA breached 3h 5m ago:* <https://example.com/t/0|Replica &lt;lag&gt; "
             "&amp; drift %s 5m>\n*Severity:* high \xC2\xB7 *Component:* db &amp; &lt;infra&gt; "
             "\xC2\xB7 *Deadline:* 2026-11-18T08:01:40Z \xC2\xB7 `gh:octo/api#0`\n",
             red, divides);
    ck_assert_str_eq(text, expected);
    check_links_only(text);
    json_decref(msg);
    free(text);
    gw_ticket_clear(&t);
    gw_templates_free(set);
}
END_TEST

START_TEST(test_breach_notice_limits)
{
    struct gw_templates *set = load_templates(TEMPLATES_DIR);
    struct gw_ticket t = {0};
    char *title = repeat("\xC3\xA9<&>|\xF0\x9F\x94\xA5", 600), *text;
    json_t *msg;

    set_ticket(&t, 0, title, title, -HOUR);
    msg = gw_render_breach_notice(set, &t, NOW);
    text = check_message(msg, 0);
    check_links_only(text);
    ck_assert_ptr_nonnull(strstr(text, "\xE2\x80\xA6>"));   /* title cut inside the label */
    ck_assert_ptr_nonnull(strstr(text, "*Deadline:* "));
    json_decref(msg);
    free(text);
    gw_templates_free(set);

    /* A template that ignores every length is cut to the section limit, link closed. */
    set = one_template("sla_breach", "{{#breached}}{{{link}}} {{title}} {{{link}}} {{title}} "
                       "{{{link}}} {{title}} {{{link}}} {{title}} {{{link}}} {{title}} "
                       "{{{link}}} {{title}}{{/breached}}");
    msg = gw_render_breach_notice(set, &t, NOW);
    text = check_message(msg, 0);
    check_links_only(text);
    ck_assert_uint_ge(gw_slack_len(text), GW_SLACK_SECTION_MAX - 100);
    ck_assert_ptr_nonnull(strstr(text, ellipsis));
    json_decref(msg);
    free(text);
    gw_templates_free(set);
    free(title);
    gw_ticket_clear(&t);
}
END_TEST

/* Grouped notices: `n` tickets numbered from 0, titled title, as page `first` of total. */
static json_t *
breach_page(const struct gw_templates *set, size_t n, const char *title, long total, long first)
{
    struct gw_ticket *t = calloc(n, sizeof(*t));
    struct gw_breach_page p = {total, first, NOW, 0, NULL};
    json_t *out;

    ck_assert_ptr_nonnull(t);
    for (size_t i = 0; i < n; i++)
        set_ticket(&t[i], i, i % 2 ? "payments" : NULL, title, -HOUR - (int64_t)i);
    out = gw_render_breach_page(set, t, n, &p, NULL);
    ck_assert_ptr_nonnull(out);
    free_tickets(t, n);
    return out;
}

START_TEST(test_breach_group_every_ticket_once_within_limits)
{
    struct gw_templates *set = load_templates(TEMPLATES_DIR);
    char *title = repeat("\xC3\xA9<&>|\xF0\x9F\x94\xA5", 600);
    json_t *msgs = breach_page(set, 250, title, 600, 251), *msg;
    size_t i, n = json_array_size(msgs), *seen = calloc(250, sizeof(size_t));
    long next = 251;

    ck_assert_ptr_nonnull(seen);
    ck_assert_uint_gt(n, 1);   /* long lines: the page needs several messages */
    json_array_foreach(msgs, i, msg) {
        char *text = check_message_within(msg, 1, GW_BREACH_TEXT_MAX);
        const char *header = block_text(json_array_get(json_object_get(msg, "blocks"), 0));
        char want[64];
        long first = 0, last = 0;

        check_links_only(text);
        ck_assert_ptr_nonnull(strstr(header, "600 SLA breaches"));
        /* The header's range: this message's tickets, following the previous message's. */
        ck_assert_int_eq(sscanf(strchr(header, '(') + 1, "%ld\xE2\x80\x93%ld", &first, &last), 2);
        ck_assert_int_eq(first, next);
        next = last + 1;
        for (const char *p = strstr(text, "<https://example.com/t/"); p != NULL;
             p = strstr(p + 1, "<https://example.com/t/")) {
            size_t k = strtoul(p + 23, NULL, 10);
            ck_assert_uint_lt(k, 250);
            seen[k]++;
        }
        snprintf(want, sizeof(want), "%s ", red);
        ck_assert_ptr_nonnull(strstr(text, want));
        ck_assert_ptr_nonnull(strstr(text, "(no component)"));
        free(text);
    }
    ck_assert_int_eq(next, 501);
    for (size_t k = 0; k < 250; k++)
        ck_assert_msg(seen[k] == 1, "ticket %zu listed %zu times", k, seen[k]);
    json_decref(msgs);

    /* Short lines: one message for the page, its range in the header. */
    msgs = breach_page(set, 3, "Disk full", 3, 1);
    ck_assert_uint_eq(json_array_size(msgs), 1);
    msg = json_array_get(msgs, 0);
    free(check_message(msg, 1));
    ck_assert_str_eq(block_text(json_array_get(json_object_get(msg, "blocks"), 0)),
                     "\xF0\x9F\x94\xB4 3 SLA breaches");
    ck_assert_ptr_nonnull(strstr(block_text(json_array_get(json_object_get(msg, "blocks"), 1)),
                                 "<https://example.com/t/2|Disk full> \xC2\xB7 high \xC2\xB7 "
                                 "(no component) \xC2\xB7 breached 1h ago"));
    json_decref(msgs);

    /* A round of one ticket: the classic notice. */
    msgs = breach_page(set, 1, "Disk full", 1, 1);
    ck_assert_uint_eq(json_array_size(msgs), 1);
    ck_assert_str_eq(json_string_value(json_object_get(
                         json_array_get(json_object_get(json_array_get(msgs, 0), "blocks"), 0),
                         "type")), "section");
    json_decref(msgs);
    free(seen);
    free(title);
    gw_templates_free(set);
}
END_TEST

/* The values of msg's Acknowledge menu, joined by spaces ("" without one). */
static void
menu_values(json_t *msg, char *out, size_t len)
{
    json_t *block, *option;
    size_t i, k;

    *out = '\0';
    json_array_foreach(json_object_get(msg, "blocks"), i, block) {
        json_t *select = json_array_get(json_object_get(block, "elements"), 0);
        if (strcmp(json_string_value(json_object_get(block, "type")), "actions") != 0)
            continue;
        ck_assert_str_eq(json_string_value(json_object_get(select, "type")), "static_select");
        ck_assert_str_eq(json_string_value(json_object_get(select, "action_id")), GW_ACK_ACTION);
        json_array_foreach(json_object_get(select, "options"), k, option) {
            snprintf(out + strlen(out), len - strlen(out), "%s%s", *out ? " " : "",
                     json_string_value(json_object_get(option, "value")));
        }
    }
}

/* check_message of msg without its actions blocks (they carry no text). */
static char *
check_without_actions(json_t *msg, int with_header)
{
    json_t *copy = json_deep_copy(msg), *blocks = json_object_get(copy, "blocks");
    char *text;

    for (size_t i = json_array_size(blocks); i-- > 0;)
        if (strcmp(json_string_value(json_object_get(json_array_get(blocks, i), "type")),
                   "actions") == 0)
            json_array_remove(blocks, i);
    text = check_message(copy, with_header);
    json_decref(copy);
    return text;
}

START_TEST(test_breach_menus_and_edits)
{
    struct gw_templates *set = load_templates(TEMPLATES_DIR);
    struct gw_ticket t[3];
    struct gw_breach_page p = {3, 1, NOW, 1, NULL};
    size_t per_msg[3] = {0};
    char values[512], target[200], *text;
    json_t *msgs, *msg;

    for (size_t i = 0; i < 3; i++)
        set_ticket(&t[i], i, "db", "Disk full", -HOUR);
    t[1].acked_by = xstrdup("@bob");
    t[1].acked_at = NOW - 60;
    t[2].state = GW_TICKET_RESOLVED;
    t[2].resolved_at = NOW - 30;
    msgs = gw_render_breach_page(set, t, 3, &p, per_msg);
    ck_assert_uint_eq(json_array_size(msgs), 1);
    ck_assert_uint_eq(per_msg[0], 3);
    msg = json_array_get(msgs, 0);
    text = check_without_actions(msg, 1);
    /* Only the open, unacknowledged ticket is offered; the others show their state. */
    menu_values(msg, values, sizeof(values));
    ck_assert_str_eq(values, "ticket:gh:octo/api#0");
    ck_assert_ptr_nonnull(strstr(text, "breached 1h ago \xC2\xB7 \xF0\x9F\x91\x80 @bob"));
    ck_assert_msg(strstr(text, "\xE2\x9C\x85 <https://example.com/t/2|Disk full>") != NULL, "%s", text);
    free(text);
    json_decref(msgs);

    /* Without buttons (no signing secret): no menu. */
    p.buttons = 0;
    msgs = gw_render_breach_page(set, t, 3, &p, NULL);
    menu_values(json_array_get(msgs, 0), values, sizeof(values));
    ck_assert_str_eq(values, "");
    json_decref(msgs);

    /* Many tickets: at most GW_BREACH_MENU_MAX per message, every one counted once. */
    {
        struct gw_ticket many[GW_BREACH_MENU_MAX + 20];
        size_t counts[GW_BREACH_MENU_MAX + 20] = {0}, total = 0;
        struct gw_breach_page big = {GW_BREACH_MENU_MAX + 20, 1, NOW, 1, NULL};

        for (size_t i = 0; i < GW_BREACH_MENU_MAX + 20; i++)
            set_ticket(&many[i], i, "db", "x", -HOUR);
        msgs = gw_render_breach_page(set, many, GW_BREACH_MENU_MAX + 20, &big, counts);
        ck_assert_uint_eq(json_array_size(msgs), 2);
        for (size_t m = 0; m < 2; m++) {
            json_t *block = json_array_get(json_object_get(json_array_get(msgs, m), "blocks"),
                                           json_array_size(json_object_get(
                                               json_array_get(msgs, m), "blocks")) - 1);
            json_t *select = json_array_get(json_object_get(block, "elements"), 0);
            ck_assert_uint_eq(json_array_size(json_object_get(select, "options")), counts[m]);
            total += counts[m];
        }
        ck_assert_uint_eq(counts[0], GW_BREACH_MENU_MAX);
        ck_assert_uint_eq(total, GW_BREACH_MENU_MAX + 20);
        json_decref(msgs);
        for (size_t i = 0; i < GW_BREACH_MENU_MAX + 20; i++)
            gw_ticket_clear(&many[i]);
    }

    /* The one-ticket notice: a button while open, its state once edited. */
    const char *edit =
        "{\"edit\":\"breach:r1:1.1\",\"checked_at\":1763462640,\"count\":1,\"first\":1,"
        "\"buttons\":true,\"tickets\":[{\"state\":\"resolved\",\"component\":"
        "\"db\",\"severity\":\"high\",\"updated_at\":1763466000,\"sla_deadline\":1763455440,"
        "\"created_at\":1763450000,\"resolved_at\":1763466000,\"source\":\"github\",\"id\":"
        "\"gh:octo/api#9\",\"url\":\"https://example.com/t/9\",\"title\":\"Disk <full>\","
        "\"acked_by\":\"@al&ice\",\"acked_at\":1763463000}]}";
    msg = gw_render_edit(set, NULL, edit, strlen(edit), target, sizeof(target));
    ck_assert_str_eq(target, "breach:r1:1.1");
    text = check_without_actions(msg, 0);
    ck_assert_msg(strstr(text, "Acknowledged by @al&amp;ice") != NULL, "%s", text);
    ck_assert_ptr_nonnull(strstr(text, "\xE2\x9C\x85 Resolved 2025-11-18T11:40:00Z"));
    ck_assert_ptr_nonnull(strstr(text, "Disk &lt;full&gt;"));
    menu_values(msg, values, sizeof(values));   /* resolved: no button either */
    ck_assert_uint_eq(json_array_size(json_object_get(msg, "blocks")), 1);
    free(text);
    json_decref(msg);
    for (size_t i = 0; i < 3; i++)
        gw_ticket_clear(&t[i]);
    gw_templates_free(set);
}
END_TEST

START_TEST(test_breach_notice_fallback)
{
    struct gw_templates *set = one_template("sla_breach", "{{#no}}x{{/no}}\n");
    struct gw_ticket t = {0};
    json_t *msg;
    char *text;

    set_ticket(&t, 0, NULL, "Disk full", -2 * HOUR);
    for (int i = 0; i < 3; i++) {
        /* A blank render, no template at all, no set at all. */
        msg = gw_render_breach_notice(i == 2 ? NULL : set, &t, NOW);
        text = check_message(msg, 0);
        ck_assert_ptr_nonnull(strstr(text, "SLA breached* 2h ago: "
                                           "<https://example.com/t/0|Disk full>"));
        json_decref(msg);
        free(text);
        gw_templates_free(set);
        set = gw_templates_new();
    }
    gw_templates_free(set);
    gw_ticket_clear(&t);
}
END_TEST

/* Canary pages */

START_TEST(test_canary_summary)
{
    struct gw_templates *set = load_templates(TEMPLATES_DIR);
    struct gw_canary_info c = {"gh:octo/api:deployment:7", "checkout", "prod-canary",
                               NOW - 2 * HOUR - 30 * 60, 2 * HOUR, NOW, NULL, 0};
    char *s = gw_render_canary_summary(set, &c);

    ck_assert_str_eq(s, "Canary checkout in prod-canary over its 2h budget (running 2h 30m, "
                        "started 2026-11-18T08:36:40Z) - gh:octo/api:deployment:7");
    free(s);
    gw_templates_free(set);
}
END_TEST

START_TEST(test_canary_summary_limits)
{
    struct gw_templates *set = load_templates(TEMPLATES_DIR);
    char *service = repeat("checkout-\xF0\x9F\x9B\x92\n", 5000), *s;
    struct gw_canary_info c = {"gh:octo/api:deployment:9", service, "eu-canary",
                               NOW - 3 * HOUR, 2 * HOUR, NOW, NULL, 0};

    s = gw_render_canary_summary(set, &c);
    ck_assert(gw_utf8_valid(s, strlen(s)));
    ck_assert_uint_le(gw_utf8_count(s, strlen(s)), GW_PAGER_SUMMARY_MAX);
    ck_assert_ptr_null(strchr(s, '\n'));
    ck_assert_ptr_nonnull(strstr(s, "gh:octo/api:deployment:9"));
    ck_assert_ptr_nonnull(strstr(s, " in eu-canary "));
    free(s);
    gw_templates_free(set);

    /* Whatever the template writes, the summary stays within PagerDuty's limit. */
    set = one_template("canary_summary", "{{id}}\n{{service}} {{service}} {{service}} "
                       "{{service}} {{service}} {{service}} {{service}}");
    s = gw_render_canary_summary(set, &c);
    ck_assert_uint_eq(gw_utf8_count(s, strlen(s)), GW_PAGER_SUMMARY_MAX);
    ck_assert_int_eq(strncmp(s, "gh:octo/api:deployment:9 checkout-", 34), 0);
    ck_assert_str_eq(s + strlen(s) - strlen(ellipsis), ellipsis);
    ck_assert_ptr_null(strchr(s, '\n'));
    free(s);
    gw_templates_free(set);
    free(service);
}
END_TEST

START_TEST(test_canary_edits_and_button)
{
    struct gw_templates *set = load_templates(TEMPLATES_DIR);
    char target[400], *text, *big;
    const char *resolved =
        "{\"edit\":\"page:c1:1763454600:slack\",\"state\":\"resolved\",\"at\":1763462640,"
        "\"canary\":{\"id\":\"c1\",\"service\":\"checkout\",\"environment\":\"prod\","
        "\"started_at\":1763454600,\"budget_seconds\":3600},\"acked_by\":\"@ali<ce>\","
        "\"acked_at\":1763458200}";
    const char *acked =
        "{\"edit\":\"page:c1:1763454600:slack\",\"state\":\"acked\",\"at\":1763458200,"
        "\"canary\":{\"id\":\"c1\",\"service\":\"checkout\",\"environment\":\"prod\","
        "\"started_at\":1763454600,\"budget_seconds\":3600},\"acked_by\":\"@alice\","
        "\"acked_at\":1763458200}";
    json_t *msg = gw_render_edit(set, NULL, resolved, strlen(resolved), target, sizeof(target));

    /* Resolved 2h 14m after the start, with who acknowledged it (escaped for Slack). */
    ck_assert_str_eq(target, "page:c1:1763454600:slack");
    text = check_message(msg, 0);
    ck_assert_msg(strstr(text, "*Canary resolved* after 2h 14m: *checkout* in *prod*") != NULL,
                  "%s", text);
    ck_assert_ptr_nonnull(strstr(text, "(acknowledged by @ali&lt;ce&gt;)"));
    ck_assert_uint_eq(json_array_size(json_object_get(msg, "blocks")), 1);   /* no button */
    free(text);
    json_decref(msg);
    msg = gw_render_edit(set, NULL, acked, strlen(acked), target, sizeof(target));
    text = check_message(msg, 0);
    ck_assert_msg(strstr(text, "Acknowledged by @alice* at 2025-11-18T09:30:00Z") != NULL, "%s",
                  text);
    ck_assert_ptr_nonnull(strstr(text, "running 1h"));
    free(text);
    json_decref(msg);
    /* Not a descriptor: nothing to edit. */
    ck_assert_ptr_null(gw_render_edit(set, NULL, "{\"text\":\"x\"}", 12, target, sizeof(target)));
    ck_assert_ptr_null(gw_render_edit(set, NULL, "nope", 4, target, sizeof(target)));

    /* The button: an actions block after the message's blocks. */
    struct gw_canary_info c = {"c1", "checkout", "prod", NOW - 2 * HOUR, HOUR, NOW, NULL, 0};
    msg = gw_render_canary_slack(set, &c);
    ck_assert_int_eq(gw_render_add_ack_button(msg, "canary:c1"), 0);
    json_t *actions = json_array_get(json_object_get(msg, "blocks"), 1);
    ck_assert_str_eq(json_string_value(json_object_get(actions, "type")), "actions");
    json_t *button = json_array_get(json_object_get(actions, "elements"), 0);
    ck_assert_str_eq(json_string_value(json_object_get(button, "action_id")), GW_ACK_ACTION);
    ck_assert_str_eq(json_string_value(json_object_get(button, "value")), "canary:c1");
    big = repeat("x", 2001);
    ck_assert_int_eq(gw_render_add_ack_button(msg, big), -1);
    free(big);
    json_decref(msg);
    gw_templates_free(set);
}
END_TEST

START_TEST(test_canary_slack)
{
    struct gw_templates *set = load_templates(TEMPLATES_DIR);
    char *huge = repeat("<&>", 3000), *text;
    struct gw_canary_info c = {"gh:octo/api:deployment:7", "R&D <search>", "prod-canary",
                               NOW - 26 * HOUR, 2 * HOUR, NOW, NULL, 0};
    json_t *msg = gw_render_canary_slack(set, &c);

    text = check_message(msg, 0);
    ck_assert_ptr_nonnull(strstr(text, "*R&amp;D &lt;search&gt;* in *prod-canary*"));
    ck_assert_ptr_nonnull(strstr(text, "Running 1d 2h against a 2h budget "
                                       "(started 2026-11-17T09:06:40Z)"));
    ck_assert_ptr_nonnull(strstr(text, "`gh:octo/api:deployment:7`"));
    check_links_only(text);
    json_decref(msg);
    free(text);

    c.service = huge;
    c.environment = NULL;
    msg = gw_render_canary_slack(set, &c);
    text = check_message(msg, 0);
    check_links_only(text);
    ck_assert_ptr_nonnull(strstr(text, "`gh:octo/api:deployment:7`"));
    json_decref(msg);
    free(text);
    free(huge);
    gw_templates_free(set);
}
END_TEST

/* Feeds */

START_TEST(test_rss_item_unescaped)
{
    struct gw_templates *set = load_templates(TEMPLATES_DIR);
    struct gw_ticket t = {0};
    char *title, *desc;

    set_ticket(&t, 0, "web & <ui>", "Fix <b> & \"quotes\" | 'x'", 30 * HOUR);
    gw_render_rss_item(set, &t, NOW, &title, &desc);
    ck_assert_str_eq(title, "[high] Fix <b> & \"quotes\" | 'x'");
    ck_assert_str_eq(desc, "Severity: high \xC2\xB7 State: open \xC2\xB7 Component: web & <ui> "
                           "\xC2\xB7 SLA: 30h remaining (deadline 2026-11-19T17:06:40Z)");
    free(title);
    free(desc);

    /* Resolved after its deadline: judged at resolution, not now. */
    t.state = GW_TICKET_RESOLVED;
    t.resolved_at = t.sla_deadline + 2 * HOUR;
    t.severity = GW_SEV_NONE;
    free(t.component);
    t.component = NULL;
    gw_render_rss_item(set, &t, NOW + 100 * HOUR, &title, &desc);
    ck_assert_str_eq(title, "[resolved] Fix <b> & \"quotes\" | 'x'");
    ck_assert_str_eq(desc, "Severity: unknown \xC2\xB7 State: resolved (2026-11-19T19:06:40Z) "
                           "\xC2\xB7 Component: (none) \xC2\xB7 SLA missed by 2h "
                           "(deadline 2026-11-19T17:06:40Z)");
    free(title);
    free(desc);
    t.resolved_at = t.sla_deadline - 1;
    gw_render_rss_item(set, &t, NOW, NULL, &desc);
    ck_assert_ptr_nonnull(strstr(desc, "\xC2\xB7 SLA met (deadline"));
    free(desc);
    gw_ticket_clear(&t);
    gw_templates_free(set);
}
END_TEST

START_TEST(test_rss_item_fallback)
{
    struct gw_ticket t = {0};
    char *title, *desc;

    set_ticket(&t, 0, "api", "A\nmulti-line <title>", -HOUR);
    gw_render_rss_item(NULL, &t, NOW, &title, &desc);
    ck_assert_str_eq(title, "A\nmulti-line <title>");
    ck_assert_str_eq(desc, "Severity: high; state: open; component: api; SLA breached 1h ago");
    free(title);
    free(desc);
    gw_ticket_clear(&t);
}
END_TEST

START_TEST(test_rss_digest)
{
    struct gw_templates *set = load_templates(TEMPLATES_DIR);
    struct gw_ticket *t = calloc(4, sizeof(*t));
    char *text, expected[1024];

    set_ticket(&t[0], 0, "web", "Slow <pages>", 50 * HOUR);
    set_ticket(&t[1], 1, "db", "Replica lag & drift", -HOUR);
    set_ticket(&t[2], 2, "web", "500s on login", 2 * HOUR);
    set_ticket(&t[3], 3, "db", "Closed already", -HOUR);
    t[3].state = GW_TICKET_RESOLVED;
    text = gw_render_rss_digest(set, t, 4, NOW, WARN, CRIT, NULL);
    snprintf(expected, sizeof(expected),
             "db (1 open)\n"
             "%s Replica lag & drift %s SLA breached 1h ago https://example.com/t/1\n\n"
             "web (2 open)\n"
             "%s 500s on login %s SLA: 2h remaining https://example.com/t/2\n"
             "\xF0\x9F\x9F\xA2 Slow <pages> %s SLA: 50h remaining https://example.com/t/0",
             red, dash, red, dash, dash);
    ck_assert_str_eq(text, expected);
    free(text);
    t[0].state = t[1].state = t[2].state = GW_TICKET_RESOLVED;
    text = gw_render_rss_digest(set, t, 4, NOW, WARN, CRIT, NULL);
    ck_assert_str_eq(text, "No open tickets.");
    free(text);
    free_tickets(t, 4);
    gw_templates_free(set);
}
END_TEST

/* Durations */


static Suite *
render_suite(void)
{
    Suite *s = suite_create("render");
    TCase *tc = tcase_create("core");

    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_shipped_templates_complete);
    tcase_add_test(tc, test_check_names_every_missing);
    tcase_add_test(tc, test_dir_missing_one_file);
    tcase_add_test(tc, test_dir_syntax_error);
    tcase_add_test(tc, test_digest_lines);
    tcase_add_test(tc, test_digest_business_lines);
    tcase_add_loop_test(tc, test_digest_hostile_titles, 0,
                        sizeof(digest_sizes) / sizeof(digest_sizes[0]));
    tcase_add_test(tc, test_digest_broken_templates_fall_back);
    tcase_add_test(tc, test_breach_notice);
    tcase_add_test(tc, test_breach_notice_limits);
    tcase_add_test(tc, test_breach_notice_fallback);
    tcase_add_test(tc, test_breach_group_every_ticket_once_within_limits);
    tcase_add_test(tc, test_breach_menus_and_edits);
    tcase_add_test(tc, test_canary_summary);
    tcase_add_test(tc, test_canary_summary_limits);
    tcase_add_test(tc, test_canary_slack);
    tcase_add_test(tc, test_canary_edits_and_button);
    tcase_add_test(tc, test_rss_item_unescaped);
    tcase_add_test(tc, test_rss_item_fallback);
    tcase_add_test(tc, test_rss_digest);
    suite_add_tcase(s, tc);
    return s;
}

GW_CHECK_MAIN(render_suite)
