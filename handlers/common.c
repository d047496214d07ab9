/* What the handlers share: authentication, webhook replies, Redis errors, ticket filters. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gateway/util/clock.h"
#include "gateway/core/hmac.h"
#include "gateway/core/routing.h"
#include "gateway/store/tickets.h"
#include "gateway/core/telemetry.h"
#include "gateway/util/parse.h"
#include "gateway/util/log.h"
#include "handlers/handlers.h"

#define RECENT_SECONDS (7 * 86400)

int
gw_bearer_ok(const char *auth, const char *token)
{
    if (auth == NULL || strncmp(auth, "Bearer ", 7) != 0)
        return 0;
    return gw_consttime_equal(auth + 7, strlen(auth + 7), token, strlen(token));
}

int
gw_admin_ok(const char *token, struct gw_request *req)
{
    if (token != NULL) {
        if (gw_bearer_ok(gw_request_header(req, "Authorization"), token))
            return 1;
        gw_reply_header(req, "WWW-Authenticate", "Bearer");
        gw_reply_error(req, 401, "missing or bad admin bearer token");
        return 0;
    }
    if (gw_request_is_loopback(req))
        return 1;
    gw_reply_error(req, 403, "KAIZEN_ADMIN_TOKEN is not set: /api/ and /-/reload only answer loopback clients");
    return 0;
}

int
gw_feed_ok(const char *token, struct gw_request *req)
{
    const char *given;
    int ok;

    if (token == NULL)
        return 1;
    given = gw_request_query(req, "token");
    if (given != NULL)
        ok = gw_consttime_equal(given, strlen(given), token, strlen(token));
    else
        ok = gw_bearer_ok(gw_request_header(req, "Authorization"), token);
    if (!ok) {
        gw_reply_header(req, "WWW-Authenticate", "Bearer");
        gw_reply_error(req, 401, "missing or bad feed token (?token= or Authorization: Bearer)");
    }
    return ok;
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

/* --- ticket filters and page cursors ---------------------------------------- */

char *
gw_cursor_encode(const char *raw, size_t len)
{
    static const char hex[] = "0123456789abcdef";
    char *out = malloc(2 * len + 1);
    if (out == NULL)
        return NULL;
    for (size_t i = 0; i < len; i++) {
        out[2 * i] = hex[(unsigned char)raw[i] >> 4];
        out[2 * i + 1] = hex[(unsigned char)raw[i] & 15];
    }
    out[2 * len] = '\0';
    return out;
}

static int
hex_digit(char c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* The page position "<12 hex digits>\0<ticket id>", hex-encoded, into buf. */
static int
cursor_decode(const char *s, char *buf, size_t buflen, size_t *len)
{
    size_t n = strlen(s);
    if (n % 2 != 0 || n / 2 < 14 || n / 2 > buflen)
        return -1;
    for (size_t i = 0; i < n / 2; i++) {
        int hi = hex_digit(s[2 * i]), lo = hex_digit(s[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return -1;
        buf[i] = (char)(hi * 16 + lo);
        if (i < 12 ? hex_digit(buf[i]) < 0 : i == 12 ? buf[i] != '\0' : buf[i] == '\0')
            return -1;
    }
    *len = n / 2;
    return 0;
}

const char *
gw_ticket_query_parse(struct gw_request *req, const struct gw_routing *routing,
                      struct gw_ticket_query *q, int paged)
{
    static const char *const params[] = {"component", "severity", "state", "route", "limit",
                                          "cursor", "token", NULL};
    struct gw_ticket_filter *f = &q->filter;
    const char *v;

    memset(q, 0, sizeof(*q));
    f->severity = GW_SEV_NONE;
    f->recent_seconds = RECENT_SECONDS;
    f->now = gw_now();
    f->limit = paged ? 100 : GW_FEED_ITEMS;
    v = gw_request_unknown_query(req, params);
    if (v != NULL || (!paged && (gw_request_query(req, "limit") != NULL ||
                                 gw_request_query(req, "cursor") != NULL)))
        return paged ? "unknown query parameter (use component, severity, state, route, limit, "
                       "cursor)"
                     : "unknown query parameter (use component, severity, state, route)";
    f->component = gw_request_query(req, "component");
    if (f->component != NULL && f->component[0] == '\0')
        return "component must not be empty";
    if (f->component != NULL && strlen(f->component) > GW_COMPONENT_FILTER_MAX)
        return "component must be at most 255 bytes";
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
    if ((v = gw_request_query(req, "limit")) != NULL &&
        gw_parse_long(v, 1, GW_TICKETS_PAGE_MAX, &f->limit) != 0)
        return "limit must be an integer from 1 to 1000";
    if ((v = gw_request_query(req, "cursor")) != NULL) {
        if (cursor_decode(v, q->cursor, sizeof(q->cursor), &f->cursor_len) != 0)
            return "malformed cursor (use next_cursor from the previous page)";
        f->cursor = q->cursor;
    }
    if ((q->route = gw_request_query(req, "route")) != NULL) {
        if (!gw_routes_has(routing->routes, q->route))
            return routing->routes != NULL ? "route: no such route in the routes file"
                                           : "route: without a routes file the only route is default";
        /* A page of the route's tickets is looked for among the next GW_ROUTE_SCAN. */
        q->want = f->limit;
        f->limit = GW_ROUTE_SCAN;
    }
    return NULL;
}

size_t
gw_ticket_route_filter(const struct gw_ticket_query *q, const struct gw_routing *routing,
                       const struct gw_ticket_list *page, struct gw_ticket *kept,
                       const char **cursor, size_t *cursor_len, char *buf)
{
    size_t n = 0;

    *cursor = page->next;
    *cursor_len = page->next_len;
    for (size_t i = 0; i < page->n; i++) {
        char dest[GW_DEST_LEN];
        if (strcmp(gw_routing_ticket(routing, &page->tickets[i], dest, sizeof(dest)), q->route) != 0)
            continue;
        kept[n++] = page->tickets[i];
        if (n == (size_t)q->want) {
            /* Full: the next page starts after this one, unless it was the last ticket of all. */
            if (i + 1 < page->n || page->next != NULL) {
                *cursor_len = gw_ticket_cursor(&page->tickets[i], buf);
                *cursor = *cursor_len > 0 ? buf : NULL;
            }
            break;
        }
    }
    return n;
}

int
gw_ticket_query_key(const struct gw_ticket_query *q, const char *routes, char *out, size_t len)
{
    static const char *const states[] = {"default", "open", "resolved", "all"};
    const struct gw_ticket_filter *f = &q->filter;
    int n = snprintf(out, len, "c=%s&s=%s&st=%s&r=%s&rv=%s",
                     f->component != NULL ? f->component : "",
                     f->severity == GW_SEV_NONE ? "" : gw_severity_name(f->severity),
                     states[f->state], q->route != NULL ? q->route : "",
                     q->route != NULL ? routes : "");
    return n >= 0 && (size_t)n < len ? 0 : -1;
}
