/*
 * Digests in Redis: the claim of a digest window (once across replicas),
 * the enqueue of its messages in the same step, and the records the
 * digests feed shows. Keys: store/keys.h. The weekly Kaizen reports are
 * kept the same way under their own keys (gw_digests_keys).
 */
#ifndef GW_STORE_DIGESTS_H
#define GW_STORE_DIGESTS_H

#include <stddef.h>
#include <stdint.h>

#include "gateway/net/redis.h"
#include "gateway/store/call.h"
#include "gateway/store/outbox.h"

#define GW_DIGESTS_KEPT 30   /* records kept for the feed */

struct gw_digests;

/* Where one kind of windowed message keeps its claims and feed records. */
struct gw_digests_keys {
    const char *records, *version, *changed;   /* store/keys.h names */
    int claim;                                 /* enum gw_key_kind of a window's claim */
    int kept;                                  /* records kept, at most GW_DIGESTS_KEPT */
};
/* The digests'. */
extern const struct gw_digests_keys gw_digests_of_digests;

/* keys is borrowed and outlives d. */
struct gw_digests *gw_digests_new(struct gw_redis *redis, const struct gw_digests_keys *keys);
void gw_digests_free(struct gw_digests *d);

/*
 * Enqueues msgs[0..n) in order and pushes record (JSON, may be NULL) to the
 * feed's records, in one step. With window (may be NULL: a manual digest),
 * only if that window was not claimed yet; the claim is kept window_ttl
 * seconds. enqueued is 0 when another replica had the window.
 */
typedef void (*gw_digest_enqueued_cb)(int enqueued, const struct gw_redis_error *err, void *arg);
void gw_digests_enqueue(struct gw_digests *d, const char *window, int64_t window_ttl,
                        const char *record, const struct gw_outbox_msg *msgs, size_t n,
                        gw_digest_enqueued_cb cb, void *arg);

/* claimed: 1 if window was claimed already (by any replica). */
typedef void (*gw_window_cb)(int claimed, const struct gw_redis_error *err, void *arg);
void gw_digests_window_claimed(struct gw_digests *d, const char *window, gw_window_cb cb,
                               void *arg);

/* The newest records (JSON texts, at most kept), newest first; valid only during the callback. */
typedef void (*gw_records_cb)(const char *const *records, size_t n,
                              const struct gw_redis_error *err, void *arg);
void gw_digests_records(struct gw_digests *d, gw_records_cb cb, void *arg);

/* Retention: deletes the records built before cutoff_ms (at most GW_DIGESTS_KEPT exist). */
void gw_digests_expire(struct gw_digests *d, int64_t cutoff_ms, gw_deleted_cb cb, void *arg);

/* Bumped by every record: the digests feed's validators. */
void gw_digests_version(struct gw_digests *d, gw_version_cb cb, void *arg);

#endif
