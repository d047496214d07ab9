/*
 * The weekly Kaizen report, computed from the per-week aggregates the store
 * keeps (store/lua/lib/report.lua) and the tickets open now, never from
 * tickets: its cost follows the groups and weeks read. Pure.
 *
 * A group is what a route matches on (component, severity, source); a
 * report takes the groups a filter accepts (a route's, or all) and sums
 * them per component.
 */
#ifndef GW_REPORT_H
#define GW_REPORT_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "gateway/core/measures.h"
#include "gateway/core/period.h"

#define GW_REPORT_HISTORY 12   /* weeks of history, the week itself the last */

/* One week's aggregates of one group, as counted. */
struct gw_report_cell {
    long long opened, reopened, resolved, met, breached;
    long long ttr_sum, tta_sum, tta_count;
    long long ttr_buckets[GW_TICKET_NBUCKETS];   /* per bucket, not cumulative; +Inf implied */
    long long net;                 /* open tickets gained (+) or lost (-) in the week */
    int64_t gone_since;            /* of those that stopped being open, the earliest opening */
    const char *gone_id;           /* NULL: none stopped */
};

struct gw_report_group {
    const char *component, *severity, *source;
    long long open_now;            /* open tickets now */
    int64_t oldest_since;          /* the opening of the oldest of them */
    const char *oldest_id;         /* NULL: none open */
};

/*
 * What the store read: periods[0..nperiods) ascending, the week asked for
 * at index week, GW_REPORT_HISTORY - 1 before it, every later week kept
 * after it; cells[p * ngroups + g]. Strings are borrowed.
 */
struct gw_report_data {
    const struct gw_period *periods;
    size_t nperiods, week;
    const struct gw_report_group *groups;
    size_t ngroups;
    const struct gw_report_cell *cells;
};

/* The figures of one week, summed over groups. */
struct gw_report_figures {
    struct gw_report_cell sum;     /* gone_* unused */
    long long open_at_end;
    int64_t oldest_since;          /* of the tickets open at the week's end */
    const char *oldest_id;         /* NULL: none */
};

struct gw_report_point {
    const struct gw_period *period;
    long long resolved;
    double mttr, attainment;       /* < 0: nothing to average */
};

struct gw_report_line {
    const char *component;         /* NULL for the totals */
    struct gw_report_figures week, previous;
    struct gw_report_point history[GW_REPORT_HISTORY];
};

struct gw_report {
    const struct gw_period *week, *previous;
    struct gw_report_line *lines;  /* worst attainment first (none last), then by name */
    size_t nlines;
    struct gw_report_line totals;
};

/* Which groups a report takes; NULL: all. */
typedef int (*gw_report_accept_fn)(void *ctx, const struct gw_report_group *g);

/*
 * The report of data's week over the groups accept takes: one line per
 * component with something to show (an opening, a resolution or an
 * acknowledgement in the week or the one before, or a ticket open at
 * either's end). 0, or -1 when out of memory (r is then empty).
 */
int gw_report_build(const struct gw_report_data *data, gw_report_accept_fn accept, void *ctx,
                    struct gw_report *r);
void gw_report_clear(struct gw_report *r);

/* Derived figures; < 0 when there is nothing to average. */
double gw_report_attainment(const struct gw_report_cell *c);
double gw_report_mtta(const struct gw_report_cell *c);
double gw_report_mttr(const struct gw_report_cell *c);
/*
 * The q-quantile of the resolutions' times, from the buckets as
 * Prometheus's histogram_quantile interpolates them (linear within a
 * bucket; in the +Inf bucket, the highest finite bound). < 0: none.
 */
double gw_report_quantile(const struct gw_report_cell *c, double q);

/* What the JSON says about where the report comes from. Strings borrowed. */
struct gw_report_meta {
    const char *timezone;          /* NULL in KAIZEN_REPORT_EVERY mode */
    const char *route;             /* NULL: every route */
    int64_t now;                   /* "complete": the week is over */
};

/* The report as docs/api.md "Kaizen report" shows it. New reference; NULL on OOM. */
json_t *gw_report_json(const struct gw_report *r, const struct gw_report_meta *meta);

#endif
