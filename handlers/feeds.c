/*
 * GET /feeds/tickets.rss, /feeds/digests.rss and /feeds/reports.rss: RSS 2.0 with weak
 * ETags and Last-Modified. A conditional GET is answered from one small
 * Redis read (the change version) without building the feed.
 */
#include <event2/buffer.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gateway/core/dates.h"
#include "gateway/util/clock.h"
#include "gateway/core/etag.h"
#include "gateway/core/hmac.h"
#include "gateway/store/digests.h"
#include "gateway/store/tickets.h"
#include "gateway/text/render_rss.h"
#include "gateway/text/rss.h"
#include "gateway/util/log.h"
#include "handlers/handlers.h"

#define TTL_MINUTES 15
#define BUCKET_SECONDS 3600   /* item texts (SLA countdowns) are refreshed hourly */

enum feed_kind { FEED_TICKETS, FEED_DIGESTS, FEED_REPORTS };

static const char *const feed_names[] = {"tickets", "digests", "reports"};

struct feed_request {
    struct gw_feeds_handler *h;
    struct gw_request *req;
    enum feed_kind kind;
    struct gw_ticket_query filter;
    char query[1024];         /* normalised filters, part of the ETag */
    int64_t last_modified;
};

static void
free_xml(const void *data, size_t len, void *arg)
{
    (void)len;
    (void)arg;
    free((void *)data);
}

/* The document is sent without a copy; libevent frees it once written. */
static void
reply_feed(struct feed_request *fr, char *xml, size_t len)
{
    struct evbuffer *body = evbuffer_new();
    if (body == NULL || evbuffer_add_reference(body, xml, len, free_xml, NULL) != 0) {
        free(xml);
        gw_reply_error(fr->req, 500, "out of memory");
    } else {
        gw_reply_buffer(fr->req, 200, "application/rss+xml; charset=utf-8", body);
    }
    if (body != NULL)
        evbuffer_free(body);
    free(fr);
}

static void
channel(struct feed_request *fr, struct gw_rss_channel *ch, char *self, size_t self_len)
{
    const char *public_url = fr->h->public_url;
    static const char *const titles[] = {"kaizen-gateway: tickets", "kaizen-gateway: digests",
                                         "kaizen-gateway: weekly Kaizen reports"};
    static const char *const descriptions[] = {
        "Open tickets and tickets resolved recently, newest change first",
        "SLA digests, newest first", "Weekly Kaizen reports, newest first"};
    snprintf(self, self_len, "%s/feeds/%s.rss", public_url, feed_names[fr->kind]);
    ch->title = titles[fr->kind];
    ch->link = public_url;
    ch->description = descriptions[fr->kind];
    ch->self_url = self;   /* never carries the feed token */
    ch->last_build = fr->last_modified;
    ch->ttl_minutes = TTL_MINUTES;
}

static void
on_tickets(const struct gw_ticket_list *list, const struct gw_redis_error *err, void *arg)
{
    const struct gw_ticket *tickets = list != NULL ? list->tickets : NULL;
    size_t n = list != NULL ? list->n : 0;
    struct feed_request *fr = arg;
    const struct gw_templates *set = fr->h->templates;
    struct gw_ticket *kept = NULL;
    struct gw_rss_item *items = NULL;
    char **texts = NULL, self[512];
    struct gw_rss_channel ch;
    size_t len = 0;
    char *xml = NULL;
    int64_t now = gw_now();

    if (err != NULL) {
        gw_reply_redis_error(fr->req, err, NULL);
        free(fr);
        return;
    }
    if (fr->filter.route != NULL) {
        const char *next;
        size_t next_len;
        char buf[GW_TICKET_CURSOR_MAX];
        if ((kept = calloc(n + 1, sizeof(*kept))) == NULL) {
            gw_reply_error(fr->req, 500, "out of memory");
            free(fr);
            return;
        }
        n = gw_ticket_route_filter(&fr->filter, fr->h->routing, list, kept, &next, &next_len, buf);
        tickets = kept;
    }
    items = calloc(n ? n : 1, sizeof(*items));
    texts = calloc(2 * (n ? n : 1), sizeof(char *));
    for (size_t i = 0; items != NULL && texts != NULL && i < n; i++) {
        char *description = NULL;
        gw_render_rss_item(set, &tickets[i], now, &texts[2 * i], &description);
        texts[2 * i + 1] = gw_rss_html(description);
        free(description);
        items[i].title = texts[2 * i] ? texts[2 * i] : tickets[i].title;
        items[i].description = texts[2 * i + 1] ? texts[2 * i + 1] : "";
        items[i].link = tickets[i].url && tickets[i].url[0] ? tickets[i].url : NULL;
        items[i].guid = tickets[i].id;
        items[i].category = tickets[i].component;
        items[i].pub_date = tickets[i].updated_at;
    }
    channel(fr, &ch, self, sizeof(self));
    if (items != NULL && texts != NULL)
        xml = gw_rss_build(&ch, items, n, &len);
    for (size_t i = 0; texts != NULL && i < 2 * n; i++)
        free(texts[i]);
    free(texts);
    free(items);
    free(kept);
    if (xml == NULL) {
        gw_reply_error(fr->req, 500, "could not build the feed");
        free(fr);
        return;
    }
    char count[24];
    snprintf(count, sizeof(count), "%zu", n);
    gw_log(GW_LOG_DEBUG, "feed built", "feed", "tickets", "items", count, NULL);
    reply_feed(fr, xml, len);
}

