#include "gateway/text/blockkit.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gateway/text/digest_text.h"
#include "gateway/text/escape.h"
#include "gateway/util/buf.h"
#include "gateway/util/utf8.h"

/* Component heading, " (cont.)" included; leaves a section room for a line. */
#define HEADING_MAX 200
/* One ticket line always fits in a section under its heading. */
#define TICKET_LINE_MAX (GW_SLACK_SECTION_MAX - HEADING_MAX - 1)
#define FALLBACK_MAX 300
/* Section text per message once the header and fallback are reserved. */
#define SECTIONS_BUDGET (GW_SLACK_MESSAGE_MAX - 1 - GW_SLACK_HEADER_MAX - FALLBACK_MAX)

static const char cont_suffix[] = " (cont.)";

/* Rendering through a possibly user-supplied renderer. */

/* Returns s if it holds text; otherwise frees it and returns NULL. */
static char *
nonempty(char *s)
{
    if (s != NULL && *s == '\0') {
        free(s);
        s = NULL;
    }
    return s;
}

/* Makes rendered text (taken over, may be NULL) valid UTF-8 within max_units. */
static char *
finish_text(char *s, size_t max_units, int mrkdwn)
{
    char *clean = NULL, *out = NULL;

    if (s == NULL || (clean = gw_utf8_copy(s)) == NULL)
        goto done;
    out = gw_slack_cut(clean, max_units, mrkdwn);
done:
    free(s);
    free(clean);
    return out;
}

typedef char *(*summary_fn)(void *ctx, size_t open_tickets, size_t components,
                            int part, int parts);

static char *
render_summary(summary_fn fn, void *ctx, size_t open_tickets, size_t components,
               int part, int parts)
{
    char *s = fn != NULL ? nonempty(fn(ctx, open_tickets, components, part, parts)) : NULL;

    if (s == NULL)
        s = gw_digest_default_renderer.header(NULL, open_tickets, components, part, parts);
    return s;
}

static char *
render_line(const struct gw_digest_renderer *r, const struct gw_ticket *t,
            int64_t remaining, enum gw_sla_colour colour, const struct gw_sla_status *clock)
{
    char *s = r->ticket_line != NULL
                  ? nonempty(r->ticket_line(r->ctx, t, remaining, colour, clock)) : NULL;

    if (s == NULL)
        s = gw_digest_default_renderer.ticket_line(NULL, t, remaining, colour, clock);
    return finish_text(s, TICKET_LINE_MAX, 1);
}

static char *
render_heading(const struct gw_digest_renderer *r, const char *component, size_t count)
{
    char *s = r->component != NULL ? nonempty(r->component(r->ctx, component, count)) : NULL;

    if (s == NULL)
        s = gw_digest_default_renderer.component(NULL, component, count);
    return finish_text(s, HEADING_MAX - (sizeof(cont_suffix) - 1), 1);
}

/* Digest layout. */

struct entry {
    const struct gw_ticket *t;
    const char *id;           /* never NULL */
    const char *component;    /* never NULL; "" for none */
    int64_t remaining;
    struct gw_sla_status clock;
};

struct group {
    const struct entry *first;   /* most urgent ticket of the component; NULL: none listed */
    size_t count;                /* listed */
    const char *component;
    size_t more;                 /* open, not listed */
};

static int
entry_cmp(const void *a, const void *b)
{
    const struct entry *x = a, *y = b;
    int c = strcmp(x->component, y->component);

    if (c != 0)
        return c;
    if (x->remaining != y->remaining)
        return x->remaining < y->remaining ? -1 : 1;
    return strcmp(x->id, y->id);
}

static int
group_cmp(const void *a, const void *b)
{
    const struct group *x = a, *y = b;

    /* Components with a listed ticket first, most urgent first; then by name. */
    if ((x->first == NULL) != (y->first == NULL))
        return x->first == NULL ? 1 : -1;
    if (x->first != NULL && x->first->remaining != y->first->remaining)
        return x->first->remaining < y->first->remaining ? -1 : 1;
    return strcmp(x->component, y->component);
}

/*
 * Fills messages with section blocks, lines packed into the open section
 * until a limit is hit. Headers come last, once the number of parts is known;
 * their room is reserved in SECTIONS_BUDGET and the block count.
 */
