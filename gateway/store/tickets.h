/*
 * Tickets in Redis. Every state change is one Lua script, atomic with the
 * delivery-id de-duplication, and applying it twice leaves Redis
 * byte-for-byte the same. Keys: store/keys.h.
 *
 * Every call ends in exactly one callback, from the event loop: with its
 * result, or with err set (then nothing else is valid, and for a change
 * nothing was recorded unless err says the outcome is unknown).
 */
#ifndef GW_STORE_TICKETS_H
#define GW_STORE_TICKETS_H

#include <stddef.h>
#include <stdint.h>

#include "gateway/core/measures.h"
#include "gateway/core/ticket.h"
#include "gateway/net/redis.h"
#include "gateway/store/call.h"
#include "gateway/store/outbox.h"

struct gw_tickets;

/*
 * retention (KAIZEN_RETENTION, seconds; 0: none): a change that would store
 * a resolved ticket last changed longer ago than that, for a ticket not
 * stored, is answered stale (retention would delete it at once).
 */
/*
 * routing: in Web API mode (edits), where a ticket's Slack messages go, so
 * the resolve or ack of a ticket edits the breach notice that lists it
 * (store/lua/lib/notice.lua), in that destination's queue.
 */
struct gw_ticket_routing {
    int edits;
    void (*route)(void *ctx, const struct gw_ticket *t, char *slack_dest, size_t len);
    void *ctx;
};
/*
 * periods (NULL: none kept) cut the weekly aggregates of the Kaizen report
 * (store/lua/lib/report.lua), which every change and ack adds to in the
 * weeks of its creation, resolution, change or acknowledgement.
 */
struct gw_periods;
struct gw_tickets *gw_tickets_new(struct gw_redis *redis, int64_t retention,
                                  const struct gw_ticket_routing *routing,
                                  const struct gw_periods *periods);
void gw_tickets_free(struct gw_tickets *s);

enum gw_apply_status { GW_APPLY_ACCEPTED, GW_APPLY_DUPLICATE, GW_APPLY_STALE, GW_APPLY_IGNORED };
/* The webhook status word of s (docs/api.md "Webhook status words"). */
const char *gw_apply_status_name(enum gw_apply_status s);

struct gw_apply_result {
    enum gw_apply_status status;
};

/* results[0..n): one per change, in order. */
typedef void (*gw_apply_cb)(const struct gw_apply_result *results, size_t n,
                            const struct gw_redis_error *err, void *arg);

/*
 * Applies changes[0..n) (n >= 1, ops other than NONE) atomically.
 * github_delivery (may be NULL) is the X-GitHub-Delivery that carried them,
 * the idempotency key, recorded with ttl seconds in the same script; when it
 * was seen before every result is GW_APPLY_DUPLICATE. changes are borrowed
 * for the call.
 */
void gw_tickets_apply(struct gw_tickets *s, const char *github_delivery, int64_t ttl,
                      const struct gw_ticket_change *changes, size_t n, gw_apply_cb cb,
                      void *arg);

/*
 * What gw_tickets_apply_batch did. results[i] is the result of changes[i]
 * for i < nresults (the scripts that ran); applied and stale count them.
 * failed: the changes of the script that failed (0 when none did).
 */
struct gw_apply_outcome {
    const struct gw_apply_result *results;
    size_t nresults;
    size_t applied, stale, failed;
};
/*
 * out is always set. err (NULL when every script ran) is the failed
 * script's: its changes were not applied or, after a timeout or a lost
 * connection, maybe they were.
 */
typedef void (*gw_apply_batch_cb)(const struct gw_apply_outcome *out,
                                  const struct gw_redis_error *err, void *arg);

/*
 * Applies changes[0..n) (n >= 1, ops other than NONE), however many, without
 * a delivery id: in scripts of at most GW_TICKETS_BATCH changes, one after
 * the other, so that no script holds Redis long and other clients' commands
 * run between them. Each script has its own deadline. The first that fails
 * ends the call: the changes after it are not sent, and applying all of
 * them again is safe (idempotent). One callback, with the aggregate
 * outcome. changes are borrowed until the callback.
 */
