#include "gateway/core/routing.h"

#include <stdio.h>
#include <string.h>

#include "gateway/core/wire.h"

int
gw_routing_per_channel(const struct gw_routing *r)
{
    return r->routes != NULL && r->web_api;
}

static void
slack_dest(const struct gw_routing *r, const char *channel, char *dest, size_t len)
{
    /* a channel name too long for a destination cannot be routed to: the default */
    if (gw_wire_slack_dest(dest, len, gw_routing_per_channel(r) ? channel : NULL) != 0)
        gw_wire_slack_dest(dest, len, NULL);
}

const char *
gw_routing_ticket(const struct gw_routing *r, const struct gw_ticket *t, char *dest, size_t len)
{
    struct gw_destination d = gw_routes_ticket(r->routes, t->component,
                                               gw_severity_name(t->severity), t->source);
    slack_dest(r, d.slack_channel, dest, len);
    return d.route;
}

void
gw_routing_canary(const struct gw_routing *r, const char *service, char *dest, size_t len,
                  char *key, size_t key_len)
{
    struct gw_destination d = gw_routes_canary(r->routes, service);
    const char *k = d.pager_key != NULL ? d.pager_key : r->pager_key;

    slack_dest(r, d.slack_channel, dest, len);
    snprintf(key, key_len, "%s", k != NULL ? k : "");
}

size_t
gw_routing_slack_count(const struct gw_routing *r)
{
    const char *channels[GW_ROUTES_MAX + 1];

    if (!gw_routing_per_channel(r))
        return 1;
    return gw_routes_channels(r->routes, channels, GW_ROUTES_MAX + 1);
}

size_t
gw_routing_slack_dests(const struct gw_routing *r, char (*dests)[GW_DEST_LEN], size_t max)
{
    const char *channels[GW_ROUTES_MAX + 1];
    size_t n;

    if (!gw_routing_per_channel(r)) {
        if (max == 0)
            return 0;
        gw_wire_slack_dest(dests[0], GW_DEST_LEN, NULL);
        return 1;
    }
    n = gw_routes_channels(r->routes, channels, GW_ROUTES_MAX + 1);
    for (size_t i = 0; i < n && i < max; i++)
        slack_dest(r, channels[i], dests[i], GW_DEST_LEN);
    return n < max ? n : max;
}
