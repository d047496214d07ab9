#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "gateway/text/rss.h"
#include "gateway/core/dates.h"
#include "gateway/util/utf8.h"

#include "tests/unit/check_main.h"

static int64_t
rfc3339(const char *s)
{
    int64_t t = 0;

    ck_assert_msg(gw_time_parse_rfc3339(s, &t) == 0, "bad test timestamp %s", s);
    return t;
}



/*
 * Parses doc with Python's XML parser and checks it is <rss version="2.0">
 * holding one channel with n_items items. Returns 1 if so, 0 if not, -1 when
 * python3 cannot be run (the caller then relies on its substring checks).
 */
static int
python_check(const char *doc, size_t len, size_t n_items)
{
    static const char script[] =
        "import sys, xml.etree.ElementTree as E; r = E.parse(sys.argv[1]).getroot(); "
        "c = r.findall(\"channel\"); "
        "sys.exit(0 if r.tag == \"rss\" and r.get(\"version\") == \"2.0\" and len(c) == 1 "
        "and len(c[0].findall(\"item\")) == int(sys.argv[2]) else 1)";
    char path[] = "/tmp/test_rss_XXXXXX";
    char cmd[1024];
    int fd, status, result = 0;

    ck_assert_int_ge(fd = mkstemp(path), 0);
    ck_assert_int_eq(write(fd, doc, len), (ssize_t)len);
    close(fd);
    snprintf(cmd, sizeof(cmd), "python3 -c '%s' %s %zu 2>&1", script, path, n_items);
    status = system(cmd);
    if (status == -1 || (WIFEXITED(status) && WEXITSTATUS(status) == 127))
        result = -1;
    else if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
        result = 1;
    unlink(path);
    return result;
}

static void
assert_well_formed(const char *doc, size_t len, size_t n_items)
{
    ck_assert_uint_eq(len, strlen(doc));
    ck_assert(gw_utf8_valid(doc, len));
    ck_assert_msg(python_check(doc, len, n_items) != 0, "not a well-formed RSS document:\n%s",
                  len < 4000 ? doc : "(long)");
}

static size_t
count(const char *haystack, const char *needle)
{
    size_t n = 0;

    for (const char *p = strstr(haystack, needle); p != NULL; p = strstr(p + 1, needle))
        n++;
    return n;
}

static struct gw_rss_channel
tickets_channel(void)
{
    return (struct gw_rss_channel){
        .title = "Kaizen tickets",
        .link = "http://127.0.0.1:8080",
        .description = "Open tickets",
        .self_url = "http://127.0.0.1:8080/feeds/tickets.rss?state=all&component=api",
        .last_build = rfc3339("2026-11-22T09:00:00Z"),
        .ttl_minutes = 5,
    };
}

START_TEST(empty_feed_is_exact)
{
    struct gw_rss_channel ch = tickets_channel();
    size_t len = 0;
    char *doc = gw_rss_build(&ch, NULL, 0, &len);

    ck_assert_ptr_nonnull(doc);
    ck_assert_str_eq(doc,
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        "<rss version=\"2.0\" xmlns:atom=\"http://www.w3.org/2005/Atom\">\n"
        "  <channel>\n"
        "    <title>Kaizen tickets</title>\n"
        "    <link>http://127.0.0.1:8080</link>\n"
        "    <description>Open tickets</description>\n"
        "    <lastBuildDate>Sun, 22 Nov 2026 09:00:00 +0000</lastBuildDate>\n"
        "    <ttl>5</ttl>\n"
        "    <atom:link href=\"http://127.0.0.1:8080/feeds/tickets.rss?state=all&amp;component=api\""
        " rel=\"self\" type=\"application/rss+xml\"/>\n"
        "  </channel>\n"
        "</rss>\n");
    assert_well_formed(doc, len, 0);
    free(doc);
}
END_TEST

START_TEST(one_item_has_every_field)
{
    struct gw_rss_channel ch = tickets_channel();
    struct gw_rss_item item = {
        .title = "[high] checkout: payment <timeout> & retries",
        .link = "https://github.com/octo-org/api/issues/42?a=1&b=2",
        .guid = "gh:octo-org/api#42",
        .description = "Severity: high\nState: open\nSLA: 30h remaining",
        .category = "checkout",
        .pub_date = rfc3339("2024-02-29T08:00:00Z"),
    };
    size_t len = 0;
    char *doc = gw_rss_build(&ch, &item, 1, &len);

    ck_assert_ptr_nonnull(doc);
    ck_assert_ptr_nonnull(strstr(doc,
        "    <item>\n"
        "      <title>[high] checkout: payment &lt;timeout&gt; &amp; retries</title>\n"
        "      <link>https://github.com/octo-org/api/issues/42?a=1&amp;b=2</link>\n"
        "      <guid isPermaLink=\"false\">gh:octo-org/api#42</guid>\n"
        "      <pubDate>Thu, 29 Feb 2024 08:00:00 +0000</pubDate>\n"
        "      <category>checkout</category>\n"
        "      <description>Severity: high\nState: open\nSLA: 30h remaining</description>\n"
        "    </item>\n"
        "  </channel>\n"
        "</rss>\n"));
    /* Items come after the channel's own elements. */
    ck_assert(strstr(doc, "<atom:link") < strstr(doc, "<item>"));
    assert_well_formed(doc, len, 1);
    free(doc);
}
END_TEST

