/*
 * Alertmanager webhook payloads (version "4") -> ticket changes. Pure.
 * Each alert is ticket am:<fingerprint>: firing opens it at startsAt,
 * resolved resolves it at endsAt. The ordering key (updated_at) is startsAt
 * for firing and endsAt for resolved, so a re-sent or late firing never
 * reopens an alert that resolved after it started.
 */
#ifndef GW_ALERTMANAGER_H
#define GW_ALERTMANAGER_H

#include <stddef.h>

#include "gateway/core/github.h"

struct gw_alert_batch {
    struct gw_ticket_change *changes;   /* one per alert, owned */
    size_t n;
    long truncated;                     /* truncatedAlerts */
    const char *status;                 /* "firing" | "resolved" (static) */
};

struct gw_alert_opts {
    const struct gw_sla_policy *sla;
    enum gw_severity default_severity;
};

/*
 * Parses a notification. Returns 0 and fills batch, or -1 with a reason in
 * err (wrong version, missing fingerprint, wrong types, bad timestamps).
 */
int gw_alertmanager_parse(const struct gw_jval *payload, const struct gw_alert_opts *opts,
                          struct gw_alert_batch *batch, char *err, size_t errlen);
void gw_alert_batch_clear(struct gw_alert_batch *batch);

#endif
