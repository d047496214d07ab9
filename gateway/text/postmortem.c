#include "gateway/text/postmortem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gateway/core/dates.h"
#include "gateway/text/render_base.h"

const char *
gw_postmortem_event_text(const struct gw_postmortem_event *e, char *buf, size_t len)
{
    static const struct {
        const char *event, *text;
    } words[] = {
        {"opened", "Opened"},
        {"severity_changed", "Severity changed"},
        {"acknowledged", "Acknowledged"},
        {"sla_breached", "SLA breached (deadline passed)"},
        {"notified", "SLA-breach notice sent"},
        {"resolved", "Resolved"},
        {"reopened", "Reopened"},
    };
    const char *what = e->event;

    for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
        if (strcmp(words[i].event, e->event) == 0)
            what = words[i].text;
    snprintf(buf, len, "%s%s%s%s%s%s", what, *e->by ? " by " : "", e->by,
             *e->detail ? " (" : "", e->detail, *e->detail ? ")" : "");
    /* One table cell each: no line break, no column separator. */
    for (char *c = buf; *c != '\0'; c++)
        if (*c == '\n' || *c == '\r' || *c == '|')
            *c = *c == '|' ? '/' : ' ';
    return buf;
}

static int
set_duration_or(json_t *o, const char *key, int64_t seconds, int known, const char *otherwise)
{
    if (!known)
        return json_object_set_new(o, key, json_string(otherwise));
    return gw_render_set_duration(o, key, seconds < 0 ? 0 : seconds);
}

/* "met, 2h before the deadline", "breached by 3h", or for an open ticket where it stands. */
static void
sla_text(const struct gw_ticket *t, int64_t now, char *out, size_t len)
{
    char d[32];
    int64_t at = t->state == GW_TICKET_RESOLVED ? t->resolved_at : now;

    if (t->sla_deadline <= 0) {
        snprintf(out, len, "no deadline");
    } else if (at <= t->sla_deadline) {
        gw_human_duration(t->sla_deadline - at, d, sizeof(d));
        snprintf(out, len, t->state == GW_TICKET_RESOLVED ? "met, %s before the deadline"
                                                          : "not breached yet, due in %s", d);
    } else {
        gw_human_duration(at - t->sla_deadline, d, sizeof(d));
        snprintf(out, len, t->state == GW_TICKET_RESOLVED ? "breached by %s"
                                                          : "breached %s ago, still open", d);
    }
}

char *
gw_render_postmortem(const struct gw_templates *set, const struct gw_ticket *t, int64_t since,
                     const struct gw_postmortem_event *events, size_t n, int64_t now)
{
    json_t *vars = gw_render_ticket_context(t, gw_sla_remaining(t->sla_deadline, now), NULL, 0, NULL);
    json_t *list = json_array();
    int64_t opened = n > 0 ? events[0].at : t->created_at, acked = 0;
    char sla[96], *out = NULL;

    if (vars == NULL || list == NULL)
        goto done;
    for (size_t i = 0; i < n; i++) {
        char text[600], at[GW_RFC3339_LEN], offset[40] = "+";
        const struct gw_postmortem_event *e = &events[i];
        if (strcmp(e->event, "acknowledged") == 0 && e->at >= since && acked == 0)
            acked = e->at;
        gw_time_format_rfc3339(e->at, at, sizeof(at));
        gw_human_duration(e->at - opened, offset + 1, sizeof(offset) - 1);
        if (json_array_append_new(list, json_pack("{s:s, s:s, s:s, s:s}", "at", at, "offset",
                                                  e->at >= opened ? offset : offset + 1, "event",
                                                  e->event,
                                                  "text", gw_postmortem_event_text(e, text,
                                                                                   sizeof(text)))) < 0)
            goto done;
    }
    if (acked == 0 && t->acked_by != NULL)
        acked = t->acked_at;
    sla_text(t, now, sla, sizeof(sla));
    if (json_object_set_new(vars, "events", list) < 0) {
        list = NULL;
        goto done;
    }
    list = NULL;
    if (gw_render_set_time(vars, "opened_at", since) < 0 ||
        set_duration_or(vars, "time_to_acknowledge", acked - since, acked > 0,
                        "not acknowledged") < 0 ||
        set_duration_or(vars, "time_to_resolve", t->resolved_at - since,
                        t->state == GW_TICKET_RESOLVED, "still open") < 0 ||
        json_object_set_new(vars, "sla", json_string(sla)) < 0 ||
        json_object_set_new(vars, "reopened", json_integer(t->reopened)) < 0)
        goto done;
    out = gw_render_text(set, "postmortem", vars, GW_ESCAPE_NONE);
done:
    json_decref(list);
    json_decref(vars);
    return out;
}