struct packer {
    json_t **msgs;              /* section arrays, one per message */
    size_t n_msgs, cap_msgs;
    size_t msg_units;           /* section text in the last message, open section included */
    struct gw_buf section;         /* open section; len 0: none */
    size_t section_units;
    const struct group *section_group;
    const struct group *msg_group;   /* last group given a section in the last message */
};

static json_t *
text_block(const char *type, const char *text_type, const char *text)
{
    json_t *block = json_object(), *body = json_object();

    if (block == NULL || body == NULL ||
        json_object_set_new(body, "type", json_string(text_type)) < 0 ||
        json_object_set_new(body, "text", json_string(text)) < 0 ||
        (strcmp(text_type, "plain_text") == 0 &&
         json_object_set_new(body, "emoji", json_true()) < 0) ||
        json_object_set_new(block, "type", json_string(type)) < 0)
        goto err;
    if (json_object_set_new(block, "text", body) < 0) {
        body = NULL;   /* consumed even on failure */
        goto err;
    }
    return block;
err:
    json_decref(body);
    json_decref(block);
    return NULL;
}

static int
packer_flush(struct packer *pk)
{
    if (pk->section.len == 0)
        return 0;
    if (json_array_append_new(pk->msgs[pk->n_msgs - 1],
                              text_block("section", "mrkdwn", pk->section.p)) < 0)
        return -1;
    pk->section.len = 0;
    pk->section_units = 0;
    pk->section_group = NULL;
    return 0;
}

static int
packer_new_message(struct packer *pk)
{
    if (packer_flush(pk) < 0)
        return -1;
    if (pk->n_msgs == pk->cap_msgs) {
        size_t cap = pk->cap_msgs != 0 ? pk->cap_msgs * 2 : 4;
        json_t **msgs = realloc(pk->msgs, cap * sizeof(*msgs));
        if (msgs == NULL)
            return -1;
        pk->msgs = msgs;
        pk->cap_msgs = cap;
    }
    if ((pk->msgs[pk->n_msgs] = json_array()) == NULL)
        return -1;
    pk->n_msgs++;
    pk->msg_units = 0;
    pk->msg_group = NULL;
    return 0;
}

static void
packer_free(struct packer *pk)
{
    for (size_t i = 0; i < pk->n_msgs; i++)
        json_decref(pk->msgs[i]);
    free(pk->msgs);
    free(pk->section.p);
}

/* Heading a new section of g starts with in the last message ("" if none). */
static const char *
section_prefix(const struct packer *pk, const struct group *g, int started,
               const char *heading, const char *cont)
{
    if (pk->msg_group == g)
        return "";
    return started ? cont : heading;
}

/*
 * Adds one line of group g. started: g already has lines in earlier
 * messages, so a new message repeats its heading as `cont`.
 */
static int
packer_add(struct packer *pk, const struct group *g, int started,
           const char *heading, const char *cont, const char *line)
{
    size_t line_units = gw_slack_len(line), cost;
    const char *prefix;

    if (pk->section_group == g &&
        pk->section_units + 1 + line_units <= GW_SLACK_SECTION_MAX &&
        pk->msg_units + 1 + line_units <= SECTIONS_BUDGET) {
        if (gw_buf_str(&pk->section, "\n") < 0 || gw_buf_str(&pk->section, line) < 0)
            return -1;
        pk->section_units += 1 + line_units;
        pk->msg_units += 1 + line_units;
        return 0;
    }
    if (packer_flush(pk) < 0)
        return -1;
    prefix = section_prefix(pk, g, started, heading, cont);
    cost = *prefix != '\0' ? gw_slack_len(prefix) + 1 + line_units : line_units;
    /* The header block is counted in the + 1; the new section must still fit. */
    if (1 + json_array_size(pk->msgs[pk->n_msgs - 1]) + 1 > GW_SLACK_MAX_BLOCKS ||
        pk->msg_units + cost > SECTIONS_BUDGET) {
        if (packer_new_message(pk) < 0)
            return -1;
        prefix = section_prefix(pk, g, started, heading, cont);
        cost = gw_slack_len(prefix) + 1 + line_units;
    }
    if (*prefix != '\0' && (gw_buf_str(&pk->section, prefix) < 0 || gw_buf_str(&pk->section, "\n") < 0))
        return -1;
    if (gw_buf_str(&pk->section, line) < 0)
        return -1;
    pk->section_units = cost;
    pk->msg_units += cost;
    pk->section_group = g;
    pk->msg_group = g;
    return 0;
}

