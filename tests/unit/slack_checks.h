/*
 * Fixtures and checks shared by the Slack test programs (test_blockkit.c,
 * test_render.c): tickets with links "https://example.com/t/N", and asserts
 * on the limits and well-formedness of built Slack messages. Every helper
 * fails the running test on a broken expectation or on OOM.
 */
#ifndef GW_TEST_SLACK_CHECKS_H
#define GW_TEST_SLACK_CHECKS_H

#include <check.h>
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gateway/text/slack.h"
#include "gateway/core/ticket.h"
#include "gateway/util/utf8.h"

#define NOW 1795000000          /* 2026-11-18T11:06:40Z */
#define HOUR 3600
#define WARN (24 * HOUR)
#define CRIT (8 * HOUR)

static const char red[] = "\xF0\x9F\x94\xB4";

/* Fixtures */

static inline char *
xstrdup(const char *s)
{
    char *p = strdup(s);

    ck_assert_ptr_nonnull(p);
    return p;
}

/* unit repeated `times` times; malloc'd. */
static inline char *
repeat(const char *unit, size_t times)
{
    size_t len = strlen(unit);
    char *s = malloc(len * times + 1);

    ck_assert_ptr_nonnull(s);
    for (size_t i = 0; i < times; i++)
        memcpy(s + i * len, unit, len);
    s[len * times] = '\0';
    return s;
}

/* Open high-severity ticket i, link https://example.com/t/i, SLA `remaining` after NOW. */
static inline void
set_ticket(struct gw_ticket *t, size_t i, const char *component, const char *title,
           int64_t remaining)
{
    char buf[96];

    memset(t, 0, sizeof(*t));
    snprintf(buf, sizeof(buf), "gh:octo/api#%zu", i);
    t->id = xstrdup(buf);
    t->source = xstrdup("github");
    snprintf(buf, sizeof(buf), "https://example.com/t/%zu", i);
    t->url = xstrdup(buf);
    t->title = xstrdup(title);
    t->component = component != NULL ? xstrdup(component) : NULL;
    t->severity = GW_SEV_HIGH;
    t->state = GW_TICKET_OPEN;
    t->created_at = NOW - 1000;
    t->sla_deadline = NOW + remaining;
}

static inline void
free_tickets(struct gw_ticket *t, size_t n)
{
    for (size_t i = 0; i < n; i++)
        gw_ticket_clear(&t[i]);
    free(t);
}

/* Checks on Slack messages */

static inline const char *
block_text(json_t *block)
{
    return json_string_value(json_object_get(json_object_get(block, "text"), "text"));
}

/* s is non-empty valid UTF-8 within max_units, counted either way. */
static inline void
check_text(const char *s, size_t max_units)
{
    ck_assert_ptr_nonnull(s);
    ck_assert(*s != '\0');
    ck_assert(gw_utf8_valid(s, strlen(s)));
    ck_assert_uint_le(gw_utf8_count(s, strlen(s)), max_units);
    ck_assert_uint_le(gw_slack_len(s), max_units);
}

/* Every '<' opens a well-formed "<https://example.com/t/N|label>" link; every '&' an entity. */
static inline void
check_links_only(const char *text)
{
    for (const char *p = strchr(text, '<'); p != NULL; p = strchr(p + 1, '<')) {
        const char *close = strchr(p, '>'), *bar = strchr(p, '|');
        ck_assert_msg(strncmp(p, "<https://example.com/t/", 23) == 0, "stray '<': %.40s", p);
        ck_assert_ptr_nonnull(close);
        ck_assert_ptr_nonnull(bar);
        ck_assert(bar < close);
        ck_assert_ptr_null(memchr(p + 1, '<', (size_t)(close - p)));
        ck_assert_ptr_null(memchr(bar + 1, '|', (size_t)(close - bar)));
        ck_assert_ptr_null(memchr(p, '\n', (size_t)(close - p)));
    }
    for (const char *p = strchr(text, '&'); p != NULL; p = strchr(p + 1, '&'))
        ck_assert_msg(strncmp(p, "&amp;", 5) == 0 || strncmp(p, "&lt;", 4) == 0 ||
                      strncmp(p, "&gt;", 4) == 0, "stray '&': %.20s", p);
}

/*
 * Asserts the limits of one message {"text", "blocks": [header?, section…]},
 * all its text under max_total units, and returns its section text, each
 * section followed by '\n' (malloc'd).
 */
