/* When timers fire: digest windows. Pure. */
#ifndef GW_SCHEDULE_H
#define GW_SCHEDULE_H

#include <stddef.h>
#include <stdint.h>

/*
 * The digest window containing now, as an id: with every > 0 the windows
 * are [k*every, (k+1)*every) ("every<secs>-<k>"); otherwise one per day,
 * starting at at_minute UTC ("2026-11-22"; before that time it is the
 * previous day's window). Returns the window start (Unix seconds). Pure.
 */
int64_t gw_digest_window(int64_t now, int64_t every, int at_minute, char *id, size_t len);

#endif
