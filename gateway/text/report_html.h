/*
 * The weekly Kaizen report as one self-contained HTML page (GET
 * /reports/weekly): per component a table of the week's figures beside the
 * week before's with the change, and an SVG chart (inline, a data: image) of MTTR and SLA
 * attainment over GW_REPORT_HISTORY weeks. No script, no external asset,
 * one column that fits a phone; every user string escaped. Pure.
 */
#ifndef GW_REPORT_HTML_H
#define GW_REPORT_HTML_H

#include <stddef.h>

#include "gateway/core/report.h"
#include "gateway/text/render_report.h"

/* What the page says about itself. Strings borrowed; NULL reads as absent. */
struct gw_report_page {
    struct gw_report_frame frame;     /* the week's dates (page_url unused) */
    const char *timezone;             /* shown beside the dates */
    const char *route;                /* the route filter, or NULL */
    const char *prev_week, *next_week; /* links to neighbouring weeks, or NULL */
};

/* A malloc'd document and its length in *len; NULL on OOM. */
char *gw_report_html(const struct gw_report *r, const struct gw_report_page *page, size_t *len);

#endif
