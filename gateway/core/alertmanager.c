#include "gateway/core/alertmanager.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gateway/core/payload.h"
#include "gateway/core/wire.h"

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
opt_string(const struct gw_jval *obj, const char *key, const char **out)
{
    const struct gw_jval *v = gw_jget(obj, key);
    *out = NULL;
    if (v == NULL || v->type == GW_JNULL)
        return 0;
    if (v->type != GW_JSTRING)
        return -1;
    *out = v->v.s;
    return 0;
}

static int
parse_alert(const struct gw_jval *alert, size_t i, const struct gw_alert_opts *opts,
            struct gw_ticket_change *ch, char *err, size_t errlen)
{
    const char *fingerprint, *status, *summary = NULL, *alertname = NULL, *url = NULL;
    const char *component = NULL, *severity = NULL;
    const struct gw_jval *labels, *annotations;
    struct gw_ticket *t = &ch->ticket;
    char id[MAX_FINGERPRINT + 4];
    static const char *const component_labels[] = {"component", "service", "job"};

    if (alert->type != GW_JOBJECT) {
        snprintf(err, errlen, "alerts[%zu] must be an object", i);
        return -1;
    }
    labels = gw_jget(alert, "labels");
    annotations = gw_jget(alert, "annotations");
    if ((labels != NULL && labels->type != GW_JOBJECT) ||
        (annotations != NULL && annotations->type != GW_JOBJECT)) {
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
    if (gw_wire_alert_id(id, sizeof(id), fingerprint) != 0) {
        snprintf(err, errlen, "fingerprint: too long for a ticket id");
        return -1;
    }
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
    t->sla_deadline = gw_sla_policy_deadline(opts->sla, t, t->created_at);
    ch->sla_restart = gw_sla_policy_deadline(opts->sla, t, t->updated_at);
    return 0;
}

int
gw_alertmanager_parse(const struct gw_jval *payload, const struct gw_alert_opts *opts,
                      struct gw_alert_batch *batch, char *err, size_t errlen)
{
    const char *version, *status;
    const struct gw_jval *alerts, *truncated;

    memset(batch, 0, sizeof(*batch));
    if (payload == NULL || payload->type != GW_JOBJECT) {
        snprintf(err, errlen, "payload must be a JSON object");
        return -1;
    }
    version = gw_jstr(gw_jget(payload, "version"));
    if (version == NULL || strcmp(version, "4") != 0) {
        snprintf(err, errlen, "unsupported payload version %s%s%s: only \"4\" is understood",
                 version ? "\"" : "", version ? version : "(missing)", version ? "\"" : "");
        return -1;
    }
    status = gw_jstr(gw_jget(payload, "status"));
    batch->status = status != NULL && strcmp(status, "resolved") == 0 ? "resolved" : "firing";
    truncated = gw_jget(payload, "truncatedAlerts");
    if (truncated != NULL && truncated->type != GW_JINT) {
        snprintf(err, errlen, "truncatedAlerts must be an integer");
        return -1;
    }
    batch->truncated = truncated != NULL ? (long)truncated->v.i : 0;
    alerts = gw_jget(payload, "alerts");
    if (alerts == NULL || alerts->type != GW_JARRAY) {
        snprintf(err, errlen, "alerts must be an array");
        return -1;
    }
    if (alerts->n == 0)
        return 0;
    batch->changes = calloc(alerts->n, sizeof(*batch->changes));
    if (batch->changes == NULL) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    for (size_t i = 0; i < alerts->n; i++) {
        if (parse_alert(&alerts->v.items[i], i, opts, &batch->changes[i], err, errlen) != 0) {
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
