#include "gateway/text/report_html.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gateway/text/escape.h"
#include "gateway/util/buf.h"

#define CHART_W 320
#define CHART_H 120
#define PAD 24      /* room for the axes' labels */

struct page {
    struct gw_buf b;
    int oom;
};

__attribute__((format(printf, 2, 3))) static void
addf(struct page *p, const char *fmt, ...)
{
    char small[512];
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(small, sizeof(small), fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof(small) || gw_buf_add(&p->b, small, (size_t)n) < 0)
        p->oom = 1;
}

static void
add(struct page *p, const char *s)
{
    if (gw_buf_str(&p->b, s) < 0)
        p->oom = 1;
}

/* User text, escaped for HTML text and double-quoted attributes. */
static void
text(struct page *p, const char *s)
{
    if (s != NULL && gw_escape_append(&p->b, s, strlen(s), GW_ESCAPE_HTML) < 0)
        p->oom = 1;
}

static const char style[] =
    "body{font:15px/1.4 system-ui,-apple-system,'Segoe UI',sans-serif;margin:0;color:#1d2330;"
    "background:#f6f7f9}"
    ".main{max-width:44rem;margin:0 auto;padding:1rem}"
    "h1{font-size:1.4rem;margin:.2rem 0}h2{font-size:1.1rem;margin:0 0 .5rem;word-break:break-word}"
    ".when,.nav{color:#566070;margin:.2rem 0 1rem}.nav a{margin-right:1rem}"
    ".component,.totals{overflow-x:auto;background:#fff;border:1px solid #dde1e7;border-radius:8px;padding:.8rem;"
    "margin:0 0 1rem}"
    "table{border-collapse:collapse;width:100%;font-variant-numeric:tabular-nums;font-size:.9rem}"
    "th,td{padding:.2rem .25rem;text-align:right;border-bottom:1px solid #eef0f3;"
    "overflow-wrap:anywhere}"
    "th:first-child{text-align:left;font-weight:normal;color:#566070}"
    "thead th{font-size:.8rem;color:#566070}"
    ".better{color:#137333}.worse{color:#b3261e}"
    ".figure{margin:.6rem 0 0}.caption{font-size:.8rem;color:#566070;margin:.2rem 0 0}"
    "img.chart{width:100%;height:auto;max-width:32rem;display:block}"
    ".empty{color:#566070}";

/* One row: a figure this week, the week before, and the change. */
static void
row(struct page *p, const char *name, const char *now, const char *before, double vnow,
    double vbefore, enum gw_report_kind kind, int polarity)
{
    char change[48];
    int better = gw_report_change(vnow, vbefore, kind, polarity == 1, change, sizeof(change));
    const char *cls = polarity < 0 || better == 0 ? "" : better > 0 ? "better" : "worse";

    addf(p, "<tr><th scope=\"row\">%s</th><td>", name);
    text(p, now);
    add(p, "</td><td>");
    text(p, before);
    addf(p, "</td><td class=\"%s\">", cls);
    text(p, change);
    add(p, "</td></tr>");
}

static void
count_row(struct page *p, const char *name, long long now, long long before, int polarity)
{
    char a[24], b[24];
    snprintf(a, sizeof(a), "%lld", now);
    snprintf(b, sizeof(b), "%lld", before);
    row(p, name, a, b, (double)now, (double)before, GW_REPORT_COUNT, polarity);
}

static void
seconds_row(struct page *p, const char *name, double now, double before)
{
    char a[32], b[32];
    gw_report_seconds_text(now, a, sizeof(a));
    gw_report_seconds_text(before, b, sizeof(b));
    row(p, name, a, b, now, before, GW_REPORT_SECONDS, 1);
}

static void
oldest_text(const struct gw_report_figures *f, const struct gw_period *week, char *out, size_t len)
{
    char age[32];
    if (f->oldest_id == NULL) {
        snprintf(out, len, "\xE2\x80\x93");
        return;
    }
    gw_report_seconds_text((double)(week->end - f->oldest_since), age, sizeof(age));
    snprintf(out, len, "%s (%s)", age, f->oldest_id);
}

