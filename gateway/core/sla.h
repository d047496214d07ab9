/*
 * The SLA policy: which clock a ticket's SLA counts on and where its
 * deadline falls. KAIZEN_SLA gives the seconds per severity and
 * KAIZEN_SLA_CLOCK whether they count every hour (24x7) or only business
 * hours; a business SLA counts in the calendar of the ticket's route (the
 * routes file's timezone/business_hours/holidays), else the global one.
 * The deadline is an absolute instant, computed when a ticket opens,
 * changes severity or reopens, and stored: everything after that (the
 * breach index, digests, feeds, the weekly report) reads it as it is.
 * Pure.
 */
#ifndef GW_SLA_H
#define GW_SLA_H

#include <stdint.h>

#include "gateway/core/calendar.h"
#include "gateway/core/routes.h"
#include "gateway/core/ticket.h"

struct gw_sla_policy {
    const struct gw_sla *sla;             /* KAIZEN_SLA */
    const int *business;                  /* KAIZEN_SLA_CLOCK: per severity, 1 = business hours;
                                           * NULL: every severity on 24x7 */
    const struct gw_calendar *calendar;   /* the global calendar */
    const struct gw_routes *routes;       /* NULL: no routes file; a reload swaps its contents */
};

#define GW_SLA_CLOCK_24X7 "24x7"
#define GW_SLA_CLOCK_BUSINESS "business"

/* GW_SLA_CLOCK_BUSINESS when severity sev counts business hours, else GW_SLA_CLOCK_24X7. */
const char *gw_sla_clock_name(const struct gw_sla_policy *p, enum gw_severity sev);

/*
 * The calendar t's SLA counts in (its route's, else the global one), or
 * NULL when its severity is on 24x7. t's component, severity and source
 * choose the route.
 */
const struct gw_calendar *gw_sla_calendar(const struct gw_sla_policy *p, const struct gw_ticket *t);

/*
 * The deadline of t's SLA when it starts at start: start + KAIZEN_SLA on
 * 24x7; on business hours the instant at which that much open time of its
 * calendar has passed since start (a start outside hours counts from the
 * next opening).
 */
int64_t gw_sla_policy_deadline(const struct gw_sla_policy *p, const struct gw_ticket *t,
                               int64_t start);

/* How an open ticket's SLA stands at an instant, as digests show it. */
struct gw_sla_status {
    int business;              /* its SLA counts business hours and its deadline is ahead */
    int64_t business_left;     /* open seconds of its calendar from now to the deadline */
    int64_t paused_until;      /* its calendar is closed now: when it opens next; else 0 */
    const struct gw_tz *tz;    /* the calendar's zone, to show paused_until in */
    int64_t at;                /* the instant described */
};

/* The status of t's SLA at now (all 0 on 24x7, for a resolved ticket or a past deadline). */
void gw_sla_status(const struct gw_sla_policy *p, const struct gw_ticket *t, int64_t now,
                   struct gw_sla_status *out);

#endif
