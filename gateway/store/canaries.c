#include "gateway/store/canaries.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gateway/util/clock.h"
#include "gateway/core/pager.h"
#include "gateway/store/call.h"
#include "gateway/store/keys.h"
#include "gateway/store/row.h"
#include "gateway/util/log.h"
#include "lua_scripts.h"

GW_CALL(canary_list_call, gw_canary_list_cb)
GW_CALL(page_call, gw_page_cb)

/* A promotion reads the commit's canaries, then ends exactly those; it reads
 * again when they changed in between, at most this many times. */
#define PROMOTE_TRIES 3

struct gw_canaries {
    struct gw_redis *redis;
    struct gw_redis_script apply, list, page, ack, read;
    struct gw_canary_routing routing;
};

struct gw_canaries *
gw_canaries_new(struct gw_redis *redis, const struct gw_canary_routing *routing)
{
    struct gw_canaries *c = calloc(1, sizeof(*c));
    if (c == NULL)
        return NULL;
    c->redis = redis;
    if (routing != NULL)
        c->routing = *routing;
    gw_redis_script_init(&c->apply, "canary_apply", gw_lua_canary_apply);
    gw_redis_script_init(&c->list, "canary_list", gw_lua_canary_list);
    gw_redis_script_init(&c->page, "canary_page", gw_lua_canary_page);
    gw_redis_script_init(&c->ack, "canary_ack", gw_lua_canary_ack);
    gw_redis_script_init(&c->read, "canary_read", gw_lua_canary_read);
    return c;
}