static void
table(struct page *p, const struct gw_report *r, const struct gw_report_line *l)
{
    const struct gw_report_cell *c = &l->week.sum, *b = &l->previous.sum;
    char x[600], y[600];

    add(p, "<table><thead><tr><th></th><th>");
    text(p, r->week->label);
    add(p, "</th><th>");
    text(p, r->previous->label);
    add(p, "</th><th>change</th></tr></thead><tbody>");
    count_row(p, "Opened", c->opened, b->opened, 1);
    count_row(p, "Resolved", c->resolved, b->resolved, -1);
    count_row(p, "Reopened", c->reopened, b->reopened, 1);
    count_row(p, "SLA met", c->met, b->met, -1);
    count_row(p, "SLA breached", c->breached, b->breached, 1);
    gw_report_percent_text(gw_report_attainment(c), x, sizeof(x));
    gw_report_percent_text(gw_report_attainment(b), y, sizeof(y));
    row(p, "SLA attainment", x, y, gw_report_attainment(c), gw_report_attainment(b),
        GW_REPORT_RATIO, 0);
    seconds_row(p, "MTTA", gw_report_mtta(c), gw_report_mtta(b));
    seconds_row(p, "MTTR", gw_report_mttr(c), gw_report_mttr(b));
    seconds_row(p, "MTTR p50", gw_report_quantile(c, 0.5), gw_report_quantile(b, 0.5));
    seconds_row(p, "MTTR p90", gw_report_quantile(c, 0.9), gw_report_quantile(b, 0.9));
    count_row(p, "Open at the end", l->week.open_at_end, l->previous.open_at_end, 1);
    oldest_text(&l->week, r->week, x, sizeof(x));
    oldest_text(&l->previous, r->previous, y, sizeof(y));
    row(p, "Oldest open", x, y, -1, -1, GW_REPORT_COUNT, -1);
    add(p, "</tbody></table>");
}

/*
 * The chart: MTTR as bars (scaled to the highest week), SLA attainment as a
 * line with dots (0 to 100%), one slot per week, oldest left. A week with
 * nothing resolved has neither.
 */
static void
svg(struct page *p, const struct gw_report_line *l)
{
    const double w = CHART_W - 2 * PAD, h = CHART_H - 2 * PAD, slot = w / GW_REPORT_HISTORY;
    double top = 0;
    char most[32];
    int started = 0;

    for (size_t i = 0; i < GW_REPORT_HISTORY; i++)
        if (l->history[i].mttr > top)
            top = l->history[i].mttr;
    gw_report_seconds_text(top > 0 ? top : -1, most, sizeof(most));
    addf(p, "<svg viewBox=\"0 0 %d %d\" width=\"%d\" height=\"%d\" "
            "xmlns=\"http://www.w3.org/2000/svg\"><title>MTTR and SLA attainment, %d weeks</title>",
         CHART_W, CHART_H, CHART_W, CHART_H, GW_REPORT_HISTORY);
    addf(p, "<rect x=\"%d\" y=\"%d\" width=\"%.0f\" height=\"%.0f\" fill=\"#fafbfc\" "
            "stroke=\"#dde1e7\"/>", PAD, PAD, w, h);
    for (size_t i = 0; i < GW_REPORT_HISTORY; i++) {
        const struct gw_report_point *pt = &l->history[i];
        if (pt->mttr <= 0 || top <= 0)
            continue;
        double bh = h * pt->mttr / top;
        addf(p, "<rect class=\"mttr\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" "
                "fill=\"#8fb3e8\"/>", PAD + slot * (double)i + slot * 0.2, PAD + h - bh,
             slot * 0.6, bh);
    }
    add(p, "<polyline class=\"attainment\" fill=\"none\" stroke=\"#137333\" stroke-width=\"2\" "
           "points=\"");
    for (size_t i = 0; i < GW_REPORT_HISTORY; i++) {
        const struct gw_report_point *pt = &l->history[i];
        if (pt->attainment < 0)
            continue;
        addf(p, "%s%.1f,%.1f", started++ ? " " : "", PAD + slot * ((double)i + 0.5),
             PAD + h - h * pt->attainment);
    }
    add(p, "\"/>");
    for (size_t i = 0; i < GW_REPORT_HISTORY; i++) {
        const struct gw_report_point *pt = &l->history[i];
        if (pt->attainment >= 0)
            addf(p, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"2.5\" fill=\"#137333\"/>",
                 PAD + slot * ((double)i + 0.5), PAD + h - h * pt->attainment);
    }
    addf(p, "<text x=\"%d\" y=\"%d\" font-size=\"10\" fill=\"#566070\">MTTR max ", PAD, PAD - 8);
    text(p, most);
    addf(p, "</text><text x=\"%d\" y=\"%d\" font-size=\"10\" fill=\"#137333\" "
            "text-anchor=\"end\">SLA 100%%</text>", CHART_W - PAD, PAD - 8);
    addf(p, "<text x=\"%d\" y=\"%d\" font-size=\"10\" fill=\"#566070\">", PAD, CHART_H - 8);
    text(p, l->history[0].period->label);
    addf(p, "</text><text x=\"%d\" y=\"%d\" font-size=\"10\" fill=\"#566070\" "
            "text-anchor=\"end\">", CHART_W - PAD, CHART_H - 8);
    text(p, l->history[GW_REPORT_HISTORY - 1].period->label);
    add(p, "</text></svg>");
}

