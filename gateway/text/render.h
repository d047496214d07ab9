/*
 * Template-backed texts (text/render_base.h says how every one is made):
 * the templates the gateway requires, the digest's template renderer and
 * canary pages. SLA-breach notices are in text/render_breach.h, feed texts
 * in text/render_rss.h, edits of posted messages in text/render_edit.h.
 * Pure: canaries and a clock in, strings and JSON out.
 */
#ifndef GW_RENDER_H
#define GW_RENDER_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "gateway/core/pager.h"
#include "gateway/text/digest_text.h"
#include "gateway/text/mustache.h"

/*
 * Names (without ".mustache") of every template the gateway renders,
 * NULL-terminated.
 */
extern const char *const gw_required_templates[];

/*
 * Verifies set holds every gw_required_templates entry. Returns 0, or -1 and
 * writes "templates: missing a.mustache, b.mustache" (every missing one)
 * into err.
 */
int gw_render_check(const struct gw_templates *set, char *err, size_t errlen);

/*
 * A gw_digest_renderer whose texts come from digest_header (plain_text, not
 * escaped), digest_component, digest_ticket and digest_fallback (mrkdwn,
 * GW_ESCAPE_SLACK). Pass &r->vtable to gw_digest_build (set vtable.sla for
 * business-hours tickets' time left; init leaves it NULL). vtable.ctx points
 * at r itself, so r must not be copied or moved after init. set is
 * borrowed and must outlive r.
 */
struct gw_template_renderer {
    struct gw_digest_renderer vtable;
    const struct gw_templates *set;
    int64_t now;    /* the digest's clock: the header's `date` */
};

void gw_template_renderer_init(struct gw_template_renderer *r, const struct gw_templates *set,
    int64_t now);

/* A canary past its budget. Strings are borrowed for the call; NULL reads as "". */
struct gw_canary_info {
    const char *id;
    const char *service;
    const char *environment;
    int64_t started_at;       /* Unix seconds */
    int64_t budget_seconds;
    int64_t now;              /* the page's clock; for an edit, when it resolved or was acked */
    const char *acked_by;     /* NULL: not acknowledged */
    int64_t acked_at;
};

/*
 * PagerDuty payload.summary (template canary_summary, not escaped): one line
 * (line breaks and tabs become spaces) of at most GW_PAGER_SUMMARY_MAX
 * characters. malloc'd, caller frees; NULL when out of memory.
 */
char *gw_render_canary_summary(const struct gw_templates *set, const struct gw_canary_info *c);

/*
 * Slack canary page (template canary_slack, mrkdwn): a new message object
 * {"text": …, "blocks": [section mrkdwn]} (gw_render_slack_message). Caller
 * owns the reference; NULL on OOM.
 */
json_t *gw_render_canary_slack(const struct gw_templates *set, const struct gw_canary_info *c);

/*
 * The canary page edited once it resolved or was acknowledged: descriptor
 * (borrowed) is what store/lua/lib/canary.lua canary_edit enqueued
 * ({"state": "resolved"|"acked", "at", "canary": {…}, "acked_by",
 * "acked_at"}). Templates canary_resolved and canary_acked (mrkdwn, built-in
 * wording when absent); a message like gw_render_canary_slack's, without a
 * button (it was acknowledged or is over). NULL when the descriptor is not
 * one or out of memory.
 */
json_t *gw_render_canary_edit(const struct gw_templates *set, json_t *descriptor);

#endif
