#include "gateway/store/breaches.h"

#include <stdlib.h>
#include <string.h>

#include "gateway/store/call.h"
#include "gateway/store/keys.h"
#include "gateway/store/row.h"
#include "gateway/store/tickets.h"
#include "lua_scripts.h"

GW_CALL(breach_emit_call, gw_breach_emit_cb)
GW_CALL(breach_round_call, gw_breach_round_cb)
GW_CALL(breach_rows_call, gw_breach_rows_cb)

struct gw_breaches {
    struct gw_redis *redis;
    struct gw_redis_script round;
};

struct gw_breaches *
gw_breaches_new(struct gw_redis *redis)
{
    struct gw_breaches *b = calloc(1, sizeof(*b));
    if (b == NULL)
        return NULL;
    b->redis = redis;
    gw_redis_script_init(&b->round, "breach_round", gw_lua_breach_round);
    return b;
}

void
gw_breaches_free(struct gw_breaches *b)
{
    free(b);
}

/* The keys and first arguments of every op. */
static void
round_args(struct gw_redis_args *a, const char *op, const struct gw_breach_lease *l)
{
    gw_redis_args_init(a);
    gw_ticket_keys(a);
    gw_redis_args_key(a, GW_KEY_BREACH_ROUND);
    gw_redis_args_key(a, GW_KEY_BREACH_LISTED);
    gw_redis_args_key(a, GW_KEY_NOTICE_OF);
    gw_redis_args_key(a, GW_KEY_NOTICE_MSG);
    gw_redis_args_str(a, op);
    gw_redis_args_str(a, l != NULL ? l->token : "");
    gw_redis_args_int(a, l != NULL ? l->now_ms : 0);
    gw_redis_args_int(a, l != NULL ? l->lease_ms : 0);
}

static void
on_taken(redisReply *reply, const struct gw_redis_error *err, void *privdata)
{
    struct breach_round_call *c = privdata;
    struct gw_breach_round r = {GW_BREACH_NONE, NULL, 0, 0, 0};
    const char *word = NULL;

    if (err == NULL && reply->type == REDIS_REPLY_ARRAY && reply->elements >= 1 &&
        reply->element[0]->type == REDIS_REPLY_STRING)
        word = reply->element[0]->str;
    if (word != NULL && strcmp(word, "busy") == 0) {
        r.step = GW_BREACH_BUSY;
    } else if (word != NULL && strcmp(word, "took") == 0) {
        r.step = GW_BREACH_TOOK;
    } else if (word != NULL && strcmp(word, "ready") == 0 && reply->elements == 5 &&
               reply->element[1]->type == REDIS_REPLY_STRING &&
               reply->element[3]->type == REDIS_REPLY_INTEGER) {
        r.step = GW_BREACH_READY;
        r.id = reply->element[1]->str;
        r.checked_at = gw_reply_int(reply->element[2]);
        r.listed = (long)reply->element[3]->integer;
        r.next_page = (long)gw_reply_int(reply->element[4]);
    } else if (word == NULL || strcmp(word, "none") != 0) {
        if (err == NULL)
            err = &gw_bad_reply;
    }
    c->cb(err == NULL ? &r : NULL, err, c->arg);
    free(c);
}

void
gw_breaches_take(struct gw_breaches *b, const struct gw_breach_lease *l, int64_t checked_at,
                 long batch, gw_breach_round_cb cb, void *arg)
{
    struct gw_redis_args a;

    round_args(&a, "take", l);
    gw_redis_args_int(&a, checked_at);
    gw_redis_args_int(&a, batch);
    gw_redis_eval_args(b->redis, &b->round, &a, on_taken, breach_round_call_new(cb, arg));
}

static void
on_rows(redisReply *reply, const struct gw_redis_error *err, void *privdata)
{
    struct breach_rows_call *c = privdata;
    struct gw_ticket *tickets = NULL;
    size_t n = 0;

    if (err == NULL && reply->type != REDIS_REPLY_ARRAY)
        err = &gw_bad_reply;
    if (err == NULL)
        tickets = gw_ticket_rows_decode(reply, 0, &n);
    c->cb(tickets, n, err, c->arg);
    free(tickets);
    free(c);
}

void
gw_breaches_rows(struct gw_breaches *b, long page, long page_size, gw_breach_rows_cb cb,
                 void *arg)
{
    struct gw_redis_args a;

    round_args(&a, "rows", NULL);
    gw_redis_args_int(&a, page);
    gw_redis_args_int(&a, page_size);
    gw_redis_eval_args(b->redis, &b->round, &a, on_rows, breach_rows_call_new(cb, arg));
}

static void
on_emitted(redisReply *reply, const struct gw_redis_error *err, void *privdata)
{
    struct breach_emit_call *c = privdata;
    if (err == NULL && reply->type != REDIS_REPLY_INTEGER)
        err = &gw_bad_reply;
    c->cb(err == NULL ? (int)reply->integer : 0, err, c->arg);
    free(c);
}

void
gw_breaches_emit(struct gw_breaches *b, const struct gw_breach_lease *l, long page,
                 long page_size, const struct gw_breach_notice *notices, size_t m,
                 const struct gw_outbox_msg *msgs, size_t n, gw_breach_emit_cb cb, void *arg)
{
    struct gw_redis_args a;

    round_args(&a, "emit", l);
    gw_redis_args_int(&a, page);
    gw_redis_args_int(&a, page_size);
    gw_redis_args_str(&a, GW_WIRE_EDIT_PREFIX);
    gw_redis_args_int(&a, (long long)m);
    for (size_t i = 0; i < m; i++) {
        gw_redis_args_str(&a, notices[i].id);
        gw_redis_args_str(&a, notices[i].descriptor);
        gw_redis_args_int(&a, gw_outbox_queue_key(&a, notices[i].dest, GW_MSG_BREACH));
    }
    gw_outbox_args(&a, msgs, n);
    gw_redis_eval_args(b->redis, &b->round, &a, on_emitted, breach_emit_call_new(cb, arg));
}
