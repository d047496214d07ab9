#include "gateway/text/escape.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

const char *
gw_escape_entity(unsigned char c, enum gw_escape esc)
{
    if (esc == GW_ESCAPE_NONE)
        return NULL;
    switch (c) {
    case '&':
        return "&amp;";
    case '<':
        return "&lt;";
    case '>':
        return "&gt;";
    case '"':
        return esc == GW_ESCAPE_SLACK ? NULL : "&quot;";
    case '\'':
        return esc == GW_ESCAPE_XML ? "&apos;" : NULL;
    default:
        return NULL;
    }
}

/* Sizes the output first so the text is written with a single allocation. */
char *
gw_escape_text(const char *s, size_t len, enum gw_escape esc)
{
    size_t out_len = 0;
    char *out, *w;

    for (size_t i = 0; i < len; i++) {
        const char *e = gw_escape_entity((unsigned char)s[i], esc);
        size_t n = e != NULL ? strlen(e) : 1;
        if (out_len > SIZE_MAX - 1 - n)
            return NULL;
        out_len += n;
    }
    if ((out = malloc(out_len + 1)) == NULL)
        return NULL;
    w = out;
    for (size_t i = 0; i < len; i++) {
        const char *e = gw_escape_entity((unsigned char)s[i], esc);
        if (e == NULL) {
            *w++ = s[i];
        } else {
            size_t n = strlen(e);
            memcpy(w, e, n);
            w += n;
        }
    }
    *w = '\0';
    return out;
}

char *
gw_url_query_escape(const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t n = strlen(s != NULL ? s : "");
    char *out = malloc(3 * n + 1), *o = out;

    if (out == NULL)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
            c == '-' || c == '.' || c == '_' || c == '~') {
            *o++ = (char)c;
        } else {
            *o++ = '%';
            *o++ = hex[c >> 4];
            *o++ = hex[c & 15];
        }
    }
    *o = '\0';
    return out;
}
