/*
 * GET /api/tickets: {"tickets":[ticket...],"next_cursor":"..."} with
 * component, severity, state, route, limit (default 100, at most 1000) and
 * cursor (from the previous page; absent on the last page). With route, a
 * page is looked for among the next GW_ROUTE_SCAN tickets, so it may hold
 * fewer than limit with a next_cursor still to follow.
 */
#include <stdlib.h>

#include "gateway/core/routing.h"
#include "gateway/core/sla.h"
#include "gateway/store/tickets.h"
#include "handlers/handlers.h"

struct list_request {
    struct gw_request *req;
    const struct gw_routing *routing;
    const struct gw_sla_policy *sla;
    struct gw_ticket_query query;
};

static void
on_list(const struct gw_ticket_list *page, const struct gw_redis_error *err, void *arg)
{
    struct list_request *lr = arg;
    const struct gw_ticket *tickets = page != NULL ? page->tickets : NULL;
    struct gw_ticket *kept = NULL;
    const char *next = page != NULL ? page->next : NULL;
    size_t n = page != NULL ? page->n : 0, next_len = page != NULL ? page->next_len : 0;
    char buf[GW_TICKET_CURSOR_MAX];
    json_t *list, *body;
    char *cursor;

    if (err != NULL) {
        gw_reply_redis_error(lr->req, err, NULL);
        free(lr);
        return;
    }
    if (lr->query.route != NULL) {
        if ((kept = calloc(n + 1, sizeof(*kept))) == NULL) {
            gw_reply_error(lr->req, 500, "out of memory");
            free(lr);
            return;
        }
        n = gw_ticket_route_filter(&lr->query, lr->routing, page, kept, &next, &next_len, buf);
        tickets = kept;
    }
    list = json_array();
    for (size_t i = 0; i < n; i++) {
        char dest[GW_DEST_LEN];
        json_t *t = gw_ticket_json(&tickets[i], lr->query.filter.now);
        /* The route its messages take now ("default" without a routes file). */
        json_object_set_new(t, "route", json_string(gw_routing_ticket(lr->routing, &tickets[i],
                                                                      dest, sizeof(dest))));
        json_object_set_new(t, "sla_clock", json_string(gw_sla_clock_name(lr->sla,
                                                                          tickets[i].severity)));
        json_array_append_new(list, t);
    }
    free(kept);
    body = json_pack("{s:o}", "tickets", list);
    if (next != NULL && (cursor = gw_cursor_encode(next, next_len)) != NULL) {
        json_object_set_new(body, "next_cursor", json_string(cursor));
        free(cursor);
    }
    gw_reply_json(lr->req, 200, body);
    free(lr);
}

static void
on_tickets(struct gw_request *req, void *arg)
{
    struct gw_api_handler *h = arg;
    struct list_request *lr;
    const char *bad;

    if (!gw_admin_ok(h->admin_token, req))
        return;
    if ((lr = malloc(sizeof(*lr))) == NULL) {
        gw_reply_error(req, 500, "out of memory");
        return;
    }
    if ((bad = gw_ticket_query_parse(req, h->routing, &lr->query, 1)) != NULL) {
        gw_reply_error(req, 400, bad);
        free(lr);
        return;
    }
    lr->req = req;
    lr->routing = h->routing;
    lr->sla = h->sla;
    /* lr->query points into req (its query string), which lives until the reply */
    gw_tickets_list(h->tickets, &lr->query.filter, on_list, lr);
}

void
gw_tickets_api_register(struct gw_http *http, struct gw_api_handler *h)
{
    gw_http_route(http, "/api/tickets", 0, GW_GET, on_tickets, h);
    gw_http_route_codes(http, "/api/tickets", 0,
                        h->admin_token != NULL ? "200 400 401 500 503" : "200 400 403 500 503");
}
