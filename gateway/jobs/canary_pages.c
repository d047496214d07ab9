#include "gateway/jobs/canary_pages.h"

#include <stdio.h>
#include <stdlib.h>

#include "gateway/util/clock.h"
#include "gateway/core/pager.h"
#include "gateway/core/routing.h"
#include "gateway/core/telemetry.h"
#include "gateway/core/wire.h"
#include "gateway/store/canaries.h"
#include "gateway/store/outbox.h"
#include "gateway/text/render.h"
#include "gateway/text/render_base.h"
#include "gateway/util/log.h"

#define DUE_BATCH 100   /* canaries paged per look */

struct gw_canary_pages {
    struct gw_canary_pages_deps d;
    int busy;
    size_t pending;   /* pages of the look under way not answered yet, + 1 while looking */
};

struct gw_canary_pages *
gw_canary_pages_new(const struct gw_canary_pages_deps *deps)
{
    struct gw_canary_pages *p = calloc(1, sizeof(*p));

    if (p != NULL)
        p->d = *deps;
    return p;
}

void
gw_canary_pages_free(struct gw_canary_pages *p)
{
    free(p);
}

static char *
dump(json_t *v)
{
    return v != NULL ? json_dumps(v, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
}

static void
on_page_enqueued(int enqueued, const struct gw_redis_error *err, void *arg)
{
    struct gw_canary_pages *p = arg;

    if (err != NULL && err->kind != GW_REDIS_UNAVAILABLE)
        gw_log(GW_LOG_WARN, "canary page not enqueued", "error", err->text, NULL);
    if (enqueued)
        gw_metric_inc(p->d.telemetry->canary_pages, NULL, 1);
    if (--p->pending == 0)
        p->busy = 0;
}

/* The page of canary c at now: its messages enqueued with "mark paged". */
static void
page(struct gw_canary_pages *p, const struct gw_canary *c, int64_t now)
{
    struct gw_canary_info info = {c->id, c->service, c->environment, c->started_at,
                                  c->budget_seconds, now, NULL, 0};
    char dest[GW_DEST_LEN], rk[200], pager_id[320], slack_id[320], value[300];
    char *summary, *slack_body, *pager_body;
    json_t *slack, *trigger;
    struct gw_outbox_msg msgs[2];
    size_t count = 0;

    gw_routing_canary(p->d.routing, c->service, dest, sizeof(dest), rk, sizeof(rk));
    summary = gw_render_canary_summary(p->d.templates, &info);
    slack = gw_render_canary_slack(p->d.templates, &info);
    trigger = rk[0] != '\0' && summary != NULL ? gw_pager_trigger(rk, c, summary, now) : NULL;
    /* With interactivity set up, the page can be acknowledged from Slack. */
    if (slack != NULL && p->d.buttons &&
        (gw_wire_button_value(value, sizeof(value), GW_ACK_CANARY, c->id) != 0 ||
         gw_render_add_ack_button(slack, value) != 0)) {
        json_decref(slack);
        slack = NULL;
    }
    slack_body = dump(slack);
    pager_body = dump(trigger);
    if (gw_wire_page_id(pager_id, sizeof(pager_id), c->id, c->started_at, GW_PAGE_PAGER) != 0 ||
        gw_wire_page_id(slack_id, sizeof(slack_id), c->id, c->started_at, GW_PAGE_SLACK) != 0)
        gw_bug("canary ids are at most GW_CANARY_ID_MAX bytes");
    if (pager_body != NULL)
        msgs[count++] = (struct gw_outbox_msg){pager_id, GW_DEST_PAGER, GW_MSG_PAGE, pager_body};
    if (slack_body != NULL)
        msgs[count++] = (struct gw_outbox_msg){slack_id, dest, GW_MSG_PAGE, slack_body};
    if (count > 0 && (rk[0] == '\0' || pager_body != NULL)) {
        p->pending++;
        gw_canaries_page(p->d.canaries, c->id, dest, rk, msgs, count, on_page_enqueued, p);
    }
    free(summary);
    free(slack_body);
    free(pager_body);
    json_decref(slack);
    json_decref(trigger);
}

static void
on_due(const struct gw_canary *canaries, size_t n, const struct gw_redis_error *err, void *arg)
{
    struct gw_canary_pages *p = arg;
    int64_t now = gw_now();

    for (size_t i = 0; err == NULL && i < n; i++)
        page(p, &canaries[i], now);
    on_page_enqueued(0, NULL, p);   /* the look itself is done */
}

void
gw_canary_pages_run(struct gw_canary_pages *p)
{
    if (p->busy)
        return;
    p->busy = 1;
    p->pending = 1;
    gw_canaries_due(p->d.canaries, gw_now(), DUE_BATCH, on_due, p);
}
