/*
 * Delivery policy: what an answer from Slack or PagerDuty means and how long
 * to wait before the next attempt. Pure but for rand() in the jitter.
 */
#ifndef GW_RETRY_H
#define GW_RETRY_H

#include <stdint.h>

struct gw_retry_policy {
    int max_attempts;         /* then the dead letters */
    int64_t backoff_base_ms;  /* exponential: base * 2^(attempt-1), jittered +-20 % */
    int64_t backoff_max_ms;
};

/* Wait before the attempt after attempt (1-based), jittered in [-20 %, +20 %]. */
int64_t gw_retry_backoff_ms(const struct gw_retry_policy *p, int attempt);

enum gw_outcome { GW_OUTCOME_SENT, GW_OUTCOME_RETRY, GW_OUTCOME_THROTTLED, GW_OUTCOME_DEAD };

/*
 * An HTTP status (0: no answer) after attempt of max_attempts: 2xx sent;
 * 429 throttled (retried without using up an attempt: a rate limit says
 * nothing about the message); no answer and 5xx retried until the attempts
 * are used up; any other answer is permanent.
 */
enum gw_outcome gw_retry_classify(long status, int attempt, int max_attempts);

/* A peer's Retry-After is honoured up to this long (a parked sink still drains). */
#define GW_RETRY_AFTER_MAX_MS (3600 * 1000)

/*
 * The wait before the next attempt after an answer with status: the peer's
 * Retry-After (retry_after_ms >= 0) on 429 and 503, capped at
 * GW_RETRY_AFTER_MAX_MS, else the backoff of attempt.
 */
int64_t gw_retry_delay_ms(const struct gw_retry_policy *p, int attempt, long status,
                          int64_t retry_after_ms);

#endif
