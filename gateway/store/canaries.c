#include "gateway/store/canaries.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include "gateway/store/outbox.h"

#define CANARY_FIELDS "'id', 'service', 'environment', 'source', 'repo', 'sha', 'started_at', " \
                      "'budget_seconds', 'updated_at', 'paged'"
enum { F_ID, F_SERVICE, F_ENV, F_SOURCE, F_REPO, F_SHA, F_STARTED, F_BUDGET, F_UPDATED, F_PAGED,
       F_COUNT };

/*
 * Shared prologue. ARGV[1] delivery key ('' = none), ARGV[2] ttl, ARGV[3]
 * op, ARGV[4] routing key ('' = none), ARGV[5] now_ms; op arguments follow.
 */
#define CANARY_LUA_PROLOGUE                                                                 \
    GW_OUTBOX_LUA_ENQUEUE                                                                   \
    "local delivery, ttl, op, rk, now = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5]\n"     \
    "if delivery ~= '' and redis.call('EXISTS', delivery) == 1 then return {'duplicate', 0} end\n" \
    "local function mark()\n"                                                                \
    "  if delivery ~= '' then redis.call('SET', delivery, '1', 'EX', ttl) end\n"            \
    "end\n"                                                                                  \
    "local function finish(id, tomb)\n"                                                      \
    "  local key = 'kz:canary:' .. id\n"                                                     \
    "  local t = redis.call('HMGET', key, 'paged', 'repo', 'sha')\n"                         \
    "  redis.call('DEL', key)\n"                                                             \
    "  redis.call('ZREM', 'kz:canaries', id)\n"                                              \
    "  redis.call('ZREM', 'kz:canary_due', id)\n"                                            \
    "  if t[2] then redis.call('SREM', 'kz:canary_sha:' .. t[2] .. '@' .. t[3], id) end\n"  \
    "  if tomb then redis.call('SET', 'kz:canary_tomb:' .. id, tomb, 'EX', ttl) end\n"      \
    "  if t[1] == '1' and rk ~= '' then\n"                                                  \
    "    outbox_enqueue('resolve:' .. id .. ':' .. now, 'pager', cjson.encode({routing_key = rk,\n" \
    "      event_action = 'resolve', dedup_key = id}), now)\n"                              \
    "  end\n"                                                                                \
    "  return t[1] == '1'\n"                                                                 \
    "end\n"

/*
 * start: id service environment source repo sha started_at budget updated_at.
 * An existing canary is left alone: a replayed deployment never restarts the clock.
 */
static const char apply_lua[] =
    CANARY_LUA_PROLOGUE
    "if op == 'start' then\n"
    "  local id, updated = ARGV[6], tonumber(ARGV[14])\n"
    "  local key = 'kz:canary:' .. id\n"
    "  local stored = redis.call('HGET', key, 'updated_at')\n"
    "  if stored then mark() return {'exists', 0} end\n"
    "  local tomb = redis.call('GET', 'kz:canary_tomb:' .. id)\n"
    "  if tomb and updated <= tonumber(tomb) then mark() return {'stale', 0} end\n"
    "  redis.call('HSET', key, 'id', id, 'service', ARGV[7], 'environment', ARGV[8],\n"
    "    'source', ARGV[9], 'repo', ARGV[10], 'sha', ARGV[11], 'started_at', ARGV[12],\n"
    "    'budget_seconds', ARGV[13], 'updated_at', ARGV[14], 'paged', '0')\n"
    "  redis.call('ZADD', 'kz:canaries', ARGV[12], id)\n"
    "  redis.call('ZADD', 'kz:canary_due', tonumber(ARGV[12]) + tonumber(ARGV[13]), id)\n"
    "  if ARGV[10] ~= '' then redis.call('SADD', 'kz:canary_sha:' .. ARGV[10] .. '@' .. ARGV[11], id) end\n"
    "  mark()\n"
    "  return {'created', 0}\n"
    "elseif op == 'end' then\n"
    "  local id, updated, tomb = ARGV[6], ARGV[7], ARGV[8] == '1'\n"
    "  if redis.call('EXISTS', 'kz:canary:' .. id) == 0 then\n"
    "    if tomb then redis.call('SET', 'kz:canary_tomb:' .. id, updated, 'EX', ttl) end\n"
    "    mark()\n"
    "    return {'unknown', 0}\n"
    "  end\n"
    "  local paged = finish(id, tomb and updated or nil)\n"
    "  mark()\n"
    "  return {'ended', paged and 1 or 0}\n"
    "elseif op == 'promote' then\n"
    "  local set = 'kz:canary_sha:' .. ARGV[6] .. '@' .. ARGV[7]\n"
    "  local ids = redis.call('SMEMBERS', set)\n"
    "  for _, id in ipairs(ids) do finish(id, ARGV[8]) end\n"
    "  redis.call('DEL', set)\n"
    "  mark()\n"
    "  return {#ids > 0 and 'promoted' or 'ignored', 0}\n"
    "end\n"
    "return redis.error_reply('unknown op')\n";

