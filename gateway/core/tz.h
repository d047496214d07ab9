/*
 * Time zones from the tz database: a TZif file (RFC 8536, versions 1 to 4)
 * parsed into its transitions and its footer rule (a POSIX TZ string for
 * the times after the last transition), and the conversions between an
 * instant and the wall clock of the zone. Pure: the caller reads the file
 * (app/: /usr/share/zoneinfo, or TZDIR); nothing here looks at the
 * process's TZ or calls localtime().
 */
#ifndef GW_TZ_H
#define GW_TZ_H

#include <stddef.h>
#include <stdint.h>

struct gw_tz;

/* A zone's name as KAIZEN_TIMEZONE takes it: "UTC", "Europe/Berlin". */
#define GW_TZ_NAME_MAX 64

/*
 * Parses a TZif file's bytes into a new zone named name; NULL with the
 * reason in err (gw_fail) when the data is not a valid TZif file.
 */
struct gw_tz *gw_tz_parse(const char *name, const unsigned char *data, size_t len, char *err,
                          size_t errlen);
/* The zone UTC, without a file. */
struct gw_tz *gw_tz_utc(void);
void gw_tz_free(struct gw_tz *tz);
const char *gw_tz_name(const struct gw_tz *tz);

/* 1 when name is a plausible zone name (letters, digits, '/', '_', '-', '+'; no "..") */
int gw_tz_name_valid(const char *name);

/* Seconds east of UTC in effect at instant t (Unix seconds). */
int32_t gw_tz_offset(const struct gw_tz *tz, int64_t t);

/* A wall-clock date and time of a zone. */
struct gw_civil {
    int year, month, day;      /* month 1..12, day 1..31 */
    int hour, minute, second;
    int weekday;               /* 0 = Monday .. 6 = Sunday (ISO) */
};

/* The wall clock of tz at instant t. */
void gw_tz_civil(const struct gw_tz *tz, int64_t t, struct gw_civil *out);

/*
 * The instant at which tz's wall clock shows year-month-day
 * minute_of_day (0..1440; 1440 is the next day's 00:00). A time the clock
 * skips (spring forward) is the instant the skip ends at; a time it shows
 * twice (fall back) is the earlier.
 */
int64_t gw_tz_instant(const struct gw_tz *tz, int year, int month, int day, int minute_of_day);

/* Days since 1970-01-01 of a proleptic Gregorian date, and back; the ISO weekday (0 = Monday). */
int64_t gw_days_from_civil(int year, int month, int day);
void gw_civil_from_days(int64_t days, int *year, int *month, int *day);
int gw_weekday(int64_t days);
/* 1 when year-month-day is a real date. */
int gw_date_valid(int year, int month, int day);

#endif
