#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gateway/util/utf8.h"
#include "gateway/text/xml.h"

#include "tests/unit/check_main.h"

#define FFFD "\xEF\xBF\xBD"

/* Finishes and frees x; returns the document (caller frees) or NULL. */
static char *
finish(struct gw_xml *x)
{
    char *doc = gw_xml_finish(x, NULL);
    gw_xml_free(x);
    return doc;
}

/* The document <t>s[0..len)</t>, written without indentation. */
static char *
text_doc(const char *s, size_t len)
{
    struct gw_xml *x = gw_xml_new(0);

    ck_assert_ptr_nonnull(x);
    gw_xml_open(x, "t");
    gw_xml_text(x, s, len);
    return finish(x);
}

static void
assert_text(const char *in, size_t len, const char *expected_body)
{
    char *doc = text_doc(in, len);
    size_t n = strlen(expected_body);

    ck_assert_ptr_nonnull(doc);
    ck_assert_msg(gw_utf8_valid(doc, strlen(doc)), "output is not UTF-8: %s", doc);
    /* Text that is all dropped still counts as content: <t></t>. */
    ck_assert_uint_eq(strlen(doc), n + 7);
    ck_assert_mem_eq(doc, "<t>", 3);
    ck_assert_mem_eq(doc + 3, expected_body, n);
    ck_assert_str_eq(doc + 3 + n, "</t>");
    free(doc);
}

START_TEST(text_escapes_markup)
{
    assert_text("<&>\"'", 5, "&lt;&amp;&gt;&quot;&apos;");
    assert_text("a < b && c > \"d\" 'e'", 20,
                "a &lt; b &amp;&amp; c &gt; &quot;d&quot; &apos;e&apos;");
    /* Already-escaped input is text like any other: escaped again. */
    assert_text("&amp;", 5, "&amp;amp;");
    assert_text("]]>", 3, "]]&gt;");
}
END_TEST

START_TEST(attr_escapes_markup_and_whitespace)
{
    struct gw_xml *x = gw_xml_new(0);
    char *doc;

    gw_xml_open(x, "a");
    gw_xml_attr(x, "k", "<&>\"'\t\n\r x");
    gw_xml_attr(x, "empty", "");
    gw_xml_attr(x, "null", NULL);
    doc = finish(x);
    ck_assert_str_eq(doc, "<a k=\"&lt;&amp;&gt;&quot;&apos;&#9;&#10;&#13; x\" empty=\"\" null=\"\"/>");
    free(doc);
}
END_TEST

START_TEST(controls_stripped_whitespace_kept)
{
    /* NUL inside an explicit length is a control like the others. */
    assert_text("a\x01" "b\x0b" "c\x1f" "d\0e\x7f", 10, "abcde\x7f");
    /* Tab and LF are kept as is; CR as a reference, which parsers keep. */
    assert_text("1\t2\n3\r4", 7, "1\t2\n3&#13;4");
    assert_text("\x01\x02\x03", 3, "");
}
END_TEST

START_TEST(noncharacters_stripped)
{
    /* U+FFFE and U+FFFF are not XML characters; U+FFFC and U+FFFD are. */
    assert_text("a\xEF\xBF\xBE" "b\xEF\xBF\xBF" "c", 9, "abc");
    assert_text("\xEF\xBF\xBC\xEF\xBF\xBD", 6, "\xEF\xBF\xBC\xEF\xBF\xBD");
}
END_TEST

static const struct {
    const char *in;
    const char *out;
} utf8_cases[] = {
    { "\xff", FFFD },
    { "a\xe2\x82", "a" FFFD FFFD },                    /* truncated at end */
    { "\xe2\x82" "b", FFFD FFFD "b" },                 /* truncated mid-string */
    { "\xc0\xaf", FFFD FFFD },                         /* overlong '/' */
    { "\xe0\x80\xaf", FFFD FFFD FFFD },                /* overlong, 3 bytes */
    { "\xed\xa0\x80", FFFD FFFD FFFD },                /* surrogate U+D800 */
    { "\xf4\x90\x80\x80", FFFD FFFD FFFD FFFD },       /* above U+10FFFF */
    { "\x80", FFFD },                                  /* lone continuation */
    { "\xfe\xfe<", FFFD FFFD "&lt;" },
    { "caf\xc3\xa9 \xf0\x9f\x9a\x80 \xe2\x82\xac", "caf\xc3\xa9 \xf0\x9f\x9a\x80 \xe2\x82\xac" },
};

START_TEST(invalid_utf8_replaced)
{
    assert_text(utf8_cases[_i].in, strlen(utf8_cases[_i].in), utf8_cases[_i].out);
}
END_TEST

