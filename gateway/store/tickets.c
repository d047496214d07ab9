#include "gateway/store/tickets.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gateway/core/period.h"
#include "gateway/util/clock.h"
#include "gateway/store/keys.h"
#include "gateway/store/row.h"
#include "gateway/util/log.h"
#include "gateway/util/parse.h"
#include "lua_scripts.h"

static size_t count_pairs(const redisReply *pairs, struct gw_count *out);

size_t
gw_ticket_cursor(const struct gw_ticket *t, char *buf)
{
    /* "<age>\0<id>": age is 12 hex digits of 2^48-1-updated_at (lib/ticket.lua ticket_age) */
    const int64_t max48 = 281474976710655LL;
    int64_t updated = t->updated_at < 0 ? 0 : t->updated_at > max48 ? max48 : t->updated_at;
    size_t idlen = strlen(t->id);

    if (13 + idlen > GW_TICKET_CURSOR_MAX)
        return 0;
    uint64_t age = (uint64_t)(max48 - updated);
    for (int i = 11; i >= 0; i--, age >>= 4)
        buf[i] = "0123456789abcdef"[age & 15];
    buf[12] = '\0';
    memcpy(buf + 13, t->id, idlen);
    return 13 + idlen;
}

GW_CALL(stats_call, gw_stats_cb)
GW_CALL(timeline_call, gw_timeline_cb)

struct gw_tickets {
    struct gw_redis *redis;
    int64_t keep_seconds;     /* KAIZEN_RETENTION */
    struct gw_ticket_routing routing;
    const struct gw_periods *periods;   /* NULL: no weekly aggregates */
    struct gw_redis_script apply, list, urgent, stats, retention, ack, timeline;
};

struct gw_tickets *
gw_tickets_new(struct gw_redis *redis, int64_t retention, const struct gw_ticket_routing *routing,
               const struct gw_periods *periods)
{
    struct gw_tickets *s = calloc(1, sizeof(*s));
    if (s == NULL)
        return NULL;
    s->redis = redis;
    s->keep_seconds = retention;
    s->routing = *routing;
    s->periods = periods;
    gw_redis_script_init(&s->ack, "ticket_ack", gw_lua_ticket_ack);
    gw_redis_script_init(&s->apply, "ticket_apply", gw_lua_ticket_apply);
    gw_redis_script_init(&s->list, "ticket_list", gw_lua_ticket_list);
    gw_redis_script_init(&s->urgent, "ticket_urgent", gw_lua_ticket_urgent);
    gw_redis_script_init(&s->retention, "ticket_retention", gw_lua_ticket_retention);
    gw_redis_script_init(&s->stats, "ticket_stats", gw_lua_ticket_stats);
    gw_redis_script_init(&s->timeline, "ticket_timeline", gw_lua_ticket_timeline);
    return s;
}

void
gw_tickets_free(struct gw_tickets *s)
{
    free(s);
}

static const char *const status_names[] = {
    [GW_APPLY_ACCEPTED] = "accepted",
    [GW_APPLY_DUPLICATE] = "duplicate",
    [GW_APPLY_STALE] = "stale",
    [GW_APPLY_IGNORED] = "ignored",
};

const char *
gw_apply_status_name(enum gw_apply_status s)
{
    return status_names[s];
}

/* --- rows ------------------------------------------------------------------ */

/* The order of lib/ticket.lua; the first five are what its indexes read. */
enum { F_STATE, F_COMPONENT, F_SEVERITY, F_UPDATED, F_DEADLINE, F_CREATED, F_RESOLVED,
       F_SOURCE, F_ID, F_URL, F_TITLE, F_COUNT,
       /* An acknowledged or reopened ticket's row as listings return it: the
        * ack and the reopen count appended ({kz}:ticket_ack, {kz}:ticket_reopen;
        * never stored in the row itself). */
       F_ACKED_BY = F_COUNT, F_ACKED_AT, F_REOPENED, F_EXTENDED_COUNT };

