#include "gateway/store/outbox.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gateway/util/clock.h"
#include "gateway/store/call.h"
#include "gateway/store/keys.h"
#include "gateway/util/log.h"
#include "lua_scripts.h"

GW_CALL(outbox_claim_call, gw_outbox_claim_cb)
GW_CALL(outbox_dests_call, gw_outbox_dests_cb)
GW_CALL(outbox_done_call, gw_outbox_done_cb)
GW_CALL(outbox_status_call, gw_outbox_status_cb)
GW_CALL(thread_call, gw_thread_cb)

static const char *const kind_names[GW_MSG_KINDS] = {"page", "digest", "breach"};

const char *
gw_msg_kind_name(enum gw_msg_kind kind)
{
    return kind >= 0 && kind < GW_MSG_KINDS ? kind_names[kind] : "?";
}

const char *
gw_outbox_result_name(enum gw_outbox_result r)
{
    static const char *const names[] = {"sent", "dry_run", "retry", "dead", "throttled"};
    return names[r];
}

struct gw_outbox {
    struct gw_redis *redis;
    struct gw_redis_script claim, finish, status, retention;
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
    gw_redis_script_init(&o->retention, "outbox_retention", gw_lua_outbox_retention);
    return o;
}

void
gw_outbox_free(struct gw_outbox *o)
{
    free(o);
}


void
gw_outbox_batch_init(struct gw_outbox_batch *b, json_t *payloads, const char *dest,
                     enum gw_msg_kind kind, const char *prefix, int numbered)
{
    size_t n = json_array_size(payloads);

    b->n = n;
    b->msgs = calloc(n + 1, sizeof(*b->msgs));
    b->ids = calloc(n + 1, sizeof(*b->ids));
    b->bodies = calloc(n + 1, sizeof(*b->bodies));
    if (b->msgs == NULL || b->ids == NULL || b->bodies == NULL)
        gw_oom(__func__);
    for (size_t i = 0; i < n; i++) {
        char id[400];
        if (gw_wire_batch_id(id, sizeof(id), prefix, i, n, numbered) != 0)
            gw_bug("prefixes are built to fit (core/wire.h)");
        b->ids[i] = strdup(id);
        b->bodies[i] = json_dumps(json_array_get(payloads, i), JSON_COMPACT | JSON_PRESERVE_ORDER);
        if (b->ids[i] == NULL || b->bodies[i] == NULL)
            gw_oom(__func__);
        b->msgs[i] = (struct gw_outbox_msg){b->ids[i], dest, kind, b->bodies[i]};
    }
}

void
gw_outbox_batch_clear(struct gw_outbox_batch *b)
{
    for (size_t i = 0; i < b->n; i++) {
        free(b->ids[i]);
        free(b->bodies[i]);
    }
    free(b->ids);
    free(b->bodies);
    free(b->msgs);
    memset(b, 0, sizeof(*b));
}

void
gw_outbox_batch_append(struct gw_outbox_msg **all, size_t *n, const struct gw_outbox_batch *b)
{
    struct gw_outbox_msg *grown = realloc(*all, (*n + b->n + 1) * sizeof(**all));
    if (grown == NULL)
        gw_oom(__func__);
    memcpy(grown + *n, b->msgs, b->n * sizeof(*grown));
    *all = grown;
    *n += b->n;
}

int
gw_outbox_keys(struct gw_redis_args *a)
{
    int first = gw_redis_args_key_once(a, GW_KEY_OUTBOX_SEQ);

    gw_redis_args_key_once(a, GW_KEY_OUTBOX_BODY);
    gw_redis_args_key_once(a, GW_KEY_OUTBOX_DESTS);
    gw_redis_args_key_once(a, GW_KEY_OUTBOX_PENDING);
    return first;
}

int
gw_outbox_queue_key(struct gw_redis_args *a, const char *dest, enum gw_msg_kind kind)
{
    char rest[300], key[340];
    snprintf(rest, sizeof(rest), "%s:%s", dest, gw_msg_kind_name(kind));
    return gw_redis_args_key_once(a, gw_key_buf(key, sizeof(key), GW_KEY_OUTBOX_QUEUE, rest));
}

void
gw_outbox_args(struct gw_redis_args *a, const struct gw_outbox_msg *msgs, size_t n)
{
    int *queue = calloc(n ? n : 1, sizeof(*queue));

    if (queue == NULL) {
        a->oom = 1;
        return;
    }
    gw_redis_args_int(a, gw_redis_args_key_once(a, GW_KEY_OUTBOX_SEQ));
    gw_redis_args_int(a, gw_redis_args_key_once(a, GW_KEY_OUTBOX_BODY));
    gw_redis_args_int(a, gw_redis_args_key_once(a, GW_KEY_OUTBOX_DESTS));
    gw_redis_args_int(a, gw_redis_args_key_once(a, GW_KEY_OUTBOX_PENDING));
    for (size_t i = 0; i < n; i++)
        queue[i] = gw_outbox_queue_key(a, msgs[i].dest, msgs[i].kind);
    gw_redis_args_int(a, gw_now_ms());
    gw_redis_args_int(a, (long long)n);
    for (size_t i = 0; i < n; i++) {
        gw_redis_args_str(a, msgs[i].id);
        gw_redis_args_int(a, queue[i]);
        gw_redis_args_str(a, msgs[i].dest);
        gw_redis_args_str(a, msgs[i].body);
    }
    free(queue);
}

