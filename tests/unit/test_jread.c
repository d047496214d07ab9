/*
 * The JSON reader (gateway/util/jread.h) against jansson, the reader it
 * replaced: every real GitHub payload of tests/fixtures/octokit reads to the
 * same tree, and every bad input either refused is refused by both.
 */
#include <check.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gateway/util/jread.h"

#include "tests/unit/check_main.h"

#define FIXTURES KAIZEN_SOURCE_DIR "/tests/fixtures/octokit/"

/* v (jread) holds the same value as j (jansson). */
static void
check_same(const struct gw_jval *v, json_t *j, const char *where)
{
    ck_assert_ptr_nonnull(v);
    switch (json_typeof(j)) {
    case JSON_NULL:
        ck_assert_msg(v->type == GW_JNULL, "%s: null", where);
        break;
    case JSON_TRUE:
    case JSON_FALSE:
        ck_assert_msg(v->type == (json_is_true(j) ? GW_JTRUE : GW_JFALSE), "%s: bool", where);
        break;
    case JSON_INTEGER:
        ck_assert_msg(v->type == GW_JINT && v->v.i == json_integer_value(j), "%s: int", where);
        break;
    case JSON_REAL:
        ck_assert_msg(v->type == GW_JREAL && v->v.d == json_real_value(j), "%s: real", where);
        break;
    case JSON_STRING:
        ck_assert_msg(v->type == GW_JSTRING && v->n == json_string_length(j) &&
                      memcmp(v->v.s, json_string_value(j), v->n) == 0 && v->v.s[v->n] == '\0',
                      "%s: string", where);
        break;
    case JSON_ARRAY:
        ck_assert_msg(v->type == GW_JARRAY && v->n == json_array_size(j), "%s: array", where);
        for (size_t i = 0; i < v->n; i++)
            check_same(&v->v.items[i], json_array_get(j, i), where);
        break;
    case JSON_OBJECT: {
        const char *key;
        json_t *member;
        ck_assert_msg(v->type == GW_JOBJECT && v->n == json_object_size(j), "%s: object", where);
        json_object_foreach(j, key, member) {
            const struct gw_jval *m = gw_jget(v, key);
            ck_assert_msg(m != NULL && strcmp(m->key, key) == 0 && m->key_len == strlen(key),
                          "%s: key %s", where, key);
            check_same(m, member, where);
        }
        break;
    }
    }
}

START_TEST(test_real_payloads_read_like_jansson)
{
    static const char *const events[] = {"issues", "push", "ping", "deployment",
                                         "deployment_status"};
    size_t total = 0;

    for (size_t e = 0; e < sizeof(events) / sizeof(events[0]); e++) {
        char path[512], *line = NULL, where[64], err[256];
        size_t cap = 0;
        ssize_t len;
        snprintf(path, sizeof(path), FIXTURES "%s.jsonl", events[e]);
        FILE *f = fopen(path, "r");
        ck_assert_msg(f != NULL, "%s", path);
        for (int n = 1; (len = getline(&line, &cap, f)) > 0; n++) {
            struct gw_jdoc *doc;
            json_error_t jerr;
            json_t *j = json_loadb(line, (size_t)len, JSON_REJECT_DUPLICATES, &jerr);
            const struct gw_jval *v = gw_jparse(&doc, line, (size_t)len, err, sizeof(err));
            ck_assert_msg(j != NULL, "%s:%d: %s", path, n, jerr.text);
            ck_assert_msg(v != NULL, "%s:%d: %s", path, n, err);
            snprintf(where, sizeof(where), "%s:%d", events[e], n);
            check_same(v, j, where);
            json_decref(j);
            gw_jdoc_free(doc);
            total++;
        }
        free(line);
        fclose(f);
    }
    ck_assert_uint_ge(total, 40);
}
END_TEST