/* The stored form of a ticket: its fields joined by NUL bytes; a malloc'd row and its length. */
static char *
row_encode(const struct gw_ticket *t, size_t *len)
{
    char updated[GW_INT_TEXT], deadline[GW_INT_TEXT], created[GW_INT_TEXT], resolved[GW_INT_TEXT];
    const char *f[F_COUNT];

    f[F_STATE] = gw_ticket_state_name(t->state);
    f[F_COMPONENT] = t->component;
    f[F_SEVERITY] = gw_severity_name(t->severity);
    f[F_UPDATED] = gw_int_text(t->updated_at, updated);
    f[F_DEADLINE] = gw_int_text(t->sla_deadline, deadline);
    f[F_CREATED] = gw_int_text(t->created_at, created);
    f[F_RESOLVED] = gw_int_text(t->resolved_at, resolved);
    f[F_SOURCE] = t->source;
    f[F_ID] = t->id;
    f[F_URL] = t->url;
    f[F_TITLE] = t->title;
    return gw_row_join(f, F_COUNT, len);
}

/* Splits row[0..len) in place (t points into it); -1 if it is malformed. */
static int
row_decode(char *row, size_t len, struct gw_ticket *t)
{
    char *f[F_EXTENDED_COUNT];
    int extended = gw_row_split(row, len, f, F_EXTENDED_COUNT) == 0;

    if (!extended && gw_row_split(row, len, f, F_COUNT) != 0)
        return -1;
    memset(t, 0, sizeof(*t));
    t->state = strcmp(f[F_STATE], "resolved") == 0 ? GW_TICKET_RESOLVED : GW_TICKET_OPEN;
    t->component = f[F_COMPONENT];
    t->severity = gw_severity_parse(f[F_SEVERITY]);
    t->updated_at = strtoll(f[F_UPDATED], NULL, 10);
    t->sla_deadline = strtoll(f[F_DEADLINE], NULL, 10);
    t->created_at = strtoll(f[F_CREATED], NULL, 10);
    t->resolved_at = strtoll(f[F_RESOLVED], NULL, 10);
    t->source = f[F_SOURCE];
    t->id = f[F_ID];
    t->url = f[F_URL];
    t->title = f[F_TITLE];
    if (extended && *f[F_ACKED_BY] != '\0') {
        t->acked_by = f[F_ACKED_BY];
        t->acked_at = strtoll(f[F_ACKED_AT], NULL, 10);
    }
    if (extended)
        t->reopened = strtoll(f[F_REOPENED], NULL, 10);
    return 0;
}

/* --- apply ----------------------------------------------------------------- */

struct apply_call {
    gw_apply_cb cb;
    void *arg;
    size_t n;
};

static void
on_applied(redisReply *reply, const struct gw_redis_error *err, void *privdata)
{
    struct apply_call *c = privdata;
    struct gw_apply_result *results = NULL;

    if (err == NULL && (reply->type != REDIS_REPLY_ARRAY ||
                        (reply->elements != c->n && reply->elements != 1)))
        err = &gw_bad_reply;
    if (err == NULL && (results = calloc(c->n, sizeof(*results))) == NULL)
        gw_oom(__func__);
    for (size_t i = 0; err == NULL && i < c->n; i++) {
        /* {'duplicate'} stands for every change of the delivery */
        redisReply *word = reply->element[reply->elements == 1 ? 0 : i];
        int found = 0;
        for (size_t s = 0; word != NULL && word->type == REDIS_REPLY_STRING &&
                           s < sizeof(status_names) / sizeof(status_names[0]); s++) {
            if (strcmp(word->str, status_names[s]) == 0) {
                results[i].status = (enum gw_apply_status)s;
                found = 1;
            }
        }
        if (!found)
            err = &gw_bad_reply;
    }
    c->cb(err == NULL ? results : NULL, err == NULL ? c->n : 0, err, c->arg);
    free(results);
    free(c);
}

static const char *const ops[] = {
    [GW_OP_NONE] = "none", [GW_OP_UPSERT] = "upsert", [GW_OP_DROP] = "drop",
    [GW_OP_REMOVE] = "remove",
};

/* The keys of lib/notice.lua and the outbox keys of an edit; returns the first one's index. */
static int
notice_keys(struct gw_redis_args *a)
{
    int first = gw_redis_args_key_once(a, GW_KEY_NOTICE_OF);

    gw_redis_args_key_once(a, GW_KEY_NOTICE_MSG);
    gw_outbox_keys(a);
    return first;
}