static const char list_lua[] =
    "local ids\n"
    "if ARGV[1] == 'due' then\n"
    "  ids = redis.call('ZRANGEBYSCORE', 'kz:canary_due', '-inf', ARGV[2], 'LIMIT', 0, tonumber(ARGV[3]))\n"
    "else\n"
    "  ids = redis.call('ZRANGE', 'kz:canaries', 0, -1)\n"
    "end\n"
    "local out = {}\n"
    "for _, id in ipairs(ids) do\n"
    "  local t = redis.call('HMGET', 'kz:canary:' .. id, " CANARY_FIELDS ")\n"
    "  if t[1] then out[#out + 1] = t end\n"
    "end\n"
    "return out\n";

struct gw_canaries {
    struct gw_redis *redis;
    struct gw_redis_script apply, list;
};

struct gw_canaries *
gw_canaries_new(struct gw_redis *redis)
{
    struct gw_canaries *c = calloc(1, sizeof(*c));
    if (c == NULL)
        return NULL;
    c->redis = redis;
    c->apply.source = apply_lua;
    c->list.source = list_lua;
    gw_redis_script_init(&c->apply);
    gw_redis_script_init(&c->list);
    return c;
}

void
gw_canaries_free(struct gw_canaries *c)
{
    free(c);
}

struct apply_ctx {
    gw_canary_cb cb;
    void *arg;
};

static void
on_apply(redisReply *reply, void *privdata)
{
    static const char *const words[] = {"created", "exists", "ended", "unknown", "promoted",
                                        "ignored", "duplicate", "stale"};
    struct apply_ctx *ctx = privdata;
    const char *status = NULL;
    int paged = 0;

    if (reply != NULL && reply->type == REDIS_REPLY_ARRAY && reply->elements == 2 &&
        reply->element[0]->type == REDIS_REPLY_STRING) {
        for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
            if (strcmp(reply->element[0]->str, words[i]) == 0)
                status = words[i];
        paged = reply->element[1]->type == REDIS_REPLY_INTEGER && reply->element[1]->integer == 1;
    }
    ctx->cb(status, paged, ctx->arg);
    free(ctx);
}

