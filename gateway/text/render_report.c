#include "gateway/text/render_report.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gateway/core/dates.h"
#include "gateway/core/tz.h"
#include "gateway/text/blockkit.h"
#include "gateway/text/render_base.h"
#include "gateway/text/slack.h"

#define UP "\xE2\x96\xB2"        /* ▲ */
#define DOWN "\xE2\x96\xBC"      /* ▼ */
#define NONE "\xE2\x80\x93"      /* – */
#define BETTER "\xF0\x9F\x9F\xA2"   /* 🟢 */
#define WORSE "\xF0\x9F\x94\xB4"    /* 🔴 */

void
gw_report_seconds_text(double seconds, char *buf, size_t len)
{
    if (seconds < 0)
        snprintf(buf, len, "%s", NONE);
    else
        gw_human_duration((int64_t)llround(seconds), buf, len);
}

void
gw_report_percent_text(double ratio, char *buf, size_t len)
{
    if (ratio < 0)
        snprintf(buf, len, "%s", NONE);
    else   /* never rounded up to 100% while one breach is left */
        snprintf(buf, len, "%d%%", (int)floor(ratio * 100 + 1e-9));
}

int
gw_report_change(double now, double before, enum gw_report_kind kind, int lower_better, char *text,
                 size_t len)
{
    double d = now - before;
    char amount[32];

    text[0] = '\0';
    if (now < 0 || before < 0)
        return 0;
    if (kind == GW_REPORT_RATIO) {
        long points = lround(d * 100);
        if (points == 0)
            return 0;
        snprintf(amount, sizeof(amount), "%ld pts", labs(points));
        d = (double)points;
    } else if (kind == GW_REPORT_SECONDS) {
        if (llround(d) == 0)
            return 0;
        gw_human_duration(llabs(llround(d)), amount, sizeof(amount));
    } else {
        if (d == 0)
            return 0;
        snprintf(amount, sizeof(amount), "%lld", llabs((long long)d));
    }
    snprintf(text, len, "%s %s", d > 0 ? UP : DOWN, amount);
    return (d < 0) == (lower_better != 0) ? 1 : -1;
}

void
gw_report_dates(const struct gw_report_frame *f, const struct gw_period *p, char *from, char *to,
                size_t len)
{
    struct gw_civil a, b;

    if (f->tz == NULL) {
        gw_time_format_rfc3339(p->start, from, len);
        gw_time_format_rfc3339(p->end, to, len);
        return;
    }
    gw_tz_civil(f->tz, p->start, &a);
    gw_tz_civil(f->tz, p->end - 1, &b);
    snprintf(from, len, "%04d-%02d-%02d", a.year, a.month, a.day);
    snprintf(to, len, "%04d-%02d-%02d", b.year, b.month, b.day);
}

/* How a figure's change reads: lower is better, higher is, or neither. */
enum polarity { HIGHER_BETTER, LOWER_BETTER, NEUTRAL };

/* Sets name, name_trend and name_mark (🟢, 🔴 or ""). */
static int
set_change(json_t *o, const char *name, const char *value, double now, double before,
           enum gw_report_kind kind, enum polarity pol)
{
    char trend[48], key[48];
    int better = gw_report_change(now, before, kind, pol == LOWER_BETTER, trend, sizeof(trend));
    const char *mark = pol == NEUTRAL ? "" : better > 0 ? BETTER : better < 0 ? WORSE : "";

    if (json_object_set_new(o, name, json_string(value)) < 0)
        return -1;
    snprintf(key, sizeof(key), "%s_trend", name);
    if (json_object_set_new(o, key, json_string(trend)) < 0)
        return -1;
    snprintf(key, sizeof(key), "%s_mark", name);
    return json_object_set_new(o, key, json_string(mark));
}

static int
set_count(json_t *o, const char *name, long long now, long long before, enum polarity pol)
{
    char v[24];
    snprintf(v, sizeof(v), "%lld", now);
    return set_change(o, name, v, (double)now, (double)before, GW_REPORT_COUNT, pol);
}

/* The variables of one line of the report (README: "Report line"). */
static json_t *
line_context(const struct gw_report_line *l, const char *name, int slack)
{
    const struct gw_report_cell *c = &l->week.sum, *p = &l->previous.sum;
    char v[48];
    json_t *o = json_object();

    if (o == NULL ||
        gw_render_set_text(o, "component", name, slack ? GW_RENDER_FIELD_MAX : GW_RENDER_FIELD_WHOLE) < 0 ||
        set_count(o, "opened", c->opened, p->opened, LOWER_BETTER) < 0 ||
        set_count(o, "resolved", c->resolved, p->resolved, NEUTRAL) < 0 ||
        set_count(o, "reopened", c->reopened, p->reopened, LOWER_BETTER) < 0 ||
        set_count(o, "open_at_end", l->week.open_at_end, l->previous.open_at_end, LOWER_BETTER) < 0 ||
        json_object_set_new(o, "sla_met", json_integer(c->met)) < 0 ||
        json_object_set_new(o, "sla_breached", json_integer(c->breached)) < 0)
        goto err;
    gw_report_seconds_text(gw_report_mtta(c), v, sizeof(v));
    if (set_change(o, "mtta", v, gw_report_mtta(c), gw_report_mtta(p), GW_REPORT_SECONDS, LOWER_BETTER) < 0)
        goto err;
    gw_report_seconds_text(gw_report_mttr(c), v, sizeof(v));
    if (set_change(o, "mttr", v, gw_report_mttr(c), gw_report_mttr(p), GW_REPORT_SECONDS, LOWER_BETTER) < 0)
        goto err;
    gw_report_percent_text(gw_report_attainment(c), v, sizeof(v));
    if (set_change(o, "attainment", v, gw_report_attainment(c), gw_report_attainment(p),
                   GW_REPORT_RATIO, HIGHER_BETTER) < 0)
        goto err;
    gw_report_seconds_text(gw_report_quantile(c, 0.5), v, sizeof(v));
    json_object_set_new(o, "mttr_p50", json_string(v));
    gw_report_seconds_text(gw_report_quantile(c, 0.9), v, sizeof(v));
    json_object_set_new(o, "mttr_p90", json_string(v));
    return o;
err:
    json_decref(o);
    return NULL;
}