static inline char *
check_message_within(json_t *msg, int with_header, size_t max_total)
{
    json_t *blocks = json_object_get(msg, "blocks"), *block;
    const char *fallback = json_string_value(json_object_get(msg, "text"));
    size_t total, i, used = 0;
    char *dump = json_dumps(msg, 0), *all = calloc(1, max_total * 4);
    json_t *back;

    ck_assert_ptr_nonnull(dump);
    ck_assert_ptr_nonnull(all);
    back = json_loads(dump, 0, NULL);
    ck_assert(json_equal(back, msg));
    json_decref(back);
    free(dump);

    check_text(fallback, GW_SLACK_SECTION_MAX);
    total = gw_slack_len(fallback);
    ck_assert(json_is_array(blocks));
    ck_assert_uint_ge(json_array_size(blocks), 1);
    ck_assert_uint_le(json_array_size(blocks), GW_SLACK_MAX_BLOCKS);
    json_array_foreach(blocks, i, block) {
        const char *type = json_string_value(json_object_get(block, "type"));
        const char *text_type = json_string_value(
            json_object_get(json_object_get(block, "text"), "type"));
        const char *text = block_text(block);
        ck_assert_ptr_nonnull(type);
        ck_assert_ptr_nonnull(text_type);
        if (with_header && i == 0) {
            ck_assert_str_eq(type, "header");
            ck_assert_str_eq(text_type, "plain_text");
            check_text(text, GW_SLACK_HEADER_MAX);
        } else {
            ck_assert_str_eq(type, "section");
            ck_assert_str_eq(text_type, "mrkdwn");
            check_text(text, GW_SLACK_SECTION_MAX);
            memcpy(all + used, text, strlen(text));
            used += strlen(text);
            all[used++] = '\n';
        }
        total += gw_slack_len(text);
    }
    ck_assert_uint_lt(total, max_total);
    return all;
}

/* check_message_within the limit of every message but grouped breach notices. */
static inline char *
check_message(json_t *msg, int with_header)
{
    return check_message_within(msg, with_header, GW_SLACK_MESSAGE_MAX);
}

/*
 * Every message of digest checked (a header and at least one section); all
 * section text joined (malloc'd). With check_parts, the header and fallback
 * of a split digest carry "(part i/N)".
 */
static inline char *
check_digest(json_t *digest, int check_parts)
{
    size_t i, cap = 1, used = 0, parts = json_array_size(digest);
    char *all = malloc(cap);
    json_t *msg;

    ck_assert(json_is_array(digest));
    ck_assert_ptr_nonnull(all);
    all[0] = '\0';
    json_array_foreach(digest, i, msg) {
        char *text = check_message(msg, 1), *grown;
        const char *header = block_text(json_array_get(json_object_get(msg, "blocks"), 0));
        char part[64];

        ck_assert_uint_ge(json_array_size(json_object_get(msg, "blocks")), 2);
        if (check_parts && parts > 1) {
            snprintf(part, sizeof(part), "(part %zu/%zu)", i + 1, parts);
            ck_assert_ptr_nonnull(strstr(header, part));
            ck_assert_ptr_nonnull(strstr(json_string_value(json_object_get(msg, "text")),
                                         part));
        }
        cap += strlen(text);
        grown = realloc(all, cap);
        ck_assert_ptr_nonnull(grown);
        all = grown;
        memcpy(all + used, text, strlen(text) + 1);
        used += strlen(text);
        free(text);
    }
    return all;
}

/* Ticket i's link opener appears exactly once for each i < n, and no other. */
static inline void
check_each_once(const char *text, size_t n)
{
    static const char opener[] = "<https://example.com/t/";
    size_t *seen = calloc(n + 1, sizeof(*seen)), links = 0;

    ck_assert_ptr_nonnull(seen);
    for (const char *p = strstr(text, opener); p != NULL; p = strstr(p + 1, opener)) {
        char *end;
        unsigned long i = strtoul(p + sizeof(opener) - 1, &end, 10);
        ck_assert_int_eq(*end, '|');
        ck_assert_uint_lt(i, n);
        seen[i]++;
        links++;
    }
    ck_assert_uint_eq(links, n);
    for (size_t i = 0; i < n; i++)
        ck_assert_msg(seen[i] == 1, "ticket %zu appears %zu times", i, seen[i]);
    free(seen);
}

#endif
