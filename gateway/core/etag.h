/* Feed helpers: validators for conditional GET, digest text. Pure. */
#ifndef GW_FEED_H
#define GW_FEED_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Weak ETag for a feed: W/"<kind>-<version>-<bucket>-<hash of query>".
 * Weak, because item texts such as "SLA: 30h remaining" age within a
 * bucket while the tickets themselves are unchanged. Writes into buf.
 */
const char *gw_feed_etag(const char *kind, int64_t version, int64_t bucket, const char *query,
                         char *buf, size_t len);

/* If-None-Match (a list, "*", weak or strong) matches etag (weak comparison). */
int gw_etag_matches(const char *if_none_match, const char *etag);

/* IMF-fixdate "Sun, 22 Nov 2026 09:00:00 GMT" into buf (>= 30 bytes). */
const char *gw_http_date(int64_t t, char *buf, size_t len);

/*
 * A digest record's Slack messages as simple HTML for a feed description:
 * headers bold, mrkdwn links <url|text> as <a href>, entities decoded then
 * re-escaped. Returns malloc'd HTML (the XML writer escapes it again).
 */
char *gw_digest_html(json_t *messages);

#endif
