/* What the handlers share: authentication, webhook replies, Redis errors, ticket filters. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gateway/core/dates.h"
#include "gateway/core/hmac.h"
#include "gateway/telemetry.h"
#include "gateway/util/log.h"
#include "handlers/handlers.h"

#define RECENT_SECONDS (7 * 86400)

int
gw_bearer_ok(struct gw_request *req, const char *token)
{
    const char *auth = gw_request_header(req, "Authorization");
    if (auth == NULL || strncmp(auth, "Bearer ", 7) != 0)
        return 0;
    return gw_consttime_equal(auth + 7, strlen(auth + 7), token, strlen(token));
}

int
gw_admin_ok(const struct gw_config *cfg, struct gw_request *req)
{
    const char *token = cfg->admin_token;
    if (token != NULL) {
        if (gw_bearer_ok(req, token))
            return 1;
        gw_reply_header(req, "WWW-Authenticate", "Bearer");
        gw_reply_error(req, 401, "missing or bad admin bearer token");
        return 0;
    }
    if (gw_request_is_loopback(req))
        return 1;
    gw_reply_error(req, 403, "KAIZEN_ADMIN_TOKEN is not set: /api/ only answers loopback clients");
    return 0;
}

void
gw_webhook_reply(struct gw_telemetry *t, struct gw_request *req, const char *source,
                 const char *event, int code, const char *result, const char *error)
{
    gw_count_webhook(t, source, event, result);
    if (error != NULL)
        gw_reply_error(req, code, error);
    else
        gw_reply_status(req, code, result);
}

void
gw_reply_redis_error(struct gw_request *req, const struct gw_redis_error *err, const char *what)
{
    char reason[256];

    /* Sent without a reply: it may have run. Only a redelivery can tell (it is safe). */
    if (what != NULL && (err->kind == GW_REDIS_TIMEOUT || err->kind == GW_REDIS_DISCONNECTED ||
                         err->kind == GW_REDIS_NOT_REPLICATED)) {
        gw_reply_error(req, 503, "outcome unknown; redelivery is safe");
        return;
    }
    snprintf(reason, sizeof(reason), "redis unavailable%s%s", what != NULL ? "; " : "",
             what != NULL ? what : "");
    gw_reply_error(req, 503, reason);
}

const char *
gw_ticket_filter_parse(struct gw_request *req, struct gw_ticket_filter *f, int allow_limit)
{
    static const char *const with_limit[] = {"component", "severity", "state", "limit",
                                             "token", NULL};
    const char *v;

    memset(f, 0, sizeof(*f));
    f->severity = GW_SEV_NONE;
    f->recent_seconds = RECENT_SECONDS;
    f->now = gw_now();
    v = gw_request_unknown_query(req, with_limit);
    if (v != NULL || (!allow_limit && gw_request_query(req, "limit") != NULL))
        return "unknown query parameter (use component, severity, state, limit)";
    f->component = gw_request_query(req, "component");
    if (f->component != NULL && f->component[0] == '\0')
        return "component must not be empty";
    if ((v = gw_request_query(req, "severity")) != NULL &&
        (f->severity = gw_severity_parse(v)) == GW_SEV_NONE)
        return "severity must be critical, high, medium or low";
    if ((v = gw_request_query(req, "state")) != NULL) {
        if (strcmp(v, "open") == 0)
            f->state = GW_STATE_OPEN;
        else if (strcmp(v, "resolved") == 0)
            f->state = GW_STATE_RESOLVED;
        else if (strcmp(v, "all") == 0)
            f->state = GW_STATE_ALL;
        else
            return "state must be open, resolved or all";
    }
    if ((v = gw_request_query(req, "limit")) != NULL) {
        char *end;
        errno = 0;
        f->limit = strtol(v, &end, 10);
        if (errno != 0 || end == v || *end != '\0' || f->limit < 1 || f->limit > 100000)
            return "limit must be an integer from 1 to 100000";
    }
    return NULL;
}
