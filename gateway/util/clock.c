#include "gateway/util/clock.h"

#include <time.h>

/* Both wall-clock readings come from CLOCK_REALTIME. Not time(2): it reads
 * the kernel's coarse clock, up to a tick behind, so just after a second
 * turns it answers the previous one while gw_now_ms() and every other
 * process already see the new one. */
static struct timespec
realtime(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return ts;
}

int64_t
gw_now(void)
{
    return (int64_t)realtime().tv_sec;
}

int64_t
gw_now_ms(void)
{
    struct timespec ts = realtime();
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

double
gw_monotonic(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}
