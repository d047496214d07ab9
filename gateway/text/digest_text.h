/*
 * The text of the digest (text/digest_text.c): the renderer interface that
 * gw_digest_build (text/blockkit.h) takes every piece's text from, its
 * built-in wording, and the SLA countdown text and colour emoji that the
 * template renderers use as well. Pure.
 */
#ifndef GW_DIGEST_TEXT_H
#define GW_DIGEST_TEXT_H

#include <stddef.h>
#include <stdint.h>

#include "gateway/core/sla.h"
#include "gateway/core/ticket.h"

/*
 * The digest's text, piece by piece. Each callback returns a malloc'd, NUL-terminated string
 * that the builder frees, or NULL on failure. Strings holding user text must
 * already be escaped for Slack mrkdwn (gw_slack_escape / gw_slack_link);
 * `header` is plain_text and is not escaped. `part` is 1-based.
 *
 * A callback that is NULL, fails or returns "" is replaced by the built-in
 * text for that piece (gw_digest_default_renderer), so a broken template
 * degrades the wording, never the digest. Output that is not valid UTF-8 is
 * repaired, and output over a limit is cut (UTF-8 safe, ending in "…", never
 * inside a <link|label> opener or an &entity;).
 */
struct gw_digest_renderer {
    char *(*header)(void *ctx, size_t open_tickets, size_t components, int part, int parts);
    char *(*component)(void *ctx, const char *component, size_t count);
    /* clock: how a business-hours SLA stands (clock->business 0: on 24x7, or past due) */
    char *(*ticket_line)(void *ctx, const struct gw_ticket *t, int64_t remaining,
                         enum gw_sla_colour colour, const struct gw_sla_status *clock);
    char *(*fallback)(void *ctx, size_t open_tickets, size_t components, int part, int parts);
    /* The last line of a component the digest lists only in part: count
     * tickets left out, url (may be NULL) the component's tickets feed. */
    char *(*more)(void *ctx, const char *component, size_t count, const char *url);
    void *ctx;
    const struct gw_sla_policy *sla;   /* the tickets' SLA clocks; NULL: every one on 24x7 */
};

/* Code points of a ticket title in a digest line. */
#define GW_DIGEST_TITLE_MAX 200

/*
 * Built-in text: header "SLA digest: N open tickets in M components
 * (part i/k)", component "*name* (N open)" ("(no component)" when the ticket
 * has none), ticket line "🔴 <url|title> — SLA breached 3h ago" (title cut to
 * GW_DIGEST_TITLE_MAX; no link when the url is missing, not http(s) or
 * absurdly long; the ticket id stands in for a missing title), more
 * "<url|… and N more>".
 */
extern const struct gw_digest_renderer gw_digest_default_renderer;

/*
 * Writes the SLA countdown into buf (always NUL-terminated when len > 0) and
 * returns buf. Units are truncated towards zero, never rounded up:
 *   remaining >= 72h  "SLA: 5d remaining"        <= -72h "SLA breached 4d ago"
 *   1h .. 72h         "SLA: 30h remaining"       "SLA breached 3h ago"
 *   1m .. 1h          "SLA: 45m remaining"       "SLA breached 12m ago"
 *   under 1m          "SLA: less than 1m remaining"  "SLA breached just now"
 *   0                 "SLA: due now"
 * The text holds no mrkdwn metacharacters. 48 bytes are always enough.
 */
const char *gw_sla_text(int64_t remaining, char *buf, size_t len);

/* A duration in the countdown's units ("5d", "30h", "45m", "less than 1m"); 32 bytes suffice. */
const char *gw_sla_amount(int64_t seconds, char *buf, size_t len);

/*
 * When a paused business clock resumes, on its calendar's wall clock: "Mon
 * 09:00", with the date when it is a week or more ahead ("Mon 2027-01-04
 * 09:00"). "" when the clock is not paused. 32 bytes suffice.
 */
const char *gw_sla_paused_text(const struct gw_sla_status *clock, char *buf, size_t len);

/*
 * The countdown of a business-hours SLA (clock->business): "SLA: 6h
 * business left", and while its calendar is closed ", paused until Mon
 * 09:00". Otherwise gw_sla_text(remaining). 96 bytes suffice.
 */
const char *gw_sla_clock_text(const struct gw_sla_status *clock, int64_t remaining, char *buf,
                              size_t len);

/* "🟢", "🟠", "🔴"; "⚪" for a value outside the enum. Static strings. */
const char *gw_sla_emoji(enum gw_sla_colour c);

#endif