static void
on_digests(const char *const *records, size_t n, const struct gw_redis_error *err, void *arg)
{
    struct feed_request *fr = arg;
    struct gw_rss_item items[GW_DIGESTS_KEPT];
    char *html[GW_DIGESTS_KEPT], titles[GW_DIGESTS_KEPT][160], self[512], link[600];
    char links[GW_DIGESTS_KEPT][700], guids[GW_DIGESTS_KEPT][200];
    json_t *parsed[GW_DIGESTS_KEPT];
    struct gw_rss_channel ch;
    size_t count = 0, len = 0;
    char *xml;

    if (err != NULL) {
        gw_reply_redis_error(fr->req, err, NULL);
        free(fr);
        return;
    }
    /* An item links to the tickets it was about: those open now (the feed of them). */
    snprintf(link, sizeof(link), "%s/feeds/tickets.rss?state=open", fr->h->public_url);
    for (size_t i = 0; i < n && count < GW_DIGESTS_KEPT; i++) {
        json_t *rec = json_loads(records[i], 0, NULL);
        const char *id = json_string_value(json_object_get(rec, "id"));
        const char *at = json_string_value(json_object_get(rec, "at"));
        json_int_t open = json_integer_value(json_object_get(rec, "open_tickets"));
        int64_t when = 0;
        if (id == NULL || at == NULL || gw_time_parse_rfc3339(at, &when) != 0) {
            json_decref(rec);
            continue;
        }
        parsed[count] = rec;
        /* The text rss_*_description rendered when the digest or report was built. */
        html[count] = gw_rss_html(json_string_value(json_object_get(rec, "description")));
        if (fr->kind == FEED_REPORTS) {
            /* A report links to its page; its period is its id. */
            snprintf(titles[count], sizeof(titles[count]), "Kaizen report %s", id);
            snprintf(links[count], sizeof(links[count]), "%s/reports/weekly?week=%s",
                     fr->h->public_url, id);
            snprintf(guids[count], sizeof(guids[count]), "report:%s", id);
            items[count] = (struct gw_rss_item){titles[count], links[count], guids[count],
                                                html[count] ? html[count] : "", "report", when};
        } else {
            snprintf(titles[count], sizeof(titles[count]), "SLA digest %.10s: %lld open ticket%s",
                     at, (long long)open, open == 1 ? "" : "s");
            items[count] = (struct gw_rss_item){titles[count], link, id,
                                                html[count] ? html[count] : "", "digest", when};
        }
        count++;
    }
    channel(fr, &ch, self, sizeof(self));
    xml = gw_rss_build(&ch, items, count, &len);
    for (size_t i = 0; i < count; i++) {
        free(html[i]);
        json_decref(parsed[i]);
    }
    if (xml == NULL) {
        gw_reply_error(fr->req, 500, "could not build the feed");
        free(fr);
        return;
    }
    gw_log(GW_LOG_DEBUG, "feed built", "feed", feed_names[fr->kind], NULL);
    reply_feed(fr, xml, len);
}

/* 1 if the client's copy is current (RFC 9110: If-None-Match wins). */
static int
not_modified(struct gw_request *req, const char *etag, int64_t last_modified)
{
    const char *inm = gw_request_header(req, "If-None-Match");
    const char *ims = gw_request_header(req, "If-Modified-Since");
    int64_t since;
    if (inm != NULL)
        return gw_etag_matches(inm, etag);
    return ims != NULL && gw_time_parse_http_date(ims, &since) == 0 && last_modified <= since;
}