/* --- due destinations --------------------------------------------------------- */

static void
on_due(redisReply *reply, const struct gw_redis_error *err, void *privdata)
{
    struct outbox_dests_call *c = privdata;
    const char **dests = NULL;
    size_t n = 0;

    if (err == NULL && reply->type != REDIS_REPLY_ARRAY)
        err = &gw_bad_reply;
    if (err == NULL && reply->elements > 0 &&
        (dests = calloc(reply->elements, sizeof(*dests))) == NULL)
        gw_oom(__func__);
    for (size_t i = 0; err == NULL && i < reply->elements; i++)
        if (reply->element[i]->type == REDIS_REPLY_STRING)
            dests[n++] = reply->element[i]->str;
    c->cb(dests, n, err, c->arg);
    free(dests);
    free(c);
}

void
gw_outbox_due(struct gw_outbox *o, int64_t now, long limit, gw_outbox_dests_cb cb, void *arg)
{
    char now_s[24], limit_s[24];
    snprintf(now_s, sizeof(now_s), "%lld", (long long)now);
    snprintf(limit_s, sizeof(limit_s), "%ld", limit);
    const char *argv[] = {"ZRANGEBYSCORE", GW_KEY_OUTBOX_DESTS, "-inf", now_s, "LIMIT", "0", limit_s};
    gw_redis_command(o->redis, on_due, outbox_dests_call_new(cb, arg), 7, argv, NULL);
}

/* --- claim ------------------------------------------------------------------ */

static void
on_claimed(redisReply *reply, const struct gw_redis_error *err, void *privdata)
{
    struct outbox_claim_call *c = privdata;
    gw_outbox_claim_cb cb = c->cb;
    struct gw_outbox_claim claim = {NULL, NULL, 0, 0, GW_MSG_PAGE};

    if (err == NULL && (reply->type != REDIS_REPLY_ARRAY || reply->elements < 1 ||
                        reply->element[0]->type != REDIS_REPLY_STRING))
        err = &gw_bad_reply;
    if (err == NULL && strcmp(reply->element[0]->str, "msg") == 0) {
        long q = reply->elements == 5 ? strtol(reply->element[4]->str, NULL, 10) : 0;
        if (q < 1 || q > GW_MSG_KINDS) {
            err = &gw_bad_reply;
        } else {
            claim.id = reply->element[1]->str;
            claim.body = reply->element[2]->str;
            claim.body_len = reply->element[2]->len;
            claim.attempt = (int)strtol(reply->element[3]->str, NULL, 10);
            claim.kind = (enum gw_msg_kind)(q - 1);
        }
    }
    cb(err == NULL ? &claim : NULL, err, c->arg);
    free(c);
}

void
gw_outbox_claim(struct gw_outbox *o, const char *dest, const char *token, int64_t now,
                int64_t lease_ms, int64_t edit_spacing_ms, gw_outbox_claim_cb cb, void *arg)
{
    struct gw_redis_args a;
    char key[300];

    gw_redis_args_init(&a);
    gw_redis_args_key(&a, gw_key_buf(key, sizeof(key), GW_KEY_OUTBOX_LOCK, dest));
    gw_redis_args_key(&a, GW_KEY_OUTBOX_BODY);
    gw_redis_args_key(&a, GW_KEY_OUTBOX_ATTEMPTS);
    gw_redis_args_key(&a, GW_KEY_OUTBOX_DESTS);
    gw_redis_args_key(&a, GW_KEY_EDIT_TIER);
    for (int k = 0; k < GW_MSG_KINDS; k++)
        gw_outbox_queue_key(&a, dest, (enum gw_msg_kind)k);
    gw_redis_args_int(&a, now);
    gw_redis_args_int(&a, lease_ms);
    gw_redis_args_str(&a, token);
    gw_redis_args_str(&a, dest);
    gw_redis_args_int(&a, edit_spacing_ms);
    gw_redis_args_str(&a, GW_WIRE_EDIT_PREFIX);
    gw_redis_eval_args(o->redis, &o->claim, &a, on_claimed, outbox_claim_call_new(cb, arg));
}

/* --- finish ----------------------------------------------------------------- */

static void
on_finished(redisReply *reply, const struct gw_redis_error *err, void *privdata)
{
    struct outbox_done_call *c = privdata;
    (void)reply;
    c->cb(err, c->arg);
    free(c);
}

