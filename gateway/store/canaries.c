#include "gateway/store/canaries.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gateway/core/dates.h"
#include "gateway/core/pager.h"
#include "gateway/store/call.h"
#include "gateway/store/keys.h"
#include "gateway/store/row.h"
#include "lua_scripts.h"

/* A promotion reads the commit's canaries, then ends exactly those; it reads
 * again when they changed in between, at most this many times. */
#define PROMOTE_TRIES 3

struct gw_canaries {
    struct gw_redis *redis;
    struct gw_redis_script apply, list, page, ack;
    char *edit_dest;          /* NULL: pages are not edited */
};

struct gw_canaries *
gw_canaries_new(struct gw_redis *redis, const char *edit_dest)
{
    struct gw_canaries *c = calloc(1, sizeof(*c));
    if (c == NULL || (edit_dest != NULL && (c->edit_dest = strdup(edit_dest)) == NULL)) {
        free(c);
        return NULL;
    }
    c->redis = redis;
    gw_redis_script_init(&c->ack, "canary_ack", gw_lua_canary_ack);
    gw_redis_script_init(&c->apply, "canary_apply", gw_lua_canary_apply);
    gw_redis_script_init(&c->list, "canary_list", gw_lua_canary_list);
    gw_redis_script_init(&c->page, "canary_page", gw_lua_canary_page);
    return c;
}

void
gw_canaries_free(struct gw_canaries *c)
{
    if (c != NULL)
        free(c->edit_dest);
    free(c);
}

/* --- rows ------------------------------------------------------------------ */

/* The order of lib/canary.lua: paged first, so a page flips one byte. */
enum { F_PAGED, F_STARTED, F_BUDGET, F_UPDATED, F_SOURCE, F_REPO, F_SHA, F_ENV, F_SERVICE,
       F_ID, F_COUNT };

char *
gw_canary_row_encode(const struct gw_canary *k, size_t *len)
{
    char started[24], budget[24], updated[24];
    const char *f[F_COUNT];

    snprintf(started, sizeof(started), "%lld", (long long)k->started_at);
    snprintf(budget, sizeof(budget), "%lld", (long long)k->budget_seconds);
    snprintf(updated, sizeof(updated), "%lld", (long long)k->updated_at);
    f[F_PAGED] = k->paged ? "1" : "0";
    f[F_STARTED] = started;
    f[F_BUDGET] = budget;
    f[F_UPDATED] = updated;
    f[F_SOURCE] = k->source;
    f[F_REPO] = k->repo;
    f[F_SHA] = k->sha;
    f[F_ENV] = k->environment;
    f[F_SERVICE] = k->service;
    f[F_ID] = k->id;
    return gw_row_join(f, F_COUNT, len);
}

int
gw_canary_row_decode(char *row, size_t len, struct gw_canary *k)
{
    char *f[F_COUNT];

    if (gw_row_split(row, len, f, F_COUNT) != 0)
        return -1;
    memset(k, 0, sizeof(*k));
    k->paged = f[F_PAGED][0] == '1';
    k->started_at = strtoll(f[F_STARTED], NULL, 10);
    k->budget_seconds = strtoll(f[F_BUDGET], NULL, 10);
    k->updated_at = strtoll(f[F_UPDATED], NULL, 10);
    k->source = f[F_SOURCE];
    k->repo = f[F_REPO];
    k->sha = f[F_SHA];
    k->environment = f[F_ENV];
    k->service = f[F_SERVICE];
    k->id = f[F_ID];
    return 0;
}

/* --- apply ----------------------------------------------------------------- */

static const char *const status_words[] = {
    [GW_CANARY_CREATED] = "created", [GW_CANARY_EXISTS] = "exists",
    [GW_CANARY_ENDED] = "ended",     [GW_CANARY_UNKNOWN] = "unknown",
    [GW_CANARY_PROMOTED] = "promoted", [GW_CANARY_IGNORED] = "ignored",
    [GW_CANARY_DUPLICATE] = "duplicate", [GW_CANARY_STALE] = "stale",
};


