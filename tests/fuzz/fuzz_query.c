/*
 * Query strings of /api/tickets and the tickets feed, from the request
 * target on: libevent's URI parse (as for a request line), the server's
 * decoding (gw_request_parse_query), the ticket filters for both endpoints
 * (gw_ticket_query_parse) and the feed's key of them (gw_ticket_query_key).
 * A filter or cursor is either whole or refused: an accepted component is
 * the decoded parameter itself, at most GW_COMPONENT_FILTER_MAX bytes, an
 * accepted route the parameter itself and a route of the routes file, both
 * whole in the feed's key; an accepted cursor encodes back to the text
 * sent; an accepted limit is the number sent.
 */
#define _GNU_SOURCE   /* memfd_create */
#include <event2/http.h>
#include <sys/mman.h>
#include <sys/queue.h>
#include <unistd.h>

#include "gateway/core/routing.h"
#include "gateway/net/http_request.h"
#include "gateway/store/tickets.h"
#include "handlers/handlers.h"
#include "tests/fuzz/fuzz.h"

static const char *const state_names[] = {"default", "open", "resolved", "all"};
#define ROUTES_DIGEST "0123456789abcdef"

/* A routes file with two routes, loaded as the gateway loads one. */
static const struct gw_routing *
routing(void)
{
    static const char file[] =
        "{\"routes\":[{\"name\":\"payments\",\"match\":{\"component\":[\"pay-*\"]},"
        "\"slack_channel\":\"C0PAY\"},{\"name\":\"search\",\"slack_channel\":\"C0S\"}],"
        "\"default\":{\"slack_channel\":\"C0SRE\"}}";
    static struct gw_routing r;
    char path[64], err[256];
    int fd;

    if (r.routes != NULL)
        return &r;
    fd = memfd_create("routes.json", 0);
    snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
    if (fd < 0 || write(fd, file, sizeof(file) - 1) != (ssize_t)(sizeof(file) - 1) ||
        (r.routes = gw_routes_load(path, NULL, NULL, NULL, err, sizeof(err))) == NULL)
        abort();
    close(fd);
    return &r;
}

static void
check_filters(struct gw_request *req, int paged)
{
    struct gw_ticket_query q;
    const char *bad = gw_ticket_query_parse(req, routing(), &q, paged), *v, *route;
    const struct gw_ticket_filter *f = &q.filter;
    long limit;
    char key[1024], want[1024];

    if (bad != NULL) {
        FUZZ_CHECK(bad[0] != '\0', "refused without a reason");
        return;
    }
    v = gw_request_query(req, "component");
    FUZZ_CHECK(f->component == v, "the component filter is not the parameter itself");
    FUZZ_CHECK(v == NULL || (v[0] != '\0' && strlen(v) <= GW_COMPONENT_FILTER_MAX),
               "a component filter of %zu bytes accepted", strlen(v));
    route = gw_request_query(req, "route");
    FUZZ_CHECK(q.route == route && (route == NULL || gw_routes_has(routing()->routes, route)),
               "the route filter is not the parameter itself, or no route");
    FUZZ_CHECK(gw_ticket_query_key(&q, ROUTES_DIGEST, key, sizeof(key)) == 0,
               "the feed's key does not fit");
    snprintf(want, sizeof(want), "c=%s&s=%s&st=%s&r=%s&rv=%s", v != NULL ? v : "",
             f->severity == GW_SEV_NONE ? "" : gw_severity_name(f->severity),
             state_names[f->state], route != NULL ? route : "", route != NULL ? ROUTES_DIGEST : "");
    FUZZ_CHECK(strcmp(key, want) == 0, "the feed's key is not whole: %s", key);
    limit = route != NULL ? q.want : f->limit;
    FUZZ_CHECK(route == NULL || f->limit == GW_ROUTE_SCAN, "a route filter reads %ld", f->limit);
    FUZZ_CHECK(limit >= 1 && limit <= (paged ? GW_TICKETS_PAGE_MAX : GW_FEED_ITEMS), "limit %ld",
               limit);
    if ((v = gw_request_query(req, "limit")) != NULL) {
        char *end;
        long sent = strtol(v, &end, 10);
        FUZZ_CHECK(paged && *end == '\0' && sent == limit, "limit %ld read from %s", limit, v);
    }
    if ((v = gw_request_query(req, "cursor")) != NULL) {
        char *again = gw_cursor_encode(f->cursor, f->cursor_len);
        FUZZ_CHECK(paged && again != NULL && strcmp(again, v) == 0,
                   "the cursor %s reads back as %s", v, again);
        free(again);
    } else {
        FUZZ_CHECK(f->cursor == NULL, "a cursor out of nowhere");
    }
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char prefix[] = "/api/tickets?";
    char *target = malloc(sizeof(prefix) + size), err[128];
    struct evhttp_uri *uri;
    struct gw_request req = {0};

    if (target == NULL)
        return 0;
    memcpy(target, prefix, sizeof(prefix) - 1);
    memcpy(target + sizeof(prefix) - 1, data, size);
    target[sizeof(prefix) - 1 + size] = '\0';
    TAILQ_INIT(&req.query);
    /* What libevent does with a request line's target (the guard let only these through). */
    uri = evhttp_uri_parse_with_flags(target, EVHTTP_URI_NONCONFORMANT);
    if (uri != NULL && evhttp_uri_get_query(uri) != NULL) {
        if (gw_request_parse_query(&req, evhttp_uri_get_query(uri), err, sizeof(err)) == 0) {
            check_filters(&req, 1);
            check_filters(&req, 0);
        } else {
            FUZZ_CHECK(err[0] != '\0', "a query refused without a reason");
        }
    }
    evhttp_clear_headers(&req.query);
    if (uri != NULL)
        evhttp_uri_free(uri);
    free(target);
    return 0;
}
