/*
 * Slack text helpers shared by every Slack sink (digest, breach notices,
 * canary pages): mrkdwn escaping, links, length as Slack counts it and
 * cutting to a limit. Pure; every returned string is malloc'd and owned by
 * the caller, and NULL means out of memory.
 *
 * Lengths are measured the way the strictest reading of Slack's limits
 * would: in UTF-16 code units, which is never less than the number of code
 * points, so a limit held in units holds under either count.
 */
#ifndef GW_SLACK_H
#define GW_SLACK_H

#include <stddef.h>

/* Limits every built message respects. */
#define GW_SLACK_MAX_BLOCKS   50
#define GW_SLACK_SECTION_MAX  3000   /* section text, inclusive */
#define GW_SLACK_HEADER_MAX   150    /* header plain_text, inclusive */
#define GW_SLACK_MESSAGE_MAX  12000  /* all text of a message, exclusive */
#define GW_SLACK_VALUE_MAX    150    /* an option's value (a button's may be longer) */
#define GW_SLACK_OPTION_MAX   75     /* an option's plain_text */

/* Escapes Slack mrkdwn: & < > only. s NULL counts as "". malloc'd; NULL on OOM. */
char *gw_slack_escape(const char *s);

/*
 * gw_slack_escape on one line: line breaks and tabs also become spaces.
 * s NULL counts as "". malloc'd; NULL on OOM.
 */
char *gw_slack_escape_line(const char *s);

/*
 * mrkdwn link "<url|label>" for plain (unescaped) label text: the label is
 * escaped, its line breaks become spaces and '|' becomes "∣" (U+2223) so
 * nothing in it can end the link early; in the url '<', '>', '|', spaces,
 * controls and non-ASCII bytes are percent-encoded and '&' is escaped.
 * Without a usable url (NULL, not http:// or https://, or over 1000 bytes
 * encoded) the result is the escaped label alone. malloc'd; NULL on OOM.
 */
char *gw_slack_link(const char *url, const char *label);

/* Length as Slack may count it: UTF-16 code units of valid UTF-8 s. */
size_t gw_slack_len(const char *s);

/*
 * Copy of valid UTF-8 s within max_units (>= 3) UTF-16 code units: s itself
 * when it fits, else cut at a code point boundary and ending in "…".
 * With mrkdwn the cut never leaves half an &entity; (an '&' at most five
 * bytes before the cut with no ';' after it; a lone '&' further back is
 * text) or an unclosed "<url" (dropped), and a cut inside a link label is
 * closed with "…>" (a mrkdwn cut always leaves one unit spare for that '>').
 * The caller keeps s and frees the result; NULL on OOM.
 */
char *gw_slack_cut(const char *s, size_t max_units, int mrkdwn);

#endif
