#include "gateway/store/reports.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gateway/store/keys.h"
#include "gateway/util/log.h"
#include "lua_scripts.h"

const struct gw_digests_keys gw_digests_of_reports = {
    GW_KEY_REPORTS, GW_KEY_REPORTS_VERSION, GW_KEY_REPORTS_CHANGED, GW_KEY_REPORT_CLAIM,
    GW_REPORTS_KEPT};

struct gw_reports {
    struct gw_redis *redis;
    const struct gw_periods *periods;
    struct gw_redis_script read, expire, backfill;
};

struct gw_reports *
gw_reports_new(struct gw_redis *redis, const struct gw_periods *periods)
{
    struct gw_reports *s = calloc(1, sizeof(*s));
    if (s == NULL)
        return NULL;
    s->redis = redis;
    s->periods = periods;
    gw_redis_script_init(&s->read, "report_read", gw_lua_report_read);
    gw_redis_script_init(&s->expire, "report_expire", gw_lua_report_expire);
    gw_redis_script_init(&s->backfill, "since_backfill", gw_lua_since_backfill);
    return s;
}

void
gw_reports_free(struct gw_reports *s)
{
    free(s);
}

static void
week_key(struct gw_redis_args *a, const char *label)
{
    char key[GW_PERIOD_LABEL_MAX + 32];
    if (gw_key_buf(key, sizeof(key), GW_KEY_REPORT_WEEK, label) == NULL)
        gw_bug("period labels are short");
    gw_redis_args_key(a, key);
}

/* --- reading a report's aggregates ------------------------------------------------------ */

struct read_call {
    struct gw_reports *s;
    struct gw_period *periods;
    size_t nperiods;
    gw_report_data_cb cb;
    void *arg;
};

/* A group's name as stored: "component\0severity\0source". */
struct name {
    const char *p;
    size_t len;
};

static int
name_cmp(const void *a, const void *b)
{
    const struct name *x = a, *y = b;
    int c = memcmp(x->p, y->p, x->len < y->len ? x->len : y->len);
    return c != 0 ? c : (x->len > y->len) - (x->len < y->len);
}

/* The group part of a week's field "<group>\0<measure>", with the measure; -1 if malformed. */
static int
field_split(const redisReply *f, struct name *group, const char **measure)
{
    const char *last = NULL;
    int nuls = 0;
    for (size_t i = 0; i < f->len; i++) {
        if (f->str[i] == '\0') {
            last = f->str + i;
            nuls++;
        }
    }
    if (f->type != REDIS_REPLY_STRING || nuls != 3)
        return -1;
    group->p = f->str;
    group->len = (size_t)(last - f->str);
    *measure = last + 1;
    return 0;
}

static long long *
measure_of(struct gw_report_cell *c, const char *m)
{
    static const struct {
        const char *name;
        size_t offset;
    } counts[] = {
        {"opened", offsetof(struct gw_report_cell, opened)},
        {"reopened", offsetof(struct gw_report_cell, reopened)},
        {"resolved", offsetof(struct gw_report_cell, resolved)},
        {"met", offsetof(struct gw_report_cell, met)},
        {"breached", offsetof(struct gw_report_cell, breached)},
        {"ttr:sum", offsetof(struct gw_report_cell, ttr_sum)},
        {"tta:sum", offsetof(struct gw_report_cell, tta_sum)},
        {"tta:count", offsetof(struct gw_report_cell, tta_count)},
        {"net", offsetof(struct gw_report_cell, net)},
    };
    for (size_t i = 0; i < sizeof(counts) / sizeof(counts[0]); i++)
        if (strcmp(m, counts[i].name) == 0)
            return (long long *)((char *)c + counts[i].offset);
    if (strncmp(m, "ttr:", 4) == 0) {
        double bound = strtod(m + 4, NULL);
        for (size_t b = 0; b < GW_TICKET_NBUCKETS; b++)
            if (gw_ticket_bucket_bounds[b] == bound)
                return &c->ttr_buckets[b];
    }
    return NULL;
}

