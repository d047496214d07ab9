/*
 * Slack Block Kit digest builder (docs/operations.md "Digests and SLA
 * breaches"). Pure: tickets and a clock in, JSON messages out; no sockets, no Redis. The text of every piece comes
 * from a renderer (text/digest_text.h) so user-editable templates can be
 * plugged in.
 *
 * Lengths are measured in UTF-16 code units (gw_slack_len, text/slack.h),
 * which is never less than the number of code points, so each limit holds
 * under either count.
 */
#ifndef GW_BLOCKKIT_H
#define GW_BLOCKKIT_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "gateway/core/ticket.h"
#include "gateway/text/digest_text.h"    /* struct gw_digest_renderer */
#include "gateway/text/slack.h"

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
 * Messages of lines[0..n) in order (each cut to a section's room, UTF-8
 * safe), packed into mrkdwn sections: every line in exactly one message,
 * ≤ GW_SLACK_MAX_BLOCKS blocks and under GW_SLACK_MESSAGE_MAX of text each;
 * footer (may be NULL) ends the last message in a section of its own. Each
 * message opens with a header block and has a fallback text, from header
 * and fallback (malloc'd text, cut here) called with its part number (from
 * 1) and the number of parts. A new array; NULL on allocation failure.
 */
typedef char *(*gw_part_text_fn)(void *ctx, int part, int parts);
json_t *gw_blocks_lines(char *const *lines, size_t n, const char *footer, gw_part_text_fn header,
                        gw_part_text_fn fallback, void *ctx);

#endif
