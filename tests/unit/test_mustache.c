/*
 * Mustache engine: the official spec data (tests/fixtures/mustache-spec), the sink
 * escapers, syntax errors, loading a directory and the recursion bound.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gateway/text/mustache.h"

#include "tests/unit/check_main.h"

#ifndef KAIZEN_SOURCE_DIR
#error "KAIZEN_SOURCE_DIR must name the checkout (the spec data is in tests/fixtures/mustache-spec/)"
#endif

/* Each spec file and how many cases it holds at the pinned commit: a loader that finds none fails. */
static const struct {
    const char *file;
    int min_cases;
} spec_files[] = {
    {"comments", 12},
    {"delimiters", 14},
    {"interpolation", 42},
    {"inverted", 22},
    {"partials", 12},
    {"sections", 34},
};

/* s as a JSON string literal, so whitespace differences are visible; caller frees. */
static char *
quoted(const char *s)
{
    json_t *j = json_string(s != NULL ? s : "(null)");
    char *out = json_dumps(j, JSON_ENCODE_ANY);

    json_decref(j);
    return out;
}

static void
report_failure(const char *file, const char *name, const char *tmpl, const char *expected,
    const char *got)
{
    char *t = quoted(tmpl), *e = quoted(expected), *g = quoted(got);

    fprintf(stderr, "FAIL %s: %s\n  template: %s\n  expected: %s\n  got:      %s\n", file,
        name, t, e, g);
    free(t);
    free(e);
    free(g);
}

/* Renders one spec case with its partials; returns 1 if the output matches. */
static int
run_case(const char *file, json_t *tc)
{
    const char *name = json_string_value(json_object_get(tc, "name"));
    const char *tmpl = json_string_value(json_object_get(tc, "template"));
    const char *expected = json_string_value(json_object_get(tc, "expected"));
    struct gw_templates *set = gw_templates_new();
    const char *pname;
    json_t *psource;
    char err[256] = "", *got = NULL;
    int ok = 0;

    ck_assert_ptr_nonnull(set);
    json_object_foreach(json_object_get(tc, "partials"), pname, psource) {
        if (gw_templates_add(set, pname, json_string_value(psource), NULL, err, sizeof(err)) != 0)
            goto done;
    }
    if (gw_templates_add(set, "spec-case", tmpl, NULL, err, sizeof(err)) != 0)
        goto done;
    got = gw_templates_render(set, "spec-case", json_object_get(tc, "data"), GW_ESCAPE_HTML);
    ok = got != NULL && strcmp(got, expected) == 0;
done:
    if (!ok)
        report_failure(file, name, tmpl, expected, got != NULL ? got : err);
    free(got);
    gw_templates_free(set);
    return ok;
}

START_TEST(spec_file)
{
    char path[1024];
    json_error_t jerr;
    json_t *root, *tc;
    size_t i;
    int ran = 0, passed = 0;

    snprintf(path, sizeof(path), "%s/tests/fixtures/mustache-spec/%s.json", KAIZEN_SOURCE_DIR,
        spec_files[_i].file);
    root = json_load_file(path, 0, &jerr);
    ck_assert_msg(root != NULL, "%s: %s", path, jerr.text);
    json_array_foreach(json_object_get(root, "tests"), i, tc) {
        ran++;
        passed += run_case(spec_files[_i].file, tc);
    }
    json_decref(root);
    printf("mustache spec %s.json: %d/%d cases passed\n", spec_files[_i].file, passed, ran);
    fflush(stdout);
    ck_assert_int_ge(ran, spec_files[_i].min_cases);
    ck_assert_int_eq(passed, ran);
}
END_TEST

static void
add_ok(struct gw_templates *set, const char *name, const char *source)
{
    char err[256];

    ck_assert_msg(gw_templates_add(set, name, source, NULL, err, sizeof(err)) == 0, "%s", err);
}

static void
expect_render(const struct gw_templates *set, const char *name, json_t *ctx,
    enum gw_escape esc, const char *expected)
{
    char *got = gw_templates_render(set, name, ctx, esc);

    ck_assert_ptr_nonnull(got);
    ck_assert_str_eq(got, expected);
    free(got);
}

/* Compiles source alone and renders it with the JSON text data. */
static void
check_render(const char *source, const char *data, enum gw_escape esc, const char *expected)
{
    struct gw_templates *set = gw_templates_new();
    json_t *ctx = json_loads(data, JSON_DECODE_ANY, NULL);

    ck_assert_ptr_nonnull(ctx);
    add_ok(set, "t", source);
    expect_render(set, "t", ctx, esc, expected);
    json_decref(ctx);
    gw_templates_free(set);
}

