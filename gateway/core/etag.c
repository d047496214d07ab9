#include "gateway/core/etag.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/buffer.h>

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

const char *
gw_http_date(int64_t t, char *buf, size_t len)
{
    static const char *const days[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static const char *const months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                         "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    time_t tt = (time_t)t;
    struct tm tm;
    if (gmtime_r(&tt, &tm) == NULL) {
        buf[0] = '\0';
        return buf;
    }
    snprintf(buf, len, "%s, %02d %s %04d %02d:%02d:%02d GMT", days[tm.tm_wday], tm.tm_mday,
             months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
    return buf;
}

/* Appends s[0..len) HTML-escaped, decoding Slack's &amp; &lt; &gt; first. */
static void
add_text(struct evbuffer *out, const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (c == '&') {
            if (len - i >= 5 && memcmp(s + i, "&amp;", 5) == 0) {
                i += 4;
            } else if (len - i >= 4 && memcmp(s + i, "&lt;", 4) == 0) {
                c = '<';
                i += 3;
            } else if (len - i >= 4 && memcmp(s + i, "&gt;", 4) == 0) {
                c = '>';
                i += 3;
            }
        }
        switch (c) {
        case '&': evbuffer_add(out, "&amp;", 5); break;
        case '<': evbuffer_add(out, "&lt;", 4); break;
        case '>': evbuffer_add(out, "&gt;", 4); break;
        case '"': evbuffer_add(out, "&quot;", 6); break;
        case '\n': evbuffer_add(out, "<br/>", 5); break;
        default: evbuffer_add(out, &c, 1);
        }
    }
}

/* mrkdwn: text with <url|label> links. */
static void
add_mrkdwn(struct evbuffer *out, const char *s)
{
    while (*s != '\0') {
        const char *lt = strchr(s, '<');
        const char *gt = lt != NULL ? strchr(lt, '>') : NULL;
        if (lt == NULL || gt == NULL) {
            add_text(out, s, strlen(s));
            return;
        }
        add_text(out, s, (size_t)(lt - s));
        const char *bar = memchr(lt, '|', (size_t)(gt - lt));
        const char *url_end = bar != NULL ? bar : gt;
        evbuffer_add(out, "<a href=\"", 9);
        add_text(out, lt + 1, (size_t)(url_end - lt - 1));
        evbuffer_add(out, "\">", 2);
        if (bar != NULL)
            add_text(out, bar + 1, (size_t)(gt - bar - 1));
        else
            add_text(out, lt + 1, (size_t)(gt - lt - 1));
        evbuffer_add(out, "</a>", 4);
        s = gt + 1;
    }
}

char *
gw_digest_html(json_t *messages)
{
    struct evbuffer *out = evbuffer_new();
    size_t i, j;
    json_t *msg, *block;
    char *html;

    if (out == NULL)
        return NULL;
    json_array_foreach(messages, i, msg) {
        json_array_foreach(json_object_get(msg, "blocks"), j, block) {
            const char *type = json_string_value(json_object_get(block, "type"));
            const char *text = json_string_value(
                json_object_get(json_object_get(block, "text"), "text"));
            if (type == NULL || text == NULL)
                continue;
            if (strcmp(type, "header") == 0) {
                if (i > 0)
                    continue; /* parts repeat the header */
                evbuffer_add(out, "<h3>", 4);
                add_text(out, text, strlen(text));
                evbuffer_add(out, "</h3>", 5);
            } else {
                evbuffer_add(out, "<p>", 3);
                add_mrkdwn(out, text);
                evbuffer_add(out, "</p>", 4);
            }
        }
    }
    size_t len = evbuffer_get_length(out);
    html = malloc(len + 1);
    if (html != NULL) {
        evbuffer_remove(out, html, len);
        html[len] = '\0';
    }
    evbuffer_free(out);
    return html;
}
