#include "gateway/util/prometheus.h"

#include <dirent.h>
#include <event2/buffer.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

struct series {
    char **values;
    double value;       /* counter/gauge; sum for histogram */
    double count;       /* histogram */
    double *buckets;    /* histogram: per-bucket (non-cumulative) counts */
};

struct gw_metric {
    char *name;
    char *help;
    enum gw_metric_type type;
    size_t nlabels;
    const char *const *label_names;
    double *bounds;
    size_t nbounds;
    struct series *series;
    size_t nseries;
    size_t cap;
    struct gw_metric *next;
};

struct gw_metrics {
    struct gw_metric *head;
    struct gw_metric **tail;
};

struct gw_metrics *
gw_metrics_new(void)
{
    struct gw_metrics *m = calloc(1, sizeof(*m));
    if (m != NULL)
        m->tail = &m->head;
    return m;
}

static void
series_free(struct gw_metric *f, struct series *s)
{
    for (size_t i = 0; i < f->nlabels; i++)
        free(s->values[i]);
    free(s->values);
    free(s->buckets);
}

void
gw_metric_clear(struct gw_metric *f)
{
    for (size_t i = 0; i < f->nseries; i++)
        series_free(f, &f->series[i]);
    f->nseries = 0;
}

void
gw_metrics_free(struct gw_metrics *m)
{
    if (m == NULL)
        return;
    struct gw_metric *f = m->head;
    while (f != NULL) {
        struct gw_metric *next = f->next;
        gw_metric_clear(f);
        free(f->series);
        free(f->bounds);
        free(f->name);
        free(f->help);
        free(f);
        f = next;
    }
    free(m);
}

struct gw_metric *
gw_metrics_add(struct gw_metrics *m, const char *name, const char *help,
               enum gw_metric_type type, size_t nlabels, const char *const *label_names,
               const double *buckets, size_t nbuckets)
{
    struct gw_metric *f = calloc(1, sizeof(*f));
    if (f == NULL)
        return NULL;
    f->name = strdup(name);
    f->help = strdup(help);
    f->type = type;
    f->nlabels = nlabels;
    f->label_names = label_names;
    if (type == GW_HISTOGRAM && nbuckets > 0) {
        f->bounds = malloc(nbuckets * sizeof(double));
        memcpy(f->bounds, buckets, nbuckets * sizeof(double));
        f->nbounds = nbuckets;
    }
    *m->tail = f;
    m->tail = &f->next;
    return f;
}

static struct series *
find_series(struct gw_metric *f, const char *const *values, int create)
{
    for (size_t i = 0; i < f->nseries; i++) {
        size_t j = 0;
        while (j < f->nlabels && strcmp(f->series[i].values[j], values[j]) == 0)
            j++;
        if (j == f->nlabels)
            return &f->series[i];
    }
    if (!create)
        return NULL;
    if (f->nseries == f->cap) {
        size_t cap = f->cap ? f->cap * 2 : 8;
        struct series *grown = realloc(f->series, cap * sizeof(*grown));
        if (grown == NULL)
            return NULL;
        f->series = grown;
        f->cap = cap;
    }
    struct series *s = &f->series[f->nseries];
    memset(s, 0, sizeof(*s));
    s->values = calloc(f->nlabels ? f->nlabels : 1, sizeof(char *));
    for (size_t j = 0; j < f->nlabels; j++)
        s->values[j] = strdup(values[j] != NULL ? values[j] : "");
    if (f->nbounds > 0)
        s->buckets = calloc(f->nbounds, sizeof(double));
    f->nseries++;
    return s;
}

void
gw_metric_inc(struct gw_metric *f, const char *const *values, double by)
{
    struct series *s = find_series(f, values, 1);
    if (s != NULL)
        s->value += by;
}

void
gw_metric_set(struct gw_metric *f, const char *const *values, double value)
{
    struct series *s = find_series(f, values, 1);
    if (s != NULL)
        s->value = value;
}

void
gw_metric_observe(struct gw_metric *f, const char *const *values, double value)
{
    struct series *s = find_series(f, values, 1);
    if (s == NULL)
        return;
    s->value += value;
    s->count += 1;
    for (size_t i = 0; i < f->nbounds; i++) {
        if (value <= f->bounds[i]) {
            s->buckets[i] += 1;
            break;
        }
    }
}

void
gw_metric_set_histogram(struct gw_metric *f, const char *const *values, const double *buckets,
                        double sum, double count)
{
    struct series *s = find_series(f, values, 1);
    if (s == NULL)
        return;
    s->value = sum;
    s->count = count;
    for (size_t i = 0; i < f->nbounds; i++)
        s->buckets[i] = buckets[i];
}

void
gw_metrics_escape_label(struct evbuffer *out, const char *value)
{
    for (const char *p = value; *p != '\0'; p++) {
        switch (*p) {
        case '\\': evbuffer_add(out, "\\\\", 2); break;
        case '"': evbuffer_add(out, "\\\"", 2); break;
        case '\n': evbuffer_add(out, "\\n", 2); break;
        default: evbuffer_add(out, p, 1);
        }
    }
}