START_TEST(test_paths_and_lookups)
{
    struct gw_jdoc *doc;
    char err[256];
    const char *text = "{\"issue\":{\"number\":42,\"title\":\"T\",\"closed_at\":null,"
                       "\"labels\":[{\"name\":\"a\"},{\"name\":\"b\"}]},\"x\":1.5,\"t\":true}";
    const struct gw_jval *root = gw_jparse(&doc, text, strlen(text), err, sizeof(err));

    ck_assert_ptr_nonnull(root);
    ck_assert_int_eq(root->type, GW_JOBJECT);
    ck_assert_int_eq(gw_jpath(root, "issue.number")->v.i, 42);
    ck_assert_str_eq(gw_jstr(gw_jpath(root, "issue.title")), "T");
    ck_assert(gw_jis_null(gw_jpath(root, "issue.closed_at")));
    ck_assert_ptr_null(gw_jpath(root, "issue.missing"));
    ck_assert_ptr_null(gw_jpath(root, "issue.title.deeper"));
    ck_assert_ptr_null(gw_jpath(root, "issu"));
    ck_assert_ptr_null(gw_jstr(gw_jpath(root, "issue.number")));
    ck_assert_uint_eq(gw_jpath(root, "issue.labels")->n, 2);
    ck_assert_str_eq(gw_jstr(gw_jget(&gw_jpath(root, "issue.labels")->v.items[1], "name")), "b");
    ck_assert_int_eq(gw_jget(root, "x")->type, GW_JREAL);
    ck_assert_int_eq(gw_jget(root, "t")->type, GW_JTRUE);
    ck_assert_ptr_null(gw_jget(NULL, "x"));
    gw_jdoc_free(doc);
}
END_TEST

START_TEST(test_two_documents_at_once_and_padding)
{
    struct gw_jdoc *a, *b;
    char err[256], padded[2 + GW_JREAD_PADDING];
    const struct gw_jval *va, *vb;

    memset(padded, 0, sizeof(padded));
    memcpy(padded, "[1]", 3);
    va = gw_jparse(&a, "{\"k\":\"first\"}", 13, err, sizeof(err));
    vb = gw_jparse_padded(&b, padded, 3, 1, err, sizeof(err));
    ck_assert_ptr_nonnull(va);
    ck_assert_ptr_nonnull(vb);
    ck_assert_str_eq(gw_jstr(gw_jget(va, "k")), "first");
    ck_assert_int_eq(vb->v.items[0].v.i, 1);
    gw_jdoc_free(a);
    gw_jdoc_free(b);
    gw_jdoc_free(NULL);
}
END_TEST

/* Refused by both readers, each with a reason. */
START_TEST(test_bad_inputs_refused_like_jansson)
{
    char many[2048], deep[8200];
    size_t used = 0;

    /* A duplicate among many keys (the hashed check), and one among few. */
    used += (size_t)snprintf(many + used, sizeof(many) - used, "{");
    for (int i = 0; i < 40; i++)
        used += (size_t)snprintf(many + used, sizeof(many) - used, "\"key%d\":%d,", i, i);
    snprintf(many + used, sizeof(many) - used, "\"key17\":0}");
    for (int i = 0; i < 4000; i++) {
        deep[i] = '[';
        deep[8000 - 1 - i] = ']';
    }
    deep[8000] = '\0';
    const char *bad[] = {
        "", " ", "{", "{\"a\":1", "{\"a\":1,}", "[1,]", "{} x", "{\"a\":01}", "{'a':1}",
        "{\"a\":1,\"a\":2}", "{\"a\":{\"b\":1,\"b\":1}}", many,
        "{\"a\":\"\\u0000\"}", "{\"\\u0000\":1}", "{\"a\":\"\xff\"}", "{\"a\":\"\xc3\"}",
        "{\"a\":\"\xed\xa0\x80\"}", "{\"a\":\"\\ud800\"}",
        "{\"a\":9223372036854775808}", "{\"a\":18446744073709551616}", "{\"a\":1e400}",
        "{\"a\":tru}", "{\"a\":nul}", "{\"a\":\"x\ny\"}", deep, NULL,
    };
    for (int i = 0; bad[i] != NULL; i++) {
        struct gw_jdoc *doc = (struct gw_jdoc *)1;
        char err[256] = "";
        json_error_t jerr;
        json_t *j = json_loadb(bad[i], strlen(bad[i]), JSON_REJECT_DUPLICATES, &jerr);
        const struct gw_jval *v = gw_jparse(&doc, bad[i], strlen(bad[i]), err, sizeof(err));
        ck_assert_msg(j == NULL, "jansson accepted case %d", i);
        ck_assert_msg(v == NULL, "accepted case %d: %.60s", i, bad[i]);
        ck_assert_ptr_null(doc);
        ck_assert_msg(strncmp(err, "malformed JSON: ", 16) == 0 && err[16] != '\0',
                      "case %d: %s", i, err);
    }
}
END_TEST

