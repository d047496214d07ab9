/*
 * Where the gateway's messages go: the routes file (core/routes.h) applied
 * to the outbox's destinations. In Web API mode with a routes file, each
 * Slack channel is a destination of its own, "slack:<channel>" (its own
 * queues and its own rate limit); otherwise every Slack message goes to
 * the one destination "slack" (the incoming webhook, or
 * KAIZEN_SLACK_CHANNEL). PagerDuty messages all go to "pager": the routing
 * key travels in each body.
 *
 * routes may be swapped between two events of the loop; nothing keeps a
 * destination across events except what is stored in Redis.
 */
#ifndef GW_ROUTING_H
#define GW_ROUTING_H

#include <stddef.h>

#include "gateway/core/routes.h"
#include "gateway/core/ticket.h"

struct gw_routing {
    int web_api;                 /* KAIZEN_SLACK_BOT_TOKEN is set: channels can be chosen */
    const char *pager_key;       /* KAIZEN_PAGER_ROUTING_KEY: where no route names a key */
    struct gw_routes *routes;    /* NULL: no KAIZEN_ROUTES_FILE; a reload swaps its contents */
};

#define GW_DEST_LEN 160

/* 1 when Slack channels are destinations of their own (Web API mode and a routes file). */
int gw_routing_per_channel(const struct gw_routing *r);

/* The route name and Slack destination of a ticket. */
const char *gw_routing_ticket(const struct gw_routing *r, const struct gw_ticket *t, char *dest,
                              size_t len);

/* The Slack destination and routing key ("" for none) of a canary of service. */
void gw_routing_canary(const struct gw_routing *r, const char *service, char *dest, size_t len,
                       char *key, size_t key_len);

/* How many Slack destinations there are (gw_routing_slack_dests without the names). */
size_t gw_routing_slack_count(const struct gw_routing *r);

/* Every Slack destination (at most max, GW_DEST_LEN each), routes' order. */
size_t gw_routing_slack_dests(const struct gw_routing *r, char (*dests)[GW_DEST_LEN], size_t max);

#endif