/* One change under way: kept for a promotion, which may read again. */
struct apply_call {
    struct gw_canaries *c;
    gw_canary_cb cb;
    void *arg;
    char *delivery;           /* key, or NULL */
    int64_t ttl;
    char *routing_key;        /* or NULL */
    char *prefix;             /* promotion: "repo@sha" */
    int64_t updated_at;
    int tries;
};

static void
apply_call_free(struct apply_call *ac)
{
    free(ac->delivery);
    free(ac->routing_key);
    free(ac->prefix);
    free(ac);
}

static void promote_read(struct apply_call *ac);

static void
on_applied(redisReply *reply, const struct gw_redis_error *err, void *privdata)
{
    struct apply_call *ac = privdata;
    enum gw_canary_status status = GW_CANARY_IGNORED;
    int found = 0, paged = 0;

    if (err == NULL && (reply->type != REDIS_REPLY_ARRAY || reply->elements != 2 ||
                        reply->element[0]->type != REDIS_REPLY_STRING))
        err = &gw_bad_reply;
    if (err == NULL && strcmp(reply->element[0]->str, "retry") == 0 &&
        ++ac->tries < PROMOTE_TRIES) {
        promote_read(ac); /* the commit's canaries changed since they were read */
        return;
    }
    for (size_t s = 0; err == NULL && s < sizeof(status_words) / sizeof(status_words[0]); s++) {
        if (strcmp(reply->element[0]->str, status_words[s]) == 0) {
            status = (enum gw_canary_status)s;
            found = 1;
        }
    }
    if (err == NULL && !found)
        err = &gw_bad_reply;
    if (err == NULL)
        paged = reply->element[1]->type == REDIS_REPLY_INTEGER && reply->element[1]->integer == 1;
    ac->cb(status, paged, err, ac->arg);
    apply_call_free(ac);
}


/* The queue key of dest's pages (a page's resolve, acknowledge and edits). */
static const char *
page_queue(char *buf, size_t len, const char *dest)
{
    char rest[200];
    snprintf(rest, sizeof(rest), "%s:page", dest);
    return gw_key_buf(buf, len, GW_KEY_OUTBOX_QUEUE, rest);
}

/*
 * Fixed keys, then the tombs of ids[0..n), then the delivery; and the ARGV
 * every op starts with: op, ttl, n, the resolve's destination, now, the
 * Slack destination of edits.
 */
static void
keys(struct apply_call *ac, struct gw_redis_args *a, const char *op, const char *const *ids,
     size_t n)
{
    char queue[256];
    const char *edits = ac->c->edit_dest;

    gw_redis_args_key(a, GW_KEY_CANARY);
    gw_redis_args_key(a, GW_KEY_CANARIES);
    gw_redis_args_key(a, GW_KEY_CANARY_DUE);
    gw_redis_args_key(a, GW_KEY_CANARY_SHA);
    gw_redis_args_key(a, GW_KEY_OUTBOX_SEQ);
    gw_redis_args_key(a, GW_KEY_OUTBOX_BODY);
    gw_redis_args_key(a, GW_KEY_OUTBOX_DESTS);
    gw_redis_args_key(a, GW_KEY_OUTBOX_PENDING);
    gw_redis_args_key(a, page_queue(queue, sizeof(queue), GW_DEST_PAGER));
    gw_redis_args_key(a, GW_KEY_CANARY_ACK);
    gw_redis_args_key(a, page_queue(queue, sizeof(queue), edits != NULL ? edits : GW_DEST_SLACK));
    gw_redis_args_str(a, op);
    gw_redis_args_int(a, ac->ttl);
    gw_redis_args_int(a, (long long)n);
    gw_redis_args_str(a, GW_DEST_PAGER);
    gw_redis_args_int(a, gw_now_ms());
    gw_redis_args_str(a, edits != NULL ? edits : "");
    for (size_t i = 0; i < n; i++) {
        char *tomb = gw_key(GW_KEY_CANARY_TOMB, ids[i]);
        if (tomb == NULL)
            abort();
        gw_redis_args_key(a, tomb);
        free(tomb);
    }
    if (ac->delivery != NULL)
        gw_redis_args_key(a, ac->delivery);
}

