/* Dates and durations: the one module that parses and formats time. Pure. */
#ifndef GW_TIMEUTIL_H
#define GW_TIMEUTIL_H

#include <stddef.h>
#include <stdint.h>

/*
 * Parses an RFC 3339 timestamp ("2026-11-22T09:00:00Z", fractional seconds
 * and numeric offsets accepted) into Unix seconds (fraction truncated).
 * Returns 0 on success, -1 if s is not a valid timestamp or its UTC instant
 * is outside years 0000-9999 (what the formatters below can write).
 */
int gw_time_parse_rfc3339(const char *s, int64_t *out);

/* Room for "2026-11-22T09:00:00Z" and its NUL. */
#define GW_RFC3339_LEN 21
/* Room for "Sun, 22 Nov 2026 09:00:00 +0000" (or "... GMT") and its NUL. */
#define GW_RFC822_DATE_LEN 32

/*
 * The formatters below write UTC with four-digit years and English names
 * whatever the locale. Outside years 0000-9999, or with a buffer shorter
 * than the length named, they write "" (and gw_rfc822_date returns NULL).
 */

/* "YYYY-MM-DDTHH:MM:SSZ" into buf (>= GW_RFC3339_LEN bytes). Returns buf. */
char *gw_time_format_rfc3339(int64_t t, char *buf, size_t len);

/* RFC 822 date-time for RSS, "Sun, 22 Nov 2026 09:00:00 +0000". Returns buf, or NULL. */
char *gw_rfc822_date(int64_t t, char *buf, size_t len);

/* IMF-fixdate for HTTP headers, "Sun, 22 Nov 2026 09:00:00 GMT". Returns buf. */
const char *gw_http_date(int64_t t, char *buf, size_t len);

/*
 * Parses an HTTP-date (RFC 9110 section 5.6.7) in any of its three forms:
 * "Sun, 06 Nov 1994 08:49:37 GMT", "Sunday, 06-Nov-94 08:49:37 GMT" or
 * "Sun Nov  6 08:49:37 1994", into Unix seconds. Returns 0, or -1 if invalid.
 */
int gw_time_parse_http_date(const char *s, int64_t *out);

/*
 * Parses a duration: "90s", "15m", "2h", "3d", "1w" or bare seconds. Returns 0
 * and sets *out (seconds) on success, -1 when invalid, negative or overflowing.
 */
int gw_duration_parse(const char *s, int64_t *out);

/* Parses a byte size: "5MiB", "512KiB", "1GiB", "1MB", "1000" (bytes). */
int gw_size_parse(const char *s, int64_t *out);

/*
 * Writes a duration in its two largest units, dropping a zero second unit:
 * "0s", "45s", "1m 30s", "12m", "1h 5m", "3h", "2d 4h", "3d"; negative
 * values get a leading "-". buf is always NUL-terminated when len > 0;
 * 32 bytes are always enough. Returns buf.
 */
const char *gw_human_duration(int64_t seconds, char *buf, size_t len);

#endif
