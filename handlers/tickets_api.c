/* GET /api/tickets: {"tickets":[ticket...]} with component, severity, state, limit. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "gateway/app.h"
#include "gateway/core/dates.h"

#define RECENT_SECONDS (7 * 86400)

struct list_request {
    struct gw_request *req;
    int64_t now;
};

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

static void
on_list(int ok, const struct gw_ticket *tickets, size_t n, void *arg)
{
    struct list_request *lr = arg;
    json_t *list;

    if (!ok) {
        gw_reply_error(lr->req, 503, "redis unavailable");
        goto done;
    }
    list = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(list, gw_ticket_json(&tickets[i], lr->now));
    gw_reply_json(lr->req, 200, json_pack("{s:o}", "tickets", list));
done:
    free(lr);
}

static void
on_tickets(struct gw_request *req, void *arg)
{
    struct gw_app *app = arg;
    struct gw_ticket_filter filter;
    struct list_request *lr;
    const char *bad;

    if (!gw_app_admin_ok(app, req))
        return;
    if ((bad = gw_ticket_filter_parse(req, &filter, 1)) != NULL) {
        gw_reply_error(req, 400, bad);
        return;
    }
    lr = malloc(sizeof(*lr));
    if (lr == NULL) {
        gw_reply_error(req, 500, "out of memory");
        return;
    }
    lr->req = req;
    lr->now = filter.now;
    if (gw_store_list(app->store, &filter, on_list, lr) != 0) {
        free(lr);
        gw_reply_error(req, 503, "redis unavailable");
    }
}

void
gw_tickets_api_register(struct gw_app *app)
{
    gw_http_route(app->http, "/api/tickets", 0, GW_GET, on_tickets, app);
}
