#include "gateway/jobs/breach_check.h"

#include <jansson.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gateway/util/clock.h"
#include "gateway/core/hmac.h"
#include "gateway/core/routing.h"
#include "gateway/store/breaches.h"
#include "gateway/text/render_breach.h"
#include "gateway/util/log.h"

/* A round whose replica stops answering is taken over after this. */
#define LEASE_MS 15000

struct gw_breach_check {
    struct gw_breach_check_deps d;
    char token[GW_TOKEN_LEN];
    int busy, stopped;
    /* The round under way (READY). */
    char round[96];
    int64_t checked_at;
    long listed, page, messages;
};

struct gw_breach_check *
gw_breach_check_new(const struct gw_breach_check_deps *deps)
{
    struct gw_breach_check *c = calloc(1, sizeof(*c));
    if (c == NULL)
        return NULL;
    c->d = *deps;
    gw_random_token(c->token);
    return c;
}

void
gw_breach_check_stop(struct gw_breach_check *c)
{
    c->stopped = 1;
}

void
gw_breach_check_free(struct gw_breach_check *c)
{
    free(c);
}

static struct gw_breach_lease
lease(const struct gw_breach_check *c)
{
    return (struct gw_breach_lease){c->token, gw_now_ms(), LEASE_MS};
}

static void
done(struct gw_breach_check *c, const struct gw_redis_error *err, const char *what)
{
    if (err != NULL && err->kind != GW_REDIS_UNAVAILABLE)
        gw_log(GW_LOG_WARN, what, "error", err->text, NULL);
    c->busy = 0; /* a round left half done goes on at the next check */
}

static void take(struct gw_breach_check *c);
static void next_page(struct gw_breach_check *c);

static void
on_emitted(int result, const struct gw_redis_error *err, void *arg)
{
    struct gw_breach_check *c = arg;
    char tickets[24], messages[24];

    if (err != NULL) {
        done(c, err, "SLA-breach notice not enqueued");
        return;
    }
    if (result == 1) {
        c->page++;
        next_page(c);
        return;
    }
    if (result == 2) {
        snprintf(tickets, sizeof(tickets), "%ld", c->listed);
        snprintf(messages, sizeof(messages), "%ld", c->messages);
        gw_log(GW_LOG_INFO, "SLA-breach notice enqueued", "round", c->round, "tickets", tickets,
               "messages", messages, NULL);
    }
    done(c, NULL, NULL); /* 0: another replica took the round over */
}

/*
 * The descriptors of a channel's messages (lib/notice.lua), appended to
 * *notices: each message's tickets (mine, per_msg[i] each), its range and
 * destination, so its resolves and acks can render it again (its last
 * number is first + its tickets - 1).
 */
static void
keep_notices(struct gw_breach_notice **notices, size_t *m, const struct gw_outbox_batch *b,
             const char *dest, const struct gw_breach_page *p, const struct gw_ticket *mine,
             const size_t *per_msg)
{
    struct gw_breach_notice *grown = realloc(*notices, (*m + b->n + 1) * sizeof(**notices));
    size_t at = 0;

    if (grown == NULL)
        gw_oom(__func__);
    *notices = grown;
    for (size_t i = 0; i < b->n; i++) {
        json_t *ids = json_array();
        for (size_t k = 0; k < per_msg[i]; k++)
            json_array_append_new(ids, json_string(mine[at + k].id));
        json_t *d = json_pack("{s:s, s:I, s:I, s:I, s:b, s:o}", "dest", dest, "checked_at",
                              (json_int_t)p->checked_at, "count", (json_int_t)p->total, "first",
                              (json_int_t)(p->first + (long)at), "buttons", p->buttons, "ids",
                              ids);
        char *text = d != NULL ? json_dumps(d, JSON_COMPACT) : NULL;
        if (text == NULL)
            gw_oom(__func__);
        json_decref(d);
        grown[(*m)++] = (struct gw_breach_notice){b->ids[i], dest, text};
        at += per_msg[i];
    }
}

