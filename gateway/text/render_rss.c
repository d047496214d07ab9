#include "gateway/text/render_rss.h"

#include <stdlib.h>
#include <string.h>

#include "gateway/core/dates.h"
#include "gateway/text/blockkit.h"
#include "gateway/text/digest_text.h"
#include "gateway/text/render_base.h"

void
gw_render_rss_item(const struct gw_templates *set, const struct gw_ticket *t, int64_t now,
                   char **title, char **description)
{
    /* One context for both texts: the feed renders thousands of items. */
    json_t *ctx = gw_render_ticket_context(t, gw_sla_remaining(t->sla_deadline, now), NULL, 0,
                                           NULL);
    if (title != NULL)
        *title = gw_render_text(set, "rss_item_title", ctx, GW_ESCAPE_NONE);
    if (description != NULL)
        *description = gw_render_text(set, "rss_item_description", ctx, GW_ESCAPE_NONE);
    json_decref(ctx);
}

/*
 * Collects the digest's lines in the order gw_digest_build renders them, so
 * the feed lists tickets exactly as Slack got them without a second copy of
 * the grouping and ordering rules.
 */
struct digest_capture {
    json_t *components;          /* [{name, count, tickets: [ticket vars…]}…] */
    json_t *tickets;             /* tickets of the last component (borrowed) */
    const char *component;       /* its raw name, borrowed from the tickets */
    int failed;
};

static char *
capture_line(void *ctx, const struct gw_ticket *t, int64_t remaining, enum gw_sla_colour colour,
             const struct gw_sla_status *clock)
{
    struct digest_capture *cap = ctx;
    const char *component = t->component != NULL ? t->component : "";
    json_t *group;

    if (cap->tickets == NULL || strcmp(cap->component, component) != 0) {
        group = json_object();
        if (json_array_append_new(cap->components, group) < 0 ||
            gw_render_set_text(group, "name", *component != '\0' ? component : "(no component)",
                     GW_RENDER_FIELD_MAX) < 0 ||
            json_object_set_new(group, "tickets", cap->tickets = json_array()) < 0) {
            cap->failed = 1;
            cap->tickets = NULL;
            return NULL;
        }
        cap->component = component;
    }
    if (json_array_append_new(cap->tickets,
                              gw_render_ticket_context(t, remaining, gw_sla_emoji(colour), 0,
                                                       clock)) < 0)
        cap->failed = 1;
    return strdup("-");
}

char *
gw_render_rss_digest(const struct gw_templates *set, const struct gw_ticket *tickets,
                     size_t n, int64_t now, int64_t sla_warn, int64_t sla_crit,
                     const struct gw_sla_policy *sla)
{
    struct digest_capture cap = {.components = json_array()};
    struct gw_digest_renderer capture = {.ticket_line = capture_line, .ctx = &cap, .sla = sla};
    json_t *digest = NULL, *ctx = json_object(), *group;
    size_t open_tickets = 0, i;
    char date[32] = "", *out = NULL;
    int rc;

    if (ctx == NULL || cap.components == NULL ||
        (digest = gw_digest_build(tickets, n, now, sla_warn, sla_crit, &capture)) == NULL ||
        cap.failed)
        goto done;
    json_array_foreach(cap.components, i, group) {
        size_t count = json_array_size(json_object_get(group, "tickets"));
        open_tickets += count;
        if (json_object_set_new(group, "count", json_integer((json_int_t)count)) < 0)
            goto done;
    }
    gw_time_format_rfc3339(now, date, sizeof(date));
    date[10] = '\0';
    if (json_object_set_new(ctx, "date", json_string(date)) < 0 ||
        json_object_set_new(ctx, "open_tickets", json_integer((json_int_t)open_tickets)) < 0)
        goto done;
    rc = json_object_set_new(ctx, "components", cap.components);
    cap.components = NULL;   /* consumed even on failure */
    if (rc < 0)
        goto done;
    out = gw_render_text(set, "rss_digest_description", ctx, GW_ESCAPE_NONE);
done:
    json_decref(digest);
    json_decref(ctx);
    json_decref(cap.components);
    return out;
}
