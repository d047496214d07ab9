#include "gateway/core/slackapi.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

/* Errors no retry can fix: the configuration (token, channel, scopes) or the message. */
static const char *const permanent[] = {
    "channel_not_found", "not_in_channel", "invalid_auth", "account_inactive",
    "msg_too_long", "is_archived", "not_authed", "token_revoked", "token_expired",
    "missing_scope", "no_permission", "invalid_blocks", "invalid_arguments",
    "restricted_action", "message_not_found", "cant_update_message", "edit_window_closed",
    NULL};

static void
copy(char *dst, size_t len, const char *src)
{
    snprintf(dst, len, "%s", src != NULL ? src : "");
}

enum gw_outcome
gw_slack_api_classify(long status, const char *body, size_t len, int attempt, int max_attempts,
                      struct gw_slack_answer *out)
{
    json_t *doc;
    const char *word;

    memset(out, 0, sizeof(*out));
    if (status == 429) {
        copy(out->error, sizeof(out->error), "ratelimited");
        return GW_OUTCOME_THROTTLED;
    }
    if (status != 200)
        return gw_retry_classify(status, attempt, max_attempts);
    doc = body != NULL ? json_loadb(body, len, 0, NULL) : NULL;
    if (!json_is_object(doc)) {
        json_decref(doc);
        copy(out->error, sizeof(out->error), "answer is not Slack API JSON");
        return attempt >= max_attempts ? GW_OUTCOME_DEAD : GW_OUTCOME_RETRY;
    }
    if (json_is_true(json_object_get(doc, "ok"))) {
        copy(out->ts, sizeof(out->ts), json_string_value(json_object_get(doc, "ts")));
        copy(out->channel, sizeof(out->channel),
             json_string_value(json_object_get(doc, "channel")));
        json_decref(doc);
        return GW_OUTCOME_SENT;
    }
    word = json_string_value(json_object_get(doc, "error"));
    copy(out->error, sizeof(out->error), word != NULL ? word : "ok is false");
    json_decref(doc);
    if (strcmp(out->error, "ratelimited") == 0)
        return GW_OUTCOME_THROTTLED;
    for (const char *const *p = permanent; *p != NULL; p++)
        if (strcmp(out->error, *p) == 0)
            return GW_OUTCOME_DEAD;
    return attempt >= max_attempts ? GW_OUTCOME_DEAD : GW_OUTCOME_RETRY;
}

char *
gw_slack_api_message(const char *text, size_t len, const char *channel, const char *ts_field,
                     const char *ts)
{
    json_t *msg = json_loadb(text, len, 0, NULL);
    char *out = NULL;

    if (json_is_object(msg) && json_object_set_new(msg, "channel", json_string(channel)) == 0 &&
        (ts == NULL || json_object_set_new(msg, ts_field, json_string(ts)) == 0))
        out = json_dumps(msg, JSON_COMPACT);
    json_decref(msg);
    return out;
}