/* Member i's key in big_container: 7 hex digits. */
static void
hex_key(char *out, size_t i)
{
    for (int k = 6; k >= 0; k--, i >>= 4)
        out[k] = "0123456789abcdef"[i & 15];
}

/*
 * "[0,0,...]" or {"0000000":0,...} of n members, built in memory (about 34 MB
 * and 201 MB at 2^24 members): simdjson counts members in 24 bits, so a
 * container of 2^24 or more must still get all its members, each in its
 * own node (ASan: nothing written past the node block).
 */
static char *
big_container(int object, size_t n, size_t *len)
{
    size_t member = object ? 12 : 2, used = 1;
    char *text = malloc(n * member + 2);

    ck_assert_ptr_nonnull(text);
    text[0] = object ? '{' : '[';
    for (size_t i = 0; i < n; i++, used += member) {
        if (object) {
            text[used] = '"';
            hex_key(text + used + 1, i);
            memcpy(text + used + 8, "\":0,", 4);
        } else {
            memcpy(text + used, "0,", 2);
        }
    }
    text[used - 1] = object ? '}' : ']';
    *len = used;
    return text;
}

static void
check_big_container(int object, size_t n)
{
    struct gw_jdoc *doc;
    char err[256] = "", key[7];
    size_t len;
    char *text = big_container(object, n, &len);
    const struct gw_jval *v = gw_jparse(&doc, text, len, err, sizeof(err));

    ck_assert_msg(v != NULL, "%zu members: %s", n, err);
    ck_assert_int_eq(v->type, object ? GW_JOBJECT : GW_JARRAY);
    ck_assert_uint_eq(v->n, n);
    for (size_t i = 0; i < n; i++) {
        const struct gw_jval *m = &v->v.items[i];
        if (m->type != GW_JINT || m->v.i != 0)
            ck_abort_msg("member %zu of %zu: type %d", i, n, m->type);
        if (object) {
            hex_key(key, i);
            if (m->key_len != 7 || memcmp(m->key, key, 7) != 0)
                ck_abort_msg("member %zu of %zu: key %.*s", i, n, (int)m->key_len, m->key);
        }
    }
    gw_jdoc_free(doc);
    free(text);
}

START_TEST(test_arrays_of_2p24_members_and_more)
{
    check_big_container(0, (size_t)1 << 24);
    check_big_container(0, ((size_t)1 << 24) + 1);
}
END_TEST

START_TEST(test_objects_of_2p24_members_and_more)
{
    check_big_container(1, (size_t)1 << 24);
    check_big_container(1, ((size_t)1 << 24) + 1);
}
END_TEST

static Suite *
jread_suite(void)
{
    Suite *s = suite_create("jread");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_real_payloads_read_like_jansson);
    tcase_add_test(tc, test_paths_and_lookups);
    tcase_add_test(tc, test_two_documents_at_once_and_padding);
    tcase_add_test(tc, test_bad_inputs_refused_like_jansson);
    tcase_add_test(tc, test_arrays_of_2p24_members_and_more);
    tcase_add_test(tc, test_objects_of_2p24_members_and_more);
    suite_add_tcase(s, tc);
    return s;
}

GW_CHECK_MAIN(jread_suite)