/* Each '&' in s starts one of the references the writer emits. */
static int
references_ok(const char *s)
{
    static const char *const refs[] = {
        "&amp;", "&lt;", "&gt;", "&quot;", "&apos;", "&#9;", "&#10;", "&#13;"
    };
    for (const char *p = strchr(s, '&'); p != NULL; p = strchr(p + 1, '&')) {
        size_t i;
        for (i = 0; i < sizeof(refs) / sizeof(refs[0]); i++)
            if (strncmp(p, refs[i], strlen(refs[i])) == 0)
                break;
        if (i == sizeof(refs) / sizeof(refs[0]))
            return 0;
    }
    return 1;
}

START_TEST(random_bytes_always_safe)
{
    /* Bytes biased towards the interesting ones: markup, controls, UTF-8 leads. */
    static const unsigned char alphabet[] = {
        'a', ' ', '&', '<', '>', '"', '\'', '\t', '\n', '\r', 0x00, 0x01, 0x1f, 0x7f,
        0x80, 0xbf, 0xc0, 0xc3, 0xa9, 0xe2, 0x82, 0xac, 0xed, 0xa0, 0xef, 0xbf, 0xbe,
        0xf0, 0x9f, 0x9a, 0xf4, 0x90, 0xff,
    };
    uint32_t seed = 12345;
    char in[64];

    for (int iter = 0; iter < 20000; iter++) {
        size_t len = (size_t)(iter % 64), out_len;
        for (size_t i = 0; i < len; i++) {
            seed = seed * 1103515245u + 12345u;
            in[i] = (char)alphabet[(seed >> 16) % sizeof(alphabet)];
        }
        char *out = gw_xml_escape(in, len, &out_len);
        ck_assert_ptr_nonnull(out);
        ck_assert_uint_eq(out_len, strlen(out));
        ck_assert(gw_utf8_valid(out, out_len));
        ck_assert(strpbrk(out, "<>\"'\t\n\r\x01\x1f") == NULL);
        ck_assert(strstr(out, "\xEF\xBF\xBE") == NULL && strstr(out, "\xEF\xBF\xBF") == NULL);
        ck_assert_msg(references_ok(out), "bad reference in %s", out);
        free(out);
    }
}
END_TEST

START_TEST(escape_helper)
{
    size_t n = 99;
    char *s = gw_xml_escape("", 0, &n);

    ck_assert_str_eq(s, "");
    ck_assert_uint_eq(n, 0);
    free(s);
    s = gw_xml_escape(NULL, 0, NULL);
    ck_assert_str_eq(s, "");
    free(s);
    s = gw_xml_escape("Tom & \"Jerry\"\n", 14, &n);
    ck_assert_str_eq(s, "Tom &amp; &quot;Jerry&quot;&#10;");
    ck_assert_uint_eq(n, strlen(s));
    free(s);
}
END_TEST

START_TEST(elements_nest_and_close_in_order)
{
    struct gw_xml *x = gw_xml_new(0);
    char *doc;

    gw_xml_declaration(x);
    gw_xml_open(x, "a");
    gw_xml_open(x, "b");
    gw_xml_attr(x, "n", "1");
    gw_xml_text(x, "x", 1);
    gw_xml_text(x, "y", 1);
    ck_assert_int_eq(gw_xml_close(x), 0);
    gw_xml_element(x, "c", NULL);
    gw_xml_element(x, "d", "");
    gw_xml_element(x, "ns:e", "z");
    gw_xml_open(x, "f");
    gw_xml_open(x, "g");
    ck_assert_int_eq(gw_xml_close(x), 0);
    ck_assert_int_eq(gw_xml_close(x), 0);
    ck_assert_int_eq(gw_xml_close(x), 0);
    doc = finish(x);
    ck_assert_str_eq(doc, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
                          "<a><b n=\"1\">xy</b><c/><d/><ns:e>z</ns:e><f><g/></f></a>");
    free(doc);
}
END_TEST

START_TEST(indentation_only_between_elements)
{
    struct gw_xml *x = gw_xml_new(GW_XML_INDENT);
    char *doc;

    gw_xml_declaration(x);
    gw_xml_open(x, "a");
    gw_xml_open(x, "b");
    gw_xml_element(x, "c", " spaced text ");
    gw_xml_element(x, "d", NULL);
    gw_xml_close(x);
    gw_xml_element(x, "e", "x");
    doc = finish(x);
    ck_assert_str_eq(doc, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                          "<a>\n"
                          "  <b>\n"
                          "    <c> spaced text </c>\n"
                          "    <d/>\n"
                          "  </b>\n"
                          "  <e>x</e>\n"
                          "</a>\n");
    free(doc);
}
END_TEST

