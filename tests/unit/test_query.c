/*
 * Query strings as /api/tickets and the tickets feed read them: the
 * server's decoding (gw_request_parse_query), the filters
 * (gw_ticket_query_parse) and the feed's key of them (gw_ticket_query_key).
 * A filter is used whole or refused, never cut.
 */
#include <check.h>
#include <event2/http.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>

#include "gateway/core/routing.h"
#include "gateway/net/http_request.h"
#include "handlers/handlers.h"

#include "tests/unit/check_main.h"

/* The filters of query for /api/tickets (paged) or the feed; NULL, or the 400's reason. */
static const char *
filters(const char *query, int paged, struct gw_ticket_query *q, char *key, size_t keylen)
{
    static struct gw_request req;
    char err[128];
    const char *bad;

    evhttp_clear_headers(&req.query);
    TAILQ_INIT(&req.query);
    if (gw_request_parse_query(&req, query, err, sizeof(err)) != 0) {
        static char reason[128];
        snprintf(reason, sizeof(reason), "%s", err);
        return reason;
    }
    static const struct gw_routing no_routes_file;
    bad = gw_ticket_query_parse(&req, &no_routes_file, q, paged);
    if (bad == NULL && key != NULL)
        ck_assert_int_eq(gw_ticket_query_key(q, "0123456789abcdef", key, keylen), 0);
    return bad;
}

START_TEST(test_filters_and_their_key)
{
    struct gw_ticket_query q;
    char key[512];

    ck_assert_ptr_null(filters("component=pay%20ments&severity=high&state=all", 0, &q, key,
                               sizeof(key)));
    ck_assert_str_eq(q.filter.component, "pay ments");
    ck_assert_str_eq(key, "c=pay ments&s=high&st=all&r=&rv=");
    ck_assert_ptr_null(filters("route=default", 0, &q, key, sizeof(key)));
    ck_assert_str_eq(key, "c=&s=&st=default&r=default&rv=0123456789abcdef");
    ck_assert_str_eq(filters("component=", 1, &q, NULL, 0), "component must not be empty");
    ck_assert_str_eq(filters("limit=5", 0, &q, NULL, 0),
                     "unknown query parameter (use component, severity, state, route)");
    ck_assert_str_eq(filters("a=1&a=2", 1, &q, NULL, 0),
                     "query parameter a is given more than once");
    ck_assert_str_eq(filters("component=a%00b", 1, &q, NULL, 0),
                     "%00 is not allowed in the query string");
    ck_assert_str_eq(filters("component=a%zz", 1, &q, NULL, 0),
                     "malformed percent-escape in the query string");
    ck_assert_int_eq(gw_ticket_query_key(&q, "", key, 4), -1);
}
END_TEST

/*
 * The tickets feed cut its component filter at 255 bytes (possibly inside a
 * character) and filtered on what was left: a filter is now whole, up to
 * 255 bytes, or refused, on both endpoints.
 */
START_TEST(test_a_long_component_filter_is_whole_or_refused)
{
    char query[400], key[512], want[512];
    struct gw_ticket_query q;
    size_t n;

    n = (size_t)snprintf(query, sizeof(query), "component=");
    memset(query + n, 'a', 255);
    query[n + 255] = '\0';
    for (int paged = 0; paged <= 1; paged++) {
        ck_assert_ptr_null(filters(query, paged, &q, key, sizeof(key)));
        ck_assert_uint_eq(strlen(q.filter.component), 255);
    }
    snprintf(want, sizeof(want), "c=%s&s=&st=default&r=&rv=", query + n);
    ck_assert_str_eq(key, want);

    /* 254 bytes and a two-byte character: the 256th byte is inside it. */
    memcpy(query + n + 254, "%C3%A9", 7);
    for (int paged = 0; paged <= 1; paged++)
        ck_assert_str_eq(filters(query, paged, &q, key, sizeof(key)),
                         "component must be at most 255 bytes");
}
END_TEST

START_TEST(test_cursors_and_limits)
{
    struct gw_ticket_query q;
    char *again;

    ck_assert_str_eq(filters("cursor=00", 1, &q, NULL, 0),
                     "malformed cursor (use next_cursor from the previous page)");
    /* "<12 hex digits>\0<ticket id>", hex-encoded: "000018c0e1f2", NUL, "gh:o/r#" */
    ck_assert_ptr_null(filters("cursor=303030303138633065316632" "00" "67683a6f2f7223&limit=7",
                               1, &q, NULL, 0));
    ck_assert_int_eq(q.filter.limit, 7);
    again = gw_cursor_encode(q.filter.cursor, q.filter.cursor_len);
    ck_assert_str_eq(again, "303030303138633065316632" "00" "67683a6f2f7223");
    free(again);
    ck_assert_str_eq(filters("limit=1001", 1, &q, NULL, 0),
                     "limit must be an integer from 1 to 1000");
    ck_assert_str_eq(filters("cursor=00", 0, &q, NULL, 0),
                     "unknown query parameter (use component, severity, state, route)");
}
END_TEST

static Suite *
query_suite(void)
{
    Suite *s = suite_create("query");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_filters_and_their_key);
    tcase_add_test(tc, test_a_long_component_filter_is_whole_or_refused);
    tcase_add_test(tc, test_cursors_and_limits);
    suite_add_tcase(s, tc);
    return s;
}

GW_CHECK_MAIN(query_suite)
