#include "gateway/core/retry.h"

#include <stdlib.h>

int64_t
gw_retry_backoff_ms(const struct gw_retry_policy *p, int attempt)
{
    int64_t delay = p->backoff_base_ms;
    for (int i = 1; i < attempt && delay < p->backoff_max_ms; i++)
        delay *= 2;
    if (delay > p->backoff_max_ms)
        delay = p->backoff_max_ms;
    /* +-20 % so replicas and messages do not retry in lockstep */
    return delay + delay * ((rand() % 41) - 20) / 100;
}

enum gw_outcome
gw_retry_classify(long status, int attempt, int max_attempts)
{
    if (status >= 200 && status < 300)
        return GW_OUTCOME_SENT;
    if (status == 429)
        return GW_OUTCOME_THROTTLED;
    if (status == 0 || status >= 500)
        return attempt >= max_attempts ? GW_OUTCOME_DEAD : GW_OUTCOME_RETRY;
    return GW_OUTCOME_DEAD;
}

int64_t
gw_retry_delay_ms(const struct gw_retry_policy *p, int attempt, long status,
                  int64_t retry_after_ms)
{
    if ((status == 429 || status == 503) && retry_after_ms >= 0)
        return retry_after_ms < GW_RETRY_AFTER_MAX_MS ? retry_after_ms : GW_RETRY_AFTER_MAX_MS;
    return gw_retry_backoff_ms(p, attempt);
}
