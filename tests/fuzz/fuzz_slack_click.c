/*
 * A Slack click as POST /webhooks/slack reads it once signed: the body (as
 * the server holds it, padded), its form field payload=
 * (gw_webhook_json_text), the JSON reader (gw_json_parse_object) and the
 * click (gw_slack_click_read). An id is whole or refused: an accepted
 * click's target is a valid ticket or canary id, and with its kind it
 * builds back exactly the button value that was clicked (core/wire.h); who
 * clicked is "@" and the whole name.
 */
#include "gateway/core/canary.h"
#include "gateway/core/payload.h"
#include "gateway/core/ticket.h"
#include "gateway/core/wire.h"
#include "gateway/net/http.h"
#include "gateway/text/slack_click.h"
#include "tests/fuzz/fuzz.h"

static void
check_click(const struct gw_jval *payload, const struct gw_slack_click *click)
{
    const struct gw_jval *action = &gw_jget(payload, "actions")->v.items[0];
    const struct gw_jval *user = gw_jget(payload, "user");
    const char *value = gw_jstr(gw_jget(action, "value")), *name;
    char again[2048], by[GW_SLACK_BY_MAX + 1];

    if (value == NULL)
        value = gw_jstr(gw_jpath(action, "selected_option.value"));
    FUZZ_CHECK(click->kind == GW_ACK_TICKET ? gw_ticket_id_valid(click->target)
                                            : gw_canary_id_valid(click->target),
               "an invalid id accepted");
    FUZZ_CHECK(value != NULL &&
                   gw_wire_button_value(again, sizeof(again), click->kind, click->target) == 0 &&
                   strcmp(again, value) == 0,
               "the id is not the whole button value: %s", value);
    name = gw_jstr(gw_jget(user, "username"));
    if (name == NULL || *name == '\0')
        name = gw_jstr(gw_jget(user, "name"));
    if (name == NULL || *name == '\0')
        name = gw_jstr(gw_jget(user, "id"));
    snprintf(by, sizeof(by), "@%s", name != NULL ? name : "");
    FUZZ_CHECK(strcmp(by, click->by) == 0, "the clicker %s is not %s", click->by, by);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *body = calloc(1, size + GW_HTTP_BODY_PADDING), *owned = NULL, err[256] = "";
    const char *text, *why;
    size_t len = 0;
    int status = 0;
    struct gw_jdoc *doc = NULL;
    const struct gw_jval *payload;
    struct gw_slack_click click;

    if (body == NULL)
        return 0;
    memcpy(body, data, size);
    text = gw_webhook_json_text("application/x-www-form-urlencoded", body, size, &len, &owned,
                                &status, err, sizeof(err));
    if (text == NULL) {
        FUZZ_CHECK(status == 400 && err[0] != '\0', "a form refused with %d", status);
        goto done;
    }
    FUZZ_CHECK(owned == text && strlen(text) <= len, "the decoded field is not owned");
    payload = gw_json_parse_object(&doc, text, len, 0, err, sizeof(err));
    if (payload == NULL) {
        FUZZ_CHECK(doc == NULL && err[0] != '\0', "a payload refused without a reason");
        goto done;
    }
    why = gw_slack_click_read(payload, &click);
    if (why == NULL)
        check_click(payload, &click);
    else
        FUZZ_CHECK(why[0] != '\0', "a click refused without a reason");
done:
    gw_jdoc_free(doc);
    free(owned);
    free(body);
    return 0;
}
