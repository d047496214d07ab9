#include "gateway/core/github.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "gateway/core/payload.h"
#include "gateway/core/wire.h"

static int
action_op(const char *action, enum gw_ticket_op *op)
{
    static const char *const upserts[] = {"opened", "edited", "labeled", "unlabeled",
                                          "closed", "reopened", NULL};
    for (const char *const *a = upserts; *a != NULL; a++) {
        if (strcmp(action, *a) == 0) {
            *op = GW_OP_UPSERT;
            return 0;
        }
    }
    if (strcmp(action, "deleted") == 0 || strcmp(action, "transferred") == 0) {
        *op = GW_OP_REMOVE;
        return 0;
    }
    *op = GW_OP_NONE;
    return 0;
}

int
gw_github_event_used(const char *event)
{
    static const char *const used[] = {"ping", "issues", "deployment", "deployment_status", NULL};
    for (const char *const *u = used; event != NULL && *u != NULL; u++)
        if (strcmp(event, *u) == 0)
            return 1;
    return 0;
}

int
gw_github_issue_change(const struct gw_jval *payload, const struct gw_github_opts *opts,
                       struct gw_ticket_change *change, char *err, size_t errlen)
{
    const char *action, *repo, *repo_name, *title, *url, *state;
    const struct gw_jval *number, *labels, *closed_at;
    struct gw_ticket *t = &change->ticket;
    enum gw_severity severity = GW_SEV_NONE;
    const char *component = NULL;
    size_t component_len = 0;
    int has_ticket_label = opts->ticket_labels->n == 0;
    char id[512];

    memset(change, 0, sizeof(*change));
    if (payload == NULL || payload->type != GW_JOBJECT) {
        snprintf(err, errlen, "payload must be a JSON object");
        return -1;
    }
    /* An action the gateway does not use needs nothing else (pinned issues have no state). */
    if ((action = gw_json_req_string(payload, "action", err, errlen)) == NULL)
        return -1;
    action_op(action, &change->op);
    if (change->op == GW_OP_NONE)
        return 0;
    if ((repo = gw_json_req_string(payload, "repository.full_name", err, errlen)) == NULL ||
        (repo_name = gw_json_req_string(payload, "repository.name", err, errlen)) == NULL ||
        (title = gw_json_req_string(payload, "issue.title", err, errlen)) == NULL ||
        (url = gw_json_req_string(payload, "issue.html_url", err, errlen)) == NULL ||
        (state = gw_json_req_string(payload, "issue.state", err, errlen)) == NULL ||
        gw_json_req_time(payload, "issue.created_at", &t->created_at, err, errlen) != 0 ||
        gw_json_req_time(payload, "issue.updated_at", &t->updated_at, err, errlen) != 0)
        goto err;
    number = gw_jpath(payload, "issue.number");
    if (number == NULL || number->type != GW_JINT || number->v.i < 0) {
        snprintf(err, errlen, "field issue.number must be a non-negative integer");
        goto err;
    }
    if (strcmp(state, "open") != 0 && strcmp(state, "closed") != 0) {
        snprintf(err, errlen, "field issue.state must be \"open\" or \"closed\"");
        goto err;
    }
    closed_at = gw_jpath(payload, "issue.closed_at");
    if (closed_at != NULL && !gw_jis_null(closed_at) &&
        gw_json_req_time(payload, "issue.closed_at", &t->resolved_at, err, errlen) != 0)
        goto err;
    labels = gw_jpath(payload, "issue.labels");
    if (labels != NULL && labels->type != GW_JARRAY) {
        snprintf(err, errlen, "field issue.labels must be an array");
        goto err;
    }
    for (uint32_t i = 0; labels != NULL && i < labels->n; i++) {
        const char *n = gw_jstr(gw_jget(&labels->v.items[i], "name"));
        if (n == NULL) {
            snprintf(err, errlen, "issue.labels[%u].name must be a string", (unsigned)i);
            goto err;
        }
        enum gw_severity s = gw_severity_from_label(n);
        if (s != GW_SEV_NONE && (severity == GW_SEV_NONE || s < severity))
            severity = s; /* the most severe label wins */
        if (component == NULL)
            component = gw_component_from_label(n, &component_len);
        if (!has_ticket_label && gw_strlist_contains(opts->ticket_labels, n))
            has_ticket_label = 1;
    }
    if (change->op == GW_OP_UPSERT && !has_ticket_label)
        change->op = GW_OP_DROP;

    if (gw_wire_issue_id(id, sizeof(id), repo, (long long)number->v.i) != 0) {
        snprintf(err, errlen, "repository.full_name: too long for a ticket id (%zu bytes at most)",
                 sizeof(id) - 1);
        goto err;
    }
    if (!gw_ticket_id_valid(id)) {   /* a Slack button could not name it */
        snprintf(err, errlen, "repository.full_name: control characters are not allowed");
        goto err;
    }
    t->id = strdup(id);
    t->source = strdup("github");
    t->title = strdup(title);
    t->url = strdup(url);
    t->component = component != NULL ? strndup(component, component_len) : strdup(repo_name);
    t->severity = severity != GW_SEV_NONE ? severity : opts->default_severity;
    if (strcmp(state, "closed") == 0) {
        t->state = GW_TICKET_RESOLVED;
        if (t->resolved_at == 0)
            t->resolved_at = t->updated_at;
    } else {
        t->state = GW_TICKET_OPEN;
        t->resolved_at = 0; /* reopen clears it */
    }
    t->sla_deadline = gw_sla_policy_deadline(opts->sla, t, t->created_at);
    change->sla_restart = gw_sla_policy_deadline(opts->sla, t, t->updated_at);
    return 0;
err:
    gw_ticket_change_clear(change);
    return -1;
}
