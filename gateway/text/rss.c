#include "gateway/text/rss.h"

#include <stdio.h>
#include <string.h>

#include "gateway/text/xml.h"

#define ATOM_NS "http://www.w3.org/2005/Atom"

/* Unix seconds of 0000-01-01T00:00:00Z and of 9999-12-31T23:59:59Z. */
#define RFC822_MIN (-62167219200LL)
#define RFC822_MAX 253402300799LL

/* Civil date of a day count since 1970-01-01, proleptic Gregorian (Howard
 * Hinnant's civil_from_days); the inverse of timeutil's days_from_civil. */
static void
civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
    z += 719468;
    const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const unsigned doe = (unsigned)(z - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;

    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = (int64_t)yoe + era * 400 + (*m <= 2);
}

/* Writes v (< 10^width) as width decimal digits; returns the end. */
static char *
put_digits(char *p, unsigned v, int width)
{
    for (int i = width - 1; i >= 0; i--, v /= 10)
        p[i] = (char)('0' + v % 10);
    return p + width;
}

static char *
put_str(char *p, const char *s, size_t n)
{
    memcpy(p, s, n);
    return p + n;
}

char *
gw_rfc822_date(int64_t t, char *buf, size_t len)
{
    /* Fixed English names: strftime's %a and %b follow LC_TIME. */
    static const char days[][4] = { "Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed" };
    static const char months[][4] = {
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"
    };
    int64_t day, secs, year, weekday;
    unsigned month, mday;
    char *p = buf;

    if (len > 0)
        buf[0] = '\0';
    if (len < GW_RFC822_DATE_LEN || t < RFC822_MIN || t > RFC822_MAX)
        return NULL;
    day = t / 86400;
    secs = t % 86400;
    if (secs < 0) {
        secs += 86400;
        day--;
    }
    weekday = day % 7;          /* day 0, 1970-01-01, was a Thursday */
    if (weekday < 0)
        weekday += 7;
    civil_from_days(day, &year, &month, &mday);
    /* Formatted by hand: this runs once per feed item, and snprintf was a
     * sixth of the build time. */
    p = put_str(p, days[weekday], 3);
    p = put_str(p, ", ", 2);
    p = put_digits(p, mday, 2);
    *p++ = ' ';
    p = put_str(p, months[month - 1], 3);
    *p++ = ' ';
    p = put_digits(p, (unsigned)year, 4);
    *p++ = ' ';
    p = put_digits(p, (unsigned)(secs / 3600), 2);
    *p++ = ':';
    p = put_digits(p, (unsigned)(secs / 60 % 60), 2);
    *p++ = ':';
    p = put_digits(p, (unsigned)(secs % 60), 2);
    put_str(p, " +0000", 7);     /* with the NUL */
    return buf;
}

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
