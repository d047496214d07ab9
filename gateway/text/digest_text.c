#include "gateway/text/digest_text.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gateway/core/tz.h"
#include "gateway/text/slack.h"
#include "gateway/util/buf.h"
#include "gateway/util/utf8.h"

const char *
gw_sla_amount(int64_t seconds, char *buf, size_t len)
{
    uint64_t mag = seconds < 0 ? (uint64_t)0 - (uint64_t)seconds : (uint64_t)seconds;

    if (mag < 60)
        snprintf(buf, len, "less than 1m");
    else if (mag < 3600)
        snprintf(buf, len, "%" PRIu64 "m", mag / 60);
    else if (mag < 72 * 3600)
        snprintf(buf, len, "%" PRIu64 "h", mag / 3600);
    else
        snprintf(buf, len, "%" PRIu64 "d", mag / 86400);
    return buf;
}

const char *
gw_sla_text(int64_t remaining, char *buf, size_t len)
{
    uint64_t mag = remaining < 0 ? (uint64_t)0 - (uint64_t)remaining : (uint64_t)remaining;
    char amount[32];

    if (len == 0)
        return buf;
    if (remaining == 0) {
        snprintf(buf, len, "SLA: due now");
        return buf;
    }
    if (mag < 60) {
        snprintf(buf, len, "%s", remaining > 0 ? "SLA: less than 1m remaining"
                                               : "SLA breached just now");
        return buf;
    }
    gw_sla_amount(remaining, amount, sizeof(amount));
    if (remaining > 0)
        snprintf(buf, len, "SLA: %s remaining", amount);
    else
        snprintf(buf, len, "SLA breached %s ago", amount);
    return buf;
}

const char *
gw_sla_paused_text(const struct gw_sla_status *clock, char *buf, size_t len)
{
    static const char *const days[7] = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};
    struct gw_civil c;

    if (len == 0)
        return buf;
    *buf = '\0';
    if (clock == NULL || !clock->business || clock->paused_until == 0 || clock->tz == NULL)
        return buf;
    gw_tz_civil(clock->tz, clock->paused_until, &c);
    if (clock->paused_until - clock->at < 6 * 86400)
        snprintf(buf, len, "%s %02d:%02d", days[c.weekday], c.hour, c.minute);
    else
        snprintf(buf, len, "%s %04d-%02d-%02d %02d:%02d", days[c.weekday], c.year, c.month, c.day,
                 c.hour, c.minute);
    return buf;
}

const char *
gw_sla_clock_text(const struct gw_sla_status *clock, int64_t remaining, char *buf, size_t len)
{
    char amount[32], paused[32];

    if (clock == NULL || !clock->business)
        return gw_sla_text(remaining, buf, len);
    gw_sla_amount(clock->business_left, amount, sizeof(amount));
    gw_sla_paused_text(clock, paused, sizeof(paused));
    snprintf(buf, len, "SLA: %s business left%s%s", amount, *paused ? ", paused until " : "",
             paused);
    return buf;
}

const char *
gw_sla_emoji(enum gw_sla_colour c)
{
    switch (c) {
    case GW_SLA_GREEN: return "\xF0\x9F\x9F\xA2";
    case GW_SLA_ORANGE: return "\xF0\x9F\x9F\xA0";
    case GW_SLA_RED: return "\xF0\x9F\x94\xB4";
    }
    return "\xE2\x9A\xAA";
}

/* Built-in renderer. */

/* Header and fallback share one wording: counts only, no user text. */
static char *
default_summary(void *ctx, size_t open_tickets, size_t components, int part, int parts)
{
    char text[160], part_text[40] = "";

    (void)ctx;
    if (parts > 1)
        snprintf(part_text, sizeof(part_text), " (part %d/%d)", part, parts);
    snprintf(text, sizeof(text), "SLA digest: %zu open ticket%s in %zu component%s%s",
             open_tickets, open_tickets == 1 ? "" : "s",
             components, components == 1 ? "" : "s", part_text);
    return strdup(text);
}

static char *
default_component(void *ctx, const char *component, size_t count)
{
    char tail[48];
    char *clean = NULL, *cut = NULL, *name = NULL, *out = NULL;
    struct gw_buf b = {0};

    (void)ctx;
    snprintf(tail, sizeof(tail), " (%zu open)", count);
    if (component == NULL || *component == '\0') {
        if (gw_buf_str(&b, "*(no component)*") < 0)
            goto done;
    } else {
        if ((clean = gw_utf8_copy(component)) == NULL ||
            (cut = gw_slack_cut(clean, 100, 0)) == NULL ||
            (name = gw_slack_escape_line(cut)) == NULL ||
            gw_buf_str(&b, "*") < 0 || gw_buf_str(&b, name) < 0 || gw_buf_str(&b, "*") < 0)
            goto done;
    }
    if (gw_buf_str(&b, tail) < 0)
        goto done;
    out = gw_buf_take(&b);
done:
    free(clean);
    free(cut);
    free(name);
    free(b.p);
    return out;
}

static char *
default_ticket_line(void *ctx, const struct gw_ticket *t, int64_t remaining,
                    enum gw_sla_colour colour, const struct gw_sla_status *clock)
{
    const char *title = t->title != NULL && *t->title != '\0' ? t->title
                        : t->id != NULL ? t->id : "";
    char sla[96];
    char *clean = NULL, *cut = NULL, *link = NULL, *out = NULL;
    struct gw_buf b = {0};

    (void)ctx;
    if ((clean = gw_utf8_copy(title)) == NULL ||
        (cut = gw_slack_cut(clean, GW_DIGEST_TITLE_MAX, 0)) == NULL ||
        (link = gw_slack_link(t->url, cut)) == NULL)
        goto done;
    gw_sla_clock_text(clock, remaining, sla, sizeof(sla));
    if (gw_buf_str(&b, gw_sla_emoji(colour)) < 0 || gw_buf_str(&b, " ") < 0 ||
        gw_buf_str(&b, link) < 0 || gw_buf_str(&b, " \xE2\x80\x94 ") < 0 ||
        gw_buf_str(&b, sla) < 0)
        goto done;
    out = gw_buf_take(&b);
done:
    free(clean);
    free(cut);
    free(link);
    free(b.p);
    return out;
}

static char *
default_more(void *ctx, const char *component, size_t count, const char *url)
{
    char label[64];
    (void)ctx;
    (void)component;
    snprintf(label, sizeof(label), "\xE2\x80\xA6 and %zu more", count);
    return gw_slack_link(url, label);
}

const struct gw_digest_renderer gw_digest_default_renderer = {
    .header = default_summary,
    .component = default_component,
    .ticket_line = default_ticket_line,
    .fallback = default_summary,
    .more = default_more,
    .ctx = NULL,
};