static void
on_version(int64_t version, int64_t changed_at, const struct gw_redis_error *err, void *arg)
{
    struct feed_request *fr = arg;
    int64_t bucket = fr->kind == FEED_TICKETS ? gw_now() / BUCKET_SECONDS : 0;
    char etag[160], date[40];

    if (err != NULL) {
        gw_reply_redis_error(fr->req, err, NULL);
        free(fr);
        return;
    }
    fr->last_modified = changed_at > bucket * BUCKET_SECONDS ? changed_at : bucket * BUCKET_SECONDS;
    if (fr->last_modified == 0)
        fr->last_modified = (int64_t)fr->h->start_time;
    gw_feed_etag(feed_names[fr->kind], version, bucket, fr->query, etag, sizeof(etag));
    gw_reply_header(fr->req, "ETag", etag);
    gw_reply_header(fr->req, "Last-Modified", gw_http_date(fr->last_modified, date, sizeof(date)));
    gw_reply_header(fr->req, "Cache-Control", "no-cache");
    if (not_modified(fr->req, etag, fr->last_modified)) {
        gw_reply_buffer(fr->req, 304, NULL, NULL);
        free(fr);
        return;
    }
    if (fr->kind == FEED_TICKETS)
        gw_tickets_list(fr->h->tickets, &fr->filter.filter, on_tickets, fr);
    else
        gw_digests_records(fr->kind == FEED_REPORTS ? fr->h->reports : fr->h->digests,
                           on_digests, fr);
}

static void
on_feed(struct gw_request *req, struct gw_feeds_handler *h, enum feed_kind kind)
{
    static const char *const digest_params[] = {"token", NULL};
    struct feed_request *fr;
    const char *bad;

    if (!gw_feed_ok(h->feed_token, req))
        return;
    if ((fr = calloc(1, sizeof(*fr))) == NULL) {
        gw_reply_error(req, 500, "out of memory");
        return;
    }
    fr->h = h;
    fr->req = req;
    fr->kind = kind;
    if (kind == FEED_TICKETS) {
        /* The filters point into the request's query, which lives until the reply. */
        if ((bad = gw_ticket_query_parse(req, h->routing, &fr->filter, 0)) != NULL ||
            gw_ticket_query_key(&fr->filter, h->loaded->routes, fr->query, sizeof(fr->query)) != 0) {
            gw_reply_error(req, 400, bad != NULL ? bad : "filters too long");
            free(fr);
            return;
        }
    } else if (gw_request_unknown_query(req, digest_params) != NULL) {
        gw_reply_error(req, 400, kind == FEED_REPORTS
                                     ? "unknown query parameter (the reports feed takes none)"
                                     : "unknown query parameter (the digests feed takes none)");
        free(fr);
        return;
    }
    if (kind == FEED_TICKETS)
        gw_tickets_version(h->tickets, on_version, fr);
    else
        gw_digests_version(kind == FEED_REPORTS ? h->reports : h->digests, on_version, fr);
}

static void
on_tickets_feed(struct gw_request *req, void *arg)
{
    on_feed(req, arg, FEED_TICKETS);
}

static void
on_digests_feed(struct gw_request *req, void *arg)
{
    on_feed(req, arg, FEED_DIGESTS);
}

static void
on_reports_feed(struct gw_request *req, void *arg)
{
    on_feed(req, arg, FEED_REPORTS);
}

void
gw_feeds_register(struct gw_http *http, struct gw_feeds_handler *h)
{
    gw_http_route(http, "/feeds/tickets.rss", 0, GW_GET, on_tickets_feed, h);
    gw_http_route(http, "/feeds/digests.rss", 0, GW_GET, on_digests_feed, h);
    gw_http_route_codes(http, "/feeds/tickets.rss", 0, h->feed_token != NULL
                                                           ? "200 304 400 401 500 503"
                                                           : "200 304 400 500 503");
    gw_http_route(http, "/feeds/reports.rss", 0, GW_GET, on_reports_feed, h);
    gw_http_route_codes(http, "/feeds/digests.rss", 0,
                        h->feed_token != NULL ? "200 304 401 500 503" : "200 304 500 503");
    gw_http_route_codes(http, "/feeds/reports.rss", 0,
                        h->feed_token != NULL ? "200 304 400 401 500 503" : "200 304 400 500 503");
}
