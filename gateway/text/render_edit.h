/*
 * Edits of messages already posted (Web API mode), rendered when they are
 * sent (text/render_edit.c): the stored descriptor says which message and
 * of what kind, and the kind's own renderer draws it again.
 */
#ifndef GW_RENDER_EDIT_H
#define GW_RENDER_EDIT_H

#include <stddef.h>

#include <jansson.h>

#include "gateway/text/mustache.h"

/*
 * descriptor[0..len) is the JSON the store enqueued, {"edit": target id, …}:
 * a canary page's (gw_render_canary_edit, with "state" and "canary") or a
 * grouped breach notice's (gw_render_breach_edit, with "tickets"). Returns
 * the new message, which the caller owns, and writes the outbox id of the
 * message to edit into target; NULL when the descriptor is not one or out
 * of memory. public_url (NULL: none) is where a resolved critical ticket's
 * postmortem draft is linked from its notice.
 */
json_t *gw_render_edit(const struct gw_templates *set, const char *public_url,
                       const char *descriptor, size_t len,
                       char *target, size_t target_len);

#endif
