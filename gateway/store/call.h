/*
 * Shared by the store modules: the context of one Redis call (the caller's
 * typed callback and argument) and reads that several modules make.
 * Internal to gateway/store/.
 */
#ifndef GW_STORE_CALL_H
#define GW_STORE_CALL_H

#include <stddef.h>
#include <stdint.h>

#include "gateway/net/redis.h"

/* Memory for a call context; out of memory stops the process (see docs/architecture.md). */
void *gw_call_alloc(size_t size);

/*
 * GW_CALL(name, cb_type) declares the context of one kind of Redis call,
 * `struct name {cb_type cb; void *arg;}`, and `name_new(cb, arg)`: the
 * caller's callback keeps its type from the call to its reply handler,
 * which takes it back from privdata (never cast to another function type).
 */
#define GW_CALL(name, cb_type)                                                  \
    struct name {                                                               \
        cb_type cb;                                                             \
        void *arg;                                                              \
    };                                                                          \
    __attribute__((unused)) static struct name *name##_new(cb_type cb, void *arg) \
    {                                                                           \
        struct name *call = gw_call_alloc(sizeof(*call));                       \
        call->cb = cb;                                                          \
        call->arg = arg;                                                        \
        return call;                                                            \
    }

/* The error of a reply whose shape the store does not expect. */
extern const struct gw_redis_error gw_bad_reply;

/* Integer value of an integer or string reply (0 for nil or anything else). */
int64_t gw_reply_int(const redisReply *r);

/* Retention steps: how many items were deleted. */
typedef void (*gw_deleted_cb)(long deleted, const struct gw_redis_error *err, void *arg);
GW_CALL(gw_deleted_call, gw_deleted_cb)
/* Reply handler of a step answering its count; privdata: a gw_deleted_call. */
void gw_on_deleted(redisReply *reply, const struct gw_redis_error *err, void *privdata);

/* Acknowledge clicks (canaries and tickets): recorded, a retry, or nothing to acknowledge. */
enum gw_ack_status { GW_ACK_DONE, GW_ACK_DUPLICATE, GW_ACK_UNKNOWN };
typedef void (*gw_ack_cb)(enum gw_ack_status status, const struct gw_redis_error *err, void *arg);
GW_CALL(gw_acked_call, gw_ack_cb)
/* Reply handler of an ack script ('acked', 'duplicate', else unknown); privdata: a gw_acked_call. */
void gw_on_acked(redisReply *reply, const struct gw_redis_error *err, void *privdata);

/* An ack under way between the read that finds where its message went and its script. */
struct gw_ack_call {
    void *store;          /* the gw_canaries or gw_tickets */
    char *id, *by;
    int64_t at;
    gw_ack_cb cb;
    void *arg;
};
/* Copies id and by; aborts when out of memory, like the stores' other calls. */
struct gw_ack_call *gw_ack_call_new(void *store, const char *id, const char *by, int64_t at,
                                    gw_ack_cb cb, void *arg);
void gw_ack_call_free(struct gw_ack_call *k);

/*
 * Change tracking for conditional GETs: the version counter and the time
 * of the last change (Unix seconds), both 0 when nothing was recorded.
 */
typedef void (*gw_version_cb)(int64_t version, int64_t changed_at,
                              const struct gw_redis_error *err, void *arg);
void gw_store_version(struct gw_redis *redis, const char *version_key, const char *changed_key,
                      gw_version_cb cb, void *arg);

#endif
