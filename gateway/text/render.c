#include "gateway/text/render.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gateway/core/dates.h"
#include "gateway/text/digest_text.h"
#include "gateway/text/render_base.h"
#include "gateway/text/slack.h"
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

/* ---- Template variables ------------------------------------------------- */

static json_t *
canary_context(const struct gw_canary_info *c)
{
    int64_t elapsed = c->now - c->started_at;
    json_t *ctx = json_object();

    if (ctx == NULL ||
        gw_render_set_text(ctx, "id", c->id, GW_RENDER_FIELD_MAX) < 0 ||
        gw_render_set_text(ctx, "service", c->service, GW_RENDER_FIELD_MAX) < 0 ||
        gw_render_set_text(ctx, "environment", c->environment, GW_RENDER_FIELD_MAX) < 0 ||
        gw_render_set_time(ctx, "started_at", c->started_at) < 0 ||
        gw_render_set_duration(ctx, "budget", c->budget_seconds) < 0 ||
        gw_render_set_duration(ctx, "elapsed", elapsed) < 0 ||
        gw_render_set_duration(ctx, "over_by", elapsed > c->budget_seconds
                                         ? elapsed - c->budget_seconds : 0) < 0 ||
        json_object_set_new(ctx, "budget_seconds", json_integer(c->budget_seconds)) < 0 ||
        json_object_set_new(ctx, "elapsed_seconds", json_integer(elapsed)) < 0 ||
        json_object_set_new(ctx, "acked", json_boolean(c->acked_by != NULL)) < 0 ||
        gw_render_set_text(ctx, "acked_by", c->acked_by, GW_RENDER_FIELD_MAX) < 0 ||
        gw_render_set_time(ctx, "acked_at", c->acked_by != NULL ? c->acked_at : 0) < 0) {
        json_decref(ctx);
        return NULL;
    }
    return ctx;
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
    out = gw_render_tidy(gw_templates_render(r->set, name, ctx, esc));
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
                                    ? component : "(no component)", GW_RENDER_FIELD_MAX) < 0 ||
        json_object_set_new(vars, "count", json_integer((json_int_t)count)) < 0)
        goto done;
    out = gw_render_tidy(gw_templates_render(r->set, "digest_component", vars,
                                             GW_ESCAPE_SLACK));
done:
    json_decref(vars);
    return out;
}

static char *
template_ticket_line(void *ctx, const struct gw_ticket *t, int64_t remaining,
                     enum gw_sla_colour colour, const struct gw_sla_status *clock)
{
    struct gw_template_renderer *r = ctx;
    json_t *vars = gw_render_ticket_context(t, remaining, gw_sla_emoji(colour), 1, clock);
    char *out = NULL;

    if (vars != NULL)
        out = gw_render_tidy(gw_templates_render(r->set, "digest_ticket", vars,
                                                 GW_ESCAPE_SLACK));
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
                                                  ? component : "(no component)",
                           GW_RENDER_FIELD_MAX) < 0 ||
        json_object_set_new(vars, "count", json_integer((json_int_t)count)) < 0 ||
        gw_render_set_text(vars, "url", url, GW_RENDER_FIELD_WHOLE) < 0)
        goto done;
    snprintf(label, sizeof(label), "\xE2\x80\xA6 and %zu more", count);
    if ((link = gw_slack_link(url, label)) == NULL ||
        json_object_set_new(vars, "link", json_string(link)) < 0)
        goto done;
    out = gw_render_tidy(gw_templates_render(r->set, "digest_more", vars, GW_ESCAPE_SLACK));
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
    r->vtable.sla = NULL;
    r->set = set;
    r->now = now;
}

/* ---- Checks and canary pages ------------------------------------------- */

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

char *
gw_render_canary_summary(const struct gw_templates *set, const struct gw_canary_info *c)
{
    json_t *ctx = canary_context(c);
    char *text = gw_render_text(set, "canary_summary", ctx, GW_ESCAPE_NONE), *out = NULL;

    if (text != NULL) {
        gw_render_flatten(text);
        out = gw_utf8_truncate(text, GW_PAGER_SUMMARY_MAX);
    }
    free(text);
    json_decref(ctx);
    return out;
}

json_t *
gw_render_canary_slack(const struct gw_templates *set, const struct gw_canary_info *c)
{
    return gw_render_slack_message(set, "canary_slack", canary_context(c));
}

json_t *
gw_render_canary_edit(const struct gw_templates *set, json_t *descriptor)
{
    const char *state = json_string_value(json_object_get(descriptor, "state"));
    json_t *c = json_object_get(descriptor, "canary");
    struct gw_canary_info info;

    if (state == NULL || !json_is_object(c))
        return NULL;
    info = (struct gw_canary_info){
        json_string_value(json_object_get(c, "id")),
        json_string_value(json_object_get(c, "service")),
        json_string_value(json_object_get(c, "environment")),
        (int64_t)json_number_value(json_object_get(c, "started_at")),
        (int64_t)json_number_value(json_object_get(c, "budget_seconds")),
        (int64_t)json_number_value(json_object_get(descriptor, "at")),
        json_string_value(json_object_get(descriptor, "acked_by")),
        (int64_t)json_number_value(json_object_get(descriptor, "acked_at")),
    };
    return gw_render_slack_message(set, strcmp(state, "resolved") == 0 ? "canary_resolved"
                                                                       : "canary_acked",
                                   canary_context(&info));
}
