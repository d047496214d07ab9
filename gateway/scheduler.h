/*
 * Timers that turn tickets into Slack messages through the outbox:
 * the digest (once per window across all replicas) and SLA-breach notices
 * (once per breach across all replicas).
 */
#ifndef GW_DIGEST_H
#define GW_DIGEST_H

#include <stddef.h>
#include <stdint.h>

struct gw_app;
struct gw_scheduler;

/*
 * The digest window containing now, as an id: with every > 0 the windows
 * are [k*every, (k+1)*every) ("every<secs>-<k>"); otherwise one per day,
 * starting at at_minute UTC ("2026-11-22"; before that time it is the
 * previous day's window). Returns the window start (Unix seconds). Pure.
 */
int64_t gw_digest_window(int64_t now, int64_t every, int at_minute, char *id, size_t len);

struct gw_scheduler *gw_scheduler_new(struct gw_app *app);
void gw_scheduler_start(struct gw_scheduler *s);
void gw_scheduler_stop(struct gw_scheduler *s);
void gw_scheduler_free(struct gw_scheduler *s);

/*
 * Builds the digest of the open tickets now and enqueues it without a
 * window guard (POST /api/digest). cb(ok, messages, arg). -1 if Redis is
 * not ready (cb not called).
 */
typedef void (*gw_digest_cb)(int ok, size_t messages, void *arg);
int gw_digest_enqueue_now(struct gw_scheduler *s, gw_digest_cb cb, void *arg);

#endif
