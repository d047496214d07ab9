/*
 * GitHub webhook bodies as the handler reads them: the JSON reader (padded,
 * as the server holds a body), then each event the gateway uses: issues
 * (gw_github_issue_change), deployment and deployment_status
 * (gw_canary_from_deployment, gw_canary_from_deployment_status). An id is
 * either whole or refused: an accepted ticket's id is exactly
 * "gh:<repository.full_name>#<issue.number>", valid, and in its ticket JSON;
 * a canary's is exactly "gh:<repository.full_name>:deployment:<deployment.id>".
 * A refusal has a reason and leaves nothing allocated.
 */
#include <jansson.h>

#include "gateway/core/canary.h"
#include "gateway/core/github.h"
#include "gateway/net/http.h"
#include "tests/fuzz/fuzz.h"

#define NOW 1795338000   /* any fixed time: rendering only subtracts it */

static void
check_issue(const struct gw_jval *payload, const struct gw_strlist *labels)
{
    static const struct gw_sla sla = {{4 * 3600, 24 * 3600, 72 * 3600, 168 * 3600}};
    static const struct gw_sla_policy policy = {&sla, NULL, NULL, NULL};
    struct gw_github_opts opts = {&policy, GW_SEV_MEDIUM, labels};
    struct gw_ticket_change ch;
    char err[256] = "", want[4096];
    json_t *json;

    if (gw_github_issue_change(payload, &opts, &ch, err, sizeof(err)) != 0) {
        FUZZ_CHECK(err[0] != '\0' && ch.ticket.id == NULL, "refused without a reason");
        return;
    }
    if (ch.op != GW_OP_NONE) {
        snprintf(want, sizeof(want), "gh:%s#%lld",
                 gw_jstr(gw_jpath(payload, "repository.full_name")),
                 (long long)gw_jpath(payload, "issue.number")->v.i);
        FUZZ_CHECK(ch.ticket.id != NULL && strcmp(ch.ticket.id, want) == 0,
                   "the ticket id is not whole: %s", ch.ticket.id);
        FUZZ_CHECK(gw_ticket_id_valid(ch.ticket.id), "an invalid ticket id: %s", ch.ticket.id);
        json = gw_ticket_json(&ch.ticket, NOW);
        FUZZ_CHECK(json != NULL && json_string_value(json_object_get(json, "id")) != NULL &&
                       strcmp(json_string_value(json_object_get(json, "id")), want) == 0,
                   "the ticket JSON lacks its id");
        json_decref(json);
    }
    gw_ticket_change_clear(&ch);
}

/* "gh:<repo>:deployment:<id>" of payload into out. */
static void
deployment_id(const struct gw_jval *payload, char *out, size_t len)
{
    snprintf(out, len, "gh:%s:deployment:%lld", gw_jstr(gw_jpath(payload, "repository.full_name")),
             (long long)gw_jpath(payload, "deployment.id")->v.i);
}

static void
check_deployment(const struct gw_jval *payload, const struct gw_strlist *envs)
{
    struct gw_canary_change ch;
    char err[256] = "", want[4096];
    json_t *json;

    if (gw_canary_from_deployment(payload, envs, 3600, &ch, err, sizeof(err)) != 0) {
        FUZZ_CHECK(err[0] != '\0' && ch.canary.id == NULL, "refused without a reason");
    } else {
        deployment_id(payload, want, sizeof(want));
        FUZZ_CHECK(strcmp(ch.canary.id, want) == 0 && gw_canary_id_valid(ch.canary.id),
                   "the canary id is not whole: %s", ch.canary.id);
        json = gw_canary_json(&ch.canary, NOW);
        FUZZ_CHECK(json != NULL && json_string_value(json_object_get(json, "id")) != NULL,
                   "the canary JSON lacks its id");
        json_decref(json);
    }
    gw_canary_change_clear(&ch);

    if (gw_canary_from_deployment_status(payload, &ch, err, sizeof(err)) == 0 &&
        ch.op == GW_CANARY_END) {
        deployment_id(payload, want, sizeof(want));
        FUZZ_CHECK(strcmp(ch.canary.id, want) == 0, "the canary id is not whole: %s", ch.canary.id);
    }
    gw_canary_change_clear(&ch);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct gw_strlist none, incident, production;
    char *body = calloc(1, size + GW_HTTP_BODY_PADDING), err[256];
    struct gw_jdoc *doc;
    const struct gw_jval *payload;

    if (body == NULL)
        return 0;
    if (incident.n == 0) {
        gw_strlist_split("incident", &incident);
        gw_strlist_split("prod*,canary", &production);
    }
    memcpy(body, data, size);
    payload = gw_jparse_padded(&doc, body, size, 1, err, sizeof(err));
    if (payload != NULL && payload->type == GW_JOBJECT) {
        check_issue(payload, &none);
        check_issue(payload, &incident);
        check_deployment(payload, &production);
    }
    gw_jdoc_free(doc);
    free(body);
    return 0;
}
