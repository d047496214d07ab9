/*
 * Template-backed texts (SPEC "Templates"): every user-visible text comes
 * from a Mustache template in KAIZEN_TEMPLATES_DIR, while the structure
 * around it (Block Kit blocks, JSON, XML) is built in code. Pure: tickets,
 * canaries and a clock in, strings and JSON out.
 *
 * Each function builds the template's variables (templates/README.md lists
 * them), renders with the escaping of its sink and falls back to a built-in
 * text when the template is missing, fails or renders only blanks, so a
 * broken template degrades the wording, never the message. Rendered text is
 * trimmed of leading and trailing blanks, repaired to valid UTF-8 and cut
 * to the sink's limit (UTF-8 safe, ending in "…").
 */
#ifndef GW_RENDER_H
#define GW_RENDER_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "gateway/core/pager.h"
#include "gateway/text/blockkit.h"
#include "gateway/text/mustache.h"
#include "gateway/core/ticket.h"

/*
 * Names (without ".mustache") of every template the gateway renders,
 * NULL-terminated.
 */
extern const char *const gw_required_templates[];

/*
 * Verifies set holds every gw_required_templates entry. Returns 0, or -1 and
 * writes "templates: missing a.mustache, b.mustache" (every missing one)
 * into err.
 */
int gw_render_check(const struct gw_templates *set, char *err, size_t errlen);

/*
 * A gw_digest_renderer whose texts come from digest_header (plain_text, not
 * escaped), digest_component, digest_ticket and digest_fallback (mrkdwn,
 * GW_ESCAPE_SLACK). Pass &r->vtable to gw_digest_build. vtable.ctx points
 * at r itself, so r must not be copied or moved after init. set is
 * borrowed and must outlive r.
 */
struct gw_template_renderer {
    struct gw_digest_renderer vtable;
    const struct gw_templates *set;
    int64_t now;    /* the digest's clock: the header's `date` */
};

void gw_template_renderer_init(struct gw_template_renderer *r, const struct gw_templates *set,
    int64_t now);

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
 * GW_BREACH_LINE_MAX, ≤ 50 blocks and
 * under GW_BREACH_TEXT_MAX of text per message. A round of one ticket
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

/* The emoji of a ticket in a breach notice: red, or ✅ once it resolved. */
const char *gw_render_breach_emoji(const struct gw_ticket *t);

/* A canary past its budget. Strings are borrowed for the call; NULL reads as "". */
struct gw_canary_info {
    const char *id;
    const char *service;
    const char *environment;
    int64_t started_at;       /* Unix seconds */
    int64_t budget_seconds;
    int64_t now;              /* the page's clock; for an edit, when it resolved or was acked */
    const char *acked_by;     /* NULL: not acknowledged */
    int64_t acked_at;
};

/*
 * PagerDuty payload.summary (template canary_summary, not escaped): one line
 * (line breaks and tabs become spaces) of at most GW_PAGER_SUMMARY_MAX
 * characters. malloc'd, caller frees; NULL when out of memory.
 */
char *gw_render_canary_summary(const struct gw_templates *set, const struct gw_canary_info *c);

/*
 * Slack canary page (template canary_slack, mrkdwn): a message object like
 * gw_render_breach_notice's. Caller owns the reference; NULL on OOM.
 */
json_t *gw_render_canary_slack(const struct gw_templates *set, const struct gw_canary_info *c);

/*
 * Adds the Acknowledge button to a Slack message from the render functions:
 * an actions block whose button has action_id GW_ACK_ACTION and value
 * (what POST /webhooks/slack acknowledges, e.g. "canary:<id>", at most
 * 2000 characters). Returns 0, or -1 when out of memory or value is too long.
 */
#define GW_ACK_ACTION "kz_ack"
int gw_render_add_ack_button(json_t *msg, const char *value);

/*
 * An edit of a message already posted (Web API mode), rendered when it is
 * sent: descriptor is the JSON the store enqueued (store/lua/lib/canary.lua
 * canary_edit: {"edit": target id, "state": "resolved"|"acked", "at",
 * "canary": {…}, "acked_by", "acked_at"}). Templates canary_resolved and
 * canary_acked (mrkdwn, built-in wording when absent). Returns the new
 * message (no button: it was acknowledged or is over) and writes the
 * outbox id of the message to edit into target; NULL when the descriptor
 * is not one.
 */
json_t *gw_render_edit(const struct gw_templates *set, const char *descriptor, size_t len,
                       char *target, size_t target_len);

/*
 * RSS item title and description of ticket t at `now` (templates
 * rss_item_title and rss_item_description, GW_ESCAPE_NONE), from one
 * template context: plain text (the feed makes the description HTML with
 * gw_rss_html and the XML writer escapes both). Each is malloc'd, caller
 * frees, NULL when out of memory; either pointer may be NULL.
 */
void gw_render_rss_item(const struct gw_templates *set, const struct gw_ticket *t, int64_t now,
                        char **title, char **description);

/*
 * Description of a digest feed item (template rss_digest_description,
 * GW_ESCAPE_NONE): the open tickets of tickets[0..n) grouped and ordered
 * exactly as gw_digest_build lists them. malloc'd plain text, caller frees;
 * NULL when out of memory.
 */
char *gw_render_rss_digest(const struct gw_templates *set, const struct gw_ticket *tickets,
    size_t n, int64_t now, int64_t sla_warn, int64_t sla_crit);

#endif
