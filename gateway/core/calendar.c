#include "gateway/core/calendar.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gateway/core/tz.h"
#include "gateway/util/parse.h"

static const char *const day_names[7] = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};

static int
day_of(const char *s, size_t len)
{
    for (int d = 0; d < 7; d++)
        if (len == 3 && strncmp(s, day_names[d], 3) == 0)
            return d;
    return -1;
}

/* "HH:MM" (00:00..24:00) into minutes of the day, or -1. */
static int
clock_of(const char *s, size_t len)
{
    int h, m;

    if (len != 5 || s[2] != ':' || s[0] < '0' || s[0] > '9' || s[1] < '0' || s[1] > '9' ||
        s[3] < '0' || s[3] > '5' || s[4] < '0' || s[4] > '9')
        return -1;
    h = (s[0] - '0') * 10 + s[1] - '0';
    m = (s[3] - '0') * 10 + s[4] - '0';
    if (h > 24 || (h == 24 && m != 0))
        return -1;
    return h * 60 + m;
}

static int
by_start(const void *a, const void *b)
{
    const struct gw_span *x = a, *y = b;
    return (x->start > y->start) - (x->start < y->start);
}

int
gw_calendar_parse_hours(struct gw_calendar *c, const char *text, char *err, size_t errlen)
{
    struct gw_span spans[7][GW_CALENDAR_SPANS];
    int nspans[7] = {0};
    const char *p = text;

    if (text == NULL || *text == '\0')
        return gw_fail(err, errlen, "no opening hours (e.g. mon-fri 09:00-17:00)");
    while (*p != '\0') {
        const char *end = strchr(p, ','), *space, *dash;
        size_t len = end != NULL ? (size_t)(end - p) : strlen(p);
        char span[64];
        int from, to, open, close;

        while (len > 0 && *p == ' ')
            p++, len--;
        while (len > 0 && p[len - 1] == ' ')
            len--;
        snprintf(span, sizeof(span), "%.*s", (int)(len < sizeof(span) ? len : sizeof(span) - 1), p);
        space = memchr(p, ' ', len);
        if (space == NULL)
            return gw_fail(err, errlen, "'%s' is not DAYS HH:MM-HH:MM (e.g. mon-fri 09:00-17:00)",
                           span);
        dash = memchr(p, '-', (size_t)(space - p));
        from = day_of(p, (size_t)((dash != NULL ? dash : space) - p));
        to = dash != NULL ? day_of(dash + 1, (size_t)(space - dash - 1)) : from;
        if (from < 0 || to < 0)
            return gw_fail(err, errlen, "'%s': days are mon, tue, wed, thu, fri, sat, sun or a "
                           "range like mon-fri", span);
        const char *hours = space + 1, *stop = p + len, *hdash = memchr(hours, '-', (size_t)(stop - hours));
        open = hdash != NULL ? clock_of(hours, (size_t)(hdash - hours)) : -1;
        close = hdash != NULL ? clock_of(hdash + 1, (size_t)(stop - hdash - 1)) : -1;
        if (open < 0 || close < 0)
            return gw_fail(err, errlen, "'%s': hours are HH:MM-HH:MM, 00:00 to 24:00", span);
        if (open >= close)
            return gw_fail(err, errlen, "'%s': the span ends before it starts", span);
        for (int d = from;; d = (d + 1) % 7) {   /* fri-mon wraps over the weekend */
            if (nspans[d] == GW_CALENDAR_SPANS)
                return gw_fail(err, errlen, "'%s': more than %d spans on %s", span,
                               GW_CALENDAR_SPANS, day_names[d]);
            spans[d][nspans[d]++] = (struct gw_span){open, close};
            if (d == to)
                break;
        }
        p = end != NULL ? end + 1 : p + len;
    }
    for (int d = 0; d < 7; d++) {
        qsort(spans[d], (size_t)nspans[d], sizeof(spans[d][0]), by_start);
        for (int i = 1; i < nspans[d]; i++)
            if (spans[d][i].start < spans[d][i - 1].end)
                return gw_fail(err, errlen, "two spans overlap on %s", day_names[d]);
    }
    memcpy(c->spans, spans, sizeof(spans));
    memcpy(c->nspans, nspans, sizeof(nspans));
    return 0;
}

static int
by_day(const void *a, const void *b)
{
    const int64_t *x = a, *y = b;
    return (*x > *y) - (*x < *y);
}

int
gw_calendar_add_holiday(struct gw_calendar *c, int year, int month, int day)
{
    int64_t *grown = realloc(c->holidays, (c->nholidays + 1) * sizeof(*grown));

    if (grown == NULL)
        return -1;
    c->holidays = grown;
    c->holidays[c->nholidays++] = gw_days_from_civil(year, month, day);
    qsort(c->holidays, c->nholidays, sizeof(*c->holidays), by_day);
    return 0;
}

int
gw_calendar_parse_holidays(struct gw_calendar *c, const char *text, char *err, size_t errlen)
{
    const char *p = text;

    while (p != NULL && *p != '\0') {
        int y, m, d, n = 0;
        while (*p == ' ')
            p++;
        if (sscanf(p, "%4d-%2d-%2d%n", &y, &m, &d, &n) != 3 || n != 10 ||
            (p[n] != '\0' && p[n] != ',' && p[n] != ' ') || !gw_date_valid(y, m, d))
            return gw_fail(err, errlen, "'%.*s' is not a date YYYY-MM-DD", (int)strcspn(p, ","),
                           p);
        if (gw_calendar_add_holiday(c, y, m, d) != 0)
            return gw_fail(err, errlen, "out of memory");
        p = strchr(p, ',');
        if (p != NULL)
            p++;
    }
    return 0;
}

