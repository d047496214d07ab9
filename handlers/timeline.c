/*
 * GET /api/timeline?ticket=ID (admin): the ticket's timeline,
 * {"ticket":ID,"events":[{"at","event","by"?,"detail"?}…]}, oldest first;
 * &format=markdown: its postmortem draft (text/postmortem.h).
 */
#include <event2/buffer.h>
#include <stdlib.h>
#include <string.h>

#include "gateway/core/dates.h"
#include "gateway/store/tickets.h"
#include "gateway/text/postmortem.h"
#include "gateway/util/clock.h"
#include "handlers/handlers.h"

struct timeline_request {
    struct gw_api_handler *h;
    struct gw_request *req;
    int markdown;
};

static void
reply_markdown(struct gw_request *req, const char *text)
{
    struct evbuffer *body = evbuffer_new();

    /* A text file ends with a line break. */
    if (body == NULL || evbuffer_add(body, text, strlen(text)) != 0 ||
        evbuffer_add(body, "\n", 1) != 0)
        gw_reply_error(req, 500, "out of memory");
    else
        gw_reply_buffer(req, 200, "text/markdown; charset=utf-8", body);
    if (body != NULL)
        evbuffer_free(body);
}

static json_t *
events_json(const char *id, const struct gw_timeline_event *events, size_t n)
{
    json_t *list = json_array();

    for (size_t i = 0; list != NULL && i < n; i++) {
        char at[GW_RFC3339_LEN];
        json_t *e = json_pack("{s:s, s:s}", "at", gw_time_format_rfc3339(events[i].at, at,
                                                                         sizeof(at)),
                              "event", events[i].event);
        if (*events[i].by != '\0')
            json_object_set_new(e, "by", json_string(events[i].by));
        if (*events[i].detail != '\0')
            json_object_set_new(e, "detail", json_string(events[i].detail));
        json_array_append_new(list, e);
    }
    return json_pack("{s:s, s:o}", "ticket", id, "events", list);
}

static void
on_timeline(const struct gw_ticket *t, int64_t since, const struct gw_timeline_event *events,
            size_t n, const struct gw_redis_error *err, void *arg)
{
    struct timeline_request *tr = arg;

    if (err != NULL) {
        gw_reply_redis_error(tr->req, err, NULL);
    } else if (t == NULL) {
        gw_reply_error(tr->req, 404, "no such ticket");
    } else if (tr->markdown) {
        struct gw_postmortem_event *pe = calloc(n + 1, sizeof(*pe));
        char *text = NULL;
        for (size_t i = 0; pe != NULL && i < n; i++)
            pe[i] = (struct gw_postmortem_event){events[i].at, events[i].event, events[i].by,
                                                 events[i].detail};
        if (pe != NULL)
            text = gw_render_postmortem(tr->h->templates, t, since, pe, n, gw_now());
        if (text == NULL)
            gw_reply_error(tr->req, 500, "out of memory");
        else
            reply_markdown(tr->req, text);
        free(text);
        free(pe);
    } else {
        json_t *body = events_json(t->id, events, n);
        if (body == NULL)
            gw_reply_error(tr->req, 500, "out of memory");
        else
            gw_reply_json(tr->req, 200, body);
    }
    free(tr);
}

static void
on_request(struct gw_request *req, void *arg)
{
    static const char *const params[] = {"ticket", "format", NULL};
    struct gw_api_handler *h = arg;
    struct timeline_request *tr;
    const char *id = gw_request_query(req, "ticket"), *format = gw_request_query(req, "format");

    if (!gw_admin_ok(h->admin_token, req))
        return;
    if (gw_request_unknown_query(req, params) != NULL) {
        gw_reply_error(req, 400, "unknown query parameter (use ticket, format)");
        return;
    }
    if (id == NULL || !gw_ticket_id_valid(id)) {
        gw_reply_error(req, 400, "ticket: a ticket id is required (e.g. gh:octo-org/api#42)");
        return;
    }
    if (format != NULL && strcmp(format, "markdown") != 0 && strcmp(format, "json") != 0) {
        gw_reply_error(req, 400, "format must be json or markdown");
        return;
    }
    if ((tr = calloc(1, sizeof(*tr))) == NULL) {
        gw_reply_error(req, 500, "out of memory");
        return;
    }
    tr->h = h;
    tr->req = req;
    tr->markdown = format != NULL && strcmp(format, "markdown") == 0;
    gw_tickets_timeline(h->tickets, id, on_timeline, tr);
}

void
gw_timeline_api_register(struct gw_http *http, struct gw_api_handler *h)
{
    gw_http_route(http, "/api/timeline", 0, GW_GET, on_request, h);
    gw_http_route_codes(http, "/api/timeline", 0, h->admin_token != NULL
                                                      ? "200 400 401 404 500 503"
                                                      : "200 400 403 404 500 503");
}
