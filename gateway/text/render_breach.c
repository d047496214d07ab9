#include "gateway/text/render_breach.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gateway/core/dates.h"
#include "gateway/core/wire.h"
#include "gateway/text/digest_text.h"
#include "gateway/text/escape.h"
#include "gateway/text/render_base.h"
#include "gateway/text/slack.h"
#include "gateway/util/buf.h"
#include "gateway/util/utf8.h"

/* The emoji of a ticket in a breach notice: red, or ✅ once it resolved. */
static const char *
breach_emoji(const struct gw_ticket *t)
{
    return t->state == GW_TICKET_RESOLVED ? "\xE2\x9C\x85" : gw_sla_emoji(GW_SLA_RED);   /* ✅ */
}

/*
 * The variables of t in a notice; with public_url, a resolved critical
 * ticket's `postmortem`: a ready mrkdwn link to its draft.
 */
static json_t *
notice_context(const struct gw_ticket *t, int64_t remaining, const char *public_url)
{
    json_t *ctx = gw_render_ticket_context(t, remaining, breach_emoji(t), 1, NULL);
    char *id = NULL, *url = NULL, *link = NULL;
    size_t len;

    if (ctx == NULL || public_url == NULL || t->state != GW_TICKET_RESOLVED ||
        t->severity != GW_SEV_CRITICAL)
        return ctx;
    if ((id = gw_url_query_escape(t->id)) == NULL ||
        (url = malloc(len = strlen(public_url) + strlen(id) + 64)) == NULL)
        goto oom;
    snprintf(url, len, "%s/api/timeline?ticket=%s&format=markdown", public_url, id);
    if ((link = gw_slack_link(url, "Postmortem draft")) == NULL ||
        json_object_set_new(ctx, "postmortem", json_string(link)) < 0)
        goto oom;
    goto done;
oom:
    json_decref(ctx);
    ctx = NULL;
done:
    free(id);
    free(url);
    free(link);
    return ctx;
}

static json_t *
notice(const struct gw_templates *set, const struct gw_ticket *t, int64_t now,
       const char *public_url)
{
    return gw_render_slack_message(
        set, "sla_breach", notice_context(t, gw_sla_remaining(t->sla_deadline, now), public_url));
}

json_t *
gw_render_breach_notice(const struct gw_templates *set, const struct gw_ticket *t, int64_t now)
{
    return notice(set, t, now, NULL);
}

static json_t *
text_block(const char *type, const char *text_type, const char *text)
{
    return json_pack("{s:s, s:{s:s, s:s}}", "type", type, "text", "type", text_type, "text", text);
}

/* One ticket's line (template sla_breach_line), cut to GW_BREACH_LINE_MAX. */
static char *
breach_line(const struct gw_templates *set, const struct gw_ticket *t, int64_t checked_at,
            const char *public_url)
{
    /* A shorter title than elsewhere, so the rest of the line stays. */
    struct gw_ticket brief = *t;
    char *title = NULL, *text, *cut;
    json_t *ctx;

    if (t->title != NULL && gw_utf8_valid(t->title, strlen(t->title)) &&
        (title = gw_utf8_truncate(t->title, GW_BREACH_TITLE_MAX)) == NULL)
        return NULL;
    if (title != NULL)
        brief.title = title;
    ctx = notice_context(&brief, gw_sla_remaining(t->sla_deadline, checked_at), public_url);
    text = gw_render_text(set, "sla_breach_line", ctx, GW_ESCAPE_SLACK);
    json_decref(ctx);
    free(title);
    if (text == NULL)
        text = gw_slack_escape_line(t->id);
    if (text == NULL)
        return NULL;
    for (char *c = text; *c != '\0'; c++)   /* one line each */
        if (*c == '\n' || *c == '\r')
            *c = ' ';
    cut = gw_slack_cut(text, GW_BREACH_LINE_MAX, 1);
    free(text);
    return cut;
}

/* Header (template sla_breach_header, plain_text) of the message listing first..last. */
static char *
breach_header(const struct gw_templates *set, const struct gw_breach_page *p, long first,
              long last)
{
    char date[32] = "", *text, *cut = NULL;
    json_t *ctx = json_object();

    gw_time_format_rfc3339(p->checked_at, date, sizeof(date));
    if (ctx == NULL ||
        json_object_set_new(ctx, "count", json_integer(p->total)) < 0 ||
        json_object_set_new(ctx, "first", json_integer(first)) < 0 ||
        json_object_set_new(ctx, "last", json_integer(last)) < 0 ||
        json_object_set_new(ctx, "is_split", json_boolean(first > 1 || last < p->total)) < 0 ||
        json_object_set_new(ctx, "checked_at", json_string(date)) < 0) {
        json_decref(ctx);
        return NULL;
    }
    text = gw_render_text(set, "sla_breach_header", ctx, GW_ESCAPE_NONE);
    json_decref(ctx);
    if (text != NULL)
        cut = gw_slack_cut(text, GW_SLACK_HEADER_MAX, 0);
    free(text);
    return cut;
}

