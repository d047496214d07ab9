/*
 * The pending queue (pending.c): one record per command, from its
 * submission until its caller has its outcome and nothing (hiredis, an ASK
 * connection, a WAIT) holds it any more. For the client's parts in
 * gateway/net/redis/ only.
 *
 * A caller gets its outcome exactly once (gw_redis_pending_finish). A
 * command refused as it is submitted is reported later, from the loop
 * (gw_redis_queue_refuse), never inside the call that submitted it.
 */
#ifndef GW_REDIS_PENDING_H
#define GW_REDIS_PENDING_H

#include <hiredis/hiredis.h>
#include <stddef.h>
#include <stdint.h>

#include "gateway/net/redis.h"

struct event;
struct event_base;
struct gw_metric;
struct gw_redis_ask;
struct gw_redis_queue;

/*
 * One command. pending.c allocates and frees it; the other parts set the
 * fields named for them.
 */
struct gw_redis_pending {
    struct gw_redis_queue *queue;
    gw_redis_cb cb;             /* NULL: nobody waits for the outcome */
    void *privdata;
    const struct gw_redis_script *script;   /* borrowed; NULL: not a script call */
    char *cmd;                  /* formatted, owned, kept for a re-send */
    size_t len;
    int64_t deadline_ms;        /* 0: none (the connection's own commands) */
    int done;                   /* the caller has its outcome */

    /* Who holds it: it is freed once done and none does. */
    int in_hiredis;             /* conn.c: hiredis holds a callback for it */
    struct gw_redis_ask *ask;   /* cluster.c: sent on an ASK side connection */
    int waits;                  /* durable.c: WAITs outstanding for it */

    /* Sending it again. */
    int waiting;                /* redirected (MOVED, +switch-master): sent once a primary is ready */
    int redirects;              /* NOSCRIPT reloads and Cluster redirects so far */

    /* durable.c: a write that succeeds once min_replicas have it. */
    int durable;
    int wait_for;               /* replicas the last WAIT asked for */
    redisReply *held;           /* its reply, kept until the WAIT answers */

    /* pending.c */
    enum gw_redis_error_kind refused;
    struct gw_redis_pending *prev, *next;   /* the live list */
    struct gw_redis_pending *next_refused;
};

/* The commands of one client. The fields are pending.c's; others only walk the live list. */
struct gw_redis_queue {
    struct gw_redis_pending *live_head, *live_tail;   /* waiting for an outcome, in submit order */
    struct gw_redis_pending *refused_head, **refused_tail;
    struct event *refused_ev;   /* reports the refused ones from the loop */
    struct gw_metric *errors;   /* kaizen_redis_errors_total{kind}, or NULL; borrowed */
};

/* An empty queue on base. errors (or NULL) must outlive q. @return 0, or -1 when out of memory. */
int gw_redis_queue_init(struct gw_redis_queue *q, struct event_base *base,
                        struct gw_metric *errors);

/*
 * Reports the refused commands now (from inside this call) and frees what
 * q owns. The live list must be empty: the owner fails those first.
 */
void gw_redis_queue_clear(struct gw_redis_queue *q);

/*
 * A command of q taking cmd (malloc'd, formatted) over; not in the live
 * list yet. script and privdata are borrowed. Out of memory aborts.
 */
struct gw_redis_pending *gw_redis_pending_new(struct gw_redis_queue *q,
                                              const struct gw_redis_script *script,
                                              gw_redis_cb cb, void *privdata, char *cmd,
                                              size_t len);

/* The same, formatting argv (argvlen NULL: NUL-terminated); the arguments are copied. */
struct gw_redis_pending *gw_redis_pending_argv(struct gw_redis_queue *q, gw_redis_cb cb,
                                               void *privdata, int argc, const char **argv,
                                               const size_t *argvlen);

/* Puts p at the end of the live list, failing at deadline_ms (gw_redis_queue_expire). */
void gw_redis_queue_add(struct gw_redis_queue *q, struct gw_redis_pending *p, int64_t deadline_ms);

/* Fails p with kind from the loop, soon, never inside this call. */
void gw_redis_queue_refuse(struct gw_redis_queue *q, struct gw_redis_pending *p,
                           enum gw_redis_error_kind kind);

/*
 * Fails every live command whose deadline is due at now: TIMEOUT when it
 * was sent (it may have run), UNAVAILABLE when not. The connection stays.
 */
void gw_redis_queue_expire(struct gw_redis_queue *q, int64_t now);

/*
 * Gives p's caller its outcome, unless it has it already: reply (an error
 * reply is an error of its kind), or when reply is NULL, kind. reply is
 * borrowed: valid during the call. Counts and logs the errors of callers'
 * commands. p stays allocated: see gw_redis_pending_release.
 */
void gw_redis_pending_finish(struct gw_redis_pending *p, redisReply *reply,
                             enum gw_redis_error_kind kind);

/*
 * p's reply (not an error reply) was read: kept (copied) while a WAIT for
 * it is outstanding, else p's outcome. Then releases p.
 */
void gw_redis_pending_reply(struct gw_redis_pending *p, redisReply *reply);

/* Frees p when its caller has its outcome and nothing holds it; else nothing. */
void gw_redis_pending_release(struct gw_redis_pending *p);

#endif
