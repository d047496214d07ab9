#include "gateway/core/report.h"

#include <stdlib.h>
#include <string.h>

#include "gateway/core/dates.h"

/* --- figures of one week -------------------------------------------------------------- */

double
gw_report_attainment(const struct gw_report_cell *c)
{
    long long n = c->met + c->breached;
    return n > 0 ? (double)c->met / (double)n : -1;
}

double
gw_report_mtta(const struct gw_report_cell *c)
{
    return c->tta_count > 0 ? (double)c->tta_sum / (double)c->tta_count : -1;
}

double
gw_report_mttr(const struct gw_report_cell *c)
{
    return c->resolved > 0 ? (double)c->ttr_sum / (double)c->resolved : -1;
}

double
gw_report_quantile(const struct gw_report_cell *c, double q)
{
    double rank = q * (double)c->resolved, below = 0;

    if (c->resolved <= 0)
        return -1;
    for (size_t b = 0; b < GW_TICKET_NBUCKETS; b++) {
        double cum = below + (double)c->ttr_buckets[b];
        if (cum >= rank && c->ttr_buckets[b] > 0) {
            double start = b == 0 ? 0 : gw_ticket_bucket_bounds[b - 1];
            double end = gw_ticket_bucket_bounds[b];
            return start + (end - start) * ((rank - below) / (double)c->ttr_buckets[b]);
        }
        below = cum;
    }
    /* In the +Inf bucket: the highest finite bound, as histogram_quantile answers. */
    return gw_ticket_bucket_bounds[GW_TICKET_NBUCKETS - 1];
}

static void
cell_add(struct gw_report_cell *to, const struct gw_report_cell *c)
{
    to->opened += c->opened;
    to->reopened += c->reopened;
    to->resolved += c->resolved;
    to->met += c->met;
    to->breached += c->breached;
    to->ttr_sum += c->ttr_sum;
    to->tta_sum += c->tta_sum;
    to->tta_count += c->tta_count;
    to->net += c->net;
    for (size_t b = 0; b < GW_TICKET_NBUCKETS; b++)
        to->ttr_buckets[b] += c->ttr_buckets[b];
}

/* Whether group g counts in a line: accepted, and of component (NULL: any). */
struct selection {
    const struct gw_report_data *d;
    const char *component;
    const unsigned char *accepted;   /* per group */
};

static int
selected(const struct selection *s, size_t g)
{
    return s->accepted[g] &&
           (s->component == NULL || strcmp(s->d->groups[g].component, s->component) == 0);
}

static void
oldest(struct gw_report_figures *f, int64_t since, const char *id, int64_t end)
{
    if (id == NULL || since >= end)
        return;
    if (f->oldest_id == NULL || since < f->oldest_since) {
        f->oldest_since = since;
        f->oldest_id = id;
    }
}

/*
 * Week p's figures. Open at its end: open now, less what every later week
 * gained. The oldest open then: of those open now, and of those that
 * stopped being open in a later week, the earliest opening before its end.
 */
static void
figures(const struct selection *s, size_t p, struct gw_report_figures *f)
{
    const struct gw_report_data *d = s->d;
    int64_t end = d->periods[p].end;

    memset(f, 0, sizeof(*f));
    for (size_t g = 0; g < d->ngroups; g++) {
        if (!selected(s, g))
            continue;
        cell_add(&f->sum, &d->cells[p * d->ngroups + g]);
        f->open_at_end += d->groups[g].open_now;
        oldest(f, d->groups[g].oldest_since, d->groups[g].oldest_id, end);
        for (size_t later = p + 1; later < d->nperiods; later++) {
            const struct gw_report_cell *c = &d->cells[later * d->ngroups + g];
            f->open_at_end -= c->net;
            oldest(f, c->gone_since, c->gone_id, end);
        }
    }
    if (f->open_at_end < 0)   /* only with back-dated events out of order */
        f->open_at_end = 0;
    if (f->open_at_end == 0)
        f->oldest_id = NULL;
}

static int
active(const struct gw_report_figures *f)
{
    const struct gw_report_cell *c = &f->sum;
    return c->opened + c->reopened + c->resolved + c->tta_count + f->open_at_end > 0;
}

static void
line_of(const struct selection *s, struct gw_report_line *l)
{
    const struct gw_report_data *d = s->d;

    l->component = s->component;
    figures(s, d->week, &l->week);
    figures(s, d->week - 1, &l->previous);
    for (size_t i = 0; i < GW_REPORT_HISTORY; i++) {
        size_t p = d->week + 1 - GW_REPORT_HISTORY + i;
        struct gw_report_cell sum;
        memset(&sum, 0, sizeof(sum));
        for (size_t g = 0; g < d->ngroups; g++)
            if (selected(s, g))
                cell_add(&sum, &d->cells[p * d->ngroups + g]);
        l->history[i] = (struct gw_report_point){&d->periods[p], sum.resolved,
                                                 gw_report_mttr(&sum), gw_report_attainment(&sum)};
    }
}

static int
line_cmp(const void *a, const void *b)
{
    const struct gw_report_line *x = a, *y = b;
    double ax = gw_report_attainment(&x->week.sum), ay = gw_report_attainment(&y->week.sum);

    if ((ax < 0) != (ay < 0))
        return ax < 0 ? 1 : -1;
    if (ax != ay)
        return ax < ay ? -1 : 1;
    return strcmp(x->component, y->component);
}