/* "… and N more", linking to feed_url?component=<component>. */
static char *
render_more(const struct gw_digest_renderer *r, const char *component, size_t count,
            const char *feed_url)
{
    struct gw_buf url = {0};
    char *s = NULL;

    if (feed_url != NULL) {
        char *q = gw_url_query_escape(component);
        if (q == NULL || gw_buf_str(&url, feed_url) < 0 || gw_buf_str(&url, "?component=") < 0 ||
            gw_buf_str(&url, q) < 0) {
            free(q);
            free(url.p);
            return NULL;
        }
        free(q);
    }
    if (r->more != NULL)
        s = nonempty(r->more(r->ctx, component, count, url.p));
    if (s == NULL)
        s = gw_digest_default_renderer.more(NULL, component, count, url.p);
    free(url.p);
    return finish_text(s, TICKET_LINE_MAX, 1);
}

static int
pack_group(struct packer *pk, const struct group *g, const struct gw_digest_renderer *r,
           int64_t sla_warn, int64_t sla_crit, const char *feed_url)
{
    char *heading = NULL, *line = NULL;
    struct gw_buf cont = {0};
    int rc = -1;

    if ((heading = render_heading(r, g->component, g->count + g->more)) == NULL ||
        gw_buf_str(&cont, heading) < 0 || gw_buf_str(&cont, cont_suffix) < 0)
        goto done;
    for (size_t i = 0; i < g->count; i++) {
        const struct entry *e = g->first + i;
        /* Once g has lines, a message it is not yet in repeats its heading as cont. */
        int started = i > 0;
        line = render_line(r, e->t, e->remaining,
                           gw_sla_colour(e->remaining, sla_warn, sla_crit), &e->clock);
        if (line == NULL || packer_add(pk, g, started, heading, cont.p, line) < 0)
            goto done;
        free(line);
        line = NULL;
    }
    if (g->more > 0) {
        line = render_more(r, g->component, g->more, feed_url);
        if (line == NULL || packer_add(pk, g, g->count > 0, heading, cont.p, line) < 0)
            goto done;
    }
    rc = 0;
done:
    free(heading);
    free(line);
    free(cont.p);
    return rc;
}

/*
 * Wraps one message's sections (taken over) with its header and fallback
 * (taken over; cut to their limits here).
 */
static json_t *
wrap_message(json_t *sections, char *header, char *fallback)
{
    json_t *msg = NULL;

    header = finish_text(header, GW_SLACK_HEADER_MAX, 0);
    fallback = finish_text(fallback, FALLBACK_MAX, 1);
    if (header == NULL || fallback == NULL ||
        json_array_insert_new(sections, 0, text_block("header", "plain_text", header)) < 0 ||
        (msg = json_object()) == NULL ||
        json_object_set_new(msg, "text", json_string(fallback)) < 0)
        goto err;
    if (json_object_set_new(msg, "blocks", sections) < 0) {
        sections = NULL;
        goto err;
    }
    sections = NULL;
    goto done;
err:
    json_decref(msg);
    msg = NULL;
done:
    json_decref(sections);
    free(header);
    free(fallback);
    return msg;
}

static json_t *
finish_message(json_t *sections, const struct gw_digest_renderer *r,
               size_t open_tickets, size_t components, int part, int parts)
{
    return wrap_message(sections,
                        render_summary(r->header, r->ctx, open_tickets, components, part, parts),
                        render_summary(r->fallback, r->ctx, open_tickets, components, part, parts));
}

json_t *
gw_digest_build(const struct gw_ticket *tickets, size_t n, int64_t now,
                int64_t sla_warn, int64_t sla_crit, const struct gw_digest_renderer *r)
{
    return gw_digest_build_capped(tickets, n, NULL, now, sla_warn, sla_crit, r);
}

/* Adds the components of totals that have open tickets not listed. */
static size_t
add_totals(struct group *groups, size_t n_groups, const struct gw_digest_totals *totals)
{
    for (size_t i = 0; i < totals->n; i++) {
        size_t j = 0;
        while (j < n_groups && strcmp(groups[j].component, totals->components[i]) != 0)
            j++;
        if (j == n_groups) {
            if (totals->open[i] == 0)
                continue;
            groups[n_groups++] = (struct group){NULL, 0, totals->components[i], 0};
        }
        if (totals->open[i] > groups[j].count)
            groups[j].more = totals->open[i] - groups[j].count;
    }
    return n_groups;
}

