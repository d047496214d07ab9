/*
 * The periods of the weekly Kaizen report: ISO weeks (Monday 00:00 to
 * Monday 00:00 on the wall clock of KAIZEN_TIMEZONE, so 167 or 169 hours
 * across a DST change), or, with KAIZEN_REPORT_EVERY, fixed periods
 * [k*every, (k+1)*every) for tests and demos. Every aggregate, report and
 * claim names its period by label: "2026-W49", or "every<secs>-<k>". Pure.
 */
#ifndef GW_PERIOD_H
#define GW_PERIOD_H

#include <stddef.h>
#include <stdint.h>

struct gw_tz;

/* How periods are cut. Borrowed; outlives its users. */
struct gw_periods {
    int64_t every;              /* KAIZEN_REPORT_EVERY, seconds; 0: ISO weeks */
    const struct gw_tz *tz;     /* KAIZEN_TIMEZONE (weeks) */
};

#define GW_PERIOD_LABEL_MAX 48

struct gw_period {
    char label[GW_PERIOD_LABEL_MAX];   /* "2026-W49" or "every20-88573" */
    int64_t start, end;                /* Unix seconds, [start, end) */
};

/* The period holding instant t. */
void gw_period_of(const struct gw_periods *p, int64_t t, struct gw_period *out);

/* The period before or after one. */
void gw_period_prev(const struct gw_periods *p, const struct gw_period *of, struct gw_period *out);
void gw_period_next(const struct gw_periods *p, const struct gw_period *of, struct gw_period *out);

/*
 * The period named label ("2026-W49": an ISO week that exists; in fixed
 * mode "every<secs>-<k>" of the same every). 0, or -1 when it names none.
 */
int gw_period_parse(const struct gw_periods *p, const char *label, struct gw_period *out);

/*
 * When the report of period `of` is due: weekly, report_at minutes
 * (KAIZEN_REPORT_AT, 0..10079) after the Monday 00:00 that ends it; in
 * fixed mode, at its end.
 */
int64_t gw_period_due(const struct gw_periods *p, const struct gw_period *of, int report_at);

/*
 * How late a report may still be posted after it was due: half a fixed
 * period (at least a second), a day for weekly reports. Later than
 * that (every replica was down longer), the period is skipped.
 */
int64_t gw_period_grace(const struct gw_periods *p);

/* A period's length, nominally: every, or 7 days. */
int64_t gw_period_length(const struct gw_periods *p);

#endif
