/*
 * The connection to the primary (conn.c): a state machine over one hiredis
 * async context on the libevent loop. For the client's parts in
 * gateway/net/redis/ only.
 *
 *   IDLE -> DISCOVERING -> CONNECTING -> HANDSHAKE -> READY -> DRAINING -> IDLE
 *
 * The node is the URL's socket (unix://), a primary named by a redirect
 * (gw_redis_conn_redirect), or whatever the owner's discovery finds when
 * asked (the locate hook, answered by gw_redis_conn_found). The handshake
 * sends AUTH ([user] password) and SELECT as configured, ROLE for a
 * Sentinel's primary, INFO replication for durable writes, then a probe
 * write: the connection is READY once that succeeds. A READY connection is
 * checked every second (PING, or INFO replication); a failure anywhere
 * resets it and it reconnects after a capped, jittered backoff.
 *
 * Every hiredis context of the client is made by gw_redis_conn_open: with
 * a rediss URL it starts TLS there (tls.c), before the context is attached
 * to the loop. The TLS handshake is non-blocking: hiredis drives it with
 * the first commands written, so for a data connection it runs in the
 * HANDSHAKE phase that on_connect starts, under the same deadline; the
 * connection is READY only once the probe write came back over it.
 */
#ifndef GW_REDIS_CONN_H
#define GW_REDIS_CONN_H

#include <hiredis/async.h>
#include <stddef.h>
#include <stdint.h>

#include "gateway/net/redis.h"

struct event;
struct event_base;
struct evdns_base;
struct gw_metric;
struct gw_redis_pending;
struct gw_redis_queue;
struct gw_resolve;

/*
 * How the client's connections are made, shared by its parts (client.c
 * owns it; it outlives them): the loop, the resolver, the target (TLS and
 * credentials) and the error counter, where a TLS failure counts as kind
 * "tls".
 */
struct gw_redis_dial {
    struct event_base *base;
    struct evdns_base *dns;
    const struct gw_redis_target *target;
    struct gw_metric *errors;   /* kaizen_redis_errors_total{kind}, or NULL */
};

/* What the connection tells its owner: every hook is required; each gets the config's arg. */
struct gw_redis_conn_hooks {
    /* Find the primary (discovery) and answer with gw_redis_conn_found. */
    void (*locate)(void *arg);
    /* up = 1: the connection is READY (a write succeeded); 0: it no longer is. */
    void (*state)(int up, void *arg);
    /*
     * The reply (not NULL, valid during the call) to command p, read from
     * the connection; the hook finishes or re-sends p.
     */
    void (*reply)(struct gw_redis_pending *p, redisReply *reply, void *arg);
    /* INFO replication's text (valid during the call), from the handshake or a health check. */
    void (*info)(const char *text, void *arg);
    /*
     * The connection is closed and what hiredis held has been failed: stop
     * looking for the primary; drop what waited for this connection.
     */
    void (*closed)(void *arg);
};

struct gw_redis_conn_config {
    const struct gw_redis_dial *dial;       /* borrowed: outlives the connection */
    struct gw_redis_queue *queue;           /* borrowed: makes the connection's own commands */
    int64_t timeout_ms;         /* a health check's deadline; connect and handshake get 2x */
    const char *probe_key;      /* copied */
    int read_info;              /* the handshake and health checks send INFO replication */
    struct gw_redis_conn_hooks hooks;
    void *arg;
};

enum gw_redis_conn_state {
    GW_REDIS_CONN_IDLE,         /* waiting to (re)connect */
    GW_REDIS_CONN_DISCOVERING,  /* the owner looks for the primary, or its name resolves */
    GW_REDIS_CONN_CONNECTING,
    GW_REDIS_CONN_HANDSHAKE,    /* AUTH, SELECT, ROLE, INFO, then a write */
    GW_REDIS_CONN_READY,
    GW_REDIS_CONN_DRAINING      /* no longer the primary: reading the replies still due, then reset */
};

/* The fields are conn.c's. */
struct gw_redis_conn {
    struct gw_redis_conn_config cfg;    /* cfg.probe_key points to probe_key */
    char *probe_key;

    enum gw_redis_conn_state state;
    int64_t state_since;                /* ms, for phase timeouts */
    redisAsyncContext *ac;
    struct gw_resolve *resolve;
    char node[300];                     /* the node we talk to, for logs */
    char node_host[256];                /* its name, which its TLS certificate must carry */
    int node_port;
    int inflight;                       /* commands hiredis holds */
    int closing;                        /* gw_redis_conn_close has begun */

    /* A new primary is known (MOVED, +switch-master): connect there next. */
    int redirecting;                    /* commands wait for it */
    char redirect_host[256];
    int redirect_port;

    int64_t drain_delay_ms;             /* the reconnect delay once drained */
    char drain_reason[200];

    struct event *retry_timer;
    int64_t backoff_ms;
    int64_t ping_sent_ms;               /* 0: no health check outstanding */
    int64_t last_ping_ms;
};

