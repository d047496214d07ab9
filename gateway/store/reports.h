/*
 * The weekly Kaizen report in Redis: the per-week aggregates the ticket
 * scripts keep (store/lua/lib/report.lua) read back for a report, their
 * retention, and the one-time addition of tickets stored before the since
 * index to it. A report's claim and feed records are kept like a digest's
 * (store/digests.h, gw_digests_of_reports). Keys: store/keys.h.
 */
#ifndef GW_STORE_REPORTS_H
#define GW_STORE_REPORTS_H

#include <stdint.h>

#include "gateway/core/period.h"
#include "gateway/core/report.h"
#include "gateway/net/redis.h"
#include "gateway/store/call.h"
#include "gateway/store/digests.h"

#define GW_REPORTS_KEPT 26   /* reports in the feed */

/* Where reports keep their claims and feed records. */
extern const struct gw_digests_keys gw_digests_of_reports;

struct gw_reports;

/* periods is borrowed and outlives the store. */
struct gw_reports *gw_reports_new(struct gw_redis *redis, const struct gw_periods *periods);
void gw_reports_free(struct gw_reports *s);

/*
 * What the report of week is built from: the aggregates of its
 * GW_REPORT_HISTORY weeks (itself the last) and of every week kept after it,
 * and the tickets open now per group. data is valid during the callback.
 * Costs O(groups * weeks).
 */
typedef void (*gw_report_data_cb)(const struct gw_report_data *data,
                                  const struct gw_redis_error *err, void *arg);
void gw_reports_read(struct gw_reports *s, const struct gw_period *week, gw_report_data_cb cb,
                     void *arg);

/* Retention: deletes at most limit weeks that ended before cutoff, oldest first. */
void gw_reports_expire(struct gw_reports *s, int64_t cutoff, long limit, gw_deleted_cb cb,
                       void *arg);

/*
 * Adds at most limit open tickets stored before the since index existed to
 * it; deleted is -1 once all are in (then it costs one read).
 */
void gw_reports_backfill(struct gw_reports *s, long limit, gw_deleted_cb cb, void *arg);

#endif
