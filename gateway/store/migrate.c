#include "gateway/store/migrate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gateway/util/clock.h"
#include "gateway/core/hmac.h"
#include "gateway/store/call.h"
#include "gateway/store/digests.h"
#include "gateway/store/keys.h"
#include "gateway/store/outbox.h"
#include "gateway/util/log.h"
#include "lua_scripts.h"

#define BATCH 100
#define LEASE_MS "60000"

enum step {
    STEP_TICKETS, STEP_CANARIES, STEP_QUEUE_SLACK, STEP_QUEUE_PAGER, STEP_DEAD, STEP_DIGESTS,
    STEP_HISTORY, STEP_SWEEP, STEP_DONE
};

struct gw_migration {
    struct gw_redis *redis;
    struct gw_redis_script tickets, canaries, outbox, list, keys;
    char token[GW_TOKEN_LEN];
    int running;
    int swept;            /* a full pass (with the SCAN sweep) ran since start-up */
    int disabled;
    enum step step;
    char cursor[32];      /* SCAN cursor of the sweep */
    long moved;           /* carried over in this pass */
    long batches;
};

struct gw_migration *
gw_migration_new(struct gw_redis *redis, int enabled)
{
    struct gw_migration *m = calloc(1, sizeof(*m));

    if (m == NULL)
        return NULL;
    m->redis = redis;
    m->swept = !enabled;
    m->disabled = !enabled;
    gw_redis_script_init(&m->tickets, "migrate_tickets", gw_lua_migrate_tickets);
    gw_redis_script_init(&m->canaries, "migrate_canaries", gw_lua_migrate_canaries);
    gw_redis_script_init(&m->outbox, "migrate_outbox", gw_lua_migrate_outbox);
    gw_redis_script_init(&m->list, "migrate_list", gw_lua_migrate_list);
    gw_redis_script_init(&m->keys, "migrate_keys", gw_lua_migrate_keys);
    gw_random_token(m->token);
    return m;
}

void
gw_migration_free(struct gw_migration *m)
{
    free(m);
}

int
gw_migration_done(const struct gw_migration *m)
{
    return m->swept;
}

static void run_step(struct gw_migration *m);

static void
finish(struct gw_migration *m, const struct gw_redis_error *err)
{
    char moved[24];
    const char *argv[] = {"DEL", GW_KEY_MIGRATE_LOCK};

    m->running = 0;
    if (err != NULL) {
        gw_log(GW_LOG_WARN, "upgrade of first-release keys interrupted; it resumes later",
               "error", err->text, NULL);
        return;
    }
    m->swept = 1;
    snprintf(moved, sizeof(moved), "%ld", m->moved);
    if (m->moved > 0)
        gw_log(GW_LOG_INFO, "first-release keys carried over", "keys", moved, NULL);
    gw_redis_command(m->redis, NULL, NULL, 2, argv, NULL);
}

/* A batch script ran: the same step again (until its source is empty). */
static void
on_batch(redisReply *reply, const struct gw_redis_error *err, void *privdata)
{
    struct gw_migration *m = privdata;
    if (err != NULL) {
        finish(m, err);
        return;
    }
    if (reply->type == REDIS_REPLY_INTEGER)
        m->moved += (long)reply->integer;
    if (++m->batches % 20 == 0) {
        /* A long pass keeps its lease. */
        const char *argv[] = {"SET", GW_KEY_MIGRATE_LOCK, m->token, "XX", "PX", LEASE_MS};
        gw_redis_command(m->redis, NULL, NULL, 6, argv, NULL);
    }
    run_step(m);
}

static void
next_step(struct gw_migration *m)
{
    m->step++;
    run_step(m);
}

static void
add_keys(struct gw_redis_args *a, const char *const *keys, size_t n)
{
    for (size_t i = 0; i < n; i++)
        gw_redis_args_key(a, keys[i]);
}

/*
 * What a read of a first-release index gave: 1 when it holds a batch to
 * carry over; else the pass ended (an error) or moved on (nothing left).
 */
static int
batch_ready(struct gw_migration *m, const redisReply *reply, const struct gw_redis_error *err)
{
    if (err == NULL && reply->type != REDIS_REPLY_ARRAY)
        err = &gw_bad_reply;
    if (err != NULL)
        finish(m, err);
    else if (reply->elements == 0)
        next_step(m);
    return err == NULL && reply->elements > 0;
}

static char *
legacy_key(const char *prefix, const char *rest)
{
    size_t n = strlen(prefix) + strlen(rest) + 1;
    char *key = malloc(n);
    if (key == NULL)
        gw_oom(__func__);
    snprintf(key, n, "%s%s", prefix, rest);
    return key;
}

static void
add_legacy_key(struct gw_redis_args *a, const char *prefix, const char *rest)
{
    char *key = legacy_key(prefix, rest);
    gw_redis_args_key(a, key);
    free(key);
}

