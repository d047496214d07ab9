/* Checked parsing helpers for configuration and URLs. Pure. */
#ifndef GW_PARSE_H
#define GW_PARSE_H

#include <stddef.h>

/* Writes a printf-style reason into err[0..errlen) and returns -1. */
int gw_fail(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

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
