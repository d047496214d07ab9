#include "gateway/core/period.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gateway/core/tz.h"

#define WEEK (7 * 86400)

static int64_t
floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

/* The ISO week whose Monday is `monday` (days since 1970-01-01) in tz. */
static void
week_of_monday(const struct gw_tz *tz, int64_t monday, struct gw_period *out)
{
    int y, m, d, ty, tm, td;

    /* The ISO year is the year of the week's Thursday. */
    gw_civil_from_days(monday + 3, &ty, &tm, &td);
    int week = (int)((monday + 3 - gw_days_from_civil(ty, 1, 1)) / 7) + 1;
    snprintf(out->label, sizeof(out->label), "%04d-W%02d", ty, week);
    gw_civil_from_days(monday, &y, &m, &d);
    out->start = gw_tz_instant(tz, y, m, d, 0);
    gw_civil_from_days(monday + 7, &y, &m, &d);
    out->end = gw_tz_instant(tz, y, m, d, 0);
}

static void
fixed(int64_t every, int64_t k, struct gw_period *out)
{
    snprintf(out->label, sizeof(out->label), "every%lld-%lld", (long long)every, (long long)k);
    out->start = k * every;
    out->end = out->start + every;
}

void
gw_period_of(const struct gw_periods *p, int64_t t, struct gw_period *out)
{
    struct gw_civil c;
    int64_t days;

    if (p->every > 0) {
        fixed(p->every, floor_div(t, p->every), out);
        return;
    }
    gw_tz_civil(p->tz, t, &c);
    days = gw_days_from_civil(c.year, c.month, c.day);
    week_of_monday(p->tz, days - gw_weekday(days), out);
}

void
gw_period_prev(const struct gw_periods *p, const struct gw_period *of, struct gw_period *out)
{
    gw_period_of(p, of->start - 1, out);
}

void
gw_period_next(const struct gw_periods *p, const struct gw_period *of, struct gw_period *out)
{
    gw_period_of(p, of->end, out);
}

/* Digits of s[0..n) as a number; -1 when they are not all digits. */
static long long
digits(const char *s, size_t n)
{
    long long v = 0;
    if (n == 0 || n > 15)
        return -1;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

int
gw_period_parse(const struct gw_periods *p, const char *label, struct gw_period *out)
{
    size_t n = strlen(label);

    if (p->every > 0) {
        char prefix[32];
        int len = snprintf(prefix, sizeof(prefix), "every%lld-", (long long)p->every);
        long long k;
        if (len < 0 || (size_t)len >= n || strncmp(label, prefix, (size_t)len) != 0 ||
            (k = digits(label + len, n - (size_t)len)) < 0 || k > INT64_MAX / p->every - 1)
            return -1;
        fixed(p->every, k, out);
        return 0;
    }
    long long year = n == 8 ? digits(label, 4) : -1, week = n == 8 ? digits(label + 6, 2) : -1;
    if (year < 1 || year > 9998 || label[4] != '-' || label[5] != 'W' || week < 1 || week > 53)
        return -1;
    int64_t jan4 = gw_days_from_civil((int)year, 1, 4);
    int64_t monday = jan4 - gw_weekday(jan4) + 7 * (week - 1);
    int ty, tm, td;
    gw_civil_from_days(monday + 3, &ty, &tm, &td);
    if (ty != year)   /* a week 53 the year does not have */
        return -1;
    week_of_monday(p->tz, monday, out);
    return 0;
}

int64_t
gw_period_due(const struct gw_periods *p, const struct gw_period *of, int report_at)
{
    struct gw_civil c;
    int y, m, d;

    if (p->every > 0)
        return of->end;
    /* The Monday that ends the week, then report_at minutes into that week. */
    gw_tz_civil(p->tz, of->end, &c);
    gw_civil_from_days(gw_days_from_civil(c.year, c.month, c.day) + report_at / 1440, &y, &m, &d);
    return gw_tz_instant(p->tz, y, m, d, report_at % 1440);
}

int64_t
gw_period_grace(const struct gw_periods *p)
{
    if (p->every > 0)
        return p->every / 2 > 1 ? p->every / 2 : 1;
    return 86400;
}

int64_t
gw_period_length(const struct gw_periods *p)
{
    return p->every > 0 ? p->every : WEEK;
}
