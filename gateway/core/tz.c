#include "gateway/core/tz.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gateway/util/parse.h"

/* One date rule of a POSIX TZ string: Mm.w.d, Jn or n, and the time of day. */
struct rule {
    char kind;             /* 'M', 'J' or 'N' (zero-based day of the year) */
    int month, week, day;  /* M: day 0 = Sunday, week 5 = the last */
    int32_t time;          /* seconds after local midnight (may be < 0 or > 24 h) */
};

/* The footer: how the zone keeps time after its last transition. */
struct posix {
    int32_t std_off, dst_off;   /* seconds east of UTC */
    int has_dst;
    struct rule start, end;     /* into DST (standard time) and out of it (daylight time) */
};

struct gw_tz {
    char name[GW_TZ_NAME_MAX + 1];
    int64_t *trans;             /* transition instants, ascending */
    uint8_t *idx;               /* the type after each */
    size_t ntrans;
    int32_t *utoff;             /* each type's offset */
    size_t ntypes;
    struct posix footer;
    int has_footer;
};

/* --- calendar arithmetic (Howard Hinnant's days_from_civil) ------------------- */

int64_t
gw_days_from_civil(int year, int month, int day)
{
    int64_t y = (int64_t)year - (month <= 2);
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

void
gw_civil_from_days(int64_t days, int *year, int *month, int *day)
{
    int64_t z = days + 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    int d = (int)(doy - (153 * mp + 2) / 5 + 1);
    int m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *year = (int)(yoe + era * 400 + (m <= 2));
    *month = m;
    *day = d;
}

int
gw_weekday(int64_t days)
{
    int64_t w = (days + 3) % 7;   /* 1970-01-01 was a Thursday */
    return (int)(w < 0 ? w + 7 : w);
}

static int
leap(int year)
{
    return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

static int
month_days(int year, int month)
{
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return month == 2 && leap(year) ? 29 : days[month - 1];
}

int
gw_date_valid(int year, int month, int day)
{
    return year >= 1 && year <= 9999 && month >= 1 && month <= 12 && day >= 1 &&
           day <= month_days(year, month);
}

static int64_t
floor_div(int64_t a, int64_t b)
{
    return a >= 0 ? a / b : -((-a + b - 1) / b);
}

/* --- the POSIX TZ footer --------------------------------------------------- */

/* "[+-]hh[:mm[:ss]]" into seconds; returns the rest, or NULL. */
static const char *
hms(const char *s, int32_t *out, int max_hours)
{
    int sign = 1, parts[3] = {0, 0, 0}, n = 0;

    if (*s == '+' || *s == '-')
        sign = *s++ == '-' ? -1 : 1;
    while (n < 3) {
        int v = 0, digits = 0;
        while (*s >= '0' && *s <= '9' && digits < 3)
            v = v * 10 + (*s++ - '0'), digits++;
        if (digits == 0)
            return NULL;
        parts[n++] = v;
        if (*s != ':')
            break;
        s++;
    }
    if (parts[0] > max_hours || parts[1] > 59 || parts[2] > 59)
        return NULL;
    *out = sign * (parts[0] * 3600 + parts[1] * 60 + parts[2]);
    return s;
}

/* A zone abbreviation: "<...>" or 3+ letters. */
static const char *
abbreviation(const char *s)
{
    const char *p = s;
    if (*p == '<') {
        while (*p != '\0' && *p != '>')
            p++;
        return *p == '>' && p - s >= 4 ? p + 1 : NULL;
    }
    while ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z'))
        p++;
    return p - s >= 3 ? p : NULL;
}

static long
number(const char **s, long max)
{
    long v = 0;
    int digits = 0;
    while (**s >= '0' && **s <= '9' && digits < 4)
        v = v * 10 + (*(*s)++ - '0'), digits++;
    return digits > 0 && v <= max ? v : -1;
}

static const char *
rule_of(const char *s, struct rule *r)
{
    long a, b, c;

    r->time = 2 * 3600;
    if (*s == 'M') {
        s++;
        if ((a = number(&s, 12)) < 1 || *s++ != '.' || (b = number(&s, 5)) < 1 ||
            *s++ != '.' || (c = number(&s, 6)) < 0)
            return NULL;
        *r = (struct rule){'M', (int)a, (int)b, (int)c, r->time};
    } else if (*s == 'J') {
        s++;
        if ((a = number(&s, 365)) < 1)
            return NULL;
        *r = (struct rule){'J', 0, 0, (int)a, r->time};
    } else {
        if ((a = number(&s, 365)) < 0)
            return NULL;
        *r = (struct rule){'N', 0, 0, (int)a, r->time};
    }
    if (*s == '/' && (s = hms(s + 1, &r->time, 167)) == NULL)
        return NULL;
    return s;
}

static int
posix_parse(const char *s, struct posix *p)
{
    int32_t off;

    memset(p, 0, sizeof(*p));
    if ((s = abbreviation(s)) == NULL || (s = hms(s, &off, 24)) == NULL)
        return -1;
    p->std_off = -off;   /* POSIX counts west of UTC */
    if (*s == '\0')
        return 0;
    if ((s = abbreviation(s)) == NULL)
        return -1;
    p->has_dst = 1;
    p->dst_off = p->std_off + 3600;
    if (*s != ',' && *s != '\0') {
        if ((s = hms(s, &off, 24)) == NULL)
            return -1;
        p->dst_off = -off;
    }
    if (*s == '\0')   /* no rule: the US rule, as tzcode does */
        s = ",M3.2.0,M11.1.0";
    if (*s++ != ',' || (s = rule_of(s, &p->start)) == NULL || *s++ != ',' ||
        (s = rule_of(s, &p->end)) == NULL || *s != '\0')
        return -1;
    return 0;
}

/* The local midnight (as seconds of a UTC-like local clock) of rule r in year. */
static int64_t
rule_day(const struct rule *r, int year)
{
    int64_t jan1 = gw_days_from_civil(year, 1, 1), day;

    if (r->kind == 'J') {   /* 1..365, February 29 never counted */
        day = jan1 + r->day - 1 + (leap(year) && r->day >= 60);
    } else if (r->kind == 'N') {
        day = jan1 + r->day;
    } else {
        int64_t first = gw_days_from_civil(year, r->month, 1);
        int sunday_based = (gw_weekday(first) + 1) % 7;   /* 0 = Sunday */
        int dom = 1 + (r->day - sunday_based + 7) % 7 + (r->week - 1) * 7;
        while (dom > month_days(year, r->month))
            dom -= 7;
        day = first + dom - 1;
    }
    return day * 86400;
}

static int32_t
posix_offset(const struct posix *p, int64_t t)
{
    int year, month, day;
    int64_t start, end;

    if (!p->has_dst)
        return p->std_off;
    gw_civil_from_days(floor_div(t + p->std_off, 86400), &year, &month, &day);
    start = rule_day(&p->start, year) + p->start.time - p->std_off;
    end = rule_day(&p->end, year) + p->end.time - p->dst_off;
    if (start < end)
        return t >= start && t < end ? p->dst_off : p->std_off;
    return t >= end && t < start ? p->std_off : p->dst_off;   /* the southern hemisphere */
}

/* --- TZif ------------------------------------------------------------------------ */

struct reader {
    const unsigned char *p;
    size_t len, at;
};

static int64_t
be(const struct reader *r, size_t at, int bytes)
{
    uint64_t v = 0;
    for (int i = 0; i < bytes; i++)
        v = v << 8 | r->p[at + (size_t)i];
    if (bytes == 4)
        return (int32_t)(uint32_t)v;
    return (int64_t)v;
}

struct header {
    char version;
    uint32_t isut, isstd, leap, time, type, chars;
};

static int
header_at(const struct reader *r, size_t at, struct header *h)
{
    if (at + 44 > r->len || memcmp(r->p + at, "TZif", 4) != 0)
        return -1;
    h->version = (char)r->p[at + 4];
    h->isut = (uint32_t)be(r, at + 20, 4);
    h->isstd = (uint32_t)be(r, at + 24, 4);
    h->leap = (uint32_t)be(r, at + 28, 4);
    h->time = (uint32_t)be(r, at + 32, 4);
    h->type = (uint32_t)be(r, at + 36, 4);
    h->chars = (uint32_t)be(r, at + 40, 4);
    /* RFC 8536 3.1: the counts a valid file has */
    if (h->type == 0 || h->type > 256 || h->time > 100000 || h->chars == 0 || h->chars > 1024 ||
        h->leap > 10000 || (h->isut != 0 && h->isut != h->type) ||
        (h->isstd != 0 && h->isstd != h->type))
        return -1;
    return 0;
}

static size_t
block_size(const struct header *h, int tsize)
{
    return (size_t)h->time * (size_t)(tsize + 1) + (size_t)h->type * 6 + h->chars +
           (size_t)h->leap * (size_t)(tsize + 4) + h->isstd + h->isut;
}

struct gw_tz *
gw_tz_parse(const char *name, const unsigned char *data, size_t len, char *err, size_t errlen)
{
    struct reader r = {data, len, 0};
    struct header h;
    struct gw_tz *tz = NULL;
    size_t at, tsize = 4;

    if (header_at(&r, 0, &h) != 0)
        goto bad;
    at = 44;
    if (h.version >= '2') {   /* skip the 32-bit block: the 64-bit one follows */
        at += block_size(&h, 4);
        if (header_at(&r, at, &h) != 0)
            goto bad;
        at += 44;
        tsize = 8;
    }
    if (at + block_size(&h, (int)tsize) > len)
        goto bad;
    if ((tz = calloc(1, sizeof(*tz))) == NULL ||
        (tz->trans = calloc(h.time + 1, sizeof(*tz->trans))) == NULL ||
        (tz->idx = calloc(h.time + 1, 1)) == NULL ||
        (tz->utoff = calloc(h.type, sizeof(*tz->utoff))) == NULL) {
        gw_tz_free(tz);
        gw_fail(err, errlen, "out of memory");
        return NULL;
    }
    snprintf(tz->name, sizeof(tz->name), "%s", name);
    tz->ntrans = h.time;
    tz->ntypes = h.type;
    for (size_t i = 0; i < h.time; i++) {
        tz->trans[i] = be(&r, at + i * tsize, (int)tsize);
        if (i > 0 && tz->trans[i] <= tz->trans[i - 1])
            goto bad;
    }
    at += h.time * tsize;
    for (size_t i = 0; i < h.time; i++) {
        tz->idx[i] = data[at + i];
        if (tz->idx[i] >= h.type)
            goto bad;
    }
    at += h.time;
    for (size_t i = 0; i < h.type; i++) {
        tz->utoff[i] = (int32_t)be(&r, at + i * 6, 4);
        if (tz->utoff[i] <= -89999 || tz->utoff[i] >= 93599 || data[at + i * 6 + 5] >= h.chars)
            goto bad;
    }
    at += block_size(&h, (int)tsize) - h.time * (tsize + 1);
    if (tsize == 8 && at < len && data[at] == '\n') {   /* the footer: "\n<TZ string>\n" */
        const unsigned char *end = memchr(data + at + 1, '\n', len - at - 1);
        char footer[128];
        size_t n = end != NULL ? (size_t)(end - data - at - 1) : sizeof(footer);
        if (n >= sizeof(footer))
            goto bad;
        memcpy(footer, data + at + 1, n);
        footer[n] = '\0';
        if (n > 0) {
            if (posix_parse(footer, &tz->footer) != 0)
                goto bad;
            tz->has_footer = 1;
        }
    }
    return tz;
bad:
    gw_tz_free(tz);
    gw_fail(err, errlen, "%s: not a valid TZif file", name);
    return NULL;
}

struct gw_tz *
gw_tz_utc(void)
{
    struct gw_tz *tz = calloc(1, sizeof(*tz));

    if (tz == NULL || (tz->utoff = calloc(1, sizeof(*tz->utoff))) == NULL) {
        free(tz);
        return NULL;
    }
    snprintf(tz->name, sizeof(tz->name), "UTC");
    tz->ntypes = 1;
    return tz;
}

void
gw_tz_free(struct gw_tz *tz)
{
    if (tz == NULL)
        return;
    free(tz->trans);
    free(tz->idx);
    free(tz->utoff);
    free(tz);
}

const char *
gw_tz_name(const struct gw_tz *tz)
{
    return tz->name;
}

int
gw_tz_name_valid(const char *name)
{
    size_t n = strlen(name);

    if (n == 0 || n > GW_TZ_NAME_MAX || name[0] == '/' || strstr(name, "..") != NULL)
        return 0;
    for (const char *p = name; *p != '\0'; p++)
        if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
              *p == '/' || *p == '_' || *p == '-' || *p == '+'))
            return 0;
    return 1;
}

