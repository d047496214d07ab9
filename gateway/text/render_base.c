#include "gateway/text/render_base.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gateway/core/dates.h"
#include "gateway/text/digest_text.h"
#include "gateway/text/slack.h"
#include "gateway/util/utf8.h"

/*
 * Wording used when a template is missing, fails or renders only blanks. The
 * digest's pieces are not here: gw_digest_build has its own built-in text.
 */
static const struct {
    const char *name;
    const char *source;
} builtins[] = {
    {"sla_breach",
     "{{emoji}} *SLA breached* {{breached_for}} ago: {{{link}}}\n"
     "Severity {{severity}}, component {{component}}, deadline {{sla_deadline}}"
     "{{#postmortem}}\n{{{postmortem}}}{{/postmortem}}"},
    {"sla_breach_header",
     "\xF0\x9F\x94\xB4 {{count}} SLA breaches{{#is_split}} ({{first}}\xE2\x80\x93{{last}}){{/is_split}}"},
    {"sla_breach_line",
     "{{emoji}} {{{link}}} \xC2\xB7 {{severity}} \xC2\xB7 "
     "{{component}}{{^component}}(no component){{/component}} \xC2\xB7 breached {{breached_for}} ago"
     "{{#postmortem}} \xC2\xB7 {{{postmortem}}}{{/postmortem}}"},
    {"canary_summary",
     "Canary {{id}} ({{service}} in {{environment}}) has run {{elapsed}}, "
     "over its {{budget}} budget"},
    {"canary_slack",
     "*Canary over budget:* {{id}}\n"
     "{{service}} in {{environment}} has run {{elapsed}} (budget {{budget}}), "
     "started {{started_at}}"},
    {"canary_resolved",
     "\xE2\x9C\x85 *Canary resolved* after {{elapsed}}: *{{service}}* in *{{environment}}*"
     "{{#acked}} (acknowledged by {{acked_by}}){{/acked}}\nCanary `{{id}}`"},
    {"canary_acked",
     "\xF0\x9F\x91\x80 *Acknowledged by {{acked_by}}* at {{acked_at}}: canary *{{service}}* in "
     "*{{environment}}* over its {{budget}} budget (running {{elapsed}})\nCanary `{{id}}`"},
    {"report_header",
     "\xF0\x9F\x93\x88 Kaizen report {{week}} ({{from}} \xE2\x80\x93 {{to}})"
     "{{#is_split}} (part {{part}}/{{parts}}){{/is_split}}"},
    {"report_fallback",
     "Kaizen report {{week}}: {{resolved}} resolved, MTTR {{mttr}}, SLA {{attainment}}"},
    {"report_component",
     "*{{component}}* \xC2\xB7 {{opened}} opened \xC2\xB7 {{resolved}} resolved \xC2\xB7 "
     "MTTA {{mtta}} {{mtta_trend}} {{mtta_mark}} \xC2\xB7 MTTR {{mttr}} {{mttr_trend}} {{mttr_mark}} "
     "\xC2\xB7 SLA {{attainment}} {{attainment_trend}} {{attainment_mark}} \xC2\xB7 "
     "{{reopened}} reopened \xC2\xB7 {{open_at_end}} open{{#oldest}}, oldest {{oldest}}{{/oldest}}"},
    {"report_footer", "{{{link}}}"},
    {"rss_report_description",
     "{{week}} ({{from}} \xE2\x80\x93 {{to}}): {{resolved}} resolved, MTTR {{mttr}}, "
     "SLA {{attainment}}\n{{#lines}}{{component}}: {{opened}} opened, {{resolved}} resolved, "
     "MTTR {{mttr}}, SLA {{attainment}}, {{open_at_end}} open\n{{/lines}}{{{url}}}"},
    {"postmortem",
     "# Postmortem: {{title}}\n\n- **Ticket:** {{id}}\n- **Component:** {{component}}\n"
     "- **Severity:** {{severity}}\n- **Opened:** {{opened_at}}\n"
     "- **Time to acknowledge:** {{time_to_acknowledge}}\n- **Time to resolve:** "
     "{{time_to_resolve}}\n- **SLA:** {{sla}}\n\n## Timeline\n\n"
     "| time (UTC) | after opening | event |\n|---|---|---|\n"
     "{{#events}}| {{at}} | {{offset}} | {{text}} |\n{{/events}}\n## Summary\n\n## Impact\n\n"
     "## Root cause\n\n## Remediation\n\n## Prevention\n\n## Lessons learned"},
    {"rss_item_title", "{{#resolved}}[resolved] {{/resolved}}{{title}}"},
    {"rss_item_description",
     "Severity: {{severity}}; state: {{state}}; component: {{component}}; {{sla_text}}"},
    {"rss_digest_description",
     "{{#components}}{{name}} ({{count}} open)\n"
     "{{#tickets}}- {{title}}: {{sla_text}} {{url}}\n{{/tickets}}\n{{/components}}"
     "{{^components}}No open tickets.{{/components}}"},
};

