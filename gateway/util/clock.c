#include "gateway/util/clock.h"

#include <sys/time.h>
#include <time.h>

int64_t
gw_now(void)
{
    return (int64_t)time(NULL);
}

int64_t
gw_now_ms(void)
{
    struct timeval tv;
    gettimeofday(&tv, NULL);
    return (int64_t)tv.tv_sec * 1000 + tv.tv_usec / 1000;
}

double
gw_monotonic(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}