/* ids of a first-release index: tickets, canaries. */
static void
on_index(redisReply *reply, const struct gw_redis_error *err, void *privdata)
{
    struct gw_migration *m = privdata;
    struct gw_redis_args a;
    int tickets = m->step == STEP_TICKETS;

    if (!batch_ready(m, reply, err))
        return;
    static const char *const legacy_ticket_keys[] = {GW_LEGACY_TICKETS, GW_LEGACY_SLA,
                                                     GW_LEGACY_SLA_PENDING};
    static const char *const canary_keys[] = {
        GW_KEY_CANARY, GW_KEY_CANARIES, GW_KEY_CANARY_DUE, GW_KEY_CANARY_SHA,
        GW_LEGACY_CANARIES, GW_LEGACY_CANARY_DUE};

    gw_redis_args_init(&a);
    if (tickets) {
        gw_ticket_keys(&a);
        add_keys(&a, legacy_ticket_keys, sizeof(legacy_ticket_keys) / sizeof(legacy_ticket_keys[0]));
        gw_redis_args_int(&a, gw_now());
    } else {
        add_keys(&a, canary_keys, sizeof(canary_keys) / sizeof(canary_keys[0]));
    }
    gw_redis_args_int(&a, (long long)reply->elements);
    for (size_t i = 0; i < reply->elements; i++) {
        add_legacy_key(&a, tickets ? GW_LEGACY_TICKET : GW_LEGACY_CANARY, reply->element[i]->str);
        gw_redis_args_str(&a, reply->element[i]->str);
    }
    gw_redis_eval_args(m->redis, tickets ? &m->tickets : &m->canaries, &a, on_batch, m);
}

static const char *
step_dest(enum step step)
{
    return step == STEP_QUEUE_PAGER ? GW_DEST_PAGER : GW_DEST_SLACK;
}

/* Messages of a first-release queue (id, score pairs) or dead list (ids). */
static void
on_messages(redisReply *reply, const struct gw_redis_error *err, void *privdata)
{
    struct gw_migration *m = privdata;
    int dead = m->step == STEP_DEAD;
    size_t stride = dead ? 1 : 2;
    const char *dest = step_dest(m->step);
    struct gw_redis_args a;

    if (!batch_ready(m, reply, err))
        return;
    gw_redis_args_init(&a);
    static const char *const message_keys[] = {
        GW_KEY_OUTBOX_SEQ, GW_KEY_OUTBOX_BODY, GW_KEY_OUTBOX_ATTEMPTS, GW_KEY_OUTBOX_ERROR,
        GW_KEY_OUTBOX_DEAD, GW_KEY_OUTBOX_DESTS, GW_KEY_OUTBOX_PENDING, GW_LEGACY_OUTBOX_SEQ};
    add_keys(&a, message_keys, sizeof(message_keys) / sizeof(message_keys[0]));
    if (dead)
        gw_redis_args_key(&a, GW_LEGACY_OUTBOX_DEAD);
    else
        add_legacy_key(&a, GW_LEGACY_OUTBOX_QUEUE, dest);
    gw_outbox_queue_key(&a, dest, GW_MSG_PAGE);
    gw_outbox_queue_key(&a, dest, GW_MSG_DIGEST);
    gw_outbox_queue_key(&a, dest, GW_MSG_BREACH);
    gw_redis_args_str(&a, dead ? "dead" : "queue");
    gw_redis_args_int(&a, gw_now_ms());
    gw_redis_args_str(&a, dest);
    gw_redis_args_int(&a, (long long)(reply->elements / stride));
    for (size_t i = 0; i + stride <= reply->elements; i += stride) {
        add_legacy_key(&a, GW_LEGACY_OUTBOX_MSG, reply->element[i]->str);
        gw_redis_args_str(&a, reply->element[i]->str);
        gw_redis_args_str(&a, dead ? "0" : reply->element[i + 1]->str);
    }
    gw_redis_eval_args(m->redis, &m->outbox, &a, on_batch, m);
}

/* One SCAN page of the sweep: move or drop what no other step carries. */
static void
on_scan(redisReply *reply, const struct gw_redis_error *err, void *privdata)
{
    struct gw_migration *m = privdata;
    struct gw_redis_args a;
    redisReply *keys;

    if (err == NULL && (reply->type != REDIS_REPLY_ARRAY || reply->elements != 2 ||
                        reply->element[0]->type != REDIS_REPLY_STRING ||
                        reply->element[1]->type != REDIS_REPLY_ARRAY))
        err = &gw_bad_reply;
    if (err != NULL) {
        finish(m, err);
        return;
    }
    snprintf(m->cursor, sizeof(m->cursor), "%s", reply->element[0]->str);
    keys = reply->element[1];
    gw_redis_args_init(&a);
    for (size_t i = 0; i < keys->elements; i++) {
        int drop = 0;
        char *renamed = gw_legacy_key_rename(keys->element[i]->str, &drop);
        if (renamed == NULL && !drop)
            continue;
        gw_redis_args_key(&a, keys->element[i]->str);
        gw_redis_args_key(&a, renamed != NULL ? renamed : keys->element[i]->str);
        gw_redis_args_str(&a, renamed != NULL ? "move" : "drop");
        free(renamed);
    }
    if (strcmp(m->cursor, "0") == 0)
        m->step = STEP_DONE;
    if (gw_redis_args_count(&a) == 0) {
        gw_redis_args_clear(&a);
        run_step(m);
        return;
    }
    gw_redis_eval_args(m->redis, &m->keys, &a, on_batch, m);
}

