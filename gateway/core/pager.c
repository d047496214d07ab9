#include "gateway/core/pager.h"

#include <stdlib.h>

#include "gateway/core/dates.h"
#include "gateway/util/utf8.h"

json_t *
gw_pager_trigger(const char *routing_key, const struct gw_canary *c, const char *summary,
                 int64_t now)
{
    char started[32], *cut = gw_utf8_truncate(summary, GW_PAGER_SUMMARY_MAX);
    json_t *body;

    gw_time_format_rfc3339(c->started_at, started, sizeof(started));
    body = json_pack("{s:s, s:s, s:s, s:{s:s, s:s, s:s, s:{s:s, s:s, s:s, s:I, s:I}}}",
                     "routing_key", routing_key, "event_action", "trigger", "dedup_key", c->id,
                     "payload", "summary", cut ? cut : "canary over budget", "source",
                     c->service && c->service[0] ? c->service : "kaizen-gateway", "severity",
                     "warning", "custom_details", "service", c->service ? c->service : "",
                     "environment", c->environment ? c->environment : "", "started_at", started,
                     "budget", (json_int_t)c->budget_seconds, "elapsed",
                     (json_int_t)(now - c->started_at));
    free(cut);
    return body;
}

/* An event on the incident of dedup_key: "resolve" or "acknowledge". */
static json_t *
pager_event(const char *routing_key, const char *action, const char *dedup_key)
{
    return json_pack("{s:s, s:s, s:s}", "routing_key", routing_key, "event_action", action,
                     "dedup_key", dedup_key);
}

json_t *
gw_pager_resolve(const char *routing_key, const char *dedup_key)
{
    return pager_event(routing_key, "resolve", dedup_key);
}

json_t *
gw_pager_acknowledge(const char *routing_key, const char *dedup_key)
{
    return pager_event(routing_key, "acknowledge", dedup_key);
}
