#include "gateway/app/scheduler.h"

#include <event2/event.h>
#include <stdlib.h>

#include "gateway/jobs/breach_check.h"
#include "gateway/jobs/canary_pages.h"
#include "gateway/jobs/delivery.h"
#include "gateway/jobs/digest.h"
#include "gateway/jobs/gauges.h"
#include "gateway/jobs/report.h"
#include "gateway/jobs/retention.h"
#include "gateway/net/redis.h"
#include "gateway/store/migrate.h"

#define STATS_MS 5000
#define RETENTION_MS 60000

enum timer { T_DIGEST, T_REPORT, T_CHECK, T_STATS, T_RETENTION, T_DELIVERY, T_COUNT };

struct gw_scheduler {
    struct event_base *base;
    struct gw_scheduler_jobs jobs;
    struct gw_scheduler_opts opts;
    struct event *timers[T_COUNT];
    int retention_started;
    int stopped;
};

static int
may_start(const struct gw_scheduler *s)
{
    return !s->stopped && gw_redis_ready(s->jobs.redis);
}

static void
on_digest(evutil_socket_t fd, short what, void *arg)
{
    struct gw_scheduler *s = arg;
    (void)fd;
    (void)what;
    if (may_start(s))
        gw_digest_job_tick(s->jobs.digest);
}

static void
on_report(evutil_socket_t fd, short what, void *arg)
{
    struct gw_scheduler *s = arg;
    (void)fd;
    (void)what;
    if (may_start(s))
        gw_report_job_tick(s->jobs.report);
}

static void
on_check(evutil_socket_t fd, short what, void *arg)
{
    struct gw_scheduler *s = arg;
    (void)fd;
    (void)what;
    if (!may_start(s))
        return;
    gw_breach_check_run(s->jobs.breaches);
    gw_canary_pages_run(s->jobs.canary_pages);
}

static void
on_stats(evutil_socket_t fd, short what, void *arg)
{
    struct gw_scheduler *s = arg;
    (void)fd;
    (void)what;
    if (!may_start(s))
        return;
    gw_gauges_refresh(s->jobs.gauges);
    gw_migration_tick(s->jobs.migration);
    if (!s->retention_started) {    /* the first pass soon after start-up, then every minute */
        s->retention_started = 1;
        gw_retention_run(s->jobs.retention);
    }
}

static void
on_retention(evutil_socket_t fd, short what, void *arg)
{
    struct gw_scheduler *s = arg;
    (void)fd;
    (void)what;
    if (may_start(s))
        gw_retention_run(s->jobs.retention);
}

static void
on_delivery(evutil_socket_t fd, short what, void *arg)
{
    struct gw_scheduler *s = arg;
    (void)fd;
    (void)what;
    if (may_start(s))
        gw_delivery_poll(s->jobs.delivery);
}

struct gw_scheduler *
gw_scheduler_new(struct event_base *base, const struct gw_scheduler_jobs *jobs,
                 const struct gw_scheduler_opts *opts)
{
    struct gw_scheduler *s = calloc(1, sizeof(*s));

    if (s == NULL)
        return NULL;
    s->base = base;
    s->jobs = *jobs;
    s->opts = *opts;
    return s;
}

static struct event *
every(struct gw_scheduler *s, int64_t ms, event_callback_fn fn)
{
    struct timeval tv = {(time_t)(ms / 1000), (suseconds_t)((ms % 1000) * 1000)};
    struct event *ev = event_new(s->base, -1, EV_PERSIST, fn, s);
    if (ev != NULL)
        event_add(ev, &tv);
    return ev;
}

/* Often enough to start a window of every seconds (0: a day or more) within a quarter of it. */
static int64_t
window_tick_ms(int64_t every)
{
    int64_t ms = every > 0 ? every * 250 : 1000;
    return ms > 1000 ? 1000 : ms < 100 ? 100 : ms;
}

void
gw_scheduler_start(struct gw_scheduler *s)
{
    s->timers[T_DIGEST] = every(s, window_tick_ms(s->opts.digest_every), on_digest);
    s->timers[T_REPORT] = every(s, window_tick_ms(s->opts.report_every), on_report);
    s->timers[T_CHECK] = every(s, s->opts.check_every * 1000, on_check);
    s->timers[T_STATS] = every(s, STATS_MS, on_stats);
    s->timers[T_RETENTION] = every(s, RETENTION_MS, on_retention);
    s->timers[T_DELIVERY] = every(s, GW_DELIVERY_POLL_MS, on_delivery);
}

void
gw_scheduler_stop(struct gw_scheduler *s)
{
    s->stopped = 1;
    gw_breach_check_stop(s->jobs.breaches);
    gw_retention_stop(s->jobs.retention);
    gw_delivery_stop(s->jobs.delivery);
}

void
gw_scheduler_free(struct gw_scheduler *s)
{
    if (s == NULL)
        return;
    for (int i = 0; i < T_COUNT; i++)
        if (s->timers[i] != NULL)
            event_free(s->timers[i]);
    free(s);
}
