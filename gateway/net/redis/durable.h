/*
 * Durable writes (durable.c): a write someone is told about succeeds once
 * min_replicas replicas have it, which a WAIT sent after it tells. Writes
 * sent in one pass of the loop share one WAIT (a group commit: WAIT covers
 * every write the connection sent before it). For the client's parts in
 * gateway/net/redis/ only.
 */
#ifndef GW_REDIS_DURABLE_H
#define GW_REDIS_DURABLE_H

struct event;
struct event_base;
struct gw_redis_conn;
struct gw_redis_pending;
struct gw_redis_wait_group;

/* The fields are durable.c's. */
struct gw_redis_durable {
    struct gw_redis_conn *conn;         /* borrowed: sends the writes and their WAIT */
    int min_replicas;
    int replicas_online;                /* in sync at the last look (INFO replication) */
    struct gw_redis_wait_group *group;  /* writes waiting for their WAIT to be sent */
    struct event *flush_ev;             /* sends the group's WAIT at the end of the loop's pass */
};

/* conn must outlive d. @return 0, or -1 when out of memory (clear d anyway). */
int gw_redis_durable_init(struct gw_redis_durable *d, struct event_base *base,
                          struct gw_redis_conn *conn, int min_replicas);

/* Fails the writes still waiting for their WAIT (DISCONNECTED) and frees what d owns. */
void gw_redis_durable_clear(struct gw_redis_durable *d);

/*
 * Sends p on the connection; when p->durable and replicas are in sync, p
 * joins this pass's WAIT, and its outcome waits for that WAIT's answer:
 * NOT_REPLICATED when fewer replicas have it than were in sync (at most
 * min_replicas). A primary with no replica in sync (just promoted) is the
 * only copy there is: its writes succeed on their reply.
 * @return 0, or -1 when it could not be sent (p is untouched).
 */
int gw_redis_durable_send(struct gw_redis_durable *d, struct gw_redis_pending *p);

/* INFO replication's text (valid during the call): the replicas online, lagging at most 1 s. */
void gw_redis_durable_info(struct gw_redis_durable *d, const char *text);

/*
 * The connection is gone: the writes whose WAIT was not sent yet fail
 * (DISCONNECTED), and nothing is known of the next connection's replicas.
 */
void gw_redis_durable_lost(struct gw_redis_durable *d);

#endif
