#include "gateway/store/outbox.h"

#include <event2/event.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include "gateway/net/httpclient.h"
#include "gateway/util/log.h"
#include "gateway/util/prometheus.h"
#include "gateway/core/dates.h"

#define TICK_MS 200

/*
 * ARGV: guard_kind guard_a guard_b record now_ms n {id sink body}*n.
 * guard_kind "window": SET guard_a NX EX guard_b (one digest per window).
 * guard_kind "breach": ticket guard_a still open with deadline guard_b and
 * not yet notified for it; marks it notified (one notice per breach).
 * guard_kind "canary": canary guard_a still active and not paged; marks it
 * paged (one page per canary).
 * Returns 1, or 0 if the guard says it was done already.
 */
static const char enqueue_lua[] =
    GW_OUTBOX_LUA_ENQUEUE
    "local kind, a, b, record, now = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5]\n"
    "if kind == 'window' then\n"
    "  if not redis.call('SET', a, now, 'NX', 'EX', b) then return 0 end\n"
    "elseif kind == 'breach' then\n"
    "  local key = 'kz:ticket:' .. a\n"
    "  local t = redis.call('HMGET', key, 'state', 'sla_deadline', 'breach_notified')\n"
    "  if t[1] ~= 'open' or t[3] == b then redis.call('ZREM', 'kz:sla_pending', a) return 0 end\n"
    "  if t[2] ~= b then return 0 end\n"
    "  redis.call('HSET', key, 'breach_notified', b)\n"
    "  redis.call('ZREM', 'kz:sla_pending', a)\n"
    "elseif kind == 'canary' then\n"
    "  local key = 'kz:canary:' .. a\n"
    "  if redis.call('HGET', key, 'paged') ~= '0' then redis.call('ZREM', 'kz:canary_due', a) return 0 end\n"
    "  redis.call('HSET', key, 'paged', '1')\n"
    "  redis.call('ZREM', 'kz:canary_due', a)\n"
    "end\n"
    "for i = 0, tonumber(ARGV[6]) - 1 do\n"
    "  outbox_enqueue(ARGV[7 + 3 * i], ARGV[8 + 3 * i], ARGV[9 + 3 * i], now)\n"
    "end\n"
    "if record ~= '' then\n"
    "  redis.call('LPUSH', 'kz:digests', record)\n"
    "  redis.call('LTRIM', 'kz:digests', 0, 29)\n"
    "  redis.call('INCR', 'kz:digests:version')\n"
    "  redis.call('SET', 'kz:digests:changed_at', math.floor(tonumber(now) / 1000))\n"
    "end\n"
    "return 1\n";

/* ARGV: sink now_ms lease_ms token. Returns {'msg', id, body, attempts} | {'busy'|'empty'} | {'wait', ms}. */
static const char claim_lua[] =
    "local sink, now, lease, token = ARGV[1], tonumber(ARGV[2]), ARGV[3], ARGV[4]\n"
    "local lock, queue = 'kz:outbox:lock:' .. sink, 'kz:outbox:queue:' .. sink\n"
    "if redis.call('EXISTS', lock) == 1 then return {'busy'} end\n"
    "local head = redis.call('ZRANGE', queue, 0, 0)[1]\n"
    "if not head then return {'empty'} end\n"
    "local nxt = tonumber(redis.call('GET', 'kz:outbox:next:' .. sink) or '0')\n"
    "if now < nxt then return {'wait', tostring(nxt - now)} end\n"
    "local key = 'kz:outbox:msg:' .. head\n"
    "local body = redis.call('HGET', key, 'body')\n"
    "if not body then redis.call('ZREM', queue, head) return {'busy'} end\n"
    "redis.call('SET', lock, token .. ' ' .. head, 'PX', lease)\n"
    "return {'msg', head, body, tostring(redis.call('HINCRBY', key, 'attempts', 1))}\n";

/*
 * ARGV: sink id token outcome(sent|dry_run|retry|dead) next_at_ms now_ms history error.
 * A replica whose lease expired may still record a 2xx: the message is then
 * removed (another replica may be repeating it: at-least-once).
 */