/* The groups named anywhere in reply (sorted, distinct) into *out; how many. */
static size_t
group_names(const redisReply *reply, struct name **out)
{
    size_t n = 0, cap = reply->element[0]->elements / 4 + 1;
    struct name *names;

    for (size_t w = 1; w < reply->elements; w++)
        cap += reply->element[w]->elements / 2;
    if ((names = calloc(cap, sizeof(*names))) == NULL)
        gw_oom(__func__);
    for (size_t i = 0; i + 3 < reply->element[0]->elements; i += 4) {
        const redisReply *g = reply->element[0]->element[i];
        names[n++] = (struct name){g->str, g->len};
    }
    for (size_t w = 1; w < reply->elements; w++) {
        const redisReply *h = reply->element[w];
        const char *measure;
        for (size_t i = 0; i + 1 < h->elements; i += 2)
            if (field_split(h->element[i], &names[n], &measure) == 0)
                n++;
    }
    qsort(names, n, sizeof(*names), name_cmp);
    size_t distinct = 0;
    for (size_t i = 0; i < n; i++)
        if (distinct == 0 || name_cmp(&names[distinct - 1], &names[i]) != 0)
            names[distinct++] = names[i];
    *out = names;
    return distinct;
}

static size_t
group_index(const struct name *names, size_t n, struct name key)
{
    const struct name *at = bsearch(&key, names, n, sizeof(*names), name_cmp);
    return at != NULL ? (size_t)(at - names) : n;
}

static void
on_read(redisReply *reply, const struct gw_redis_error *err, void *privdata)
{
    struct read_call *c = privdata;
    struct name *names = NULL;
    struct gw_report_group *groups = NULL;
    struct gw_report_cell *cells = NULL;
    char *arena = NULL;
    size_t n = 0;

    if (err == NULL && (reply->type != REDIS_REPLY_ARRAY || reply->elements != c->nperiods + 1))
        err = &gw_bad_reply;
    for (size_t i = 0; err == NULL && i < reply->elements; i++)
        if (reply->element[i]->type != REDIS_REPLY_ARRAY)
            err = &gw_bad_reply;
    if (err != NULL) {
        c->cb(NULL, err, c->arg);
        goto done;
    }
    n = group_names(reply, &names);
    size_t bytes = 0;
    for (size_t g = 0; g < n; g++)
        bytes += names[g].len + 1;
    groups = calloc(n + 1, sizeof(*groups));
    cells = calloc(c->nperiods * n + 1, sizeof(*cells));
    arena = malloc(bytes + 1);
    if (groups == NULL || cells == NULL || arena == NULL)
        gw_oom(__func__);
    for (size_t g = 0, at = 0; g < n; g++) {
        char *name = arena + at;
        memcpy(name, names[g].p, names[g].len);
        name[names[g].len] = '\0';
        at += names[g].len + 1;
        groups[g].component = name;
        groups[g].severity = name + strlen(name) + 1;
        groups[g].source = groups[g].severity + strlen(groups[g].severity) + 1;
    }
    for (size_t i = 0; i + 3 < reply->element[0]->elements; i += 4) {
        redisReply **v = reply->element[0]->element + i;
        size_t g = group_index(names, n, (struct name){v[0]->str, v[0]->len});
        if (g == n)
            continue;
        groups[g].open_now = gw_reply_int(v[1]);
        groups[g].oldest_since = gw_reply_int(v[2]);
        groups[g].oldest_id = v[3]->str;
    }
    for (size_t w = 1; w < reply->elements; w++) {
        const redisReply *h = reply->element[w];
        for (size_t i = 0; i + 1 < h->elements; i += 2) {
            struct name group;
            const char *measure;
            size_t g;
            if (field_split(h->element[i], &group, &measure) != 0 ||
                (g = group_index(names, n, group)) == n)
                continue;
            struct gw_report_cell *cell = &cells[(w - 1) * n + g];
            const redisReply *v = h->element[i + 1];
            long long *m;
            if (strcmp(measure, "gone") == 0 && v->type == REDIS_REPLY_STRING) {
                char *space = strchr(v->str, ' ');
                cell->gone_since = strtoll(v->str, NULL, 10);
                cell->gone_id = space != NULL ? space + 1 : NULL;
            } else if ((m = measure_of(cell, measure)) != NULL) {
                *m = gw_reply_int(v);
            }
        }
    }
    struct gw_report_data data = {c->periods, c->nperiods, GW_REPORT_HISTORY - 1, groups, n, cells};
    c->cb(&data, NULL, c->arg);
done:
    free(names);
    free(groups);
    free(cells);
    free(arena);
    free(c->periods);
    free(c);
}

