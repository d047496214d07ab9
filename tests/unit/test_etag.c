/* Feed validators: weak ETags and If-None-Match lists. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gateway/core/etag.h"
#include "gateway/core/dates.h"
#include "tests/unit/check_main.h"

START_TEST(etags)
{
    char a[128], b[128], c[128];
    gw_feed_etag("tickets", 7, 100, "c=&s=&st=default", a, sizeof(a));
    gw_feed_etag("tickets", 7, 100, "c=web&s=&st=default", b, sizeof(b));
    gw_feed_etag("tickets", 8, 100, "c=&s=&st=default", c, sizeof(c));
    ck_assert(strncmp(a, "W/\"tickets-7-100-", 17) == 0);
    ck_assert_str_ne(a, b);
    ck_assert_str_ne(a, c);
    ck_assert(gw_etag_matches(a, a));
    ck_assert(gw_etag_matches(a + 2, a));                     /* strong form of the same tag */
    ck_assert(gw_etag_matches("*", a));
    char list[300];
    snprintf(list, sizeof(list), "W/\"x\", %s ,\"y\"", a);
    ck_assert(gw_etag_matches(list, a));
    ck_assert(!gw_etag_matches(b, a));
    ck_assert(!gw_etag_matches("", a));
    ck_assert(!gw_etag_matches("garbage", a));
    ck_assert(!gw_etag_matches("W/\"unterminated", a));
    ck_assert(!gw_etag_matches(NULL, a));
}
END_TEST


static Suite *
suite(void)
{
    Suite *s = suite_create("feed");
    TCase *tc = tcase_create("pure");
    tcase_add_test(tc, etags);
    suite_add_tcase(s, tc);
    return s;
}

GW_CHECK_MAIN(suite)