static const char finish_lua[] =
    "local sink, id, token, outcome = ARGV[1], ARGV[2], ARGV[3], ARGV[4]\n"
    "local lock, key = 'kz:outbox:lock:' .. sink, 'kz:outbox:msg:' .. id\n"
    "local mine = redis.call('GET', lock) == token .. ' ' .. id\n"
    "if redis.call('EXISTS', key) == 1 then\n"
    "  if outcome == 'retry' then\n"
    "    redis.call('HSET', key, 'last_error', ARGV[8])\n"
    "    if mine then redis.call('SET', 'kz:outbox:next:' .. sink, ARGV[5]) end\n"
    "  else\n"
    "    redis.call('ZREM', 'kz:outbox:queue:' .. sink, id)\n"
    "    if outcome == 'dead' then\n"
    "      redis.call('HSET', key, 'last_error', ARGV[8], 'dead_at', ARGV[6])\n"
    "      redis.call('LPUSH', 'kz:outbox:dead', id)\n"
    "    else\n"
    "      redis.call('DEL', key)\n"
    "    end\n"
    "    redis.call('SET', 'kz:outbox:next:' .. sink, ARGV[5])\n"
    "    redis.call('LPUSH', 'kz:outbox:history', ARGV[7])\n"
    "    redis.call('LTRIM', 'kz:outbox:history', 0, 199)\n"
    "  end\n"
    "end\n"
    "if mine then redis.call('DEL', lock) end\n"
    "return 1\n";

/* ARGV: recent. Returns {pending, dead, history...}. */
static const char status_lua[] =
    "local pending = redis.call('ZCARD', 'kz:outbox:queue:slack') + redis.call('ZCARD', 'kz:outbox:queue:pager')\n"
    "return {pending, redis.call('LLEN', 'kz:outbox:dead'),\n"
    "        redis.call('LRANGE', 'kz:outbox:history', 0, tonumber(ARGV[1]) - 1)}\n";

struct sink_state {
    struct gw_outbox *o;
    enum gw_sink sink;
    int busy;             /* a claim, send or finish is under way */
    char *id;             /* claimed message */
    int attempt;
    double started;
};

struct gw_outbox {
    struct event_base *base;
    struct gw_redis *redis;
    struct gw_http_client *client;
    struct gw_outbox_config cfg;
    struct gw_metric *notifications;
    struct gw_redis_script enqueue, claim, finish, status;
    struct event *tick;
    struct sink_state sinks[GW_SINK_COUNT];
    char token[33];       /* identifies this replica's leases */
    int stopped;
};

static const char *const sink_names[GW_SINK_COUNT] = {"slack", "pager"};

const char *
gw_sink_name(enum gw_sink s)
{
    return s >= 0 && s < GW_SINK_COUNT ? sink_names[s] : "?";
}

static int64_t
now_ms(void)
{
    struct timeval tv;
    gettimeofday(&tv, NULL);
    return (int64_t)tv.tv_sec * 1000 + tv.tv_usec / 1000;
}

int64_t
gw_outbox_backoff_ms(const struct gw_outbox_config *cfg, int attempt)
{
    int64_t delay = cfg->backoff_base_ms;
    for (int i = 1; i < attempt && delay < cfg->backoff_max_ms; i++)
        delay *= 2;
    if (delay > cfg->backoff_max_ms)
        delay = cfg->backoff_max_ms;
    /* +-20 % so replicas and messages do not retry in lockstep */
    return delay + delay * ((rand() % 41) - 20) / 100;
}

enum gw_outcome
gw_outbox_classify(long status, int attempt, int max_attempts)
{
    if (status >= 200 && status < 300)
        return GW_OUTCOME_SENT;
    /* No answer, 429 and 5xx are transient; any other answer is permanent. */
    if (status == 0 || status == 429 || status >= 500)
        return attempt >= max_attempts ? GW_OUTCOME_DEAD : GW_OUTCOME_RETRY;
    return GW_OUTCOME_DEAD;
}

