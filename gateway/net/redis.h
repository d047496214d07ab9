/*
 * Redis over hiredis's async API on the libevent loop: a single primary, a
 * Sentinel-managed primary or a Redis Cluster; per-command deadlines, a
 * health check (PING, or INFO replication when writes wait for replicas),
 * TLS (rediss), AUTH with ACL users, SELECT, reconnect with capped jittered backoff, names resolved with
 * evdns. Nothing here blocks. The parts are in net/redis/.
 *
 * Every command ends in exactly one callback, always from the event loop
 * and never inside the call that sent it: with a reply, or with an error
 * that says what went wrong (an error reply from Redis is an error too).
 *
 * The client is made of parts in gateway/net/redis/, one concern each:
 * conn (the connection's state machine), pending (the command queue),
 * durable (WAIT), cluster (MOVED, ASK), sentinel and discover (finding and
 * following the primary), ask, resolve, url, args and error; client.c
 * glues them behind this header.
 */
#ifndef GW_REDIS_H
#define GW_REDIS_H

#include <hiredis/hiredis.h>
#include <stddef.h>
#include <stdint.h>

struct event_base;
struct gw_redis;

/* Where Redis is (KAIZEN_REDIS_URL). */
enum gw_redis_kind {
    GW_REDIS_TCP,         /* redis://, rediss://: one primary */
    GW_REDIS_UNIX,        /* unix://: one primary */
    GW_REDIS_SENTINEL,    /* redis-sentinel://: the Sentinels name the primary of `master` */
    GW_REDIS_CLUSTER      /* redis-cluster://: seeds; the primary of the {kz} slot */
};

struct gw_redis_endpoint {
    char *host;
    int port;
};

/* Who the gateway is to a server: AUTH [username] password. */
struct gw_redis_auth {
    char *username;             /* NULL: the default user */
    char *password;             /* NULL: no AUTH */
};

/*
 * TLS for every connection of a rediss URL (data nodes, Sentinels, seeds).
 * The files are read again for each new connection, so a rotated
 * certificate or CA needs no restart.
 */
struct gw_redis_tls {
    int on;                     /* rediss://, rediss-sentinel://, rediss-cluster:// */
    char *ca_file;              /* PEM bundle that verifies servers; NULL: the system's */
    char *cert_file, *key_file; /* client certificate and its key (mutual TLS), or NULL */
    char *server_name;          /* SNI and the name checked; NULL: the host connected to */
};

struct gw_redis_target {
    enum gw_redis_kind kind;
    struct gw_redis_endpoint *endpoints;  /* the primary, the Sentinels or the seeds */
    size_t nendpoints;
    char *path;                 /* unix socket */
    struct gw_redis_auth auth;           /* of the data nodes */
    struct gw_redis_auth sentinel_auth;  /* of the Sentinels (KAIZEN_REDIS_SENTINEL_*) */
    struct gw_redis_tls tls;
    char *master;               /* Sentinel: the monitored primary's name */
    int db;
};

/*
 * Parses a Redis URL into target (caller frees with gw_redis_target_clear):
 * the topology, the hosts, [user:]password (the data nodes') and whether
 * it is TLS (rediss). -1 + reason in err.
 */
int gw_redis_url_parse(const char *url, struct gw_redis_target *target, char *err, size_t errlen);
void gw_redis_target_clear(struct gw_redis_target *target);

/* 1 when this build speaks TLS to Redis (hiredis_ssl), else 0: rediss URLs are refused. */
int gw_redis_tls_built(void);

/*
 * Reads and checks the TLS files of tls as a new connection would: the CA
 * bundle (or the system's), and the client certificate and key (both or
 * neither; the key must match). Writes what it found, one line per file
 * without a trailing newline ("CA file /x: 2 certificates"; never the
 * key), into report. @return 0, or -1 with "KAIZEN_REDIS_TLS_X: reason"
 * in err.
 */
int gw_redis_tls_check(const struct gw_redis_tls *tls, char *report, size_t reportlen, char *err,
                       size_t errlen);

/* Why a command failed. */
enum gw_redis_error_kind {
    GW_REDIS_UNAVAILABLE = 1, /* not connected: nothing was sent */
    GW_REDIS_TIMEOUT,         /* sent, no reply in time: it may or may not have run */
    GW_REDIS_DISCONNECTED,    /* sent, then the connection was lost: it may or may not have run */
    GW_REDIS_READONLY,        /* error replies, by their first word */
    GW_REDIS_LOADING,
    GW_REDIS_MASTERDOWN,
    GW_REDIS_OOM,
    GW_REDIS_BUSY,
    GW_REDIS_SCRIPT,          /* a script raised an error */
    GW_REDIS_REPLY,           /* any other error reply */
    GW_REDIS_PROTOCOL,        /* a reply of a shape the caller does not expect */
    GW_REDIS_NOT_REPLICATED,  /* a durable write ran, but no replica has it yet: it may be lost */
    GW_REDIS_TLS              /* a connection's TLS failed (counted, never a command's outcome) */
};

