/* UTF-8 helpers shared by every text sink (Slack, PagerDuty, RSS). Pure. */
#ifndef GW_UTF8_H
#define GW_UTF8_H

#include <stddef.h>

/* Length in bytes of the valid UTF-8 sequence at s[0..len), or 0 if invalid. */
size_t gw_utf8_seq_len(const unsigned char *s, size_t len);

/* 1 if s[0..len) is entirely valid UTF-8 (no overlongs, no surrogates). */
int gw_utf8_valid(const char *s, size_t len);

/* Number of code points in valid UTF-8 s[0..len). */
size_t gw_utf8_count(const char *s, size_t len);

/*
 * Returns a malloc'd copy of s[0..len) where each invalid byte is replaced
 * by U+FFFD. The result is always valid UTF-8 and NUL-terminated.
 */
char *gw_utf8_sanitize(const char *s, size_t len);

/*
 * Returns a malloc'd copy of valid UTF-8 s holding at most max_chars code
 * points; when s is longer it is cut at a code point boundary and ends in
 * "…" (which counts towards max_chars). max_chars >= 1.
 */
char *gw_utf8_truncate(const char *s, size_t max_chars);

/* A malloc'd copy of s that is valid UTF-8 whatever s holds (invalid bytes become U+FFFD). */
char *gw_utf8_copy(const char *s);

/* 1 when id is a usable identifier: 1..max bytes of valid UTF-8, no control characters. */
int gw_utf8_id_valid(const char *id, size_t max);

#endif
