/*
 * A click on the gateway's Acknowledge button, as Slack posts it
 * (interactivity: a block_actions payload): what it acknowledges, and who
 * clicked. Pure: the payload in (read by the JSON reader), the click out.
 */
#ifndef GW_SLACK_CLICK_H
#define GW_SLACK_CLICK_H

#include "gateway/core/wire.h"      /* enum gw_ack_kind */
#include "gateway/util/jread.h"

#define GW_SLACK_BY_MAX 128

struct gw_slack_click {
    enum gw_ack_kind kind;
    const char *target;             /* the ticket or canary id, whole (in the payload) */
    char by[GW_SLACK_BY_MAX];       /* "@name" of who clicked: username, else name, else ID */
};

/*
 * Reads payload: its first action must be the gateway's (GW_ACK_ACTION), a
 * button of a canary page or one-ticket notice (value "canary:<id>" or
 * "ticket:<id>", core/wire.h) or the menu of a grouped notice
 * (selected_option.value "ticket:<id>"), with a valid id. Returns NULL and
 * fills click (valid while payload is), or the reason for a 400.
 */
const char *gw_slack_click_read(const struct gw_jval *payload, struct gw_slack_click *click);

#endif
