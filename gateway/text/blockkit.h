/*
 * Slack Block Kit digest builder (SPEC "Digest"). Pure: tickets and a clock
 * in, JSON messages out; no sockets, no Redis. The text of every piece comes
 * from a renderer so user-editable templates can be plugged in.
 *
 * Lengths are measured in UTF-16 code units (gw_slack_len, gateway/slack.h),
 * which is never less than the number of code points, so each limit holds
 * under either count.
 */
#ifndef GW_BLOCKKIT_H
#define GW_BLOCKKIT_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "gateway/text/slack.h"
#include "gateway/core/ticket.h"

/*
 * Text of the digest. Each callback returns a malloc'd, NUL-terminated string
 * that the builder frees, or NULL on failure. Strings holding user text must
 * already be escaped for Slack mrkdwn (gw_slack_escape / gw_slack_link);
 * `header` is plain_text and is not escaped. `part` is 1-based.
 *
 * A callback that is NULL, fails or returns "" is replaced by the built-in
 * text for that piece, so a broken template degrades the wording, never the
 * digest. Output that is not valid UTF-8 is repaired, and output over a limit
 * is cut (UTF-8 safe, ending in "…", never inside a <link|label> opener or an
 * &entity;).
 */
struct gw_digest_renderer {
    char *(*header)(void *ctx, size_t open_tickets, size_t components, int part, int parts);
    char *(*component)(void *ctx, const char *component, size_t count);
    char *(*ticket_line)(void *ctx, const struct gw_ticket *t, int64_t remaining,
                         enum gw_sla_colour colour);
    char *(*fallback)(void *ctx, size_t open_tickets, size_t components, int part, int parts);
    /* The last line of a component the digest lists only in part: count
     * tickets left out, url (may be NULL) the component's tickets feed. */
    char *(*more)(void *ctx, const char *component, size_t count, const char *url);
    void *ctx;
};

/*
 * Built-in text: header "SLA digest: N open tickets in M components
 * (part i/k)", component "*name* (N open)" ("(no component)" when the ticket
 * has none), ticket line "🔴 <url|title> — SLA breached 3h ago" (title cut to
 * GW_DIGEST_TITLE_MAX; no link when the url is missing, not http(s) or
 * absurdly long; the ticket id stands in for a missing title), more
 * "<url|… and N more>".
 */
extern const struct gw_digest_renderer gw_digest_default_renderer;

#define GW_DIGEST_TITLE_MAX 200

/*
 * Builds the digest for `now`: a new JSON array of Slack message objects
 * {"text": fallback, "blocks": [header, section…]}, to be posted in order.
 * Only open tickets are listed, grouped by component, components most urgent
 * first (smallest SLA remaining; tie: name), tickets by SLA remaining (tie:
 * id); each open ticket appears in exactly one line of one message. Several
 * lines share a section; a component that does not fit in one message is
 * continued in the next one under its heading followed by " (cont.)".
 * No open tickets give an empty array (the caller decides whether to post an
 * "all clear"). The caller keeps ownership of tickets; r NULL means the
 * default renderer. Returns NULL on allocation failure.
 */
json_t *gw_digest_build(const struct gw_ticket *tickets, size_t n, int64_t now,
                        int64_t sla_warn, int64_t sla_crit,
                        const struct gw_digest_renderer *r);

/* A digest capped at the most urgent tickets: how many each component has in all. */
struct gw_digest_totals {
    const char *const *components;  /* every component with open tickets */
    const size_t *open;             /* its open tickets, listed or not */
    size_t n;
    const char *feed_url;           /* the tickets feed; NULL: "… and N more" has no link */
};

/*
 * gw_digest_build for a capped listing: tickets[0..n) are the most urgent
 * open ones, totals (may be NULL: the listing is complete) says how many
 * there are. The header counts them all; each component with more ends
 * with a `more` line linking to its feed (feed_url?component=…), and a
 * component with none listed still gets its heading and that line.
 */
json_t *gw_digest_build_capped(const struct gw_ticket *tickets, size_t n,
                               const struct gw_digest_totals *totals, int64_t now,
                               int64_t sla_warn, int64_t sla_crit,
                               const struct gw_digest_renderer *r);

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

/* "🟢", "🟠", "🔴"; "⚪" for a value outside the enum. Static strings. */
const char *gw_sla_emoji(enum gw_sla_colour c);

#endif