/*
 * The weeks of times[0..n) as lib/report.lua's report_context reads them,
 * "<KEYS index> <start> <label> " each ("0 0 - " for a time of 0), their
 * keys added to a once; and the weeks index, into *weeks (0 without periods).
 */
static void
week_spec(const struct gw_tickets *s, struct gw_redis_args *a, const int64_t *times, size_t n,
          int *weeks, char *spec, size_t len)
{
    size_t used = 0;

    spec[0] = '\0';
    *weeks = s->periods != NULL ? gw_redis_args_key_once(a, GW_KEY_REPORT_WEEKS) : 0;
    for (size_t i = 0; i < n; i++) {
        struct gw_period p = {"-", 0, 0};
        char key[GW_PERIOD_LABEL_MAX + 32];
        int index = 0, w;
        if (s->periods != NULL && times[i] > 0) {
            gw_period_of(s->periods, times[i], &p);
            index = gw_redis_args_key_once(a, gw_key_buf(key, sizeof(key), GW_KEY_REPORT_WEEK, p.label));
        }
        w = snprintf(spec + used, len - used, "%d %lld %s ", index, (long long)p.start, p.label);
        if (w < 0 || (size_t)w >= len - used)
            gw_bug("a week spec fits");
        used += (size_t)w;
    }
}

#define WEEK_SPEC_LEN (3 * (GW_PERIOD_LABEL_MAX + 48))

void
gw_tickets_apply(struct gw_tickets *s, const char *github_delivery, int64_t ttl,
                 const struct gw_ticket_change *changes, size_t n, gw_apply_cb cb, void *arg)
{
    struct apply_call *c = malloc(sizeof(*c));
    struct gw_redis_args a;

    if (c == NULL)
        gw_oom(__func__);
    c->cb = cb;
    c->arg = arg;
    c->n = n;
    gw_redis_args_init(&a);
    gw_ticket_keys(&a);
    gw_redis_args_int(&a, gw_now());
    gw_redis_args_int(&a, ttl);
    gw_redis_args_int(&a, (long long)n);
    gw_redis_args_int(&a, s->keep_seconds > 0 ? gw_now() - s->keep_seconds : 0);
    for (size_t i = 0; i < n; i++) {
        char tomb[600], *key = gw_key_buf(tomb, sizeof(tomb), GW_KEY_TOMB, changes[i].ticket.id);
        if (key == NULL && (key = gw_key(GW_KEY_TOMB, changes[i].ticket.id)) == NULL)
            gw_oom(__func__);
        gw_redis_args_key(&a, key);
        if (key != tomb)
            free(key);
    }
    if (github_delivery != NULL) {
        char buf[GW_KEY_DELIVERY_LEN], *key = gw_key_github_delivery(buf, sizeof(buf), github_delivery);
        if (key == NULL)
            gw_bug("the handler takes ids that fit");
        gw_redis_args_key(&a, key);
    }
    gw_redis_args_int(&a, github_delivery != NULL);
    gw_redis_args_int(&a, s->routing.edits ? notice_keys(&a) : 0);
    gw_redis_args_str(&a, GW_WIRE_EDIT_PREFIX);
    gw_redis_args_int(&a, s->periods != NULL ? gw_redis_args_key_once(&a, GW_KEY_REPORT_WEEKS) : 0);
    for (size_t i = 0; i < n; i++) {
        const struct gw_ticket *t = &changes[i].ticket;
        char dest[GW_OUTBOX_DEST_MAX] = "", spec[WEEK_SPEC_LEN];
        int64_t times[3] = {t->created_at, t->resolved_at, t->updated_at};
        size_t len = 0;
        int weeks;
        char *row = row_encode(t, &len);

        if (row == NULL)
            gw_oom(__func__);
        gw_redis_args_str(&a, ops[changes[i].op]);
        gw_redis_args_str(&a, t->id);
        gw_redis_args_mem(&a, row, len);
        free(row);
        gw_redis_args_int(&a, changes[i].sla_restart != 0 ? changes[i].sla_restart : t->sla_deadline);
        if (s->routing.edits)
            s->routing.route(s->routing.ctx, t, dest, sizeof(dest));
        gw_redis_args_str(&a, dest);
        gw_redis_args_int(&a, *dest != '\0' ? gw_outbox_queue_key(&a, dest, GW_MSG_BREACH) : 0);
        week_spec(s, &a, times, 3, &weeks, spec, sizeof(spec));
        gw_redis_args_str(&a, spec);
    }
    a.durable = 1; /* someone is told it happened */
    gw_redis_eval_args(s->redis, &s->apply, &a, on_applied, c);
}

