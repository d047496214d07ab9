/*
 * Business calendars: opening hours per weekday in a time zone, and
 * holidays ("mon-fri 09:00-17:00", "mon-thu 09:00-17:00,fri 09:00-13:00",
 * "2026-12-25,2026-12-26"). A business-clock SLA counts only the time a
 * calendar is open: its deadline is the instant at which that much open
 * time has passed since the start. The wall clock of the zone decides (a
 * 09:00-17:00 day is 8 hours on the day the clocks change, too). Pure.
 */
#ifndef GW_CALENDAR_H
#define GW_CALENDAR_H

#include <stddef.h>
#include <stdint.h>

struct gw_tz;

#define GW_CALENDAR_SPANS 8   /* opening spans a weekday may have */

/* An opening span of a day: minutes after local midnight, start < end <= 1440. */
struct gw_span {
    int start, end;
};

struct gw_calendar {
    const struct gw_tz *tz;                        /* borrowed */
    struct gw_span spans[7][GW_CALENDAR_SPANS];    /* per weekday, 0 = Monday, in order */
    int nspans[7];
    int64_t *holidays;                             /* days since 1970-01-01, ascending; owned */
    size_t nholidays;
};

/*
 * Parses the opening hours: comma-separated spans "DAYS HH:MM-HH:MM", DAYS
 * a day (mon..sun) or a range (mon-fri, sat-sun), 24:00 the end of the day.
 * Spans of one day must not overlap. On error -1 with one line naming the
 * span in err; c's spans are then unchanged.
 */
int gw_calendar_parse_hours(struct gw_calendar *c, const char *text, char *err, size_t errlen);

/* Adds holidays from "YYYY-MM-DD,YYYY-MM-DD,..." (an impossible date is an error naming it). */
int gw_calendar_parse_holidays(struct gw_calendar *c, const char *text, char *err, size_t errlen);

/* Adds one holiday (a valid date); -1 when out of memory. */
int gw_calendar_add_holiday(struct gw_calendar *c, int year, int month, int day);

/* Makes dst a copy of src (its own holidays; the zone stays borrowed); -1 when out of memory. */
int gw_calendar_copy(struct gw_calendar *dst, const struct gw_calendar *src);

/* Frees the holidays (the calendar may be parsed into again). */
void gw_calendar_clear(struct gw_calendar *c);

/* 1 when the calendar has at least one opening span. */
int gw_calendar_has_hours(const struct gw_calendar *c);

/* 1 when days (since 1970-01-01) is a holiday of c. */
int gw_calendar_is_holiday(const struct gw_calendar *c, int64_t days);

/*
 * The instant at which `seconds` of open time have passed since start
 * (start itself may be outside hours: counting begins at the next
 * opening). INT64_MAX when the calendar has no hours.
 */
int64_t gw_calendar_deadline(const struct gw_calendar *c, int64_t start, int64_t seconds);

/* The open time between a and b (0 when b <= a). */
int64_t gw_calendar_open_between(const struct gw_calendar *c, int64_t a, int64_t b);

/*
 * 1 when the calendar is open at t; else 0 with *next the next opening
 * (INT64_MAX when there is none within a year).
 */
int gw_calendar_open_at(const struct gw_calendar *c, int64_t t, int64_t *next);

#endif
