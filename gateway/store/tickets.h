/*
 * Tickets in Redis. Every state change is one Lua script, so it is atomic
 * with the delivery-id de-duplication and applying it twice leaves Redis
 * byte-for-byte the same.
 *
 * Keys (prefix "kz:"):
 *   kz:ticket:<id>        hash: id source title url component severity state
 *                         created_at resolved_at sla_deadline updated_at
 *   kz:tickets            zset id -> updated_at (newest change first)
 *   kz:sla                zset id -> sla_deadline, open tickets only
 *   kz:sla_pending        zset id -> sla_deadline, open and breach not yet notified
 *   kz:open_counts        hash ["component","severity"] -> open count
 *   kz:delivery:<src>:<d> de-duplication marker, TTL KAIZEN_DELIVERY_TTL
 *   kz:tomb:<id>          updated_at of a deleted/transferred issue (TTL as above)
 *   kz:tickets:version    counter bumped when a ticket really changes;
 *   kz:tickets:changed_at and when (Unix seconds): feed ETag/Last-Modified
 */
#ifndef GW_STORE_H
#define GW_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "gateway/core/github.h"
#include "gateway/net/redis.h"
#include "gateway/core/ticket.h"

struct gw_store;

struct gw_store *gw_store_new(struct gw_redis *redis);
void gw_store_free(struct gw_store *store);

struct gw_apply_result {
    int ok;                 /* 0: Redis failed; nothing was recorded */
    const char *status;     /* "accepted" | "duplicate" | "stale" | "ignored" */
    int resolved;           /* 1 if this change resolved an open (or new) ticket */
};

typedef void (*gw_apply_cb)(const struct gw_apply_result *res, void *arg);

/*
 * Applies change atomically. delivery (may be NULL) is the idempotency key
 * "source:id"; it is recorded with ttl seconds in the same script. Returns
 * -1 if Redis is not ready (cb not called), else 0 and cb runs once.
 */
int gw_store_apply(struct gw_store *store, const char *delivery, int64_t ttl,
                   const struct gw_ticket_change *change, gw_apply_cb cb, void *arg);

enum gw_state_filter { GW_STATE_DEFAULT, GW_STATE_OPEN, GW_STATE_RESOLVED, GW_STATE_ALL };

struct gw_ticket_filter {
    const char *component;          /* NULL: any */
    enum gw_severity severity;      /* GW_SEV_NONE: any */
    enum gw_state_filter state;     /* DEFAULT: open + resolved within recent_seconds */
    int64_t recent_seconds;         /* 7 days */
    long limit;                     /* <= 0: no limit */
    int64_t now;
};

/* tickets: array of n tickets, newest change first; valid only during the call. ok=0 on failure. */
typedef void (*gw_list_cb)(int ok, const struct gw_ticket *tickets, size_t n, void *arg);
int gw_store_list(struct gw_store *store, const struct gw_ticket_filter *filter, gw_list_cb cb,
                  void *arg);

/*
 * Open tickets whose deadline passed and whose breach was not yet notified
 * (kz:sla_pending), at most limit, earliest deadline first. Cost grows with
 * the number due, not the number stored.
 */
int gw_store_due_breaches(struct gw_store *store, int64_t now, long limit, gw_list_cb cb,
                          void *arg);

/*
 * Change tracking for conditional GETs: what is "tickets" (bumped by every
 * real ticket change) or "digests" (by every digest recorded). version and
 * changed_at (Unix seconds) are 0 when nothing was ever recorded.
 */
typedef void (*gw_version_cb)(int ok, int64_t version, int64_t changed_at, void *arg);
int gw_store_version(struct gw_store *store, const char *what, gw_version_cb cb, void *arg);

/* Open counts per (component, severity) and breached counts per component. */
struct gw_count { const char *component; const char *severity; long count; };
typedef void (*gw_stats_cb)(int ok, const struct gw_count *open, size_t nopen,
                            const struct gw_count *breached, size_t nbreached, void *arg);
int gw_store_stats(struct gw_store *store, int64_t now, gw_stats_cb cb, void *arg);

/* Ticket -> JSON per SPEC "Ticket JSON" (sla_remaining_seconds at now). */
#include <jansson.h>
json_t *gw_ticket_json(const struct gw_ticket *t, int64_t now);

#endif
