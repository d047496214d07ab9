/*
 * A small Prometheus registry: counters, gauges and histograms with labels,
 * rendered in text format 0.0.4. Single-threaded (event loop).
 */
#ifndef GW_METRICS_H
#define GW_METRICS_H

#include <stddef.h>

struct evbuffer;

enum gw_metric_type { GW_COUNTER, GW_GAUGE, GW_HISTOGRAM };

struct gw_metrics;
struct gw_metric;

struct gw_metrics *gw_metrics_new(void);
void gw_metrics_free(struct gw_metrics *m);

/*
 * Registers a family. label_names: nlabels static strings (kept by pointer);
 * buckets: upper bounds for histograms (copied), NULL otherwise. Families
 * are rendered in registration order. Returns NULL on OOM.
 */
struct gw_metric *gw_metrics_add(struct gw_metrics *m, const char *name, const char *help,
                                 enum gw_metric_type type, size_t nlabels,
                                 const char *const *label_names, const double *buckets,
                                 size_t nbuckets);

/* values: nlabels label values (copied on first use of the series). */
void gw_metric_inc(struct gw_metric *f, const char *const *values, double by);
void gw_metric_set(struct gw_metric *f, const char *const *values, double value);
void gw_metric_observe(struct gw_metric *f, const char *const *values, double value);
/*
 * A histogram whose totals are kept elsewhere (Redis): sets its series to
 * buckets (one count per bound of the family, each bucket's own, not
 * cumulative; observations above the last bound are in count only), sum
 * and count.
 */
void gw_metric_set_histogram(struct gw_metric *f, const char *const *values,
                             const double *buckets, double sum, double count);
/* Drops every series of f (gauges rebuilt from Redis on a timer). */
void gw_metric_clear(struct gw_metric *f);

/* Appends the text exposition of every family to out. */
void gw_metrics_render(struct gw_metrics *m, struct evbuffer *out);

/* Appends a label value escaped per the text format (\\, \", \n). */
void gw_metrics_escape_label(struct evbuffer *out, const char *value);

/* Adds the standard process_* families (read from /proc at render time). */
void gw_metrics_render_process(struct evbuffer *out, double start_time);

#endif