#define GW_TICKETS_BATCH 250
void gw_tickets_apply_batch(struct gw_tickets *s, int64_t ttl,
                            const struct gw_ticket_change *changes, size_t n,
                            gw_apply_batch_cb cb, void *arg);

/*
 * An Acknowledge click on an SLA-breach notice: ticket id acknowledged by
 * `by` at `at` (Unix seconds), recorded once in its row (acked_by,
 * acked_at), with the edit of its notice. GW_ACK_UNKNOWN: no such open ticket.
 */
void gw_tickets_ack(struct gw_tickets *s, const char *id, const char *by, int64_t at,
                    gw_ack_cb cb, void *arg);

/* One event of a ticket's timeline (store/lua/lib/ticket.lua). */
struct gw_timeline_event {
    int64_t at;
    const char *event;     /* opened, severity_changed, acknowledged, sla_breached, notified,
                              resolved, reopened */
    const char *by;        /* "" when nobody in particular */
    const char *detail;    /* "" when none */
};

/*
 * Ticket id's timeline, oldest first (by time, then as recorded), with the
 * ticket and when its current opening began; t is NULL when there is no
 * such ticket. Everything is valid during the callback.
 */
typedef void (*gw_timeline_cb)(const struct gw_ticket *t, int64_t since,
                               const struct gw_timeline_event *events, size_t n,
                               const struct gw_redis_error *err, void *arg);
void gw_tickets_timeline(struct gw_tickets *s, const char *id, gw_timeline_cb cb, void *arg);

/* What a listing read; everything is valid only during the callback. */
struct gw_ticket_list {
    const struct gw_ticket *tickets;
    size_t n;
    const char *next;             /* gw_tickets_list: the next page's cursor, NULL on the last */
    size_t next_len;
    const struct gw_count *open;  /* gw_tickets_urgent: open tickets per component, severity */
    size_t nopen;
};
typedef void (*gw_tickets_cb)(const struct gw_ticket_list *list, const struct gw_redis_error *err,
                              void *arg);

/*
 * One page of the tickets passing filter (borrowed for the call), newest
 * change first, at most filter->limit (1..GW_TICKETS_PAGE_MAX), after
 * filter->cursor. Read from the indexes: O(page + log n).
 */
#define GW_TICKETS_PAGE_MAX 1000
void gw_tickets_list(struct gw_tickets *s, const struct gw_ticket_filter *filter,
                     gw_tickets_cb cb, void *arg);

/*
 * The page position right after t in any listing (what a next cursor holds):
 * its bytes in buf[0..GW_TICKET_CURSOR_MAX), their count returned; 0 when
 * t's id does not fit.
 */
#define GW_TICKET_CURSOR_MAX 1024
size_t gw_ticket_cursor(const struct gw_ticket *t, char *buf);

/*
 * The digest's tickets: the open ones with the earliest deadlines, at most
 * limit, and the open counts per component and severity of all of them.
 */
void gw_tickets_urgent(struct gw_tickets *s, long limit, gw_tickets_cb cb, void *arg);

/*
 * Retention: deletes at most limit resolved tickets whose last change is
 * before cutoff, oldest first. deleted < limit: nothing older is left.
 */
void gw_tickets_expire(struct gw_tickets *s, int64_t cutoff, long limit, gw_deleted_cb cb,
                       void *arg);

/* Bumped by every real ticket change: the tickets feed's validators. */
void gw_tickets_version(struct gw_tickets *s, gw_version_cb cb, void *arg);

/*
 * Open counts per (component, severity), breached counts per component, and
 * the Kaizen measures (core/measures.h) of every (component, severity) that
 * has had a ticket, zeros included.
 */
struct gw_count {
    const char *component;
    const char *severity;     /* NULL in breached counts */
    long long count;
};

struct gw_stats {
    const struct gw_count *open, *breached;
    const struct gw_ticket_measures *measures;
    size_t nopen, nbreached, nmeasures;
};
typedef void (*gw_stats_cb)(const struct gw_stats *stats, const struct gw_redis_error *err,
                            void *arg);
void gw_tickets_stats(struct gw_tickets *s, int64_t now, gw_stats_cb cb, void *arg);

#endif
