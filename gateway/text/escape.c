#include "gateway/text/escape.h"

#include <stdlib.h>
#include <string.h>

#include "gateway/util/buf.h"

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

int
gw_escape_append(struct gw_buf *b, const char *s, size_t len, enum gw_escape esc)
{
    size_t run = 0;     /* s[run..i) is copied as is */

    for (size_t i = 0; i < len; i++) {
        const char *e = gw_escape_entity((unsigned char)s[i], esc);
        if (e == NULL)
            continue;
        if (gw_buf_add(b, s + run, i - run) < 0 || gw_buf_str(b, e) < 0)
            return -1;
        run = i + 1;
    }
    return run < len ? gw_buf_add(b, s + run, len - run) : 0;
}

char *
gw_escape_text(const char *s, size_t len, enum gw_escape esc)
{
    struct gw_buf b = {0};

    if (gw_buf_reserve(&b, len) < 0 || gw_escape_append(&b, s, len, esc) < 0) {
        free(b.p);
        return NULL;
    }
    return gw_buf_take(&b);
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
