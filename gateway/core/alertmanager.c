#include "gateway/core/alertmanager.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gateway/core/payload.h"

#define MAX_FINGERPRINT 128

static int
valid_fingerprint(const char *s)
{
    size_t n = 0;
    for (; s[n] != '\0'; n++)
        if (!isalnum((unsigned char)s[n]) && s[n] != '-' && s[n] != '_')
            return 0;
    return n > 0 && n <= MAX_FINGERPRINT;
}

/* A string member of obj, NULL when absent; -1 when present with another type. */
static int
opt_string(json_t *obj, const char *key, const char **out)
{
    json_t *v = json_object_get(obj, key);
    *out = NULL;
    if (v == NULL || json_is_null(v))
        return 0;
    if (!json_is_string(v))
        return -1;
    *out = json_string_value(v);
    return 0;
}

static int
parse_alert(json_t *alert, size_t i, const struct gw_alert_opts *opts,
            struct gw_ticket_change *ch, char *err, size_t errlen)
{
    const char *fingerprint, *status, *summary = NULL, *alertname = NULL, *url = NULL;
    const char *component = NULL, *severity = NULL;
    json_t *labels, *annotations;
    struct gw_ticket *t = &ch->ticket;
    char id[MAX_FINGERPRINT + 4];
    static const char *const component_labels[] = {"component", "service", "job"};

    if (!json_is_object(alert)) {
        snprintf(err, errlen, "alerts[%zu] must be an object", i);
        return -1;
    }
    labels = json_object_get(alert, "labels");
    annotations = json_object_get(alert, "annotations");
    if ((labels != NULL && !json_is_object(labels)) ||
        (annotations != NULL && !json_is_object(annotations))) {
        snprintf(err, errlen, "alerts[%zu].labels and .annotations must be objects", i);
        return -1;
    }
    if (opt_string(alert, "fingerprint", &fingerprint) != 0 || fingerprint == NULL ||
        !valid_fingerprint(fingerprint)) {
        snprintf(err, errlen, "alerts[%zu].fingerprint is missing or malformed", i);
        return -1;
    }
    if (opt_string(alert, "status", &status) != 0 || status == NULL ||
        (strcmp(status, "firing") != 0 && strcmp(status, "resolved") != 0)) {
        snprintf(err, errlen, "alerts[%zu].status must be \"firing\" or \"resolved\"", i);
        return -1;
    }
    if (opt_string(annotations, "summary", &summary) != 0 ||
        opt_string(labels, "alertname", &alertname) != 0 ||
        opt_string(labels, "severity", &severity) != 0 ||
        opt_string(alert, "generatorURL", &url) != 0) {
        snprintf(err, errlen, "alerts[%zu]: labels, annotations and generatorURL must be strings", i);
        return -1;
    }
    for (size_t k = 0; k < 3 && component == NULL; k++) {
        if (opt_string(labels, component_labels[k], &component) != 0) {
            snprintf(err, errlen, "alerts[%zu].labels.%s must be a string", i, component_labels[k]);
            return -1;
        }
        if (component != NULL && component[0] == '\0')
            component = NULL;
    }
    if (gw_json_req_time(alert, "startsAt", &t->created_at, err, errlen) != 0) {
        snprintf(err, errlen, "alerts[%zu].startsAt must be an RFC 3339 timestamp", i);
        return -1;
    }
    if (strcmp(status, "resolved") == 0) {
        if (gw_json_req_time(alert, "endsAt", &t->resolved_at, err, errlen) != 0) {
            snprintf(err, errlen, "alerts[%zu].endsAt must be an RFC 3339 timestamp", i);
            return -1;
        }
        if (t->resolved_at < t->created_at)
            t->resolved_at = t->created_at;
        t->state = GW_TICKET_RESOLVED;
        t->updated_at = t->resolved_at;
    } else {
        t->state = GW_TICKET_OPEN;
        t->resolved_at = 0;
        t->updated_at = t->created_at;
    }
    snprintf(id, sizeof(id), "am:%s", fingerprint);
    ch->op = GW_OP_UPSERT;
    t->id = strdup(id);
    t->source = strdup("alertmanager");
    t->title = strdup(summary != NULL && summary[0] ? summary
                      : alertname != NULL && alertname[0] ? alertname : id);
    t->url = strdup(url != NULL ? url : "");
    t->component = strdup(component != NULL ? component : "unknown");
    t->severity = gw_severity_from_alert(severity);
    if (t->severity == GW_SEV_NONE)
        t->severity = opts->default_severity;
    t->sla_deadline = gw_sla_deadline(opts->sla, t->severity, t->created_at);
    return 0;
}

int
gw_alertmanager_parse(json_t *payload, const struct gw_alert_opts *opts,
                      struct gw_alert_batch *batch, char *err, size_t errlen)
{
    const char *version, *status;
    json_t *alerts, *truncated, *alert;
    size_t i;

    memset(batch, 0, sizeof(*batch));
    if (!json_is_object(payload)) {
        snprintf(err, errlen, "payload must be a JSON object");
        return -1;
    }
    version = json_string_value(json_object_get(payload, "version"));
    if (version == NULL || strcmp(version, "4") != 0) {
        snprintf(err, errlen, "unsupported payload version %s%s%s: only \"4\" is understood",
                 version ? "\"" : "", version ? version : "(missing)", version ? "\"" : "");
        return -1;
    }
    status = json_string_value(json_object_get(payload, "status"));
    batch->status = status != NULL && strcmp(status, "resolved") == 0 ? "resolved" : "firing";
    truncated = json_object_get(payload, "truncatedAlerts");
    if (truncated != NULL && !json_is_integer(truncated)) {
        snprintf(err, errlen, "truncatedAlerts must be an integer");
        return -1;
    }
    batch->truncated = truncated != NULL ? (long)json_integer_value(truncated) : 0;
    alerts = json_object_get(payload, "alerts");
    if (!json_is_array(alerts)) {
        snprintf(err, errlen, "alerts must be an array");
        return -1;
    }
    if (json_array_size(alerts) == 0)
        return 0;
    batch->changes = calloc(json_array_size(alerts), sizeof(*batch->changes));
    if (batch->changes == NULL) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    json_array_foreach(alerts, i, alert) {
        if (parse_alert(alert, i, opts, &batch->changes[i], err, errlen) != 0) {
            gw_ticket_change_clear(&batch->changes[i]);
            gw_alert_batch_clear(batch);
            return -1;
        }
        batch->n++;
    }
    return 0;
}

void
gw_alert_batch_clear(struct gw_alert_batch *batch)
{
    for (size_t i = 0; i < batch->n; i++)
        gw_ticket_change_clear(&batch->changes[i]);
    free(batch->changes);
    batch->changes = NULL;
    batch->n = 0;
}