int
gw_report_build(const struct gw_report_data *d, gw_report_accept_fn accept, void *ctx,
                struct gw_report *r)
{
    unsigned char *accepted = calloc(d->ngroups + 1, 1);
    struct selection s = {d, NULL, accepted};

    memset(r, 0, sizeof(*r));
    if (accepted == NULL || d->week + 1 < GW_REPORT_HISTORY || d->week >= d->nperiods ||
        (r->lines = calloc(d->ngroups + 1, sizeof(*r->lines))) == NULL) {
        free(accepted);
        return -1;
    }
    r->week = &d->periods[d->week];
    r->previous = &d->periods[d->week - 1];
    for (size_t g = 0; g < d->ngroups; g++)
        accepted[g] = accept == NULL || accept(ctx, &d->groups[g]);
    for (size_t g = 0; g < d->ngroups; g++) {
        int seen = 0;
        if (!accepted[g])
            continue;
        for (size_t i = 0; i < r->nlines && !seen; i++)
            seen = strcmp(r->lines[i].component, d->groups[g].component) == 0;
        if (seen)
            continue;
        s.component = d->groups[g].component;
        line_of(&s, &r->lines[r->nlines]);
        if (active(&r->lines[r->nlines].week) || active(&r->lines[r->nlines].previous))
            r->nlines++;
    }
    qsort(r->lines, r->nlines, sizeof(*r->lines), line_cmp);
    s.component = NULL;
    line_of(&s, &r->totals);
    free(accepted);
    return 0;
}

void
gw_report_clear(struct gw_report *r)
{
    free(r->lines);
    memset(r, 0, sizeof(*r));
}

/* --- JSON ---------------------------------------------------------------------------- */

static json_t *
number(double v)
{
    return v < 0 ? json_null() : json_real(v);
}

static json_t *
time_text(int64_t t)
{
    char buf[GW_RFC3339_LEN];
    return json_string(gw_time_format_rfc3339(t, buf, sizeof(buf)));
}

static json_t *
figures_json(const struct gw_report_figures *f, const struct gw_period *p)
{
    const struct gw_report_cell *c = &f->sum;
    json_t *o = json_object(), *old = json_null();

    if (f->oldest_id != NULL)
        old = json_pack("{s:s, s:o, s:I}", "id", f->oldest_id, "opened_at",
                        time_text(f->oldest_since), "age_seconds",
                        (json_int_t)(p->end - f->oldest_since));
    json_object_set_new(o, "opened", json_integer(c->opened));
    json_object_set_new(o, "resolved", json_integer(c->resolved));
    json_object_set_new(o, "reopened", json_integer(c->reopened));
    json_object_set_new(o, "sla_met", json_integer(c->met));
    json_object_set_new(o, "sla_breached", json_integer(c->breached));
    json_object_set_new(o, "sla_attainment", number(gw_report_attainment(c)));
    json_object_set_new(o, "mtta_seconds", number(gw_report_mtta(c)));
    json_object_set_new(o, "mttr_seconds", number(gw_report_mttr(c)));
    json_object_set_new(o, "mttr_p50_seconds", number(gw_report_quantile(c, 0.5)));
    json_object_set_new(o, "mttr_p90_seconds", number(gw_report_quantile(c, 0.9)));
    json_object_set_new(o, "open_at_end", json_integer(f->open_at_end));
    json_object_set_new(o, "oldest_open", old != NULL ? old : json_null());
    return o;
}

static json_t *
line_json(const struct gw_report *r, const struct gw_report_line *l)
{
    json_t *o = l->component != NULL ? json_pack("{s:s}", "component", l->component)
                                     : json_object();
    json_t *prev = figures_json(&l->previous, r->previous), *history = json_array();
    json_t *week = figures_json(&l->week, r->week);

    json_object_set_new(prev, "week", json_string(r->previous->label));
    for (size_t i = 0; i < GW_REPORT_HISTORY; i++) {
        const struct gw_report_point *h = &l->history[i];
        json_array_append_new(history, json_pack("{s:s, s:o, s:o, s:I}", "week", h->period->label,
                                                 "mttr_seconds", number(h->mttr),
                                                 "sla_attainment", number(h->attainment),
                                                 "resolved", (json_int_t)h->resolved));
    }
    json_object_update(o, week);
    json_decref(week);
    json_object_set_new(o, "previous", prev);
    json_object_set_new(o, "history", history);
    return o;
}

json_t *
gw_report_json(const struct gw_report *r, const struct gw_report_meta *m)
{
    json_t *components = json_array();
    json_t *o = json_pack("{s:s, s:o, s:o, s:o, s:o, s:b}", "week", r->week->label, "from",
                          time_text(r->week->start), "to", time_text(r->week->end), "timezone",
                          m->timezone != NULL ? json_string(m->timezone) : json_null(), "route",
                          m->route != NULL ? json_string(m->route) : json_null(), "complete",
                          m->now >= r->week->end);

    if (o == NULL || components == NULL) {
        json_decref(o);
        json_decref(components);
        return NULL;
    }
    for (size_t i = 0; i < r->nlines; i++)
        json_array_append_new(components, line_json(r, &r->lines[i]));
    json_object_set_new(o, "components", components);
    json_object_set_new(o, "totals", line_json(r, &r->totals));
    return o;
}
