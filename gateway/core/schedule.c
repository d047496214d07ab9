#include "gateway/core/schedule.h"

#include <stdio.h>

#include "gateway/core/dates.h"

int64_t
gw_digest_window(int64_t now, int64_t every, int at_minute, char *id, size_t len)
{
    if (every > 0) {
        int64_t k = now / every;
        snprintf(id, len, "every%lld-%lld", (long long)every, (long long)k);
        return k * every;
    }
    int64_t start = now - ((now % 86400) + 86400) % 86400 + (int64_t)at_minute * 60;
    if (start > now)
        start -= 86400;
    char day[32];
    gw_time_format_rfc3339(start, day, sizeof(day));
    snprintf(id, len, "%.10s", day);
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
