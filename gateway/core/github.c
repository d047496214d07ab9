#include "gateway/core/github.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "gateway/core/payload.h"

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
gw_github_issue_change(json_t *payload, const struct gw_github_opts *opts,
                       struct gw_ticket_change *change, char *err, size_t errlen)
{
    const char *action, *repo, *repo_name, *title, *url, *state;
    json_t *number, *labels, *closed_at, *label;
    struct gw_ticket *t = &change->ticket;
    enum gw_severity severity = GW_SEV_NONE;
    const char *component = NULL;
    size_t component_len = 0, i;
    int has_ticket_label = opts->ticket_labels->n == 0;
    char id[512];

    memset(change, 0, sizeof(*change));
    if (!json_is_object(payload)) {
        snprintf(err, errlen, "payload must be a JSON object");
        return -1;
    }
    if ((action = gw_json_req_string(payload, "action", err, errlen)) == NULL ||
        (repo = gw_json_req_string(payload, "repository.full_name", err, errlen)) == NULL ||
        (repo_name = gw_json_req_string(payload, "repository.name", err, errlen)) == NULL ||
        (title = gw_json_req_string(payload, "issue.title", err, errlen)) == NULL ||
        (url = gw_json_req_string(payload, "issue.html_url", err, errlen)) == NULL ||
        (state = gw_json_req_string(payload, "issue.state", err, errlen)) == NULL ||
        gw_json_req_time(payload, "issue.created_at", &t->created_at, err, errlen) != 0 ||
        gw_json_req_time(payload, "issue.updated_at", &t->updated_at, err, errlen) != 0)
        goto err;
    number = gw_json_path(payload, "issue.number");
    if (!json_is_integer(number) || json_integer_value(number) < 0) {
        snprintf(err, errlen, "field issue.number must be a non-negative integer");
        goto err;
    }
    if (strcmp(state, "open") != 0 && strcmp(state, "closed") != 0) {
        snprintf(err, errlen, "field issue.state must be \"open\" or \"closed\"");
        goto err;
    }
    closed_at = gw_json_path(payload, "issue.closed_at");
    if (closed_at != NULL && !json_is_null(closed_at) &&
        gw_json_req_time(payload, "issue.closed_at", &t->resolved_at, err, errlen) != 0)
        goto err;
    labels = gw_json_path(payload, "issue.labels");
    if (labels != NULL && !json_is_array(labels)) {
        snprintf(err, errlen, "field issue.labels must be an array");
        goto err;
    }
    json_array_foreach(labels, i, label) {
        json_t *name = json_object_get(label, "name");
        if (!json_is_string(name)) {
            snprintf(err, errlen, "issue.labels[%zu].name must be a string", i);
            goto err;
        }
        const char *n = json_string_value(name);
        enum gw_severity s = gw_severity_from_label(n);
        if (s != GW_SEV_NONE && (severity == GW_SEV_NONE || s < severity))
            severity = s; /* the most severe label wins */
        if (component == NULL)
            component = gw_component_from_label(n, &component_len);
        if (!has_ticket_label && gw_strlist_contains(opts->ticket_labels, n))
            has_ticket_label = 1;
    }
    action_op(action, &change->op);
    if (change->op == GW_OP_NONE)
        return 0;
    if (change->op == GW_OP_UPSERT && !has_ticket_label)
        change->op = GW_OP_DROP;

    snprintf(id, sizeof(id), "gh:%s#%lld", repo, (long long)json_integer_value(number));
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
    t->sla_deadline = gw_sla_deadline(opts->sla, t->severity, t->created_at);
    return 0;
err:
    gw_ticket_change_clear(change);
    return -1;
}
