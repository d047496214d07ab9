/* GET /api/tickets: {"tickets":[ticket...]} with component, severity, state, limit. */
#include <stdlib.h>

#include "gateway/store/tickets.h"
#include "handlers/handlers.h"

struct list_request {
    struct gw_request *req;
    int64_t now;
};

static void
on_list(const struct gw_ticket *tickets, size_t n, const struct gw_redis_error *err, void *arg)
{
    struct list_request *lr = arg;
    json_t *list;

    if (err != NULL) {
        gw_reply_redis_error(lr->req, err, NULL);
    } else {
        list = json_array();
        for (size_t i = 0; i < n; i++)
            json_array_append_new(list, gw_ticket_json(&tickets[i], lr->now));
        gw_reply_json(lr->req, 200, json_pack("{s:o}", "tickets", list));
    }
    free(lr);
}

static void
on_tickets(struct gw_request *req, void *arg)
{
    struct gw_api_handler *h = arg;
    struct gw_ticket_filter filter;
    struct list_request *lr;
    const char *bad;

    if (!gw_admin_ok(h->cfg, req))
        return;
    if ((bad = gw_ticket_filter_parse(req, &filter, 1)) != NULL) {
        gw_reply_error(req, 400, bad);
        return;
    }
    if ((lr = malloc(sizeof(*lr))) == NULL) {
        gw_reply_error(req, 500, "out of memory");
        return;
    }
    lr->req = req;
    lr->now = filter.now;
    gw_tickets_list(h->tickets, &filter, on_list, lr);
}

void
gw_tickets_api_register(struct gw_http *http, struct gw_api_handler *h)
{
    gw_http_route(http, "/api/tickets", 0, GW_GET, on_tickets, h);
}
