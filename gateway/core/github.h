/*
 * GitHub webhook payloads -> ticket changes. Pure: no I/O.
 */
#ifndef GW_GITHUB_H
#define GW_GITHUB_H

#include <jansson.h>
#include <stddef.h>

#include "gateway/config.h"
#include "gateway/core/ticket.h"

struct gw_github_opts {
    const struct gw_sla *sla;
    enum gw_severity default_severity;
    const struct gw_strlist *ticket_labels;   /* empty: every issue is a ticket */
};

/*
 * Interprets an `issues` event. Returns 0 and fills change (op NONE for
 * actions the gateway does not use), or -1 with a reason in err for a
 * malformed payload (missing field, wrong type, bad timestamp).
 */
int gw_github_issue_change(json_t *payload, const struct gw_github_opts *opts,
                           struct gw_ticket_change *change, char *err, size_t errlen);

#endif
