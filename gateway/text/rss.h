/*
 * RSS 2.0 documents (docs/api.md "Feeds"): the pure part of the /feeds/ endpoints. The
 * handler fills plain structs; this module writes the XML. Every string is
 * plain text (UTF-8, invalid bytes tolerated) and is escaped here, so text
 * rendered from templates for a feed must not be XML-escaped beforehand.
 */
#ifndef GW_RSS_H
#define GW_RSS_H

#include <stddef.h>
#include <stdint.h>

/* The feed itself. Strings are borrowed for the call; NULL means absent. */
struct gw_rss_channel {
    const char *title;
    const char *link;          /* KAIZEN_PUBLIC_URL */
    const char *description;
    const char *self_url;      /* atom:link rel="self"; omitted when NULL/"" */
    int64_t last_build;        /* Unix seconds; 0: no lastBuildDate */
    int ttl_minutes;           /* <= 0: no ttl */
};

/* One entry. Strings are borrowed for the call; NULL or "" means absent. */
struct gw_rss_item {
    const char *title;         /* always written, empty if absent */
    const char *link;
    const char *guid;          /* ticket id: written with isPermaLink="false" */
    const char *description;   /* always written, empty if absent */
    const char *category;      /* component */
    int64_t pub_date;          /* Unix seconds of the last change; 0: none */
};

/*
 * Builds the whole document: XML declaration, <rss version="2.0"> with the
 * Atom namespace, one <channel> (title, link, description, lastBuildDate,
 * ttl, atom:link) and items[0..n) in the given order (title, link, guid,
 * pubDate, category, description). Channel title, link and description are
 * required by RSS and written even when empty; other absent fields are left
 * out. Linear in the output size.
 *
 * @return a malloc'd NUL-terminated document (caller frees), its length in
 *         *len (len may be NULL); NULL when out of memory or ch is NULL or
 *         items is NULL with n > 0.
 */
char *gw_rss_build(const struct gw_rss_channel *ch, const struct gw_rss_item *items,
                   size_t n, size_t *len);

/*
 * HTML for a <description> from plain text (what the rss_* templates
 * render): & < > " escaped, line breaks as <br/>, http(s) URLs as links.
 * malloc'd (caller frees); NULL when out of memory. text NULL reads as "".
 */
char *gw_rss_html(const char *text);

#endif