int
gw_canaries_apply(struct gw_canaries *c, const char *delivery, int64_t ttl,
                  const struct gw_canary_change *change, const char *routing_key,
                  gw_canary_cb cb, void *arg)
{
    const struct gw_canary *k = &change->canary;
    char dkey[300], ttl_s[24], now_s[24], started_s[24], budget_s[24], updated_s[24];
    struct timeval tv;
    const char *argv[14];
    int argc = 0;
    struct apply_ctx *ctx;

    if (change->op == GW_CANARY_NONE)
        return -1;
    gettimeofday(&tv, NULL);
    snprintf(dkey, sizeof(dkey), "%s%s", delivery ? "kz:delivery:" : "", delivery ? delivery : "");
    snprintf(ttl_s, sizeof(ttl_s), "%lld", (long long)ttl);
    snprintf(now_s, sizeof(now_s), "%lld", (long long)tv.tv_sec * 1000 + tv.tv_usec / 1000);
    snprintf(started_s, sizeof(started_s), "%lld", (long long)k->started_at);
    snprintf(budget_s, sizeof(budget_s), "%lld", (long long)k->budget_seconds);
    snprintf(updated_s, sizeof(updated_s), "%lld", (long long)k->updated_at);
    argv[argc++] = dkey;
    argv[argc++] = ttl_s;
    argv[argc++] = change->op == GW_CANARY_START ? "start"
                   : change->op == GW_CANARY_END ? "end" : "promote";
    argv[argc++] = routing_key != NULL ? routing_key : "";
    argv[argc++] = now_s;
    switch (change->op) {
    case GW_CANARY_START:
        argv[argc++] = k->id;
        argv[argc++] = k->service;
        argv[argc++] = k->environment;
        argv[argc++] = k->source;
        argv[argc++] = k->repo ? k->repo : "";
        argv[argc++] = k->sha ? k->sha : "";
        argv[argc++] = started_s;
        argv[argc++] = budget_s;
        argv[argc++] = updated_s;
        break;
    case GW_CANARY_END:
        argv[argc++] = k->id;
        argv[argc++] = updated_s;
        argv[argc++] = k->source == NULL || strcmp(k->source, "api") != 0 ? "1" : "0";
        break;
    default:
        argv[argc++] = k->repo;
        argv[argc++] = k->sha;
        argv[argc++] = updated_s;
        break;
    }
    ctx = malloc(sizeof(*ctx));
    if (ctx == NULL)
        return -1;
    ctx->cb = cb;
    ctx->arg = arg;
    if (gw_redis_eval(c->redis, &c->apply, on_apply, ctx, 0, argc, argv, NULL) != 0) {
        free(ctx);
        return -1;
    }
    return 0;
}

struct list_ctx {
    gw_canary_list_cb cb;
    void *arg;
};

static int64_t
num(const redisReply *r)
{
    return r != NULL && r->type == REDIS_REPLY_STRING ? strtoll(r->str, NULL, 10) : 0;
}

static void
on_list(redisReply *reply, void *privdata)
{
    struct list_ctx *ctx = privdata;
    struct gw_canary *list = NULL;
    size_t n = 0;
    int ok = reply != NULL && reply->type == REDIS_REPLY_ARRAY;

    if (ok && reply->elements > 0)
        list = calloc(reply->elements, sizeof(*list));
    for (size_t i = 0; list != NULL && i < reply->elements; i++) {
        redisReply *row = reply->element[i];
        if (row->type != REDIS_REPLY_ARRAY || row->elements != F_COUNT ||
            row->element[F_ID]->type != REDIS_REPLY_STRING)
            continue;
        struct gw_canary *k = &list[n++];
        /* Borrowed from the reply for the duration of the callback. */
        k->id = row->element[F_ID]->str;
        k->service = row->element[F_SERVICE]->str;
        k->environment = row->element[F_ENV]->str;
        k->source = row->element[F_SOURCE]->str;
        k->repo = row->element[F_REPO]->str;
        k->sha = row->element[F_SHA]->str;
        k->started_at = num(row->element[F_STARTED]);
        k->budget_seconds = num(row->element[F_BUDGET]);
        k->updated_at = num(row->element[F_UPDATED]);
        k->paged = num(row->element[F_PAGED]) == 1;
    }
    ctx->cb(ok, list, n, ctx->arg);
    free(list);
    free(ctx);
}

static int
list(struct gw_canaries *c, const char *mode, int64_t now, long limit, gw_canary_list_cb cb,
     void *arg)
{
    char now_s[24], limit_s[24];
    struct list_ctx *ctx = malloc(sizeof(*ctx));
    if (ctx == NULL)
        return -1;
    snprintf(now_s, sizeof(now_s), "%lld", (long long)now);
    snprintf(limit_s, sizeof(limit_s), "%ld", limit);
    const char *argv[] = {mode, now_s, limit_s};
    ctx->cb = cb;
    ctx->arg = arg;
    if (gw_redis_eval(c->redis, &c->list, on_list, ctx, 0, 3, argv, NULL) != 0) {
        free(ctx);
        return -1;
    }
    return 0;
}

int
gw_canaries_list(struct gw_canaries *c, gw_canary_list_cb cb, void *arg)
{
    return list(c, "all", 0, 0, cb, arg);
}

int
gw_canaries_due(struct gw_canaries *c, int64_t now, long limit, gw_canary_list_cb cb, void *arg)
{
    return list(c, "due", now, limit, cb, arg);
}