/* The weeks kept after the report's: added to the history's, then everything is read. */
static void
on_later(redisReply *reply, const struct gw_redis_error *err, void *privdata)
{
    struct read_call *c = privdata;
    struct gw_redis_args a;

    if (err == NULL && reply->type != REDIS_REPLY_ARRAY)
        err = &gw_bad_reply;
    if (err != NULL) {
        c->cb(NULL, err, c->arg);
        free(c->periods);
        free(c);
        return;
    }
    struct gw_period *grown = realloc(c->periods, (c->nperiods + reply->elements + 1) * sizeof(*grown));
    if (grown == NULL)
        gw_oom(__func__);
    c->periods = grown;
    for (size_t i = 0; i < reply->elements; i++) {
        struct gw_period p;
        const redisReply *label = reply->element[i];
        /* A week of another time zone or period length (the setting changed) still counts. */
        if (label->type != REDIS_REPLY_STRING ||
            gw_period_parse(c->s->periods, label->str, &p) != 0) {
            p = (struct gw_period){"", 0, 0};
            if (label->type != REDIS_REPLY_STRING || strlen(label->str) >= sizeof(p.label))
                continue;
            snprintf(p.label, sizeof(p.label), "%s", label->str);
        }
        c->periods[c->nperiods++] = p;
    }
    gw_redis_args_init(&a);
    gw_redis_args_key(&a, GW_KEY_IX_SINCE);
    for (size_t i = 0; i < c->nperiods; i++)
        week_key(&a, c->periods[i].label);
    gw_redis_eval_args(c->s->redis, &c->s->read, &a, on_read, c);
}

void
gw_reports_read(struct gw_reports *s, const struct gw_period *week, gw_report_data_cb cb, void *arg)
{
    struct read_call *c = calloc(1, sizeof(*c));
    char after[32];

    if (c == NULL || (c->periods = calloc(GW_REPORT_HISTORY, sizeof(*c->periods))) == NULL)
        gw_oom(__func__);
    c->s = s;
    c->cb = cb;
    c->arg = arg;
    c->nperiods = GW_REPORT_HISTORY;
    c->periods[GW_REPORT_HISTORY - 1] = *week;
    for (size_t i = GW_REPORT_HISTORY - 1; i > 0; i--)
        gw_period_prev(s->periods, &c->periods[i], &c->periods[i - 1]);
    snprintf(after, sizeof(after), "(%lld", (long long)week->start);
    const char *argv[] = {"ZRANGEBYSCORE", GW_KEY_REPORT_WEEKS, after, "+inf"};
    gw_redis_command(s->redis, on_later, c, 4, argv, NULL);
}

/* --- retention and the since index's backfill ------------------------------------------ */

struct expire_call {
    struct gw_reports *s;
    gw_deleted_cb cb;
    void *arg;
};

static void
on_expirable(redisReply *reply, const struct gw_redis_error *err, void *privdata)
{
    struct expire_call *c = privdata;
    struct gw_redis_args a;

    if (err == NULL && reply->type != REDIS_REPLY_ARRAY)
        err = &gw_bad_reply;
    if (err != NULL || reply->elements == 0) {
        c->cb(0, err, c->arg);
        free(c);
        return;
    }
    gw_redis_args_init(&a);
    gw_redis_args_key(&a, GW_KEY_REPORT_WEEKS);
    for (size_t i = 0; i < reply->elements; i++) {
        const redisReply *label = reply->element[i];
        if (label->type != REDIS_REPLY_STRING || label->len >= GW_PERIOD_LABEL_MAX)
            continue;
        week_key(&a, label->str);
        gw_redis_args_str(&a, label->str);
    }
    gw_redis_eval_args(c->s->redis, &c->s->expire, &a, gw_on_deleted,
                       gw_deleted_call_new(c->cb, c->arg));
    free(c);
}

void
gw_reports_expire(struct gw_reports *s, int64_t cutoff, long limit, gw_deleted_cb cb, void *arg)
{
    struct expire_call *c = malloc(sizeof(*c));
    char before[32], count[24];

    if (c == NULL)
        gw_oom(__func__);
    *c = (struct expire_call){s, cb, arg};
    /* A week ends at most a period length (plus a DST hour) after it starts. */
    snprintf(before, sizeof(before), "(%lld",
             (long long)(cutoff - gw_period_length(s->periods) - 3600));
    snprintf(count, sizeof(count), "%ld", limit);
    const char *argv[] = {"ZRANGEBYSCORE", GW_KEY_REPORT_WEEKS, "-inf", before, "LIMIT", "0", count};
    gw_redis_command(s->redis, on_expirable, c, 7, argv, NULL);
}

void
gw_reports_backfill(struct gw_reports *s, long limit, gw_deleted_cb cb, void *arg)
{
    struct gw_redis_args a;

    gw_redis_args_init(&a);
    gw_ticket_keys(&a);
    gw_redis_args_key(&a, GW_KEY_IX_SINCE_CURSOR);
    gw_redis_args_int(&a, limit);
    gw_redis_eval_args(s->redis, &s->backfill, &a, gw_on_deleted, gw_deleted_call_new(cb, arg));
}