static void
check_escape(enum gw_escape esc, const char *expected)
{
    static const char input[] = "a&b<c>d\"e'f";
    char *got = gw_escape_text(input, sizeof(input) - 1, esc);

    ck_assert_str_eq(got, expected);
    free(got);
}

START_TEST(escapers)
{
    check_escape(GW_ESCAPE_HTML, "a&amp;b&lt;c&gt;d&quot;e'f");
    check_escape(GW_ESCAPE_SLACK, "a&amp;b&lt;c&gt;d\"e'f");
    check_escape(GW_ESCAPE_XML, "a&amp;b&lt;c&gt;d&quot;e&apos;f");
    check_escape(GW_ESCAPE_NONE, "a&b<c>d\"e'f");

    char *empty = gw_escape_text("", 0, GW_ESCAPE_XML);
    ck_assert_str_eq(empty, "");
    free(empty);
}
END_TEST

START_TEST(render_escapes_for_sink)
{
    const char *tmpl = "{{x}}|{{{x}}}|{{&x}}";
    const char *data = "{\"x\": \"<@U1> & \\\"it's\\\"\"}";

    check_render(tmpl, data, GW_ESCAPE_SLACK,
        "&lt;@U1&gt; &amp; \"it's\"|<@U1> & \"it's\"|<@U1> & \"it's\"");
    check_render(tmpl, data, GW_ESCAPE_XML,
        "&lt;@U1&gt; &amp; &quot;it&apos;s&quot;|<@U1> & \"it's\"|<@U1> & \"it's\"");
    check_render(tmpl, data, GW_ESCAPE_NONE, "<@U1> & \"it's\"|<@U1> & \"it's\"|<@U1> & \"it's\"");
}
END_TEST

START_TEST(values_and_truthiness)
{
    check_render("{{a}} {{b}} {{c}} {{d}} {{e}} {{f}} {{g}}",
        "{\"a\": 1.210, \"b\": 85, \"c\": -3, \"d\": true, \"e\": false, \"f\": 0.1, \"g\": 1e21}",
        GW_ESCAPE_HTML, "1.21 85 -3 true false 0.1 1e+21");
    /* Objects and arrays have no text of their own. */
    check_render("[{{o}}{{l}}]", "{\"o\": {\"k\": 1}, \"l\": [1]}", GW_ESCAPE_HTML, "[]");
    check_render("{{#n}}has{{/n}}{{^n}}none{{/n}} {{#s}}has{{/s}}{{^s}}empty{{/s}} {{#o}}obj{{/o}}",
        "{\"n\": 0, \"s\": \"\", \"o\": {}}", GW_ESCAPE_HTML, "none empty obj");
    check_render("{{#n}}{{n}} open{{/n}}", "{\"n\": 3}", GW_ESCAPE_HTML, "3 open");
    check_render("[{{x}}{{#x}}y{{/x}}]", "null", GW_ESCAPE_HTML, "[]");
}
END_TEST

/* A standalone partial indents every line its template writes, once per loop pass too. */
START_TEST(partial_indentation_in_loops)
{
    struct gw_templates *set = gw_templates_new();
    json_t *ctx = json_pack("{s:[s,s]}", "items", "a", "b");

    add_ok(set, "list", "{{#items}}\n- {{.}}\n{{/items}}\n");
    add_ok(set, "t", "items:\n    {{>list}}\nend\n");
    expect_render(set, "t", ctx, GW_ESCAPE_NONE, "items:\n    - a\n    - b\nend\n");
    json_decref(ctx);
    gw_templates_free(set);
}
END_TEST

static const struct {
    const char *source;
    const char *err;
} syntax_errors[] = {
    {"a\nb {{x\n", "t.mustache:2: unclosed tag: no '}}'"},
    {"{{{x}}\n", "t.mustache:1: unclosed tag: no '}}}'"},
    {"{{=<% %>=}}\n\n<%x}}", "t.mustache:3: unclosed tag: no '%>'"},
    {"{{#a}}\n{{/b}}\n", "t.mustache:2: '/b' does not close section 'a' opened on line 1"},
    {"x\n\n{{#a}}\n{{#b}}{{/b}}\n", "t.mustache:3: unclosed section 'a'"},
    {"ok\n {{/a}}", "t.mustache:2: '/a' closes no open section"},
    {"\n{{=<% %> x=}}", "t.mustache:2: bad set-delimiter tag '<% %> x'"},
    {"{{=<% =}}", "t.mustache:1: bad set-delimiter tag '<% '"},
    {"{{! one\ntwo\nthree }}\n{{#x}}", "t.mustache:4: unclosed section 'x'"},
    {"{{=<% %>=}}\n<%#a%>\n<%/b%>", "t.mustache:3: '/b' does not close section 'a' opened on line 2"},
    {"line\n{{ }}", "t.mustache:2: empty tag name"},
    {"{{a b}}", "t.mustache:1: bad name 'a b'"},
    {"{{a..b}}", "t.mustache:1: bad name 'a..b'"},
    {"\r\n\r\n{{> }}", "t.mustache:3: empty partial name"},
};