static void
on_rows(const struct gw_ticket *tickets, size_t n, const struct gw_redis_error *err, void *arg)
{
    struct gw_breach_check *c = arg;
    int edits = c->d.routing->web_api;
    struct gw_breach_page p = {c->listed, c->page * GW_BREACH_PAGE + 1, c->checked_at,
                               edits && c->d.buttons, NULL};
    struct gw_outbox_batch *batches;
    struct gw_outbox_msg *msgs = NULL;
    struct gw_breach_notice *notices = NULL;
    struct gw_ticket *mine;
    char prefix[400], (*dests)[GW_DEST_LEN], dest[GW_DEST_LEN];
    size_t ndests, nmsgs = 0, nnotices = 0, *per_msg;

    if (err != NULL) {
        done(c, err, "SLA-breach round not read");
        return;
    }
    dests = calloc(GW_ROUTES_MAX + 1, sizeof(*dests));
    mine = calloc(n + 1, sizeof(*mine));
    per_msg = calloc(n + 1, sizeof(*per_msg));
    ndests = gw_routing_slack_dests(c->d.routing, dests, GW_ROUTES_MAX + 1);
    batches = calloc(ndests + 1, sizeof(*batches));
    if (dests == NULL || mine == NULL || per_msg == NULL || batches == NULL)
        gw_oom(__func__);
    for (size_t d = 0; d < ndests; d++) {
        struct gw_breach_page mp = p;
        size_t k = 0;
        json_t *messages;

        /* Each channel's notice lists its own tickets of this page. */
        for (size_t i = 0; i < n; i++) {
            gw_routing_ticket(c->d.routing, &tickets[i], dest, sizeof(dest));
            if (ndests == 1 || strcmp(dest, dests[d]) == 0)
                mine[k++] = tickets[i];
        }
        if (k == 0)
            continue;
        if (ndests > 1)
            mp = (struct gw_breach_page){(long)k, 1, c->checked_at, p.buttons, NULL};
        if ((messages = gw_render_breach_page(c->d.templates, mine, k, &mp, per_msg)) == NULL)
            gw_oom(__func__);
        /* one destination keeps the ids of the incoming-webhook setup */
        gw_wire_notice_prefix(prefix, sizeof(prefix), c->round, c->page + 1,
                              ndests > 1 ? dests[d] : GW_DEST_SLACK);
        gw_outbox_batch_init(&batches[d], messages, dests[d], GW_MSG_BREACH, prefix, 0);
        json_decref(messages);
        gw_outbox_batch_append(&msgs, &nmsgs, &batches[d]);
        if (edits)
            keep_notices(&notices, &nnotices, &batches[d], dests[d], &mp, mine, per_msg);
    }
    c->messages += (long)nmsgs;
    struct gw_breach_lease l = lease(c);
    gw_breaches_emit(c->d.store, &l, c->page, GW_BREACH_PAGE, notices, nnotices, msgs, nmsgs,
                     on_emitted, c);
    for (size_t i = 0; i < nnotices; i++)
        free((char *)notices[i].descriptor);
    free(notices);
    free(per_msg);
    for (size_t d = 0; d < ndests; d++)
        gw_outbox_batch_clear(&batches[d]);
    free(batches);
    free(msgs);
    free(mine);
    free(dests);
}

static void
next_page(struct gw_breach_check *c)
{
    if (c->stopped || !gw_redis_ready(c->d.redis)) {
        done(c, NULL, NULL);
        return;
    }
    gw_breaches_rows(c->d.store, c->page, GW_BREACH_PAGE, on_rows, c);
}

static void
on_taken(const struct gw_breach_round *r, const struct gw_redis_error *err, void *arg)
{
    struct gw_breach_check *c = arg;

    if (err != NULL) {
        done(c, err, "SLA-breach check failed");
        return;
    }
    switch (r->step) {
    case GW_BREACH_TOOK:
        take(c);
        return;
    case GW_BREACH_READY:
        snprintf(c->round, sizeof(c->round), "%s", r->id);
        c->checked_at = r->checked_at;
        c->listed = r->listed;
        c->page = r->next_page;
        c->messages = 0;
        next_page(c);
        return;
    case GW_BREACH_BUSY:
    case GW_BREACH_NONE:
        done(c, NULL, NULL);
        return;
    }
}

static void
take(struct gw_breach_check *c)
{
    if (c->stopped || !gw_redis_ready(c->d.redis)) {
        done(c, NULL, NULL);
        return;
    }
    struct gw_breach_lease l = lease(c);
    gw_breaches_take(c->d.store, &l, gw_now(), GW_BREACH_TAKE_BATCH, on_taken, c);
}

void
gw_breach_check_run(struct gw_breach_check *c)
{
    if (c->busy || c->stopped || !gw_redis_ready(c->d.redis))
        return;
    c->busy = 1;
    take(c);
}