/* Adds oldest (its age at the week's end) and oldest_id. */
static int
set_oldest(json_t *o, const struct gw_report_line *l, const struct gw_period *week, int slack)
{
    char age[32] = "";
    if (l->week.oldest_id != NULL)
        gw_human_duration(week->end - l->week.oldest_since, age, sizeof(age));
    if (json_object_set_new(o, "oldest", json_string(age)) < 0)
        return -1;
    return gw_render_set_text(o, "oldest_id", l->week.oldest_id,
                              slack ? GW_RENDER_FIELD_MAX : GW_RENDER_FIELD_WHOLE);
}

static json_t *
line_vars(const struct gw_report *r, const struct gw_report_line *l, int slack)
{
    json_t *o = line_context(l, l->component != NULL ? l->component : "All components", slack);
    if (o != NULL && (set_oldest(o, l, r->week, slack) < 0 ||
                      json_object_set_new(o, "is_total", json_boolean(l->component == NULL)) < 0)) {
        json_decref(o);
        return NULL;
    }
    return o;
}

/* The variables of a report's header, fallback, footer and feed item. */
struct frame_ctx {
    const struct gw_templates *set;
    const struct gw_report *r;
    const struct gw_report_frame *f;
};

static json_t *
report_vars(const struct frame_ctx *x, int part, int parts)
{
    char from[GW_RFC3339_LEN + 4], to[GW_RFC3339_LEN + 4];
    json_t *o = line_vars(x->r, &x->r->totals, 1);

    gw_report_dates(x->f, x->r->week, from, to, sizeof(from));
    if (o == NULL ||
        json_object_set_new(o, "week", json_string(x->r->week->label)) < 0 ||
        json_object_set_new(o, "from", json_string(from)) < 0 ||
        json_object_set_new(o, "to", json_string(to)) < 0 ||
        json_object_set_new(o, "components", json_integer((json_int_t)x->r->nlines)) < 0 ||
        json_object_set_new(o, "part", json_integer(part)) < 0 ||
        json_object_set_new(o, "parts", json_integer(parts)) < 0 ||
        json_object_set_new(o, "is_split", json_boolean(parts > 1)) < 0 ||
        gw_render_set_text(o, "url", x->f->page_url, GW_RENDER_FIELD_WHOLE) < 0) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static char *
part_text(void *ctx, const char *name, enum gw_escape esc, int part, int parts)
{
    const struct frame_ctx *x = ctx;
    json_t *vars = report_vars(x, part, parts);
    char *out = gw_render_text(x->set, name, vars, esc);

    json_decref(vars);
    return out != NULL ? out : strdup(x->r->week->label);
}

static char *
header_text(void *ctx, int part, int parts)
{
    return part_text(ctx, "report_header", GW_ESCAPE_NONE, part, parts);
}

static char *
fallback_text(void *ctx, int part, int parts)
{
    return part_text(ctx, "report_fallback", GW_ESCAPE_SLACK, part, parts);
}

json_t *
gw_render_report_slack(const struct gw_templates *set, const struct gw_report *r,
                       const struct gw_report_frame *f)
{
    struct frame_ctx x = {set, r, f};
    char **lines = calloc(r->nlines + 2, sizeof(*lines)), *footer = NULL, *link = NULL;
    json_t *vars = NULL, *out = NULL;
    size_t n = 0;

    if (lines == NULL)
        return NULL;
    for (size_t i = 0; i <= r->nlines; i++) {
        const struct gw_report_line *l = i == 0 ? &r->totals : &r->lines[i - 1];
        json_t *v = line_vars(r, l, 1);
        lines[n] = gw_render_text(set, "report_component", v, GW_ESCAPE_SLACK);
        json_decref(v);
        if (lines[n] == NULL)
            goto done;
        n++;
    }
    if ((vars = report_vars(&x, 1, 1)) == NULL ||
        (link = gw_slack_link(f->page_url, "Trends and 12 weeks of history")) == NULL ||
        json_object_set_new(vars, "link", json_string(link)) < 0 ||
        (footer = gw_render_text(set, "report_footer", vars, GW_ESCAPE_SLACK)) == NULL)
        goto done;
    out = gw_blocks_lines(lines, n, footer, header_text, fallback_text, &x);
done:
    for (size_t i = 0; i < n; i++)
        free(lines[i]);
    free(lines);
    free(footer);
    free(link);
    json_decref(vars);
    return out;
}

char *
gw_render_report_rss(const struct gw_templates *set, const struct gw_report *r,
                     const struct gw_report_frame *f)
{
    struct frame_ctx x = {set, r, f};
    json_t *vars = report_vars(&x, 1, 1), *list = json_array();
    char *out = NULL;

    if (vars == NULL || list == NULL)
        goto done;
    for (size_t i = 0; i < r->nlines; i++)
        if (json_array_append_new(list, line_vars(r, &r->lines[i], 0)) < 0)
            goto done;
    if (json_object_set_new(vars, "lines", list) < 0) {
        list = NULL;
        goto done;
    }
    list = NULL;
    out = gw_render_text(set, "rss_report_description", vars, GW_ESCAPE_NONE);
done:
    json_decref(list);
    json_decref(vars);
    return out != NULL ? out : strdup(r->week->label);
}
