/*
 * A ticket's postmortem draft (GET /api/timeline?format=markdown; template
 * postmortem, templates/README.md): title, component and severity, the
 * timeline with how long after the opening each event came, time to
 * acknowledge, time to resolve and the SLA outcome, then the empty sections
 * a postmortem fills in. Built on text/render_base.h. Pure.
 */
#ifndef GW_POSTMORTEM_H
#define GW_POSTMORTEM_H

#include <stddef.h>
#include <stdint.h>

#include "gateway/core/ticket.h"
#include "gateway/text/mustache.h"

/* One event as the store keeps it (store/tickets.h has the same fields). */
struct gw_postmortem_event {
    int64_t at;
    const char *event, *by, *detail;
};

/*
 * The draft of ticket t (its current opening began at since; its events in
 * order) at now: malloc'd Markdown, NULL on OOM.
 */
char *gw_render_postmortem(const struct gw_templates *set, const struct gw_ticket *t,
                           int64_t since, const struct gw_postmortem_event *events, size_t n,
                           int64_t now);

/* What an event reads as: "Acknowledged by @alice". Writes into buf, returns it. */
const char *gw_postmortem_event_text(const struct gw_postmortem_event *e, char *buf, size_t len);

#endif
