#include "gateway/core/canary.h"

#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gateway/core/payload.h"

#include "gateway/core/dates.h"
#include "gateway/util/utf8.h"
#include "gateway/core/wire.h"

void
gw_canary_clear(struct gw_canary *c)
{
    free(c->id);
    free(c->service);
    free(c->environment);
    free(c->source);
    free(c->repo);
    free(c->sha);
    free(c->acked_by);
    memset(c, 0, sizeof(*c));
}

void
gw_canary_change_clear(struct gw_canary_change *ch)
{
    gw_canary_clear(&ch->canary);
    ch->op = GW_CANARY_NONE;
}

int
gw_canary_env_matches(const struct gw_strlist *globs, const char *environment)
{
    for (size_t i = 0; i < globs->n; i++)
        if (fnmatch(globs->items[i], environment, 0) == 0)
            return 1;
    return 0;
}

int
gw_canary_id_valid(const char *id)
{
    return gw_utf8_id_valid(id, GW_CANARY_ID_MAX);
}

static int
deployment_id(const struct gw_jval *payload, const char *repo, char *out, size_t len, char *err,
              size_t errlen)
{
    const struct gw_jval *id = gw_jpath(payload, "deployment.id");
    if (id == NULL || id->type != GW_JINT) {
        snprintf(err, errlen, "field deployment.id must be an integer");
        return -1;
    }
    if (gw_wire_deployment_id(out, len, repo, (long long)id->v.i) != 0) {
        snprintf(err, errlen, "repository.full_name: too long for a canary id");
        return -1;
    }
    return 0;
}

int
gw_canary_from_deployment(const struct gw_jval *payload, const struct gw_strlist *globs, int64_t budget,
                          struct gw_canary_change *ch, char *err, size_t errlen)
{
    const char *repo, *name, *env, *sha;
    struct gw_canary *c = &ch->canary;
    char id[512];

    memset(ch, 0, sizeof(*ch));
    if ((repo = gw_json_req_string(payload, "repository.full_name", err, errlen)) == NULL ||
        (name = gw_json_req_string(payload, "repository.name", err, errlen)) == NULL ||
        (env = gw_json_req_string(payload, "deployment.environment", err, errlen)) == NULL ||
        (sha = gw_json_req_string(payload, "deployment.sha", err, errlen)) == NULL ||
        gw_json_req_time(payload, "deployment.created_at", &c->started_at, err, errlen) != 0 ||
        deployment_id(payload, repo, id, sizeof(id), err, errlen) != 0)
        goto err;
    if (!gw_canary_id_valid(id)) {
        snprintf(err, errlen, "canary id would exceed %d bytes", GW_CANARY_ID_MAX);
        goto err;
    }
    /* updated_at orders deliveries; a deployment never changes after creation. */
    if (gw_json_req_time(payload, "deployment.updated_at", &c->updated_at, err, errlen) != 0)
        c->updated_at = c->started_at;
    ch->op = gw_canary_env_matches(globs, env) ? GW_CANARY_START : GW_CANARY_PROMOTE;
    c->id = strdup(id);
    c->service = strdup(name);
    c->environment = strdup(env);
    c->source = strdup("github");
    c->repo = strdup(repo);
    c->sha = strdup(sha);
    c->budget_seconds = budget;
    return 0;
err:
    gw_canary_change_clear(ch);
    return -1;
}

int
gw_canary_from_deployment_status(const struct gw_jval *payload, struct gw_canary_change *ch, char *err,
                                 size_t errlen)
{
    static const char *const ending[] = {"failure", "error", "inactive", NULL};
    const char *repo, *state;
    char id[512];

    memset(ch, 0, sizeof(*ch));
    if ((repo = gw_json_req_string(payload, "repository.full_name", err, errlen)) == NULL ||
        (state = gw_json_req_string(payload, "deployment_status.state", err, errlen)) == NULL ||
        deployment_id(payload, repo, id, sizeof(id), err, errlen) != 0)
        return -1;
    for (const char *const *e = ending; *e != NULL; e++) {
        if (strcmp(state, *e) == 0) {
            ch->op = GW_CANARY_END;
            ch->canary.id = strdup(id);
            if (gw_json_req_time(payload, "deployment_status.created_at",
                                 &ch->canary.updated_at, err, errlen) != 0)
                ch->canary.updated_at = 0;
            return 0;
        }
    }
    return 0; /* success, pending, in_progress, queued: the canary goes on */
}

int
gw_canary_from_api(const struct gw_jval *body, int64_t now, int64_t default_budget, struct gw_canary *c,
                   char *err, size_t errlen)
{
    const char *id, *service, *env;
    const struct gw_jval *started, *budget;
    const char *const allowed[] = {"id", "service", "environment", "started_at",
                                   "budget_seconds", NULL};

    memset(c, 0, sizeof(*c));
    if (body == NULL || body->type != GW_JOBJECT) {
        snprintf(err, errlen, "body must be a JSON object");
        return -1;
    }
    for (uint32_t i = 0; i < body->n; i++) {
        const char *key = body->v.items[i].key;
        const char *const *a = allowed;
        while (*a != NULL && strcmp(*a, key) != 0)
            a++;
        if (*a == NULL) {
            snprintf(err, errlen, "unknown field %.64s", key);
            return -1;
        }
    }
    if ((id = gw_json_req_string(body, "id", err, errlen)) == NULL ||
        (service = gw_json_req_string(body, "service", err, errlen)) == NULL ||
        (env = gw_json_req_string(body, "environment", err, errlen)) == NULL)
        return -1;
    if (!gw_canary_id_valid(id)) {
        snprintf(err, errlen, "id must be 1 to %d bytes of printable text", GW_CANARY_ID_MAX);
        return -1;
    }
    if (service[0] == '\0' || env[0] == '\0') {
        snprintf(err, errlen, "service and environment must not be empty");
        return -1;
    }
    c->started_at = now;
    started = gw_jget(body, "started_at");
    if (started != NULL && !gw_jis_null(started) &&
        gw_json_req_time(body, "started_at", &c->started_at, err, errlen) != 0)
        return -1;
    c->budget_seconds = default_budget;
    budget = gw_jget(body, "budget_seconds");
    if (budget != NULL && !gw_jis_null(budget)) {
        if (budget->type != GW_JINT || budget->v.i < 1 || budget->v.i > 365LL * 86400) {
            snprintf(err, errlen, "budget_seconds must be an integer from 1 to 31536000");
            return -1;
        }
        c->budget_seconds = budget->v.i;
    }
    c->id = strdup(id);
    c->service = strdup(service);
    c->environment = strdup(env);
    c->source = strdup("api");
    c->updated_at = c->started_at;
    return 0;
}

json_t *
gw_canary_json(const struct gw_canary *c, int64_t now)
{
    char started[32], acked[32];
    gw_time_format_rfc3339(c->started_at, started, sizeof(started));
    gw_time_format_rfc3339(c->acked_at, acked, sizeof(acked));
    return json_pack("{s:s, s:s, s:s, s:s, s:I, s:I, s:b, s:s, s:o, s:o}", "id", c->id, "service",
                     c->service ? c->service : "", "environment",
                     c->environment ? c->environment : "", "started_at", started,
                     "budget_seconds", (json_int_t)c->budget_seconds, "elapsed_seconds",
                     (json_int_t)(now - c->started_at), "paged", c->paged, "source",
                     c->source ? c->source : "api", "acked_by",
                     c->acked_by != NULL ? json_string(c->acked_by) : json_null(), "acked_at",
                     c->acked_by != NULL ? json_string(acked) : json_null());
}
