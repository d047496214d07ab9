#include "gateway/util/parse.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

int
gw_fail(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    return -1;
}

int
gw_vfail_at(char *err, size_t errlen, const char *where, const char *fmt, va_list ap)
{
    int n = snprintf(err, errlen, "%s: ", where);

    if (n >= 0 && (size_t)n < errlen)
        vsnprintf(err + n, errlen - (size_t)n, fmt, ap);
    return -1;
}

int
gw_fail_at(char *err, size_t errlen, const char *where, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    gw_vfail_at(err, errlen, where, fmt, ap);
    va_end(ap);
    return -1;
}

int
gw_parse_long(const char *s, long min, long max, long *out)
{
    char *end;
    /* strtol would skip leading blanks and take a '+': " 5" is no integer. */
    if (!(isdigit((unsigned char)s[0]) || (s[0] == '-' && isdigit((unsigned char)s[1]))))
        return -1;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0' || v < min || v > max)
        return -1;
    *out = v;
    return 0;
}

char *
gw_int_text(long long v, char out[GW_INT_TEXT])
{
    char *p = out + GW_INT_TEXT - 1;
    unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;

    *p = '\0';
    do {
        *--p = (char)('0' + u % 10);
        u /= 10;
    } while (u != 0);
    if (v < 0)
        *--p = '-';
    return p;
}
