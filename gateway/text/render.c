#include "gateway/text/render.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gateway/text/slack.h"
#include "gateway/core/dates.h"
#include "gateway/text/digest_text.h"
#include "gateway/text/render_internal.h"
#include "gateway/util/utf8.h"


const char *const gw_required_templates[] = {
    "digest_header",
    "digest_component",
    "digest_ticket",
    "digest_fallback",
    "sla_breach",
    "canary_summary",
    "canary_slack",
    "rss_item_title",
    "rss_item_description",
    "rss_digest_description",
    NULL
};

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
     "Severity {{severity}}, component {{component}}, deadline {{sla_deadline}}"},
    {"sla_breach_header",
     "\xF0\x9F\x94\xB4 {{count}} SLA breaches{{#is_split}} ({{first}}\xE2\x80\x93{{last}}){{/is_split}}"},
    {"sla_breach_line",
     "{{emoji}} {{{link}}} \xC2\xB7 {{severity}} \xC2\xB7 "
     "{{component}}{{^component}}(no component){{/component}} \xC2\xB7 breached {{breached_for}} ago"},
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

/*
 * Takes s over and returns it trimmed of blanks at both ends and repaired to
 * valid UTF-8, or NULL when s is NULL or holds only blanks.
 */
static char *
tidy(char *s)
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

/* Line breaks and tabs of s become spaces, in place. */
static void
flatten(char *s)
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

/* Tidy text of template name, else of its built-in wording; NULL if neither gives any. */
char *
gw_render_text(const struct gw_templates *set, const char *name, json_t *ctx, enum gw_escape esc)
{
    char *out = NULL;

    if (set != NULL && ctx != NULL)
        out = tidy(gw_templates_render(set, name, ctx, esc));
    if (out == NULL && ctx != NULL)
        out = tidy(render_builtin(name, ctx, esc));
    return out;
}

/* ---- Template variables ------------------------------------------------- */

/*
 * Sets key to text s (NULL reads as ""), repaired to valid UTF-8. With a
 * limit (code points) it is also flattened to one line and cut to it.
 */
int
gw_render_set_text(json_t *obj, const char *key, const char *s, size_t limit)
{
    char *clean, *cut = NULL;
    int rc = -1;

    if (s == NULL)
        s = "";
    size_t len = strlen(s);
    /* Common case, thousands of times per feed: already valid, kept whole. */
    if (limit == FIELD_WHOLE && gw_utf8_valid(s, len))
        return json_object_set_new(obj, key, json_stringn_nocheck(s, len));
    if ((clean = gw_utf8_sanitize(s, len)) == NULL)
        return -1;
    if (limit != FIELD_WHOLE) {
        flatten(clean);
        if ((cut = gw_utf8_truncate(clean, limit)) == NULL)
            goto done;
    }
    rc = json_object_set_new(obj, key, json_string(cut != NULL ? cut : clean));
done:
    free(clean);
    free(cut);
    return rc;
}

/* RFC 3339 of t, "" for 0 (none). */
static int
set_time(json_t *obj, const char *key, int64_t t)
{
    char buf[32] = "";

    if (t != 0)
        gw_time_format_rfc3339(t, buf, sizeof(buf));
    return json_object_set_new(obj, key, json_string(buf));
}

static int
set_duration(json_t *obj, const char *key, int64_t seconds)
{
    char buf[32];

    return json_object_set_new(obj, key, json_string(gw_human_duration(seconds, buf,
                                                                        sizeof(buf))));
}

/*
 * Variables of ticket t whose SLA has `remaining` seconds left (for an open
 * ticket; a resolved one is judged at resolved_at). emoji NULL leaves it out;
 * slack adds the mrkdwn `link` and keeps user strings to one short line.
 */
