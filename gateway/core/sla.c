#include "gateway/core/sla.h"

#include <string.h>

static int
business(const struct gw_sla_policy *p, enum gw_severity sev)
{
    return p != NULL && p->business != NULL && sev >= 0 && sev < GW_SEV_COUNT &&
           p->business[sev];
}

const char *
gw_sla_clock_name(const struct gw_sla_policy *p, enum gw_severity sev)
{
    return business(p, sev) ? GW_SLA_CLOCK_BUSINESS : GW_SLA_CLOCK_24X7;
}

const struct gw_calendar *
gw_sla_calendar(const struct gw_sla_policy *p, const struct gw_ticket *t)
{
    const struct gw_calendar *route = NULL;

    if (!business(p, t->severity))
        return NULL;
    if (p->routes != NULL)
        route = gw_routes_ticket(p->routes, t->component, gw_severity_name(t->severity),
                                 t->source).calendar;
    return route != NULL ? route : p->calendar;
}

int64_t
gw_sla_policy_deadline(const struct gw_sla_policy *p, const struct gw_ticket *t, int64_t start)
{
    const struct gw_calendar *c = gw_sla_calendar(p, t);
    enum gw_severity sev = t->severity >= 0 && t->severity < GW_SEV_COUNT ? t->severity
                                                                          : GW_SEV_MEDIUM;

    if (c == NULL)
        return gw_sla_deadline(p->sla, t->severity, start);
    return gw_calendar_deadline(c, start, p->sla->seconds[sev]);
}

void
gw_sla_status(const struct gw_sla_policy *p, const struct gw_ticket *t, int64_t now,
              struct gw_sla_status *out)
{
    const struct gw_calendar *c = t->state == GW_TICKET_OPEN && t->sla_deadline > now
                                      ? gw_sla_calendar(p, t) : NULL;
    int64_t next;

    memset(out, 0, sizeof(*out));
    out->at = now;
    if (c == NULL)
        return;
    out->business = 1;
    out->tz = c->tz;
    out->business_left = gw_calendar_open_between(c, now, t->sla_deadline);
    if (!gw_calendar_open_at(c, now, &next) && next != INT64_MAX)
        out->paused_until = next;
}
