/*
 * Loads time zones by name from the tz database on disk: $TZDIR, else
 * /usr/share/zoneinfo (Debian's tzdata; the image carries its own copy).
 * "UTC" needs no file. Read at start-up and on reload only.
 */
#ifndef GW_ZONES_H
#define GW_ZONES_H

#include <stddef.h>

struct gw_tz;

/* The zone named name, or NULL with "unknown time zone 'X'" (or why) in err. */
struct gw_tz *gw_zone_load(const char *name, char *err, size_t errlen);

#endif
