/*
 * GitHub webhook payloads -> ticket changes. Pure: no I/O.
 */
#ifndef GW_GITHUB_H
#define GW_GITHUB_H

#include <jansson.h>
#include <stddef.h>

#include "gateway/config.h"
#include "gateway/core/ticket.h"

enum gw_ticket_op {
    GW_OP_NONE = 0,     /* valid event the gateway does not use: "ignored" */
    GW_OP_UPSERT,       /* create or update the ticket from the snapshot */
    GW_OP_DROP,         /* no longer a ticket (label filter); may come back */
    GW_OP_REMOVE        /* deleted/transferred: remove and remember (tombstone) */
};

struct gw_ticket_change {
    enum gw_ticket_op op;
    struct gw_ticket ticket;    /* owned; id and updated_at always set for ops != NONE */
};

struct gw_github_opts {
    const struct gw_sla *sla;
    enum gw_severity default_severity;
    const struct gw_strlist *ticket_labels;   /* empty: every issue is a ticket */
};

/*
 * Returns the JSON text of a webhook body: the body itself for
 * application/json, the decoded `payload` field for
 * application/x-www-form-urlencoded. Returns a malloc'd string (length in
 * *out_len) or NULL with *status = 415 (other content type) or 400 (bad form).
 */
char *gw_webhook_json_text(const char *content_type, const char *body, size_t len,
                           size_t *out_len, int *status, char *err, size_t errlen);

/*
 * Parses a webhook's JSON text into an object (duplicate keys and invalid
 * UTF-8 rejected). NULL with a reason in err otherwise.
 */
json_t *gw_json_parse_object(const char *text, size_t len, char *err, size_t errlen);

/* Decodes application/x-www-form-urlencoded field `name`; malloc'd or NULL. */
char *gw_form_field(const char *body, size_t len, const char *name, size_t *out_len);

/*
 * Interprets an `issues` event. Returns 0 and fills change (op NONE for
 * actions the gateway does not use), or -1 with a reason in err for a
 * malformed payload (missing field, wrong type, bad timestamp).
 */
int gw_github_issue_change(json_t *payload, const struct gw_github_opts *opts,
                           struct gw_ticket_change *change, char *err, size_t errlen);

void gw_ticket_change_clear(struct gw_ticket_change *change);

/* Helpers shared with other payload parsers (set err on failure). */
const char *gw_json_req_string(json_t *obj, const char *path, char *err, size_t errlen);
int gw_json_req_time(json_t *obj, const char *path, int64_t *out, char *err, size_t errlen);

#endif
