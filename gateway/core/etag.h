/* Validators for conditional GETs (ETag, If-None-Match). Pure. */
#ifndef GW_FEED_H
#define GW_FEED_H

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

#endif
