/*
 * A probe of the calendar code for tests/integration/test_calendar.py, which
 * checks it against Python's zoneinfo. Each stdin line
 *   ZONE|HOURS|HOLIDAYS|START|SECONDS
 * (HOURS as KAIZEN_BUSINESS_HOURS, HOLIDAYS as KAIZEN_HOLIDAYS or "-",
 * START in Unix seconds) prints
 *   DEADLINE OPEN_BETWEEN(START, DEADLINE) OPEN_AT(START) NEXT_OPENING
 * or "error <reason>".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gateway/app/zones.h"
#include "gateway/core/calendar.h"
#include "gateway/core/tz.h"

int
main(void)
{
    char line[4096], err[256];

    while (fgets(line, sizeof(line), stdin) != NULL) {
        char *fields[5], *p = line;
        struct gw_calendar c;
        struct gw_tz *tz;
        int64_t deadline, next;
        int n = 0, open;

        line[strcspn(line, "\n")] = '\0';
        while (n < 5 && (fields[n] = p) != NULL) {
            n++;
            if ((p = strchr(p, '|')) != NULL)
                *p++ = '\0';
            else
                break;
        }
        if (n != 5) {
            printf("error bad line\n");
            continue;
        }
        memset(&c, 0, sizeof(c));
        if ((tz = gw_zone_load(fields[0], err, sizeof(err))) == NULL) {
            printf("error %s\n", err);
            continue;
        }
        c.tz = tz;
        if (gw_calendar_parse_hours(&c, fields[1], err, sizeof(err)) != 0 ||
            (strcmp(fields[2], "-") != 0 &&
             gw_calendar_parse_holidays(&c, fields[2], err, sizeof(err)) != 0)) {
            printf("error %s\n", err);
        } else {
            int64_t start = strtoll(fields[3], NULL, 10);
            deadline = gw_calendar_deadline(&c, start, strtoll(fields[4], NULL, 10));
            open = gw_calendar_open_at(&c, start, &next);
            printf("%lld %lld %d %lld\n", (long long)deadline,
                   (long long)gw_calendar_open_between(&c, start, deadline), open,
                   open ? -1LL : (long long)next);
        }
        fflush(stdout);
        gw_calendar_clear(&c);
        gw_tz_free(tz);
    }
    return 0;
}
