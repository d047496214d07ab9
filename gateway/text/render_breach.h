/*
 * SLA-breach notices (docs/operations.md "Digests and SLA breaches"), built on
 * text/render_base.h: the classic notice of one ticket and the grouped
 * notice of one check's round, a header counting the round's breaches
 * then one line per ticket packed into mrkdwn sections. Pure.
 */
#ifndef GW_RENDER_BREACH_H
#define GW_RENDER_BREACH_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "gateway/core/ticket.h"
#include "gateway/text/mustache.h"

/*
 * SLA-breach notice for ticket t at `now` (template sla_breach, mrkdwn):
 * a new Slack message object {"text": …, "blocks": [section mrkdwn]} whose
 * section and text each hold at most GW_SLACK_SECTION_MAX UTF-16 units, so
 * the message stays under GW_SLACK_MESSAGE_MAX. The caller owns the
 * reference. NULL when out of memory.
 */
json_t *gw_render_breach_notice(const struct gw_templates *set, const struct gw_ticket *t,
    int64_t now);

/*
 * The grouped notice of one SLA-breach round (templates sla_breach_header,
 * plain_text, and sla_breach_line, mrkdwn; both optional, with built-in
 * wording): one page of the round's tickets, tickets[0..n), which are
 * number first .. first + n - 1 (1-based) of the total. A new JSON array
 * of Slack messages {"text", "blocks": [header, section…]}: every ticket
 * in exactly one line (titles cut to GW_BREACH_TITLE_MAX), lines cut to
 * GW_BREACH_LINE_MAX, ≤ 50 blocks and under GW_BREACH_TEXT_MAX of text
 * per message. A round of one ticket
 * gives the classic sla_breach notice. NULL when out of memory.
 */
#define GW_BREACH_LINE_MAX 300
#define GW_BREACH_TITLE_MAX 80     /* code points of a title in a line */
#define GW_BREACH_TEXT_MAX 36000   /* under Slack's 40 000-character message text */
struct gw_breach_page {
    long total;             /* tickets in the round */
    long first;             /* 1-based number of tickets[0] in the round */
    int64_t checked_at;     /* the check's time: "breached … ago" */
    int buttons;            /* Acknowledge controls (Slack app with a signing secret) */
    const char *public_url; /* edits: a resolved critical ticket links to its postmortem
                               draft there (GET /api/timeline); NULL: no link */
};
/*
 * per_msg (NULL, or room for n): how many of tickets each message lists, in
 * order. With buttons, a notice of one ticket has an Acknowledge button and
 * a grouped message an Acknowledge menu of its open, unacknowledged tickets
 * (at most GW_BREACH_MENU_MAX per message).
 */
#define GW_BREACH_MENU_MAX 100    /* Slack: options of a static_select */
json_t *gw_render_breach_page(const struct gw_templates *set, const struct gw_ticket *tickets,
                              size_t n, const struct gw_breach_page *p, size_t *per_msg);

/*
 * The edit of a grouped notice already posted: descriptor (borrowed) is
 * what store/lua/lib/notice.lua notice_send_edit enqueued ({"tickets": [row…],
 * "count", "first", "checked_at", "buttons"}). The message is rendered
 * again from its tickets as they are now (resolved ones ✅, acked ones with
 * who), with the range and count it had when it was posted; one that no
 * longer fits keeps its first part. NULL when a ticket has no id, there
 * are none, or out of memory. With public_url, a resolved critical ticket
 * links to its postmortem draft (the `postmortem` variable).
 */
json_t *gw_render_breach_edit(const struct gw_templates *set, json_t *descriptor,
                              const char *public_url);

#endif