/* Adds the section in buf (emptied) to blocks; -1 on OOM. */
static int
flush_section(json_t *blocks, struct gw_buf *buf, size_t *units)
{
    char *text;

    if (buf->len == 0)
        return 0;
    if ((text = gw_buf_take(buf)) == NULL)
        return -1;
    int rc = json_array_append_new(blocks, text_block("section", "mrkdwn", text));
    free(text);
    *units = 0;
    return rc;
}

/*
 * 1 when t can still be acknowledged from its notice, with the value of its
 * button (or menu option) in value: open, not acknowledged yet, and an id
 * short enough for Slack's option value.
 */
static int
ack_value(const struct gw_ticket *t, char value[GW_SLACK_VALUE_MAX])
{
    return t->state == GW_TICKET_OPEN && t->acked_by == NULL &&
           gw_wire_button_value(value, GW_SLACK_VALUE_MAX, GW_ACK_TICKET, t->id) == 0;
}

/*
 * The Acknowledge menu of a grouped message (tickets[0..n)): a static_select
 * of its tickets still to acknowledge, or nothing (0) when there are none.
 */
static int
add_menu(json_t *blocks, const struct gw_ticket *tickets, size_t n)
{
    json_t *options = json_array();
    int rc = 0;

    for (size_t i = 0; options != NULL && i < n && rc == 0; i++) {
        char value[GW_SLACK_VALUE_MAX], *label;

        if (!ack_value(&tickets[i], value))
            continue;
        if ((label = gw_utf8_truncate(tickets[i].id, GW_SLACK_OPTION_MAX)) == NULL)
            label = strdup("ticket");
        rc = label == NULL ? -1
             : json_array_append_new(options, json_pack("{s:{s:s, s:s}, s:s}", "text", "type",
                                                        "plain_text", "text", label, "value",
                                                        value));
        free(label);
    }
    if (options == NULL || rc < 0) {
        json_decref(options);
        return -1;
    }
    if (json_array_size(options) == 0) {
        json_decref(options);
        return 0;
    }
    return json_array_append_new(
        blocks, json_pack("{s:s, s:s, s:[{s:s, s:s, s:{s:s, s:s}, s:o}]}", "type", "actions",
                          "block_id", GW_ACK_ACTION, "elements", "type", "static_select",
                          "action_id", GW_ACK_ACTION, "placeholder", "type", "plain_text", "text",
                          "Acknowledge\xE2\x80\xA6", "options", options));
}

/*
 * Wraps blocks (taken over; [0] is kept for the header) into a message listing
 * tickets[0..n), numbers first..last of the round; -1 on OOM.
 */
static int
add_message(json_t *out, json_t *blocks, const struct gw_templates *set,
            const struct gw_breach_page *p, const struct gw_ticket *tickets, size_t n,
            long first, long last)
{
    char *header = breach_header(set, p, first, last), *fallback = NULL;
    int rc = -1;

    if (header == NULL)
        header = strdup("SLA breaches");
    if (header != NULL && (fallback = gw_slack_escape_line(header)) != NULL &&
        json_array_set_new(blocks, 0, text_block("header", "plain_text", header)) == 0 &&
        (!p->buttons || add_menu(blocks, tickets, n) == 0))
        rc = json_array_append_new(out, json_pack("{s:s, s:o}", "text", fallback, "blocks",
                                                  blocks));
    else
        json_decref(blocks);
    free(header);
    free(fallback);
    return rc;
}

