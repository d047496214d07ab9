/* When timers fire: digest windows. Pure. */
#ifndef GW_SCHEDULE_H
#define GW_SCHEDULE_H

#include <stddef.h>
#include <stdint.h>

struct gw_tz;

/*
 * The digest window containing now, as an id: with every > 0 the windows
 * are [k*every, (k+1)*every) ("every<secs>-<k>"); otherwise one per day of
 * tz's wall clock, starting at at_minute there ("2026-11-22"; before that
 * time it is the previous day's window). Returns the window start (Unix
 * seconds). Pure.
 */
int64_t gw_digest_window(int64_t now, int64_t every, int at_minute, const struct gw_tz *tz,
                         char *id, size_t len);

/*
 * How late a window may still start: a quarter of its period, at most an
 * hour, at least a second (the timer looks once a second at most). A
 * gateway that comes up later than that after a window's start (a fresh
 * deploy at 18:56 for a 09:00 digest) skips the window instead.
 */
int64_t gw_digest_grace(int64_t every);

#endif
