/*
 * Escaping text for the sink it is written into: HTML (what the Mustache
 * spec expects), Slack mrkdwn, XML, or none. Pure; only the markup
 * characters are replaced, every other byte is copied as is. Sinks with
 * stricter needs (the XML writer also drops forbidden characters and
 * repairs UTF-8) build on gw_escape_entity().
 */
#ifndef GW_ESCAPE_H
#define GW_ESCAPE_H

#include <stddef.h>

/* How `{{x}}` escapes for its sink; `{{{x}}}` and `{{&x}}` never escape. */
enum gw_escape {
    GW_ESCAPE_HTML,     /* & < > "   (what the Mustache spec expects) */
    GW_ESCAPE_SLACK,    /* & < >     (Slack mrkdwn control characters) */
    GW_ESCAPE_XML,      /* & < > " ' */
    GW_ESCAPE_NONE
};

/* The entity (a static string) that replaces byte c under esc, or NULL when c is copied as is. */
const char *gw_escape_entity(unsigned char c, enum gw_escape esc);

struct gw_buf;

/* Appends s[0..len) escaped for esc to b; -1 when out of memory (b then holds part of it). */
int gw_escape_append(struct gw_buf *b, const char *s, size_t len, enum gw_escape esc);

/* Returns a malloc'd, NUL-terminated copy of s[0..len) escaped for esc, or NULL when out of memory. */
char *gw_escape_text(const char *s, size_t len, enum gw_escape esc);

/* s percent-encoded for a URL query value (all but A-Z a-z 0-9 - . _ ~). malloc'd; NULL on OOM. */
char *gw_url_query_escape(const char *s);

#endif