struct gw_outbox *
gw_outbox_new(struct event_base *base, struct gw_redis *redis, struct gw_http_client *client,
              const struct gw_outbox_config *cfg, struct gw_metric *notifications)
{
    struct gw_outbox *o = calloc(1, sizeof(*o));
    unsigned char raw[16];

    if (o == NULL)
        return NULL;
    o->base = base;
    o->redis = redis;
    o->client = client;
    o->cfg = *cfg;
    o->notifications = notifications;
    o->enqueue.source = enqueue_lua;
    o->claim.source = claim_lua;
    o->finish.source = finish_lua;
    o->status.source = status_lua;
    gw_redis_script_init(&o->enqueue);
    gw_redis_script_init(&o->claim);
    gw_redis_script_init(&o->finish);
    gw_redis_script_init(&o->status);
    if (RAND_bytes(raw, sizeof(raw)) != 1)
        for (size_t i = 0; i < sizeof(raw); i++)
            raw[i] = (unsigned char)rand();
    for (size_t i = 0; i < sizeof(raw); i++)
        snprintf(o->token + 2 * i, 3, "%02x", raw[i]);
    for (int s = 0; s < GW_SINK_COUNT; s++) {
        o->sinks[s].o = o;
        o->sinks[s].sink = (enum gw_sink)s;
    }
    return o;
}

void
gw_outbox_free(struct gw_outbox *o)
{
    if (o == NULL)
        return;
    if (o->tick != NULL)
        event_free(o->tick);
    for (int s = 0; s < GW_SINK_COUNT; s++)
        free(o->sinks[s].id);
    free(o);
}

int
gw_outbox_inflight(const struct gw_outbox *o)
{
    int n = 0;
    for (int s = 0; s < GW_SINK_COUNT; s++)
        n += o->sinks[s].busy;
    return n;
}

/* --- delivery loop --------------------------------------------------------- */

static void count(struct sink_state *st, const char *result)
{
    const char *labels[] = {sink_names[st->sink], result};
    gw_metric_inc(st->o->notifications, labels, 1);
}

static void
on_finished(redisReply *reply, void *arg)
{
    struct sink_state *st = arg;
    (void)reply; /* on failure the lease expires and the head is retried */
    free(st->id);
    st->id = NULL;
    st->busy = 0;
}

