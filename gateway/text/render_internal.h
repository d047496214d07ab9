/* What render.c shares with render_rss.c. Internal to gateway/text/. */
#ifndef GW_RENDER_INTERNAL_H
#define GW_RENDER_INTERNAL_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "gateway/core/ticket.h"
#include "gateway/text/blockkit.h"
#include "gateway/text/mustache.h"

/* Code points of one user string (title, component, service…) in a Slack or pager text. */
#define FIELD_MAX GW_DIGEST_TITLE_MAX
/* Passed as a field limit: keep the string whole and its line breaks (feeds). */
#define FIELD_WHOLE 0

/* Tidy text of template name, else of its built-in wording; NULL if neither gives any. */
char *gw_render_text(const struct gw_templates *set, const char *name, json_t *ctx,
                     enum gw_escape esc);

/* Sets obj[key] to s cut to limit code points (FIELD_WHOLE: whole). -1 on OOM. */
int gw_render_set_text(json_t *obj, const char *key, const char *s, size_t limit);

/*
 * Variables of ticket t whose SLA has `remaining` seconds left (for an open
 * ticket; a resolved one is judged at resolved_at). emoji NULL leaves it out;
 * slack adds the mrkdwn `link` and keeps user strings to one short line.
 */
json_t *gw_render_ticket_context(const struct gw_ticket *t, int64_t remaining, const char *emoji,
                                 int slack);

#endif
