#include "gateway/text/render_edit.h"

#include <stdio.h>

#include "gateway/text/render.h"
#include "gateway/text/render_breach.h"

json_t *
gw_render_edit(const struct gw_templates *set, const char *public_url, const char *descriptor,
               size_t len, char *target, size_t target_len)
{
    json_t *d = json_loadb(descriptor, len, 0, NULL), *msg = NULL;
    const char *edit = json_string_value(json_object_get(d, "edit"));

    if (edit != NULL && json_is_string(json_object_get(d, "state")) &&
        json_is_object(json_object_get(d, "canary"))) {
        msg = gw_render_canary_edit(set, d);
        snprintf(target, target_len, "%s", edit);
    } else if (edit != NULL && json_is_array(json_object_get(d, "tickets"))) {
        msg = gw_render_breach_edit(set, d, public_url);
        snprintf(target, target_len, "%s", edit);
    }
    json_decref(d);
    return msg;
}
