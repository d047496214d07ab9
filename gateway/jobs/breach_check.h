/*
 * The SLA-breach check (a scheduler timer): one round per check, in which
 * every ticket whose deadline passed is listed once in a grouped notice
 * (store/breaches.h). Its pages are rendered and enqueued one after the
 * other, so a mass breach costs bounded work per step and the event loop
 * and Redis stay free for webhooks in between.
 */
#ifndef GW_BREACH_CHECK_H
#define GW_BREACH_CHECK_H

#include <stddef.h>

struct gw_breaches;
struct gw_redis;
struct gw_routing;
struct gw_templates;

/*
 * Tickets moved into a round per step, and listed per page: a page is one
 * Slack message (a few if its lines are long).
 */
#define GW_BREACH_TAKE_BATCH 200
#define GW_BREACH_PAGE 250

struct gw_breach_check;

/*
 * Everything is borrowed and outlives the check. With routes, each page's
 * tickets are grouped per Slack destination: one notice per channel.
 */
/* Everything is borrowed and outlives the job. */
struct gw_breach_check_deps {
    struct gw_redis *redis;               /* a round stops between steps while it is down */
    struct gw_breaches *store;
    const struct gw_templates *templates;
    const struct gw_routing *routing;
    int buttons;                          /* notices carry Acknowledge (signing secret set) */
};
struct gw_breach_check *gw_breach_check_new(const struct gw_breach_check_deps *deps);
/* Starts a check unless one is under way; each step looks at stopped first. */
void gw_breach_check_run(struct gw_breach_check *c);
/* No new step starts after this; a round left half done is finished by the next check. */
void gw_breach_check_stop(struct gw_breach_check *c);
void gw_breach_check_free(struct gw_breach_check *c);

#endif