static void
finish(struct sink_state *st, const char *outcome, int64_t next_at, long status, const char *error)
{
    struct gw_outbox *o = st->o;
    char next_s[24], now_s[24], at[32];
    int64_t now = now_ms();
    json_t *entry;
    char *history;

    snprintf(next_s, sizeof(next_s), "%lld", (long long)next_at);
    snprintf(now_s, sizeof(now_s), "%lld", (long long)now);
    gw_time_format_rfc3339(now / 1000, at, sizeof(at));
    entry = json_pack("{s:s, s:s, s:s, s:i, s:I, s:s?, s:s}", "id", st->id, "sink",
                      sink_names[st->sink], "result", outcome, "attempts", st->attempt, "status",
                      (json_int_t)status, "error", error, "at", at);
    history = json_dumps(entry, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(entry);
    const char *argv[] = {sink_names[st->sink], st->id, o->token, outcome, next_s, now_s,
                          history != NULL ? history : "{}", error != NULL ? error : ""};
    if (gw_redis_eval(o->redis, &o->finish, on_finished, st, 0, 8, argv, NULL) != 0)
        on_finished(NULL, st);
    free(history);
}

static void
on_response(const struct gw_http_response *res, void *arg)
{
    struct sink_state *st = arg;
    struct gw_outbox *o = st->o;
    enum gw_outcome outcome = gw_outbox_classify(res->status, st->attempt, o->cfg.max_attempts);
    int64_t now = now_ms();
    char status_s[16], attempt_s[16];
    const char *error = res->error;
    char reason[160];

    snprintf(status_s, sizeof(status_s), "%ld", res->status);
    snprintf(attempt_s, sizeof(attempt_s), "%d", st->attempt);
    if (error == NULL && outcome != GW_OUTCOME_SENT) {
        snprintf(reason, sizeof(reason), "HTTP %ld: %.100s", res->status,
                 res->body != NULL ? res->body : "");
        error = reason;
    }
    switch (outcome) {
    case GW_OUTCOME_SENT:
        count(st, "sent");
        gw_log(GW_LOG_INFO, "notification sent", "sink", sink_names[st->sink], "id", st->id,
               "attempt", attempt_s, NULL);
        finish(st, "sent", now + o->cfg.sinks[st->sink].spacing_ms, res->status, NULL);
        break;
    case GW_OUTCOME_RETRY: {
        int64_t delay = gw_outbox_backoff_ms(&o->cfg, st->attempt);
        if (res->status == 429 && res->retry_after_ms >= 0)
            delay = res->retry_after_ms; /* the peer said when */
        count(st, "retried");
        gw_log(GW_LOG_WARN, "notification failed; will retry", "sink", sink_names[st->sink],
               "id", st->id, "status", status_s, "attempt", attempt_s, "error", error, NULL);
        finish(st, "retry", now + delay, res->status, error);
        break;
    }
    case GW_OUTCOME_DEAD:
        count(st, "dead");
        gw_log(GW_LOG_ERROR, "notification dead-lettered", "sink", sink_names[st->sink], "id",
               st->id, "status", status_s, "attempt", attempt_s, "error", error, NULL);
        finish(st, "dead", now + o->cfg.sinks[st->sink].spacing_ms, res->status, error);
        break;
    }
}

static void
on_claimed(redisReply *reply, void *arg)
{
    struct sink_state *st = arg;
    struct gw_outbox *o = st->o;
    const char *url = o->cfg.sinks[st->sink].url;
    static const char *const headers[] = {"Content-Type: application/json", NULL};

    if (reply == NULL || reply->type != REDIS_REPLY_ARRAY || reply->elements != 4 ||
        strcmp(reply->element[0]->str, "msg") != 0) {
        st->busy = 0;
        return;
    }
    st->id = strdup(reply->element[1]->str);
    st->attempt = (int)strtol(reply->element[3]->str, NULL, 10);
    st->started = gw_monotonic();
    if (o->cfg.dry_run || url == NULL) {
        /* Dry-run: log what would be sent; the history keeps it as "dry_run". */
        gw_log(GW_LOG_INFO, "dry-run: notification not sent", "sink", sink_names[st->sink], "id",
               st->id, "body", reply->element[2]->str, NULL);
        finish(st, "dry_run", now_ms() + o->cfg.sinks[st->sink].spacing_ms, 0, NULL);
        return;
    }
    if (gw_http_client_post(o->client, url, headers, reply->element[2]->str,
                            reply->element[2]->len, on_response, st) != 0) {
        struct gw_http_response failed = {0, "could not start request", -1, NULL, 0};
        on_response(&failed, st);
    }
}

static void
on_tick(evutil_socket_t fd, short what, void *arg)
{
    struct gw_outbox *o = arg;
    char now_s[24], lease_s[24];
    (void)fd;
    (void)what;

    if (o->stopped || !gw_redis_ready(o->redis))
        return;
    snprintf(now_s, sizeof(now_s), "%lld", (long long)now_ms());
    snprintf(lease_s, sizeof(lease_s), "%lld", (long long)o->cfg.lease_ms);
    for (int s = 0; s < GW_SINK_COUNT; s++) {
        struct sink_state *st = &o->sinks[s];
        if (st->busy)
            continue;
        const char *argv[] = {sink_names[s], now_s, lease_s, o->token};
        st->busy = 1;
        if (gw_redis_eval(o->redis, &o->claim, on_claimed, st, 0, 4, argv, NULL) != 0)
            st->busy = 0;
    }
}

void
gw_outbox_start(struct gw_outbox *o)
{
    struct timeval tv = {0, TICK_MS * 1000};
    o->tick = event_new(o->base, -1, EV_PERSIST, on_tick, o);
    event_add(o->tick, &tv);
}

void
gw_outbox_stop(struct gw_outbox *o)
{
    o->stopped = 1;
}

/* --- enqueue and status ---------------------------------------------------- */

struct enqueue_ctx {
    gw_outbox_enqueue_cb cb;
    void *arg;
};

static void
on_enqueued(redisReply *reply, void *arg)
{
    struct enqueue_ctx *ctx = arg;
    int ok = reply != NULL && reply->type == REDIS_REPLY_INTEGER;
    ctx->cb(ok, ok && reply->integer == 1, ctx->arg);
    free(ctx);
}

int
gw_outbox_enqueue(struct gw_outbox *o, const struct gw_outbox_msg *msgs, size_t n,
                  const struct gw_outbox_guard *guard, const char *record,
                  gw_outbox_enqueue_cb cb, void *arg)
{
    static const char *const kinds[] = {"", "window", "breach", "canary"};
    size_t argc = 6 + 3 * n;
    const char **argv = calloc(argc, sizeof(char *));
    struct enqueue_ctx *ctx = malloc(sizeof(*ctx));
    char value_s[24], now_s[24], n_s[24];
    int rc = -1;

    if (argv == NULL || ctx == NULL)
        goto done;
    snprintf(value_s, sizeof(value_s), "%lld", (long long)(guard != NULL ? guard->value : 0));
    snprintf(now_s, sizeof(now_s), "%lld", (long long)now_ms());
    snprintf(n_s, sizeof(n_s), "%zu", n);
    argv[0] = kinds[guard != NULL ? guard->kind : GW_GUARD_NONE];
    argv[1] = guard != NULL && guard->key != NULL ? guard->key : "";
    argv[2] = value_s;
    argv[3] = record != NULL ? record : "";
    argv[4] = now_s;
    argv[5] = n_s;
    for (size_t i = 0; i < n; i++) {
        argv[6 + 3 * i] = msgs[i].id;
        argv[7 + 3 * i] = gw_sink_name(msgs[i].sink);
        argv[8 + 3 * i] = msgs[i].body;
    }
    ctx->cb = cb;
    ctx->arg = arg;
    rc = gw_redis_eval(o->redis, &o->enqueue, on_enqueued, ctx, 0, (int)argc, argv, NULL);
    if (rc == 0)
        ctx = NULL;
done:
    free(ctx);
    free(argv);
    return rc;
}

struct status_ctx {
    gw_outbox_status_cb cb;
    void *arg;
};

static void
on_status(redisReply *reply, void *arg)
{
    struct status_ctx *ctx = arg;
    json_t *recent = json_array();
    int ok = reply != NULL && reply->type == REDIS_REPLY_ARRAY && reply->elements == 3 &&
             reply->element[2]->type == REDIS_REPLY_ARRAY;
    long pending = 0, dead = 0;

    if (ok) {
        pending = (long)reply->element[0]->integer;
        dead = (long)reply->element[1]->integer;
        for (size_t i = 0; i < reply->element[2]->elements; i++) {
            json_t *entry = json_loads(reply->element[2]->element[i]->str, 0, NULL);
            if (entry != NULL)
                json_array_append_new(recent, entry);
        }
    }
    ctx->cb(ok, pending, dead, recent, ctx->arg);
    free(ctx);
}

int
gw_outbox_status(struct gw_outbox *o, long recent, gw_outbox_status_cb cb, void *arg)
{
    char recent_s[24];
    struct status_ctx *ctx = malloc(sizeof(*ctx));
    if (ctx == NULL)
        return -1;
    snprintf(recent_s, sizeof(recent_s), "%ld", recent);
    const char *argv[] = {recent_s};
    ctx->cb = cb;
    ctx->arg = arg;
    if (gw_redis_eval(o->redis, &o->status, on_status, ctx, 0, 1, argv, NULL) != 0) {
        free(ctx);
        return -1;
    }
    return 0;
}
