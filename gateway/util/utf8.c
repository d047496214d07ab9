#include "gateway/util/utf8.h"

#include <stdlib.h>
#include <string.h>

size_t
gw_utf8_seq_len(const unsigned char *s, size_t len)
{
    unsigned char c = s[0];
    size_t n;
    unsigned cp;

    if (c < 0x80)
        return 1;
    if (c >= 0xC2 && c <= 0xDF) {
        n = 2;
        cp = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
        n = 3;
        cp = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        n = 4;
        cp = c & 0x07;
    } else {
        return 0;
    }
    if (len < n)
        return 0;
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[i] & 0x3F);
    }
    if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10FFFF)) ||
        (cp >= 0xD800 && cp <= 0xDFFF))
        return 0;
    return n;
}

int
gw_utf8_valid(const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    while (i < len) {
        size_t n = gw_utf8_seq_len(p + i, len - i);
        if (n == 0)
            return 0;
        i += n;
    }
    return 1;
}

size_t
gw_utf8_count(const char *s, size_t len)
{
    size_t count = 0;
    for (size_t i = 0; i < len; i++)
        if (((unsigned char)s[i] & 0xC0) != 0x80)
            count++;
    return count;
}

char *
gw_utf8_sanitize(const char *s, size_t len)
{
    static const char replacement[] = "\xEF\xBF\xBD";
    const unsigned char *p = (const unsigned char *)s;
    char *out = malloc(len * 3 + 1), *o = out;
    size_t i = 0;

    if (out == NULL)
        return NULL;
    while (i < len) {
        size_t n = gw_utf8_seq_len(p + i, len - i);
        if (n == 0) {
            memcpy(o, replacement, 3);
            o += 3;
            i++;
        } else {
            memcpy(o, p + i, n);
            o += n;
            i += n;
        }
    }
    *o = '\0';
    return out;
}

char *
gw_utf8_truncate(const char *s, size_t max_chars)
{
    static const char ellipsis[] = "\xE2\x80\xA6";
    size_t len = strlen(s), chars = 0, cut = 0, i = 0;

    if (gw_utf8_count(s, len) <= max_chars)
        return strdup(s);
    /* Keep max_chars - 1 code points, then the ellipsis. */
    while (i < len && chars < max_chars - 1) {
        i++;
        while (i < len && ((unsigned char)s[i] & 0xC0) == 0x80)
            i++;
        chars++;
        cut = i;
    }
    char *out = malloc(cut + sizeof(ellipsis));
    if (out == NULL)
        return NULL;
    memcpy(out, s, cut);
    memcpy(out + cut, ellipsis, sizeof(ellipsis));
    return out;
}

char *
gw_utf8_copy(const char *s)
{
    size_t len = strlen(s);

    return gw_utf8_valid(s, len) ? strdup(s) : gw_utf8_sanitize(s, len);
}

int
gw_utf8_id_valid(const char *id, size_t max)
{
    size_t len = id != NULL ? strlen(id) : 0;
    if (len == 0 || len > max || !gw_utf8_valid(id, len))
        return 0;
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)id[i] < 0x20 || id[i] == 0x7f)
            return 0;
    return 1;
}