void
gw_outbox_finish(struct gw_outbox *o, const char *dest, enum gw_msg_kind kind, const char *id,
                 const char *token, const struct gw_outbox_outcome *out, gw_outbox_done_cb cb,
                 void *arg)
{
    struct gw_redis_args a;
    char key[700];   /* ids: up to a 255-byte canary id and their prefixes */

    gw_redis_args_init(&a);
    gw_redis_args_key(&a, gw_key_buf(key, sizeof(key), GW_KEY_OUTBOX_LOCK, dest));
    gw_redis_args_key(&a, GW_KEY_OUTBOX_BODY);
    gw_redis_args_key(&a, GW_KEY_OUTBOX_ATTEMPTS);
    gw_redis_args_key(&a, GW_KEY_OUTBOX_ERROR);
    gw_redis_args_key(&a, GW_KEY_OUTBOX_DEAD);
    gw_redis_args_key(&a, GW_KEY_OUTBOX_HISTORY);
    gw_redis_args_key(&a, GW_KEY_OUTBOX_DESTS);
    gw_redis_args_key(&a, GW_KEY_OUTBOX_PENDING);
    gw_outbox_queue_key(&a, dest, kind);
    gw_redis_args_key(&a, gw_key_buf(key, sizeof(key), GW_KEY_SLACK_POSTED, id));
    gw_redis_args_key(&a, gw_key_buf(key, sizeof(key), GW_KEY_SLACK_THREAD,
                                     out->thread_channel != NULL ? out->thread_channel : "-"));
    gw_redis_args_str(&a, id);
    gw_redis_args_str(&a, token);
    gw_redis_args_str(&a, gw_outbox_result_name(out->result));
    gw_redis_args_int(&a, out->next_at_ms);
    gw_redis_args_int(&a, out->now_ms);
    gw_redis_args_str(&a, out->history);
    gw_redis_args_str(&a, out->error);
    gw_redis_args_str(&a, dest);
    gw_redis_args_str(&a, out->posted != NULL ? out->posted : "");
    gw_redis_args_int(&a, GW_SLACK_POSTED_TTL);
    gw_redis_args_str(&a, out->thread_ts != NULL ? out->thread_ts : "");
    gw_redis_args_int(&a, GW_SLACK_THREAD_TTL);
    gw_redis_eval_args(o->redis, &o->finish, &a, on_finished, outbox_done_call_new(cb, arg));
}

static void
on_thread(redisReply *reply, const struct gw_redis_error *err, void *privdata)
{
    struct thread_call *c = privdata;
    if (err == NULL && reply->type != REDIS_REPLY_STRING && reply->type != REDIS_REPLY_NIL)
        err = &gw_bad_reply;
    c->cb(err == NULL && reply->type == REDIS_REPLY_STRING ? reply->str : NULL,
                          err, c->arg);
    free(c);
}

static void
get_string(struct gw_outbox *o, enum gw_key_kind kind, const char *rest, gw_thread_cb cb,
           void *arg)
{
    char key[400];
    const char *argv[] = {"GET", gw_key_buf(key, sizeof(key), kind, rest)};

    if (argv[1] == NULL) {      /* a name longer than any the gateway makes */
        cb(NULL, NULL, arg);
        return;
    }
    gw_redis_command(o->redis, on_thread, thread_call_new(cb, arg), 2, argv, NULL);
}

void
gw_outbox_thread(struct gw_outbox *o, const char *channel, gw_thread_cb cb, void *arg)
{
    get_string(o, GW_KEY_SLACK_THREAD, channel, cb, arg);
}

void
gw_outbox_posted(struct gw_outbox *o, const char *id, gw_thread_cb cb, void *arg)
{
    get_string(o, GW_KEY_SLACK_POSTED, id, cb, arg);
}

/* --- status and retention ------------------------------------------------------- */

static void
on_status(redisReply *reply, const struct gw_redis_error *err, void *privdata)
{
    struct outbox_status_call *c = privdata;
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
    c->cb(pending, dead, recent, err, c->arg);
    free(c);
}

void
gw_outbox_status(struct gw_outbox *o, long recent, gw_outbox_status_cb cb, void *arg)
{
    struct gw_redis_args a;

    gw_redis_args_init(&a);
    gw_redis_args_key(&a, GW_KEY_OUTBOX_PENDING);
    gw_redis_args_key(&a, GW_KEY_OUTBOX_DEAD);
    gw_redis_args_key(&a, GW_KEY_OUTBOX_HISTORY);
    gw_redis_args_int(&a, recent);
    gw_redis_eval_args(o->redis, &o->status, &a, on_status, outbox_status_call_new(cb, arg));
}

void
gw_outbox_expire(struct gw_outbox *o, int64_t cutoff_ms, long limit, gw_deleted_cb cb,
                 void *arg)
{
    struct gw_redis_args a;

    gw_redis_args_init(&a);
    gw_redis_args_key(&a, GW_KEY_OUTBOX_DEAD);
    gw_redis_args_key(&a, GW_KEY_OUTBOX_BODY);
    gw_redis_args_key(&a, GW_KEY_OUTBOX_ATTEMPTS);
    gw_redis_args_key(&a, GW_KEY_OUTBOX_ERROR);
    gw_redis_args_int(&a, cutoff_ms);
    gw_redis_args_int(&a, limit);
    gw_redis_eval_args(o->redis, &o->retention, &a, gw_on_deleted, gw_deleted_call_new(cb, arg));
}