/* A batch: bounded scripts, one after the other, each the next GW_TICKETS_BATCH changes. */

struct batch_call {
    struct gw_tickets *s;
    int64_t ttl;
    const struct gw_ticket_change *changes;
    size_t n, sent;                   /* changes[0..sent) are in scripts sent */
    struct gw_apply_result *results;  /* n of them */
    struct gw_apply_outcome out;
    gw_apply_batch_cb cb;
    void *arg;
};

static void batch_send(struct batch_call *b);

static void
on_batch_applied(const struct gw_apply_result *results, size_t n,
                 const struct gw_redis_error *err, void *arg)
{
    struct batch_call *b = arg;

    if (err != NULL) {
        b->out.failed = b->sent - b->out.nresults;
    } else {
        memcpy(b->results + b->out.nresults, results, n * sizeof(*results));
        for (size_t i = 0; i < n; i++) {
            if (results[i].status == GW_APPLY_STALE)
                b->out.stale++;
            else
                b->out.applied++;
        }
        b->out.nresults += n;
        if (b->sent < b->n) {
            batch_send(b);
            return;
        }
    }
    b->cb(&b->out, err, b->arg);
    free(b->results);
    free(b);
}

static void
batch_send(struct batch_call *b)
{
    size_t first = b->sent, n = b->n - first < GW_TICKETS_BATCH ? b->n - first : GW_TICKETS_BATCH;

    b->sent += n;
    gw_tickets_apply(b->s, NULL, b->ttl, &b->changes[first], n, on_batch_applied, b);
}

void
gw_tickets_apply_batch(struct gw_tickets *s, int64_t ttl, const struct gw_ticket_change *changes,
                       size_t n, gw_apply_batch_cb cb, void *arg)
{
    struct batch_call *b = calloc(1, sizeof(*b));

    if (b == NULL || (b->results = calloc(n, sizeof(*b->results))) == NULL) {
        gw_oom("applying a batch of ticket changes");
    }
    b->s = s;
    b->ttl = ttl;
    b->changes = changes;
    b->n = n;
    b->out.results = b->results;
    b->cb = cb;
    b->arg = arg;
    batch_send(b);
}

/* An ack: where the ticket's notice went is read first (its queue is a key), then the ack. */

static void
ack_args(struct gw_redis_args *a, const char *op, const char *id)
{
    gw_redis_args_init(a);
    gw_ticket_keys(a);
    notice_keys(a);
    gw_redis_args_str(a, op);
    gw_redis_args_str(a, id);
}

static void
on_ack_target(redisReply *reply, const struct gw_redis_error *err, void *privdata)
{
    struct gw_ack_call *k = privdata;
    struct gw_tickets *s = k->store;
    struct gw_redis_args a;
    const char *dest = "";
    char spec[WEEK_SPEC_LEN];
    int weeks;

    if (err == NULL && reply->type != REDIS_REPLY_STRING)
        err = &gw_bad_reply;
    if (err != NULL) {
        k->cb(GW_ACK_UNKNOWN, err, k->arg);
    } else {
        if (s->routing.edits)
            dest = reply->str;
        ack_args(&a, "ack", k->id);
        gw_redis_args_int(&a, *dest != '\0' ? gw_outbox_queue_key(&a, dest, GW_MSG_BREACH) : 0);
        gw_redis_args_str(&a, dest);
        gw_redis_args_int(&a, k->at);
        gw_redis_args_str(&a, k->by);
        gw_redis_args_int(&a, gw_now_ms());
        gw_redis_args_str(&a, GW_WIRE_EDIT_PREFIX);
        week_spec(s, &a, &k->at, 1, &weeks, spec, sizeof(spec));
        gw_redis_args_int(&a, weeks);
        gw_redis_args_str(&a, spec);
        a.durable = 1;
        gw_redis_eval_args(s->redis, &s->ack, &a, gw_on_acked, gw_acked_call_new(k->cb, k->arg));
    }
    gw_ack_call_free(k);
}

