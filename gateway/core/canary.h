/*
 * Canary deployments: GitHub deployment events and API requests -> canary
 * changes, canary JSON. Pure.
 */
#ifndef GW_CANARY_H
#define GW_CANARY_H

#include <jansson.h>

#include <stddef.h>
#include <stdint.h>

#include "gateway/core/strlist.h"
#include "gateway/util/jread.h"

#define GW_CANARY_ID_MAX 255      /* PagerDuty dedup_key limit */

struct gw_canary {
    char *id;
    char *service;
    char *environment;
    char *source;            /* "github" | "api" */
    char *repo;              /* GitHub: owner/name, for promotion; else NULL */
    char *sha;               /* GitHub: deployed commit; else NULL */
    int64_t started_at;
    int64_t budget_seconds;
    int64_t updated_at;      /* ordering key for stale GitHub deliveries */
    int paged;
    char *acked_by;          /* who clicked Acknowledge ("@name"), or NULL */
    int64_t acked_at;        /* when (Unix seconds); 0 when not acknowledged */
};
void gw_canary_clear(struct gw_canary *c);

enum gw_canary_op {
    GW_CANARY_NONE = 0,      /* valid event the gateway does not use */
    GW_CANARY_START,         /* start c (idempotent) */
    GW_CANARY_END,           /* end canary c.id */
    GW_CANARY_PROMOTE        /* end every canary of c.repo at c.sha */
};

struct gw_canary_change {
    enum gw_canary_op op;
    struct gw_canary canary;
};
void gw_canary_change_clear(struct gw_canary_change *ch);

/* 1 if environment matches one of the glob patterns (fnmatch, case-sensitive). */
int gw_canary_env_matches(const struct gw_strlist *globs, const char *environment);

/* GitHub `deployment` / `deployment_status` events. -1 + reason on a malformed payload. */
int gw_canary_from_deployment(const struct gw_jval *payload, const struct gw_strlist *globs, int64_t budget,
                              struct gw_canary_change *ch, char *err, size_t errlen);
int gw_canary_from_deployment_status(const struct gw_jval *payload, struct gw_canary_change *ch, char *err,
                                     size_t errlen);

/*
 * POST /api/canaries body: {"id","service","environment","started_at"?,
 * "budget_seconds"?}; started_at defaults to now, budget to default_budget.
 */
int gw_canary_from_api(const struct gw_jval *body, int64_t now, int64_t default_budget, struct gw_canary *c,
                       char *err, size_t errlen);

/* 1 if id is a valid canary id: 1..255 bytes of printable UTF-8, no control characters. */
int gw_canary_id_valid(const char *id);

/* Canary JSON (docs/api.md): elapsed_seconds at now; acked_by/acked_at null until acked. */
json_t *gw_canary_json(const struct gw_canary *c, int64_t now);

#endif
