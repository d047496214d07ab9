/* The ids that cross a boundary (core/wire.h): each built one way, parsed back, never cut. */
#include <check.h>
#include <string.h>

#include "gateway/core/wire.h"
#include "tests/unit/check_main.h"

START_TEST(ticket_and_canary_ids)
{
    char out[64];

    ck_assert_int_eq(gw_wire_issue_id(out, sizeof(out), "octo-org/api", 42), 0);
    ck_assert_str_eq(out, "gh:octo-org/api#42");
    ck_assert_int_eq(gw_wire_alert_id(out, sizeof(out), "c0ffee"), 0);
    ck_assert_str_eq(out, "am:c0ffee");
    ck_assert_int_eq(gw_wire_deployment_id(out, sizeof(out), "o/r", 7), 0);
    ck_assert_str_eq(out, "gh:o/r:deployment:7");
}
END_TEST

/* An id one byte too long is refused whole, never cut (a cut may end inside a character). */
START_TEST(never_cut)
{
    char out[16], repo[32];

    memset(repo, 'r', sizeof(repo));
    repo[10] = '\0';            /* "gh:" + 10 + "#1" = 15 bytes: fits in 16 */
    ck_assert_int_eq(gw_wire_issue_id(out, sizeof(out), repo, 1), 0);
    ck_assert_uint_eq(strlen(out), 15);
    ck_assert_int_eq(gw_wire_issue_id(out, sizeof(out), repo, 12), -1);   /* 16 bytes */
    ck_assert_str_eq(out, "");
    memcpy(repo, "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9", 11);   /* 10 bytes of "é" */
    ck_assert_int_eq(gw_wire_issue_id(out, sizeof(out), repo, 12), -1);
    ck_assert_int_eq(gw_wire_button_value(out, sizeof(out), GW_ACK_TICKET, "0123456789"), -1);
}
END_TEST

START_TEST(destinations)
{
    char out[64];

    ck_assert_int_eq(gw_wire_slack_dest(out, sizeof(out), NULL), 0);
    ck_assert_str_eq(out, GW_DEST_SLACK);
    ck_assert_ptr_null(gw_wire_dest_channel(out));
    ck_assert_int_eq(gw_wire_slack_dest(out, sizeof(out), "C0PAY"), 0);
    ck_assert_str_eq(out, "slack:C0PAY");
    ck_assert_str_eq(gw_wire_dest_channel(out), "C0PAY");
    ck_assert_ptr_null(gw_wire_dest_channel(GW_DEST_PAGER));
}
END_TEST

START_TEST(message_ids)
{
    char prefix[128], id[160], page[128], edit[160];

    ck_assert_int_eq(gw_wire_digest_prefix(prefix, sizeof(prefix), "W", GW_DEST_SLACK), 0);
    ck_assert_str_eq(prefix, "digest:W:");
    ck_assert_int_eq(gw_wire_digest_prefix(prefix, sizeof(prefix), "W", "slack:C1"), 0);
    ck_assert_str_eq(prefix, "digest:W:C1:");
    ck_assert_int_eq(gw_wire_batch_id(id, sizeof(id), prefix, 1, 3, 1), 0);
    ck_assert_str_eq(id, "digest:W:C1:2/3");
    ck_assert(!gw_wire_opens_thread(id));
    ck_assert_int_eq(gw_wire_batch_id(id, sizeof(id), prefix, 0, 3, 1), 0);
    ck_assert(gw_wire_opens_thread(id));   /* a digest's first post */
    /* A weekly report's messages are numbered alike but never open a thread. */
    ck_assert_int_eq(gw_wire_report_prefix(prefix, sizeof(prefix), "2026-W49", GW_DEST_SLACK), 0);
    ck_assert_str_eq(prefix, "report:2026-W49:");
    ck_assert_int_eq(gw_wire_report_prefix(prefix, sizeof(prefix), "2026-W49", "slack:C1"), 0);
    ck_assert_str_eq(prefix, "report:2026-W49:C1:");
    ck_assert_int_eq(gw_wire_batch_id(id, sizeof(id), prefix, 0, 2, 1), 0);
    ck_assert_str_eq(id, "report:2026-W49:C1:1/2");
    ck_assert(!gw_wire_opens_thread(id));
    ck_assert_int_eq(gw_wire_digest_prefix(prefix, sizeof(prefix), "W", "slack:C1"), 0);
    ck_assert_int_eq(gw_wire_notice_prefix(prefix, sizeof(prefix), "R", 2, "slack:C1"), 0);
    ck_assert_str_eq(prefix, "breach:R:2.C1.");
    ck_assert_int_eq(gw_wire_batch_id(id, sizeof(id), prefix, 0, 1, 0), 0);
    ck_assert_str_eq(id, "breach:R:2.C1.1");
    ck_assert_int_eq(gw_wire_manual_window(id, sizeof(id), "tok", 3), 0);
    ck_assert_str_eq(id, "manual-tok-3");

    ck_assert_int_eq(gw_wire_page_id(page, sizeof(page), "c1", 1700000000, GW_PAGE_SLACK), 0);
    ck_assert_str_eq(page, "page:c1:1700000000:slack");
    ck_assert_int_eq(gw_wire_page_id(id, sizeof(id), "c1", 1700000000, GW_PAGE_PAGER), 0);
    ck_assert_str_eq(id, "page:c1:1700000000:pager");
    ck_assert_int_eq(gw_wire_edit_id(edit, sizeof(edit), "resolved", page), 0);
    ck_assert_str_eq(edit, "edit:resolved:page:c1:1700000000:slack");
    ck_assert(gw_wire_is_edit(edit));
    ck_assert(!gw_wire_is_edit(page));
    ck_assert_int_eq(gw_wire_resolve_id(id, sizeof(id), "c1", 5), 0);
    ck_assert_str_eq(id, "resolve:c1:5");
    ck_assert(!gw_wire_is_edit(id));
    ck_assert_int_eq(gw_wire_pager_ack_id(id, sizeof(id), "c1", 6), 0);
    ck_assert_str_eq(id, "ack:c1:6");
}
END_TEST

START_TEST(button_values)
{
    char value[64];
    enum gw_ack_kind kind;

    ck_assert_int_eq(gw_wire_button_value(value, sizeof(value), GW_ACK_TICKET, "gh:o/r#1"), 0);
    ck_assert_str_eq(gw_wire_button_parse(value, &kind), "gh:o/r#1");
    ck_assert_int_eq(kind, GW_ACK_TICKET);
    ck_assert_int_eq(gw_wire_button_value(value, sizeof(value), GW_ACK_CANARY, "c:1"), 0);
    ck_assert_str_eq(gw_wire_button_parse(value, &kind), "c:1");
    ck_assert_int_eq(kind, GW_ACK_CANARY);
    ck_assert_ptr_null(gw_wire_button_parse("tick:x", &kind));
    ck_assert_ptr_null(gw_wire_button_parse("", &kind));
    ck_assert_ptr_null(gw_wire_button_parse(NULL, &kind));
}
END_TEST

static Suite *
suite(void)
{
    Suite *s = suite_create("wire");
    TCase *tc = tcase_create("pure");
    tcase_add_test(tc, ticket_and_canary_ids);
    tcase_add_test(tc, never_cut);
    tcase_add_test(tc, destinations);
    tcase_add_test(tc, message_ids);
    tcase_add_test(tc, button_values);
    suite_add_tcase(s, tc);
    return s;
}

GW_CHECK_MAIN(suite)
