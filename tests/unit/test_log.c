/* The JSON-lines logger: every line parses, whatever the values hold. */
#include <check.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gateway/util/log.h"

#include "tests/unit/check_main.h"

/* The line gw_log writes for msg and one field key=value, parsed. */
static json_t *
logged(const char *key, const char *value)
{
    char path[] = "/tmp/kz-log-XXXXXX", buf[8192];
    int fd = mkstemp(path), saved = dup(STDERR_FILENO);
    json_error_t err;
    ssize_t n;

    ck_assert_int_ge(fd, 0);
    dup2(fd, STDERR_FILENO);
    gw_log(GW_LOG_WARN, "a \"quoted\" message", key, value, "after", "yes", NULL);
    dup2(saved, STDERR_FILENO);
    close(saved);
    n = pread(fd, buf, sizeof(buf) - 1, 0);
    close(fd);
    unlink(path);
    ck_assert_int_gt(n, 0);
    buf[n] = '\0';
    ck_assert_msg(buf[n - 1] == '\n' && strchr(buf, '\n') == buf + n - 1, "one line: %s", buf);
    json_t *line = json_loads(buf, 0, &err);
    ck_assert_msg(line != NULL, "%s: %s", err.text, buf);
    ck_assert_str_eq(json_string_value(json_object_get(line, "level")), "warn");
    ck_assert_str_eq(json_string_value(json_object_get(line, "msg")), "a \"quoted\" message");
    ck_assert_uint_eq(strlen(json_string_value(json_object_get(line, "ts"))), 24);
    return line;
}

START_TEST(test_values_are_escaped)
{
    json_t *line = logged("v", "back\\slash \"q\" new\nline tab\t bell\x07 caf\xc3\xa9 \xf0\x9f\x94\xa5");
    ck_assert_str_eq(json_string_value(json_object_get(line, "v")),
                     "back\\slash \"q\" new\nline tab\t bell\x07 caf\xc3\xa9 \xf0\x9f\x94\xa5");
    ck_assert_str_eq(json_string_value(json_object_get(line, "after")), "yes");
    json_decref(line);
}
END_TEST

START_TEST(test_invalid_utf8_and_long_values)
{
    json_t *line = logged("v", "bad \xff\xfe byte");
    ck_assert_str_eq(json_string_value(json_object_get(line, "v")), "bad \xef\xbf\xbd\xef\xbf\xbd byte");
    json_decref(line);
    /* A value too long for a line is left out; the line stays valid JSON. */
    char *big = malloc(10000);
    memset(big, 'x', 9999);
    big[9999] = '\0';
    line = logged("big", big);
    ck_assert_ptr_null(json_object_get(line, "big"));
    ck_assert_str_eq(json_string_value(json_object_get(line, "after")), "yes");
    json_decref(line);
    free(big);
}
END_TEST

static Suite *
log_suite(void)
{
    Suite *s = suite_create("log");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_values_are_escaped);
    tcase_add_test(tc, test_invalid_utf8_and_long_values);
    suite_add_tcase(s, tc);
    return s;
}

GW_CHECK_MAIN(log_suite)