void
gw_canaries_free(struct gw_canaries *c)
{
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


/* One change under way: kept for an end or promotion, which reads first. */
struct apply_call {
    struct gw_canaries *c;
    gw_canary_cb cb;
    void *arg;
    char *delivery;           /* key, or NULL */
    int64_t ttl;
    char *id;                 /* end: the canary */
    int remember;             /* end: leave a tomb */
    char *prefix;             /* promotion: "repo@sha" */
    int64_t updated_at;
    int tries;
};

static void
apply_call_free(struct apply_call *ac)
{
    free(ac->delivery);
    free(ac->id);
    free(ac->prefix);
    free(ac);
}

static void read_targets(struct apply_call *ac);

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
        read_targets(ac); /* the commit's canaries changed since they were read */
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

/* Where what follows a canary's page goes: the page's own, else its route now. */
struct target {
    char slack[160];          /* "" = no Slack edits */
    char key[200];            /* "" = no PagerDuty */
};

static void
target_of(const struct gw_canaries *c, const char *service, const char *page, struct target *t)
{
    const char *nl = page != NULL ? strchr(page, '\n') : NULL;

    memset(t, 0, sizeof(*t));
    if (nl != NULL) {
        snprintf(t->slack, sizeof(t->slack), "%.*s", (int)(nl - page), page);
        snprintf(t->key, sizeof(t->key), "%s", nl + 1);
    } else if (c->routing.route != NULL) {
        c->routing.route(c->routing.ctx, service, t->slack, sizeof(t->slack), t->key,
                         sizeof(t->key));
    }
    if (!c->routing.edits)
        t->slack[0] = '\0';
}

/*
 * Fixed keys, then the tombs of ids[0..n), then the delivery; and the ARGV
 * every op starts with: op, ttl, n, the resolves' destination, now, the
 * delivery's index.
 */
static void
keys(struct apply_call *ac, struct gw_redis_args *a, const char *op, const char *const *ids,
     size_t n)
{
    char queue[256];
    int delivery = 0;

    gw_redis_args_key(a, GW_KEY_CANARY);
    gw_redis_args_key(a, GW_KEY_CANARIES);
    gw_redis_args_key(a, GW_KEY_CANARY_DUE);
    gw_redis_args_key(a, GW_KEY_CANARY_SHA);
    gw_outbox_keys(a);
    gw_redis_args_key(a, page_queue(queue, sizeof(queue), GW_DEST_PAGER));
    gw_redis_args_key(a, GW_KEY_CANARY_ACK);
    gw_redis_args_key(a, GW_KEY_CANARY_PAGE);
    for (size_t i = 0; i < n; i++) {
        char *tomb = gw_key(GW_KEY_CANARY_TOMB, ids[i]);
        if (tomb == NULL)
            gw_oom(__func__);
        gw_redis_args_key(a, tomb);
        free(tomb);
    }
    if (ac->delivery != NULL)
        delivery = gw_redis_args_key_once(a, ac->delivery);
    gw_redis_args_str(a, op);
    gw_redis_args_int(a, ac->ttl);
    gw_redis_args_int(a, (long long)n);
    gw_redis_args_str(a, GW_DEST_PAGER);
    gw_redis_args_int(a, gw_now_ms());
    gw_redis_args_int(a, delivery);
}

/*
 * A canary's ending (canary_apply.lua): resolve id and body, edit
 * destination and queue, the edit's id and its page's. k: the canary as read
 * (NULL: gone already, nothing to resolve or edit).
 */
static void
ending_args(struct gw_redis_args *a, const char *id, const struct gw_canary *k,
            const struct target *t, int64_t at_ms)
{
    char msg_id[320], queue[256], page[320] = "", edit[400] = "";
    json_t *resolve = t->key[0] != '\0' ? gw_pager_resolve(t->key, id) : NULL;
    char *body = resolve != NULL ? json_dumps(resolve, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;

    if (gw_wire_resolve_id(msg_id, sizeof(msg_id), id, at_ms) != 0 ||
        (k != NULL && (gw_wire_page_id(page, sizeof(page), id, k->started_at, GW_PAGE_SLACK) != 0 ||
                       gw_wire_edit_id(edit, sizeof(edit), "resolved", page) != 0)))
        gw_bug("canary ids are at most GW_CANARY_ID_MAX bytes");
    gw_redis_args_str(a, msg_id);
    gw_redis_args_str(a, body != NULL ? body : "");
    gw_redis_args_str(a, k != NULL ? t->slack : "");
    gw_redis_args_int(a, k != NULL && t->slack[0] != '\0'
                             ? gw_redis_args_key_once(a, page_queue(queue, sizeof(queue), t->slack))
                             : 0);
    gw_redis_args_str(a, edit);
    gw_redis_args_str(a, page);
    free(body);
    json_decref(resolve);
}

/* One canary as canary_read.lua returns it: id, row, page. */
struct read_canary {
    const char *id;
    struct gw_canary k;
    struct target t;
};

/* The canaries of a read reply (rows decoded in place); NULL on a bad reply. */
static struct read_canary *
read_canaries(const struct gw_canaries *c, redisReply *reply, size_t *n)
{
    struct read_canary *out = calloc(reply->elements / 3 + 1, sizeof(*out));

    *n = 0;
    if (out == NULL)
        gw_oom(__func__);
    for (size_t i = 0; i + 2 < reply->elements; i += 3) {
        redisReply *id = reply->element[i], *row = reply->element[i + 1];
        redisReply *page = reply->element[i + 2];
        struct read_canary *rc = &out[*n];
        if (id->type != REDIS_REPLY_STRING || row->type != REDIS_REPLY_STRING ||
            page->type != REDIS_REPLY_STRING ||
            gw_canary_row_decode(row->str, row->len, &rc->k) != 0)
            continue;
        rc->id = id->str;
        target_of(c, rc->k.service, page->len > 0 ? page->str : NULL, &rc->t);
        (*n)++;
    }
    return out;
}

static void
on_targets(redisReply *reply, const struct gw_redis_error *err, void *privdata)
{
    struct apply_call *ac = privdata;
    struct read_canary *found = NULL;
    struct gw_redis_args a;
    int64_t at = gw_now_ms();
    size_t n = 0;

    if (err == NULL && reply->type != REDIS_REPLY_ARRAY)
        err = &gw_bad_reply;
    if (err != NULL) {
        ac->cb(GW_CANARY_IGNORED, 0, err, ac->arg);
        apply_call_free(ac);
        return;
    }
    found = read_canaries(ac->c, reply, &n);
    gw_redis_args_init(&a);
    if (ac->prefix == NULL) {
        /* An end: the canary may be gone already (then the script says unknown). */
        const char *id = ac->id;
        struct target none;
        memset(&none, 0, sizeof(none));
        keys(ac, &a, "end", &id, 1);
        gw_redis_args_str(&a, id);
        gw_redis_args_int(&a, ac->updated_at);
        gw_redis_args_str(&a, ac->remember ? "1" : "0");
        ending_args(&a, id, n == 1 ? &found[0].k : NULL, n == 1 ? &found[0].t : &none, at);
    } else {
        const char **ids = calloc(n + 1, sizeof(*ids));
        if (ids == NULL)
            gw_oom(__func__);
        for (size_t i = 0; i < n; i++)
            ids[i] = found[i].id;
        keys(ac, &a, "promote", ids, n);
        gw_redis_args_str(&a, ac->prefix);
        gw_redis_args_int(&a, ac->updated_at);
        for (size_t i = 0; i < n; i++) {
            gw_redis_args_str(&a, ids[i]);
            ending_args(&a, ids[i], &found[i].k, &found[i].t, at);
        }
        free(ids);
    }
    free(found);
    a.durable = 1; /* someone is told it happened */
    gw_redis_eval_args(ac->c->redis, &ac->c->apply, &a, on_applied, ac);
}

/* Reads the canary to end, or the commit's canaries to promote, with their pages. */
static void
read_targets(struct apply_call *ac)
{
    struct gw_redis_args a;

    gw_redis_args_init(&a);
    gw_redis_args_key(&a, GW_KEY_CANARY);
    gw_redis_args_key(&a, GW_KEY_CANARY_PAGE);
    gw_redis_args_key(&a, GW_KEY_CANARY_SHA);
    gw_redis_args_str(&a, ac->prefix != NULL ? "sha" : "id");
    gw_redis_args_str(&a, ac->prefix != NULL ? ac->prefix : ac->id);
    gw_redis_eval_args(ac->c->redis, &ac->c->read, &a, on_targets, ac);
}

void
gw_canaries_apply(struct gw_canaries *c, const char *github_delivery, int64_t ttl,
                  const struct gw_canary_change *change, gw_canary_cb cb, void *arg)
{
    const struct gw_canary *k = &change->canary;
    struct apply_call *ac = calloc(1, sizeof(*ac));
    const char *id = k->id;
    struct gw_redis_args a;
    char buf[GW_KEY_DELIVERY_LEN];

    if (ac == NULL || (github_delivery != NULL &&
                       ((ac->delivery = gw_key_github_delivery(buf, sizeof(buf), github_delivery)) ==
                            NULL ||
                        (ac->delivery = strdup(ac->delivery)) == NULL)))
        gw_oom(__func__);
    ac->c = c;
    ac->cb = cb;
    ac->arg = arg;
    ac->ttl = ttl;
    ac->updated_at = k->updated_at;
    if (change->op == GW_CANARY_PROMOTE) {
        size_t n = strlen(k->repo) + strlen(k->sha) + 2;
        if ((ac->prefix = malloc(n)) == NULL)
            gw_oom(__func__);
        snprintf(ac->prefix, n, "%s@%s", k->repo, k->sha);
        read_targets(ac);
        return;
    }
    if (change->op == GW_CANARY_END) {
        if ((ac->id = strdup(id)) == NULL)
            gw_oom(__func__);
        /* API ends are not remembered: the same id may start again. */
        ac->remember = !(k->source != NULL && strcmp(k->source, "api") == 0);
        read_targets(ac);
        return;
    }
    gw_redis_args_init(&a);
    keys(ac, &a, "start", &id, 1);
    gw_redis_args_str(&a, id);
    size_t len = 0;
    char *row = gw_canary_row_encode(k, &len);
    if (row == NULL)
        gw_oom(__func__);
    gw_redis_args_mem(&a, row, len);
    gw_redis_args_int(&a, k->updated_at);
    free(row);
    a.durable = 1; /* someone is told it happened */
    gw_redis_eval_args(c->redis, &c->apply, &a, on_applied, ac);
}

/* --- listings and pages -------------------------------------------------------- */

static void
on_list(redisReply *reply, const struct gw_redis_error *err, void *privdata)
{
    struct canary_list_call *call = privdata;
    struct gw_canary *list = NULL;
    size_t n = 0;

    if (err == NULL && reply->type != REDIS_REPLY_ARRAY)
        err = &gw_bad_reply;
    if (err == NULL && reply->elements > 0 &&
        (list = calloc(reply->elements, sizeof(*list))) == NULL)
        gw_oom(__func__);
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
    call->cb(list, n, err, call->arg);
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
    gw_redis_eval_args(c->redis, &c->list, &a, on_list, canary_list_call_new(cb, arg));
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
    struct page_call *call = privdata;
    if (err == NULL && reply->type != REDIS_REPLY_INTEGER)
        err = &gw_bad_reply;
    call->cb(err == NULL && reply->integer == 1, err, call->arg);
    free(call);
}

void
gw_canaries_page(struct gw_canaries *c, const char *id, const char *slack_dest,
                 const char *routing_key, const struct gw_outbox_msg *msgs, size_t n,
                 gw_page_cb cb, void *arg)
{
    struct gw_redis_args a;
    char where[512];

    snprintf(where, sizeof(where), "%s\n%s", slack_dest != NULL ? slack_dest : "",
             routing_key != NULL ? routing_key : "");
    gw_redis_args_init(&a);
    gw_redis_args_key(&a, GW_KEY_CANARY);
    gw_redis_args_key(&a, GW_KEY_CANARY_DUE);
    gw_redis_args_key(&a, GW_KEY_CANARY_PAGE);
    gw_redis_args_str(&a, id);
    gw_redis_args_str(&a, where);
    gw_outbox_args(&a, msgs, n);
    gw_redis_eval_args(c->redis, &c->page, &a, on_paged, page_call_new(cb, arg));
}

/* --- acknowledgements ------------------------------------------------------------ */

/* An ack: the canary is read first (where its page went), then the ack script runs. */
static void
on_ack_target(redisReply *reply, const struct gw_redis_error *err, void *privdata)
{
    struct gw_ack_call *k = privdata;
    struct gw_canaries *c = k->store;
    struct read_canary *found;
    struct gw_redis_args a;
    char queue[256], msg_id[320], page[320] = "", edit[400] = "";
    json_t *ack = NULL;
    char *body = NULL;
    int64_t now = gw_now_ms();
    size_t n = 0;

    if (err == NULL && reply->type != REDIS_REPLY_ARRAY)
        err = &gw_bad_reply;
    if (err != NULL || reply->elements == 0) {
        k->cb(GW_ACK_UNKNOWN, err, k->arg);   /* no such active canary: nothing to record */
        goto done;
    }
    found = read_canaries(c, reply, &n);
    if (n == 1 && found[0].t.key[0] != '\0' &&
        (ack = gw_pager_acknowledge(found[0].t.key, k->id)) != NULL)
        body = json_dumps(ack, JSON_COMPACT | JSON_PRESERVE_ORDER);
    if (gw_wire_pager_ack_id(msg_id, sizeof(msg_id), k->id, now) != 0 ||
        (n == 1 &&
         (gw_wire_page_id(page, sizeof(page), k->id, found[0].k.started_at, GW_PAGE_SLACK) != 0 ||
          gw_wire_edit_id(edit, sizeof(edit), "acked", page) != 0)))
        gw_bug("canary ids are at most GW_CANARY_ID_MAX bytes");
    gw_redis_args_init(&a);
    gw_redis_args_key(&a, GW_KEY_CANARY);
    gw_redis_args_key(&a, GW_KEY_CANARY_ACK);
    gw_outbox_keys(&a);
    gw_redis_args_key(&a, page_queue(queue, sizeof(queue), GW_DEST_PAGER));
    gw_redis_args_key(&a, page_queue(queue, sizeof(queue),
                                     n == 1 && found[0].t.slack[0] ? found[0].t.slack : GW_DEST_SLACK));
    gw_redis_args_str(&a, k->id);
    gw_redis_args_int(&a, k->at);
    gw_redis_args_str(&a, k->by);
    gw_redis_args_int(&a, now);
    gw_redis_args_str(&a, GW_DEST_PAGER);
    gw_redis_args_str(&a, msg_id);
    gw_redis_args_str(&a, body != NULL ? body : "");
    gw_redis_args_str(&a, n == 1 ? found[0].t.slack : "");
    gw_redis_args_str(&a, edit);
    gw_redis_args_str(&a, page);
    a.durable = 1;   /* the clicker is told it happened */
    gw_redis_eval_args(c->redis, &c->ack, &a, gw_on_acked, gw_acked_call_new(k->cb, k->arg));
    free(found);
    free(body);
    json_decref(ack);
done:
    gw_ack_call_free(k);
}

void
gw_canaries_ack(struct gw_canaries *c, const char *id, const char *by, int64_t at,
                gw_ack_cb cb, void *arg)
{
    struct gw_ack_call *k = gw_ack_call_new(c, id, by, at, cb, arg);
    struct gw_redis_args a;

    gw_redis_args_init(&a);
    gw_redis_args_key(&a, GW_KEY_CANARY);
    gw_redis_args_key(&a, GW_KEY_CANARY_PAGE);
    gw_redis_args_key(&a, GW_KEY_CANARY_SHA);
    gw_redis_args_str(&a, "id");
    gw_redis_args_str(&a, id);
    gw_redis_eval_args(c->redis, &c->read, &a, on_ack_target, k);
}