/* An IDLE connection; cfg is copied. @return 0, or -1 when out of memory (clear it anyway). */
int gw_redis_conn_init(struct gw_redis_conn *c, const struct gw_redis_conn_config *cfg);

/* Starts connecting; it keeps reconnecting until gw_redis_conn_clear. */
void gw_redis_conn_start(struct gw_redis_conn *c);

/* Closes c (what hiredis holds gets DISCONNECTED, from inside this call) and frees what it owns. */
void gw_redis_conn_clear(struct gw_redis_conn *c);

/* 1 when READY: a write succeeded on this connection. */
int gw_redis_conn_ready(const struct gw_redis_conn *c);

/* 1 when a command should wait for a primary known to be on its way, rather than fail. */
int gw_redis_conn_awaiting(const struct gw_redis_conn *c);

/* Sends p (its cmd) on the connection. @return 0, or -1 when there is no connection (p is untouched). */
int gw_redis_conn_send(struct gw_redis_conn *c, struct gw_redis_pending *p);

/*
 * Sends a command of the client's own (health, WAIT, SCRIPT LOAD): no
 * deadline, not in the live list; cb (or NULL) gets privdata. argv is
 * copied. @return 0, or -1 when it could not be sent (the connection is
 * going away): cb is then never called.
 */
int gw_redis_conn_internal(struct gw_redis_conn *c, gw_redis_cb cb, void *privdata, int argc,
                           const char **argv);

/* The owner's discovery answered: the primary is host:port (copied), or host NULL with error. */
void gw_redis_conn_found(struct gw_redis_conn *c, const char *host, int port, const char *error);

/* A new primary is known: the next connect goes to host:port (copied); commands wait for it. */
void gw_redis_conn_redirect(struct gw_redis_conn *c, const char *host, int port);

/*
 * Closes the connection now (commands hiredis holds get DISCONNECTED) and
 * reconnects in delay_ms (-1: the backoff, and commands stop waiting for a
 * redirect). why (or NULL: not logged) need not outlive the call.
 */
void gw_redis_conn_reset(struct gw_redis_conn *c, const char *why, int64_t delay_ms);

/*
 * This node is not the primary now: send nothing more, read the replies
 * still due (they say whether each command ran), then reset with delay_ms.
 */
void gw_redis_conn_retire(struct gw_redis_conn *c, const char *why, int64_t delay_ms);

/*
 * An error reply of kind (text valid during the call) came on the
 * connection: READONLY, MASTERDOWN and LOADING retire it; the others keep it.
 */
void gw_redis_conn_error_reply(struct gw_redis_conn *c, enum gw_redis_error_kind kind,
                               const char *text);

/* The periodic check (every 100 ms or so): health checks and phase timeouts. */
void gw_redis_conn_tick(struct gw_redis_conn *c, int64_t now);

/*
 * A new hiredis context for ip:port (host, the name ip was resolved from,
 * is what its TLS certificate must carry), or for the unix socket path when
 * path is not NULL, attached to the loop, with data and the two callbacks
 * set: every connection the client makes (its data connection, ASK side
 * connections, questions to Sentinels and seeds, the Sentinel watch)
 * starts here. With a rediss URL (not for a unix socket) it is TLS, with
 * the files read now; never plaintext instead. host, ip and path need not
 * outlive the call.
 * @return the context, connecting: let go of it with gw_redis_conn_drop
 * (hiredis frees it itself after a failed connect or a disconnect); or
 * NULL with the reason in why (a TLS one counted).
 */
redisAsyncContext *gw_redis_conn_open(const struct gw_redis_dial *d, const char *host,
                                      const char *ip, int port, const char *path, void *data,
                                      redisConnectCallback *on_connect,
                                      redisDisconnectCallback *on_disconnect, char *why,
                                      size_t whylen);

/*
 * Why ac failed: called once per failed connection, by its owner, from its
 * connect or disconnect callback or a reply callback given NULL. TLS's
 * reason (OpenSSL's words), counted as kind "tls"; else hiredis's, or
 * "closed by the server". @return 1 when TLS failed, else 0.
 */
int gw_redis_conn_failure(const struct gw_redis_dial *d, const redisAsyncContext *ac, char *why,
                          size_t whylen);

/*
 * ac's time ran out (NULL: no connection): 1 with TLS's reason in why
 * (counted as kind "tls") when its TLS handshake had not finished; else 0.
 */
int gw_redis_conn_timed_out(const struct gw_redis_dial *d, const redisAsyncContext *ac, char *why,
                            size_t whylen);

/*
 * AUTH for who into argv: {"AUTH", user, password} with an ACL user,
 * {"AUTH", password} without. @return the argument count, or 0 when who
 * has no password (no AUTH). argv borrows who's strings.
 */
int gw_redis_auth_argv(const struct gw_redis_auth *who, const char *argv[3]);

/*
 * Lets go of *acp (NULL: nothing) and sets it NULL. Its callbacks see data
 * NULL from now on; hiredis frees it (once its callback under way returns,
 * when called from one) and calls back what it holds with a NULL reply.
 */
void gw_redis_conn_drop(redisAsyncContext **acp);

#endif
