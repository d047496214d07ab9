/*
 * GET /api/reports/weekly (admin): the weekly Kaizen report as JSON, and
 * GET /reports/weekly (feed token if set): the same as an HTML page with
 * trend charts. ?week=YYYY-Www (default: the last complete week),
 * ?route=NAME (default: every route). Built from the per-week aggregates:
 * O(groups * weeks), whatever the number of tickets.
 */
#include <event2/buffer.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gateway/core/routing.h"
#include "gateway/jobs/report.h"
#include "gateway/text/report_html.h"
#include "gateway/util/clock.h"
#include "handlers/handlers.h"

enum report_form { FORM_JSON, FORM_HTML };

struct report_request {
    struct gw_reports_handler *h;
    struct gw_request *req;
    enum report_form form;
    struct gw_period week;
    struct gw_report_route route;
    char route_name[256];
};

static void
free_page(const void *data, size_t len, void *arg)
{
    (void)len;
    (void)arg;
    free((void *)data);
}

static void
reply_page(struct gw_request *req, char *html, size_t len)
{
    struct evbuffer *body = evbuffer_new();

    if (body == NULL || evbuffer_add_reference(body, html, len, free_page, NULL) != 0) {
        free(html);
        gw_reply_error(req, 500, "out of memory");
    } else {
        gw_reply_header(req, "Content-Security-Policy",
                        "default-src 'none'; style-src 'unsafe-inline'; img-src data:");
        gw_reply_buffer(req, 200, "text/html; charset=utf-8", body);
    }
    if (body != NULL)
        evbuffer_free(body);
}

static void
on_report(const struct gw_report *r, const struct gw_redis_error *err, void *arg)
{
    struct report_request *rr = arg;
    const struct gw_reports_handler *h = rr->h;
    const struct gw_periods *periods = h->periods;
    const char *route = rr->route.route;

    if (err != NULL) {
        gw_reply_redis_error(rr->req, err, NULL);
    } else if (rr->form == FORM_JSON) {
        struct gw_report_meta meta = {periods->every > 0 ? NULL : h->timezone, route, gw_now()};
        json_t *body = gw_report_json(r, &meta);
        if (body == NULL)
            gw_reply_error(rr->req, 500, "out of memory");
        else
            gw_reply_json(rr->req, 200, body);
    } else {
        struct gw_period next;
        gw_period_next(periods, r->week, &next);
        struct gw_report_page page = {{periods->every > 0 ? NULL : periods->tz, NULL},
                                      periods->every > 0 ? NULL : h->timezone, route,
                                      r->previous->label,
                                      next.start <= gw_now() ? next.label : NULL};
        size_t len = 0;
        char *html = gw_report_html(r, &page, &len);
        if (html == NULL)
            gw_reply_error(rr->req, 500, "out of memory");
        else
            reply_page(rr->req, html, len);
    }
    free(rr);
}

/* The week asked for, or a reason for a 400 (or 404 when it is no longer kept). */
static const char *
week_of(const struct gw_reports_handler *h, const char *v, struct gw_period *week, int *status)
{
    int64_t now = gw_now();
    struct gw_period current;

    *status = 400;
    gw_period_of(h->periods, now, &current);
    if (v == NULL) {
        gw_period_prev(h->periods, &current, week);
        return NULL;
    }
    if (gw_period_parse(h->periods, v, week) != 0)
        return h->periods->every > 0 ? "week: not a period of KAIZEN_REPORT_EVERY (every<seconds>-<n>)"
                                     : "week: not an ISO week like 2026-W49";
    if (week->start > now)
        return "week: has not started yet";
    if (week->end < now - h->keep) {
        *status = 404;
        return "week: older than the weeks kept (max(26 weeks, KAIZEN_RETENTION))";
    }
    return NULL;
}

static void
on_request(struct gw_request *req, struct gw_reports_handler *h, enum report_form form)
{
    static const char *const params[] = {"week", "route", "token", NULL};
    struct report_request *rr;
    const char *bad, *route;
    int status;

    if (form == FORM_JSON ? !gw_admin_ok(h->admin_token, req) : !gw_feed_ok(h->feed_token, req))
        return;
    if ((rr = calloc(1, sizeof(*rr))) == NULL) {
        gw_reply_error(req, 500, "out of memory");
        return;
    }
    rr->h = h;
    rr->req = req;
    rr->form = form;
    if (gw_request_unknown_query(req, params) != NULL ||
        (form == FORM_JSON && gw_request_query(req, "token") != NULL)) {
        gw_reply_error(req, 400, "unknown query parameter (use week, route)");
        free(rr);
        return;
    }
    if ((bad = week_of(h, gw_request_query(req, "week"), &rr->week, &status)) != NULL) {
        gw_reply_error(req, status, bad);
        free(rr);
        return;
    }
    if ((route = gw_request_query(req, "route")) != NULL) {
        if (!gw_routes_has(h->routing->routes, route) || strlen(route) >= sizeof(rr->route_name)) {
            gw_reply_error(req, 400, h->routing->routes != NULL
                                         ? "route: no such route in the routes file"
                                         : "route: without a routes file the only route is default");
            free(rr);
            return;
        }
        snprintf(rr->route_name, sizeof(rr->route_name), "%s", route);
        rr->route = (struct gw_report_route){h->routing, rr->route_name};
    }
    gw_report_fetch(h->reports, &rr->week, route != NULL ? gw_report_route_accepts : NULL,
                    &rr->route, on_report, rr);
}

static void
on_json(struct gw_request *req, void *arg)
{
    on_request(req, arg, FORM_JSON);
}

static void
on_html(struct gw_request *req, void *arg)
{
    on_request(req, arg, FORM_HTML);
}

void
gw_reports_register(struct gw_http *http, struct gw_reports_handler *h)
{
    gw_http_route(http, "/api/reports/weekly", 0, GW_GET, on_json, h);
    gw_http_route(http, "/reports/weekly", 0, GW_GET, on_html, h);
    gw_http_route_codes(http, "/api/reports/weekly", 0, h->admin_token != NULL
                                                            ? "200 400 401 404 500 503"
                                                            : "200 400 403 404 500 503");
    gw_http_route_codes(http, "/reports/weekly", 0, h->feed_token != NULL
                                                        ? "200 400 401 404 500 503"
                                                        : "200 400 404 500 503");
}
