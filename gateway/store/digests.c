#include "gateway/store/digests.h"

#include <stdio.h>
#include <stdlib.h>

#include "gateway/util/clock.h"
#include "gateway/store/keys.h"
#include "lua_scripts.h"

GW_CALL(digest_enqueued_call, gw_digest_enqueued_cb)
GW_CALL(records_call, gw_records_cb)
GW_CALL(window_call, gw_window_cb)

const struct gw_digests_keys gw_digests_of_digests = {
    GW_KEY_DIGESTS, GW_KEY_DIGESTS_VERSION, GW_KEY_DIGESTS_CHANGED, GW_KEY_DIGEST_WINDOW,
    GW_DIGESTS_KEPT};

struct gw_digests {
    struct gw_redis *redis;
    const struct gw_digests_keys *keys;
    struct gw_redis_script enqueue, retention;
};

struct gw_digests *
gw_digests_new(struct gw_redis *redis, const struct gw_digests_keys *keys)
{
    struct gw_digests *d = calloc(1, sizeof(*d));
    if (d == NULL)
        return NULL;
    d->redis = redis;
    d->keys = keys;
    gw_redis_script_init(&d->enqueue, "window_enqueue", gw_lua_window_enqueue);
    gw_redis_script_init(&d->retention, "digest_retention", gw_lua_digest_retention);
    return d;
}

void
gw_digests_free(struct gw_digests *d)
{
    free(d);
}

static void
on_enqueued(redisReply *reply, const struct gw_redis_error *err, void *privdata)
{
    struct digest_enqueued_call *c = privdata;
    if (err == NULL && reply->type != REDIS_REPLY_INTEGER)
        err = &gw_bad_reply;
    c->cb(err == NULL && reply->integer == 1, err, c->arg);
    free(c);
}

void
gw_digests_enqueue(struct gw_digests *d, const char *window, int64_t window_ttl,
                   const char *record, const struct gw_outbox_msg *msgs, size_t n,
                   gw_digest_enqueued_cb cb, void *arg)
{
    struct gw_redis_args a;
    char key[160];

    gw_redis_args_init(&a);
    gw_redis_args_key(&a, d->keys->records);
    gw_redis_args_key(&a, d->keys->version);
    gw_redis_args_key(&a, d->keys->changed);
    /* A manual digest passes a window key it never claims (ttl 0). */
    gw_redis_args_key(&a, gw_key_buf(key, sizeof(key), (enum gw_key_kind)d->keys->claim,
                                     window != NULL ? window : "manual"));
    gw_redis_args_int(&a, window != NULL ? window_ttl : 0);
    gw_redis_args_int(&a, gw_now_ms());
    gw_redis_args_str(&a, record != NULL ? record : "");
    gw_redis_args_int(&a, d->keys->kept);
    gw_outbox_args(&a, msgs, n);
    gw_redis_eval_args(d->redis, &d->enqueue, &a, on_enqueued, digest_enqueued_call_new(cb, arg));
}

static void
on_exists(redisReply *reply, const struct gw_redis_error *err, void *privdata)
{
    struct window_call *c = privdata;
    if (err == NULL && reply->type != REDIS_REPLY_INTEGER)
        err = &gw_bad_reply;
    c->cb(err == NULL && reply->integer == 1, err, c->arg);
    free(c);
}

void
gw_digests_window_claimed(struct gw_digests *d, const char *window, gw_window_cb cb, void *arg)
{
    char key[160];
    const char *argv[] = {"EXISTS",
                          gw_key_buf(key, sizeof(key), (enum gw_key_kind)d->keys->claim, window)};
    gw_redis_command(d->redis, on_exists, window_call_new(cb, arg), 2, argv, NULL);
}

static void
on_records(redisReply *reply, const struct gw_redis_error *err, void *privdata)
{
    struct records_call *c = privdata;
    const char *records[GW_DIGESTS_KEPT];
    size_t n = 0;

    if (err == NULL && reply->type != REDIS_REPLY_ARRAY)
        err = &gw_bad_reply;
    for (size_t i = 0; err == NULL && i < reply->elements && n < GW_DIGESTS_KEPT; i++)
        if (reply->element[i]->type == REDIS_REPLY_STRING)
            records[n++] = reply->element[i]->str;
    c->cb(records, n, err, c->arg);
    free(c);
}

void
gw_digests_records(struct gw_digests *d, gw_records_cb cb, void *arg)
{
    char last[16];
    snprintf(last, sizeof(last), "%d", d->keys->kept - 1);
    const char *argv[] = {"ZREVRANGE", d->keys->records, "0", last};
    gw_redis_command(d->redis, on_records, records_call_new(cb, arg), 4, argv, NULL);
}

void
gw_digests_version(struct gw_digests *d, gw_version_cb cb, void *arg)
{
    gw_store_version(d->redis, d->keys->version, d->keys->changed, cb, arg);
}

void
gw_digests_expire(struct gw_digests *d, int64_t cutoff_ms, gw_deleted_cb cb, void *arg)
{
    struct gw_redis_args a;

    gw_redis_args_init(&a);
    gw_redis_args_key(&a, d->keys->records);
    gw_redis_args_key(&a, d->keys->version);
    gw_redis_args_int(&a, cutoff_ms);
    gw_redis_eval_args(d->redis, &d->retention, &a, gw_on_deleted, gw_deleted_call_new(cb, arg));
}