/* ---- Rendering with fallback -------------------------------------------- */

static int
is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

char *
gw_render_tidy(char *s)
{
    char *start = s, *out = NULL;
    size_t len;

    if (s == NULL)
        return NULL;
    while (is_blank(*start))
        start++;
    len = strlen(start);
    while (len > 0 && is_blank(start[len - 1]))
        len--;
    if (len > 0 && gw_utf8_valid(start, len)) {
        /* The usual case: trim in place, no copy. */
        memmove(s, start, len);
        s[len] = '\0';
        return s;
    }
    if (len > 0)
        out = gw_utf8_sanitize(start, len);
    free(s);
    return out;
}

void
gw_render_flatten(char *s)
{
    for (; *s != '\0'; s++)
        if (*s == '\n' || *s == '\r' || *s == '\t')
            *s = ' ';
}

static char *
render_builtin(const char *name, json_t *ctx, enum gw_escape esc)
{
    struct gw_templates *set = NULL;
    char err[256], *out = NULL;

    for (size_t i = 0; i < sizeof(builtins) / sizeof(builtins[0]); i++) {
        if (strcmp(builtins[i].name, name) != 0)
            continue;
        if ((set = gw_templates_new()) != NULL &&
            gw_templates_add(set, name, builtins[i].source, NULL, err, sizeof(err)) == 0)
            out = gw_templates_render(set, name, ctx, esc);
        break;
    }
    gw_templates_free(set);
    return out;
}

char *
gw_render_text(const struct gw_templates *set, const char *name, json_t *ctx, enum gw_escape esc)
{
    char *out = NULL;

    if (set != NULL && ctx != NULL)
        out = gw_render_tidy(gw_templates_render(set, name, ctx, esc));
    if (out == NULL && ctx != NULL)
        out = gw_render_tidy(render_builtin(name, ctx, esc));
    return out;
}

/* ---- Template variables ------------------------------------------------- */

int
gw_render_set_text(json_t *obj, const char *key, const char *s, size_t limit)
{
    char *clean, *cut = NULL;
    int rc = -1;

    if (s == NULL)
        s = "";
    size_t len = strlen(s);
    /* Common case, thousands of times per feed: already valid, kept whole. */
    if (limit == GW_RENDER_FIELD_WHOLE && gw_utf8_valid(s, len))
        return json_object_set_new(obj, key, json_stringn_nocheck(s, len));
    if ((clean = gw_utf8_sanitize(s, len)) == NULL)
        return -1;
    if (limit != GW_RENDER_FIELD_WHOLE) {
        gw_render_flatten(clean);
        if ((cut = gw_utf8_truncate(clean, limit)) == NULL)
            goto done;
    }
    rc = json_object_set_new(obj, key, json_string(cut != NULL ? cut : clean));
done:
    free(clean);
    free(cut);
    return rc;
}

int
gw_render_set_time(json_t *obj, const char *key, int64_t t)
{
    char buf[32] = "";

    if (t != 0)
        gw_time_format_rfc3339(t, buf, sizeof(buf));
    return json_object_set_new(obj, key, json_string(buf));
}

int
gw_render_set_duration(json_t *obj, const char *key, int64_t seconds)
{
    char buf[32];

    return json_object_set_new(obj, key, json_string(gw_human_duration(seconds, buf,
                                                                        sizeof(buf))));
}

