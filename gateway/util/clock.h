/* The clocks: the only code that reads the time (everything in core/ takes it as an argument). */
#ifndef GW_CLOCK_H
#define GW_CLOCK_H

#include <stdint.h>

/* Wall-clock time, Unix seconds. */
int64_t gw_now(void);
/* Wall-clock time, Unix milliseconds. */
int64_t gw_now_ms(void);
/* Monotonic seconds (intervals and deadlines; never goes back). */
double gw_monotonic(void);

#endif
