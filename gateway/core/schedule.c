#include "gateway/core/schedule.h"

#include <stdio.h>

#include "gateway/core/tz.h"

int64_t
gw_digest_window(int64_t now, int64_t every, int at_minute, const struct gw_tz *tz, char *id,
                 size_t len)
{
    struct gw_civil today;
    int64_t day, start;
    int y, m, d;

    if (every > 0) {
        int64_t k = now / every;
        snprintf(id, len, "every%lld-%lld", (long long)every, (long long)k);
        return k * every;
    }
    gw_tz_civil(tz, now, &today);
    day = gw_days_from_civil(today.year, today.month, today.day);
    start = gw_tz_instant(tz, today.year, today.month, today.day, at_minute);
    if (start > now) {   /* before today's time: yesterday's window */
        gw_civil_from_days(--day, &y, &m, &d);
        start = gw_tz_instant(tz, y, m, d, at_minute);
    }
    gw_civil_from_days(day, &y, &m, &d);
    snprintf(id, len, "%04d-%02d-%02d", y, m, d);
    return start;
}

int64_t
gw_digest_grace(int64_t every)
{
    int64_t grace = (every > 0 ? every : 86400) / 4;
    if (grace > 3600)
        grace = 3600;
    return grace < 1 ? 1 : grace;
}
