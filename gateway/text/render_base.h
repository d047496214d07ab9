/*
 * Template-backed texts (templates/README.md): every user-visible text comes
 * from a Mustache template in KAIZEN_TEMPLATES_DIR, while the structure
 * around it (Block Kit blocks, JSON, XML) is built in code. Pure: tickets,
 * canaries and a clock in, strings and JSON out.
 *
 * Each text builds the template's variables (templates/README.md lists
 * them), renders with the escaping of its sink and falls back to a built-in
 * text when the template is missing, fails or renders only blanks, so a
 * broken template degrades the wording, never the message. Rendered text is
 * trimmed of leading and trailing blanks, repaired to valid UTF-8 and cut
 * to the sink's limit (UTF-8 safe, ending in "…").
 *
 * This header is what every such text builds on (text/render.c,
 * render_breach.c, render_rss.c): a template's text with its built-in
 * wording, the variables of a ticket, and the Slack message that canary
 * pages and breach notices share, Acknowledge button included.
 */
#ifndef GW_RENDER_BASE_H
#define GW_RENDER_BASE_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "gateway/core/ticket.h"
#include "gateway/text/digest_text.h"
#include "gateway/text/mustache.h"

/* Code points of one user string (title, component, service…) in a Slack or pager text. */
#define GW_RENDER_FIELD_MAX GW_DIGEST_TITLE_MAX
/* Passed as a field limit: keep the string whole and its line breaks (feeds). */
#define GW_RENDER_FIELD_WHOLE 0

/*
 * Text of template name rendered with ctx (borrowed), else of its built-in
 * wording; trimmed of blanks at both ends and repaired to valid UTF-8.
 * set may be NULL (built-in wording only). malloc'd, caller frees; NULL when
 * neither gives any text, ctx is NULL or memory ran out.
 */
char *gw_render_text(const struct gw_templates *set, const char *name, json_t *ctx,
                     enum gw_escape esc);

/*
 * Takes s over and returns it trimmed of blanks at both ends and repaired to
 * valid UTF-8, or NULL when s is NULL or holds only blanks (or on OOM).
 */
char *gw_render_tidy(char *s);

/* Line breaks and tabs of s become spaces, in place. */
void gw_render_flatten(char *s);

/*
 * Sets obj[key] to s (NULL reads as ""), repaired to valid UTF-8. With a
 * limit (code points) it is also flattened to one line and cut to it;
 * GW_RENDER_FIELD_WHOLE keeps it whole. -1 on OOM.
 */
int gw_render_set_text(json_t *obj, const char *key, const char *s, size_t limit);

/* Sets obj[key] to RFC 3339 of t, "" for 0 (none); -1 on OOM. */
int gw_render_set_time(json_t *obj, const char *key, int64_t t);

/* Sets obj[key] to a human duration ("3h 5m") of seconds; -1 on OOM. */
int gw_render_set_duration(json_t *obj, const char *key, int64_t seconds);

/*
 * Variables of ticket t whose SLA has `remaining` seconds left (for an open
 * ticket; a resolved one is judged at resolved_at). emoji NULL leaves it out;
 * slack adds the mrkdwn `link` and keeps user strings to one short line.
 * clock (may be NULL: 24x7) is how a business-hours SLA stands: it sets
 * business_left and paused_until and words sla_text. A new object the
 * caller owns; NULL on OOM.
 */
json_t *gw_render_ticket_context(const struct gw_ticket *t, int64_t remaining, const char *emoji,
                                 int slack, const struct gw_sla_status *clock);

/*
 * A new Slack message {"text": …, "blocks": [section mrkdwn]} of template
 * name rendered with ctx (taken over; NULL fails) under GW_ESCAPE_SLACK,
 * its text cut to GW_SLACK_SECTION_MAX. The caller owns it; NULL on OOM.
 */
json_t *gw_render_slack_message(const struct gw_templates *set, const char *name, json_t *ctx);

/*
 * Adds the Acknowledge button to a Slack message from the render functions:
 * an actions block whose button has action_id GW_ACK_ACTION and value
 * (what POST /webhooks/slack acknowledges, e.g. "canary:<id>", at most
 * 2000 characters). Returns 0, or -1 when out of memory or value is too long.
 */
#define GW_ACK_ACTION "kz_ack"
int gw_render_add_ack_button(json_t *msg, const char *value);

#endif
