#include "gateway/text/slack.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "gateway/util/utf8.h"

/* Longest url, encoded, that still makes a link. */
#define URL_MAX 1000

static const char ellipsis[] = "\xE2\x80\xA6";

/* Escaping modes on top of & < >. */
#define ESC_FLAT 1   /* line breaks and tabs become spaces */
#define ESC_PIPE 2   /* '|' becomes U+2223 so it cannot split a link */

/* Writes s escaped to dst unless dst is NULL; returns the escaped length. */
static size_t
escape_to(char *dst, const char *s, unsigned flags)
{
    size_t len = 0;

    for (; *s != '\0'; s++) {
        const char *rep = NULL;
        switch (*s) {
        case '&': rep = "&amp;"; break;
        case '<': rep = "&lt;"; break;
        case '>': rep = "&gt;"; break;
        case '|': rep = (flags & ESC_PIPE) ? "\xE2\x88\xA3" : NULL; break;
        case '\n': case '\r': case '\t': rep = (flags & ESC_FLAT) ? " " : NULL; break;
        default: break;
        }
        size_t n = rep != NULL ? strlen(rep) : 1;
        if (dst != NULL)
            memcpy(dst + len, rep != NULL ? rep : s, n);
        len += n;
    }
    return len;
}

static char *
escape_dup(const char *s, unsigned flags)
{
    size_t len;
    char *out;

    if (s == NULL)
        s = "";
    len = escape_to(NULL, s, flags);
    if ((out = malloc(len + 1)) == NULL)
        return NULL;
    escape_to(out, s, flags);
    out[len] = '\0';
    return out;
}

char *
gw_slack_escape(const char *s)
{
    return escape_dup(s, 0);
}

char *
gw_slack_escape_line(const char *s)
{
    return escape_dup(s, ESC_FLAT);
}

static int
is_web_url(const char *url)
{
    return url != NULL &&
           ((strncasecmp(url, "https://", 8) == 0 && url[8] != '\0') ||
            (strncasecmp(url, "http://", 7) == 0 && url[7] != '\0'));
}

/* Writes url made safe inside "<url|…>" to dst unless dst is NULL; returns its length. */
static size_t
encode_url_to(char *dst, const char *url)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t len = 0;

    for (const unsigned char *p = (const unsigned char *)url; *p != '\0'; p++) {
        char esc[3] = {'%', hex[*p >> 4], hex[*p & 0xF]};
        const char *rep = (const char *)p;
        size_t n = 1;
        if (*p == '&') {
            rep = "&amp;";
            n = 5;
        } else if (*p <= ' ' || *p >= 0x7F || *p == '<' || *p == '>' || *p == '|') {
            rep = esc;
            n = sizeof(esc);
        }
        if (dst != NULL)
            memcpy(dst + len, rep, n);
        len += n;
    }
    return len;
}

char *
gw_slack_link(const char *url, const char *label)
{
    size_t url_len, label_len;
    char *out, *p;

    if (label == NULL)
        label = "";
    if (!is_web_url(url) || (url_len = encode_url_to(NULL, url)) > URL_MAX)
        return escape_dup(label, ESC_FLAT);
    label_len = *label != '\0' ? 1 + escape_to(NULL, label, ESC_FLAT | ESC_PIPE) : 0;
    if ((out = malloc(1 + url_len + label_len + 2)) == NULL)
        return NULL;
    p = out;
    *p++ = '<';
    p += encode_url_to(p, url);
    if (*label != '\0') {
        *p++ = '|';
        p += escape_to(p, label, ESC_FLAT | ESC_PIPE);
    }
    *p++ = '>';
    *p = '\0';
    return out;
}

size_t
gw_slack_len(const char *s)
{
    size_t units = 0;

    for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; p++) {
        if ((*p & 0xC0) != 0x80)
            units++;
        if (*p >= 0xF0)   /* beyond the BMP: a surrogate pair in UTF-16 */
            units++;
    }
    return units;
}

/* Number of leading code points of valid UTF-8 s fitting in max_units. */
static size_t
fitting_chars(const char *s, size_t max_units)
{
    size_t units = 0, chars = 0;

    for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; p++) {
        if ((*p & 0xC0) == 0x80)
            continue;
        size_t u = *p >= 0xF0 ? 2 : 1;
        if (units + u > max_units)
            break;
        units += u;
        chars++;
    }
    return chars;
}

static char *
cut_plain(const char *s, size_t max_units)
{
    size_t kept = fitting_chars(s, max_units - 1), total = gw_utf8_count(s, strlen(s));

    /* gw_utf8_truncate(s, k) keeps k - 1 code points and adds "…", but only
     * when s has more than k of them. */
    return gw_utf8_truncate(s, kept + 1 < total ? kept + 1 : kept);
}

static char *
cut_mrkdwn(const char *s, size_t max_units)
{
    size_t len = strlen(s), units = 0, keep = 0, seq;
    const char *amp = NULL, *semi = NULL, *lt = NULL, *gt = NULL, *bar = NULL;
    int close_link = 0;
    char *out;

    /* Leave room for the ellipsis and a closing '>'. */
    for (size_t i = 0; i < len; i += seq) {
        size_t u;
        if ((seq = gw_utf8_seq_len((const unsigned char *)s + i, len - i)) == 0)
            seq = 1;
        u = seq == 4 ? 2 : 1;
        if (units + u > max_units - 2)
            break;
        units += u;
        keep = i + seq;
    }
    for (size_t i = 0; i < keep; i++) {
        switch (s[i]) {
        case '&': amp = s + i; break;
        case ';': semi = s + i; break;
        case '<': lt = s + i; bar = NULL; break;
        case '>': gt = s + i; break;
        case '|': bar = s + i; break;
        default: break;
        }
    }
    if (lt != NULL && (gt == NULL || gt < lt)) {
        if (bar != NULL)
            close_link = 1;
        else
            keep = (size_t)(lt - s);
    }
    /* An &entity; is at most "&amp;"-short; a lone '&' further back is text. */
    if (amp != NULL && (semi == NULL || semi < amp) && amp < s + keep &&
        (size_t)(s + keep - amp) < 6)
        keep = (size_t)(amp - s);
    if ((out = malloc(keep + sizeof(ellipsis) + 1)) == NULL)
        return NULL;
    memcpy(out, s, keep);
    memcpy(out + keep, ellipsis, sizeof(ellipsis));
    if (close_link)
        memcpy(out + keep + sizeof(ellipsis) - 1, ">", 2);
    return out;
}

char *
gw_slack_cut(const char *s, size_t max_units, int mrkdwn)
{
    if (gw_slack_len(s) <= max_units)
        return strdup(s);
    return mrkdwn ? cut_mrkdwn(s, max_units) : cut_plain(s, max_units);
}