/* The resolve message of canary id: its outbox id and body ("" without a routing key). */
static void
resolve_args(struct apply_call *ac, struct gw_redis_args *a, const char *id, int64_t at_ms)
{
    char msg_id[320];
    json_t *resolve = ac->routing_key != NULL ? gw_pager_resolve(ac->routing_key, id) : NULL;
    char *body = resolve != NULL ? json_dumps(resolve, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;

    snprintf(msg_id, sizeof(msg_id), "resolve:%s:%lld", id, (long long)at_ms);
    gw_redis_args_str(a, msg_id);
    gw_redis_args_str(a, body != NULL ? body : "");
    free(body);
    json_decref(resolve);
}

static void
on_promote_read(redisReply *reply, const struct gw_redis_error *err, void *privdata)
{
    struct apply_call *ac = privdata;
    size_t prefix_len = strlen(ac->prefix) + 1; /* "repo@sha\0" */
    const char **ids = NULL;
    struct gw_redis_args a;
    int64_t at = gw_now_ms();
    size_t n;

    if (err == NULL && reply->type != REDIS_REPLY_ARRAY)
        err = &gw_bad_reply;
    if (err != NULL) {
        ac->cb(GW_CANARY_IGNORED, 0, err, ac->arg);
        apply_call_free(ac);
        return;
    }
    n = reply->elements;
    if ((ids = calloc(n ? n : 1, sizeof(*ids))) == NULL)
        abort();
    for (size_t i = 0; i < n; i++)
        ids[i] = reply->element[i]->len > prefix_len ? reply->element[i]->str + prefix_len : "";
    gw_redis_args_init(&a);
    keys(ac, &a, "promote", ids, n);
    gw_redis_args_str(&a, ac->prefix);
    gw_redis_args_int(&a, ac->updated_at);
    for (size_t i = 0; i < n; i++) {
        gw_redis_args_str(&a, ids[i]);
        resolve_args(ac, &a, ids[i], at);
    }
    free(ids);
    a.durable = 1;
    gw_redis_eval_args(ac->c->redis, &ac->c->apply, &a, on_applied, ac);
}

/* The canaries of a commit: "repo@sha\0<id>" members of the sha index. */
static void
promote_read(struct apply_call *ac)
{
    size_t n = strlen(ac->prefix);
    char *min = malloc(n + 3), *max = malloc(n + 4);

    if (min == NULL || max == NULL)
        abort();
    min[0] = '[';
    memcpy(min + 1, ac->prefix, n);
    min[n + 1] = '\0';
    max[0] = '(';
    memcpy(max + 1, ac->prefix, n);
    max[n + 1] = '\0';
    max[n + 2] = (char)0xff;
    const char *argv[] = {"ZRANGEBYLEX", GW_KEY_CANARY_SHA, min, max};
    const size_t lens[] = {11, strlen(GW_KEY_CANARY_SHA), n + 2, n + 3};
    gw_redis_command(ac->c->redis, on_promote_read, ac, 4, argv, lens);
    free(min);
    free(max);
}

void
gw_canaries_apply(struct gw_canaries *c, const char *delivery, int64_t ttl,
                  const struct gw_canary_change *change, const char *routing_key,
                  gw_canary_cb cb, void *arg)
{
    const struct gw_canary *k = &change->canary;
    struct apply_call *ac = calloc(1, sizeof(*ac));
    const char *id = k->id;
    struct gw_redis_args a;

    if (ac == NULL || (delivery != NULL && (ac->delivery = gw_key(GW_KEY_DELIVERY, delivery)) == NULL))
        abort();
    ac->c = c;
    ac->cb = cb;
    ac->arg = arg;
    ac->ttl = ttl;
    ac->updated_at = k->updated_at;
    ac->routing_key = routing_key != NULL ? strdup(routing_key) : NULL;
    if (change->op == GW_CANARY_PROMOTE) {
        size_t n = strlen(k->repo) + strlen(k->sha) + 2;
        if ((ac->prefix = malloc(n)) == NULL)
            abort();
        snprintf(ac->prefix, n, "%s@%s", k->repo, k->sha);
        promote_read(ac);
        return;
    }
    gw_redis_args_init(&a);
    keys(ac, &a, change->op == GW_CANARY_START ? "start" : "end", &id, 1);
    gw_redis_args_str(&a, id);
    if (change->op == GW_CANARY_START) {
        size_t len = 0;
        char *row = gw_canary_row_encode(k, &len);
        if (row == NULL)
            abort();
        gw_redis_args_mem(&a, row, len);
        gw_redis_args_int(&a, k->updated_at);
        free(row);
    } else {
        gw_redis_args_int(&a, k->updated_at);
        /* API ends are not remembered: the same id may start again. */
        gw_redis_args_str(&a, k->source != NULL && strcmp(k->source, "api") == 0 ? "0" : "1");
        resolve_args(ac, &a, id, gw_now_ms());
    }
    a.durable = 1; /* someone is told it happened */
    gw_redis_eval_args(c->redis, &c->apply, &a, on_applied, ac);
}

/* --- listings and pages -------------------------------------------------------- */

static void
on_list(redisReply *reply, const struct gw_redis_error *err, void *privdata)
{
    struct gw_call *call = privdata;
    struct gw_canary *list = NULL;
    size_t n = 0;

    if (err == NULL && reply->type != REDIS_REPLY_ARRAY)
        err = &gw_bad_reply;
    if (err == NULL && reply->elements > 0 &&
        (list = calloc(reply->elements, sizeof(*list))) == NULL)
        abort();
    /* Each row is followed by its ack, "<acked_at> <acked_by>" or "". */
    for (size_t i = 0; err == NULL && i + 1 < reply->elements; i += 2) {
        redisReply *row = reply->element[i], *ack = reply->element[i + 1];
        if (row->type != REDIS_REPLY_STRING ||
            gw_canary_row_decode(row->str, row->len, &list[n]) != 0)
            continue;
        if (ack->type == REDIS_REPLY_STRING && ack->len > 0) {
            char *space = strchr(ack->str, ' ');
            if (space != NULL) {
                *space = '\0';
                list[n].acked_at = strtoll(ack->str, NULL, 10);
                list[n].acked_by = space + 1;   /* borrowed from the reply */
            }
        }
        n++;
    }
    ((gw_canary_list_cb)call->cb)(list, n, err, call->arg);
    free(list);
    free(call);
}

static void
list(struct gw_canaries *c, const char *mode, int64_t now, long limit, gw_canary_list_cb cb,
     void *arg)
{
    struct gw_redis_args a;

    gw_redis_args_init(&a);
    gw_redis_args_key(&a, GW_KEY_CANARIES);
    gw_redis_args_key(&a, GW_KEY_CANARY_DUE);
    gw_redis_args_key(&a, GW_KEY_CANARY);
    gw_redis_args_key(&a, GW_KEY_CANARY_ACK);
    gw_redis_args_str(&a, mode);
    gw_redis_args_int(&a, now);
    gw_redis_args_int(&a, limit);
    gw_redis_eval_args(c->redis, &c->list, &a, on_list, gw_call_new((gw_any_cb)cb, arg));
}

void
gw_canaries_list(struct gw_canaries *c, gw_canary_list_cb cb, void *arg)
{
    list(c, "all", 0, 0, cb, arg);
}

void
gw_canaries_due(struct gw_canaries *c, int64_t now, long limit, gw_canary_list_cb cb, void *arg)
{
    list(c, "due", now, limit, cb, arg);
}

static void
on_paged(redisReply *reply, const struct gw_redis_error *err, void *privdata)
{
    struct gw_call *call = privdata;
    if (err == NULL && reply->type != REDIS_REPLY_INTEGER)
        err = &gw_bad_reply;
    ((gw_page_cb)call->cb)(err == NULL && reply->integer == 1, err, call->arg);
    free(call);
}

void
gw_canaries_page(struct gw_canaries *c, const char *id, const struct gw_outbox_msg *msgs,
                 size_t n, gw_page_cb cb, void *arg)
{
    struct gw_redis_args a;

    gw_redis_args_init(&a);
    gw_redis_args_key(&a, GW_KEY_CANARY);
    gw_redis_args_key(&a, GW_KEY_CANARY_DUE);
    gw_redis_args_str(&a, id);
    gw_outbox_args(&a, msgs, n);
    gw_redis_eval_args(c->redis, &c->page, &a, on_paged, gw_call_new((gw_any_cb)cb, arg));
}

/* --- acknowledgements ------------------------------------------------------------ */

static void
on_acked(redisReply *reply, const struct gw_redis_error *err, void *privdata)
{
    struct gw_call *call = privdata;
    enum gw_ack_status status = GW_ACK_UNKNOWN;

    if (err == NULL && reply->type != REDIS_REPLY_STATUS && reply->type != REDIS_REPLY_STRING)
        err = &gw_bad_reply;
    if (err == NULL && strcmp(reply->str, "acked") == 0)
        status = GW_ACK_DONE;
    else if (err == NULL && strcmp(reply->str, "duplicate") == 0)
        status = GW_ACK_DUPLICATE;
    ((gw_ack_cb)call->cb)(status, err, call->arg);
    free(call);
}

void
gw_canaries_ack(struct gw_canaries *c, const char *id, const char *by, int64_t at,
                const char *routing_key, gw_ack_cb cb, void *arg)
{
    struct gw_redis_args a;
    char queue[256], msg_id[320];
    json_t *ack = routing_key != NULL ? gw_pager_acknowledge(routing_key, id) : NULL;
    char *body = ack != NULL ? json_dumps(ack, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    int64_t now = gw_now_ms();

    snprintf(msg_id, sizeof(msg_id), "ack:%s:%lld", id, (long long)now);
    gw_redis_args_init(&a);
    gw_redis_args_key(&a, GW_KEY_CANARY);
    gw_redis_args_key(&a, GW_KEY_CANARY_ACK);
    gw_redis_args_key(&a, GW_KEY_OUTBOX_SEQ);
    gw_redis_args_key(&a, GW_KEY_OUTBOX_BODY);
    gw_redis_args_key(&a, GW_KEY_OUTBOX_DESTS);
    gw_redis_args_key(&a, GW_KEY_OUTBOX_PENDING);
    gw_redis_args_key(&a, page_queue(queue, sizeof(queue), GW_DEST_PAGER));
    gw_redis_args_key(&a, page_queue(queue, sizeof(queue),
                                     c->edit_dest != NULL ? c->edit_dest : GW_DEST_SLACK));
    gw_redis_args_str(&a, id);
    gw_redis_args_int(&a, at);
    gw_redis_args_str(&a, by);
    gw_redis_args_int(&a, now);
    gw_redis_args_str(&a, GW_DEST_PAGER);
    gw_redis_args_str(&a, msg_id);
    gw_redis_args_str(&a, body != NULL ? body : "");
    gw_redis_args_str(&a, c->edit_dest != NULL ? c->edit_dest : "");
    a.durable = 1;   /* the clicker is told it happened */
    gw_redis_eval_args(c->redis, &c->ack, &a, on_acked, gw_call_new((gw_any_cb)cb, arg));
    free(body);
    json_decref(ack);
}
