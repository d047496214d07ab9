#include "gateway/store/call.h"

#include <stdlib.h>
#include <string.h>

#include "gateway/util/log.h"

const struct gw_redis_error gw_bad_reply = {GW_REDIS_PROTOCOL, "unexpected reply from Redis"};

void *
gw_call_alloc(size_t size)
{
    void *c = malloc(size);
    if (c == NULL) {
        gw_oom("a Redis call context");
    }
    return c;
}

GW_CALL(version_call, gw_version_cb)

int64_t
gw_reply_int(const redisReply *r)
{
    if (r != NULL && r->type == REDIS_REPLY_INTEGER)
        return r->integer;
    return r != NULL && r->type == REDIS_REPLY_STRING ? strtoll(r->str, NULL, 10) : 0;
}

static void
on_version(redisReply *reply, const struct gw_redis_error *err, void *privdata)
{
    struct version_call *c = privdata;
    int64_t version = 0, changed_at = 0;

    if (err == NULL && (reply->type != REDIS_REPLY_ARRAY || reply->elements != 2))
        err = &gw_bad_reply;
    if (err == NULL) {
        version = gw_reply_int(reply->element[0]);
        changed_at = gw_reply_int(reply->element[1]);
    }
    c->cb(version, changed_at, err, c->arg);
    free(c);
}

void
gw_store_version(struct gw_redis *redis, const char *version_key, const char *changed_key,
                 gw_version_cb cb, void *arg)
{
    const char *argv[] = {"MGET", version_key, changed_key};
    gw_redis_command(redis, on_version, version_call_new(cb, arg), 3, argv, NULL);
}

void
gw_on_deleted(redisReply *reply, const struct gw_redis_error *err, void *privdata)
{
    struct gw_deleted_call *c = privdata;
    if (err == NULL && reply->type != REDIS_REPLY_INTEGER)
        err = &gw_bad_reply;
    c->cb(err == NULL ? (long)reply->integer : 0, err, c->arg);
    free(c);
}

void
gw_on_acked(redisReply *reply, const struct gw_redis_error *err, void *privdata)
{
    struct gw_acked_call *call = privdata;
    enum gw_ack_status status = GW_ACK_UNKNOWN;

    if (err == NULL && reply->type != REDIS_REPLY_STATUS && reply->type != REDIS_REPLY_STRING)
        err = &gw_bad_reply;
    if (err == NULL && strcmp(reply->str, "acked") == 0)
        status = GW_ACK_DONE;
    else if (err == NULL && strcmp(reply->str, "duplicate") == 0)
        status = GW_ACK_DUPLICATE;
    call->cb(status, err, call->arg);
    free(call);
}

struct gw_ack_call *
gw_ack_call_new(void *store, const char *id, const char *by, int64_t at, gw_ack_cb cb, void *arg)
{
    struct gw_ack_call *k = calloc(1, sizeof(*k));

    if (k == NULL || (k->id = strdup(id)) == NULL || (k->by = strdup(by)) == NULL)
        gw_oom(__func__);
    k->store = store;
    k->at = at;
    k->cb = cb;
    k->arg = arg;
    return k;
}

void
gw_ack_call_free(struct gw_ack_call *k)
{
    free(k->id);
    free(k->by);
    free(k);
}
