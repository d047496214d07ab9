/*
 * Feed texts from templates (text/render_rss.c), built on
 * text/render_base.h: RSS item texts and the digest feed's description.
 * Pure.
 */
#ifndef GW_RENDER_RSS_H
#define GW_RENDER_RSS_H

#include <stddef.h>
#include <stdint.h>

#include "gateway/core/ticket.h"
#include "gateway/text/mustache.h"

struct gw_sla_policy;

/*
 * RSS item title and description of ticket t at `now` (templates
 * rss_item_title and rss_item_description, GW_ESCAPE_NONE), from one
 * template context: plain text (the feed makes the description HTML with
 * gw_rss_html and the XML writer escapes both). Each is malloc'd, caller
 * frees, NULL when out of memory; either pointer may be NULL.
 */
void gw_render_rss_item(const struct gw_templates *set, const struct gw_ticket *t, int64_t now,
                        char **title, char **description);

/*
 * Description of a digest feed item (template rss_digest_description,
 * GW_ESCAPE_NONE): the open tickets of tickets[0..n) grouped and ordered
 * exactly as gw_digest_build lists them (sla: the tickets' SLA clocks, may
 * be NULL), with their business time left. malloc'd plain text, caller frees;
 * NULL when out of memory.
 */
char *gw_render_rss_digest(const struct gw_templates *set, const struct gw_ticket *tickets,
    size_t n, int64_t now, int64_t sla_warn, int64_t sla_crit, const struct gw_sla_policy *sla);

#endif