json_t *
gw_render_ticket_context(const struct gw_ticket *t, int64_t remaining, const char *emoji, int slack,
                         const struct gw_sla_status *clock)
{
    const char *title = t->title != NULL && *t->title != '\0' ? t->title
                        : t->id != NULL ? t->id : "";
    const char *severity = gw_severity_name(t->severity), *state = gw_ticket_state_name(t->state);
    size_t limit = slack ? GW_RENDER_FIELD_MAX : GW_RENDER_FIELD_WHOLE;
    int resolved = t->state == GW_TICKET_RESOLVED, has_sla = t->sla_deadline != 0;
    int64_t late;
    int breached;
    int business = !resolved && clock != NULL && clock->business;
    char sla[96], amount[32], paused[32];
    char *label = NULL, *link = NULL;
    json_t *ctx = json_object();

    if (resolved && t->resolved_at != 0)
        remaining = t->sla_deadline - t->resolved_at;
    late = remaining < 0 ? -remaining : 0;
    breached = has_sla && remaining < 0;
    if (!has_sla)
        snprintf(sla, sizeof(sla), "no SLA deadline");
    else if (!resolved)
        gw_sla_clock_text(business ? clock : NULL, remaining, sla, sizeof(sla));
    else if (breached)
        snprintf(sla, sizeof(sla), "SLA missed by %s",
                 gw_human_duration(late, amount, sizeof(amount)));
    else
        snprintf(sla, sizeof(sla), "SLA met");

    if (ctx == NULL ||
        gw_render_set_text(ctx, "id", t->id, limit) < 0 ||
        gw_render_set_text(ctx, "source", t->source, limit) < 0 ||
        gw_render_set_text(ctx, "title", title, limit) < 0 ||
        gw_render_set_text(ctx, "url", t->url, GW_RENDER_FIELD_WHOLE) < 0 ||
        gw_render_set_text(ctx, "component", t->component, limit) < 0 ||
        gw_render_set_text(ctx, "severity", severity, GW_RENDER_FIELD_WHOLE) < 0 ||
        gw_render_set_text(ctx, "state", state, GW_RENDER_FIELD_WHOLE) < 0 ||
        json_object_set_new(ctx, "resolved", json_boolean(resolved)) < 0 ||
        gw_render_set_time(ctx, "created_at", t->created_at) < 0 ||
        gw_render_set_time(ctx, "sla_deadline", t->sla_deadline) < 0 ||
        gw_render_set_time(ctx, "resolved_at", resolved ? t->resolved_at : 0) < 0 ||
        json_object_set_new(ctx, "remaining_seconds", json_integer(remaining)) < 0 ||
        json_object_set_new(ctx, "breached", json_boolean(breached)) < 0 ||
        (breached ? gw_render_set_duration(ctx, "breached_for", late)
                  : gw_render_set_text(ctx, "breached_for", "", GW_RENDER_FIELD_WHOLE)) < 0 ||
        gw_render_set_text(ctx, "sla_text", sla, GW_RENDER_FIELD_WHOLE) < 0 ||
        gw_render_set_text(ctx, "business_left", business ? gw_sla_amount(clock->business_left,
                           amount, sizeof(amount)) : "", GW_RENDER_FIELD_WHOLE) < 0 ||
        gw_render_set_text(ctx, "paused_until", business ? gw_sla_paused_text(clock, paused,
                           sizeof(paused)) : "", GW_RENDER_FIELD_WHOLE) < 0 ||
        (emoji != NULL && gw_render_set_text(ctx, "emoji", emoji, GW_RENDER_FIELD_WHOLE) < 0) ||
        json_object_set_new(ctx, "acked", json_boolean(t->acked_by != NULL)) < 0 ||
        gw_render_set_text(ctx, "acked_by", t->acked_by, limit) < 0 ||
        gw_render_set_time(ctx, "acked_at", t->acked_by != NULL ? t->acked_at : 0) < 0)
        goto err;
    if (slack) {
        /* The label is the title as set above: one line, cut, valid UTF-8. */
        label = strdup(json_string_value(json_object_get(ctx, "title")));
        if (label == NULL || (link = gw_slack_link(t->url, label)) == NULL ||
            json_object_set_new(ctx, "link", json_string(link)) < 0)
            goto err;
    }
    goto done;
err:
    json_decref(ctx);
    ctx = NULL;
done:
    free(label);
    free(link);
    return ctx;
}

/* ---- Slack messages ----------------------------------------------------- */

/* {"text": text, "blocks": [section mrkdwn text]}, text cut to a section's limit. */
static json_t *
slack_message(const char *text)
{
    char *cut = NULL;
    json_t *msg = NULL, *body = NULL, *section = NULL, *blocks = NULL;

    if (text == NULL || (cut = gw_slack_cut(text, GW_SLACK_SECTION_MAX, 1)) == NULL ||
        (msg = json_object()) == NULL ||
        json_object_set_new(msg, "text", json_string(cut)) < 0 ||
        json_object_set_new(msg, "blocks", blocks = json_array()) < 0 ||
        json_array_append_new(blocks, section = json_object()) < 0 ||
        json_object_set_new(section, "type", json_string("section")) < 0 ||
        json_object_set_new(section, "text", body = json_object()) < 0 ||
        json_object_set_new(body, "type", json_string("mrkdwn")) < 0 ||
        json_object_set_new(body, "text", json_string(cut)) < 0) {
        json_decref(msg);
        msg = NULL;
    }
    free(cut);
    return msg;
}

json_t *
gw_render_slack_message(const struct gw_templates *set, const char *name, json_t *ctx)
{
    char *text = gw_render_text(set, name, ctx, GW_ESCAPE_SLACK);
    json_t *msg = slack_message(text);

    free(text);
    json_decref(ctx);
    return msg;
}

int
gw_render_add_ack_button(json_t *msg, const char *value)
{
    json_t *blocks = json_object_get(msg, "blocks");

    if (!json_is_array(blocks) || value == NULL || strlen(value) > 2000)
        return -1;
    return json_array_append_new(
        blocks, json_pack("{s:s, s:s, s:[{s:s, s:s, s:{s:s, s:s}, s:s}]}", "type", "actions",
                          "block_id", GW_ACK_ACTION, "elements", "type", "button", "action_id",
                          GW_ACK_ACTION, "text", "type", "plain_text", "text", "Acknowledge",
                          "value", value));
}