START_TEST(several_items_in_order_with_hostile_text)
{
    struct gw_rss_channel ch = tickets_channel();
    struct gw_rss_item items[] = {
        { .title = "first", .guid = "am:1", .category = NULL, .pub_date = 1 },
        { .title = "Checkout <500> & \"quoted\" 'x' \xf0\x9f\x9a\x80\x01\xff",
          .guid = "am:<2>", .category = "", .description = "a]]>b\x0b" },
        { .title = "third", .guid = "gh:o/r#3", .category = "pay&ments",
          .link = "https://example.com/\"x\"" },
    };
    size_t len = 0;
    char *doc = gw_rss_build(&ch, items, 3, &len);
    const char *first, *second, *third;

    ck_assert_ptr_nonnull(doc);
    ck_assert_uint_eq(count(doc, "<item>"), 3);
    ck_assert_uint_eq(count(doc, "</item>"), 3);
    first = strstr(doc, "<title>first</title>");
    second = strstr(doc, "<title>Checkout &lt;500&gt; &amp; &quot;quoted&quot; &apos;x&apos; "
                         "\xf0\x9f\x9a\x80\xEF\xBF\xBD</title>");
    third = strstr(doc, "<title>third</title>");
    ck_assert(first != NULL && second != NULL && third != NULL);
    ck_assert(first < second && second < third);
    ck_assert_ptr_nonnull(strstr(doc, "<guid isPermaLink=\"false\">am:&lt;2&gt;</guid>"));
    ck_assert_ptr_nonnull(strstr(doc, "<description>a]]&gt;b</description>"));
    ck_assert_ptr_nonnull(strstr(doc, "<link>https://example.com/&quot;x&quot;</link>"));
    ck_assert_ptr_nonnull(strstr(doc, "<pubDate>Thu, 01 Jan 1970 00:00:01 +0000</pubDate>"));
    /* Only the third item has a category; absent description is empty. */
    ck_assert_uint_eq(count(doc, "<category>"), 1);
    ck_assert_ptr_nonnull(strstr(doc, "<category>pay&amp;ments</category>"));
    ck_assert_uint_eq(count(doc, "<description/>"), 2);
    /* Items without pub_date or link have neither element. */
    ck_assert_uint_eq(count(doc, "<pubDate>"), 1);
    ck_assert_uint_eq(count(doc, "<link>"), 2);
    assert_well_formed(doc, len, 3);
    free(doc);
}
END_TEST

START_TEST(absent_channel_fields)
{
    struct gw_rss_channel ch = { 0 };
    struct gw_rss_item item = { 0 };
    char *doc = gw_rss_build(&ch, &item, 1, NULL);

    ck_assert_ptr_nonnull(doc);
    ck_assert_ptr_nonnull(strstr(doc, "<channel>\n    <title/>\n    <link/>\n    <description/>\n"
                                      "    <item>\n      <title/>\n      <description/>\n"
                                      "    </item>\n  </channel>"));
    ck_assert_ptr_null(strstr(doc, "lastBuildDate"));
    ck_assert_ptr_null(strstr(doc, "<ttl>"));
    ck_assert_ptr_null(strstr(doc, "<atom:link"));
    ck_assert_ptr_null(strstr(doc, "<guid"));
    assert_well_formed(doc, strlen(doc), 1);
    free(doc);
}
END_TEST

START_TEST(invalid_arguments)
{
    struct gw_rss_channel ch = tickets_channel();
    size_t len = 7;

    ck_assert_ptr_null(gw_rss_build(NULL, NULL, 0, &len));
    ck_assert_ptr_null(gw_rss_build(&ch, NULL, 1, &len));
    ck_assert_uint_eq(len, 7);
}
END_TEST

START_TEST(ten_thousand_items)
{
    enum { N = 10000 };
    struct gw_rss_channel ch = tickets_channel();
    struct gw_rss_item *items = calloc(N, sizeof(*items));
    char (*guids)[32] = calloc(N, sizeof(*guids));
    size_t len = 0;
    char *doc;

    for (int i = 0; i < N; i++) {
        snprintf(guids[i], sizeof(guids[i]), "gh:octo-org/api#%d", i);
        items[i] = (struct gw_rss_item){
            .title = i % 3 ? "Disk <90%> & rising \xf0\x9f\x94\xa5" : "Plain title",
            .link = "https://github.com/octo-org/api/issues/1",
            .guid = guids[i],
            .description = "Severity: high\nState: open",
            .category = i % 2 ? "checkout" : NULL,
            .pub_date = 1700000000 + i,
        };
    }
    doc = gw_rss_build(&ch, items, N, &len);
    ck_assert_ptr_nonnull(doc);
    ck_assert_uint_eq(count(doc, "<item>"), N);
    ck_assert_ptr_nonnull(strstr(doc, "<guid isPermaLink=\"false\">gh:octo-org/api#9999</guid>"));
    assert_well_formed(doc, len, N);
    free(doc);
    free(guids);
    free(items);
}
END_TEST

static Suite *
suite(void)
{
    Suite *s = suite_create("rss");
    TCase *dates = tcase_create("rfc822");
    TCase *feeds = tcase_create("feed");
    suite_add_tcase(s, dates);
    tcase_add_test(feeds, empty_feed_is_exact);
    tcase_add_test(feeds, one_item_has_every_field);
    tcase_add_test(feeds, several_items_in_order_with_hostile_text);
    tcase_add_test(feeds, absent_channel_fields);
    tcase_add_test(feeds, invalid_arguments);
    tcase_add_test(feeds, ten_thousand_items);
    suite_add_tcase(s, feeds);
    return s;
}

GW_CHECK_MAIN(suite)
