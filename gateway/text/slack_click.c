#include "gateway/text/slack_click.h"

#include <stdio.h>
#include <string.h>

#include "gateway/core/canary.h"
#include "gateway/core/ticket.h"
#include "gateway/text/render_base.h"   /* GW_ACK_ACTION */

#define EVENT "block_actions"

/* "@name" of the clicking user: username, else name, else the user ID. */
static int
clicker(const struct gw_jval *payload, char *out, size_t len)
{
    const struct gw_jval *user = gw_jget(payload, "user");
    const char *name = gw_jstr(gw_jget(user, "username"));

    if (name == NULL || *name == '\0')
        name = gw_jstr(gw_jget(user, "name"));
    if (name == NULL || *name == '\0')
        name = gw_jstr(gw_jget(user, "id"));
    if (name == NULL || *name == '\0' || strlen(name) >= len - 1)
        return -1;
    snprintf(out, len, "@%s", name);
    return 0;
}

const char *
gw_slack_click_read(const struct gw_jval *payload, struct gw_slack_click *click)
{
    const char *type = gw_jstr(gw_jget(payload, "type"));
    const struct gw_jval *actions = gw_jget(payload, "actions");
    const struct gw_jval *action =
        actions != NULL && actions->type == GW_JARRAY && actions->n > 0 ? &actions->v.items[0]
                                                                         : NULL;
    const char *id = gw_jstr(gw_jget(action, "action_id"));
    const char *value = gw_jstr(gw_jget(action, "value"));

    memset(click, 0, sizeof(*click));
    if (value == NULL)   /* the menu of a grouped breach notice */
        value = gw_jstr(gw_jget(gw_jget(action, "selected_option"), "value"));
    click->target = gw_wire_button_parse(value, &click->kind);
    if (type == NULL || strcmp(type, EVENT) != 0)
        return "payload.type: only block_actions (button clicks) are handled";
    if (action == NULL || id == NULL)
        return "payload.actions[0].action_id: missing";
    if (strcmp(id, GW_ACK_ACTION) != 0)
        return "payload.actions[0].action_id: unknown action (the gateway's button is kz_ack)";
    if (click->target == NULL || (click->kind == GW_ACK_TICKET ? !gw_ticket_id_valid(click->target)
                                                              : !gw_canary_id_valid(click->target)))
        return "payload.actions[0].value: not canary:<id> or ticket:<id>";
    if (clicker(payload, click->by, sizeof(click->by)) != 0)
        return "payload.user: no username, name or id";
    return NULL;
}
