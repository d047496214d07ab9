#include "gateway/core/dates.h"

#include <ctype.h>
#include <inttypes.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

/* Days since 1970-01-01 for a proleptic Gregorian date (Howard Hinnant). */
static int64_t
days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    const int64_t era = (y >= 0 ? y : y - 399) / 400;
    const unsigned yoe = (unsigned)(y - era * 400);
    const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

static int
read_digits(const char **p, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (!isdigit((unsigned char)(*p)[i]))
            return -1;
        v = v * 10 + ((*p)[i] - '0');
    }
    *p += n;
    *out = v;
    return 0;
}

/* Days in month mo (1-12) of year y; 0 when mo is out of range. */
static int
days_in_month(int y, int mo)
{
    static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

    if (mo < 1 || mo > 12)
        return 0;
    if (mo == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
        return 29;
    return mdays[mo - 1];
}

/* Unix seconds of 0000-01-01T00:00:00Z and of 9999-12-31T23:59:59Z. */
#define FORMAT_MIN (-62167219200LL)
#define FORMAT_MAX 253402300799LL

int
gw_time_parse_rfc3339(const char *s, int64_t *out)
{
    int y, mo, d, h, mi, sec, oh = 0, om = 0, sign = 0;
    const char *p = s;

    if (s == NULL)
        return -1;
    if (read_digits(&p, 4, &y) || *p++ != '-' || read_digits(&p, 2, &mo) ||
        *p++ != '-' || read_digits(&p, 2, &d) || (*p != 'T' && *p != 't' && *p != ' '))
        return -1;
    p++;
    if (read_digits(&p, 2, &h) || *p++ != ':' || read_digits(&p, 2, &mi) ||
        *p++ != ':' || read_digits(&p, 2, &sec))
        return -1;
    if (*p == '.') {
        p++;
        if (!isdigit((unsigned char)*p))
            return -1;
        while (isdigit((unsigned char)*p))
            p++;
    }
    if (*p == 'Z' || *p == 'z') {
        p++;
    } else if (*p == '+' || *p == '-') {
        sign = *p++ == '-' ? -1 : 1;
        if (read_digits(&p, 2, &oh) || *p++ != ':' || read_digits(&p, 2, &om))
            return -1;
    } else {
        return -1;
    }
    if (*p != '\0' || d < 1 || d > days_in_month(y, mo) ||
        h > 23 || mi > 59 || sec > 60 || oh > 23 || om > 59)
        return -1;
    int64_t t = days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400 + h * 3600 +
                mi * 60 + sec - sign * (oh * 3600 + om * 60);
    /* "0000-01-01T00:00:00+01:00" is in year -1 and "9999-12-31T23:59:59-01:00"
     * in 10000 (UTC): neither could be written back as RFC 3339. */
    if (t < FORMAT_MIN || t > FORMAT_MAX)
        return -1;
    *out = t;
    return 0;
}

/* Civil date of a day count since 1970-01-01, proleptic Gregorian (Howard
 * Hinnant's civil_from_days): the inverse of days_from_civil. */
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


struct civil {
    unsigned year, month, day, hour, minute, second, weekday; /* weekday 0 = Sunday */
};

/* Splits t into UTC fields; -1 outside years 0000-9999 (four-digit formats only). */
static int
split(int64_t t, struct civil *c)
{
    int64_t day, secs, year;

    if (t < FORMAT_MIN || t > FORMAT_MAX)
        return -1;
    day = t / 86400;
    secs = t % 86400;
    if (secs < 0) {
        secs += 86400;
        day--;
    }
    civil_from_days(day, &year, &c->month, &c->day);
    c->year = (unsigned)year;
    c->hour = (unsigned)(secs / 3600);
    c->minute = (unsigned)(secs / 60 % 60);
    c->second = (unsigned)(secs % 60);
    c->weekday = (unsigned)(((day % 7) + 11) % 7); /* 1970-01-01 was a Thursday */
    return 0;
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
gw_time_format_rfc3339(int64_t t, char *buf, size_t len)
{
    struct civil c;
    char *p = buf;

    if (len > 0)
        buf[0] = '\0';
    if (len < GW_RFC3339_LEN || split(t, &c) != 0)
        return buf;
    p = put_digits(p, c.year, 4);
    *p++ = '-';
    p = put_digits(p, c.month, 2);
    *p++ = '-';
    p = put_digits(p, c.day, 2);
    *p++ = 'T';
    p = put_digits(p, c.hour, 2);
    *p++ = ':';
    p = put_digits(p, c.minute, 2);
    *p++ = ':';
    p = put_digits(p, c.second, 2);
    put_str(p, "Z", 2);
    return buf;
}

/* "Sun, 22 Nov 2026 09:00:00 " + zone: the shape shared by RFC 822 and IMF-fixdate. */
static char *
format_822(int64_t t, const char *zone, char *buf, size_t len)
{
    /* Fixed English names: strftime's %a and %b follow LC_TIME. */
    static const char days[][4] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static const char months[][4] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                     "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    struct civil c;
    char *p = buf;

    if (len > 0)
        buf[0] = '\0';
    if (len < GW_RFC822_DATE_LEN || split(t, &c) != 0)
        return NULL;
    /* Formatted by hand: this runs once per feed item, and snprintf was a
     * sixth of the feed's build time. */
    p = put_str(p, days[c.weekday], 3);
    p = put_str(p, ", ", 2);
    p = put_digits(p, c.day, 2);
    *p++ = ' ';
    p = put_str(p, months[c.month - 1], 3);
    *p++ = ' ';
    p = put_digits(p, c.year, 4);
    *p++ = ' ';
    p = put_digits(p, c.hour, 2);
    *p++ = ':';
    p = put_digits(p, c.minute, 2);
    *p++ = ':';
    p = put_digits(p, c.second, 2);
    *p++ = ' ';
    put_str(p, zone, strlen(zone) + 1);
    return buf;
}

char *
gw_rfc822_date(int64_t t, char *buf, size_t len)
{
    return format_822(t, "+0000", buf, len);
}

const char *
gw_http_date(int64_t t, char *buf, size_t len)
{
    format_822(t, "GMT", buf, len);
    return buf;
}

static int
read_literal(const char **p, const char *lit)
{
    size_t n = strlen(lit);
    if (strncmp(*p, lit, n) != 0)
        return -1;
    *p += n;
    return 0;
}

/* An English three-letter month name (HTTP dates are never localized): 1-12. */
static int
read_month(const char **p, int *out)
{
    static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";

    for (int i = 0; i < 12; i++) {
        if (strncmp(*p, months + 3 * i, 3) == 0) {
            *p += 3;
            *out = i + 1;
            return 0;
        }
    }
    return -1;
}

static int
read_clock(const char **p, int *h, int *mi, int *sec)
{
    if (read_digits(p, 2, h) || read_literal(p, ":") || read_digits(p, 2, mi) ||
        read_literal(p, ":") || read_digits(p, 2, sec))
        return -1;
    return *h > 23 || *mi > 59 || *sec > 60 ? -1 : 0;
}

int
gw_time_parse_http_date(const char *s, int64_t *out)
{
    int y, mo, d, h, mi, sec;
    const char *p = s;

    if (s == NULL)
        return -1;
    /* The weekday name is redundant with the date; only its shape is checked. */
    while (isalpha((unsigned char)*p))
        p++;
    if (p - s < 3)
        return -1;
    if (read_literal(&p, ", ") == 0) {
        if (read_digits(&p, 2, &d))
            return -1;
        if (read_literal(&p, " ") == 0) {
            if (read_month(&p, &mo) || read_literal(&p, " ") || read_digits(&p, 4, &y))
                return -1;
        } else {
            /* RFC 850's two-digit year: 70-99 are 19xx, the rest 20xx. */
            if (read_literal(&p, "-") || read_month(&p, &mo) || read_literal(&p, "-") ||
                read_digits(&p, 2, &y))
                return -1;
            y += y < 70 ? 2000 : 1900;
        }
        if (read_literal(&p, " ") || read_clock(&p, &h, &mi, &sec) || read_literal(&p, " GMT"))
            return -1;
    } else {
        /* asctime: the day is space-padded. */
        if (read_literal(&p, " ") || read_month(&p, &mo) || read_literal(&p, " "))
            return -1;
        if (read_literal(&p, " ") == 0 ? read_digits(&p, 1, &d) : read_digits(&p, 2, &d))
            return -1;
        if (read_literal(&p, " ") || read_clock(&p, &h, &mi, &sec) || read_literal(&p, " ") ||
            read_digits(&p, 4, &y))
            return -1;
    }
    if (*p != '\0' || d < 1 || d > days_in_month(y, mo))
        return -1;
    *out = days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400 + h * 3600 + mi * 60 + sec;
    return 0;
}

/* Parses a non-negative decimal integer prefix; returns the rest or NULL. */
static const char *
parse_count(const char *s, int64_t *out)
{
    char *end;

    if (!isdigit((unsigned char)*s))
        return NULL;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno != 0 || v < 0)
        return NULL;
    *out = v;
    return end;
}

struct unit {
    const char *name;
    int64_t mult;
};

/* A non-negative count followed by one of units[0..n); -1 on overflow or anything else. */
static int
parse_with_unit(const char *s, const struct unit *units, size_t n, int64_t *out)
{
    int64_t v;
    const char *rest;

    if (s == NULL || (rest = parse_count(s, &v)) == NULL)
        return -1;
    for (size_t i = 0; i < n; i++) {
        if (strcmp(rest, units[i].name) == 0) {
            if (v > INT64_MAX / units[i].mult)
                return -1;
            *out = v * units[i].mult;
            return 0;
        }
    }
    return -1;
}

int
gw_duration_parse(const char *s, int64_t *out)
{
    static const struct unit units[] = {
        {"", 1}, {"s", 1}, {"m", 60}, {"h", 3600}, {"d", 86400}, {"w", 604800},
    };
    return parse_with_unit(s, units, sizeof(units) / sizeof(units[0]), out);
}

int
gw_size_parse(const char *s, int64_t *out)
{
    static const struct unit units[] = {
        {"", 1}, {"B", 1}, {"KiB", 1024}, {"MiB", 1024 * 1024},
        {"GiB", 1024LL * 1024 * 1024}, {"KB", 1000}, {"MB", 1000 * 1000},
        {"GB", 1000LL * 1000 * 1000}, {"k", 1024}, {"K", 1024}, {"M", 1024 * 1024},
    };
    return parse_with_unit(s, units, sizeof(units) / sizeof(units[0]), out);
}

const char *
gw_human_duration(int64_t seconds, char *buf, size_t len)
{
    static const struct {
        uint64_t size;
        char unit;
    } units[] = {{86400, 'd'}, {3600, 'h'}, {60, 'm'}, {1, 's'}};
    uint64_t mag = seconds < 0 ? (uint64_t)0 - (uint64_t)seconds : (uint64_t)seconds, lo;
    const char *sign = seconds < 0 ? "-" : "";
    size_t i = 0;

    if (len == 0)
        return buf;
    while (i + 1 < sizeof(units) / sizeof(units[0]) && mag < units[i].size)
        i++;
    lo = i + 1 < sizeof(units) / sizeof(units[0])
         ? mag % units[i].size / units[i + 1].size : 0;
    if (lo != 0)
        snprintf(buf, len, "%s%" PRIu64 "%c %" PRIu64 "%c", sign, mag / units[i].size,
                 units[i].unit, lo, units[i + 1].unit);
    else
        snprintf(buf, len, "%s%" PRIu64 "%c", sign, mag / units[i].size, units[i].unit);
    return buf;
}