START_TEST(syntax_error_lines)
{
    struct gw_templates *set = gw_templates_new();
    char err[256] = "";

    ck_assert_int_eq(gw_templates_add(set, "t", syntax_errors[_i].source, "t.mustache", err,
        sizeof(err)), -1);
    ck_assert_str_eq(err, syntax_errors[_i].err);
    ck_assert_int_eq(gw_templates_has(set, "t"), 0);
    gw_templates_free(set);
}
END_TEST

START_TEST(syntax_error_nesting_bound)
{
    struct gw_templates *set = gw_templates_new();
    char source[1024] = "", err[256] = "";
    size_t len = 0;

    for (int i = 0; i < 65; i++)
        len += (size_t)snprintf(source + len, sizeof(source) - len, "{{#a}}\n");
    ck_assert_int_eq(gw_templates_add(set, "deep", source, NULL, err, sizeof(err)), -1);
    ck_assert_str_eq(err, "deep:65: sections nested deeper than 64");
    /* A failed add leaves a good template of the same name in place; a good one replaces it. */
    add_ok(set, "deep", "v1");
    ck_assert_int_eq(gw_templates_add(set, "deep", "{{#x}}", NULL, err, sizeof(err)), -1);
    expect_render(set, "deep", NULL, GW_ESCAPE_HTML, "v1");
    add_ok(set, "deep", "v2");
    expect_render(set, "deep", NULL, GW_ESCAPE_HTML, "v2");
    gw_templates_free(set);
}
END_TEST

static void
write_file(const char *dir, const char *name, const char *content)
{
    char path[512];
    FILE *f;

    snprintf(path, sizeof(path), "%s/%s", dir, name);
    f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs(content, f);
    fclose(f);
}

static void
remove_file(const char *dir, const char *name)
{
    char path[512];

    snprintf(path, sizeof(path), "%s/%s", dir, name);
    unlink(path);
}

START_TEST(load_dir)
{
    char dir[] = "/tmp/kaizen-mustache-XXXXXX", err[512] = "", expected[512];
    struct gw_templates *set = gw_templates_new();
    json_t *ctx = json_pack("{s:s}", "name", "R&D");

    ck_assert_ptr_nonnull(mkdtemp(dir));
    write_file(dir, "greeting.mustache", "Hi {{>name}}!\n");
    write_file(dir, "name.mustache", "*{{name}}*");
    write_file(dir, "notes.txt", "{{#unclosed");
    ck_assert_msg(gw_templates_load_dir(set, dir, err, sizeof(err)) == 0, "%s", err);
    ck_assert_int_eq(gw_templates_has(set, "greeting"), 1);
    ck_assert_int_eq(gw_templates_has(set, "name"), 1);
    ck_assert_int_eq(gw_templates_has(set, "notes"), 0);
    expect_render(set, "greeting", ctx, GW_ESCAPE_SLACK, "Hi *R&amp;D*!\n");

    write_file(dir, "zz-broken.mustache", "fine\n{{#open}}\n");
    ck_assert_int_eq(gw_templates_load_dir(set, dir, err, sizeof(err)), -1);
    snprintf(expected, sizeof(expected), "%s/zz-broken.mustache:2: unclosed section 'open'", dir);
    ck_assert_str_eq(err, expected);

    remove_file(dir, "greeting.mustache");
    remove_file(dir, "name.mustache");
    remove_file(dir, "notes.txt");
    remove_file(dir, "zz-broken.mustache");
    ck_assert_int_eq(rmdir(dir), 0);
    ck_assert_int_eq(gw_templates_load_dir(set, dir, err, sizeof(err)), -1);
    snprintf(expected, sizeof(expected), "%s: No such file or directory", dir);
    ck_assert_str_eq(err, expected);
    json_decref(ctx);
    gw_templates_free(set);
}
END_TEST

START_TEST(missing_template_and_partial)
{
    struct gw_templates *set = gw_templates_new();

    ck_assert_ptr_null(gw_templates_render(set, "nope", NULL, GW_ESCAPE_HTML));
    ck_assert_int_eq(gw_templates_has(set, "nope"), 0);
    add_ok(set, "t", "[{{>later}}]");
    expect_render(set, "t", NULL, GW_ESCAPE_HTML, "[]");
    /* Partials resolve at render time, so one added afterwards is used. */
    add_ok(set, "later", "here");
    expect_render(set, "t", NULL, GW_ESCAPE_HTML, "[here]");
    gw_templates_free(set);
}
END_TEST