void
gw_tickets_ack(struct gw_tickets *s, const char *id, const char *by, int64_t at, gw_ack_cb cb,
               void *arg)
{
    struct gw_ack_call *k = gw_ack_call_new(s, id, by, at, cb, arg);
    struct gw_redis_args a;

    ack_args(&a, "read", id);
    gw_redis_eval_args(s->redis, &s->ack, &a, on_ack_target, k);
}

struct gw_ticket *
gw_ticket_rows_decode(const redisReply *reply, size_t first, size_t *n)
{
    struct gw_ticket *tickets = NULL;

    *n = 0;
    if (reply->elements > first && (tickets = calloc(reply->elements - first, sizeof(*tickets))) == NULL)
        gw_oom(__func__);
    for (size_t r = first; r < reply->elements; r++) {
        redisReply *e = reply->element[r];
        if (e->type == REDIS_REPLY_STRING && row_decode(e->str, e->len, &tickets[*n]) == 0)
            (*n)++;
    }
    return tickets;
}

/* --- listings ---------------------------------------------------------------- */

enum list_kind { LIST_PAGE, LIST_URGENT };

struct list_call {
    gw_tickets_cb cb;
    void *arg;
    enum list_kind kind;
};

/*
 * reply: the page's next cursor (LIST_PAGE) or the open counts (LIST_URGENT)
 * first, then rows (nil for a ticket listed but gone); tickets point into it.
 */
static void
on_rows(redisReply *reply, const struct gw_redis_error *err, void *privdata)
{
    struct list_call *c = privdata;
    struct gw_ticket_list list;
    struct gw_ticket *tickets = NULL;
    struct gw_count *open = NULL;
    memset(&list, 0, sizeof(list));
    if (err == NULL && (reply->type != REDIS_REPLY_ARRAY || reply->elements < 1))
        err = &gw_bad_reply;
    if (err == NULL) {
        redisReply *head = reply->element[0];
        if (c->kind == LIST_PAGE && head->type == REDIS_REPLY_STRING && head->len > 0) {
            list.next = head->str;
            list.next_len = head->len;
        } else if (c->kind == LIST_URGENT && head->type == REDIS_REPLY_ARRAY) {
            if ((open = calloc(head->elements / 2 + 1, sizeof(*open))) == NULL)
                gw_oom(__func__);
            list.open = open;
            list.nopen = count_pairs(head, open);
        }
    }
    if (err == NULL)
        list.tickets = tickets = gw_ticket_rows_decode(reply, 1, &list.n);
    c->cb(err == NULL ? &list : NULL, err, c->arg);
    free(tickets);
    free(open);
    free(c);
}

static struct list_call *
list_call_new(gw_tickets_cb cb, void *arg, enum list_kind kind)
{
    struct list_call *c = calloc(1, sizeof(*c));
    if (c == NULL)
        gw_oom(__func__);
    c->cb = cb;
    c->arg = arg;
    c->kind = kind;
    return c;
}

/* 12 hex digits of 2^48-1-t: a change's <age> in the indexes (lib/ticket.lua). */
static void
age_hex(int64_t t, char out[13])
{
    const int64_t max = 281474976710655LL;
    t = t < 0 ? 0 : t > max ? max : t;
    snprintf(out, 13, "%012llx", (long long)(max - t));
}

void
gw_tickets_list(struct gw_tickets *s, const struct gw_ticket_filter *f, gw_tickets_cb cb,
                void *arg)
{
    static const char *const states[] = {
        [GW_STATE_DEFAULT] = "default", [GW_STATE_OPEN] = "open",
        [GW_STATE_RESOLVED] = "resolved", [GW_STATE_ALL] = "all"};
    char severity[2] = "", cutoff[13];
    struct gw_redis_args a;

    if (f->severity != GW_SEV_NONE)
        severity[0] = (char)('0' + f->severity);
    age_hex(f->now - f->recent_seconds, cutoff);
    gw_redis_args_init(&a);
    gw_ticket_keys(&a);
    gw_redis_args_str(&a, states[f->state]);
    gw_redis_args_str(&a, f->component != NULL ? f->component : "");
    gw_redis_args_str(&a, severity);
    gw_redis_args_mem(&a, f->cursor != NULL ? f->cursor : "", f->cursor != NULL ? f->cursor_len : 0);
    gw_redis_args_int(&a, f->limit > 0 && f->limit <= GW_TICKETS_PAGE_MAX ? f->limit : 100);
    gw_redis_args_str(&a, cutoff);
    gw_redis_eval_args(s->redis, &s->list, &a, on_rows, list_call_new(cb, arg, LIST_PAGE));
}

