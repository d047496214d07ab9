/*
 * Alertmanager webhook bodies as the handler reads them: the JSON reader
 * (padded, as the server holds a body), then gw_alertmanager_parse. A batch
 * is taken whole or refused whole; each accepted ticket's id is exactly
 * "am:<fingerprint>" of its alert, valid and in its ticket JSON; a refusal
 * has a reason and leaves nothing behind.
 */
#include <jansson.h>

#include "gateway/core/alertmanager.h"
#include "gateway/net/http.h"
#include "tests/fuzz/fuzz.h"

#define NOW 1795338000   /* any fixed time: rendering only subtracts it */

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const struct gw_sla sla = {{4 * 3600, 24 * 3600, 72 * 3600, 168 * 3600}};
    static const struct gw_sla_policy policy = {&sla, NULL, NULL, NULL};
    const struct gw_alert_opts opts = {&policy, GW_SEV_MEDIUM};
    char *body = calloc(1, size + GW_HTTP_BODY_PADDING), err[256] = "", want[1024];
    struct gw_jdoc *doc;
    const struct gw_jval *payload, *alerts;
    struct gw_alert_batch batch;

    if (body == NULL)
        return 0;
    memcpy(body, data, size);
    payload = gw_jparse_padded(&doc, body, size, 1, err, sizeof(err));
    if (payload == NULL)
        goto done;
    if (gw_alertmanager_parse(payload, &opts, &batch, err, sizeof(err)) != 0) {
        FUZZ_CHECK(err[0] != '\0' && batch.n == 0 && batch.changes == NULL,
                   "refused without a reason, or with changes left");
        goto done;
    }
    alerts = gw_jget(payload, "alerts");
    FUZZ_CHECK(alerts != NULL && batch.n == alerts->n, "%zu of %u alerts taken", batch.n,
               alerts != NULL ? alerts->n : 0);
    for (size_t i = 0; i < batch.n; i++) {
        const struct gw_ticket *t = &batch.changes[i].ticket;
        json_t *json = gw_ticket_json(t, NOW);
        snprintf(want, sizeof(want), "am:%s",
                 gw_jstr(gw_jget(&alerts->v.items[i], "fingerprint")));
        FUZZ_CHECK(t->id != NULL && strcmp(t->id, want) == 0 && gw_ticket_id_valid(t->id),
                   "alert %zu: the ticket id is not whole: %s", i, t->id);
        FUZZ_CHECK(json != NULL && json_string_value(json_object_get(json, "id")) != NULL,
                   "alert %zu: the ticket JSON lacks its id", i);
        json_decref(json);
    }
    gw_alert_batch_clear(&batch);
done:
    gw_jdoc_free(doc);
    free(body);
    return 0;
}