START_TEST(finish_closes_open_elements_and_resets)
{
    struct gw_xml *x = gw_xml_new(0);
    size_t len = 0;
    char *doc;

    gw_xml_open(x, "a");
    gw_xml_open(x, "b");
    gw_xml_text(x, "t", 1);
    doc = gw_xml_finish(x, &len);
    ck_assert_str_eq(doc, "<a><b>t</b></a>");
    ck_assert_uint_eq(len, strlen(doc));
    free(doc);
    /* Reusable: a second, independent document. */
    gw_xml_element(x, "z", "1");
    doc = gw_xml_finish(x, &len);
    ck_assert_str_eq(doc, "<z>1</z>");
    free(doc);
    /* Nothing written: no document. */
    ck_assert_ptr_null(gw_xml_finish(x, &len));
    gw_xml_free(x);
    gw_xml_free(NULL);
}
END_TEST

/* Each misuse fails the whole document, and later calls report it. */
START_TEST(misuse_fails_document)
{
    struct gw_xml *x;

    x = gw_xml_new(0);       /* attribute after content */
    gw_xml_open(x, "a");
    gw_xml_text(x, "t", 1);
    ck_assert_int_eq(gw_xml_attr(x, "k", "v"), -1);
    ck_assert_int_eq(gw_xml_close(x), -1);
    ck_assert_ptr_null(finish(x));

    x = gw_xml_new(0);       /* close with nothing open */
    gw_xml_element(x, "a", NULL);
    ck_assert_int_eq(gw_xml_close(x), -1);
    ck_assert_ptr_null(finish(x));

    x = gw_xml_new(0);       /* second root */
    gw_xml_element(x, "a", NULL);
    ck_assert_int_eq(gw_xml_open(x, "b"), -1);
    ck_assert_ptr_null(finish(x));

    x = gw_xml_new(0);       /* text outside the root */
    ck_assert_int_eq(gw_xml_text(x, "t", 1), -1);
    ck_assert_ptr_null(finish(x));

    x = gw_xml_new(0);       /* declaration after content */
    gw_xml_open(x, "a");
    ck_assert_int_eq(gw_xml_declaration(x), -1);
    ck_assert_ptr_null(finish(x));

    static const char *const bad_names[] = { "", "1a", "-a", ".a", "a b", "a>", "<a", "a\"", "\xc3\xa9" };
    for (size_t i = 0; i < sizeof(bad_names) / sizeof(bad_names[0]); i++) {
        x = gw_xml_new(0);
        ck_assert_int_eq(gw_xml_open(x, bad_names[i]), -1);
        ck_assert_ptr_null(finish(x));
        x = gw_xml_new(0);
        gw_xml_open(x, "a");
        ck_assert_int_eq(gw_xml_attr(x, bad_names[i], "v"), -1);
        ck_assert_ptr_null(finish(x));
    }
    x = gw_xml_new(0);
    ck_assert_int_eq(gw_xml_open(x, NULL), -1);
    ck_assert_ptr_null(finish(x));
}
END_TEST

START_TEST(large_text_grows_buffer)
{
    const size_t n = 1u << 20;
    const char *item = "<i>\xf0\x9f\x9a\x80&lt;</i>";
    char *in = malloc(n);
    struct gw_xml *x = gw_xml_new(0);
    size_t len = 0;
    char *doc;

    memset(in, '&', n);
    gw_xml_open(x, "t");
    gw_xml_text(x, in, n);
    /* Many small appends too, across many reallocations. */
    for (int i = 0; i < 100000; i++)
        gw_xml_element(x, "i", "\xf0\x9f\x9a\x80<");
    doc = gw_xml_finish(x, &len);
    gw_xml_free(x);
    ck_assert_ptr_nonnull(doc);
    ck_assert_uint_eq(len, 3 + 5 * n + 100000 * strlen(item) + 4);
    ck_assert_mem_eq(doc + 3 + 5 * n - 5, "&amp;", 5);
    ck_assert_mem_eq(doc + 3 + 5 * n, item, strlen(item));
    ck_assert_str_eq(doc + len - 4, "</t>");
    free(doc);
    free(in);
}
END_TEST

static Suite *
suite(void)
{
    Suite *s = suite_create("xml");
    TCase *tc = tcase_create("core");

    tcase_add_test(tc, text_escapes_markup);
    tcase_add_test(tc, attr_escapes_markup_and_whitespace);
    tcase_add_test(tc, controls_stripped_whitespace_kept);
    tcase_add_test(tc, noncharacters_stripped);
    tcase_add_loop_test(tc, invalid_utf8_replaced, 0,
                        (int)(sizeof(utf8_cases) / sizeof(utf8_cases[0])));
    tcase_add_test(tc, random_bytes_always_safe);
    tcase_add_test(tc, escape_helper);
    tcase_add_test(tc, elements_nest_and_close_in_order);
    tcase_add_test(tc, indentation_only_between_elements);
    tcase_add_test(tc, finish_closes_open_elements_and_resets);
    tcase_add_test(tc, misuse_fails_document);
    tcase_add_test(tc, large_text_grows_buffer);
    suite_add_tcase(s, tc);
    return s;
}

GW_CHECK_MAIN(suite)