START_TEST(recursive_partial_bounded)
{
    struct gw_templates *set = gw_templates_new();
    char x65[66], *got;

    /* The template itself plus 64 nested partials. */
    memset(x65, 'x', 65);
    x65[65] = '\0';
    add_ok(set, "self", "x{{>self}}");
    expect_render(set, "self", NULL, GW_ESCAPE_HTML, x65);

    /* Mutual recursion through standalone partials: indentation grows with depth, bounded. */
    add_ok(set, "ping", "  {{>pong}}\n");
    add_ok(set, "pong", "{{#.}}{{>ping}}{{/.}}\n");
    got = gw_templates_render(set, "ping", json_true(), GW_ESCAPE_HTML);
    ck_assert_ptr_nonnull(got);
    free(got);

    /* Within the depth bound this would still be 2^64 nodes: the budget stops it. */
    add_ok(set, "fan", "x{{>fan}}{{>fan}}");
    ck_assert_ptr_null(gw_templates_render(set, "fan", NULL, GW_ESCAPE_HTML));
    gw_templates_free(set);
}
END_TEST

/*
 * The indentation of nested standalone partials is render work like any
 * other: 100 lines written under 60 partials indented by one space each
 * are 6000 levels of indentation, all counted against the budget (they
 * were not, so a self-including partial kept a render busy for seconds).
 */
START_TEST(render_work_counts_indentation)
{
    struct gw_templates *set = gw_templates_new();
    char name[16], source[32], lines[201], *got;
    size_t work, levels = 0;

    for (int k = 0; k < 60; k++) {
        snprintf(name, sizeof(name), "a%d", k);
        snprintf(source, sizeof(source), " {{>a%d}}\n", k + 1);
        add_ok(set, name, source);
    }
    for (int i = 0; i < 100; i++)
        memcpy(lines + 2 * i, "x\n", 2);
    lines[200] = '\0';
    add_ok(set, "a60", lines);
    got = gw_templates_render_work(set, "a0", NULL, GW_ESCAPE_HTML, &work);
    ck_assert_ptr_nonnull(got);
    for (const char *p = got; *p != '\0'; p++)
        levels += *p == ' ';
    ck_assert_uint_eq(levels, 6000);                 /* 100 lines, 60 levels each */
    ck_assert_uint_eq(strlen(got), 6000 + 200);
    ck_assert_uint_ge(work, levels);
    free(got);
    gw_templates_free(set);
}
END_TEST

/* A template whose partials include themselves is stopped at the budget, all its work counted. */
START_TEST(self_including_partials_stop_at_the_budget)
{
    static const char *const sources[] = {
        "{{>self}}\n{{>self}}\n",     /* standalone: every line walks the indentation */
        "  {{>self}}\n  {{>self}}\n", /* the same, indented */
        "{{#.}}{{>self}}{{/.}}\n{{>self}}\n",
    };

    for (size_t i = 0; i < sizeof(sources) / sizeof(sources[0]); i++) {
        struct gw_templates *set = gw_templates_new();
        size_t work = 0;
        add_ok(set, "self", sources[i]);
        ck_assert_ptr_null(gw_templates_render_work(set, "self", json_true(), GW_ESCAPE_HTML,
                                                    &work));
        ck_assert_uint_gt(work, GW_RENDER_BUDGET);
        ck_assert_uint_le(work, GW_RENDER_BUDGET + 1);
        gw_templates_free(set);
    }
}
END_TEST

static Suite *
mustache_suite(void)
{
    Suite *s = suite_create("mustache");
    TCase *spec = tcase_create("spec");
    TCase *extra = tcase_create("extra");
    int n_spec = (int)(sizeof(spec_files) / sizeof(spec_files[0]));
    int n_errors = (int)(sizeof(syntax_errors) / sizeof(syntax_errors[0]));

    tcase_add_loop_test(spec, spec_file, 0, n_spec);
    suite_add_tcase(s, spec);
    tcase_add_test(extra, escapers);
    tcase_add_test(extra, render_escapes_for_sink);
    tcase_add_test(extra, values_and_truthiness);
    tcase_add_test(extra, partial_indentation_in_loops);
    tcase_add_loop_test(extra, syntax_error_lines, 0, n_errors);
    tcase_add_test(extra, syntax_error_nesting_bound);
    tcase_add_test(extra, load_dir);
    tcase_add_test(extra, missing_template_and_partial);
    tcase_add_test(extra, recursive_partial_bounded);
    tcase_add_test(extra, render_work_counts_indentation);
    tcase_add_test(extra, self_including_partials_stop_at_the_budget);
    suite_add_tcase(s, extra);
    return s;
}

GW_CHECK_MAIN(mustache_suite)
