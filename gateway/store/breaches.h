/*
 * SLA-breach rounds in Redis (store/lua/breach_round.lua): every ticket
 * that breaches in one check is listed, in pages, in the notice of that
 * check; each breach exactly once across replicas and restarts.
 *
 * A round: take until it answers READY (each take moves a bounded batch
 * of due tickets into the round), then for each page from next_page:
 * rows, render, emit. A replica that stops mid-round leaves it to the next
 * one once its lease ends, which goes on from the first page not emitted;
 * a page's message ids are derived from the round id and page, so a page
 * emitted twice is enqueued once.
 */
#ifndef GW_STORE_BREACHES_H
#define GW_STORE_BREACHES_H

#include <stddef.h>
#include <stdint.h>

#include "gateway/core/ticket.h"
#include "gateway/net/redis.h"
#include "gateway/store/outbox.h"

struct gw_breaches;

struct gw_breaches *gw_breaches_new(struct gw_redis *redis);
void gw_breaches_free(struct gw_breaches *b);

enum gw_breach_step {
    GW_BREACH_BUSY,     /* another replica holds a live round */
    GW_BREACH_TOOK,     /* moved some due tickets into the round: take again */
    GW_BREACH_NONE,     /* nothing breached */
    GW_BREACH_READY     /* the round is complete: emit its pages */
};

struct gw_breach_round {
    enum gw_breach_step step;
    const char *id;         /* READY: the round's id (valid during the callback) */
    int64_t checked_at;     /* READY: the check's time */
    long listed;            /* READY: tickets in the round */
    long next_page;         /* READY: the first page not emitted */
};
typedef void (*gw_breach_round_cb)(const struct gw_breach_round *round,
                                   const struct gw_redis_error *err, void *arg);

/* The caller's identity and lease for one step. */
struct gw_breach_lease {
    const char *token;      /* this replica */
    int64_t now_ms;
    int64_t lease_ms;
};

/* Moves at most batch tickets due before checked_at (for a new round) into the round. */
void gw_breaches_take(struct gw_breaches *b, const struct gw_breach_lease *l, int64_t checked_at,
                      long batch, gw_breach_round_cb cb, void *arg);

/* The tickets of one page (a ticket deleted since is left out). */
typedef void (*gw_breach_rows_cb)(const struct gw_ticket *tickets, size_t n,
                                  const struct gw_redis_error *err, void *arg);
void gw_breaches_rows(struct gw_breaches *b, long page, long page_size, gw_breach_rows_cb cb,
                      void *arg);

/*
 * Enqueues msgs[0..n) as page's notice and moves the round on, in one step.
 * result: 1 more pages follow, 2 the round is over, 0 the round is not this
 * replica's any more (nothing was enqueued).
 */
typedef void (*gw_breach_emit_cb)(int result, const struct gw_redis_error *err, void *arg);
/* A message of the page kept for its edits: its outbox id, destination and descriptor (lib/notice.lua). */
struct gw_breach_notice {
    const char *id;
    const char *dest;
    const char *descriptor;
};
void gw_breaches_emit(struct gw_breaches *b, const struct gw_breach_lease *l, long page,
                      long page_size, const struct gw_breach_notice *notices, size_t m,
                      const struct gw_outbox_msg *msgs, size_t n, gw_breach_emit_cb cb,
                      void *arg);

#endif
