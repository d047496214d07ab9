/*
 * GitHub webhook payloads -> ticket changes. Pure: no I/O.
 */
#ifndef GW_GITHUB_H
#define GW_GITHUB_H

#include <stddef.h>

#include "gateway/core/sla.h"
#include "gateway/core/strlist.h"
#include "gateway/core/ticket.h"
#include "gateway/util/jread.h"

struct gw_github_opts {
    const struct gw_sla_policy *sla;
    enum gw_severity default_severity;
    const struct gw_strlist *ticket_labels;   /* empty: every issue is a ticket */
};

/* The events (X-GitHub-Event) the gateway reads; any other is ignored unparsed. */
int gw_github_event_used(const char *event);

/*
 * Interprets an `issues` event. Returns 0 and fills change (op NONE for
 * actions the gateway does not use: only `action` is read then), or -1
 * with a reason in err for a malformed payload (missing field, wrong type,
 * bad timestamp).
 */
int gw_github_issue_change(const struct gw_jval *payload, const struct gw_github_opts *opts,
                           struct gw_ticket_change *change, char *err, size_t errlen);

#endif
