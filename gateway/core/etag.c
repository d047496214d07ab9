#include "gateway/core/etag.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>


const char *
gw_feed_etag(const char *kind, int64_t version, int64_t bucket, const char *query, char *buf,
             size_t len)
{
    uint64_t h = 1469598103934665603ULL; /* FNV-1a */
    for (const unsigned char *p = (const unsigned char *)(query ? query : ""); *p; p++) {
        h ^= *p;
        h *= 1099511628211ULL;
    }
    snprintf(buf, len, "W/\"%s-%lld-%lld-%016llx\"", kind, (long long)version, (long long)bucket,
             (unsigned long long)h);
    return buf;
}

/* The opaque part of an entity tag, without W/ and quotes. */
static size_t
opaque(const char *tag, const char **start)
{
    if (strncmp(tag, "W/", 2) == 0)
        tag += 2;
    if (*tag != '"')
        return 0;
    const char *end = strchr(tag + 1, '"');
    if (end == NULL)
        return 0;
    *start = tag + 1;
    return (size_t)(end - tag - 1);
}

int
gw_etag_matches(const char *if_none_match, const char *etag)
{
    const char *want, *p = if_none_match;
    size_t want_len = opaque(etag, &want);

    if (p == NULL || want_len == 0)
        return 0;
    while (*p != '\0') {
        const char *got;
        size_t got_len;
        while (*p == ' ' || *p == ',' || *p == '\t')
            p++;
        if (*p == '*')
            return 1;
        got_len = opaque(p, &got);
        if (got_len == 0)
            return 0;
        if (got_len == want_len && memcmp(got, want, want_len) == 0)
            return 1;
        p = got + got_len + 1;
    }
    return 0;
}