json_t *
gw_render_breach_page(const struct gw_templates *set, const struct gw_ticket *tickets, size_t n,
                      const struct gw_breach_page *p, size_t *per_msg)
{
    json_t *out = json_array(), *blocks = NULL;
    struct gw_buf section = {0};
    size_t units = 0, text_units = 0, i = 0;
    long first = 0;
    char *line = NULL;

    if (out == NULL)
        return NULL;
    if (p->total == 1 && n == 1) {
        json_t *msg = notice(set, &tickets[0], p->checked_at, p->public_url);
        char value[GW_SLACK_VALUE_MAX];

        if (msg == NULL ||
            (p->buttons && ack_value(&tickets[0], value) && gw_render_add_ack_button(msg, value) < 0)) {
            json_decref(msg);
            goto oom;
        }
        if (json_array_append_new(out, msg) < 0)   /* it took msg either way */
            goto oom;
        if (per_msg != NULL)
            per_msg[0] = 1;
        return out;
    }
    while (i < n) {
        size_t len;

        if (line == NULL && (line = breach_line(set, &tickets[i], p->checked_at, p->public_url)) == NULL)
            goto oom;
        len = gw_slack_len(line) + 1;
        if (blocks != NULL &&
            (text_units + len > GW_BREACH_TEXT_MAX ||
             (p->buttons && i - (size_t)first >= GW_BREACH_MENU_MAX) ||
             (units + len > GW_SLACK_SECTION_MAX &&
              json_array_size(blocks) >= GW_SLACK_MAX_BLOCKS - 1 - (p->buttons != 0)))) {
            /* This message is full: the line opens the next one. */
            if (per_msg != NULL)
                per_msg[json_array_size(out)] = i - (size_t)first;
            if (flush_section(blocks, &section, &units) < 0 ||
                add_message(out, blocks, set, p, tickets + first, i - (size_t)first,
                            p->first + first, p->first + (long)i - 1) < 0) {
                blocks = NULL;
                goto oom;
            }
            blocks = NULL;
        }
        if (blocks == NULL) {
            /* [0] is where the header goes once the message's range is known. */
            if ((blocks = json_array()) == NULL || json_array_append_new(blocks, json_null()) < 0)
                goto oom;
            first = (long)i;
            text_units = GW_SLACK_HEADER_MAX * 2;   /* the header and the fallback */
        }
        if (units + len > GW_SLACK_SECTION_MAX && flush_section(blocks, &section, &units) < 0)
            goto oom;
        if ((units > 0 && gw_buf_str(&section, "\n") < 0) || gw_buf_str(&section, line) < 0)
            goto oom;
        units += len;
        text_units += len;
        free(line);
        line = NULL;
        i++;
    }
    if (blocks != NULL) {
        json_t *last = blocks;
        blocks = NULL;
        if (per_msg != NULL)
            per_msg[json_array_size(out)] = n - (size_t)first;
        if (flush_section(last, &section, &units) < 0 ||
            add_message(out, last, set, p, tickets + first, n - (size_t)first, p->first + first,
                        p->first + (long)n - 1) < 0)
            goto oom;
    }
    return out;
oom:
    free(line);
    free(gw_buf_take(&section));
    json_decref(blocks);
    json_decref(out);
    return NULL;
}

/* A string member of o, or NULL. */
static const char *
member(json_t *o, const char *name)
{
    return json_string_value(json_object_get(o, name));
}

json_t *
gw_render_breach_edit(const struct gw_templates *set, json_t *d, const char *public_url)
{
    json_t *list = json_object_get(d, "tickets"), *pages, *msg = NULL, *o;
    size_t n = json_array_size(list), i;
    struct gw_ticket *t = calloc(n + 1, sizeof(*t));
    struct gw_breach_page p = {
        (long)json_integer_value(json_object_get(d, "count")),
        (long)json_integer_value(json_object_get(d, "first")),
        (int64_t)json_integer_value(json_object_get(d, "checked_at")),
        json_is_true(json_object_get(d, "buttons")),
        public_url,
    };

    if (t == NULL)
        return NULL;
    json_array_foreach(list, i, o) {
        t[i].id = (char *)member(o, "id");
        t[i].source = (char *)member(o, "source");
        t[i].title = (char *)member(o, "title");
        t[i].url = (char *)member(o, "url");
        t[i].component = (char *)member(o, "component");
        t[i].severity = gw_severity_parse(member(o, "severity"));
        t[i].state = member(o, "state") != NULL && strcmp(member(o, "state"), "resolved") == 0
                         ? GW_TICKET_RESOLVED : GW_TICKET_OPEN;
        t[i].created_at = (int64_t)json_integer_value(json_object_get(o, "created_at"));
        t[i].resolved_at = (int64_t)json_integer_value(json_object_get(o, "resolved_at"));
        t[i].sla_deadline = (int64_t)json_integer_value(json_object_get(o, "sla_deadline"));
        t[i].updated_at = (int64_t)json_integer_value(json_object_get(o, "updated_at"));
        t[i].acked_by = (char *)member(o, "acked_by");
        t[i].acked_at = (int64_t)json_integer_value(json_object_get(o, "acked_at"));
        if (t[i].id == NULL)
            goto done;
    }
    /* Marks make lines a little longer: a message that no longer fits keeps its first part. */
    if (n > 0 && (pages = gw_render_breach_page(set, t, n, &p, NULL)) != NULL) {
        msg = json_incref(json_array_get(pages, 0));
        json_decref(pages);
    }
done:
    free(t);
    return msg;
}
