/*
 * The Slack Web API's answers (chat.postMessage, chat.update): HTTP 200 with
 * {"ok":true,"ts":...,"channel":...} or {"ok":false,"error":"<word>"}. Pure.
 */
#ifndef GW_SLACKAPI_H
#define GW_SLACKAPI_H

#include <stddef.h>

#include "gateway/core/retry.h"

struct gw_slack_answer {
    char error[64];      /* Slack's error word, or a short reason; "" when none */
    char ts[32];         /* the posted message's timestamp, on success */
    char channel[32];    /* the channel ID it was posted in, on success */
};

/*
 * What an answer means for the attempt-th try of max_attempts: ok → sent;
 * HTTP 429 or "ratelimited" → throttled (Retry-After honoured, no attempt
 * used); channel_not_found, not_in_channel, invalid_auth, account_inactive,
 * msg_too_long (and the other configuration errors) → dead; anything else
 * (5xx, a body that is not Slack's JSON, internal_error) → retried.
 */
enum gw_outcome gw_slack_api_classify(long status, const char *body, size_t len, int attempt,
                                      int max_attempts, struct gw_slack_answer *out);

/*
 * The message JSON text with "channel" set (and ts_field: ts unless ts is
 * NULL): chat.postMessage takes "thread_ts" (a reply in that thread),
 * chat.update "ts" (the message edited). malloc'd, or NULL when text is not
 * an object.
 */
char *gw_slack_api_message(const char *text, size_t len, const char *channel,
                           const char *ts_field, const char *ts);

#endif
