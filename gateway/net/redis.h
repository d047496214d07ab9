/*
 * Redis over hiredis's async API on the libevent loop: connect timeout,
 * per-command timeout, AUTH/SELECT, reconnect with backoff and jitter.
 * Nothing here blocks.
 *
 * Every command ends in exactly one callback, always from the event loop
 * and never inside the call that sent it: with a reply, or with an error
 * that says what went wrong (an error reply from Redis is an error too).
 */
#ifndef GW_REDIS_H
#define GW_REDIS_H

#include <hiredis/hiredis.h>
#include <stddef.h>
#include <stdint.h>

struct event_base;
struct gw_redis;

/* Where Redis is (KAIZEN_REDIS_URL). */
enum gw_redis_kind { GW_REDIS_TCP, GW_REDIS_UNIX };

struct gw_redis_target {
    enum gw_redis_kind kind;
    char *host;       /* TCP */
    int port;
    char *path;       /* unix socket */
    char *password;   /* NULL: no AUTH */
    int db;
};

/* Parses a Redis URL into target (caller frees with gw_redis_target_clear). -1 + reason in err. */
int gw_redis_url_parse(const char *url, struct gw_redis_target *target, char *err, size_t errlen);
void gw_redis_target_clear(struct gw_redis_target *target);

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
    GW_REDIS_PROTOCOL         /* a reply of a shape the caller does not expect */
};

struct gw_redis_error {
    enum gw_redis_error_kind kind;
    const char *text;         /* Redis's own words or ours; valid during the callback */
};

/* Stable lower-case name of kind ("readonly", "timeout", …): log field and metric label. */
const char *gw_redis_error_name(enum gw_redis_error_kind kind);

/* The kind of an error reply's text ("READONLY You can't write…"). */
enum gw_redis_error_kind gw_redis_classify_reply(const char *text);

/*
 * Reply callback: exactly one of reply (never an error reply) and err is
 * non-NULL. Both are valid only during the call.
 */
typedef void (*gw_redis_cb)(redisReply *reply, const struct gw_redis_error *err, void *privdata);

/* Called with up = 1 once connected and ready, 0 when the connection is lost. */
typedef void (*gw_redis_state_cb)(int up, void *arg);

/* A Lua script sent by EVALSHA, falling back to EVAL after a Redis restart. */
struct gw_redis_script {
    const char *name;     /* for logs */
    const char *source;
    char sha[41];         /* filled by gw_redis_script_init */
};
void gw_redis_script_init(struct gw_redis_script *s, const char *name, const char *source);

/* target is copied. timeout_ms bounds connecting and each command. */
struct gw_redis *gw_redis_new(struct event_base *base, const struct gw_redis_target *target,
                              int64_t timeout_ms, gw_redis_state_cb on_state, void *arg);
/* Starts connecting (and keeps reconnecting until gw_redis_free). */
void gw_redis_start(struct gw_redis *r);
/* 1 when connected, authenticated and the database selected. */
int gw_redis_ready(const struct gw_redis *r);

/*
 * Sends a command; cb (NULL: nobody waits for the outcome) runs exactly
 * once (see above). argvlen may be NULL
 * for NUL-terminated arguments; the arguments are copied.
 */
void gw_redis_command(struct gw_redis *r, gw_redis_cb cb, void *privdata, int argc,
                      const char **argv, const size_t *argvlen);

/* EVALSHA script numkeys args... (argv holds keys then args). Same contract. */
void gw_redis_eval(struct gw_redis *r, const struct gw_redis_script *script, gw_redis_cb cb,
                   void *privdata, int numkeys, int argc, const char **argv,
                   const size_t *argvlen);

/*
 * The KEYS and ARGV of a script call, built in any order (keys and
 * arguments are kept apart). Every value is copied in; a failed allocation
 * is remembered and fails the call that sends the arguments.
 */
struct gw_redis_list {
    char **v;
    size_t *len;
    int n, cap;
};
struct gw_redis_args {
    struct gw_redis_list keys, argv;
    int oom;
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

/* gw_redis_eval with a's keys and arguments; a is cleared (always). */
void gw_redis_eval_args(struct gw_redis *r, const struct gw_redis_script *script,
                        struct gw_redis_args *a, gw_redis_cb cb, void *privdata);

/*
 * Fails every pending command (their callbacks run with GW_REDIS_DISCONNECTED
 * or GW_REDIS_UNAVAILABLE, from inside this call) and frees r.
 */
void gw_redis_free(struct gw_redis *r);

#endif
