/* The wall clock (gateway/util/clock.h): the second the gateway stamps an
 * event with is the second of the same clock its milliseconds and every
 * other process on the host read. time(2) reads the kernel's coarse clock,
 * which lags CLOCK_REALTIME by up to a tick: just after a second turns it
 * still answers the one before, so an ack could be stamped a second before
 * the click that caused it, as the sender saw the clock. */
#include <check.h>
#include <stdint.h>
#include <time.h>

#include "gateway/util/clock.h"
#include "tests/unit/check_main.h"

static int64_t
realtime_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Reads around two turns of the second (or at most 50 million times): each
 * gw_now() and gw_now_ms() lies between the readings of CLOCK_REALTIME
 * taken just before and just after it. */
START_TEST(seconds_and_milliseconds_agree_with_the_realtime_clock)
{
    int64_t first = realtime_ms() / 1000, last = first;

    for (int64_t reads = 0; reads < 50000000 && last < first + 2; reads++) {
        int64_t before = realtime_ms();
        int64_t s = gw_now();
        int64_t ms = gw_now_ms();
        int64_t after = realtime_ms();

        ck_assert_msg(before / 1000 <= s && s <= after / 1000,
                      "gw_now() = %lld outside [%lld, %lld] ms", (long long)s,
                      (long long)before, (long long)after);
        ck_assert_msg(before <= ms && ms <= after && s <= ms / 1000,
                      "gw_now_ms() = %lld, gw_now() = %lld, CLOCK_REALTIME [%lld, %lld] ms",
                      (long long)ms, (long long)s, (long long)before, (long long)after);
        last = after / 1000;
    }
    /* The defect shows only as a second turns: the reads must have seen one. */
    ck_assert_msg(last > first, "the second never turned in 50 million reads");
}
END_TEST

static Suite *
suite(void)
{
    Suite *s = suite_create("clock");
    TCase *tc = tcase_create("wall");
    tcase_add_test(tc, seconds_and_milliseconds_agree_with_the_realtime_clock);
    suite_add_tcase(s, tc);
    return s;
}

GW_CHECK_MAIN(suite)