void
gw_tickets_urgent(struct gw_tickets *s, long limit, gw_tickets_cb cb, void *arg)
{
    struct gw_redis_args a;

    gw_redis_args_init(&a);
    gw_ticket_keys(&a);
    gw_redis_args_int(&a, limit);
    gw_redis_eval_args(s->redis, &s->urgent, &a, on_rows, list_call_new(cb, arg, LIST_URGENT));
}

void
gw_tickets_expire(struct gw_tickets *s, int64_t cutoff, long limit, gw_deleted_cb cb, void *arg)
{
    char age[13];
    struct gw_redis_args a;

    age_hex(cutoff, age);
    gw_redis_args_init(&a);
    gw_ticket_keys(&a);
    gw_redis_args_str(&a, age);
    gw_redis_args_int(&a, limit);
    gw_redis_args_int(&a, gw_now());
    gw_redis_eval_args(s->redis, &s->retention, &a, gw_on_deleted, gw_deleted_call_new(cb, arg));
}

void
gw_tickets_version(struct gw_tickets *s, gw_version_cb cb, void *arg)
{
    gw_store_version(s->redis, GW_KEY_TICKETS_VERSION, GW_KEY_TICKETS_CHANGED, cb, arg);
}

/* --- stats ------------------------------------------------------------------- */

/* "component\0severity" -> count pairs (an HGETALL reply) into out; returns how many. */
static size_t
count_pairs(const redisReply *pairs, struct gw_count *out)
{
    size_t n = 0;
    for (size_t i = 0; i + 1 < pairs->elements; i += 2) {
        redisReply *field = pairs->element[i];
        char *nul = memchr(field->str, '\0', field->len);
        if (nul == NULL)
            continue;
        out[n].component = field->str;
        out[n].severity = nul + 1;
        out[n++].count = gw_reply_int(pairs->element[i + 1]);
    }
    return n;
}

/* One histogram of a measures row (ticket_stats.lua): sum, count, then the buckets. */
static size_t
histogram_of(redisReply **v, struct gw_time_histogram *h)
{
    h->sum = gw_reply_int(v[0]);
    h->count = gw_reply_int(v[1]);
    for (size_t b = 0; b < GW_TICKET_NBUCKETS; b++)
        h->buckets[b] = gw_reply_int(v[2 + b]);
    return 2 + GW_TICKET_NBUCKETS;
}

/* The measures rows (ticket_stats.lua) into out; returns how many. */
enum { MEASURES_WIDTH = 1 + 2 * (2 + GW_TICKET_NBUCKETS) + 3 };
static size_t
measures_of(const redisReply *rows, struct gw_ticket_measures *out)
{
    size_t n = 0;
    for (size_t i = 0; i + MEASURES_WIDTH <= rows->elements; i += MEASURES_WIDTH) {
        redisReply **v = rows->element + i;
        char *nul;
        if (v[0]->type != REDIS_REPLY_STRING || (nul = memchr(v[0]->str, '\0', v[0]->len)) == NULL)
            continue;
        struct gw_ticket_measures *m = &out[n++];
        size_t at = 1;
        m->component = v[0]->str;
        m->severity = nul + 1;
        at += histogram_of(v + at, &m->resolve);
        at += histogram_of(v + at, &m->ack);
        m->sla_met = gw_reply_int(v[at]);
        m->sla_breached = gw_reply_int(v[at + 1]);
        m->reopened = gw_reply_int(v[at + 2]);
    }
    return n;
}