struct gw_redis_error {
    enum gw_redis_error_kind kind;
    const char *text;         /* Redis's own words or ours; valid during the callback */
};

/* Stable lower-case name of kind ("readonly", "timeout", …): log field and metric label. */
const char *gw_redis_error_name(enum gw_redis_error_kind kind);

/*
 * Reply callback: exactly one of reply (never an error reply) and err is
 * non-NULL. Both are valid only during the call.
 */
typedef void (*gw_redis_cb)(redisReply *reply, const struct gw_redis_error *err, void *privdata);

/* Called with up = 1 once connected and ready, 0 when the connection is lost. */
typedef void (*gw_redis_state_cb)(int up, void *arg);

/* A Lua script sent by EVALSHA; after a Redis restart (NOSCRIPT) it is loaded and sent again. */
struct gw_redis_script {
    const char *name;     /* for logs */
    const char *source;
    char sha[41];         /* filled by gw_redis_script_init */
};
void gw_redis_script_init(struct gw_redis_script *s, const char *name, const char *source);

struct gw_metric;

struct gw_redis_config {
    const struct gw_redis_target *target;   /* copied */
    int64_t timeout_ms;       /* each command's deadline; a health check that takes longer
                                 marks the connection dead; connect and handshake take 2x */
    const char *probe_key;    /* written after connecting: ready once a write succeeds */
    struct gw_metric *errors; /* kaizen_redis_errors_total{kind}, or NULL */
    int min_replicas;         /* a durable write succeeds once this many replicas have it (WAIT) */
};

/*
 * A client that finds the primary (the URL's host, the Sentinels' answer or
 * the Cluster's owner of the {kz} slot), follows it through failovers and
 * redirects, and is ready only while a write succeeds there.
 */
struct gw_redis *gw_redis_new(struct event_base *base, const struct gw_redis_config *cfg,
                              gw_redis_state_cb on_state, void *arg);
/* Starts connecting (and keeps reconnecting until gw_redis_free). */
void gw_redis_start(struct gw_redis *r);
/* 1 when connected to the primary and a write succeeded there. */
int gw_redis_ready(const struct gw_redis *r);

/*
 * Sends a command; cb (NULL: nobody waits for the outcome) runs exactly
 * once (see above). argvlen may be NULL
 * for NUL-terminated arguments; the arguments are copied.
 */
void gw_redis_command(struct gw_redis *r, gw_redis_cb cb, void *privdata, int argc,
                      const char **argv, const size_t *argvlen);

/*
 * The KEYS and ARGV of a script call, built in any order (keys and
 * arguments are kept apart). Each value is written once, already in the
 * Redis protocol, into one of two growing buffers; sending joins them
 * behind the EVALSHA header, so a value is copied once on its way to
 * hiredis. A failed allocation is remembered and fails the call that
 * sends the arguments.
 */
struct gw_redis_list {
    char *p;        /* bulk strings "$<len>\r\n<bytes>\r\n", back to back */
    size_t len, cap;
    int n;
};
struct gw_redis_args {
    struct gw_redis_list keys, argv;
    int oom;
    int durable;    /* a write someone is told about: wait for min_replicas (WAIT) */
};
void gw_redis_args_init(struct gw_redis_args *a);
/* Appends a key; returns its 1-based index in KEYS. */
int gw_redis_args_key(struct gw_redis_args *a, const char *key);
/* The same, unless the key is there already: then its index. */
int gw_redis_args_key_once(struct gw_redis_args *a, const char *key);
void gw_redis_args_str(struct gw_redis_args *a, const char *s);
void gw_redis_args_mem(struct gw_redis_args *a, const void *p, size_t len);
void gw_redis_args_int(struct gw_redis_args *a, long long v);
/* Number of arguments in ARGV so far. */
int gw_redis_args_count(const struct gw_redis_args *a);
void gw_redis_args_clear(struct gw_redis_args *a);

/*
 * EVALSHA script with a's keys and arguments; a durable write when
 * a->durable. Same contract as gw_redis_command. a is cleared (always);
 * script is not copied: it must outlive the call's callback.
 */
void gw_redis_eval_args(struct gw_redis *r, const struct gw_redis_script *script,
                        struct gw_redis_args *a, gw_redis_cb cb, void *privdata);

/*
 * Fails every pending command (their callbacks run with GW_REDIS_DISCONNECTED
 * or GW_REDIS_UNAVAILABLE, from inside this call) and frees r.
 */
void gw_redis_free(struct gw_redis *r);

#endif
