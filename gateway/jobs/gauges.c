#include "gateway/jobs/gauges.h"

#include "gateway/util/clock.h"
#include "gateway/store/canaries.h"
#include "gateway/store/outbox.h"
#include "gateway/store/tickets.h"
#include "gateway/core/telemetry.h"

static void
on_stats(const struct gw_stats *stats, const struct gw_redis_error *err, void *arg)
{
    struct gw_telemetry *t = arg;
    if (err != NULL)
        return; /* keep the last known values */
    gw_metric_clear(t->tickets_open);
    gw_metric_clear(t->tickets_breached);
    for (size_t i = 0; i < stats->nopen; i++) {
        const char *labels[] = {stats->open[i].component, stats->open[i].severity};
        gw_metric_set(t->tickets_open, labels, (double)stats->open[i].count);
    }
    for (size_t i = 0; i < stats->nbreached; i++) {
        const char *labels[] = {stats->breached[i].component};
        gw_metric_set(t->tickets_breached, labels, (double)stats->breached[i].count);
    }
    gw_set_ticket_measures(t, stats->measures, stats->nmeasures);
}

static void
on_outbox_status(long pending, long dead, json_t *recent, const struct gw_redis_error *err,
                 void *arg)
{
    struct gw_telemetry *t = arg;
    json_decref(recent);
    if (err != NULL)
        return;
    gw_metric_set(t->outbox_pending, NULL, (double)pending);
    gw_metric_set(t->outbox_dead, NULL, (double)dead);
}

static void
on_canaries(const struct gw_canary *canaries, size_t n, const struct gw_redis_error *err,
            void *arg)
{
    struct gw_telemetry *t = arg;
    if (err != NULL)
        return;
    /* Rebuilt from Redis: a canary that ended disappears on every replica. */
    gw_metric_clear(t->canary_start);
    gw_metric_clear(t->canary_budget);
    for (size_t i = 0; i < n; i++) {
        const char *labels[] = {canaries[i].id, canaries[i].environment};
        gw_metric_set(t->canary_start, labels, (double)canaries[i].started_at);
        gw_metric_set(t->canary_budget, labels, (double)canaries[i].budget_seconds);
    }
}

void
gw_gauges_refresh(const struct gw_gauges_deps *d)
{
    gw_tickets_stats(d->tickets, gw_now(), on_stats, d->telemetry);
    gw_outbox_status(d->outbox, 0, on_outbox_status, d->telemetry);
    gw_canaries_list(d->canaries, on_canaries, d->telemetry);
}
