/* PagerDuty Events API v2 bodies: the one builder of each payload. Pure. */
#ifndef GW_PAGER_H
#define GW_PAGER_H

#include <jansson.h>
#include <stdint.h>

#include "gateway/core/canary.h"

#define GW_PAGER_SUMMARY_MAX 1024   /* payload.summary, in characters */

/* trigger for canary c over budget; summary is cut to GW_PAGER_SUMMARY_MAX. New reference. */
json_t *gw_pager_trigger(const char *routing_key, const struct gw_canary *c, const char *summary,
                         int64_t now);
/* resolve of the incident with dedup_key. New reference. */
json_t *gw_pager_resolve(const char *routing_key, const char *dedup_key);
/* acknowledge of the incident with dedup_key (a click on the page's button). New reference. */
json_t *gw_pager_acknowledge(const char *routing_key, const char *dedup_key);

#endif
