/* Checked parsing helpers for configuration and URLs. Pure. */
#ifndef GW_PARSE_H
#define GW_PARSE_H

#include <stdarg.h>
#include <stddef.h>

/*
 * The one error formatter: writes a printf-style reason into err[0..errlen)
 * and returns -1. The _at forms put the place first, "<where>: <reason>"
 * ("templates/x.mustache:12", "routes.json: routes[0] (pay)").
 */
int gw_fail(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
int gw_fail_at(char *err, size_t errlen, const char *where, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
int gw_vfail_at(char *err, size_t errlen, const char *where, const char *fmt, va_list ap)
    __attribute__((format(printf, 4, 0)));

/* A whole decimal integer in [min, max] into *out (digits, an optional leading
 * "-", nothing else: no blanks, no "+"); -1 otherwise. */
int gw_parse_long(const char *s, long min, long max, long *out);

/*
 * The decimal digits of v, NUL-terminated, written at the end of out; returns
 * where they start (a hot-path stand-in for snprintf "%lld").
 */
#define GW_INT_TEXT 24
char *gw_int_text(long long v, char out[GW_INT_TEXT]);

#endif