json_t *
gw_digest_build_capped(const struct gw_ticket *tickets, size_t n,
                       const struct gw_digest_totals *totals, int64_t now, int64_t sla_warn,
                       int64_t sla_crit, const struct gw_digest_renderer *r)
{
    struct entry *entries = NULL;
    struct group *groups = NULL;
    struct packer pk = {0};
    size_t n_open = 0, n_groups = 0, all_open = 0;
    json_t *out = json_array();
    int ok = 0;

    if (r == NULL)
        r = &gw_digest_default_renderer;
    if (out == NULL || (entries = calloc(n != 0 ? n : 1, sizeof(*entries))) == NULL)
        goto done;
    for (size_t i = 0; i < n; i++) {
        const struct gw_ticket *t = &tickets[i];
        if (t->state != GW_TICKET_OPEN)
            continue;
        entries[n_open].t = t;
        entries[n_open].id = t->id != NULL ? t->id : "";
        entries[n_open].component = t->component != NULL ? t->component : "";
        entries[n_open].remaining = gw_sla_remaining(t->sla_deadline, now);
        gw_sla_status(r->sla, t, now, &entries[n_open].clock);
        n_open++;
    }
    qsort(entries, n_open, sizeof(*entries), entry_cmp);
    if ((groups = calloc(n_open + (totals != NULL ? totals->n : 0) + 1, sizeof(*groups))) == NULL)
        goto done;
    for (size_t i = 0; i < n_open; i++) {
        if (i == 0 || strcmp(entries[i].component, entries[i - 1].component) != 0) {
            groups[n_groups].first = &entries[i];
            groups[n_groups++].component = entries[i].component;
        }
        groups[n_groups - 1].count++;
    }
    if (totals != NULL)
        n_groups = add_totals(groups, n_groups, totals);
    for (size_t i = 0; i < n_groups; i++)
        all_open += groups[i].count + groups[i].more;
    if (n_groups == 0) {
        ok = 1;
        goto done;
    }
    qsort(groups, n_groups, sizeof(*groups), group_cmp);

    if (packer_new_message(&pk) < 0)
        goto done;
    for (size_t i = 0; i < n_groups; i++)
        if (pack_group(&pk, &groups[i], r, sla_warn, sla_crit,
                       totals != NULL ? totals->feed_url : NULL) < 0)
            goto done;
    if (packer_flush(&pk) < 0)
        goto done;
    for (size_t i = 0; i < pk.n_msgs; i++) {
        json_t *sections = pk.msgs[i];
        pk.msgs[i] = NULL;
        if (json_array_append_new(out, finish_message(sections, r, all_open, n_groups,
                                                      (int)i + 1, (int)pk.n_msgs)) < 0)
            goto done;
    }
    ok = 1;
done:
    packer_free(&pk);
    free(groups);
    free(entries);
    if (!ok) {
        json_decref(out);
        out = NULL;
    }
    return out;
}

json_t *
gw_blocks_lines(char *const *lines, size_t n, const char *footer, gw_part_text_fn header,
                gw_part_text_fn fallback, void *ctx)
{
    /* Lines share sections; the footer starts a section of its own. */
    struct group body = {NULL, n, "", 0}, end = {NULL, 1, "", 0};
    struct packer pk = {0};
    json_t *out = json_array();
    char *line = NULL;
    int ok = 0;

    if (out == NULL || packer_new_message(&pk) < 0)
        goto done;
    for (size_t i = 0; i < n; i++) {
        if ((line = finish_text(gw_utf8_copy(lines[i]), TICKET_LINE_MAX, 1)) == NULL ||
            packer_add(&pk, &body, 1, "", "", line) < 0)
            goto done;
        free(line);
        line = NULL;
    }
    if (footer != NULL && ((line = finish_text(gw_utf8_copy(footer), TICKET_LINE_MAX, 1)) == NULL ||
                           packer_add(&pk, &end, 1, "", "", line) < 0))
        goto done;
    if (packer_flush(&pk) < 0)
        goto done;
    for (size_t i = 0; i < pk.n_msgs; i++) {
        json_t *sections = pk.msgs[i];
        int part = (int)i + 1, parts = (int)pk.n_msgs;
        pk.msgs[i] = NULL;
        if (json_array_append_new(out, wrap_message(sections, header(ctx, part, parts),
                                                    fallback(ctx, part, parts))) < 0)
            goto done;
    }
    ok = 1;
done:
    free(line);
    packer_free(&pk);
    if (!ok) {
        json_decref(out);
        out = NULL;
    }
    return out;
}