json_t *
gw_render_ticket_context(const struct gw_ticket *t, int64_t remaining, const char *emoji, int slack)
{
    const char *title = t->title != NULL && *t->title != '\0' ? t->title
                        : t->id != NULL ? t->id : "";
    const char *severity = gw_severity_name(t->severity);
    size_t limit = slack ? FIELD_MAX : FIELD_WHOLE;
    int resolved = t->state == GW_TICKET_RESOLVED, has_sla = t->sla_deadline != 0;
    int64_t late;
    int breached;
    char sla[64], amount[32];
    char *label = NULL, *link = NULL;
    json_t *ctx = json_object();

    if (resolved && t->resolved_at != 0)
        remaining = t->sla_deadline - t->resolved_at;
    late = remaining < 0 ? -remaining : 0;
    breached = has_sla && remaining < 0;
    if (!has_sla)
        snprintf(sla, sizeof(sla), "no SLA deadline");
    else if (!resolved)
        gw_sla_text(remaining, sla, sizeof(sla));
    else if (breached)
        snprintf(sla, sizeof(sla), "SLA missed by %s",
                 gw_human_duration(late, amount, sizeof(amount)));
    else
        snprintf(sla, sizeof(sla), "SLA met");

    if (ctx == NULL ||
        gw_render_set_text(ctx, "id", t->id, limit) < 0 ||
        gw_render_set_text(ctx, "source", t->source, limit) < 0 ||
        gw_render_set_text(ctx, "title", title, limit) < 0 ||
        gw_render_set_text(ctx, "url", t->url, FIELD_WHOLE) < 0 ||
        gw_render_set_text(ctx, "component", t->component, limit) < 0 ||
        gw_render_set_text(ctx, "severity", severity, FIELD_WHOLE) < 0 ||
        gw_render_set_text(ctx, "state", gw_ticket_state_name(t->state), FIELD_WHOLE) < 0 ||
        json_object_set_new(ctx, "resolved", json_boolean(resolved)) < 0 ||
        set_time(ctx, "created_at", t->created_at) < 0 ||
        set_time(ctx, "sla_deadline", t->sla_deadline) < 0 ||
        set_time(ctx, "resolved_at", resolved ? t->resolved_at : 0) < 0 ||
        json_object_set_new(ctx, "remaining_seconds", json_integer(remaining)) < 0 ||
        json_object_set_new(ctx, "breached", json_boolean(breached)) < 0 ||
        (breached ? set_duration(ctx, "breached_for", late)
                  : gw_render_set_text(ctx, "breached_for", "", FIELD_WHOLE)) < 0 ||
        gw_render_set_text(ctx, "sla_text", sla, FIELD_WHOLE) < 0 ||
        (emoji != NULL && gw_render_set_text(ctx, "emoji", emoji, FIELD_WHOLE) < 0) ||
        json_object_set_new(ctx, "acked", json_boolean(t->acked_by != NULL)) < 0 ||
        gw_render_set_text(ctx, "acked_by", t->acked_by, limit) < 0 ||
        set_time(ctx, "acked_at", t->acked_by != NULL ? t->acked_at : 0) < 0)
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

static json_t *
canary_context(const struct gw_canary_info *c)
{
    int64_t elapsed = c->now - c->started_at;
    json_t *ctx = json_object();

    if (ctx == NULL ||
        gw_render_set_text(ctx, "id", c->id, FIELD_MAX) < 0 ||
        gw_render_set_text(ctx, "service", c->service, FIELD_MAX) < 0 ||
        gw_render_set_text(ctx, "environment", c->environment, FIELD_MAX) < 0 ||
        set_time(ctx, "started_at", c->started_at) < 0 ||
        set_duration(ctx, "budget", c->budget_seconds) < 0 ||
        set_duration(ctx, "elapsed", elapsed) < 0 ||
        set_duration(ctx, "over_by", elapsed > c->budget_seconds
                                         ? elapsed - c->budget_seconds : 0) < 0 ||
        json_object_set_new(ctx, "budget_seconds", json_integer(c->budget_seconds)) < 0 ||
        json_object_set_new(ctx, "elapsed_seconds", json_integer(elapsed)) < 0 ||
        json_object_set_new(ctx, "acked", json_boolean(c->acked_by != NULL)) < 0 ||
        gw_render_set_text(ctx, "acked_by", c->acked_by, FIELD_MAX) < 0 ||
        set_time(ctx, "acked_at", c->acked_by != NULL ? c->acked_at : 0) < 0) {
        json_decref(ctx);
        return NULL;
    }
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

/* ---- Digest renderer ---------------------------------------------------- */

static char *
render_summary(struct gw_template_renderer *r, const char *name, enum gw_escape esc,
               size_t open_tickets, size_t components, int part, int parts)
{
    char date[32] = "";
    char *out = NULL;
    json_t *ctx = json_object();

    gw_time_format_rfc3339(r->now, date, sizeof(date));
    date[10] = '\0';   /* YYYY-MM-DD */
    if (ctx == NULL ||
        json_object_set_new(ctx, "open_tickets", json_integer((json_int_t)open_tickets)) < 0 ||
        json_object_set_new(ctx, "components", json_integer((json_int_t)components)) < 0 ||
        json_object_set_new(ctx, "part", json_integer(part)) < 0 ||
        json_object_set_new(ctx, "parts", json_integer(parts)) < 0 ||
        json_object_set_new(ctx, "is_split", json_boolean(parts > 1)) < 0 ||
        json_object_set_new(ctx, "one_ticket", json_boolean(open_tickets == 1)) < 0 ||
        json_object_set_new(ctx, "one_component", json_boolean(components == 1)) < 0 ||
        json_object_set_new(ctx, "date", json_string(date)) < 0)
        goto done;
    out = tidy(gw_templates_render(r->set, name, ctx, esc));
done:
    json_decref(ctx);
    return out;
}

/* The header block is plain_text: Slack shows it literally, so nothing is escaped. */
static char *
template_header(void *ctx, size_t open_tickets, size_t components, int part, int parts)
{
    return render_summary(ctx, "digest_header", GW_ESCAPE_NONE, open_tickets, components,
                          part, parts);
}

static char *
template_fallback(void *ctx, size_t open_tickets, size_t components, int part, int parts)
{
    return render_summary(ctx, "digest_fallback", GW_ESCAPE_SLACK, open_tickets, components,
                          part, parts);
}

static char *
template_component(void *ctx, const char *component, size_t count)
{
    struct gw_template_renderer *r = ctx;
    char *out = NULL;
    json_t *vars = json_object();

    if (vars == NULL ||
        gw_render_set_text(vars, "component", component != NULL && *component != '\0'
                                    ? component : "(no component)", FIELD_MAX) < 0 ||
        json_object_set_new(vars, "count", json_integer((json_int_t)count)) < 0)
        goto done;
    out = tidy(gw_templates_render(r->set, "digest_component", vars, GW_ESCAPE_SLACK));
done:
    json_decref(vars);
    return out;
}

static char *
template_ticket_line(void *ctx, const struct gw_ticket *t, int64_t remaining,
                     enum gw_sla_colour colour)
{
    struct gw_template_renderer *r = ctx;
    json_t *vars = gw_render_ticket_context(t, remaining, gw_sla_emoji(colour), 1);
    char *out = NULL;

    if (vars != NULL)
        out = tidy(gw_templates_render(r->set, "digest_ticket", vars, GW_ESCAPE_SLACK));
    json_decref(vars);
    return out;
}

/* Optional (older template directories lack it): without it the built-in text. */
static char *
template_more(void *ctx, const char *component, size_t count, const char *url)
{
    struct gw_template_renderer *r = ctx;
    char *out = NULL, *link = NULL, label[64];
    json_t *vars = json_object();

    if (r->set == NULL || !gw_templates_has(r->set, "digest_more") || vars == NULL)
        goto done;
    if (gw_render_set_text(vars, "component", component != NULL && *component != '\0'
                                                  ? component : "(no component)", FIELD_MAX) < 0 ||
        json_object_set_new(vars, "count", json_integer((json_int_t)count)) < 0 ||
        gw_render_set_text(vars, "url", url, FIELD_WHOLE) < 0)
        goto done;
    snprintf(label, sizeof(label), "\xE2\x80\xA6 and %zu more", count);
    if ((link = gw_slack_link(url, label)) == NULL ||
        json_object_set_new(vars, "link", json_string(link)) < 0)
        goto done;
    out = tidy(gw_templates_render(r->set, "digest_more", vars, GW_ESCAPE_SLACK));
done:
    free(link);
    json_decref(vars);
    return out;
}

void
gw_template_renderer_init(struct gw_template_renderer *r, const struct gw_templates *set,
                          int64_t now)
{
    r->vtable.header = template_header;
    r->vtable.component = template_component;
    r->vtable.ticket_line = template_ticket_line;
    r->vtable.more = template_more;
    r->vtable.fallback = template_fallback;
    r->vtable.ctx = r;
    r->set = set;
    r->now = now;
}

/* ---- Notices, pages and feeds ------------------------------------------- */

int
gw_render_check(const struct gw_templates *set, char *err, size_t errlen)
{
    size_t used = 0;
    int missing = 0;

    for (const char *const *name = gw_required_templates; *name != NULL; name++) {
        if (set != NULL && gw_templates_has(set, *name))
            continue;
        if (errlen > used) {
            int n = snprintf(err + used, errlen - used, "%s%s.mustache",
                             missing == 0 ? "templates: missing " : ", ", *name);
            used += n > 0 ? (size_t)n : 0;
        }
        missing++;
    }
    return missing == 0 ? 0 : -1;
}

/* Slack message of template name rendered with ctx (taken over; NULL fails). */
static json_t *
render_slack_message(const struct gw_templates *set, const char *name, json_t *ctx)
{
    char *text = gw_render_text(set, name, ctx, GW_ESCAPE_SLACK);
    json_t *msg = slack_message(text);

    free(text);
    json_decref(ctx);
    return msg;
}

json_t *
gw_render_breach_notice(const struct gw_templates *set, const struct gw_ticket *t, int64_t now)
{
    return render_slack_message(set, "sla_breach",
                                gw_render_ticket_context(t, gw_sla_remaining(t->sla_deadline, now),
                                                         gw_render_breach_emoji(t), 1));
}

const char *
gw_render_breach_emoji(const struct gw_ticket *t)
{
    return t->state == GW_TICKET_RESOLVED ? "\xE2\x9C\x85" : gw_sla_emoji(GW_SLA_RED);   /* ✅ */
}

char *
gw_render_canary_summary(const struct gw_templates *set, const struct gw_canary_info *c)
{
    json_t *ctx = canary_context(c);
    char *text = gw_render_text(set, "canary_summary", ctx, GW_ESCAPE_NONE), *out = NULL;

    if (text != NULL) {
        flatten(text);
        out = gw_utf8_truncate(text, GW_PAGER_SUMMARY_MAX);
    }
    free(text);
    json_decref(ctx);
    return out;
}

json_t *
gw_render_canary_slack(const struct gw_templates *set, const struct gw_canary_info *c)
{
    return render_slack_message(set, "canary_slack", canary_context(c));
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

/* A string member of o, or NULL. */
static const char *
member(json_t *o, const char *name)
{
    return json_string_value(json_object_get(o, name));
}

/*
 * The edit of an SLA-breach notice (lib/notice.lua notice_edit): the message
 * rendered again from its tickets as they are now (resolved ones ✅, acked
 * ones with who), with the range and count it had when it was posted.
 */
static json_t *
breach_edit(const struct gw_templates *set, json_t *d)
{
    json_t *list = json_object_get(d, "tickets"), *pages, *msg = NULL, *o;
    size_t n = json_array_size(list), i;
    struct gw_ticket *t = calloc(n + 1, sizeof(*t));
    struct gw_breach_page p = {
        (long)json_integer_value(json_object_get(d, "count")),
        (long)json_integer_value(json_object_get(d, "first")),
        (int64_t)json_integer_value(json_object_get(d, "checked_at")),
        json_is_true(json_object_get(d, "buttons")),
    };

    if (t == NULL)
        return NULL;
    json_array_foreach(list, i, o) {
        t[i].id = (char *)member(o, "id");
        t[i].source = (char *)member(o, "source");
        t[i].title = (char *)member(o, "title");
        t[i].url = (char *)member(o, "url");
        t[i].component = (char *)member(o, "component");
        t[i].severity = gw_severity_parse(member(o, "severity"));
        t[i].state = member(o, "state") != NULL && strcmp(member(o, "state"), "resolved") == 0
                         ? GW_TICKET_RESOLVED : GW_TICKET_OPEN;
        t[i].created_at = (int64_t)json_integer_value(json_object_get(o, "created_at"));
        t[i].resolved_at = (int64_t)json_integer_value(json_object_get(o, "resolved_at"));
        t[i].sla_deadline = (int64_t)json_integer_value(json_object_get(o, "sla_deadline"));
        t[i].updated_at = (int64_t)json_integer_value(json_object_get(o, "updated_at"));
        t[i].acked_by = (char *)member(o, "acked_by");
        t[i].acked_at = (int64_t)json_integer_value(json_object_get(o, "acked_at"));
        if (t[i].id == NULL)
            goto done;
    }
    /* Marks make lines a little longer: a message that no longer fits keeps its first part. */
    if (n > 0 && (pages = gw_render_breach_page(set, t, n, &p, NULL)) != NULL) {
        msg = json_incref(json_array_get(pages, 0));
        json_decref(pages);
    }
done:
    free(t);
    return msg;
}

json_t *
gw_render_edit(const struct gw_templates *set, const char *descriptor, size_t len, char *target,
               size_t target_len)
{
    json_t *d = json_loadb(descriptor, len, 0, NULL), *c, *msg = NULL;
    const char *edit, *state, *by;
    struct gw_canary_info info;

    edit = json_string_value(json_object_get(d, "edit"));
    state = json_string_value(json_object_get(d, "state"));
    c = json_object_get(d, "canary");
    if (edit != NULL && state != NULL && json_is_object(c)) {
        by = json_string_value(json_object_get(d, "acked_by"));
        info = (struct gw_canary_info){
            json_string_value(json_object_get(c, "id")),
            json_string_value(json_object_get(c, "service")),
            json_string_value(json_object_get(c, "environment")),
            (int64_t)json_number_value(json_object_get(c, "started_at")),
            (int64_t)json_number_value(json_object_get(c, "budget_seconds")),
            (int64_t)json_number_value(json_object_get(d, "at")),
            by,
            (int64_t)json_number_value(json_object_get(d, "acked_at")),
        };
        msg = render_slack_message(set, strcmp(state, "resolved") == 0 ? "canary_resolved"
                                                                        : "canary_acked",
                                   canary_context(&info));
        snprintf(target, target_len, "%s", edit);
    } else if (edit != NULL && json_is_array(json_object_get(d, "tickets"))) {
        msg = breach_edit(set, d);
        snprintf(target, target_len, "%s", edit);
    }
    json_decref(d);
    return msg;
}