static void
add_number(struct evbuffer *out, double v)
{
    if (isinf(v))
        evbuffer_add_printf(out, v > 0 ? "+Inf" : "-Inf");
    else if (isnan(v))
        evbuffer_add_printf(out, "NaN");
    else if (v == floor(v) && fabs(v) < 1e15)
        evbuffer_add_printf(out, "%.0f", v);
    else
        evbuffer_add_printf(out, "%.17g", v);
}

/* name{l1="v1",...,extra_name="extra"} value */
static void
add_sample(struct evbuffer *out, const struct gw_metric *f, const char *suffix,
           const struct series *s, const char *extra_name, const char *extra, double v)
{
    evbuffer_add_printf(out, "%s%s", f->name, suffix);
    if (f->nlabels > 0 || extra_name != NULL) {
        evbuffer_add(out, "{", 1);
        for (size_t i = 0; i < f->nlabels; i++) {
            evbuffer_add_printf(out, "%s%s=\"", i ? "," : "", f->label_names[i]);
            gw_metrics_escape_label(out, s->values[i]);
            evbuffer_add(out, "\"", 1);
        }
        if (extra_name != NULL)
            evbuffer_add_printf(out, "%s%s=\"%s\"", f->nlabels ? "," : "", extra_name, extra);
        evbuffer_add(out, "}", 1);
    }
    evbuffer_add(out, " ", 1);
    add_number(out, v);
    evbuffer_add(out, "\n", 1);
}

void
gw_metrics_render(struct gw_metrics *m, struct evbuffer *out)
{
    static const char *const type_names[] = {"counter", "gauge", "histogram"};

    for (const struct gw_metric *f = m->head; f != NULL; f = f->next) {
        evbuffer_add_printf(out, "# HELP %s %s\n# TYPE %s %s\n", f->name, f->help, f->name,
                            type_names[f->type]);
        for (size_t i = 0; i < f->nseries; i++) {
            const struct series *s = &f->series[i];
            if (f->type == GW_COUNTER || f->type == GW_GAUGE) {
                add_sample(out, f, "", s, NULL, NULL, s->value);
                continue;
            }
            double cumulative = 0;
            char le[32];
            for (size_t b = 0; b < f->nbounds; b++) {
                cumulative += s->buckets[b];
                snprintf(le, sizeof(le), "%g", f->bounds[b]);
                add_sample(out, f, "_bucket", s, "le", le, cumulative);
            }
            add_sample(out, f, "_bucket", s, "le", "+Inf", s->count);
            add_sample(out, f, "_sum", s, NULL, NULL, s->value);
            add_sample(out, f, "_count", s, NULL, NULL, s->count);
        }
    }
}

static int
count_open_fds(void)
{
    DIR *d = opendir("/proc/self/fd");
    int n = 0;
    if (d == NULL)
        return -1;
    while (readdir(d) != NULL)
        n++;
    closedir(d);
    return n - 3; /* ".", ".." and the directory's own fd */
}

void
gw_metrics_render_process(struct evbuffer *out, double start_time)
{
    struct rusage ru;
    struct rlimit rl;
    long page = sysconf(_SC_PAGESIZE);
    unsigned long vsize = 0;
    long rss = 0;
    FILE *f;

    if (getrusage(RUSAGE_SELF, &ru) == 0)
        evbuffer_add_printf(out,
                            "# HELP process_cpu_seconds_total Total user and system CPU time spent in seconds.\n"
                            "# TYPE process_cpu_seconds_total counter\nprocess_cpu_seconds_total %.6f\n",
                            (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
                                (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6);
    f = fopen("/proc/self/statm", "r");
    if (f != NULL) {
        unsigned long pages_v = 0, pages_r = 0;
        if (fscanf(f, "%lu %lu", &pages_v, &pages_r) == 2) {
            vsize = pages_v * (unsigned long)page;
            rss = (long)pages_r * page;
        }
        fclose(f);
    }
    evbuffer_add_printf(out,
                        "# HELP process_resident_memory_bytes Resident memory size in bytes.\n"
                        "# TYPE process_resident_memory_bytes gauge\nprocess_resident_memory_bytes %ld\n"
                        "# HELP process_virtual_memory_bytes Virtual memory size in bytes.\n"
                        "# TYPE process_virtual_memory_bytes gauge\nprocess_virtual_memory_bytes %lu\n",
                        rss, vsize);
    evbuffer_add_printf(out,
                        "# HELP process_start_time_seconds Start time of the process since unix epoch in seconds.\n"
                        "# TYPE process_start_time_seconds gauge\nprocess_start_time_seconds %.3f\n",
                        start_time);
    evbuffer_add_printf(out,
                        "# HELP process_open_fds Number of open file descriptors.\n"
                        "# TYPE process_open_fds gauge\nprocess_open_fds %d\n", count_open_fds());
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0)
        evbuffer_add_printf(out,
                            "# HELP process_max_fds Maximum number of open file descriptors.\n"
                            "# TYPE process_max_fds gauge\nprocess_max_fds %llu\n",
                            (unsigned long long)rl.rlim_cur);
}
