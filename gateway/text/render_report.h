/*
 * The weekly Kaizen report's texts (templates report_header,
 * report_fallback, report_component, report_footer and
 * rss_report_description; templates/README.md lists their variables),
 * built on text/render_base.h: its Slack messages and its feed item. Pure.
 */
#ifndef GW_RENDER_REPORT_H
#define GW_RENDER_REPORT_H

#include <jansson.h>

#include "gateway/core/report.h"
#include "gateway/text/mustache.h"

struct gw_tz;

/* Where and when a report is shown. Borrowed. */
struct gw_report_frame {
    const struct gw_tz *tz;   /* its week's dates are read in it; NULL: periods shown as times */
    const char *page_url;     /* its HTML page */
};

/*
 * The report as Slack messages (a new JSON array): a header, a line for all
 * components, then one per component (worst attainment first) with its
 * figures and their change against the week before (▲/▼, 🟢 better, 🔴
 * worse; lower times to acknowledge and resolve are better), then a link to
 * its page. Within Block Kit's limits (text/blockkit.h gw_blocks_lines): a
 * long report is split, never cut. NULL on OOM.
 */
json_t *gw_render_report_slack(const struct gw_templates *set, const struct gw_report *r,
                               const struct gw_report_frame *f);

/* The report's feed item description (plain text); malloc'd, NULL on OOM. */
char *gw_render_report_rss(const struct gw_templates *set, const struct gw_report *r,
                           const struct gw_report_frame *f);

/* "2026-11-30" and "2026-12-06": the first and last day of a week in tz (fixed periods: times). */
void gw_report_dates(const struct gw_report_frame *f, const struct gw_period *p, char *from,
                     char *to, size_t len);

/* The human forms the texts use: "1h 5m" or "–", "83%" or "–". */
void gw_report_seconds_text(double seconds, char *buf, size_t len);
void gw_report_percent_text(double ratio, char *buf, size_t len);

/* A change as text ("▲ 1h 5m", "▼ 2", "▲ 8 pts"; "" for none) and whether it is better. */
enum gw_report_kind { GW_REPORT_COUNT, GW_REPORT_SECONDS, GW_REPORT_RATIO };
/* 1 better, -1 worse, 0 neither (or no change); lower_better for counts and times. */
int gw_report_change(double now, double before, enum gw_report_kind kind, int lower_better,
                     char *text, size_t len);

#endif
