#include "gateway/store/outbox.h"

#include <stdlib.h>
#include <string.h>

#include "gateway/store/call.h"
#include "gateway/store/keys.h"
#include "lua_scripts.h"

static const char *const sink_names[GW_SINK_COUNT] = {"slack", "pager"};

const char *
gw_sink_name(enum gw_sink s)
{
    return s >= 0 && s < GW_SINK_COUNT ? sink_names[s] : "?";
}

const char *
gw_outbox_result_name(enum gw_outbox_result r)
{
    static const char *const names[] = {"sent", "dry_run", "retry", "dead"};
    return names[r];
}

struct gw_outbox {
    struct gw_redis *redis;
    struct gw_redis_script claim, finish, status;
};

struct gw_outbox *
gw_outbox_new(struct gw_redis *redis)
{
    struct gw_outbox *o = calloc(1, sizeof(*o));
    if (o == NULL)
        return NULL;
    o->redis = redis;
    gw_redis_script_init(&o->claim, "outbox_claim", gw_lua_outbox_claim);
    gw_redis_script_init(&o->finish, "outbox_finish", gw_lua_outbox_finish);
    gw_redis_script_init(&o->status, "outbox_status", gw_lua_outbox_status);
    return o;
}

void
gw_outbox_free(struct gw_outbox *o)
{
    free(o);
}

/* Adds the key of kind for sink (once); returns its index in KEYS. */
static int
sink_key(struct gw_redis_args *a, enum gw_key_kind kind, enum gw_sink sink)
{
    char key[64];
    return gw_redis_args_key_once(a, gw_key_buf(key, sizeof(key), kind, gw_sink_name(sink)));
}

void
gw_outbox_args(struct gw_redis_args *a, const struct gw_outbox_msg *msgs, size_t n)
{
    int *queue = calloc(n ? n : 1, sizeof(*queue));

    if (queue == NULL) {
        a->oom = 1;
        return;
    }
    for (size_t i = 0; i < n; i++)
        queue[i] = sink_key(a, GW_KEY_OUTBOX_QUEUE, msgs[i].sink);
    gw_redis_args_int(a, (long long)n);
    for (size_t i = 0; i < n; i++) {
        gw_redis_args_str(a, msgs[i].id);
        gw_redis_args_int(a, queue[i]);
        gw_redis_args_str(a, msgs[i].body);
    }
    free(queue);
}

/* --- claim ------------------------------------------------------------------ */

static void
on_claimed(redisReply *reply, const struct gw_redis_error *err, void *privdata)
{
    struct gw_call *c = privdata;
    gw_outbox_claim_cb cb = (gw_outbox_claim_cb)c->cb;
    struct gw_outbox_claim claim = {NULL, NULL, 0, 0};

    if (err == NULL && (reply->type != REDIS_REPLY_ARRAY || reply->elements < 1 ||
                        reply->element[0]->type != REDIS_REPLY_STRING))
        err = &gw_bad_reply;
    if (err == NULL && strcmp(reply->element[0]->str, "msg") == 0) {
        if (reply->elements != 4)
            err = &gw_bad_reply;
        else {
            claim.id = reply->element[1]->str;
            claim.body = reply->element[2]->str;
            claim.body_len = reply->element[2]->len;
            claim.attempt = (int)strtol(reply->element[3]->str, NULL, 10);
        }
    }
    cb(err == NULL ? &claim : NULL, err, c->arg);
    free(c);
}

/* KEYS 1-5 of claim and finish: the sink's lock, queue and next time, bodies, attempts. */
static void
head_keys(struct gw_redis_args *a, enum gw_sink sink)
{
    sink_key(a, GW_KEY_OUTBOX_LOCK, sink);
    sink_key(a, GW_KEY_OUTBOX_QUEUE, sink);
    sink_key(a, GW_KEY_OUTBOX_NEXT, sink);
    gw_redis_args_key(a, GW_KEY_OUTBOX_BODY);
    gw_redis_args_key(a, GW_KEY_OUTBOX_ATTEMPTS);
}

void
gw_outbox_claim(struct gw_outbox *o, enum gw_sink sink, const char *token, int64_t now_ms,
                int64_t lease_ms, gw_outbox_claim_cb cb, void *arg)
{
    struct gw_redis_args a;

    gw_redis_args_init(&a);
    head_keys(&a, sink);
    gw_redis_args_int(&a, now_ms);
    gw_redis_args_int(&a, lease_ms);
    gw_redis_args_str(&a, token);
    gw_redis_eval_args(o->redis, &o->claim, &a, on_claimed, gw_call_new((gw_any_cb)cb, arg));
}

/* --- finish ----------------------------------------------------------------- */

static void
on_finished(redisReply *reply, const struct gw_redis_error *err, void *privdata)
{
    struct gw_call *c = privdata;
    (void)reply;
    ((gw_outbox_done_cb)c->cb)(err, c->arg);
    free(c);
}

void
gw_outbox_finish(struct gw_outbox *o, enum gw_sink sink, const char *id, const char *token,
                 const struct gw_outbox_outcome *out, gw_outbox_done_cb cb, void *arg)
{
    struct gw_redis_args a;

    gw_redis_args_init(&a);
    head_keys(&a, sink);
    gw_redis_args_key(&a, GW_KEY_OUTBOX_ERROR);
    gw_redis_args_key(&a, GW_KEY_OUTBOX_DEAD);
    gw_redis_args_key(&a, GW_KEY_OUTBOX_HISTORY);
    gw_redis_args_str(&a, id);
    gw_redis_args_str(&a, token);
    gw_redis_args_str(&a, gw_outbox_result_name(out->result));
    gw_redis_args_int(&a, out->next_at_ms);
    gw_redis_args_int(&a, out->now_ms);
    gw_redis_args_str(&a, out->history);
    gw_redis_args_str(&a, out->error);
    gw_redis_eval_args(o->redis, &o->finish, &a, on_finished, gw_call_new((gw_any_cb)cb, arg));
}

/* --- status ----------------------------------------------------------------- */

static void
on_status(redisReply *reply, const struct gw_redis_error *err, void *privdata)
{
    struct gw_call *c = privdata;
    json_t *recent = json_array();
    long pending = 0, dead = 0;

    if (err == NULL && (reply->type != REDIS_REPLY_ARRAY || reply->elements != 3 ||
                        reply->element[2]->type != REDIS_REPLY_ARRAY))
        err = &gw_bad_reply;
    if (err == NULL) {
        pending = (long)reply->element[0]->integer;
        dead = (long)reply->element[1]->integer;
        for (size_t i = 0; i < reply->element[2]->elements; i++) {
            json_t *entry = json_loads(reply->element[2]->element[i]->str, 0, NULL);
            if (entry != NULL)
                json_array_append_new(recent, entry);
        }
    }
    ((gw_outbox_status_cb)c->cb)(pending, dead, recent, err, c->arg);
    free(c);
}

void
gw_outbox_status(struct gw_outbox *o, long recent, gw_outbox_status_cb cb, void *arg)
{
    struct gw_redis_args a;

    gw_redis_args_init(&a);
    gw_redis_args_key(&a, GW_KEY_OUTBOX_DEAD);
    gw_redis_args_key(&a, GW_KEY_OUTBOX_HISTORY);
    for (int s = 0; s < GW_SINK_COUNT; s++)
        sink_key(&a, GW_KEY_OUTBOX_QUEUE, (enum gw_sink)s);
    gw_redis_args_int(&a, recent);
    gw_redis_eval_args(o->redis, &o->status, &a, on_status, gw_call_new((gw_any_cb)cb, arg));
}
