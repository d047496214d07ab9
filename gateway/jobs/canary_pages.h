/*
 * The canary-page job: every canary past its budget and not paged yet gets
 * one page, a PagerDuty trigger (when its route has a routing key) and a
 * Slack message, enqueued together with "mark paged" in one step, so each
 * canary is paged once however many replicas look.
 */
#ifndef GW_JOBS_CANARY_PAGES_H
#define GW_JOBS_CANARY_PAGES_H

struct gw_canaries;
struct gw_templates;
struct gw_routing;
struct gw_telemetry;

/* Everything is borrowed and outlives the job. */
struct gw_canary_pages_deps {
    struct gw_canaries *canaries;
    const struct gw_templates *templates;
    const struct gw_routing *routing;
    struct gw_telemetry *telemetry;   /* kaizen_canary_pages_total */
    int buttons;                      /* Slack pages carry Acknowledge (signing secret set) */
};

struct gw_canary_pages;

struct gw_canary_pages *gw_canary_pages_new(const struct gw_canary_pages_deps *deps);
void gw_canary_pages_free(struct gw_canary_pages *p);
/* Pages the canaries now over budget (a batch of them), unless a look is under way. */
void gw_canary_pages_run(struct gw_canary_pages *p);

#endif
