/*
 * Routing (docs/slack-app.md "Routes"): KAIZEN_ROUTES_FILE says
 * which Slack channel and PagerDuty routing key a ticket or canary goes to.
 *
 *   {"routes": [{"name": "payments",
 *                "match": {"component": ["checkout", "pay-*"],
 *                          "severity": ["critical"], "source": ["github"]},
 *                "slack_channel": "C0PAY",
 *                "pager_routing_key_file": "/etc/kaizen/pay-pd"}],
 *    "default": {"slack_channel": "C0SRE"}}
 *
 * Match values are lists of globs (fnmatch, case-sensitive; absent = any);
 * the first route whose every list matches wins, else the default. A
 * canary matches on component = its service (its severity and source are
 * not matched: a route with a severity or source list never takes a
 * canary). Loading reads the key files, so a routes object holds secrets;
 * gw_routes_print never shows them. Pure apart from reading the files.
 *
 * A route and the default may carry their team's business calendar:
 * "timezone": "America/New_York", "business_hours": "mon-fri 09:00-17:00"
 * and "holidays": ["2026-12-25"]; each one a destination omits is the
 * global one's (KAIZEN_TIMEZONE, KAIZEN_BUSINESS_HOURS, KAIZEN_HOLIDAYS).
 * Zones are read through the caller's loader (the tz database is I/O).
 */
#ifndef GW_ROUTES_H
#define GW_ROUTES_H

#include <stddef.h>
#include <stdio.h>

#include "gateway/core/calendar.h"
#include "gateway/core/strlist.h"

#define GW_ROUTES_MAX 256
#define GW_ROUTE_DEFAULT "default"

/* Where a ticket or canary goes. */
struct gw_destination {
    const char *route;           /* the route's name ("default" for the default) */
    const char *slack_channel;   /* NULL: the process-wide Slack destination */
    const char *pager_key;       /* NULL: KAIZEN_PAGER_ROUTING_KEY (or none) */
    const struct gw_calendar *calendar;   /* its business calendar; NULL: the global one */
};

struct gw_routes;
struct gw_tz;

/* Where the destinations' calendars start from. */
struct gw_routes_calendars {
    const struct gw_calendar *global;   /* what a destination omits; its zone too (borrowed) */
    /* Loads a zone by name (gateway/app/zones.h); NULL with the reason in err. */
    struct gw_tz *(*load_zone)(const char *name, char *err, size_t errlen);
};

/*
 * Loads and checks path. fallback_channel / fallback_key (may be NULL) are
 * KAIZEN_SLACK_CHANNEL and KAIZEN_PAGER_ROUTING_KEY: what a destination
 * without its own uses. calendars (borrowed; global must outlive the
 * routes) gives every destination a calendar; NULL: destinations have none
 * and a calendar field is an error. Returns NULL with one line in err
 * naming the file, the route and the problem ("routes.json: routes[1]
 * (payments): match.severity: 'urgent' is not critical, high, medium or
 * low"), or the file and line of a JSON syntax error.
 */
struct gw_routes *gw_routes_load(const char *path, const char *fallback_channel,
                                 const char *fallback_key,
                                 const struct gw_routes_calendars *calendars, char *err,
                                 size_t errlen);
void gw_routes_free(struct gw_routes *r);
/* Exchanges the routes of a and b (a reload: holders of a see b's from now on). */
void gw_routes_swap(struct gw_routes *a, struct gw_routes *b);

/* The destination of a ticket (severity name, source "github"|"alertmanager"). */
struct gw_destination gw_routes_ticket(const struct gw_routes *r, const char *component,
                                       const char *severity, const char *source);
/* The destination of a canary of service. */
struct gw_destination gw_routes_canary(const struct gw_routes *r, const char *service);

/* 1 when name is a route of r, or "default" (the only one without a routes file). */
int gw_routes_has(const struct gw_routes *r, const char *name);

/* The default's channel (its own, else the fallback), or NULL. */
const char *gw_routes_default_channel(const struct gw_routes *r);

/* Every distinct Slack channel of the routes and the default, in file order. */
size_t gw_routes_channels(const struct gw_routes *r, const char **out, size_t max);

/*
 * One line per route and the default: name, matches, channel, "pager key
 * set", and a calendar of its own (zone, hours, holidays); no secret.
 */
void gw_routes_print(const struct gw_routes *r, FILE *out);

#endif