int32_t
gw_tz_offset(const struct gw_tz *tz, int64_t t)
{
    size_t lo = 0, hi = tz->ntrans;

    if (tz->ntrans == 0)
        return tz->has_footer ? posix_offset(&tz->footer, t) : tz->utoff[0];
    if (t < tz->trans[0])
        return tz->utoff[0];
    if (t >= tz->trans[tz->ntrans - 1] && tz->has_footer)
        return posix_offset(&tz->footer, t);
    while (hi - lo > 1) {   /* the last transition at or before t */
        size_t mid = lo + (hi - lo) / 2;
        if (tz->trans[mid] <= t)
            lo = mid;
        else
            hi = mid;
    }
    return tz->utoff[tz->idx[lo]];
}

void
gw_tz_civil(const struct gw_tz *tz, int64_t t, struct gw_civil *out)
{
    int64_t local = t + gw_tz_offset(tz, t), days = floor_div(local, 86400);
    int64_t secs = local - days * 86400;

    gw_civil_from_days(days, &out->year, &out->month, &out->day);
    out->hour = (int)(secs / 3600);
    out->minute = (int)(secs / 60 % 60);
    out->second = (int)(secs % 60);
    out->weekday = gw_weekday(days);
}

int64_t
gw_tz_instant(const struct gw_tz *tz, int year, int month, int day, int minute_of_day)
{
    int64_t local = gw_days_from_civil(year, month, day) * 86400 + (int64_t)minute_of_day * 60;
    int32_t early = gw_tz_offset(tz, local - 86400), late = gw_tz_offset(tz, local + 86400);
    int64_t t1 = local - early, t2 = local - late, lo, hi;
    int ok1 = gw_tz_offset(tz, t1) == early, ok2 = gw_tz_offset(tz, t2) == late;

    if (ok1 && ok2)
        return t1 < t2 ? t1 : t2;   /* shown twice: the earlier */
    if (ok1)
        return t1;
    if (ok2)
        return t2;
    /* Skipped: the instant the skip ends at, where the later offset begins. */
    lo = t2 < t1 ? t2 : t1;
    hi = t2 < t1 ? t1 : t2;
    while (hi - lo > 1) {
        int64_t mid = lo + (hi - lo) / 2;
        if (gw_tz_offset(tz, mid) == late)
            hi = mid;
        else
            lo = mid;
    }
    return hi;
}