int
gw_calendar_copy(struct gw_calendar *dst, const struct gw_calendar *src)
{
    *dst = *src;
    dst->holidays = NULL;
    if (src->nholidays > 0) {
        if ((dst->holidays = malloc(src->nholidays * sizeof(*dst->holidays))) == NULL) {
            dst->nholidays = 0;
            return -1;
        }
        memcpy(dst->holidays, src->holidays, src->nholidays * sizeof(*dst->holidays));
    }
    return 0;
}

void
gw_calendar_clear(struct gw_calendar *c)
{
    free(c->holidays);
    c->holidays = NULL;
    c->nholidays = 0;
}

int
gw_calendar_has_hours(const struct gw_calendar *c)
{
    for (int d = 0; d < 7; d++)
        if (c->nspans[d] > 0)
            return 1;
    return 0;
}

int
gw_calendar_is_holiday(const struct gw_calendar *c, int64_t days)
{
    return c->nholidays > 0 &&
           bsearch(&days, c->holidays, c->nholidays, sizeof(*c->holidays), by_day) != NULL;
}

/* The local day of t (days since 1970-01-01 on tz's wall clock). */
static int64_t
local_day(const struct gw_calendar *c, int64_t t)
{
    struct gw_civil civil;
    gw_tz_civil(c->tz, t, &civil);
    return gw_days_from_civil(civil.year, civil.month, civil.day);
}

/* Span i of local day `days` as instants [*open, *close). */
static void
span_at(const struct gw_calendar *c, int64_t days, const struct gw_span *s, int64_t *open,
        int64_t *close)
{
    int y, m, d;
    gw_civil_from_days(days, &y, &m, &d);
    *open = gw_tz_instant(c->tz, y, m, d, s->start);
    *close = gw_tz_instant(c->tz, y, m, d, s->end);
}

/* The open seconds of a week, at least: the bound of a walk. */
static int64_t
week_seconds(const struct gw_calendar *c)
{
    int64_t s = 0;
    for (int d = 0; d < 7; d++)
        for (int i = 0; i < c->nspans[d]; i++)
            s += (int64_t)(c->spans[d][i].end - c->spans[d][i].start) * 60;
    return s;
}

/*
 * Walks the open spans from t on, consuming up to *left seconds; stops at
 * the instant they run out (returned, *left 0), or after max_days days
 * (returns the end of the walk, *left what is still to count).
 */
static int64_t
walk(const struct gw_calendar *c, int64_t t, int64_t *left, int64_t max_days)
{
    int64_t day = local_day(c, t);

    for (int64_t n = 0; n <= max_days; n++, day++) {
        int wd = gw_weekday(day);
        if (c->nspans[wd] == 0 || gw_calendar_is_holiday(c, day))
            continue;
        for (int i = 0; i < c->nspans[wd]; i++) {
            int64_t open, close, from;
            span_at(c, day, &c->spans[wd][i], &open, &close);
            from = t > open ? t : open;
            if (from >= close)
                continue;
            if (close - from >= *left) {
                from += *left;
                *left = 0;
                return from;
            }
            *left -= close - from;
            t = close;
        }
    }
    return t;
}

int64_t
gw_calendar_deadline(const struct gw_calendar *c, int64_t start, int64_t seconds)
{
    int64_t week = week_seconds(c), left = seconds, t;

    if (week <= 0 || seconds < 0)
        return INT64_MAX;
    /* Enough days for the weeks it takes (DST may shorten a week by an hour), and holidays. */
    t = walk(c, start, &left, 7 * (seconds / (week > 7200 ? week - 3600 : week) + 2) +
                                  (int64_t)c->nholidays + 7);
    return left == 0 ? t : INT64_MAX;
}

int64_t
gw_calendar_open_between(const struct gw_calendar *c, int64_t a, int64_t b)
{
    int64_t total = 0, last = local_day(c, b);

    if (b <= a)
        return 0;
    for (int64_t day = local_day(c, a); day <= last; day++) {
        int wd = gw_weekday(day);
        if (c->nspans[wd] == 0 || gw_calendar_is_holiday(c, day))
            continue;
        for (int i = 0; i < c->nspans[wd]; i++) {
            int64_t open, close;
            span_at(c, day, &c->spans[wd][i], &open, &close);
            if (open < a)
                open = a;
            if (close > b)
                close = b;
            if (close > open)
                total += close - open;
        }
    }
    return total;
}

int
gw_calendar_open_at(const struct gw_calendar *c, int64_t t, int64_t *next)
{
    int64_t day = local_day(c, t);

    *next = INT64_MAX;
    for (int64_t n = 0; n <= 366; n++, day++) {
        int wd = gw_weekday(day);
        if (c->nspans[wd] == 0 || gw_calendar_is_holiday(c, day))
            continue;
        for (int i = 0; i < c->nspans[wd]; i++) {
            int64_t open, close;
            span_at(c, day, &c->spans[wd][i], &open, &close);
            if (t >= open && t < close)
                return 1;
            if (open > t) {
                *next = open;
                return 0;
            }
        }
    }
    return 0;
}
