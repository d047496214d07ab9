#include "gateway/text/rss.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gateway/core/dates.h"
#include "gateway/text/escape.h"
#include "gateway/util/buf.h"
#include "gateway/text/xml.h"

#define ATOM_NS "http://www.w3.org/2005/Atom"

static int
present(const char *s)
{
    return s != NULL && s[0] != '\0';
}

/* Writes <name>date</name> unless t is 0 ("none") or out of range. */
static void
write_date(struct gw_xml *x, const char *name, int64_t t)
{
    char date[GW_RFC822_DATE_LEN];

    if (t != 0 && gw_rfc822_date(t, date, sizeof(date)) != NULL)
        gw_xml_element(x, name, date);
}

static void
write_item(struct gw_xml *x, const struct gw_rss_item *it)
{
    gw_xml_open(x, "item");
    gw_xml_element(x, "title", it->title);
    if (present(it->link))
        gw_xml_element(x, "link", it->link);
    if (present(it->guid)) {
        gw_xml_open(x, "guid");
        gw_xml_attr(x, "isPermaLink", "false");
        gw_xml_text(x, it->guid, strlen(it->guid));
        gw_xml_close(x);
    }
    write_date(x, "pubDate", it->pub_date);
    if (present(it->category))
        gw_xml_element(x, "category", it->category);
    gw_xml_element(x, "description", it->description);
    gw_xml_close(x);
}

char *
gw_rss_build(const struct gw_rss_channel *ch, const struct gw_rss_item *items, size_t n,
             size_t *len)
{
    /* A typical ticket item is 300-600 bytes; a hint only, growth is amortised. */
    const size_t item_hint = 512;
    struct gw_xml *x;
    char *doc = NULL;
    char ttl[16];

    if (ch == NULL || (items == NULL && n > 0))
        return NULL;
    if ((x = gw_xml_new(GW_XML_INDENT)) == NULL)
        return NULL;
    /* Errors are sticky in the writer: gw_xml_finish() reports any of them. */
    if (n < SIZE_MAX / item_hint - 1)
        gw_xml_reserve(x, (n + 2) * item_hint);
    gw_xml_declaration(x);
    gw_xml_open(x, "rss");
    gw_xml_attr(x, "version", "2.0");
    gw_xml_attr(x, "xmlns:atom", ATOM_NS);
    gw_xml_open(x, "channel");
    gw_xml_element(x, "title", ch->title);
    gw_xml_element(x, "link", ch->link);
    gw_xml_element(x, "description", ch->description);
    write_date(x, "lastBuildDate", ch->last_build);
    if (ch->ttl_minutes > 0) {
        snprintf(ttl, sizeof(ttl), "%d", ch->ttl_minutes);
        gw_xml_element(x, "ttl", ttl);
    }
    if (present(ch->self_url)) {
        gw_xml_open(x, "atom:link");
        gw_xml_attr(x, "href", ch->self_url);
        gw_xml_attr(x, "rel", "self");
        gw_xml_attr(x, "type", "application/rss+xml");
        gw_xml_close(x);
    }
    for (size_t i = 0; i < n; i++)
        write_item(x, &items[i]);
    gw_xml_close(x);
    gw_xml_close(x);
    doc = gw_xml_finish(x, len);
    gw_xml_free(x);
    return doc;
}

/* Appends s[0..n) HTML-escaped, line breaks as <br/>. */
static void
put_escaped(struct gw_buf *h, const char *p, size_t n, int *oom)
{
    for (size_t i = 0; i < n; i++) {
        const char *entity = gw_escape_entity((unsigned char)p[i], GW_ESCAPE_HTML);
        if (entity != NULL)
            *oom |= gw_buf_str(h, entity) < 0;
        else if (p[i] == '\n')
            *oom |= gw_buf_str(h, "<br/>") < 0;
        else
            *oom |= gw_buf_add(h, p + i, 1) < 0;
    }
}

/* Length of the URL starting at p (0 if none): up to white space or a '<', '>' or '"'. */
static size_t
url_at(const char *p)
{
    size_t n = 0;
    if (strncmp(p, "http://", 7) != 0 && strncmp(p, "https://", 8) != 0)
        return 0;
    while (p[n] != '\0' && p[n] != ' ' && p[n] != '\t' && p[n] != '\n' && p[n] != '\r' &&
           p[n] != '<' && p[n] != '>' && p[n] != '"')
        n++;
    return n;
}

char *
gw_rss_html(const char *text)
{
    struct gw_buf h = {NULL, 0, 0};
    const char *p = text != NULL ? text : "", *run = p;
    int oom = 0;

    while (*p != '\0') {
        size_t n = (p == run || p[-1] == ' ' || p[-1] == '\n' || p[-1] == '(') ? url_at(p) : 0;
        if (n == 0) {
            p++;
            continue;
        }
        put_escaped(&h, run, (size_t)(p - run), &oom);
        oom |= gw_buf_str(&h, "<a href=\"") < 0;
        put_escaped(&h, p, n, &oom);
        oom |= gw_buf_str(&h, "\">") < 0;
        put_escaped(&h, p, n, &oom);
        oom |= gw_buf_str(&h, "</a>") < 0;
        p += n;
        run = p;
    }
    put_escaped(&h, run, (size_t)(p - run), &oom);
    if (oom) {
        free(h.p);
        return NULL;
    }
    return gw_buf_take(&h);
}