static void
run_step(struct gw_migration *m)
{
    char last[16];
    struct gw_redis_args a;

    snprintf(last, sizeof(last), "%d", BATCH - 1);
    switch (m->step) {
    case STEP_TICKETS:
    case STEP_CANARIES: {
        const char *argv[] = {"ZRANGE", m->step == STEP_TICKETS ? GW_LEGACY_TICKETS
                                                                : GW_LEGACY_CANARIES, "0", last};
        gw_redis_command(m->redis, on_index, m, 4, argv, NULL);
        return;
    }
    case STEP_QUEUE_SLACK:
    case STEP_QUEUE_PAGER: {
        char *queue = legacy_key(GW_LEGACY_OUTBOX_QUEUE, step_dest(m->step));
        const char *argv[] = {"ZRANGE", queue, "0", last, "WITHSCORES"};
        gw_redis_command(m->redis, on_messages, m, 5, argv, NULL);
        free(queue);
        return;
    }
    case STEP_DEAD: {
        const char *argv[] = {"LRANGE", GW_LEGACY_OUTBOX_DEAD, "0", last};
        gw_redis_command(m->redis, on_messages, m, 4, argv, NULL);
        return;
    }
    case STEP_DIGESTS:
    case STEP_HISTORY:
        gw_redis_args_init(&a);
        if (m->step == STEP_DIGESTS) {
            gw_redis_args_key(&a, GW_KEY_DIGESTS);
            gw_redis_args_key(&a, GW_LEGACY_DIGESTS);
            gw_redis_args_key(&a, GW_KEY_DIGESTS_VERSION);
            gw_redis_args_int(&a, GW_DIGESTS_KEPT);
            gw_redis_args_int(&a, gw_now_ms());
        } else {
            gw_redis_args_key(&a, GW_KEY_OUTBOX_HISTORY);
            gw_redis_args_key(&a, GW_LEGACY_OUTBOX_HISTORY);
            gw_redis_args_int(&a, 200);
        }
        m->step++;
        gw_redis_eval_args(m->redis, &m->list, &a, on_batch, m);
        return;
    case STEP_SWEEP: {
        const char *argv[] = {"SCAN", m->cursor, "MATCH", GW_LEGACY_PATTERN, "COUNT", "500"};
        gw_redis_command(m->redis, on_scan, m, 6, argv, NULL);
        return;
    }
    case STEP_DONE:
        finish(m, NULL);
        return;
    }
}

static void
on_locked(redisReply *reply, const struct gw_redis_error *err, void *privdata)
{
    struct gw_migration *m = privdata;
    if (err != NULL || reply->type != REDIS_REPLY_STATUS) {
        m->running = 0; /* another replica runs a pass, or Redis failed: later */
        return;
    }
    m->step = STEP_TICKETS;
    snprintf(m->cursor, sizeof(m->cursor), "0");
    m->moved = 0;
    run_step(m);
}

static void
lock(struct gw_migration *m)
{
    const char *argv[] = {"SET", GW_KEY_MIGRATE_LOCK, m->token, "NX", "PX", LEASE_MS};
    gw_redis_command(m->redis, on_locked, m, 6, argv, NULL);
}

/* A pass is due when a first-release index still holds something. */
static void
on_legacy_count(redisReply *reply, const struct gw_redis_error *err, void *privdata)
{
    struct gw_migration *m = privdata;
    if (err != NULL || reply->type != REDIS_REPLY_INTEGER || reply->integer == 0) {
        m->running = 0;
        return;
    }
    lock(m);
}

void
gw_migration_tick(struct gw_migration *m)
{
    if (m->disabled || m->running || !gw_redis_ready(m->redis))
        return;
    m->running = 1;
    if (!m->swept) {
        lock(m);
        return;
    }
    const char *argv[] = {"EXISTS", GW_LEGACY_TICKETS, GW_LEGACY_CANARIES,
                          GW_LEGACY_OUTBOX_QUEUE "slack", GW_LEGACY_OUTBOX_QUEUE "pager",
                          GW_LEGACY_OUTBOX_DEAD, GW_LEGACY_OUTBOX_HISTORY, GW_LEGACY_DIGESTS};
    gw_redis_command(m->redis, on_legacy_count, m, 8, argv, NULL);
}
