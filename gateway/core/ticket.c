#include "gateway/core/ticket.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "gateway/core/dates.h"
#include "gateway/util/utf8.h"

static const char *const severity_names[GW_SEV_COUNT] = {
    "critical", "high", "medium", "low"
};

void
gw_ticket_clear(struct gw_ticket *t)
{
    free(t->id);
    free(t->source);
    free(t->title);
    free(t->url);
    free(t->component);
    free(t->acked_by);
    memset(t, 0, sizeof(*t));
}

int
gw_ticket_id_valid(const char *id)
{
    return gw_utf8_id_valid(id, GW_TICKET_ID_MAX);
}

const char *
gw_severity_name(enum gw_severity s)
{
    if (s < 0 || s >= GW_SEV_COUNT)
        return NULL;
    return severity_names[s];
}

enum gw_severity
gw_severity_parse(const char *s)
{
    for (int i = 0; i < GW_SEV_COUNT; i++)
        if (s != NULL && strcmp(s, severity_names[i]) == 0)
            return (enum gw_severity)i;
    return GW_SEV_NONE;
}

const char *
gw_ticket_state_name(enum gw_ticket_state s)
{
    return s == GW_TICKET_RESOLVED ? "resolved" : "open";
}

/* If label starts with one of prefixes (case-insensitive), returns the rest. */
static const char *
strip_prefix(const char *label, const char *const *prefixes)
{
    for (; *prefixes != NULL; prefixes++) {
        size_t n = strlen(*prefixes);
        if (strncasecmp(label, *prefixes, n) == 0)
            return label + n;
    }
    return NULL;
}

enum gw_severity
gw_severity_from_label(const char *label)
{
    static const char *const prefixes[] = {
        "severity:", "severity/", "sev:", "sev/", "priority:", NULL
    };
    static const struct { const char *word; enum gw_severity sev; } words[] = {
        {"critical", GW_SEV_CRITICAL}, {"high", GW_SEV_HIGH},
        {"medium", GW_SEV_MEDIUM}, {"low", GW_SEV_LOW},
        {"p0", GW_SEV_CRITICAL}, {"p1", GW_SEV_HIGH},
        {"p2", GW_SEV_MEDIUM}, {"p3", GW_SEV_LOW},
    };
    const char *rest;

    if (label == NULL || (rest = strip_prefix(label, prefixes)) == NULL)
        return GW_SEV_NONE;
    while (*rest == ' ')
        rest++;
    for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
        if (strcasecmp(rest, words[i].word) == 0)
            return words[i].sev;
    return GW_SEV_NONE;
}

const char *
gw_component_from_label(const char *label, size_t *len)
{
    static const char *const prefixes[] = {
        "component:", "component/", "area:", "area/", NULL
    };
    const char *rest;

    if (label == NULL || (rest = strip_prefix(label, prefixes)) == NULL)
        return NULL;
    while (*rest == ' ')
        rest++;
    if (*rest == '\0')
        return NULL;
    *len = strlen(rest);
    return rest;
}

enum gw_severity
gw_severity_from_alert(const char *value)
{
    static const struct { const char *word; enum gw_severity sev; } words[] = {
        {"critical", GW_SEV_CRITICAL},
        {"error", GW_SEV_HIGH}, {"high", GW_SEV_HIGH}, {"major", GW_SEV_HIGH},
        {"warning", GW_SEV_MEDIUM}, {"medium", GW_SEV_MEDIUM},
        {"info", GW_SEV_LOW}, {"low", GW_SEV_LOW}, {"minor", GW_SEV_LOW},
    };

    if (value == NULL)
        return GW_SEV_NONE;
    for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
        if (strcasecmp(value, words[i].word) == 0)
            return words[i].sev;
    return GW_SEV_NONE;
}

int64_t
gw_sla_deadline(const struct gw_sla *sla, enum gw_severity sev, int64_t created_at)
{
    if (sev < 0 || sev >= GW_SEV_COUNT)
        sev = GW_SEV_MEDIUM;
    return created_at + sla->seconds[sev];
}

int64_t
gw_sla_remaining(int64_t deadline, int64_t now)
{
    return deadline - now;
}

enum gw_sla_colour
gw_sla_colour(int64_t remaining, int64_t warn, int64_t crit)
{
    if (remaining > warn)
        return GW_SLA_GREEN;
    if (remaining > crit)
        return GW_SLA_ORANGE;
    return GW_SLA_RED;
}

void
gw_ticket_change_clear(struct gw_ticket_change *change)
{
    gw_ticket_clear(&change->ticket);
    change->op = GW_OP_NONE;
}

json_t *
gw_ticket_json(const struct gw_ticket *t, int64_t now)
{
    char created[32], resolved[32], deadline[32];
    json_t *o = json_object();
    /* A resolved ticket's countdown stopped when it was resolved. */
    int64_t at = t->state == GW_TICKET_RESOLVED ? t->resolved_at : now;

    gw_time_format_rfc3339(t->created_at, created, sizeof(created));
    gw_time_format_rfc3339(t->resolved_at, resolved, sizeof(resolved));
    gw_time_format_rfc3339(t->sla_deadline, deadline, sizeof(deadline));
    json_object_set_new(o, "id", json_string(t->id));
    json_object_set_new(o, "source", json_string(t->source));
    json_object_set_new(o, "title", json_string(t->title));
    json_object_set_new(o, "url", t->url && t->url[0] ? json_string(t->url) : json_null());
    json_object_set_new(o, "component", json_string(t->component));
    json_object_set_new(o, "severity", json_string(gw_severity_name(t->severity)));
    json_object_set_new(o, "state", json_string(gw_ticket_state_name(t->state)));
    json_object_set_new(o, "created_at", json_string(created));
    json_object_set_new(o, "resolved_at",
                        t->state == GW_TICKET_RESOLVED ? json_string(resolved) : json_null());
    json_object_set_new(o, "sla_deadline", json_string(deadline));
    json_object_set_new(o, "sla_remaining_seconds",
                        json_integer(gw_sla_remaining(t->sla_deadline, at)));
    gw_time_format_rfc3339(t->acked_at, created, sizeof(created));
    json_object_set_new(o, "acked_by", t->acked_by != NULL ? json_string(t->acked_by) : json_null());
    json_object_set_new(o, "acked_at", t->acked_by != NULL ? json_string(created) : json_null());
    json_object_set_new(o, "reopened", json_integer(t->reopened));
    return o;
}