static void
on_stats(redisReply *reply, const struct gw_redis_error *err, void *privdata)
{
    struct stats_call *c = privdata;
    struct gw_count *open = NULL, *breached = NULL;
    struct gw_ticket_measures *measures = NULL;
    struct gw_stats stats;

    memset(&stats, 0, sizeof(stats));
    if (err == NULL && (reply->type != REDIS_REPLY_ARRAY || reply->elements != 3))
        err = &gw_bad_reply;
    for (size_t i = 0; err == NULL && i < 3; i++)
        if (reply->element[i]->type != REDIS_REPLY_ARRAY)
            err = &gw_bad_reply;
    if (err == NULL) {
        redisReply *o = reply->element[0], *b = reply->element[1], *m = reply->element[2];
        open = calloc(o->elements / 2 + 1, sizeof(*open));
        breached = calloc(b->elements / 2 + 1, sizeof(*breached));
        measures = calloc(m->elements / MEASURES_WIDTH + 1, sizeof(*measures));
        if (open == NULL || breached == NULL || measures == NULL)
            gw_oom(__func__);
        stats.nopen = count_pairs(o, open);
        for (size_t i = 0; i + 1 < b->elements; i += 2) {
            breached[stats.nbreached].component = b->element[i]->str;
            breached[stats.nbreached++].count = b->element[i + 1]->integer;
        }
        stats.nmeasures = measures_of(m, measures);
        stats.open = open;
        stats.breached = breached;
        stats.measures = measures;
    }
    c->cb(err == NULL ? &stats : NULL, err, c->arg);
    free(open);
    free(breached);
    free(measures);
    free(c);
}

void
gw_tickets_stats(struct gw_tickets *s, int64_t now, gw_stats_cb cb, void *arg)
{
    struct gw_redis_args a;

    gw_redis_args_init(&a);
    gw_ticket_keys(&a);
    gw_redis_args_int(&a, now);
    gw_redis_eval_args(s->redis, &s->stats, &a, on_stats, stats_call_new(cb, arg));
}

/* --- timeline ---------------------------------------------------------------- */

static int
event_cmp(const void *a, const void *b)
{
    const struct gw_timeline_event *x = a, *y = b;
    if (x->at != y->at)
        return x->at < y->at ? -1 : 1;
    return x->event < y->event ? -1 : x->event > y->event;   /* as recorded: they point in order */
}

/* Splits the records of text (in place: "\30" between records, "\31" between fields). */
static size_t
events_split(char *text, size_t len, struct gw_timeline_event *out, size_t max)
{
    size_t n = 0;
    char *p = text, *end = text + len;

    while (p < end && n < max) {
        char *stop = memchr(p, 30, (size_t)(end - p)), *f[4];
        size_t k = 0;
        if (stop == NULL)
            stop = end;
        *stop = '\0';
        f[k++] = p;
        for (char *c = p; c < stop && k < 4; c++)
            if (*c == 31) {
                *c = '\0';
                f[k++] = c + 1;
            }
        if (k == 4)
            out[n++] = (struct gw_timeline_event){strtoll(f[0], NULL, 10), f[1], f[2], f[3]};
        p = stop + 1;
    }
    qsort(out, n, sizeof(*out), event_cmp);
    return n;
}

static void
on_timeline(redisReply *reply, const struct gw_redis_error *err, void *privdata)
{
    struct timeline_call *c = privdata;
    struct gw_timeline_event events[128];
    struct gw_ticket *t = NULL;
    size_t n = 0, nt = 0;

    if (err == NULL && (reply->type != REDIS_REPLY_ARRAY ||
                        (reply->elements != 0 && reply->elements != 3)))
        err = &gw_bad_reply;
    if (err == NULL && reply->elements == 3) {
        redisReply *text = reply->element[0];
        t = gw_ticket_rows_decode(reply, 2, &nt);
        if (nt == 0 || text->type != REDIS_REPLY_STRING)
            err = &gw_bad_reply;
        else
            n = events_split(text->str, text->len, events, sizeof(events) / sizeof(events[0]));
    }
    c->cb(err == NULL && nt > 0 ? t : NULL,
          err == NULL && nt > 0 ? gw_reply_int(reply->element[1]) : 0, events, n, err, c->arg);
    free(t);
    free(c);
}

void
gw_tickets_timeline(struct gw_tickets *s, const char *id, gw_timeline_cb cb, void *arg)
{
    struct gw_redis_args a;

    gw_redis_args_init(&a);
    gw_ticket_keys(&a);
    gw_redis_args_str(&a, id);
    gw_redis_eval_args(s->redis, &s->timeline, &a, on_timeline, timeline_call_new(cb, arg));
}