/* The chart as an image of its own (data: URI): no script, no other request. */
static void
chart(struct page *p, const struct gw_report_line *l)
{
    static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    struct page image = {{0}, 0};
    const unsigned char *d;

    svg(&image, l);
    if (image.oom) {
        p->oom = 1;
        free(image.b.p);
        return;
    }
    d = (const unsigned char *)image.b.p;
    add(p, "<div class=\"figure\"><img class=\"chart\" alt=\"MTTR and SLA attainment over the "
           "last 12 weeks\" src=\"data:image/svg+xml;base64,");
    for (size_t i = 0; i < image.b.len; i += 3) {
        size_t left = image.b.len - i;
        unsigned v = (unsigned)d[i] << 16 | (left > 1 ? (unsigned)d[i + 1] << 8 : 0) |
                     (left > 2 ? d[i + 2] : 0);
        char quad[5] = {b64[v >> 18 & 63], b64[v >> 12 & 63],
                        left > 1 ? b64[v >> 6 & 63] : '=', left > 2 ? b64[v & 63] : '=', 0};
        add(p, quad);
    }
    add(p, "\"><p class=\"caption\">Bars: MTTR per week (blue); line: SLA attainment (green), "
           "the last 12 weeks</p></div>");
    free(image.b.p);
}

static void
section(struct page *p, const struct gw_report *r, const struct gw_report_line *l)
{
    if (l->component != NULL) {
        add(p, "<div class=\"component\" data-component=\"");
        text(p, l->component);
        add(p, "\"><h2>");
        text(p, l->component[0] != '\0' ? l->component : "(no component)");
    } else {
        add(p, "<div class=\"totals\"><h2>All components");
    }
    add(p, "</h2>");
    table(p, r, l);
    chart(p, l);
    add(p, "</div>");
}

static void
week_link(struct page *p, const char *week, const char *route, const char *label)
{
    char *q;
    if (week == NULL)
        return;
    add(p, "<a href=\"?week=");
    text(p, week);
    if (route != NULL && (q = gw_url_query_escape(route)) != NULL) {
        add(p, "&amp;route=");
        text(p, q);
        free(q);
    }
    add(p, "\">");
    add(p, label);
    text(p, week);
    add(p, "</a>");
}

char *
gw_report_html(const struct gw_report *r, const struct gw_report_page *pg, size_t *len)
{
    struct page p = {{0}, 0};
    char from[32], to[32];

    gw_report_dates(&pg->frame, r->week, from, to, sizeof(from));
    add(&p, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            "<title>Kaizen report ");
    text(&p, r->week->label);
    add(&p, "</title><style>");
    add(&p, style);
    add(&p, "</style></head><body><div class=\"main\"><h1>Kaizen report ");
    text(&p, r->week->label);
    add(&p, "</h1><p class=\"when\">");
    text(&p, from);
    add(&p, " \xE2\x80\x93 ");
    text(&p, to);
    if (pg->timezone != NULL) {
        add(&p, " (");
        text(&p, pg->timezone);
        add(&p, ")");
    }
    if (pg->route != NULL) {
        add(&p, " \xC2\xB7 route ");
        text(&p, pg->route);
    }
    add(&p, "</p><p class=\"nav\">");
    week_link(&p, pg->prev_week, pg->route, "\xE2\x86\x90 ");
    week_link(&p, pg->next_week, pg->route, "\xE2\x86\x92 ");
    add(&p, "</p>");
    section(&p, r, &r->totals);
    if (r->nlines == 0)
        add(&p, "<p class=\"empty\">No ticket was opened, resolved or open in these two weeks.</p>");
    for (size_t i = 0; i < r->nlines; i++)
        section(&p, r, &r->lines[i]);
    add(&p, "</div></body></html>\n");
    if (p.oom) {
        free(p.b.p);
        return NULL;
    }
    *len = p.b.len;
    return gw_buf_take(&p.b);
}
