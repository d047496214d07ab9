/*
 * GET /api/tickets: {"tickets":[ticket...],"next_cursor":"..."} with
 * component, severity, state, limit (default 100, at most 1000) and cursor
 * (from the previous page; absent on the last page).
 */
#include <stdlib.h>

#include "gateway/core/routing.h"
#include "gateway/store/tickets.h"
#include "handlers/handlers.h"

struct list_request {
    struct gw_request *req;
    const struct gw_routing *routing;
    int64_t now;
};

static void
on_list(const struct gw_ticket_list *page, const struct gw_redis_error *err, void *arg)
{
    struct list_request *lr = arg;
    json_t *list, *body;
    char *cursor;

    if (err != NULL) {
        gw_reply_redis_error(lr->req, err, NULL);
        free(lr);
        return;
    }
    list = json_array();
    for (size_t i = 0; i < page->n; i++) {
        char dest[GW_DEST_LEN];
        json_t *t = gw_ticket_json(&page->tickets[i], lr->now);
        /* The route its messages take now ("default" without a routes file). */
        json_object_set_new(t, "route", json_string(gw_routing_ticket(lr->routing, &page->tickets[i],
                                                                      dest, sizeof(dest))));
        json_array_append_new(list, t);
    }
    body = json_pack("{s:o}", "tickets", list);
    if (page->next != NULL && (cursor = gw_cursor_encode(page->next, page->next_len)) != NULL) {
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
    struct gw_ticket_query query;
    struct list_request *lr;
    const char *bad;

    if (!gw_admin_ok(h->admin_token, req))
        return;
    if ((bad = gw_ticket_query_parse(req, &query, 1)) != NULL) {
        gw_reply_error(req, 400, bad);
        return;
    }
    if ((lr = malloc(sizeof(*lr))) == NULL) {
        gw_reply_error(req, 500, "out of memory");
        return;
    }
    lr->req = req;
    lr->routing = h->routing;
    lr->now = query.filter.now;
    gw_tickets_list(h->tickets, &query.filter, on_list, lr);
}

void
gw_tickets_api_register(struct gw_http *http, struct gw_api_handler *h)
{
    gw_http_route(http, "/api/tickets", 0, GW_GET, on_tickets, h);
    gw_http_route_codes(http, "/api/tickets", 0,
                        h->admin_token != NULL ? "200 400 401 500 503" : "200 400 403 500 503");
}
